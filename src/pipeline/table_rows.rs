//! Row counts of the watched tables on both sides: a target behind shows as fewer rows, a
//! pipeline that lost rows as fewer rows that never come back.

use crate::connection::sql::SqlError;
use crate::validate::table::TableRef;
use crate::validate::target::Db;

/// One watched table's counts; a side left unknown says why in `error`.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRows {
    /// The source table, `db.table`.
    pub table: String,
    pub source: Option<u64>,
    pub target: Option<u64>,
    pub error: Option<String>,
}

/// A source table and where the pipeline writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TablePair {
    pub source: TableRef,
    pub target: TableRef,
}

/// Why a `--tables` entry is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not db.table or db.table=target_db.table")]
pub struct BadTablePair(pub String);

impl std::str::FromStr for TablePair {
    type Err = BadTablePair;

    /// `db.t` (the same name on the target) or `db.t=schema.t2`.
    fn from_str(s: &str) -> Result<TablePair, BadTablePair> {
        let bad = || BadTablePair(s.trim().to_string());
        let (source, target) = match s.split_once('=') {
            Some((a, b)) => (a, Some(b)),
            None => (s, None),
        };
        let source = TableRef::parse(source.trim()).ok_or_else(bad)?;
        let target = match target {
            Some(t) => TableRef::parse(t.trim()).ok_or_else(bad)?,
            None => source.clone(),
        };
        Ok(TablePair { source, target })
    }
}

/// A side to count on: its session, or why there is none this time.
pub(crate) enum Side<'a> {
    Up(&'a mut dyn Db),
    Down(String),
    /// No target given.
    None,
}

/// Counts every pair on both sides. `live` is the target's filter for soft-deleted rows.
pub(crate) fn count_all(
    pairs: &[TablePair],
    mut source: Side<'_>,
    mut target: Side<'_>,
    live: Option<&str>,
) -> Vec<TableRows> {
    pairs
        .iter()
        .map(|p| {
            let mut errors = Vec::new();
            let mut side = |side: &mut Side<'_>, role: &str, table: &TableRef, filter| {
                let found = match side {
                    Side::Up(db) => count(&mut **db, table, filter).map_err(|e| {
                        // One lost connection is enough for this sample: the side is down.
                        let said = format!("{role}: {e}");
                        if e.connection_lost {
                            *side = Side::Down(said.clone());
                        }
                        said
                    }),
                    Side::Down(why) => Err(why.clone()),
                    Side::None => return None,
                };
                found.map_err(|e| errors.push(e)).ok()
            };
            let source_rows = side(&mut source, "source", &p.source, None);
            let target_rows = side(&mut target, "target", &p.target, live);
            TableRows {
                table: p.source.to_string(),
                source: source_rows,
                target: target_rows,
                error: (!errors.is_empty()).then(|| errors.join("; ")),
            }
        })
        .collect()
}

fn count(db: &mut dyn Db, table: &TableRef, live: Option<&str>) -> Result<u64, SqlError> {
    let filter = live.map_or(String::new(), |p| format!(" WHERE {p}"));
    let sql = format!("SELECT COUNT(*) FROM {}{filter}", table.quoted(db.engine()));
    db.query(&sql)?
        .scalar()
        .flatten()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| SqlError::recorded(None, "no count came back"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_name_the_target_or_keep_the_source_s_name() {
        let p: TablePair = "shop.orders".parse().unwrap();
        assert_eq!(p.target, p.source);
        let p: TablePair = "shop.orders = bronze.orders_v2".parse().unwrap();
        assert_eq!(p.source.to_string(), "shop.orders");
        assert_eq!(p.target.to_string(), "bronze.orders_v2");
        for bad in ["orders", "shop.orders=", "=x.y", "a.b.c"] {
            let e = bad.parse::<TablePair>().unwrap_err();
            assert!(e.to_string().contains("is not db.table"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_side_that_is_down_or_absent_is_said_per_table() {
        let pairs: Vec<TablePair> = vec!["a.t".parse().unwrap(), "a.u".parse().unwrap()];
        let rows = count_all(
            &pairs,
            Side::Down("source: cannot reach h:3306".into()),
            Side::None,
            None,
        );
        assert_eq!(rows.len(), 2);
        for r in &rows {
            assert_eq!((r.source, r.target), (None, None));
            assert_eq!(r.error.as_deref(), Some("source: cannot reach h:3306"));
        }
        assert_eq!(rows[1].table, "a.u");
    }
}
