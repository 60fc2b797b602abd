//! The fast row-image decoder: walks a rows event's raw image with the table map's column
//! types and writes `Cell`s straight into a reused buffer (no per-cell `Column`). JSON goes
//! through mysql_common's jsonb parser; everything else is decoded here.

use mysql_common::binlog::jsonb;
use mysql_common::binlog::jsondiff::{JsonDiff, JsonDiffOperation};
use mysql_common::io::ParseBuf;

use super::change::Cell;
use super::json_text::{json_str, json_utf8};
use super::short_copy::put;
use super::table::{ColKind, ColumnDef, TableInfo};
use super::text_out::{put2, put_i64, put_u64, TextOut};
use crate::calendar::Date;

/// A row image that does not decode: what went wrong, relative to the rows event.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct RowError(pub String);

fn short(what: &str) -> RowError {
    RowError(format!("row image ends inside {what}"))
}

/// A cursor over a rows event's row data that never reads past its end.
pub struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Cursor { buf, pos: 0 }
    }

    /// Bytes not read yet.
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    #[inline]
    pub(crate) fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], RowError> {
        let end = self.pos.checked_add(n).ok_or_else(|| short(what))?;
        let s = self.buf.get(self.pos..end).ok_or_else(|| short(what))?;
        self.pos = end;
        Ok(s)
    }

    /// An unsigned little-endian integer of `n` (at most 8) bytes.
    #[inline]
    pub(crate) fn le(&mut self, n: usize, what: &str) -> Result<u64, RowError> {
        if n > 8 {
            return Err(wide(what, n));
        }
        let s = self.take(n, what)?;
        let mut b = [0u8; 8];
        b[..n].copy_from_slice(s);
        Ok(u64::from_le_bytes(b))
    }

    /// An unsigned big-endian integer of `n` (at most 8) bytes.
    #[inline]
    pub(crate) fn be(&mut self, n: usize, what: &str) -> Result<u64, RowError> {
        if n > 8 {
            return Err(wide(what, n));
        }
        let s = self.take(n, what)?;
        let mut b = [0u8; 8];
        b[8 - n..].copy_from_slice(s);
        Ok(u64::from_be_bytes(b))
    }

    /// A MySQL length-encoded integer.
    pub(crate) fn lenenc(&mut self, what: &str) -> Result<u64, RowError> {
        let first = self.take(1, what)?[0];
        match first {
            0xfc => self.le(2, what),
            0xfd => self.le(3, what),
            0xfe => self.le(8, what),
            n => Ok(n as u64),
        }
    }
}

/// An integer field whose metadata makes it wider than 64 bits.
#[cold]
fn wide(what: &str, n: usize) -> RowError {
    RowError(format!("{what} of {n} bytes (metadata says more than 8)"))
}

/// Decodes one row image of `table` into `out` (cleared first): `present` lists the indexes
/// of the columns the image carries; `partial[i]` marks a JSON column sent as a PARTIAL_JSON diff.
pub(crate) fn decode_image(
    table: &TableInfo,
    present: &[usize],
    partial: Option<&[bool]>,
    cur: &mut Cursor<'_>,
    out: &mut Vec<Cell>,
) -> Result<(), RowError> {
    let nulls = cur.take(present.len().div_ceil(8), "the NULL bitmap")?;
    for (k, &i) in present.iter().enumerate() {
        // Reuse the string of the cell this slot held last row: no allocation per cell.
        let spare = out.get_mut(k).map(take_string).unwrap_or_default();
        let cell = if nulls[k / 8] & (1 << (k % 8)) != 0 {
            Cell::Null
        } else {
            let col = table
                .columns
                .get(i)
                .ok_or_else(|| RowError(format!("column {} is not in the table map", i + 1)))?;
            let is_partial = partial.and_then(|p| p.get(i).copied()).unwrap_or(false);
            decode_cell(col, is_partial, cur, spare)
                .map_err(|e| RowError(format!("column {} ({}): {}", i + 1, col.name, e.0)))?
        };
        match out.get_mut(k) {
            Some(slot) => *slot = cell,
            None => out.push(cell),
        }
    }
    out.truncate(present.len());
    Ok(())
}

