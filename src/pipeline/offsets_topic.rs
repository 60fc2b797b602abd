//! Kafka Connect's offsets topic: records keyed `["CONNECTOR",{"server":"PREFIX"}]` whose
//! values are the source offset; the newest value for the connector's key is its position.

use std::time::Duration;

use serde_json::Value;

use super::error::OffsetError;
use super::formats;
use super::offset::StoredOffset;

/// The connector's stored offset in `topic` on `broker`.
pub(crate) fn read(
    broker: &str,
    topic: &str,
    connector: &str,
    timeout: Duration,
) -> Result<StoredOffset, OffsetError> {
    let origin = format!("kafka://{broker}/{topic} (connector {connector})");
    let record = crate::kafka::offsets_topic::last_value(
        broker,
        topic,
        &|key| key_is_for(key, connector),
        timeout,
    )?;
    let value = match record {
        Some(r) => r.value.ok_or_else(|| OffsetError::None {
            origin: origin.clone(),
            hint: format!(
                ": its newest record (partition {}, offset {}) is a tombstone: the connector's offsets were reset",
                r.partition, r.offset
            ),
        })?,
        None => {
            return Err(OffsetError::None {
                origin,
                hint: format!(
                    " (no record keyed [\"{connector}\", ...] in the topic: check the connector's name)"
                ),
            })
        }
    };
    formats::parse(&origin, &String::from_utf8_lossy(&value))
}

/// Whether a record key is `["CONNECTOR", {...}]`: Connect's JSON converter writes the
/// connector name, then the source partition.
pub(crate) fn key_is_for(key: &[u8], connector: &str) -> bool {
    match serde_json::from_slice::<Value>(key) {
        Ok(Value::Array(parts)) => parts.first().and_then(Value::as_str) == Some(connector),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert!(key_is_for(
            br#"["inventory",{"server":"dbserver1"}]"#,
            "inventory"
        ));
        assert!(!key_is_for(
            br#"["inventory2",{"server":"dbserver1"}]"#,
            "inventory"
        ));
        assert!(!key_is_for(b"inventory", "inventory"));
        assert!(!key_is_for(br#"{"connector":"inventory"}"#, "inventory"));
    }
}
