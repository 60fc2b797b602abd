//! A table map, digested once into what the row decoder needs per column, and the
//! column-name provider that fills in what the binlog does not carry.

use std::collections::HashMap;

use mysql_common::binlog::events::{OptionalMetaExtractor, OptionalMetadataField, TableMapEvent};
use mysql_common::constants::ColumnType;
use mysql_common::proto::MySerialize;

use super::row::{Cursor, RowError};

/// How a column's value is laid out in a row image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColKind {
    Tiny,
    Short,
    Int24,
    Long,
    LongLong,
    Float,
    Double,
    NewDecimal {
        precision: u8,
        scale: u8,
    },
    Year,
    Date,
    Time,
    Time2 {
        dec: u8,
    },
    DateTime,
    DateTime2 {
        dec: u8,
    },
    Timestamp,
    Timestamp2 {
        dec: u8,
    },
    /// VARCHAR / VAR_STRING: a 1- or 2-byte length, then the bytes.
    VarChar {
        len_bytes: u8,
    },
    /// CHAR / BINARY: a 1- or 2-byte length, then the bytes.
    Char {
        len_bytes: u8,
    },
    Enum {
        size: u8,
    },
    Set {
        size: u8,
    },
    Blob {
        len_bytes: u8,
    },
    Geometry {
        len_bytes: u8,
    },
    Json {
        len_bytes: u8,
    },
    Vector {
        len_bytes: u8,
    },
    Bit {
        bytes: u16,
    },
    Null,
    /// A type this decoder does not read (old DECIMAL, typed arrays): its raw code.
    Unsupported(u8),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ColumnDef {
    pub(crate) name: String,
    pub(crate) kind: ColKind,
    pub unsigned: bool,
    /// The binary charset (63): BINARY, VARBINARY, BLOB. Shown as bytes.
    pub(crate) binary: bool,
    /// A latin1 charset (MySQL's latin1 is cp1252): text is converted to UTF-8.
    pub(crate) latin1: bool,
    /// ENUM / SET labels, when the table map carries them (binlog_row_metadata=FULL).
    pub(crate) labels: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TableInfo {
    pub(crate) table_id: u64,
    pub(crate) db: String,
    pub(crate) table: String,
    pub(crate) columns: Vec<ColumnDef>,
    /// Column names came from the binlog (FULL row metadata), not the provider or positions.
    pub(crate) names_from_binlog: bool,
    /// Does the table filter show this table's changes?
    pub(crate) shown: bool,
    /// Each column's name as a JSON object key, `"name":`, escaped once.
    pub(crate) json_keys: Vec<Vec<u8>>,
    /// `"db":"...","table":"..."`, escaped once: every change line of the table starts so.
    pub(crate) json_names: Vec<u8>,
}

/// What the binlog may not say about a table's columns, from elsewhere (information_schema
/// in live mode). Indexes are column positions, in table order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ColumnInfo {
    pub names: Vec<String>,
    /// Which columns are UNSIGNED (same length as `names`, or empty for "unknown").
    pub unsigned: Vec<bool>,
}

/// Fills in column names and signedness when the table map lacks them
/// (binlog_row_metadata=MINIMAL or NO_LOG).
pub trait ColumnProvider {
    fn columns(&self, db: &str, table: &str) -> Option<ColumnInfo>;
}

impl ColumnProvider for HashMap<(String, String), ColumnInfo> {
    fn columns(&self, db: &str, table: &str) -> Option<ColumnInfo> {
        self.get(&(db.to_string(), table.to_string())).cloned()
    }
}

fn numeric(t: ColumnType) -> bool {
    t.is_numeric_type()
}

fn character(t: ColumnType) -> bool {
    t.is_character_type()
}

fn raw(v: &impl MySerialize) -> Vec<u8> {
    let mut b = Vec::new();
    v.serialize(&mut b);
    b
}