/// Reads a PARTIAL_UPDATE_ROWS after image's value options; when they announce PARTIAL_JSON
/// diffs, fills `flags` (per column: sent as a diff?) and returns true.
pub(crate) fn read_partial_flags(
    cur: &mut Cursor<'_>,
    table: &TableInfo,
    flags: &mut Vec<bool>,
) -> Result<bool, RowError> {
    let options = cur.lenenc("the value options")?;
    if options & 1 == 0 {
        return Ok(false);
    }
    let bits = cur.take(table.json_columns().div_ceil(8), "the partial JSON bitmap")?;
    flags.clear();
    let mut j = 0;
    for col in &table.columns {
        let is_json = matches!(col.kind, ColKind::Json { .. });
        flags.push(is_json && bits[j / 8] & (1 << (j % 8)) != 0);
        j += usize::from(is_json);
    }
    Ok(true)
}

/// The jsonl fast path: one row image written as a JSON object straight from the row bytes,
/// no `Cell` in between, exactly as the jsonl writer renders cells. `fallback` writes the
/// cells of the rarer types, decoded the usual way.
pub(crate) fn image_json(
    table: &TableInfo,
    present: &[usize],
    partial: Option<&[bool]>,
    cur: &mut Cursor<'_>,
    out: &mut Vec<u8>,
    fallback: &mut dyn FnMut(&mut Vec<u8>, &Cell),
) -> Result<(), RowError> {
    let nulls = cur.take(present.len().div_ceil(8), "the NULL bitmap")?;
    out.push(b'{');
    for (k, &i) in present.iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        let col = table
            .columns
            .get(i)
            .ok_or_else(|| RowError(format!("column {} is not in the table map", i + 1)))?;
        put(out, &table.json_keys[i]);
        if nulls[k / 8] & (1 << (k % 8)) != 0 {
            out.extend_from_slice(b"null");
            continue;
        }
        let is_partial = partial.and_then(|p| p.get(i).copied()).unwrap_or(false);
        cell_json_direct(col, is_partial, cur, out, fallback)
            .map_err(|e| RowError(format!("column {} ({}): {}", i + 1, col.name, e.0)))?;
    }
    out.push(b'}');
    Ok(())
}

#[inline]
fn json_int(out: &mut Vec<u8>, v: u64, bytes: usize, unsigned: bool) {
    if unsigned {
        put_u64(out, v)
    } else {
        put_i64(out, sign_extend(v, bytes))
    }
}

