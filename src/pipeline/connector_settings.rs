//! What a Debezium connector's configuration means for the checks: the server id it
//! registers with, and the tables in scope (its include lists, regular expressions, read as
//! the patterns doctor's --tables takes where they translate).

use super::connect_rest::Connector;
use super::snapshot_locking::SnapshotLocking;
use crate::tables::TablePatterns;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConnectorSettings {
    /// `database.server.id`.
    pub(crate) server_id: Option<u32>,
    /// `table.include.list`, else `database.include.list`.
    pub(crate) tables: Option<TablePatterns>,
    /// `snapshot.locking.mode` (Debezium's default, minimal, when the setting is absent); None
    /// when the connector is not Debezium's or the value is not one Debezium knows.
    pub(crate) snapshot_locking: Option<SnapshotLocking>,
    /// What could not be used, said once on stderr.
    pub(crate) notes: Vec<String>,
}

impl ConnectorSettings {
    pub(crate) fn of(connector: &Connector) -> ConnectorSettings {
        let mut out = ConnectorSettings::default();
        match snapshot_locking(connector) {
            Ok(m) => out.snapshot_locking = m,
            Err(note) => out.notes.push(note),
        }
        if let Some(id) = connector.setting("database.server.id") {
            match id.trim().parse::<u32>() {
                Ok(id) => out.server_id = Some(id),
                Err(_) => out.notes.push(format!(
                    "connector {}: database.server.id {id:?} is not a server id",
                    connector.name
                )),
            }
        }
        let (key, items) = match (
            connector.setting("table.include.list"),
            connector.setting("database.include.list"),
        ) {
            (Some(t), _) => ("table.include.list", list(t, false)),
            (None, Some(d)) => ("database.include.list", list(d, true)),
            (None, None) => return out,
        };
        let mut patterns = Vec::new();
        for item in items {
            match item {
                Ok(p) => patterns.push(p),
                Err(raw) => out.notes.push(format!(
                    "connector {}: {key} entry {raw:?} is a regular expression doctor cannot read as a table pattern; its tables are not checked",
                    connector.name
                )),
            }
        }
        if !patterns.is_empty() {
            match TablePatterns::parse(&patterns) {
                Ok(p) => out.tables = Some(p),
                Err(e) => out
                    .notes
                    .push(format!("connector {}: {key}: {e}", connector.name)),
            }
        }
        out
    }
}

/// `snapshot.locking.mode`, Debezium's default (minimal) when a Debezium connector leaves it
/// out; Err says why a value cannot be used.
pub(crate) fn snapshot_locking(connector: &Connector) -> Result<Option<SnapshotLocking>, String> {
    match connector.setting("snapshot.locking.mode") {
        Some(v) => SnapshotLocking::parse(v).map(Some).ok_or_else(|| {
            format!(
                "connector {}: snapshot.locking.mode {v:?} is none of minimal, minimal_percona, extended, none, custom; the snapshot's grants are judged as for any Debezium connector",
                connector.name
            )
        }),
        None if connector.is_debezium() => Ok(Some(SnapshotLocking::Minimal)),
        None => Ok(None),
    }
}

/// Comma-separated regular expressions (anchored, matched against `db.table` or `db`), as
/// table patterns: `\.` is the separator, `.*` and `.+` become `*`, a lone `.` in a name `?`.
fn list(value: &str, databases: bool) -> Vec<Result<String, String>> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|raw| {
            let r = raw.trim_start_matches('^').trim_end_matches('$');
            let (schema, table) = split_schema(r, databases);
            let schema = glob(schema).ok_or_else(|| raw.to_string())?;
            let table = match table {
                Some(t) => glob(t).ok_or_else(|| raw.to_string())?,
                None => "*".into(),
            };
            Ok(format!("{schema}.{table}"))
        })
        .collect()
}

/// The first `\.` (or the first `.` not followed by `*`/`+`) splits schema from table.
fn split_schema(r: &str, databases: bool) -> (&str, Option<&str>) {
    if databases {
        return (r, None);
    }
    if let Some(i) = r.find("\\.") {
        return (&r[..i], Some(&r[i + 2..]));
    }
    let bytes = r.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'.' && !matches!(bytes.get(i + 1), Some(b'*' | b'+')) {
            return (&r[..i], Some(&r[i + 1..]));
        }
    }
    (r, None)
}

fn glob(part: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = part.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' if matches!(chars.peek(), Some('*' | '+')) => {
                chars.next();
                out.push('*');
            }
            '.' => out.push('?'),
            '\\' => out.push(chars.next()?),
            c if c.is_alphanumeric() || c == '_' || c == '$' || c == '-' => out.push(c),
            _ => return None,
        }
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn connector(pairs: &[(&str, &str)]) -> Connector {
        Connector {
            name: "inventory".into(),
            config: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            ..Connector::default()
        }
    }

    #[test]
    fn server_id_and_include_lists() {
        let s = ConnectorSettings::of(&connector(&[
            ("database.server.id", "184054"),
            (
                "table.include.list",
                "inventory.orders,inventory\\.cust.*,shop.(a|b)",
            ),
        ]));
        assert_eq!(s.server_id, Some(184054));
        assert_eq!(
            s.tables.unwrap().to_string(),
            "inventory.orders,inventory.cust*"
        );
        assert_eq!(s.notes.len(), 1, "{:?}", s.notes);
        assert!(s.notes[0].contains("shop.(a|b)"), "{:?}", s.notes);
        let s = ConnectorSettings::of(&connector(&[("database.include.list", "inventory,crm")]));
        assert_eq!(s.tables.unwrap().to_string(), "inventory.*,crm.*");
        assert_eq!(s.server_id, None);
        let s = ConnectorSettings::of(&connector(&[("database.server.id", "abc")]));
        assert!(s.notes[0].contains("not a server id"), "{:?}", s.notes);
    }

    #[test]
    fn snapshot_locking_defaults_to_debeziums_own() {
        let debezium = (
            "connector.class",
            "io.debezium.connector.mysql.MySqlConnector",
        );
        let s = ConnectorSettings::of(&connector(&[debezium]));
        assert_eq!(s.snapshot_locking, Some(SnapshotLocking::Minimal));
        let s = ConnectorSettings::of(&connector(&[debezium, ("snapshot.locking.mode", "none")]));
        assert_eq!(s.snapshot_locking, Some(SnapshotLocking::None));
        let s = ConnectorSettings::of(&connector(&[debezium, ("snapshot.locking.mode", "total")]));
        assert_eq!(s.snapshot_locking, None);
        assert!(s.notes[0].contains("\"total\""), "{:?}", s.notes);
        // Another vendor's connector: its locking is not Debezium's.
        let s = ConnectorSettings::of(&connector(&[("connector.class", "com.example.Cdc")]));
        assert_eq!(s.snapshot_locking, None);
    }
}
