//! What a validation found, per table: the structs every renderer reads.

use serde::Serialize;

/// How a table compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TableStatus {
    /// Same rows on both sides.
    Match,
    /// Rows differed on the first look and still did after the settle delay.
    Differ,
    /// Rows differed on the first look but not after the settle delay: the target was
    /// behind, nothing is lost.
    Lag,
    /// The target table does not exist.
    Missing,
    /// The table could not be compared (no key, a query failed); see `error`.
    Error,
}

impl TableStatus {
    pub(crate) fn label(self) -> &'static str {
        match self {
            TableStatus::Match => "match",
            TableStatus::Differ => "differ",
            TableStatus::Lag => "lag",
            TableStatus::Missing => "missing",
            TableStatus::Error => "error",
        }
    }
}

/// A key value: a number for integer key columns, else text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub(crate) enum KeyValue {
    Int(i128),
    Text(String),
}

impl KeyValue {
    pub(crate) fn from_text(text: &str, integer: bool) -> KeyValue {
        match text.parse::<i128>() {
            Ok(i) if integer => KeyValue::Int(i),
            _ => KeyValue::Text(text.to_string()),
        }
    }
}

impl std::fmt::Display for KeyValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyValue::Int(i) => write!(f, "{i}"),
            KeyValue::Text(t) => f.write_str(t),
        }
    }
}

/// A key: its one value, or an array of values for a composite key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Key(pub Vec<KeyValue>);

impl Serialize for Key {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => one.serialize(s),
            many => many.serialize(s),
        }
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.as_slice() {
            [one] => write!(f, "{one}"),
            many => {
                let parts: Vec<String> = many.iter().map(|v| v.to_string()).collect();
                write!(f, "({})", parts.join(", "))
            }
        }
    }
}

/// A changed row: its key and, per differing column, the two sides' values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct ChangedRow {
    pub(crate) key: Key,
    pub(crate) columns: std::collections::BTreeMap<String, SideValues>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct SideValues {
    pub(crate) source: Option<String>,
    pub(crate) target: Option<String>,
}

/// One table's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableResult {
    /// The source table, db.table.
    pub(crate) table: String,
    /// The target table it was compared with (schema.table).
    pub(crate) target_table: String,
    pub status: TableStatus,
    pub source_rows: Option<u64>,
    pub(crate) target_rows: Option<u64>,
    /// The first `--show` keys of each kind.
    pub(crate) missing: Vec<Key>,
    pub(crate) extra: Vec<Key>,
    pub(crate) changed: Vec<Key>,
    /// The first `--show` changed rows with their differing columns, both sides' values as
    /// compared (normalised): `{"key": K, "columns": {"col": {"source": V, "target": V}}}`.
    pub(crate) diffs: Vec<ChangedRow>,
    /// How many of each kind there are in all.
    pub(crate) missing_count: usize,
    pub(crate) extra_count: usize,
    pub(crate) changed_count: usize,
    /// Differing keys left out because they changed within `--min-age`.
    pub(crate) skipped_recent: usize,
    /// Rows downloaded from both sides together (only ranges that differed are).
    pub(crate) rows_fetched: u64,
    /// Key ranges whose count and checksum were compared.
    pub(crate) segments_checked: u64,
    pub(crate) key: Vec<String>,
    pub(crate) seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
    /// Things worth knowing that are not differences (e.g. --min-age could not apply).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) notes: Vec<String>,
}

impl TableResult {
    /// A result with nothing compared yet.
    pub fn new(table: &str, target_table: &str, status: TableStatus) -> TableResult {
        TableResult {
            table: table.to_string(),
            target_table: target_table.to_string(),
            status,
            source_rows: None,
            target_rows: None,
            missing: Vec::new(),
            extra: Vec::new(),
            changed: Vec::new(),
            diffs: Vec::new(),
            missing_count: 0,
            extra_count: 0,
            changed_count: 0,
            skipped_recent: 0,
            rows_fetched: 0,
            segments_checked: 0,
            key: Vec::new(),
            seconds: 0.0,
            error: None,
            notes: Vec::new(),
        }
    }
}

/// A whole run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidateReport {
    /// counts or checksum.
    pub(crate) mode: String,
    pub(crate) source: String,
    pub(crate) target: String,
    pub(crate) tables: Vec<TableResult>,
}

impl ValidateReport {
    /// A table could not be compared.
    pub(crate) fn any_error(&self) -> bool {
        self.tables.iter().any(|t| t.status == TableStatus::Error)
    }

    /// A table differs or is missing on the target (lag is not a difference).
    pub(crate) fn any_difference(&self) -> bool {
        self.tables
            .iter()
            .any(|t| matches!(t.status, TableStatus::Differ | TableStatus::Missing))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_serialise_as_values_or_arrays() {
        let one = Key(vec![KeyValue::Int(7)]);
        let two = Key(vec![KeyValue::Int(7), KeyValue::Text("a".into())]);
        assert_eq!(serde_json::to_string(&one).unwrap(), "7");
        assert_eq!(serde_json::to_string(&two).unwrap(), "[7,\"a\"]");
        assert_eq!(two.to_string(), "(7, a)");
        assert_eq!(
            KeyValue::from_text("12", false),
            KeyValue::Text("12".into())
        );
    }
}
