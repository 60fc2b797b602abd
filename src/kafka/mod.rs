//! A Kafka client for what cdc reads from brokers: Kafka Connect's offsets topic, and a
//! pipeline's change topics watched from their end. Blocking API over rskafka: each call
//! runs on a small runtime of the caller's.

pub mod bootstrap;
pub mod debezium;
pub mod error;
pub mod offsets_topic;
pub mod record;
mod session;
pub mod topics;
pub mod url;
pub mod watch;

pub use bootstrap::Bootstrap;
pub use error::KafkaError;
pub use record::Record;
pub use url::KafkaUrl;
