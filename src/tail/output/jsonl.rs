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
use crate::binlog::row::iso_utc;
use crate::binlog::ChangeSink;

pub struct JsonlWriter<W: Write> {
    out: W,
    /// Lines not yet written: flushed to `out` in 64 KiB blocks.
    buf: Vec<u8>,
    last_ts: Option<(u32, String)>,
    /// Column names escaped as `"name":`, by position: names repeat on every row.
    keys: Vec<(String, Vec<u8>)>,
}

const BLOCK: usize = 1 << 16;

impl<W: Write> JsonlWriter<W> {
    pub fn new(w: W) -> Self {
        JsonlWriter {
            out: w,
            buf: Vec::with_capacity(BLOCK + 4096),
            last_ts: None,
            keys: Vec::new(),
        }
    }

    pub fn write(&mut self, c: &ChangeView<'_>) -> io::Result<()> {
        let mut l = std::mem::take(&mut self.buf);
        l.extend_from_slice(b"{\"op\":\"");
        l.extend_from_slice(match c.op {
            Op::Insert => b"insert",
            Op::Update => b"update",
            Op::Delete => b"delete",
        });
        l.extend_from_slice(b"\",\"db\":");
        json_str(&mut l, c.db);
        l.extend_from_slice(b",\"table\":");
        json_str(&mut l, c.table);
        l.extend_from_slice(b",\"before\":");
        image(&mut l, c.before, &mut self.keys);
        l.extend_from_slice(b",\"after\":");
        image(&mut l, c.after, &mut self.keys);
        l.extend_from_slice(b",\"ts\":\"");
        match &self.last_ts {
            Some((t, s)) if *t == c.ts => l.extend_from_slice(s.as_bytes()),
            _ => {
                let s = iso_utc(c.ts as i64, 0, 0);
                l.extend_from_slice(s.as_bytes());
                self.last_ts = Some((c.ts, s));
            }
        }
        l.extend_from_slice(b"\",\"file\":");
        json_str(&mut l, c.file);
        l.extend_from_slice(b",\"pos\":");
        l.extend_from_slice(itoa::Buffer::new().format(c.pos).as_bytes());
        l.extend_from_slice(b",\"gtid\":");
        match c.gtid {
            Some(g) => json_str(&mut l, g),
            None => l.extend_from_slice(b"null"),
        }
        l.extend_from_slice(b"}\n");
        self.buf = l;
        if self.buf.len() >= BLOCK {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
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
pub fn cell_json(l: &mut Vec<u8>, cell: &Cell) {
    match cell {
        Cell::Null => l.extend_from_slice(b"null"),
        Cell::Int(v) => l.extend_from_slice(itoa::Buffer::new().format(*v).as_bytes()),
        Cell::UInt(v) => l.extend_from_slice(itoa::Buffer::new().format(*v).as_bytes()),
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
                    l.extend_from_slice(ryu::Buffer::new().format_finite(*f).as_bytes());
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
        l.extend_from_slice(ryu::Buffer::new().format_finite(f).as_bytes());
    } else {
        l.extend_from_slice(b"null");
    }
}

/// Bytes that a JSON string must escape.
static ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// A JSON string literal, escaped.
pub fn json_str(l: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let b = s.as_bytes();
    l.reserve(b.len() + 2);
    l.push(b'"');
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !ESCAPE[c as usize] {
            i += 1;
            continue;
        }
        l.extend_from_slice(&b[start..i]);
        match c {
            b'"' => l.extend_from_slice(b"\\\""),
            b'\\' => l.extend_from_slice(b"\\\\"),
            b'\n' => l.extend_from_slice(b"\\n"),
            b'\r' => l.extend_from_slice(b"\\r"),
            b'\t' => l.extend_from_slice(b"\\t"),
            _ => {
                l.extend_from_slice(b"\\u00");
                l.push(HEX[(c >> 4) as usize]);
                l.push(HEX[(c & 15) as usize]);
            }
        }
        i += 1;
        start = i;
    }
    l.extend_from_slice(&b[start..]);
    l.push(b'"');
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
