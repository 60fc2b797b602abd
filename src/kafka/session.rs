//! One blocking call's worth of client: a current-thread runtime, a connection to the
//! bootstrap brokers, every network step bounded by the caller's timeout, and rskafka's
//! errors turned into [`KafkaError`].

use std::future::Future;
use std::time::Duration;

use rskafka::client::error::{Error as ClientError, ProtocolError};
use rskafka::client::{Client, ClientBuilder};
use rskafka::BackoffConfig;

use tokio::runtime::Runtime;

use super::bootstrap::Bootstrap;
use super::error::KafkaError;
use super::url::KafkaUrl;
use crate::connection::redact::Redactor;

pub(crate) struct Session {
    pub(crate) client: Client,
    pub(crate) bootstrap: Bootstrap,
    pub(crate) timeout: Duration,
    /// Takes the SASL password out of whatever the client or broker says.
    redactor: Redactor,
}

/// A current-thread runtime: the callers are synchronous and one read does not need more
/// than one thread.
pub(crate) fn runtime() -> Result<Runtime, KafkaError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(KafkaError::Runtime)
}

/// Runs `body` against a fresh connection to `broker` (a [`KafkaUrl`]), on a runtime of its
/// own.
pub(crate) fn with_session<T, F, Fut>(
    broker: &str,
    timeout: Duration,
    body: F,
) -> Result<T, KafkaError>
where
    F: FnOnce(Session) -> Fut,
    Fut: Future<Output = Result<T, KafkaError>>,
{
    let url = KafkaUrl::parse(broker)?;
    runtime()?.block_on(async { body(connect(&url, timeout).await?).await })
}

/// A connection to the brokers of `url`, with its TLS and SASL options.
pub(crate) async fn connect(url: &KafkaUrl, timeout: Duration) -> Result<Session, KafkaError> {
    let bootstrap = url.bootstrap.clone();
    let redactor = url.redactor();
    // rskafka retries forever unless told otherwise; the caller's bound is the deadline.
    let backoff = BackoffConfig {
        deadline: Some(timeout),
        ..BackoffConfig::default()
    };
    let mut builder = ClientBuilder::new(bootstrap.brokers().to_vec())
        .client_id("cdc")
        .backoff_config(backoff);
    if let Some(tls) = url.tls_config()? {
        builder = builder.tls_config(tls);
    }
    if let Some(sasl) = url.sasl_config() {
        builder = builder.sasl_config(sasl);
    }
    let client = match tokio::time::timeout(timeout, builder.build()).await {
        Ok(Ok(client)) => client,
        Ok(Err(e)) => return Err(unreachable(&bootstrap, timeout, &redactor, &e)),
        Err(_) => return Err(no_answer(&bootstrap, timeout)),
    };
    Ok(Session {
        client,
        bootstrap,
        timeout,
        redactor,
    })
}

impl Session {
    /// One network step, bounded by the timeout; `topic` names an unknown-topic answer.
    pub(crate) async fn step<T>(
        &self,
        topic: &str,
        fut: impl Future<Output = Result<T, ClientError>>,
    ) -> Result<T, KafkaError> {
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(self.answered(topic, &e)),
            Err(_) => Err(no_answer(&self.bootstrap, self.timeout)),
        }
    }

    fn redact(&self, text: &str) -> String {
        self.redactor.redact(text).to_string()
    }

    fn answered(&self, topic: &str, e: &ClientError) -> KafkaError {
        let broker = self.bootstrap.to_string();
        match e {
            ClientError::ServerError {
                protocol_error: ProtocolError::UnknownTopicOrPartition,
                ..
            } => KafkaError::UnknownTopic {
                broker,
                topic: topic.to_string(),
                similar: Vec::new(),
            },
            ClientError::ServerError {
                protocol_error,
                error_message,
                ..
            } => KafkaError::Broker {
                broker,
                // rskafka's own text carries the whole request; the code and message suffice.
                why: self.redact(&match error_message {
                    Some(m) => format!("{protocol_error}: {m}"),
                    None => protocol_error.to_string(),
                }),
            },
            ClientError::Connection(_) | ClientError::Request(_) => {
                unreachable(&self.bootstrap, self.timeout, &self.redactor, e)
            }
            other => KafkaError::Broker {
                broker,
                why: self.redact(&other.to_string()),
            },
        }
    }
}

fn unreachable(
    bootstrap: &Bootstrap,
    timeout: Duration,
    redactor: &Redactor,
    e: &ClientError,
) -> KafkaError {
    connect_failed(
        bootstrap,
        timeout,
        redactor.redact(&e.to_string()).to_string(),
    )
}

/// A failed connection, told apart by rskafka's words: its SASL failures come only as text
/// inside the retries' error.
fn connect_failed(bootstrap: &Bootstrap, timeout: Duration, why: String) -> KafkaError {
    let broker = bootstrap.to_string();
    if why.contains("Sasl handshake failed") {
        KafkaError::Auth { broker, why }
    } else {
        KafkaError::Unreachable {
            broker,
            timeout,
            why,
        }
    }
}

fn no_answer(bootstrap: &Bootstrap, timeout: Duration) -> KafkaError {
    KafkaError::Unreachable {
        broker: bootstrap.to_string(),
        timeout,
        why: "no answer".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_login_is_not_an_unreachable_broker() {
        let b = Bootstrap::parse("h:9092").unwrap();
        let t = Duration::from_secs(1);
        let e = connect_failed(
            &b,
            t,
            "all retries failed: error connecting to broker: Sasl handshake failed: API error: \
             SaslAuthenticationFailed"
                .into(),
        );
        assert!(matches!(e, KafkaError::Auth { .. }), "{e:?}");
        assert!(
            e.to_string().contains("did not accept the SASL login"),
            "{e}"
        );
        let e = connect_failed(&b, t, "Connection refused (os error 111)".into());
        assert!(matches!(e, KafkaError::Unreachable { .. }), "{e:?}");
    }
}