fn cell_json_direct(
    col: &ColumnDef,
    partial: bool,
    cur: &mut Cursor<'_>,
    out: &mut Vec<u8>,
    fallback: &mut dyn FnMut(&mut Vec<u8>, &Cell),
) -> Result<(), RowError> {
    let u = col.unsigned;
    match col.kind {
        ColKind::Tiny => json_int(out, cur.le(1, "TINYINT")?, 1, u),
        ColKind::Short => json_int(out, cur.le(2, "SMALLINT")?, 2, u),
        ColKind::Int24 => json_int(out, cur.le(3, "MEDIUMINT")?, 3, u),
        ColKind::Long => json_int(out, cur.le(4, "INT")?, 4, u),
        ColKind::LongLong => json_int(out, cur.le(8, "BIGINT")?, 8, u),
        ColKind::Bit { bytes } => json_int(out, cur.be(bytes as usize, "a BIT")?, 8, true),
        ColKind::Double => {
            let f = f64::from_bits(cur.le(8, "DOUBLE")?);
            if f.is_finite() {
                put(out, zmij::Buffer::new().format_finite(f).as_bytes());
            } else {
                out.extend_from_slice(b"null");
            }
        }
        ColKind::NewDecimal { precision, scale } => {
            out.push(b'"');
            decimal_into(cur, precision as usize, scale as usize, out)?;
            out.push(b'"');
        }
        ColKind::Enum { size } => {
            let v = cur.le(size as usize, "an ENUM")?;
            match col.labels.as_deref() {
                Some(_) if v == 0 => out.extend_from_slice(b"\"\""),
                Some(l) if (v as usize) <= l.len() => json_str(out, &l[v as usize - 1]),
                _ => json_int(out, v, 8, true),
            }
        }
        ColKind::Year => {
            let y = cur.le(1, "YEAR")?;
            json_int(out, if y == 0 { 0 } else { 1900 + y }, 8, true);
        }
        ColKind::Date => {
            let v = cur.le(3, "DATE")?;
            out.push(b'"');
            date_into(out, v);
            out.push(b'"');
        }
        ColKind::DateTime2 { dec } => {
            out.push(b'"');
            datetime2_into(cur, dec, out)?;
            out.push(b'"');
        }
        ColKind::Timestamp2 { dec } => {
            let secs = cur.be(4, "TIMESTAMP")? as i64;
            let usec = read_frac(cur, dec, "TIMESTAMP")?;
            out.push(b'"');
            iso_utc_into(out, secs, usec, dec);
            out.push(b'"');
        }
        ColKind::Time2 { dec } => {
            out.push(b'"');
            time2_into(cur, dec, out)?;
            out.push(b'"');
        }
        ColKind::VarChar { len_bytes }
        | ColKind::Char { len_bytes }
        | ColKind::Blob { len_bytes } => {
            let n = cur.le(len_bytes as usize, "a string length")? as usize;
            let b = cur.take(n, "a string")?;
            if !json_utf8(out, b) {
                let cell = text_or_bytes(b, col, String::new());
                fallback(out, &cell);
            }
        }
        _ => {
            let cell = decode_cell(col, partial, cur, String::new())?;
            fallback(out, &cell);
        }
    }
    Ok(())
}

/// The string inside a text-like cell, emptied, for reuse (an empty one otherwise).
fn take_string(slot: &mut Cell) -> String {
    match std::mem::replace(slot, Cell::Null) {
        Cell::Text(mut s)
        | Cell::Decimal(mut s)
        | Cell::Date(mut s)
        | Cell::Time(mut s)
        | Cell::DateTime(mut s)
        | Cell::Timestamp(mut s) => {
            s.clear();
            s
        }
        Cell::Bytes(mut b) => {
            b.clear();
            String::from_utf8(b).unwrap_or_default()
        }
        _ => String::new(),
    }
}

/// "YYYY-MM-DD" + sep + "HH:MM:SS".
fn push_ymd_hms<O: TextOut>(s: &mut O, ymd: (u64, u64, u64), sep: char, hms: (u64, u64, u64)) {
    // The common case, every field in range: built in place and written in one copy (dates
    // and times are a large part of decoding time).
    let fits = ymd.0 <= 9999 && [ymd.1, ymd.2, hms.0, hms.1, hms.2].iter().all(|v| *v <= 99);
    if fits && sep.is_ascii() {
        s.fill(*b"0000-00-00 00:00:00", 19, |b| {
            put2(&mut b[0..2], ymd.0 / 100);
            put2(&mut b[2..4], ymd.0);
            put2(&mut b[5..7], ymd.1);
            put2(&mut b[8..10], ymd.2);
            b[10] = sep as u8;
            put2(&mut b[11..13], hms.0);
            put2(&mut b[14..16], hms.1);
            put2(&mut b[17..19], hms.2);
        });
        return;
    }
    s.push_pad(ymd.0, 4);
    s.push('-');
    s.push_pad(ymd.1, 2);
    s.push('-');
    s.push_pad(ymd.2, 2);
    s.push(sep);
    push_hms(s, hms);
}

/// A DATE's three bytes (day, month and year in 5, 4 and 15 bits) as "YYYY-MM-DD".
fn date_into<O: TextOut>(s: &mut O, v: u64) {
    let (y, m, d) = (v >> 9, (v >> 5) & 15, v & 31);
    if y > 9999 {
        s.push_pad(y, 4);
        s.push('-');
        s.push_pad(m, 2);
        s.push('-');
        s.push_pad(d, 2);
        return;
    }
    s.fill(*b"0000-00-00", 10, |b| {
        put2(&mut b[0..2], y / 100);
        put2(&mut b[2..4], y);
        put2(&mut b[5..7], m);
        put2(&mut b[8..10], d);
    });
}

