//! The shapes pipelines store their position in, recognised from the content itself: a
//! python-mysql-replication position file, a Debezium offset (bare, or as Kafka Connect's
//! REST API returns it), a Flink CDC job log's "Binlog offset on checkpoint N: {...}" lines.

use serde_json::{Map, Value};

use super::error::OffsetError;
use super::offset::{StoredOffset, Writer};
use crate::binlog::position::{FilePos, GtidSet};

const FLINK_MARK: &str = "Binlog offset on checkpoint ";

/// The offset `text` holds, read from `origin` (named in errors).
pub fn parse(origin: &str, text: &str) -> Result<StoredOffset, OffsetError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.starts_with('{') {
        if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(trimmed) {
            return from_json(origin, &map);
        }
    }
    if text.contains(FLINK_MARK) {
        return flink_log(origin, text);
    }
    let why = if trimmed.starts_with('{') {
        "it looks like JSON but does not parse as a JSON object".to_string()
    } else {
        format!(
            "expected a JSON offset (Debezium file/pos/gtids, python-mysql-replication log_file/log_pos) or a Flink CDC log with \"{}N: {{...}}\" lines",
            FLINK_MARK.trim_end()
        )
    };
    Err(OffsetError::Unrecognised {
        origin: origin.into(),
        why,
    })
}

fn from_json(origin: &str, map: &Map<String, Value>) -> Result<StoredOffset, OffsetError> {
    if map.contains_key("log_file") || map.contains_key("log_pos") {
        return python_position_file(origin, map);
    }
    if let Some(offsets) = map.get("offsets") {
        return connect_rest_offsets(origin, offsets);
    }
    if ["file", "pos", "gtids"]
        .iter()
        .any(|k| map.contains_key(*k))
    {
        return fields(origin, Writer::Debezium, &|k| map.get(k).cloned());
    }
    Err(OffsetError::Unrecognised {
        origin: origin.into(),
        why: format!(
            "a JSON object with none of log_file/log_pos, offsets, file/pos/gtids (keys: {})",
            map.keys().take(8).cloned().collect::<Vec<_>>().join(", ")
        ),
    })
}

/// `{"log_file","log_pos","timestamp","readable_time"}` (seed 003's app).
fn python_position_file(
    origin: &str,
    map: &Map<String, Value>,
) -> Result<StoredOffset, OffsetError> {
    let field = |name: &str, why: &str| OffsetError::Field {
        origin: origin.into(),
        field: name.into(),
        why: why.into(),
    };
    let file = map
        .get("log_file")
        .and_then(Value::as_str)
        .ok_or_else(|| field("log_file", "missing or not a string"))?;
    let pos = map
        .get("log_pos")
        .and_then(number)
        .ok_or_else(|| field("log_pos", "missing or not a number"))?;
    let mut offset = StoredOffset::new(Writer::PythonMysqlReplication, origin);
    offset.position = Some(file_pos(origin, "log_pos", file, pos)?);
    offset.saved_at = map.get("timestamp").and_then(Value::as_f64);
    Ok(offset)
}

/// `GET /connectors/NAME/offsets`: `{"offsets":[{"partition":{...},"offset":{...}}]}`. A MySQL
/// connector has one partition (its topic prefix); an empty list means none stored yet.
pub(crate) fn connect_rest_offsets(
    origin: &str,
    offsets: &Value,
) -> Result<StoredOffset, OffsetError> {
    let list = offsets.as_array().ok_or_else(|| OffsetError::Field {
        origin: origin.into(),
        field: "offsets".into(),
        why: "not a list".into(),
    })?;
    let Some(entry) = list.iter().rev().find_map(|e| e.get("offset")?.as_object()) else {
        return Err(OffsetError::None {
            origin: origin.into(),
            hint: ": the connector has not committed an offset yet (or it was reset)".into(),
        });
    };
    fields(origin, Writer::Debezium, &|k| entry.get(k).cloned())
}

