//! A Kafka client for what cdc reads from brokers: Kafka Connect's offsets topic now, a
//! pipeline's change topics later. Blocking API over rskafka: each call runs a small runtime.

pub mod bootstrap;
pub mod error;
pub mod offsets_topic;
pub mod record;
mod session;

pub use bootstrap::Bootstrap;
pub use error::KafkaError;
pub use record::Record;
