//! Why a pipeline's stored position could not be read. Callers branch on it: an offset that
//! is not there yet (a new connector) is not the same failure as an unreachable worker.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum OffsetError {
    #[error("cannot read the offset file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The content is none of the shapes cdc knows.
    #[error("{origin}: not an offset cdc recognises: {why}")]
    Unrecognised { origin: String, why: String },
    /// A known shape with a field that does not hold what it should.
    #[error("{origin}: field {field:?}: {why}")]
    Field {
        origin: String,
        field: String,
        why: String,
    },
    /// The pipeline has stored no position (yet): nothing to resume from.
    #[error("{origin}: no stored position for this connector{hint}")]
    None { origin: String, hint: String },
    /// Kafka Connect's REST API did not answer as documented.
    #[error("{url}: {why}")]
    Http { url: String, why: String },
    /// The broker holding the offsets topic could not be read.
    #[error(transparent)]
    Kafka(#[from] crate::kafka::KafkaError),
    #[error("{0:?} is not an offset source: give a file path, connect+http://HOST:PORT/connectors/NAME, or kafka://BROKER:PORT/TOPIC?connector=NAME")]
    BadSource(String),
}
