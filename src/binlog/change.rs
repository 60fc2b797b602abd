//! A row change as `cdc tail` shows it: what every decoder produces and every output reads.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Insert,
    Update,
    Delete,
}

/// One cell of a row image, typed as the column is, so outputs can render it exactly.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    /// Signed integer columns (TINYINT..BIGINT, YEAR).
    Int(i64),
    /// UNSIGNED integer columns, BIT.
    UInt(u64),
    /// FLOAT and DOUBLE.
    Float(f64),
    /// DECIMAL, exact, as text ("1299.99").
    Decimal(String),
    /// Character data, ENUM and SET labels.
    Text(String),
    /// Binary data (BINARY, VARBINARY, BLOB, and text that is not UTF-8).
    Bytes(Vec<u8>),
    /// "YYYY-MM-DD".
    Date(String),
    /// "[-]HHH:MM:SS[.ffffff]".
    Time(String),
    /// DATETIME as "YYYY-MM-DD HH:MM:SS[.ffffff]" (no time zone).
    DateTime(String),
    /// TIMESTAMP as ISO 8601 UTC, "YYYY-MM-DDTHH:MM:SS[.ffffff]Z".
    Timestamp(String),
    Json(serde_json::Value),
    /// A MySQL 8 PARTIAL_JSON update: the diff as the binlog carries it, not the whole document.
    JsonDiff(Vec<serde_json::Value>),
    /// MySQL 9 VECTOR.
    Vector(Vec<f32>),
}

/// A row image: column name and cell, in table order.
pub type Row = Vec<(String, Cell)>;

#[derive(Debug, Clone, PartialEq)]
pub struct RowChange {
    pub op: Op,
    pub db: String,
    pub table: String,
    /// Update and delete: the row before.
    pub before: Option<Row>,
    /// Insert and update: the row after.
    pub after: Option<Row>,
    /// Commit time of the transaction, Unix seconds (the event header's timestamp).
    pub ts: u32,
    /// Binlog file and the start position of the rows event.
    pub file: String,
    pub pos: u64,
    /// GTID of the transaction: MySQL "uuid:n" (or "uuid:tag:n"), MariaDB "domain-server-seq".
    pub gtid: Option<String>,
}

/// A row image borrowed from wherever it lives: a `RowChange`'s (name, cell) pairs, or the
/// decoder's reused buffers (the table's column names, the indexes the image carries, its cells).
#[derive(Debug, Clone, Copy)]
pub enum ImageView<'a> {
    Pairs(&'a [(String, Cell)]),
    Split {
        names: &'a [&'a str],
        cells: &'a [Cell],
    },
}

impl<'a> ImageView<'a> {
    /// (column name, cell), in table order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'a str, &'a Cell)> + 'a {
        let (pairs, names, cells): (&'a [(String, Cell)], &'a [&'a str], &'a [Cell]) = match *self {
            ImageView::Pairs(p) => (p, &[], &[]),
            ImageView::Split { names, cells } => (&[], names, cells),
        };
        pairs
            .iter()
            .map(|(n, c)| (n.as_str(), c))
            .chain(names.iter().copied().zip(cells.iter()))
    }

    pub(crate) fn to_row(self) -> Row {
        self.iter()
            .map(|(n, c)| (n.to_string(), c.clone()))
            .collect()
    }
}

/// A row change borrowed from the decoder (no copies): what the writers read. A `RowChange`
/// gives one with `view()`, and a view becomes a `RowChange` with `into_owned()`.
#[derive(Debug, Clone, Copy)]
pub struct ChangeView<'a> {
    pub op: Op,
    pub db: &'a str,
    pub table: &'a str,
    pub before: Option<ImageView<'a>>,
    pub after: Option<ImageView<'a>>,
    pub ts: u32,
    pub file: &'a str,
    pub pos: u64,
    pub gtid: Option<&'a str>,
}

impl ChangeView<'_> {
    pub(crate) fn into_owned(self) -> RowChange {
        RowChange {
            op: self.op,
            db: self.db.to_string(),
            table: self.table.to_string(),
            before: self.before.map(|i| i.to_row()),
            after: self.after.map(|i| i.to_row()),
            ts: self.ts,
            file: self.file.to_string(),
            pos: self.pos,
            gtid: self.gtid.map(str::to_string),
        }
    }
}

impl RowChange {
    pub fn view(&self) -> ChangeView<'_> {
        ChangeView {
            op: self.op,
            db: &self.db,
            table: &self.table,
            before: self.before.as_deref().map(ImageView::Pairs),
            after: self.after.as_deref().map(ImageView::Pairs),
            ts: self.ts,
            file: &self.file,
            pos: self.pos,
            gtid: self.gtid.as_deref(),
        }
    }
}
