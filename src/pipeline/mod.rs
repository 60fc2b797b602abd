//! The pipeline's own position: read from where the connector stores it (`--offset`), and
//! measured against the server (bytes and seconds behind, time until it is purged).

pub mod connect_rest;
pub mod connector_settings;
pub mod error;
pub mod file_times;
pub mod formats;
pub mod offset;
pub mod offsets_topic;
pub mod source;
pub mod standing;

pub use error::OffsetError;
pub use offset::{StoredOffset, Writer};
pub use source::{OffsetSource, Pipeline};