/// The ENUM or SET labels of a table map's optional metadata: per column, a count, then that
/// many length-prefixed labels.
fn labels(raw: &[u8]) -> std::io::Result<Vec<Vec<String>>> {
    let bad = |e: RowError| std::io::Error::new(std::io::ErrorKind::InvalidData, e.0);
    let mut c = Cursor::new(raw);
    let mut out = Vec::new();
    while !c.is_empty() {
        let n = c.lenenc("a label count").map_err(bad)?;
        // Each label takes a byte at least: a count above what is left is corrupt.
        if n > c.remaining() as u64 {
            return Err(bad(RowError(format!(
                "{n} ENUM/SET labels in {} bytes",
                c.remaining()
            ))));
        }
        let mut column = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let len = c.lenenc("a label").map_err(bad)?;
            let text = usize::try_from(len)
                .map_err(|_| bad(RowError("a label past the end".into())))
                .and_then(|len| c.take(len, "a label").map_err(bad))?;
            column.push(String::from_utf8_lossy(text).into_owned());
        }
        out.push(column);
    }
    Ok(out)
}

impl TableInfo {
    /// Digests a table map. `provider` is asked only when the binlog lacks names or signedness.
    pub(crate) fn from_event(
        tme: &TableMapEvent<'_>,
        provider: Option<&dyn ColumnProvider>,
    ) -> std::io::Result<TableInfo> {
        let db = tme.database_name().into_owned();
        let table = tme.table_name().into_owned();
        let n = tme.columns_count() as usize;
        let extractor = OptionalMetaExtractor::new(tme.iter_optional_meta())?;
        let mut signedness = extractor.iter_signedness();
        let mut charsets = extractor.iter_charset();
        let mut names: Vec<String> = extractor
            .iter_column_name()
            .filter_map(|r| r.ok())
            .map(|c| c.name().into_owned())
            .collect();
        let mut enum_labels: Vec<Vec<String>> = Vec::new();
        let mut set_labels: Vec<Vec<String>> = Vec::new();
        for field in tme.iter_optional_meta() {
            match field? {
                // Read here: mysql_common's reader allocates for the count a column claims
                // before reading any label, so one corrupt count aborts the process.
                OptionalMetadataField::EnumStrValue(v) => enum_labels.extend(labels(&raw(&v))?),
                OptionalMetadataField::SetStrValue(v) => set_labels.extend(labels(&raw(&v))?),
                _ => {}
            }
        }
        let (mut enum_labels, mut set_labels) = (enum_labels.into_iter(), set_labels.into_iter());
        let mut had_signedness = false;

        let mut columns = Vec::with_capacity(n);
        for i in 0..n {
            let raw = tme.get_raw_column_type(i).ok().flatten();
            let real = tme.get_column_type(i).ok().flatten();
            let meta = tme.get_column_metadata(i).unwrap_or(&[]);
            let m = |k: usize| meta.get(k).copied().unwrap_or(0);
            let pack = || m(0).clamp(1, 4);
            let unsigned = match raw {
                Some(t) if numeric(t) => {
                    let s = signedness.next();
                    had_signedness |= s.is_some();
                    s.unwrap_or(false)
                }
                _ => false,
            };
            let charset = match real {
                Some(t) if character(t) => charsets.next().and_then(|c| c.ok()),
                _ => None,
            };
            use ColumnType::*;
            let mut labels = None;
            let kind = match (raw, real) {
                (None, _) | (_, None) => ColKind::Unsupported(0),
                (Some(_), Some(t)) => match t {
                    MYSQL_TYPE_TINY => ColKind::Tiny,
                    MYSQL_TYPE_SHORT => ColKind::Short,
                    MYSQL_TYPE_INT24 => ColKind::Int24,
                    MYSQL_TYPE_LONG => ColKind::Long,
                    MYSQL_TYPE_LONGLONG => ColKind::LongLong,
                    MYSQL_TYPE_FLOAT => ColKind::Float,
                    MYSQL_TYPE_DOUBLE => ColKind::Double,
                    MYSQL_TYPE_NEWDECIMAL => ColKind::NewDecimal {
                        precision: m(0),
                        scale: m(1),
                    },
                    MYSQL_TYPE_YEAR => ColKind::Year,
                    MYSQL_TYPE_DATE | MYSQL_TYPE_NEWDATE => ColKind::Date,
                    MYSQL_TYPE_TIME => ColKind::Time,
                    MYSQL_TYPE_TIME2 => ColKind::Time2 { dec: m(0) },
                    MYSQL_TYPE_DATETIME => ColKind::DateTime,
                    MYSQL_TYPE_DATETIME2 => ColKind::DateTime2 { dec: m(0) },
                    MYSQL_TYPE_TIMESTAMP => ColKind::Timestamp,
                    MYSQL_TYPE_TIMESTAMP2 => ColKind::Timestamp2 { dec: m(0) },
                    MYSQL_TYPE_VARCHAR | MYSQL_TYPE_VAR_STRING => {
                        let max = u16::from_le_bytes([m(0), m(1)]);
                        ColKind::VarChar {
                            len_bytes: if max < 256 { 1 } else { 2 },
                        }
                    }
                    MYSQL_TYPE_STRING | MYSQL_TYPE_ENUM | MYSQL_TYPE_SET => {
                        let (b0, b1) = (m(0) as usize, m(1) as usize);
                        let len = if raw == Some(MYSQL_TYPE_STRING) && (b0 & 0x30) != 0x30 {
                            b1 | (((b0 & 0x30) ^ 0x30) << 4)
                        } else {
                            b1
                        };
                        match t {
                            MYSQL_TYPE_ENUM => {
                                labels = enum_labels.next();
                                ColKind::Enum {
                                    size: len.clamp(1, 2) as u8,
                                }
                            }
                            MYSQL_TYPE_SET => {
                                labels = set_labels.next();
                                ColKind::Set {
                                    size: len.clamp(1, 8) as u8,
                                }
                            }
                            _ => ColKind::Char {
                                len_bytes: if len < 256 { 1 } else { 2 },
                            },
                        }
                    }
                    MYSQL_TYPE_TINY_BLOB
                    | MYSQL_TYPE_MEDIUM_BLOB
                    | MYSQL_TYPE_LONG_BLOB
                    | MYSQL_TYPE_BLOB => ColKind::Blob { len_bytes: pack() },
                    MYSQL_TYPE_GEOMETRY => ColKind::Geometry { len_bytes: pack() },
                    MYSQL_TYPE_JSON => ColKind::Json { len_bytes: pack() },
                    MYSQL_TYPE_VECTOR => ColKind::Vector { len_bytes: pack() },
                    MYSQL_TYPE_BIT => ColKind::Bit {
                        bytes: m(1) as u16 + u16::from(m(0) > 0),
                    },
                    MYSQL_TYPE_NULL => ColKind::Null,
                    other => ColKind::Unsupported(other as u8),
                },
            };
            columns.push(ColumnDef {
                name: String::new(),
                kind,
                unsigned,
                binary: charset == Some(63),
                latin1: matches!(charset, Some(5 | 8 | 15 | 31 | 47 | 48 | 49 | 94)),
                labels,
            });
        }

        let names_from_binlog = names.len() == n;
        let needs_names = !names_from_binlog;
        let needs_sign = !had_signedness;
        if needs_names || needs_sign {
            if let Some(info) = provider.and_then(|p| p.columns(&db, &table)) {
                if needs_names && info.names.len() == n {
                    names = info.names.clone();
                }
                if needs_sign && info.unsigned.len() == n {
                    for (c, u) in columns.iter_mut().zip(&info.unsigned) {
                        c.unsigned = *u;
                    }
                }
            }
        }
        if names.len() != n {
            names = (1..=n).map(|i| format!("col_{i}")).collect();
        }
        for (c, name) in columns.iter_mut().zip(names) {
            c.name = name;
        }
        let json_keys = columns
            .iter()
            .map(|c| {
                let mut k = Vec::with_capacity(c.name.len() + 3);
                super::json_text::json_str(&mut k, &c.name);
                k.push(b':');
                k
            })
            .collect();
        let mut json_names = Vec::new();
        super::json_text::db_and_table(&mut json_names, &db, &table);
        Ok(TableInfo {
            json_keys,
            json_names,
            table_id: tme.table_id(),
            db,
            table,
            columns,
            names_from_binlog,
            shown: true,
        })
    }

    /// How many JSON columns the table has (PARTIAL_JSON bitmaps count these).
    pub(crate) fn json_columns(&self) -> usize {
        self.columns
            .iter()
            .filter(|c| matches!(c.kind, ColKind::Json { .. }))
            .count()
    }
}