fn push_hms<O: TextOut>(s: &mut O, hms: (u64, u64, u64)) {
    s.push_pad(hms.0, 2);
    s.push(':');
    s.push_pad(hms.1, 2);
    s.push(':');
    s.push_pad(hms.2, 2);
}

#[inline]
fn sign_extend(v: u64, bytes: usize) -> i64 {
    let shift = 64 - 8 * bytes as u32;
    ((v << shift) as i64) >> shift
}

#[inline]
fn int_cell(v: u64, bytes: usize, unsigned: bool) -> Cell {
    if unsigned {
        Cell::UInt(v)
    } else {
        Cell::Int(sign_extend(v, bytes))
    }
}

fn decode_cell(
    col: &ColumnDef,
    partial: bool,
    cur: &mut Cursor<'_>,
    mut s: String,
) -> Result<Cell, RowError> {
    let unsigned = col.unsigned;
    Ok(match col.kind {
        ColKind::Tiny => int_cell(cur.le(1, "TINYINT")?, 1, unsigned),
        ColKind::Short => int_cell(cur.le(2, "SMALLINT")?, 2, unsigned),
        ColKind::Int24 => int_cell(cur.le(3, "MEDIUMINT")?, 3, unsigned),
        ColKind::Long => int_cell(cur.le(4, "INT")?, 4, unsigned),
        ColKind::LongLong => int_cell(cur.le(8, "BIGINT")?, 8, unsigned),
        ColKind::Float => {
            let f = f32::from_bits(cur.le(4, "FLOAT")? as u32);
            // Keep FLOAT's shortest form ("1.1", not "1.100000023841858").
            let mut b = zmij::Buffer::new();
            Cell::Float(b.format(f).parse::<f64>().unwrap_or(f as f64))
        }
        ColKind::Double => Cell::Float(f64::from_bits(cur.le(8, "DOUBLE")?)),
        ColKind::NewDecimal { precision, scale } => {
            decimal_into(cur, precision as usize, scale as usize, &mut s)?;
            Cell::Decimal(s)
        }
        ColKind::Year => {
            let y = cur.le(1, "YEAR")?;
            Cell::Int(if y == 0 { 0 } else { 1900 + y as i64 })
        }
        ColKind::Date => {
            date_into(&mut s, cur.le(3, "DATE")?);
            Cell::Date(s)
        }
        ColKind::Time => {
            let v = sign_extend(cur.le(3, "TIME")?, 3);
            if v < 0 {
                s.push('-');
            }
            let v = v.unsigned_abs();
            push_hms(&mut s, (v / 10000, (v / 100) % 100, v % 100));
            Cell::Time(s)
        }
        ColKind::Time2 { dec } => {
            time2_into(cur, dec, &mut s)?;
            Cell::Time(s)
        }
        ColKind::DateTime => {
            let v = cur.le(8, "DATETIME")?;
            let (d, t) = (v / 1_000_000, v % 1_000_000);
            push_ymd_hms(
                &mut s,
                (d / 10000, (d / 100) % 100, d % 100),
                ' ',
                (t / 10000, (t / 100) % 100, t % 100),
            );
            Cell::DateTime(s)
        }
        ColKind::DateTime2 { dec } => {
            datetime2_into(cur, dec, &mut s)?;
            Cell::DateTime(s)
        }
        ColKind::Timestamp => {
            iso_utc_into(&mut s, cur.le(4, "TIMESTAMP")? as i64, 0, 0);
            Cell::Timestamp(s)
        }
        ColKind::Timestamp2 { dec } => {
            let secs = cur.be(4, "TIMESTAMP")? as i64;
            let usec = read_frac(cur, dec, "TIMESTAMP")?;
            iso_utc_into(&mut s, secs, usec, dec);
            Cell::Timestamp(s)
        }
        ColKind::VarChar { len_bytes } | ColKind::Char { len_bytes } => {
            let n = cur.le(len_bytes as usize, "a string length")? as usize;
            text_or_bytes(cur.take(n, "a string")?, col, s)
        }
        ColKind::Blob { len_bytes } => {
            let n = cur.le(len_bytes as usize, "a BLOB length")? as usize;
            text_or_bytes(cur.take(n, "a BLOB")?, col, s)
        }
        ColKind::Geometry { len_bytes } => {
            let n = cur.le(len_bytes as usize, "a GEOMETRY length")? as usize;
            Cell::Bytes(cur.take(n, "a GEOMETRY")?.to_vec())
        }
        ColKind::Vector { len_bytes } => {
            let n = cur.le(len_bytes as usize, "a VECTOR length")? as usize;
            let b = cur.take(n, "a VECTOR")?;
            Cell::Vector(
                b.chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect(),
            )
        }
        ColKind::Json { len_bytes } => {
            let n = cur.le(len_bytes as usize, "a JSON length")? as usize;
            let b = cur.take(n, "a JSON value")?;
            if partial {
                Cell::JsonDiff(decode_json_diff(b)?)
            } else {
                Cell::Json(decode_jsonb(b)?)
            }
        }
        ColKind::Enum { size } => {
            let v = cur.le(size as usize, "an ENUM")?;
            match col.labels.as_deref() {
                Some(_) if v == 0 => Cell::Text(s),
                Some(l) if (v as usize) <= l.len() => {
                    s.push_str(&l[v as usize - 1]);
                    Cell::Text(s)
                }
                _ => Cell::UInt(v),
            }
        }
        ColKind::Set { size } => {
            let v = cur.le(size as usize, "a SET")?;
            match col.labels.as_deref() {
                Some(l) => {
                    for (bit, label) in l.iter().enumerate().take(64) {
                        if v & (1 << bit) != 0 {
                            if !s.is_empty() {
                                s.push(',');
                            }
                            s.push_str(label);
                        }
                    }
                    Cell::Text(s)
                }
                None => Cell::UInt(v),
            }
        }
        ColKind::Bit { bytes } => Cell::UInt(cur.be(bytes as usize, "a BIT")?),
        ColKind::Null => Cell::Null,
        ColKind::Unsupported(t) => {
            return Err(RowError(format!("column type {t} is not supported")))
        }
    })
}