/// The last "Binlog offset on checkpoint N: {ts_sec=0, file=..., pos=..., ...}" line: Java's
/// Map.toString of Flink CDC's BinlogOffset, every value a string.
fn flink_log(origin: &str, text: &str) -> Result<StoredOffset, OffsetError> {
    let line = text
        .lines()
        .rev()
        .find(|l| l.contains(FLINK_MARK))
        .unwrap_or_default();
    let after = &line[line.find(FLINK_MARK).map_or(0, |i| i + FLINK_MARK.len())..];
    let body = after
        .split_once(": {")
        .map(|(_, b)| b)
        .and_then(|b| b.rsplit_once('}').map(|(b, _)| b))
        .ok_or_else(|| OffsetError::Unrecognised {
            origin: origin.into(),
            why: format!(
                "the last checkpoint line has no {{...}} offset: {:?}",
                clip(line)
            ),
        })?;
    let map = java_map(body);
    let mut offset = fields(origin, Writer::FlinkCdc, &|k| {
        map.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| Value::String(v.clone()))
    })?;
    if let Some(id) = after.split_once(':').map(|(n, _)| n.trim()) {
        offset.origin = format!("{origin} (checkpoint {id})");
    }
    Ok(offset)
}

/// `k=v, k=v`: a value may itself hold ", " (a GTID set of several uuids): a piece without
/// `=` belongs to the value before it.
fn java_map(body: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for piece in body.split(", ") {
        match piece.split_once('=') {
            Some((k, v)) if !k.contains(':') && !k.contains(',') => {
                out.push((k.trim().to_string(), v.trim().to_string()))
            }
            _ => {
                if let Some((_, v)) = out.last_mut() {
                    v.push(',');
                    v.push_str(piece.trim());
                }
            }
        }
    }
    out
}

/// Debezium's and Flink CDC's offset keys: file, pos, row, event, gtids, server_id, ts_sec,
/// snapshot. Values are numbers or strings (Flink writes strings).
fn fields(
    origin: &str,
    writer: Writer,
    get: &dyn Fn(&str) -> Option<Value>,
) -> Result<StoredOffset, OffsetError> {
    let bad = |name: &str, why: String| OffsetError::Field {
        origin: origin.into(),
        field: name.into(),
        why,
    };
    let num = |name: &str| -> Result<Option<u64>, OffsetError> {
        match get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => number(&v)
                .map(Some)
                .ok_or_else(|| bad(name, format!("{v} is not a number"))),
        }
    };
    let mut offset = StoredOffset::new(writer, origin);
    let file = get("file").and_then(|v| v.as_str().map(str::to_string));
    if let Some(file) = file.filter(|f| !f.is_empty()) {
        let pos = num("pos")?.ok_or_else(|| bad("pos", "missing beside file".into()))?;
        offset.position = Some(file_pos(origin, "pos", &file, pos)?);
    }
    if let Some(g) = get("gtids").and_then(|v| v.as_str().map(str::to_string)) {
        if !g.trim().is_empty() {
            offset.gtids = Some(
                g.parse::<GtidSet>()
                    .map_err(|e| bad("gtids", e.to_string()))?,
            );
        }
    }
    offset.server_id = num("server_id")?
        .map(|id| u32::try_from(id).map_err(|_| bad("server_id", format!("{id} is past 2^32-1"))))
        .transpose()?;
    offset.event_time = num("ts_sec")?
        .filter(|t| *t > 0)
        .and_then(|t| i64::try_from(t).ok());
    offset.skip_events = num("event")?.unwrap_or(0);
    offset.skip_rows = num("row")?.unwrap_or(0);
    offset.snapshot = matches!(get("snapshot"), Some(Value::Bool(true)))
        || get("snapshot").and_then(|v| v.as_str().map(|s| s == "true")) == Some(true);
    if !offset.has_position() {
        return Err(OffsetError::None {
            origin: origin.into(),
            hint: match writer {
                Writer::FlinkCdc => format!(
                    " (kind={}: not a position in the binlog)",
                    get("kind")
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                ),
                _ => String::new(),
            },
        });
    }
    Ok(offset)
}

fn file_pos(origin: &str, field: &str, file: &str, pos: u64) -> Result<FilePos, OffsetError> {
    format!("{file}:{pos}")
        .parse()
        .map_err(
            |e: crate::binlog::position::BadPosition| OffsetError::Field {
                origin: origin.into(),
                field: field.into(),
                why: e.to_string(),
            },
        )
}

