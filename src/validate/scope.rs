//! Which tables `--tables` names: `db.t` as written; `db.*`, `*.*`, `db.orders_*` or a bare
//! `db` expand to the source's base tables they match, as doctor's `--tables` reads them.

use crate::checks::scope::TableScope;
use crate::tables::TablePattern;

use super::error::ValidateError;
use super::table::TableRef;
use super::target::Db;

/// Each entry in order, patterns replaced by the base tables they match on the source
/// (sorted, system schemas left out), each table once. A pattern that matches nothing is an
/// error: a typo must not turn into "all tables match".
pub(crate) fn expand(
    source: &mut dyn Db,
    tables: &[TablePattern],
) -> Result<Vec<TableRef>, ValidateError> {
    let mut out: Vec<TableRef> = Vec::new();
    for t in tables {
        let found = if let Some((schema, name)) = t.exact() {
            vec![TableRef { schema, name }]
        } else {
            let pattern = t.to_string();
            let scope = TableScope {
                patterns: vec![t.clone()].into(),
            };
            let sql = format!(
                "SELECT table_schema, table_name FROM information_schema.tables \
                 WHERE table_type = 'BASE TABLE' AND {} ORDER BY table_schema, table_name",
                scope.predicate("table_schema", "table_name")
            );
            let rows = source.query(&sql).map_err(|e| {
                ValidateError::query(format!("listing the tables {pattern} matches"), e)
            })?;
            let found: Vec<TableRef> = rows
                .rows
                .into_iter()
                .filter_map(
                    |r| match (r.first().cloned().flatten(), r.get(1).cloned().flatten()) {
                        (Some(schema), Some(name)) => Some(TableRef { schema, name }),
                        _ => None,
                    },
                )
                .collect();
            if found.is_empty() {
                return Err(ValidateError::NoMatch { pattern });
            }
            found
        };
        for f in found {
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    Ok(out)
}