fn text_or_bytes(b: &[u8], col: &ColumnDef, mut s: String) -> Cell {
    if !col.binary {
        if let Ok(t) = std::str::from_utf8(b) {
            s.push_str(t);
            return Cell::Text(s);
        }
        if col.latin1 {
            s.extend(b.iter().map(|&c| cp1252(c)));
            return Cell::Text(s);
        }
    }
    let mut v = s.into_bytes();
    v.extend_from_slice(b);
    Cell::Bytes(v)
}

/// One byte of MySQL's latin1 (Windows-1252) as a char.
fn cp1252(c: u8) -> char {
    const HIGH: [char; 32] = [
        '\u{20ac}', '\u{81}', '\u{201a}', '\u{192}', '\u{201e}', '\u{2026}', '\u{2020}',
        '\u{2021}', '\u{2c6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8d}', '\u{17d}',
        '\u{8f}', '\u{90}', '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\u{2022}', '\u{2013}',
        '\u{2014}', '\u{2dc}', '\u{2122}', '\u{161}', '\u{203a}', '\u{153}', '\u{9d}', '\u{17e}',
        '\u{178}',
    ];
    match c {
        0x80..=0x9f => HIGH[(c - 0x80) as usize],
        _ => c as char,
    }
}

/// MySQL's JSON binary format to a JSON value (opaque values become their text form).
pub(crate) fn decode_jsonb(b: &[u8]) -> Result<serde_json::Value, RowError> {
    if b.is_empty() {
        // An empty JSON column value is JSON null (MySQL writes 0 bytes for it).
        return Ok(serde_json::Value::Null);
    }
    let v: jsonb::Value<'_> = ParseBuf(b)
        .parse(())
        .map_err(|e| RowError(format!("bad JSON value: {e}")))?;
    to_json(v).map_err(|e| RowError(format!("bad JSON value: {e}")))
}

