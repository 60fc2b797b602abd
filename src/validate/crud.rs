//! `cdc validate --crud`: a canary row inserted, updated and deleted on the source, each step
//! watched until the target shows it. The source is left clean whatever happens.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::table::TableRef;
use super::target::{Db, Engine};
use crate::checks::scope::quote;

/// How the target shows a deleted row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteMode {
    /// The row is gone (the default).
    Hard,
    /// The row stays, with `column = value` (e.g. `__deleted = true`).
    SoftEquals { column: String, value: String },
    /// The row stays, with `column` set (e.g. a deleted_at timestamp).
    SoftNotNull { column: String },
}

impl std::str::FromStr for DeleteMode {
    type Err = String;

    fn from_str(s: &str) -> Result<DeleteMode, String> {
        let s = s.trim();
        if s == "hard" {
            return Ok(DeleteMode::Hard);
        }
        let bad = || format!("{s:?} is not hard, soft:COLUMN=VALUE or soft:COLUMN IS NOT NULL");
        let rule = s.strip_prefix("soft:").ok_or_else(bad)?.trim();
        if let Some(column) = rule
            .strip_suffix("IS NOT NULL")
            .or_else(|| rule.strip_suffix("is not null"))
        {
            let column = column.trim();
            return if column.is_empty() {
                Err(bad())
            } else {
                Ok(DeleteMode::SoftNotNull {
                    column: column.to_string(),
                })
            };
        }
        match rule.split_once('=') {
            Some((c, v)) if !c.trim().is_empty() => Ok(DeleteMode::SoftEquals {
                column: c.trim().to_string(),
                value: v.trim().to_string(),
            }),
            _ => Err(bad()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Arrived,
    TimedOut,
    Failed,
    NotRun,
    Interrupted,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepResult {
    pub step: &'static str,
    pub status: StepStatus,
    pub latency_ms: Option<u64>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrudReport {
    pub run_id: String,
    pub canary: String,
    pub target: String,
    pub steps: Vec<StepResult>,
    /// The source holds no row of this run any more.
    pub cleaned: bool,
    /// Where to look when a step did not arrive.
    pub playbook: Option<String>,
}

impl CrudReport {
    pub fn passed(&self) -> bool {
        self.steps.iter().all(|s| s.status == StepStatus::Arrived)
    }
}

pub struct Crud<'a> {
    pub canary: &'a TableRef,
    pub target_table: &'a TableRef,
    pub timeout: Duration,
    pub poll: Duration,
    pub delete_mode: &'a DeleteMode,
    /// Set by Ctrl-C: stop waiting, clean up.
    pub cancel: &'a AtomicBool,
}

/// The canary table; `--init` creates it idempotently.
pub fn create_table_sql(canary: &TableRef) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {} (\
         id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, \
         run_id VARCHAR(64) NOT NULL, \
         note VARCHAR(64) NOT NULL, \
         created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \
         KEY run_id (run_id)) ENGINE=InnoDB",
        canary.quoted(Engine::MySql)
    )
}

pub fn new_run_id() -> String {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    format!("cdc-{}-{t}", std::process::id())
}

impl Crud<'_> {
    /// Runs the three steps; `on_step(name)` is told when each starts (spinners).
    pub fn run(
        &self,
        source: &mut dyn Db,
        target: &mut dyn Db,
        mut on_step: impl FnMut(&'static str),
    ) -> CrudReport {
        let run_id = new_run_id();
        let table = self.canary.quoted(Engine::MySql);
        let mut report = CrudReport {
            run_id: run_id.clone(),
            canary: format!("{}.{}", self.canary.schema, self.canary.name),
            target: format!("{}.{}", self.target_table.schema, self.target_table.name),
            steps: Vec::new(),
            cleaned: false,
            playbook: None,
        };
        // Rows of runs that crashed before cleaning up (older than any live run could be).
        let _ = source.query(&format!(
            "DELETE FROM {table} WHERE run_id <> {} AND created_at < NOW(6) - INTERVAL 1 HOUR",
            quote(&run_id)
        ));
        self.steps(source, target, &run_id, &mut report, &mut on_step);
        // Always: the canary leaves nothing behind on the source.
        let cleaned = source
            .query(&format!(
                "DELETE FROM {table} WHERE run_id = {}",
                quote(&run_id)
            ))
            .is_ok();
        report.cleaned = cleaned;
        if !report.passed() {
            report.playbook = Some("changes-not-captured".into());
        }
        report
    }

    fn steps(
        &self,
        source: &mut dyn Db,
        target: &mut dyn Db,
        run_id: &str,
        report: &mut CrudReport,
        on_step: &mut impl FnMut(&'static str),
    ) {
        let table = self.canary.quoted(Engine::MySql);
        let steps: [&'static str; 3] = ["insert", "update", "delete"];
        let mut id: Option<String> = None;
        for (i, step) in steps.iter().enumerate() {
            on_step(step);
            let sql = match (*step, &id) {
                ("insert", _) => format!(
                    "INSERT INTO {table} (run_id, note) VALUES ({}, 'inserted')",
                    quote(run_id)
                ),
                ("update", Some(id)) => {
                    format!("UPDATE {table} SET note = 'updated' WHERE id = {id}")
                }
                (_, Some(id)) => format!("DELETE FROM {table} WHERE id = {id}"),
                _ => unreachable!("update and delete follow a successful insert"),
            };
            if let Err(e) = source.query(&sql) {
                report
                    .steps
                    .push(failed(step, format!("on the source: {e}")));
                break;
            }
            if *step == "insert" {
                id = source
                    .query("SELECT LAST_INSERT_ID()")
                    .ok()
                    .and_then(|r| r.scalar().flatten().map(str::to_string));
                if id.is_none() {
                    report
                        .steps
                        .push(failed(step, "the new row's id is unknown".into()));
                    break;
                }
            }
            let key = id.clone().unwrap_or_default();
            let result = self.wait(target, step, &key);
            let arrived = result.status == StepStatus::Arrived;
            report.steps.push(result);
            if !arrived {
                for later in &steps[i + 1..] {
                    report.steps.push(StepResult {
                        step: later,
                        status: StepStatus::NotRun,
                        latency_ms: None,
                        message: "an earlier step did not arrive".into(),
                    });
                }
                break;
            }
        }
    }

    /// Polls the target by key until it shows what `step` did, or the timeout.
    fn wait(&self, target: &mut dyn Db, step: &'static str, id: &str) -> StepResult {
        let engine = target.engine();
        let table = self.target_table.quoted(engine);
        let started = Instant::now();
        let probe = match (step, self.delete_mode) {
            (
                "delete",
                DeleteMode::SoftEquals { column, .. } | DeleteMode::SoftNotNull { column },
            ) => {
                format!(
                    "SELECT {} FROM {table} WHERE id = {id}",
                    engine.quote(column)
                )
            }
            _ => format!("SELECT note FROM {table} WHERE id = {id}"),
        };
        loop {
            if self.cancel.load(Ordering::SeqCst) {
                return StepResult {
                    step,
                    status: StepStatus::Interrupted,
                    latency_ms: None,
                    message: "interrupted".into(),
                };
            }
            let seen = target
                .query(&probe)
                .map(|r| r.rows.first().map(|row| row.first().cloned().flatten()));
            let arrived = match (&seen, step, self.delete_mode) {
                (Ok(Some(Some(note))), "insert", _) => note == "inserted",
                (Ok(Some(Some(note))), "update", _) => note == "updated",
                (Ok(None), "delete", DeleteMode::Hard) => true,
                (Ok(Some(Some(v))), "delete", DeleteMode::SoftEquals { value, .. }) => {
                    v.eq_ignore_ascii_case(value)
                        || (value == "true" && v == "1")
                        || (value == "1" && v == "t")
                }
                (Ok(Some(Some(_))), "delete", DeleteMode::SoftNotNull { .. }) => true,
                _ => false,
            };
            if arrived {
                return StepResult {
                    step,
                    status: StepStatus::Arrived,
                    latency_ms: Some(started.elapsed().as_millis() as u64),
                    message: String::new(),
                };
            }
            if started.elapsed() >= self.timeout {
                let why = match seen {
                    Err(e) => format!("the target answered: {e}"),
                    Ok(_) => format!("not on the target within {} s", self.timeout.as_secs_f32()),
                };
                return StepResult {
                    step,
                    status: StepStatus::TimedOut,
                    latency_ms: None,
                    message: why,
                };
            }
            std::thread::sleep(self.poll);
        }
    }
}

fn failed(step: &'static str, message: String) -> StepResult {
    StepResult {
        step,
        status: StepStatus::Failed,
        latency_ms: None,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delete_modes_parse() {
        assert_eq!("hard".parse(), Ok(DeleteMode::Hard));
        assert_eq!(
            "soft:__deleted=true".parse(),
            Ok(DeleteMode::SoftEquals {
                column: "__deleted".into(),
                value: "true".into()
            })
        );
        assert_eq!(
            "soft:deleted_at IS NOT NULL".parse(),
            Ok(DeleteMode::SoftNotNull {
                column: "deleted_at".into()
            })
        );
        assert!("soft:".parse::<DeleteMode>().is_err());
        assert!("gone".parse::<DeleteMode>().is_err());
    }
}
