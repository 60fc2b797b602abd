//! The pipeline: its stored position, read from where the connector stores it (`--offset`)
//! and measured against the server (bytes and seconds behind, time until it is purged), and
//! the sampler that looks at a running pipeline as a whole (`sample`).

pub mod connect_rest;
pub mod connector_settings;
pub mod error;
pub mod file_times;
pub mod formats;
pub mod heartbeat;
pub mod offset;
pub mod offsets_topic;
pub mod sample;
pub mod snapshot_locking;
pub mod source;
pub mod standing;
pub mod table_rows;

pub use error::OffsetError;
pub use heartbeat::E2eLag;
pub use offset::{StoredOffset, Writer};
pub use sample::{Sample, Sampler, SamplerConfig};
pub use source::{OffsetSource, Pipeline};
pub use table_rows::{TablePair, TableRows};