/// A jsonb value as JSON. The walk is mysql_common's `Value::parse`, but a DECIMAL inside is
/// read by `decimal_into`: mysql_common's reader panics on a scale above the precision.
fn to_json(v: jsonb::Value<'_>) -> Result<serde_json::Value, String> {
    use jsonb::Value as V;
    use mysql_common::constants::ColumnType;
    let e = |e: std::io::Error| e.to_string();
    Ok(match v {
        V::SmallArray(a) => a
            .iter()
            .map(|x| to_json(x.map_err(e)?))
            .collect::<Result<_, _>>()?,
        V::LargeArray(a) => a
            .iter()
            .map(|x| to_json(x.map_err(e)?))
            .collect::<Result<_, _>>()?,
        V::SmallObject(o) => object(o.iter())?,
        V::LargeObject(o) => object(o.iter())?,
        V::Opaque(o) if o.value_type() == ColumnType::MYSQL_TYPE_NEWDECIMAL => {
            let d = o.data_raw();
            let (Some(&precision), Some(&scale)) = (d.first(), d.get(1)) else {
                return Err("a JSON DECIMAL without its precision and scale".into());
            };
            let mut s = String::new();
            decimal_into(
                &mut Cursor::new(&d[2..]),
                precision.into(),
                scale.into(),
                &mut s,
            )
            .map_err(|e| e.0)?;
            serde_json::Value::String(s)
        }
        leaf => leaf.parse().map_err(e)?.into(),
    })
}

fn object<'a>(
    entries: impl Iterator<Item = std::io::Result<(jsonb::ObjectKey<'a>, jsonb::Value<'a>)>>,
) -> Result<serde_json::Value, String> {
    let mut m = serde_json::Map::new();
    for entry in entries {
        let (k, v) = entry.map_err(|e| e.to_string())?;
        m.insert(k.value().into_owned(), to_json(v)?);
    }
    Ok(serde_json::Value::Object(m))
}

fn decode_json_diff(b: &[u8]) -> Result<Vec<serde_json::Value>, RowError> {
    let mut buf = ParseBuf(b);
    let mut out = Vec::new();
    while !buf.is_empty() {
        let d: JsonDiff<'_> = buf
            .parse(())
            .map_err(|e| RowError(format!("bad JSON diff: {e}")))?;
        let op = match d.operation() {
            JsonDiffOperation::REPLACE => "replace",
            JsonDiffOperation::INSERT => "insert",
            JsonDiffOperation::REMOVE => "remove",
        };
        let mut m = serde_json::Map::new();
        m.insert("op".into(), op.into());
        m.insert("path".into(), d.path_str().into_owned().into());
        if let Some(v) = d.value() {
            let value =
                to_json(v.clone()).map_err(|e| RowError(format!("bad JSON diff value: {e}")))?;
            m.insert("value".into(), value);
        }
        out.push(serde_json::Value::Object(m));
    }
    Ok(out)
}

/// Fractional seconds of the v2 temporal formats, as microseconds.
fn read_frac(cur: &mut Cursor<'_>, dec: u8, what: &str) -> Result<u64, RowError> {
    Ok(match dec {
        1 | 2 => cur.be(1, what)? * 10_000,
        3 | 4 => cur.be(2, what)? * 100,
        5 | 6 => cur.be(3, what)?,
        _ => 0,
    })
}

fn push_frac<O: TextOut>(s: &mut O, usec: u64, dec: u8) {
    if dec == 0 || dec > 6 {
        return;
    }
    if usec < 1_000_000 {
        // Six digits in place, cut to `dec`: the same truncation as dividing first.
        s.fill(*b".000000", 1 + dec as usize, |b| {
            put2(&mut b[1..3], usec / 10_000);
            put2(&mut b[3..5], usec / 100);
            put2(&mut b[5..7], usec);
        });
        return;
    }
    s.push('.');
    s.push_pad(usec / 10u64.pow(6 - dec as u32), dec as usize);
}

