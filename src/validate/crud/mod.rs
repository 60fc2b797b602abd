//! `cdc validate --crud`: a canary row inserted, updated and deleted on the source, each step
//! watched until the target shows it, then the captured tables' row counts compared. The
//! source is left clean whatever happens.

mod checks;
pub mod counts;
pub mod generate;
pub(crate) mod kafka;
pub mod pending;
pub mod row_plan;
pub(crate) mod watch;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::error::ValidateError;
use super::table::TableRef;
use super::target::{Db, Engine};
use counts::{marker_spellings, CountResult, CountStatus};
use generate::Literal;
use pending::Pending;
use row_plan::{sql_value, RowPlan};
use watch::{SqlWatch, Watch};

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

/// A `--delete-mode` value that is none of the three forms (as written, trimmed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not hard, soft:COLUMN=VALUE or soft:COLUMN IS NOT NULL")]
pub struct DeleteModeError(pub String);

impl std::str::FromStr for DeleteMode {
    type Err = DeleteModeError;

    fn from_str(s: &str) -> Result<DeleteMode, DeleteModeError> {
        let s = s.trim();
        if s == "hard" {
            return Ok(DeleteMode::Hard);
        }
        let bad = || DeleteModeError(s.to_string());
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
pub(crate) enum StepStatus {
    Arrived,
    TimedOut,
    Failed,
    NotRun,
    Interrupted,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct StepResult {
    pub(crate) step: &'static str,
    pub(crate) status: StepStatus,
    pub(crate) latency_ms: Option<u64>,
    pub(crate) message: String,
    /// A Kafka target: the message's timestamp minus the source commit time it carries
    /// (`source.ts_ms`), i.e. how long capture took; left out where there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) capture_lag_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct CrudReport {
    pub(crate) run_id: String,
    /// The table the canary row was written to.
    pub(crate) canary: String,
    pub(crate) target: String,
    /// "canary" (the dedicated table) or "generated" (a row made up for a real table).
    pub(crate) row: &'static str,
    /// The canary row's key on the source, once known: column → value.
    pub(crate) key: serde_json::Map<String, serde_json::Value>,
    pub(crate) steps: Vec<StepResult>,
    /// Row counts of the captured tables, after the steps.
    pub(crate) counts: Vec<CountResult>,
    /// The source holds no row of this run any more.
    pub(crate) cleaned: bool,
    /// Canary rows crashed runs left behind, removed before this one started.
    pub(crate) leftovers_removed: usize,
    /// Where to look when a step did not arrive or counts differ.
    pub(crate) playbook: Option<String>,
}

impl CrudReport {
    pub(crate) fn passed(&self) -> bool {
        self.steps.iter().all(|s| s.status == StepStatus::Arrived)
            && self
                .counts
                .iter()
                .all(|c| matches!(c.status, CountStatus::Match | CountStatus::Lag))
    }

    /// The canary could not be written (a table refused by name, a missing grant or table,
    /// a soft-delete column the target lacks): the pipeline was never put to the test, so
    /// this is no finding about it.
    pub(crate) fn could_not_run(&self) -> bool {
        self.steps.iter().any(|s| s.status == StepStatus::Failed)
    }
}

/// How far a run got, as it goes: a step (or the counts) begins, or a step ended.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Progress<'a> {
    /// The run began; its rows carry this id.
    Begun(&'a str),
    Starting(&'static str),
    Done(&'a StepResult),
}

/// Which row the canary writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowKind {
    /// The dedicated table `--init` creates (rows carry the run id).
    Canary,
    /// A generated row in a real captured table (`--table`).
    Generated,
}

pub(crate) struct Crud<'a> {
    pub(crate) table: &'a TableRef,
    pub(crate) row: RowKind,
    pub(crate) target_table: &'a TableRef,
    pub(crate) timeout: Duration,
    /// The longest pause between two looks at the target. The first looks come sooner
    /// (from 2 ms, doubling), so a fast pipeline's latency is measured in milliseconds.
    pub(crate) poll: Duration,
    pub(crate) delete_mode: &'a DeleteMode,
    /// Set by Ctrl-C: stop waiting, clean up.
    pub(crate) cancel: &'a AtomicBool,
    /// host:port of the source: whose leftovers are whose.
    pub(crate) source_id: String,
    /// Where generated rows are recorded until removed (None: not recorded).
    pub(crate) pending_dir: Option<PathBuf>,
    /// (source, target) tables whose row counts are compared after the steps.
    pub(crate) count_tables: Vec<(TableRef, TableRef)>,
    pub(crate) settle: Duration,
}

/// The canary table; `--init` creates it idempotently.
/// The columns a canary table has (those `create_table_sql` makes and a run writes).
pub(crate) const CANARY_COLUMNS: [&str; 4] = ["id", "run_id", "note", "created_at"];

pub(crate) fn create_table_sql(canary: &TableRef) -> String {
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

pub(crate) fn new_run_id() -> String {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    format!("cdc-{}-{t}", std::process::id())
}

/// A short unique token for generated values that must fit narrow columns. It ends with the
/// fastest-changing digits, so its tail alone still differs between runs.
fn token(run_id: &str) -> String {
    let mut parts = run_id.trim_start_matches("cdc-").split('-');
    let pid: u64 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let ms: u64 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    format!("{:x}{ms:x}", pid % 4096)
}

impl Crud<'_> {
    /// Runs the steps, then the counts; `on_step` is told when each starts (spinners) and
    /// how each step ended (the TUI shows latencies as they land).
    pub fn run(
        &self,
        source: &mut dyn Db,
        target: &mut dyn Db,
        on_step: impl FnMut(Progress<'_>),
    ) -> CrudReport {
        self.run_on(source, &mut SqlWatch(target), on_step)
    }

    /// [`Crud::run`] against any target: a table's session or a topic.
    pub(crate) fn run_on(
        &self,
        source: &mut dyn Db,
        target: &mut dyn Watch,
        mut on_step: impl FnMut(Progress<'_>),
    ) -> CrudReport {
        let run_id = new_run_id();
        on_step(Progress::Begun(&run_id));
        let mut report = CrudReport {
            run_id: run_id.clone(),
            canary: self.table.to_string(),
            target: target
                .name()
                .unwrap_or_else(|| self.target_table.to_string()),
            row: match self.row {
                RowKind::Canary => "canary",
                RowKind::Generated => "generated",
            },
            key: serde_json::Map::new(),
            steps: Vec::new(),
            counts: Vec::new(),
            cleaned: false,
            leftovers_removed: 0,
            playbook: None,
        };
        report.leftovers_removed = self.remove_leftovers(source, &run_id);
        let checked = match target.db() {
            Some(db) => self.check_delete_column(db),
            None => Ok(()),
        };
        let plan = checked.and_then(|()| match self.row {
            RowKind::Canary => Ok(RowPlan::canary(self.table, &run_id)),
            RowKind::Generated => RowPlan::for_table(source, self.table, &token(&run_id)),
        });
        let mut plan = match plan {
            Ok(p) => p,
            Err(e) => {
                report.steps.push(failed("insert", e.to_string()));
                not_run(&mut report, &["update", "delete"]);
                report.cleaned = true;
                return report;
            }
        };
        let inserted = self.steps(
            source,
            target,
            &mut plan,
            &run_id,
            &mut report,
            &mut on_step,
        );
        // Nothing written, nothing to remove (the canary table may not even exist).
        report.cleaned = !inserted || self.clean(source, &plan, &run_id);
        report.key = plan
            .key
            .iter()
            .filter_map(|(c, v)| v.clone().map(|v| (c.clone(), v.into())))
            .collect();
        if let Some(db) = target
            .db()
            .filter(|_| !self.cancel.load(Ordering::SeqCst) && !self.count_tables.is_empty())
        {
            on_step(Progress::Starting("counts"));
            report.counts = counts::compare(
                source,
                db,
                &self.count_tables,
                self.delete_mode,
                self.settle,
                self.cancel,
            );
        }
        if !report.passed() && !report.could_not_run() {
            report.playbook = Some("changes-not-captured".into());
        }
        report
    }

    /// A soft delete mode names a column the target table must have. A table not there yet
    /// may still be created by the pipeline (the steps wait for it); a table without the
    /// column would only make the delete step wait out its timeout, so it is refused first.
    fn check_delete_column(&self, target: &mut dyn Db) -> Result<(), ValidateError> {
        let column = match self.delete_mode {
            DeleteMode::Hard => return Ok(()),
            DeleteMode::SoftEquals { column, .. } | DeleteMode::SoftNotNull { column } => column,
        };
        let e = target.engine();
        let table = self.target_table.quoted(e);
        if target
            .query(&format!("SELECT 1 FROM {table} WHERE 1 = 0"))
            .is_err()
        {
            return Ok(());
        }
        match target.query(&format!(
            "SELECT {} FROM {table} WHERE 1 = 0",
            e.ident(column)
        )) {
            Ok(_) => Ok(()),
            Err(error) => Err(ValidateError::NoDeleteColumn {
                column: column.clone(),
                table: self.target_table.clone(),
                error,
            }),
        }
    }

    /// Rows of runs that crashed before cleaning up: in the canary table, by run id and
    /// age (older than any live run could be); in real tables, from the pending records.
    fn remove_leftovers(&self, source: &mut dyn Db, run_id: &str) -> usize {
        let e = Engine::MySql;
        let mut removed = 0;
        if self.row == RowKind::Canary {
            // The monitor's heartbeat row is no leftover, however old.
            let sql = format!(
                "DELETE FROM {} WHERE run_id <> {} AND run_id <> {} \
                 AND created_at < NOW(6) - INTERVAL 1 HOUR",
                self.table.quoted(e),
                e.literal(run_id),
                e.literal(crate::pipeline::heartbeat::HEARTBEAT_RUN_ID)
            );
            if source.query(&sql).is_ok() {
                removed += source
                    .query("SELECT ROW_COUNT()")
                    .ok()
                    .and_then(|r| r.scalar().flatten().and_then(|n| n.parse().ok()))
                    .unwrap_or(0);
            }
        }
        if let Some(dir) = &self.pending_dir {
            removed += pending::remove_leftovers(dir, &self.source_id, source);
        }
        removed
    }

    /// The source keeps nothing of this run: by key (with the markers, so a real row that took
    /// the key after the delete step is left alone), and in the canary table by run id.
    fn clean(&self, source: &mut dyn Db, plan: &RowPlan, run_id: &str) -> bool {
        let e = Engine::MySql;
        let table = plan.table.quoted(e);
        let by_key = match plan.ours_predicate(e) {
            Some(pred) => source
                .query(&format!("DELETE FROM {table} WHERE {pred}"))
                .is_ok(),
            None => plan.run_column.is_some(),
        };
        let by_run = match &plan.run_column {
            Some(c) => source
                .query(&format!(
                    "DELETE FROM {table} WHERE {} = {}",
                    e.ident(c),
                    e.literal(run_id)
                ))
                .is_ok(),
            None => true,
        };
        if by_key && by_run {
            self.forget(plan, run_id);
        }
        by_key && by_run
    }

    /// The three steps; whether the insert was written (so there may be something to clean).
    fn steps(
        &self,
        source: &mut dyn Db,
        target: &mut dyn Watch,
        plan: &mut RowPlan,
        run_id: &str,
        report: &mut CrudReport,
        on_step: &mut impl FnMut(Progress<'_>),
    ) -> bool {
        let e = Engine::MySql;
        let mut inserted = false;
        let table = plan.table.quoted(e);
        let steps: [&'static str; 3] = ["insert", "update", "delete"];
        for (i, step) in steps.iter().enumerate() {
            on_step(Progress::Starting(step));
            if let Err(why) = target.before_step(step) {
                let result = failed(step, why);
                on_step(Progress::Done(&result));
                report.steps.push(result);
                not_run(report, &steps[i + 1..]);
                break;
            }
            if *step == "insert" {
                // Recorded before it is written, when the key is known up front.
                self.record(plan, run_id);
            }
            let pred = plan.key_predicate(e).unwrap_or_default();
            let sql = match *step {
                "insert" => Ok(plan.insert_sql()),
                "update" => match &plan.probe {
                    Some(p) => Ok(format!(
                        "UPDATE {table} SET {} = {} WHERE {pred}",
                        e.ident(&p.column),
                        sql_value(e, &p.updated)
                    )),
                    None => Err(ValidateError::NothingToUpdate(plan.table.clone())),
                },
                _ => Ok(format!("DELETE FROM {table} WHERE {pred}")),
            };
            let done = sql.and_then(|sql| {
                source.query(&sql).map(|_| ()).map_err(|error| {
                    let hint = match (self.row, error.code) {
                        (RowKind::Canary, Some(1146)) => {
                            " (create it first: cdc validate --init, then add it to the pipeline)"
                                .to_string()
                        }
                        // The server also answers so for a table that does not exist.
                        (row, Some(1142)) => format!(
                            " (the source account needs INSERT, UPDATE and DELETE on {}{})",
                            plan.table,
                            if row == RowKind::Canary {
                                ", which cdc validate --init creates"
                            } else {
                                ""
                            }
                        ),
                        _ => String::new(),
                    };
                    ValidateError::Step { error, hint }
                })
            });
            match done {
                Ok(()) => inserted = true,
                Err(why) => {
                    if *step == "insert" {
                        // Not written (a duplicate key is a real row): nothing to remove later.
                        self.forget(plan, run_id);
                    }
                    let result = failed(step, why.to_string());
                    on_step(Progress::Done(&result));
                    report.steps.push(result);
                    not_run(report, &steps[i + 1..]);
                    break;
                }
            };
            if *step == "insert" && !plan.key_known() {
                let id = source
                    .query("SELECT LAST_INSERT_ID()")
                    .ok()
                    .and_then(|r| r.scalar().flatten().map(str::to_string))
                    .filter(|id| id != "0");
                match id {
                    Some(id) => plan.set_generated_key(&id),
                    None => {
                        report
                            .steps
                            .push(failed(step, "the new row's key is unknown".into()));
                        not_run(report, &steps[i + 1..]);
                        break;
                    }
                }
                self.record(plan, run_id);
            }
            let result = target.wait(self, plan, run_id, step);
            let arrived = result.status == StepStatus::Arrived;
            on_step(Progress::Done(&result));
            report.steps.push(result);
            if !arrived {
                not_run(report, &steps[i + 1..]);
                break;
            }
        }
        inserted
    }

    fn forget(&self, plan: &RowPlan, run_id: &str) {
        if let (Some(dir), Some(p)) = (
            &self.pending_dir,
            Pending::of(plan, run_id, &self.source_id),
        ) {
            p.forget(dir);
        }
    }

    /// The row is recorded on disk until it is removed (see [`pending`]): a run that dies
    /// before its cleanup leaves the record the next run deletes by.
    fn record(&self, plan: &RowPlan, run_id: &str) {
        if let Some(dir) = &self.pending_dir {
            if let Some(p) = Pending::of(plan, run_id, &self.source_id) {
                let _ = p.save(dir);
            }
        }
    }

    /// Polls the target by key until it shows what `step` did, or the timeout.
    pub(crate) fn wait(
        &self,
        target: &mut dyn Db,
        plan: &RowPlan,
        step: &'static str,
    ) -> StepResult {
        let engine = target.engine();
        let table = self.target_table.quoted(engine);
        // Looked up before the clock starts: an SCD type 2 table keeps closed versions of
        // the row, and only the current one shows what the step did.
        let current = counts::current_rows(target, self.target_table);
        let started = Instant::now();
        let mut pred = plan.key_predicate(engine).unwrap_or_default();
        if let Some(c) = current {
            pred = format!("{pred} AND {c}");
        }
        let shown = match (step, self.delete_mode, &plan.probe) {
            (
                "delete",
                DeleteMode::SoftEquals { column, .. } | DeleteMode::SoftNotNull { column },
                _,
            ) => engine.ident(column),
            (_, _, Some(p)) => engine.ident(&p.column),
            (_, _, None) => "1".into(),
        };
        let probe = format!("SELECT {shown} FROM {table} WHERE {pred}");
        let expected = |step: &str| -> Option<&Literal> {
            let p = plan.probe.as_ref()?;
            Some(if step == "insert" {
                &p.inserted
            } else {
                &p.updated
            })
        };
        let mut pause = Duration::from_millis(2).min(self.poll);
        loop {
            if self.cancel.load(Ordering::SeqCst) {
                return interrupted(step);
            }
            let seen = target
                .query(&probe)
                .map(|r| r.rows.first().map(|row| row.first().cloned().flatten()));
            let arrived = match (&seen, step, self.delete_mode) {
                (Ok(Some(v)), "insert" | "update", _) => match expected(step) {
                    Some(want) => v.as_deref().is_some_and(|v| same_value(v, want)),
                    None => true,
                },
                (Ok(None), "delete", DeleteMode::Hard) => true,
                (Ok(Some(Some(v))), "delete", DeleteMode::SoftEquals { value, .. }) => {
                    marker_spellings(value).contains(&v.to_ascii_lowercase())
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
                    capture_lag_ms: None,
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
                    capture_lag_ms: None,
                };
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(self.poll);
        }
    }
}

/// The target shows `want`: the same text (CHAR padding aside), the same number (scale
/// aside), or the same truth value (TINYINT(1) as a PostgreSQL boolean).
fn same_value(seen: &str, want: &Literal) -> bool {
    let seen = seen.trim_end();
    let want_text = want.text();
    if seen == want_text.trim_end() {
        return true;
    }
    if want.is_number() {
        if let (Ok(a), Ok(b)) = (seen.parse::<f64>(), want_text.parse::<f64>()) {
            return a == b;
        }
        return marker_spellings(want_text).contains(&seen.to_ascii_lowercase());
    }
    false
}

fn not_run(report: &mut CrudReport, later: &[&'static str]) {
    let message = match report.steps.last().map(|s| s.status) {
        Some(StepStatus::Failed) => "an earlier step failed",
        Some(StepStatus::Interrupted) => "interrupted",
        _ => "an earlier step did not arrive",
    };
    for step in later {
        report.steps.push(StepResult {
            step,
            status: StepStatus::NotRun,
            latency_ms: None,
            message: message.into(),
            capture_lag_ms: None,
        });
    }
}

pub(crate) fn interrupted(step: &'static str) -> StepResult {
    StepResult {
        step,
        status: StepStatus::Interrupted,
        latency_ms: None,
        message: "interrupted".into(),
        capture_lag_ms: None,
    }
}

pub(crate) fn failed(step: &'static str, message: String) -> StepResult {
    StepResult {
        step,
        status: StepStatus::Failed,
        latency_ms: None,
        message,
        capture_lag_ms: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::sql::SqlError;

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
        assert_eq!(
            "gone".parse::<DeleteMode>().unwrap_err().to_string(),
            "\"gone\" is not hard, soft:COLUMN=VALUE or soft:COLUMN IS NOT NULL"
        );
    }

    #[test]
    fn values_match_across_engines_printing() {
        let n = Literal::Number("1".into());
        assert!(same_value("1.00", &n));
        assert!(same_value("t", &n), "TINYINT(1) as a PostgreSQL boolean");
        assert!(!same_value("0", &n));
        let t = Literal::Text("cdc:i:ab".into());
        assert!(same_value("cdc:i:ab   ", &t), "CHAR padding");
        assert!(!same_value("cdc:u:ab", &t));
    }

    /// A session whose every statement succeeds with one value, or fails with the server
    /// echoing the password (as a session makes its errors: through its redactor).
    struct Fake {
        engine: Engine,
        password: Option<crate::connection::secret::Secret>,
    }

    impl Db for Fake {
        fn engine(&self) -> Engine {
            self.engine
        }

        fn query(&mut self, _: &str) -> Result<crate::connection::sql::Rows, SqlError> {
            match &self.password {
                None => Ok(crate::connection::sql::Rows {
                    columns: vec!["n".into()],
                    rows: vec![vec![Some("7".into())]],
                }),
                Some(p) => {
                    let redactor = crate::connection::redact::Redactor::new(Some(p));
                    let echo = format!("denied for 'loader' using {}", p.expose());
                    Err(SqlError::new(Some(1045), redactor.redact(&echo)))
                }
            }
        }
    }

    #[test]
    fn a_failing_side_s_password_is_in_no_step_or_count() {
        let secret = crate::connection::secret::Secret::new("Crud-S3cret");
        let table = TableRef::parse("shop.cdc_canary").unwrap();
        let cancel = AtomicBool::new(false);
        let crud = Crud {
            table: &table,
            row: RowKind::Canary,
            target_table: &table,
            timeout: Duration::from_millis(30),
            poll: Duration::from_millis(5),
            delete_mode: &DeleteMode::Hard,
            cancel: &cancel,
            source_id: "h:3306".into(),
            pending_dir: None,
            count_tables: vec![(table.clone(), table.clone())],
            settle: Duration::ZERO,
        };
        let fake = |engine, fails: bool| Fake {
            engine,
            password: fails.then(|| secret.clone()),
        };
        // The target refuses every look (the steps time out, the count fails); then the
        // source refuses the insert.
        for (source_fails, target_fails) in [(false, true), (true, false)] {
            let mut source = fake(Engine::MySql, source_fails);
            let mut target = fake(Engine::PostgreSql, target_fails);
            let report = crud.run(&mut source, &mut target, |_| {});
            assert!(!report.passed(), "{report:?}");
            let first = &report.steps[0];
            assert!(
                first.message.contains("denied for 'loader' using ***"),
                "{first:?}"
            );
            let shown = [
                crate::report::crud::human(&report, false),
                crate::report::crud::json(&report),
                crate::report::crud::junit(&report),
                format!("{report:?}"),
            ]
            .join("\n");
            assert!(!shown.contains("Crud-S3cret"), "{shown}");
        }
    }

    #[test]
    fn tokens_are_short_and_differ_between_runs() {
        let a = token("cdc-4242-1763800000000");
        let b = token("cdc-4242-1763800000001");
        assert_ne!(a, b);
        assert_ne!(a[a.len() - 3..], b[b.len() - 3..], "the tails differ too");
        assert!(a.len() <= 14, "{a}");
    }
}
