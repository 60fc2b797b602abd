//! Why a broker read failed. Callers branch on it: a broker that does not answer is not the
//! same failure as a topic that is not there.

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum KafkaError {
    /// The broker address cannot be used as given.
    #[error("{0}")]
    BadBroker(String),
    /// Nothing answered in time, or the connection was refused.
    #[error("Kafka broker {broker} could not be reached within {}: {why}", secs(*timeout))]
    Unreachable {
        broker: String,
        timeout: Duration,
        why: String,
    },
    /// The broker answered but did not take the SASL login (mechanism, user or password).
    #[error("Kafka broker {broker} did not accept the SASL login: {why}")]
    Auth { broker: String, why: String },
    #[error(
        "Kafka broker {broker} has no topic {topic:?}{}",
        similar_list(similar)
    )]
    UnknownTopic {
        broker: String,
        topic: String,
        /// The broker's topics whose names come closest, best first (may be empty).
        similar: Vec<String>,
    },
    /// The broker answered, with an error or something the client could not use.
    #[error("Kafka broker {broker}: {why}")]
    Broker { broker: String, why: String },
    #[error("cannot start the Kafka client: {0}")]
    Runtime(std::io::Error),
}

fn similar_list(similar: &[String]) -> String {
    if similar.is_empty() {
        String::new()
    } else {
        format!("; similar topics there: {}", similar.join(", "))
    }
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}