fn datetime2_into<O: TextOut>(cur: &mut Cursor<'_>, dec: u8, s: &mut O) -> Result<(), RowError> {
    let int = cur.be(5, "DATETIME")? as i64 - 0x80_0000_0000;
    let usec = read_frac(cur, dec, "DATETIME")?;
    let ymdhms = int.unsigned_abs();
    let ymd = ymdhms >> 17;
    let ym = ymd >> 5;
    let hms = ymdhms % (1 << 17);
    push_ymd_hms(
        s,
        (ym / 13, ym % 13, ymd % 32),
        ' ',
        (hms >> 12, (hms >> 6) % 64, hms % 64),
    );
    push_frac(s, usec, dec);
    Ok(())
}

fn time2_into<O: TextOut>(cur: &mut Cursor<'_>, dec: u8, s: &mut O) -> Result<(), RowError> {
    // As MySQL's my_time_packed_from_binary: a packed value (intpart << 24) + fraction.
    let packed: i64 = match dec {
        1..=4 => {
            let mut int = cur.be(3, "TIME")? as i64 - 0x80_0000;
            let (mut frac, wrap, mul) = if dec <= 2 {
                (cur.be(1, "TIME")? as i64, 0x100, 10_000)
            } else {
                (cur.be(2, "TIME")? as i64, 0x1_0000, 100)
            };
            if int < 0 && frac != 0 {
                int += 1;
                frac -= wrap;
            }
            (int << 24) + frac * mul
        }
        5 | 6 => cur.be(6, "TIME")? as i64 - 0x8000_0000_0000,
        _ => (cur.be(3, "TIME")? as i64 - 0x80_0000) << 24,
    };
    let p = packed.unsigned_abs();
    let hms = p >> 24;
    if packed < 0 {
        s.push('-');
    }
    push_hms(s, ((hms >> 12) % (1 << 10), (hms >> 6) % 64, hms % 64));
    push_frac(s, p % (1 << 24), dec);
    Ok(())
}

/// Unix seconds (+ microseconds) as ISO 8601 UTC, "YYYY-MM-DDTHH:MM:SS[.ffffff]Z".
/// MySQL's zero TIMESTAMP (0) is "0000-00-00T00:00:00Z".
pub(crate) fn iso_utc(secs: i64, usec: u64, dec: u8) -> String {
    let mut s = String::with_capacity(28);
    iso_utc_into(&mut s, secs, usec, dec);
    s
}

fn iso_utc_into<O: TextOut>(s: &mut O, secs: i64, usec: u64, dec: u8) {
    if secs == 0 && usec == 0 {
        s.push_str("0000-00-00T00:00:00");
    } else {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400) as u64;
        let date = Date::from_days(days);
        push_ymd_hms(
            s,
            (date.year.max(0) as u64, date.month as u64, date.day as u64),
            'T',
            (rem / 3600, (rem / 60) % 60, rem % 60),
        );
    }
    push_frac(s, usec, dec);
    s.push('Z');
}

const DIG2BYTES: [usize; 10] = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];

/// MySQL's binary DECIMAL(precision, scale) to its exact text ("-1299.99").
#[cfg(test)]
fn decode_decimal(
    cur: &mut Cursor<'_>,
    precision: usize,
    scale: usize,
) -> Result<String, RowError> {
    let mut s = String::new();
    decimal_into(cur, precision, scale, &mut s)?;
    Ok(s)
}

