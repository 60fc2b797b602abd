//! `--offset SOURCE`: where a pipeline keeps its position, and reading it from there.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use super::connect_rest::{self, Connector, ConnectorUrl};
use super::error::OffsetError;
use super::formats;
use super::offset::StoredOffset;
use super::offsets_topic;

/// The largest offset file read: a job log may be long, an offset never is.
const MAX_FILE: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub enum OffsetSource {
    /// A position file, an offset value, or a Flink CDC job log; the shape is recognised.
    File(PathBuf),
    /// Kafka Connect's REST API for one connector.
    Connect(ConnectorUrl),
    /// The Connect offsets topic: the last value for the connector's key.
    KafkaTopic {
        broker: String,
        topic: String,
        connector: String,
    },
}

/// What reading the source gave: the stored position, and what the worker said of the
/// connector when it was asked (REST only).
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    pub offset: StoredOffset,
    pub connector: Option<Connector>,
}

impl FromStr for OffsetSource {
    type Err = OffsetError;

    fn from_str(s: &str) -> Result<OffsetSource, OffsetError> {
        let s = s.trim();
        if let Some(url) = ConnectorUrl::parse(s) {
            return url.map(OffsetSource::Connect);
        }
        if let Some(rest) = s.strip_prefix("kafka://") {
            return kafka_topic(rest).ok_or_else(|| OffsetError::BadSource(s.to_string()));
        }
        if s.is_empty() || s.contains("://") {
            return Err(OffsetError::BadSource(s.to_string()));
        }
        Ok(OffsetSource::File(PathBuf::from(s)))
    }
}

/// `BROKER:PORT/TOPIC?connector=NAME`.
fn kafka_topic(rest: &str) -> Option<OffsetSource> {
    let (broker, rest) = rest.split_once('/')?;
    let (topic, query) = rest.split_once('?')?;
    let connector = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("connector="))?;
    if broker.is_empty() || topic.is_empty() || connector.is_empty() {
        return None;
    }
    Some(OffsetSource::KafkaTopic {
        broker: broker.to_string(),
        topic: topic.to_string(),
        connector: connector.to_string(),
    })
}

impl OffsetSource {
    /// Reads the stored position, every network wait bounded by `timeout`.
    pub fn read(&self, timeout: Duration) -> Result<Pipeline, OffsetError> {
        match self {
            OffsetSource::File(path) => {
                let text = read_file(path)?;
                let offset = formats::parse(&path.display().to_string(), &text)?;
                Ok(Pipeline {
                    offset,
                    connector: None,
                })
            }
            OffsetSource::Connect(url) => {
                let (offset, connector) = connect_rest::read(url, timeout)?;
                Ok(Pipeline {
                    offset,
                    connector: Some(connector),
                })
            }
            OffsetSource::KafkaTopic {
                broker,
                topic,
                connector,
            } => Ok(Pipeline {
                offset: offsets_topic::read(broker, topic, connector, timeout)?,
                connector: None,
            }),
        }
    }
}

fn read_file(path: &PathBuf) -> Result<String, OffsetError> {
    use std::io::Read;
    let err = |source| OffsetError::Read {
        path: path.clone(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(err)?;
    if !meta.is_file() {
        return Err(err(std::io::Error::other("not a regular file")));
    }
    let mut text = Vec::new();
    let file = std::fs::File::open(path).map_err(err)?;
    // A job log may be larger than the bound: its last lines are the ones that count.
    let skip = meta.len().saturating_sub(MAX_FILE);
    let mut file = std::io::BufReader::new(file);
    std::io::copy(&mut (&mut file).take(skip), &mut std::io::sink()).map_err(err)?;
    file.take(MAX_FILE).read_to_end(&mut text).map_err(err)?;
    Ok(String::from_utf8_lossy(&text).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources() {
        assert_eq!(
            "state/binlog_position_shop_orders.json"
                .parse::<OffsetSource>()
                .unwrap(),
            OffsetSource::File("state/binlog_position_shop_orders.json".into())
        );
        assert!(matches!(
            "connect+http://connect:8083/connectors/inventory".parse::<OffsetSource>().unwrap(),
            OffsetSource::Connect(u) if u.name == "inventory"
        ));
        assert_eq!(
            "kafka://broker:9092/connect-offsets?connector=inventory"
                .parse::<OffsetSource>()
                .unwrap(),
            OffsetSource::KafkaTopic {
                broker: "broker:9092".into(),
                topic: "connect-offsets".into(),
                connector: "inventory".into()
            }
        );
        for bad in ["kafka://broker:9092/connect-offsets", "http://x/y", ""] {
            let e = bad.parse::<OffsetSource>().unwrap_err().to_string();
            assert!(e.contains("is not an offset source"), "{bad}: {e}");
        }
    }

    #[test]
    fn files_are_read_and_named_in_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.json");
        let e = OffsetSource::File(missing.clone())
            .read(Duration::from_secs(1))
            .unwrap_err()
            .to_string();
        assert!(e.contains(&missing.display().to_string()), "{e}");
        let e = OffsetSource::File(dir.path().to_path_buf())
            .read(Duration::from_secs(1))
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a regular file"), "{e}");
        let f = dir.path().join("offset.json");
        std::fs::write(&f, r#"{"file":"binlog.000002","pos":157}"#).unwrap();
        let p = OffsetSource::File(f).read(Duration::from_secs(1)).unwrap();
        assert_eq!(p.offset.position.unwrap().to_string(), "binlog.000002:157");
    }
}