/// A non-negative integer, as a JSON number or a decimal string.
fn number(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn clip(line: &str) -> String {
    line.chars().take(160).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_mysql_replication_position_file() {
        let o = parse(
            "state/binlog_position_shop_orders.json",
            r#"{"log_file": "mysql-bin.000123", "log_pos": 45678, "timestamp": 1704067200.0, "readable_time": "2024-01-01 12:00:00 UTC"}"#,
        )
        .unwrap();
        assert_eq!(o.writer, Writer::PythonMysqlReplication);
        assert_eq!(o.position.unwrap().to_string(), "mysql-bin.000123:45678");
        assert_eq!(o.saved_at, Some(1704067200.0));
        assert_eq!(o.event_time, None);
    }

    #[test]
    fn debezium_offset_value_and_rest_answer() {
        let value = r#"{"ts_sec":1700000000,"file":"binlog.000003","pos":1234,"row":1,"event":2,"gtids":"3e11fa47-71ca-11e1-9e33-c80aa9429562:1-20","server_id":1}"#;
        let o = parse("offset.json", value).unwrap();
        assert_eq!(o.writer, Writer::Debezium);
        assert_eq!(
            o.position.as_ref().unwrap().to_string(),
            "binlog.000003:1234"
        );
        assert_eq!(
            o.gtids.as_ref().unwrap().to_string(),
            "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-20"
        );
        assert_eq!((o.server_id, o.event_time), (Some(1), Some(1_700_000_000)));
        assert_eq!((o.skip_events, o.skip_rows), (2, 1));
        let rest =
            format!(r#"{{"offsets":[{{"partition":{{"server":"dbserver1"}},"offset":{value}}}]}}"#);
        assert_eq!(parse("rest", &rest).unwrap().position, o.position);
        let empty = parse("rest", r#"{"offsets":[]}"#).unwrap_err();
        assert!(matches!(empty, OffsetError::None { .. }), "{empty}");
        let snap = parse("o", r#"{"file":"binlog.000001","pos":157,"snapshot":true}"#).unwrap();
        assert!(snap.snapshot);
    }

    #[test]
    fn flink_checkpoint_log_takes_the_last_line() {
        let log = "\
2026-11-30 10:00:00,001 INFO  org.apache.flink.cdc.connectors.mysql.source.reader.MySqlSourceReader [] - Binlog offset on checkpoint 7: {ts_sec=0, file=mysql-bin.000002, pos=4, kind=SPECIFIC, row=0, event=0, server_id=1}
2026-11-30 10:01:00,001 INFO  something else
2026-11-30 10:02:00,001 INFO  org.apache.flink.cdc.connectors.mysql.source.reader.MySqlSourceReader [] - Binlog offset on checkpoint 8: {transaction_id=null, ts_sec=1764496920, file=mysql-bin.000003, pos=987, kind=SPECIFIC, gtids=3e11fa47-71ca-11e1-9e33-c80aa9429562:1-20, 4f22fa47-71ca-11e1-9e33-c80aa9429562:1-3, row=0, event=1, server_id=5}
";
        let o = parse("flink.log", log).unwrap();
        assert_eq!(o.writer, Writer::FlinkCdc);
        assert_eq!(o.origin, "flink.log (checkpoint 8)");
        assert_eq!(o.position.unwrap().to_string(), "mysql-bin.000003:987");
        assert_eq!(
            o.gtids.unwrap().to_string(),
            "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-20,4f22fa47-71ca-11e1-9e33-c80aa9429562:1-3"
        );
        assert_eq!(
            (o.server_id, o.event_time, o.skip_events),
            (Some(5), Some(1_764_496_920), 1)
        );
    }

    #[test]
    fn unknown_or_broken_content_says_what_and_where() {
        let e = parse("notes.txt", "hello").unwrap_err().to_string();
        assert!(
            e.starts_with("notes.txt: not an offset cdc recognises"),
            "{e}"
        );
        let e = parse("o.json", r#"{"file":"binlog.000003","pos":"abc"}"#)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "o.json: field \"pos\": \"abc\" is not a number");
        let e = parse("o.json", r#"{"log_file":"mysql-bin.000001"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"log_pos\""), "{e}");
        let e = parse("o.json", r#"{"file":"b.000001","pos":2}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("positions start at 4"), "{e}");
        let e = parse(
            "o.json",
            r#"{"file":"b.000001","pos":4,"gtids":"nonsense"}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("field \"gtids\""), "{e}");
        let e = parse("f.log", "x Binlog offset on checkpoint 3: none\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no {...} offset"), "{e}");
        // Flink's start-from-earliest offset holds no position.
        let e = parse(
            "f.log",
            "Binlog offset on checkpoint 3: {kind=EARLIEST, file=, pos=0}\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("kind=EARLIEST"), "{e}");
    }
}