fn decimal_into<O: TextOut>(
    cur: &mut Cursor<'_>,
    precision: usize,
    scale: usize,
    s: &mut O,
) -> Result<(), RowError> {
    if scale > precision || precision > 65 {
        return Err(RowError(format!(
            "bad DECIMAL({precision},{scale}) metadata"
        )));
    }
    let intg = precision - scale;
    let (intg0, intg0x) = (intg / 9, intg % 9);
    let (frac0, frac0x) = (scale / 9, scale % 9);
    let size = intg0 * 4 + DIG2BYTES[intg0x] + frac0 * 4 + DIG2BYTES[frac0x];
    let raw = cur.take(size, "a DECIMAL")?;
    let mut b = [0u8; 40];
    b[..size].copy_from_slice(raw);
    let neg = b[0] & 0x80 == 0;
    b[0] ^= 0x80;
    if neg {
        for x in &mut b[..size] {
            *x ^= 0xff;
        }
        s.push('-');
    }
    let be = |s: &[u8]| s.iter().fold(0u64, |a, x| (a << 8) | *x as u64);
    let mut p = 0;
    // The integer part, without leading zeros ("0" when it is zero).
    let mut started = false;
    if intg0x > 0 {
        let n = DIG2BYTES[intg0x];
        let v = be(&b[p..p + n]);
        if v != 0 {
            s.push_u64(v);
            started = true;
        }
        p += n;
    }
    for _ in 0..intg0 {
        let v = be(&b[p..p + 4]);
        if started {
            s.push_pad(v, 9);
        } else if v != 0 {
            s.push_u64(v);
            started = true;
        }
        p += 4;
    }
    if !started {
        s.push('0');
    }
    if scale > 0 {
        s.push('.');
        for _ in 0..frac0 {
            s.push_pad(be(&b[p..p + 4]), 9);
            p += 4;
        }
        if frac0x > 0 {
            let n = DIG2BYTES[frac0x];
            s.push_pad(be(&b[p..p + n]), frac0x);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_of_every_width_read_both_ways_and_wider_than_8_is_an_error() {
        let b = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        for n in 0..=8 {
            let want_le = b[..n].iter().rev().fold(0u64, |a, x| (a << 8) | *x as u64);
            let want_be = b[..n].iter().fold(0u64, |a, x| (a << 8) | *x as u64);
            assert_eq!(Cursor::new(&b).le(n, "x").unwrap(), want_le, "{n}");
            assert_eq!(Cursor::new(&b).be(n, "x").unwrap(), want_be, "{n}");
        }
        let e = Cursor::new(&b).le(9, "a BIT").unwrap_err();
        assert!(e.0.contains("a BIT of 9 bytes"), "{}", e.0);
        assert!(Cursor::new(&b[..2]).be(3, "TIME").is_err());
    }

    #[test]
    fn dates_and_fractions_are_padded_and_cut_as_before() {
        let mut s = String::new();
        push_ymd_hms(&mut s, (5, 1, 2), ' ', (3, 4, 5));
        assert_eq!(s, "0005-01-02 03:04:05");
        let mut v: Vec<u8> = Vec::new();
        push_ymd_hms(&mut v, (9999, 12, 31), 'T', (23, 59, 59));
        push_frac(&mut v, 123_456, 2);
        assert_eq!(v, b"9999-12-31T23:59:59.12");
        // Out of range (corrupt data): still printed whole, by the general path.
        let mut s = String::new();
        push_ymd_hms(&mut s, (12345, 1, 1), ' ', (0, 0, 0));
        assert_eq!(s, "12345-01-01 00:00:00");
        for (usec, dec, want) in [(5, 6, ".000005"), (999_999, 3, ".999"), (500_000, 1, ".5")] {
            let mut s = String::new();
            push_frac(&mut s, usec, dec);
            assert_eq!(s, want);
        }
    }

    #[test]
    fn dates_from_days() {
        assert_eq!(iso_utc(1_795_341_600, 0, 0), "2026-11-22T10:00:00Z");
        assert_eq!(iso_utc(1, 500_000, 6), "1970-01-01T00:00:01.500000Z");
        assert_eq!(iso_utc(951_782_400, 0, 0), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn decimals() {
        // DECIMAL(10,2) 1299.99 and -1299.99, as MySQL writes them.
        let pos = [0x80, 0x00, 0x05, 0x13, 0x63];
        assert_eq!(
            decode_decimal(&mut Cursor::new(&pos), 10, 2).unwrap(),
            "1299.99"
        );
        let neg: Vec<u8> = pos.iter().map(|b| !b).collect();
        assert_eq!(
            decode_decimal(&mut Cursor::new(&neg), 10, 2).unwrap(),
            "-1299.99"
        );
        // DECIMAL(5,0) zero.
        assert_eq!(
            decode_decimal(&mut Cursor::new(&[0x80, 0, 0]), 5, 0).unwrap(),
            "0"
        );
    }
}
