//! Change events as Debezium writes them to Kafka with the JSON converter: the change
//! envelope (`op`, `before`, `after`, `source`, `ts_ms`), with schemas
//! (`{"schema":...,"payload":...}`) or without, the flattened row of the
//! ExtractNewRecordState transform (`__deleted`, `__op`, `__source_ts_ms`), and tombstones.

use serde_json::{Map, Value};

/// What a change event did to its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Create,
    Update,
    Delete,
    /// A snapshot read.
    Read,
}

impl Op {
    fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "c" => Op::Create,
            "u" => Op::Update,
            "d" => Op::Delete,
            "r" => Op::Read,
            _ => return None,
        })
    }
}

/// How an event was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Envelope,
    /// ExtractNewRecordState's row, with its `__` fields.
    Flattened,
}

/// One change event's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A null value: the key's row was deleted (what follows Debezium's delete event, or all
    /// a flattened topic says of a delete).
    Tombstone,
    Event(Event),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub form: Form,
    /// None: a flattened row without `__op`.
    pub op: Option<Op>,
    /// The row was deleted: op `d`, or `__deleted` true.
    pub deleted: bool,
    /// The row's fields: `after`, or `before` for a delete; `__` fields left out.
    pub row: Map<String, Value>,
    /// When the source committed the change (`source.ts_ms`, or `__source_ts_ms`).
    pub source_ts_ms: Option<i64>,
}

/// A record key: the key columns as an object, or one bare value.
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    Fields(Map<String, Value>),
    Scalar(Value),
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    #[error(
        "not supported yet: the AvroConverter (Confluent wire format, schema id {0}); use the \
         JsonConverter"
    )]
    Avro(u32),
    #[error("not JSON ({0})")]
    NotJson(String),
    #[error("not a Debezium change event: {0}")]
    NotAnEvent(String),
}

/// The Confluent wire format: a zero byte, then the schema id in four bytes (big-endian).
fn avro_schema_id(bytes: &[u8]) -> Option<u32> {
    match bytes {
        [0, a, b, c, d, ..] => Some(u32::from_be_bytes([*a, *b, *c, *d])),
        _ => None,
    }
}

fn json(bytes: &[u8]) -> Result<Value, ChangeError> {
    if let Some(id) = avro_schema_id(bytes) {
        return Err(ChangeError::Avro(id));
    }
    // The parser's words only: the bytes may be row data.
    serde_json::from_slice(bytes)
        .map_err(|e| ChangeError::NotJson(format!("{} bytes: {e}", bytes.len())))
}

/// The JSON converter with `schemas.enable=true` wraps each value as {schema, payload}.
fn unwrap_schema(v: Value) -> Value {
    match v {
        Value::Object(mut m)
            if m.len() == 2 && m.contains_key("schema") && m.contains_key("payload") =>
        {
            m.remove("payload").unwrap_or(Value::Null)
        }
        v => v,
    }
}

/// A record's key, as Debezium writes it: `{"id": 5}` (schemas on or off); an empty key is
/// [`Key::None`].
pub fn parse_key(bytes: &[u8]) -> Result<Key, ChangeError> {
    if bytes.is_empty() {
        return Ok(Key::None);
    }
    Ok(match unwrap_schema(json(bytes)?) {
        Value::Object(m) => Key::Fields(m),
        Value::Null => Key::None,
        v => Key::Scalar(v),
    })
}

/// A record's value; None (a null value) is a tombstone.
pub fn parse_value(bytes: Option<&[u8]>) -> Result<Change, ChangeError> {
    let Some(bytes) = bytes else {
        return Ok(Change::Tombstone);
    };
    let fields = match unwrap_schema(json(bytes)?) {
        // {"schema":..., "payload": null}: a tombstone through the schemas-on converter.
        Value::Null => return Ok(Change::Tombstone),
        Value::Object(m) => m,
        other => {
            return Err(ChangeError::NotAnEvent(format!(
                "a JSON {}, not an object",
                kind(&other)
            )))
        }
    };
    if let Some(op) = fields.get("op") {
        if fields.contains_key("after") || fields.contains_key("before") {
            return envelope(&fields, op).map(Change::Event);
        }
    }
    Ok(Change::Event(flattened(fields)))
}

