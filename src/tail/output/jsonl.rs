//! `--format jsonl`: one JSON object per row change.
//!
//! `{"op":"insert|update|delete","db","table","before","after","ts","file","pos","gtid"}`;
//! before/after map column name to value: integers as numbers (UNSIGNED as such), DECIMAL as an
//! exact string, floats as numbers, text as strings, bytes that are not UTF-8 as
//! `{"base64":"..."}`, DATE "YYYY-MM-DD", TIME "[-]HH:MM:SS[.f]", DATETIME
//! "YYYY-MM-DD HH:MM:SS[.f]", TIMESTAMP ISO 8601 UTC, JSON as JSON, a PARTIAL_JSON update as
//! `{"json_diff":[{"op","path","value"}...]}`, VECTOR as an array, NULL as null. `ts` is the
//! commit time as ISO 8601 UTC ("2026-11-22T10:00:00Z").

use std::io::{self, Write};

use base64::Engine as _;

use crate::binlog::change::{Cell, ChangeView, ImageView, Op};
use crate::binlog::decode::{RawError, RawRows};
use crate::binlog::json_text::{db_and_table, json_str};
use crate::binlog::row::iso_utc;
use crate::binlog::row::{self, Cursor};
use crate::binlog::short_copy::put;
use crate::binlog::ChangeSink;

pub struct JsonlWriter<W: Write> {
    out: W,
    /// Lines not yet written: flushed to `out` in 64 KiB blocks.
    buf: Vec<u8>,
    /// The last line's `,"ts":"...","file":`, `"file","pos":` and `,"gtid":...}\n`, by value.
    last_ts: Option<(u32, Vec<u8>)>,
    last_file: (String, Vec<u8>),
    last_gtid: (Option<String>, Vec<u8>),
    /// Column names escaped as `"name":`, by position: names repeat on every row.
    keys: Vec<(String, Vec<u8>)>,
    partial: Vec<bool>,
}

const BLOCK: usize = 1 << 16;

impl<W: Write> JsonlWriter<W> {
    pub fn new(w: W) -> Self {
        JsonlWriter {
            out: w,
            buf: Vec::with_capacity(BLOCK + 4096),
            last_ts: None,
            last_file: (String::new(), b"\"\",\"pos\":".to_vec()),
            last_gtid: (None, b",\"gtid\":null}\n".to_vec()),
            keys: Vec::new(),
            partial: Vec::new(),
        }
    }

    pub fn write(&mut self, c: &ChangeView<'_>) -> io::Result<()> {
        let mut l = std::mem::take(&mut self.buf);
        op(&mut l, c.op);
        db_and_table(&mut l, c.db, c.table);
        l.extend_from_slice(b",\"before\":");
        image(&mut l, c.before, &mut self.keys);
        l.extend_from_slice(b",\"after\":");
        image(&mut l, c.after, &mut self.keys);
        self.tail(&mut l, c.ts, c.file, c.pos, c.gtid);
        self.buf = l;
        self.spill()
    }

    fn spill(&mut self) -> io::Result<()> {
        if self.buf.len() >= BLOCK {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn tail(&mut self, l: &mut Vec<u8>, ts: u32, file: &str, pos: u64, gtid: Option<&str>) {
        // Time, file and GTID repeat on many lines in a row: each is escaped when it changes.
        if self.last_ts.as_ref().is_none_or(|(t, _)| *t != ts) {
            let mut s = b",\"ts\":\"".to_vec();
            s.extend_from_slice(iso_utc(ts as i64, 0, 0).as_bytes());
            s.extend_from_slice(b"\",\"file\":");
            self.last_ts = Some((ts, s));
        }
        l.extend_from_slice(&self.last_ts.as_ref().expect("set above").1);
        if self.last_file.0 != file {
            let mut s = Vec::new();
            json_str(&mut s, file);
            s.extend_from_slice(b",\"pos\":");
            self.last_file = (file.to_string(), s);
        }
        l.extend_from_slice(&self.last_file.1);
        put(l, itoa::Buffer::new().format(pos).as_bytes());
        if self.last_gtid.0.as_deref() != gtid {
            let mut s = b",\"gtid\":".to_vec();
            match gtid {
                Some(g) => json_str(&mut s, g),
                None => s.extend_from_slice(b"null"),
            }
            s.extend_from_slice(b"}\n");
            self.last_gtid = (gtid.map(str::to_string), s);
        }
        l.extend_from_slice(&self.last_gtid.1);
    }

    /// Flushes and gives the underlying writer back.
    pub fn into_inner(mut self) -> W {
        let _ = self.flush();
        self.out
    }

    /// Writes what is buffered; call at the end (and before reporting an error).
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        self.out.flush()
    }
}

impl<W: Write> ChangeSink for JsonlWriter<W> {
    fn change(&mut self, c: &ChangeView<'_>) -> io::Result<()> {
        self.write(c)
    }

    fn wants_raw(&self) -> bool {
        true
    }

