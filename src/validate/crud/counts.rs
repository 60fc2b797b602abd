//! After the canary: row counts of the captured tables on both sides. A difference is
//! counted again after the settle delay, so a target that is behind (lag) is told apart from
//! one that lost or kept rows.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::Serialize;

use super::DeleteMode;
use crate::connection::sql::SqlError;
use crate::validate::table::TableRef;
use crate::validate::target::{Db, Engine};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CountStatus {
    Match,
    /// Differed, then matched after the settle delay.
    Lag,
    Differs,
    Error,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountResult {
    pub(crate) table: String,
    pub(crate) target_table: String,
    pub source_rows: Option<u64>,
    pub target_rows: Option<u64>,
    pub status: CountStatus,
    pub(crate) message: String,
}

/// The spellings a soft-delete marker may come back as: `true` is `1` on MySQL and `t` or
/// `true` on PostgreSQL.
pub(crate) fn marker_spellings(value: &str) -> Vec<String> {
    let v = value.to_ascii_lowercase();
    match v.as_str() {
        "true" | "1" | "t" => vec!["true".into(), "1".into(), "t".into()],
        "false" | "0" | "f" => vec!["false".into(), "0".into(), "f".into()],
        _ => vec![v],
    }
}

/// The condition a live (not soft-deleted) target row meets; None for hard deletes.
pub(crate) fn live_predicate(engine: Engine, mode: &DeleteMode) -> Option<String> {
    let text = |c: &str| match engine {
        Engine::MySql => format!("LOWER(CAST({} AS CHAR))", engine.ident(c)),
        Engine::PostgreSql => format!("LOWER({}::text)", engine.ident(c)),
        Engine::DataFusion => format!("LOWER(CAST({} AS VARCHAR))", engine.ident(c)),
    };
    match mode {
        DeleteMode::Hard => None,
        DeleteMode::SoftNotNull { column } => Some(format!("{} IS NULL", engine.ident(column))),
        DeleteMode::SoftEquals { column, value } => {
            let list: Vec<String> = marker_spellings(value)
                .iter()
                .map(|s| engine.literal(s))
                .collect();
            Some(format!(
                "({} IS NULL OR {} NOT IN ({}))",
                engine.ident(column),
                text(column),
                list.join(", ")
            ))
        }
    }
}

/// Lakeflow's SCD type 2 columns: a row is the key's current version while `__END_AT` is
/// NULL; closed versions (history, and deleted keys) are not rows of the source's table.
pub(crate) const SCD2_COLUMNS: [&str; 2] = ["__START_AT", "__END_AT"];

/// The condition a current SCD type 2 version meets.
pub(crate) fn scd2_predicate(engine: Engine) -> String {
    format!("{} IS NULL", engine.ident(SCD2_COLUMNS[1]))
}

/// `scd2_predicate` when `table` on `db` has both SCD type 2 columns (a table that cannot be
/// read has none: its count or probe tells why).
pub(crate) fn current_rows(db: &mut dyn Db, table: &TableRef) -> Option<String> {
    let e = db.engine();
    let cols: Vec<String> = SCD2_COLUMNS.iter().map(|c| e.ident(c)).collect();
    db.query(&format!(
        "SELECT {} FROM {} WHERE 1 = 0",
        cols.join(", "),
        table.quoted(e)
    ))
    .ok()
    .map(|_| scd2_predicate(e))
}

/// Both conditions a target row must meet to count, joined, as a WHERE clause (or empty).
fn where_all(parts: &[Option<String>]) -> String {
    let parts: Vec<&str> = parts.iter().flatten().map(String::as_str).collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", parts.join(" AND "))
    }
}

/// Why one side's count is unknown; `side` is "source" or "target".
#[derive(Debug, thiserror::Error)]
enum CountError {
    #[error("{side}: {error}")]
    Query { side: &'static str, error: SqlError },
    #[error("{side}: no count came back")]
    NoCount { side: &'static str },
}

fn count(
    db: &mut dyn Db,
    side: &'static str,
    table: &TableRef,
    filter: &str,
) -> Result<u64, CountError> {
    let sql = format!("SELECT COUNT(*) FROM {}{filter}", table.quoted(db.engine()));
    db.query(&sql)
        .map_err(|error| CountError::Query { side, error })?
        .scalar()
        .flatten()
        .and_then(|n| n.parse().ok())
        .ok_or(CountError::NoCount { side })
}

/// Counts each (source, target) table pair; differences are counted again after `settle`.
pub fn compare(
    source: &mut dyn Db,
    target: &mut dyn Db,
    tables: &[(TableRef, TableRef)],
    mode: &DeleteMode,
    settle: Duration,
    cancel: &AtomicBool,
) -> Vec<CountResult> {
    let live = live_predicate(target.engine(), mode);
    let mut once = |s: &TableRef, t: &TableRef| -> Result<(u64, u64), CountError> {
        let filter = where_all(&[live.clone(), current_rows(target, t)]);
        Ok((
            count(source, "source", s, "")?,
            count(target, "target", t, &filter)?,
        ))
    };
    let mut results: Vec<CountResult> = tables
        .iter()
        .map(|(s, t)| {
            let (source_rows, target_rows, status, message) = match once(s, t) {
                Ok((a, b)) if a == b => (Some(a), Some(b), CountStatus::Match, String::new()),
                Ok((a, b)) => (Some(a), Some(b), CountStatus::Differs, String::new()),
                Err(e) => (None, None, CountStatus::Error, e.to_string()),
            };
            CountResult {
                table: s.to_string(),
                target_table: t.to_string(),
                source_rows,
                target_rows,
                status,
                message,
            }
        })
        .collect();
    if !results.iter().any(|r| r.status == CountStatus::Differs) || cancel.load(Ordering::SeqCst) {
        return results;
    }
    std::thread::sleep(settle);
    for (r, (s, t)) in results.iter_mut().zip(tables) {
        if r.status != CountStatus::Differs {
            continue;
        }
        match once(s, t) {
            Ok((a, b)) => {
                r.source_rows = Some(a);
                r.target_rows = Some(b);
                if a == b {
                    r.status = CountStatus::Lag;
                    r.message = format!("matched after {} s (lag)", settle.as_secs_f32());
                } else {
                    r.message = format!(
                        "still differs after {} s: {} on the target",
                        settle.as_secs_f32(),
                        if b > a { "extra rows" } else { "rows missing" }
                    );
                }
            }
            Err(e) => {
                r.status = CountStatus::Error;
                r.message = e.to_string();
            }
        }
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soft_deleted_rows_are_left_out_of_the_target_count() {
        let live = |e: Engine, mode: &DeleteMode| where_all(&[live_predicate(e, mode)]);
        let mode: DeleteMode = "soft:__deleted=true".parse().unwrap();
        assert_eq!(
            live(Engine::PostgreSql, &mode),
            " WHERE (\"__deleted\" IS NULL OR LOWER(\"__deleted\"::text) NOT IN ('true', '1', 't'))"
        );
        let mode: DeleteMode = "soft:deleted_at IS NOT NULL".parse().unwrap();
        assert_eq!(live(Engine::MySql, &mode), " WHERE `deleted_at` IS NULL");
        assert_eq!(live(Engine::MySql, &DeleteMode::Hard), "");
        // SCD type 2 beside a soft delete: both must hold.
        assert_eq!(
            where_all(&[
                live_predicate(Engine::DataFusion, &mode),
                Some(scd2_predicate(Engine::DataFusion))
            ]),
            " WHERE \"deleted_at\" IS NULL AND \"__END_AT\" IS NULL"
        );
    }
}