fn envelope(fields: &Map<String, Value>, op: &Value) -> Result<Event, ChangeError> {
    let op_text = op.as_str().unwrap_or_default();
    let op = Op::parse(op_text)
        .ok_or_else(|| ChangeError::NotAnEvent(format!("op {op} is none of c, u, d, r")))?;
    let image = if op == Op::Delete { "before" } else { "after" };
    let row = match fields.get(image) {
        Some(Value::Object(m)) => m.clone(),
        Some(Value::Null) | None => Map::new(),
        Some(other) => {
            return Err(ChangeError::NotAnEvent(format!(
                "{image} is a JSON {}, not an object",
                kind(other)
            )))
        }
    };
    let source_ts_ms = fields
        .get("source")
        .and_then(|s| s.get("ts_ms"))
        .and_then(Value::as_i64);
    Ok(Event {
        form: Form::Envelope,
        op: Some(op),
        deleted: op == Op::Delete,
        row,
        source_ts_ms,
    })
}

fn flattened(fields: Map<String, Value>) -> Event {
    let op = fields
        .get("__op")
        .and_then(Value::as_str)
        .and_then(Op::parse);
    // delete.handling.mode=rewrite writes "true"/"false"; some setups cast it to a boolean.
    let deleted_field = match fields.get("__deleted") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    };
    let source_ts_ms = fields.get("__source_ts_ms").and_then(Value::as_i64);
    let row = fields
        .into_iter()
        .filter(|(k, _)| !k.starts_with("__"))
        .collect();
    Event {
        form: Form::Flattened,
        op,
        deleted: deleted_field || op == Some(Op::Delete),
        row,
        source_ts_ms,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `v` (as the JSON converter writes a column) is the value the source printed as `want`:
/// the same text (CHAR padding aside), the same number, or the same truth value.
pub fn same_as_text(v: &Value, want: &str) -> bool {
    match v {
        Value::String(s) => s.trim_end() == want.trim_end(),
        Value::Number(n) => {
            n.to_string() == want
                || matches!((n.as_f64(), want.parse::<f64>()), (Some(a), Ok(b)) if a == b)
        }
        Value::Bool(b) => match want {
            "1" | "true" => *b,
            "0" | "false" => !*b,
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(json: &str) -> Event {
        match parse_value(Some(json.as_bytes())).unwrap() {
            Change::Event(e) => e,
            Change::Tombstone => panic!("a tombstone: {json}"),
        }
    }

    const CREATE: &str = r#"{"before":null,"after":{"id":7,"run_id":"r1","note":"inserted"},
        "source":{"file":"mysql-bin.000003","pos":1234,"gtid":"0-1-9","ts_ms":1764770000000,
        "db":"retail_db","table":"cdc_canary"},"op":"c","ts_ms":1764770000150}"#;

    #[test]
    fn the_envelope_without_schemas() {
        let e = event(CREATE);
        assert_eq!(e.form, Form::Envelope);
        assert_eq!(e.op, Some(Op::Create));
        assert!(!e.deleted);
        assert_eq!(e.row["note"], "inserted");
        assert_eq!(e.source_ts_ms, Some(1764770000000));

        let d = event(
            r#"{"before":{"id":7,"note":"updated"},"after":null,"source":{"ts_ms":5},"op":"d"}"#,
        );
        assert_eq!((d.op, d.deleted), (Some(Op::Delete), true));
        assert_eq!(d.row["id"], 7, "a delete's row is its before image");
        assert_eq!(event(&CREATE.replace("\"c\"", "\"r\"")).op, Some(Op::Read));
    }

    #[test]
    fn the_envelope_with_schemas() {
        let wrapped = format!(
            r#"{{"schema":{{"type":"struct","fields":[],"name":"dbserver1.retail_db.cdc_canary.Envelope"}},"payload":{CREATE}}}"#
        );
        assert_eq!(event(&wrapped), event(CREATE));
        let key = br#"{"schema":{"type":"struct","fields":[{"field":"id","type":"int64"}]},"payload":{"id":7}}"#;
        match parse_key(key).unwrap() {
            Key::Fields(m) => assert_eq!(m["id"], 7),
            k => panic!("{k:?}"),
        }
        // The schemas-on converter's null: a tombstone too.
        assert_eq!(
            parse_value(Some(br#"{"schema":null,"payload":null}"#)).unwrap(),
            Change::Tombstone
        );
    }

    #[test]
    fn the_flattened_row_of_extract_new_record_state() {
        let e = event(
            r#"{"id":7,"run_id":"r1","note":"updated","__op":"u","__deleted":"false","__source_ts_ms":99}"#,
        );
        assert_eq!(e.form, Form::Flattened);
        assert_eq!(
            (e.op, e.deleted, e.source_ts_ms),
            (Some(Op::Update), false, Some(99))
        );
        assert_eq!(e.row.keys().collect::<Vec<_>>(), ["id", "note", "run_id"]);

        let rewritten = event(r#"{"id":7,"note":"updated","__deleted":"true"}"#);
        assert_eq!((rewritten.op, rewritten.deleted), (None, true));
        let plain = event(r#"{"id":7,"note":"inserted"}"#);
        assert_eq!((plain.op, plain.deleted), (None, false));
        assert!(event(r#"{"id":7,"__op":"d"}"#).deleted);
    }

    #[test]
    fn tombstones() {
        assert_eq!(parse_value(None).unwrap(), Change::Tombstone);
        assert_eq!(parse_key(b"").unwrap(), Key::None);
        assert_eq!(parse_key(b"7").unwrap(), Key::Scalar(7.into()));
    }

    #[test]
    fn avro_is_named_not_misread() {
        let framed = [0u8, 0, 0, 1, 0x2a, 2, b'x'];
        let e = parse_value(Some(&framed)).unwrap_err();
        assert_eq!(e, ChangeError::Avro(298));
        assert_eq!(
            e.to_string(),
            "not supported yet: the AvroConverter (Confluent wire format, schema id 298); use \
             the JsonConverter"
        );
        assert_eq!(parse_key(&framed).unwrap_err(), ChangeError::Avro(298));
    }

    #[test]
    fn garbage_is_a_clear_error_never_a_panic() {
        for bad in [&b"{\"op\":"[..], b"\xff\xfe", b"not json", b"\x00\x01", b""] {
            let e = parse_value(Some(bad)).unwrap_err();
            assert!(matches!(e, ChangeError::NotJson(_)), "{bad:?}: {e:?}");
            assert!(e.to_string().starts_with("not JSON ("), "{e}");
        }
        let e = parse_value(Some(b"[1,2]")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "not a Debezium change event: a JSON array, not an object"
        );
        let e = parse_value(Some(br#"{"op":"x","after":{}}"#)).unwrap_err();
        assert!(e.to_string().contains("none of c, u, d, r"), "{e}");
        let e = parse_value(Some(br#"{"op":"c","after":[1]}"#)).unwrap_err();
        assert!(e.to_string().contains("after is a JSON array"), "{e}");
        assert!(parse_value(Some(b"\"text\"")).is_err());
    }

    #[test]
    fn column_values_compare_with_the_source_s_text() {
        assert!(same_as_text(&7.into(), "7"));
        assert!(same_as_text(&serde_json::json!(1.5), "1.50"));
        assert!(same_as_text(&"cdc:i:ab   ".into(), "cdc:i:ab"));
        assert!(same_as_text(&true.into(), "1"));
        assert!(!same_as_text(&"inserted".into(), "updated"));
        assert!(!same_as_text(&Value::Null, ""));
    }
}
