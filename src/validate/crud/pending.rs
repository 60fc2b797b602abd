//! Canary rows in real tables not yet removed, recorded on disk before they are written: a
//! run that crashed (kill -9, power loss) leaves its record, and the next run against the
//! same source deletes that row by its key. Real tables carry no run id to search by.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::row_plan::RowPlan;
use crate::validate::table::TableRef;
use crate::validate::target::{Db, Engine};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Pending {
    pub(crate) run_id: String,
    /// host:port of the source.
    pub(crate) source: String,
    pub(crate) table: String,
    pub(crate) key: Vec<(String, String)>,
    /// Columns whose values only the canary writes: the row is deleted only if they match.
    #[serde(default)]
    pub(crate) markers: Vec<(String, Vec<String>)>,
    /// The canary table's run-id column: its rows are deleted by run id (their key is only
    /// known once inserted).
    #[serde(default)]
    pub(crate) run_column: Option<String>,
}

/// `$CDC_STATE_DIR`, else `$XDG_STATE_HOME/cdc`, else `$HOME/.local/state/cdc`; then
/// `canary-pending/`.
pub(crate) fn pending_dir() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = env("CDC_STATE_DIR")
        .or_else(|| env("XDG_STATE_HOME").map(|d| d.join("cdc")))
        .or_else(|| env("HOME").map(|h| h.join(".local/state/cdc")))?;
    Some(base.join("canary-pending"))
}

impl Pending {
    pub fn of(plan: &RowPlan, run_id: &str, source: &str) -> Option<Pending> {
        let key: Option<Vec<(String, String)>> = match &plan.run_column {
            Some(_) => Some(Vec::new()),
            None => plan
                .key
                .iter()
                .map(|(c, v)| v.clone().map(|v| (c.clone(), v)))
                .collect(),
        };
        Some(Pending {
            run_id: run_id.to_string(),
            source: source.to_string(),
            table: plan.table.to_string(),
            key: key?,
            markers: plan
                .markers
                .iter()
                .map(|(c, vs)| (c.clone(), vs.iter().map(|v| v.text().to_string()).collect()))
                .collect(),
            run_column: plan.run_column.clone(),
        })
    }

    fn path(&self, dir: &Path) -> PathBuf {
        dir.join(format!("{}.json", self.run_id))
    }

    pub(crate) fn save(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let text = serde_json::to_string(self).map_err(std::io::Error::other)?;
        // Written whole then renamed: a crash mid-write leaves no half record.
        let tmp = dir.join(format!(".{}.tmp", self.run_id));
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, self.path(dir))
    }

    pub(crate) fn forget(&self, dir: &Path) {
        let _ = std::fs::remove_file(self.path(dir));
    }

    /// `DELETE` of exactly this row (in the canary table: of this run's rows).
    pub(crate) fn delete_sql(&self) -> Option<String> {
        let e = Engine::MySql;
        let table = TableRef::parse(&self.table)?;
        let pred: Vec<String> = match &self.run_column {
            Some(c) => vec![format!("{} = {}", e.ident(c), e.literal(&self.run_id))],
            None if self.key.is_empty() => return None,
            None => self
                .key
                .iter()
                .map(|(c, v)| format!("{} = {}", e.ident(c), e.literal(v)))
                .chain(self.markers.iter().map(|(c, vs)| {
                    let list: Vec<String> = vs.iter().map(|v| e.literal(v)).collect();
                    format!("{} IN ({})", e.ident(c), list.join(", "))
                }))
                .collect(),
        };
        Some(format!(
            "DELETE FROM {} WHERE {}",
            table.quoted(e),
            pred.join(" AND ")
        ))
    }
}

/// Deletes the rows earlier runs against `source` left behind; how many rows went. A record
/// whose row is not there (never written, or a real row holds the key now) is dropped.
pub(crate) fn remove_leftovers(dir: &Path, source: &str, db: &mut dyn Db) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let Some(p) = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str::<Pending>(&t).ok())
        else {
            continue;
        };
        if p.source != source {
            continue;
        }
        if let Some(sql) = p.delete_sql() {
            if db.query(&sql).is_ok() {
                p.forget(dir);
                removed += db
                    .query("SELECT ROW_COUNT()")
                    .ok()
                    .and_then(|r| r.scalar().flatten().and_then(|n| n.parse().ok()))
                    .unwrap_or(0);
            }
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_round_trips_and_deletes_exactly_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let p = Pending {
            run_id: "cdc-1-2".into(),
            source: "127.0.0.1:3306".into(),
            table: "shop.orders".into(),
            key: vec![("id".into(), "42".into()), ("region".into(), "e'u".into())],
            markers: vec![("note".into(), vec!["cdc:i:ab".into(), "cdc:u:ab".into()])],
            run_column: None,
        };
        p.save(dir.path()).unwrap();
        let text = std::fs::read_to_string(dir.path().join("cdc-1-2.json")).unwrap();
        assert_eq!(serde_json::from_str::<Pending>(&text).unwrap(), p);
        assert_eq!(
            p.delete_sql().unwrap(),
            "DELETE FROM `shop`.`orders` WHERE `id` = '42' AND `region` = 'e''u' \
             AND `note` IN ('cdc:i:ab', 'cdc:u:ab')"
        );
        p.forget(dir.path());
        assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
    }

    #[test]
    fn a_canary_record_deletes_its_runs_rows_whatever_their_age() {
        let p = Pending {
            run_id: "cdc-1-2".into(),
            source: "127.0.0.1:3306".into(),
            table: "retail_db.cdc_canary".into(),
            key: Vec::new(),
            markers: Vec::new(),
            run_column: Some("run_id".into()),
        };
        assert_eq!(
            p.delete_sql().unwrap(),
            "DELETE FROM `retail_db`.`cdc_canary` WHERE `run_id` = 'cdc-1-2'"
        );
        let keyless = Pending {
            run_column: None,
            ..p
        };
        assert_eq!(keyless.delete_sql(), None);
    }
}