    /// The fast path: the images are written straight from the row bytes.
    fn raw_row(&mut self, r: &RawRows<'_>, cur: &mut Cursor<'_>) -> Result<(), RawError> {
        let mut l = std::mem::take(&mut self.buf);
        let start = l.len();
        let result = (|| {
            op(&mut l, r.op);
            l.extend_from_slice(&r.table.json_names);
            l.extend_from_slice(b",\"before\":");
            if r.op == Op::Insert {
                l.extend_from_slice(b"null");
            } else {
                row::image_json(r.table, r.before_cols, None, cur, &mut l, &mut cell_json)?;
            }
            l.extend_from_slice(b",\"after\":");
            if r.op == Op::Delete {
                l.extend_from_slice(b"null");
            } else {
                let partial =
                    r.partial_json && row::read_partial_flags(cur, r.table, &mut self.partial)?;
                let flags = partial.then_some(self.partial.as_slice());
                row::image_json(r.table, r.after_cols, flags, cur, &mut l, &mut cell_json)?;
            }
            Ok(())
        })();
        if let Err(e) = result {
            l.truncate(start);
            self.buf = l;
            return Err(RawError::Row(e));
        }
        self.tail(&mut l, r.ts, r.file, r.pos, r.gtid);
        self.buf = l;
        self.spill().map_err(RawError::Io)
    }
}

/// A line's start, up to the table's names.
fn op(l: &mut Vec<u8>, op: Op) {
    l.extend_from_slice(match op {
        Op::Insert => b"{\"op\":\"insert\",",
        Op::Update => b"{\"op\":\"update\",",
        Op::Delete => b"{\"op\":\"delete\",",
    });
}

fn image(l: &mut Vec<u8>, img: Option<ImageView<'_>>, keys: &mut Vec<(String, Vec<u8>)>) {
    let Some(img) = img else {
        l.extend_from_slice(b"null");
        return;
    };
    l.push(b'{');
    for (k, (name, cell)) in img.iter().enumerate() {
        if k > 0 {
            l.push(b',');
        }
        match keys.get(k) {
            Some((raw, key)) if raw == name => l.extend_from_slice(key),
            _ => {
                let mut key = Vec::with_capacity(name.len() + 3);
                json_str(&mut key, name);
                key.push(b':');
                l.extend_from_slice(&key);
                if k < keys.len() {
                    keys[k] = (name.to_string(), key);
                } else {
                    keys.push((name.to_string(), key));
                }
            }
        }
        cell_json(l, cell);
    }
    l.push(b'}');
}

/// One cell as JSON, as the module documentation says.
pub(crate) fn cell_json(l: &mut Vec<u8>, cell: &Cell) {
    match cell {
        Cell::Null => l.extend_from_slice(b"null"),
        Cell::Int(v) => put(l, itoa::Buffer::new().format(*v).as_bytes()),
        Cell::UInt(v) => put(l, itoa::Buffer::new().format(*v).as_bytes()),
        Cell::Float(f) => float(l, *f),
        Cell::Decimal(s)
        | Cell::Text(s)
        | Cell::Date(s)
        | Cell::Time(s)
        | Cell::DateTime(s)
        | Cell::Timestamp(s) => json_str(l, s),
        Cell::Bytes(b) => match std::str::from_utf8(b) {
            Ok(s) => json_str(l, s),
            Err(_) => {
                l.extend_from_slice(b"{\"base64\":\"");
                l.extend_from_slice(
                    base64::engine::general_purpose::STANDARD
                        .encode(b)
                        .as_bytes(),
                );
                l.extend_from_slice(b"\"}");
            }
        },
        Cell::Json(v) => {
            let _ = serde_json::to_writer(&mut *l, v);
        }
        Cell::JsonDiff(d) => {
            l.extend_from_slice(b"{\"json_diff\":");
            let _ = serde_json::to_writer(&mut *l, d);
            l.push(b'}');
        }
        Cell::Vector(v) => {
            l.push(b'[');
            for (i, f) in v.iter().enumerate() {
                if i > 0 {
                    l.push(b',');
                }
                if f.is_finite() {
                    l.extend_from_slice(zmij::Buffer::new().format_finite(*f).as_bytes());
                } else {
                    l.extend_from_slice(b"null");
                }
            }
            l.push(b']');
        }
    }
}

fn float(l: &mut Vec<u8>, f: f64) {
    if f.is_finite() {
        l.extend_from_slice(zmij::Buffer::new().format_finite(f).as_bytes());
    } else {
        l.extend_from_slice(b"null");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(c: Cell) -> String {
        let mut l = Vec::new();
        cell_json(&mut l, &c);
        String::from_utf8(l).unwrap()
    }

    #[test]
    fn cells() {
        assert_eq!(one(Cell::Int(-5)), "-5");
        assert_eq!(one(Cell::UInt(4_000_000_000)), "4000000000");
        assert_eq!(one(Cell::Float(1.5)), "1.5");
        assert_eq!(one(Cell::Decimal("1299.99".into())), "\"1299.99\"");
        assert_eq!(
            one(Cell::Text("a\"b\n\u{1}".into())),
            "\"a\\\"b\\n\\u0001\""
        );
        assert_eq!(one(Cell::Bytes(vec![0xff, 0])), "{\"base64\":\"/wA=\"}");
        assert_eq!(one(Cell::Bytes(b"ok".to_vec())), "\"ok\"");
        assert_eq!(one(Cell::Null), "null");
        assert_eq!(one(Cell::Json(serde_json::json!({"a":[1]}))), "{\"a\":[1]}");
    }
}
