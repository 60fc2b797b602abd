//! `cdc validate --init` and `--crud`: the canary table and the insert/update/delete proof.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _, Result};
use indicatif::{ProgressBar, ProgressFinish, ProgressStyle};

use super::{ValidateArgs, ValidateFormat};
use crate::commands::outcome::Outcome;
use crate::commands::output;
use crate::connection::mysql_url::SourceConfig;
use crate::connection::sql::{literal, SqlError};
use crate::kafka::watch::TopicWatch;
use crate::kafka::{KafkaError, KafkaUrl};
use crate::report;
use crate::validate::crud::kafka::KafkaWatch;
use crate::validate::crud::pending::pending_dir;
use crate::validate::crud::watch::{SqlWatch, Watch};
use crate::validate::crud::{
    create_table_sql, Crud, DeleteMode, Progress, RowKind, CANARY_COLUMNS,
};
use crate::validate::scope;
use crate::validate::table::TableRef;
use crate::validate::target::{Db, Engine, MySqlDb, Reconnecting, TargetConfig};
use crate::validate::target_table;

pub(crate) fn run(args: &ValidateArgs, source: &SourceConfig) -> Result<Outcome> {
    let (canary, row) = match &args.table {
        Some(t) => (
            TableRef::parse(t).with_context(|| format!("--table {t:?} is not db.table"))?,
            RowKind::Generated,
        ),
        None => (canary_table(args, source)?, RowKind::Canary),
    };
    let mut src = MySqlDb::open(source)
        .with_context(|| format!("cannot connect to the source {}", source.redacted()))?;
    if args.init {
        init(&mut src, &canary)?;
        output::print(&format!(
            "{}.{} is ready on the source. Add it to the pipeline's captured tables (e.g. Debezium \
             table.include.list, Flink CDC table-name, the Lakeflow table selection), then run \
             cdc validate --crud.\n",
            canary.schema, canary.name
        ))?;
        return Ok(Outcome::Clean);
    }
    let target_url = args.target.as_deref().unwrap_or_default();
    if is_kafka(target_url) {
        return kafka(args, source, &canary, row, &mut src);
    }
    super::check_table_pattern(args)?;
    let mut target_cfg = TargetConfig::parse(target_url).context("cannot use the target")?;
    target_cfg.set_connect_timeout(args.source.connect_timeout);
    let first = target_cfg
        .open()
        .with_context(|| format!("cannot connect to the target {}", target_cfg.redacted()))?;
    let mut target: Box<dyn Db> = Box::new(Reconnecting::new(target_cfg.clone(), first));
    let target_name = target_table(args.target_table.as_deref(), &canary);
    let mut counted = scope::expand(&mut src, &args.table_list())?;
    if counted.is_empty() {
        counted.push(canary.clone());
    }
    let count_tables = counted
        .into_iter()
        .map(|t| {
            let tt = target_table(args.target_table.as_deref(), &t);
            (t, tt)
        })
        .collect();
    let plan = RunPlan {
        canary: &canary,
        row,
        target_table: &target_name,
        count_tables,
    };
    run_and_report(args, source, plan, &mut src, &mut SqlWatch(target.as_mut()))
}

/// A `--target` naming Kafka brokers rather than a database.
pub(super) fn is_kafka(url: &str) -> bool {
    url.trim_start().starts_with("kafka://")
}

/// The topic `--target-table` names for `table` (default `{db}.{table}`; Debezium's own
/// is `<topic.prefix>.{db}.{table}`).
fn topic_name(pattern: Option<&str>, table: &TableRef) -> Result<String> {
    let topic = pattern
        .unwrap_or("{db}.{table}")
        .trim()
        .replace("{db}", &table.schema)
        .replace("{table}", &table.name);
    let legal = |c: char| c.is_ascii_alphanumeric() || "._-".contains(c);
    if topic.is_empty() || topic.len() > 249 || !topic.chars().all(legal) {
        bail!(
            "{topic:?} is not a Kafka topic name (letters, digits, '.', '_' and '-', at most \
             249): give --target-table a pattern such as dbserver1.{{db}}.{{table}}"
        );
    }
    Ok(topic)
}

/// `--crud` against a Kafka topic: each step watched on the topic from its end.
fn kafka(
    args: &ValidateArgs,
    source: &SourceConfig,
    canary: &TableRef,
    row: RowKind,
    src: &mut MySqlDb,
) -> Result<Outcome> {
    let url = KafkaUrl::parse(args.target.as_deref().unwrap_or_default())
        .context("cannot use the target")?;
    if args.tables.is_some() {
        bail!(
            "--tables with a Kafka target: topics hold changes, not tables, so there are no \
             row counts to compare; leave --tables out"
        );
    }
    if args.delete_mode != DeleteMode::Hard {
        bail!(
            "--delete-mode is for table targets: on a topic a delete is its event (op d, \
             __deleted true, or a tombstone); leave --delete-mode out"
        );
    }
    let topic = topic_name(args.target_table.as_deref(), canary)?;
    let watch = match TopicWatch::open(&url, &topic, args.source.connect_timeout) {
        Ok(w) => w,
        Err(e @ KafkaError::UnknownTopic { .. }) => bail!(
            "cannot watch topic {topic} on {}: {e}\nGive --target-table the topic's pattern \
             (Debezium names it <topic.prefix>.{{db}}.{{table}}). A broker that creates topics \
             as they are first written has none for a table no change was captured from yet: \
             create the topic, or let one change reach it, then run this again.",
            url.redacted()
        ),
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot watch topic {topic} on {}", url.redacted()))
        }
    };
    let plan = RunPlan {
        canary,
        row,
        target_table: canary,
        count_tables: Vec::new(),
    };
    run_and_report(args, source, plan, src, &mut KafkaWatch::new(watch))
}

/// What a run writes and where it looks.
struct RunPlan<'a> {
    canary: &'a TableRef,
    row: RowKind,
    target_table: &'a TableRef,
    count_tables: Vec<(TableRef, TableRef)>,
}

/// Runs the steps against `target`, with a spinner on a terminal, and prints the report.
fn run_and_report(
    args: &ValidateArgs,
    source: &SourceConfig,
    plan: RunPlan<'_>,
    src: &mut MySqlDb,
    target: &mut dyn Watch,
) -> Result<Outcome> {
    // Ctrl-C, SIGTERM and SIGHUP stop the waiting; the canary rows are still removed before exit.
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));

    let crud = Crud {
        table: plan.canary,
        row: plan.row,
        target_table: plan.target_table,
        timeout: args.timeout,
        poll: Duration::from_millis(100),
        delete_mode: &args.delete_mode,
        cancel: &cancel,
        source_id: format!("{}:{}", source.host, source.port),
        pending_dir: pending_dir(),
        count_tables: plan.count_tables,
        settle: args.settle,
    };
    let mut spinner: Option<ProgressBar> = None;
    let terminal = std::io::stderr().is_terminal();
    let report = crud.run_on(src, target, |progress| {
        let step = match progress {
            Progress::Starting(step) => step,
            Progress::Begun(_) => return,
            // The report says how each step went; the spinner only clears.
            Progress::Done(result) => {
                log::debug!("{}: {:?}", result.step, result.status);
                return;
            }
        };
        if let Some(s) = spinner.take() {
            s.finish_and_clear();
        }
        if terminal {
            let message = match step {
                "counts" => "counts: comparing row counts".to_string(),
                _ => format!("{step}: waiting for the target"),
            };
            let s = ProgressBar::new_spinner()
                .with_style(
                    ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                )
                .with_message(message)
                .with_finish(ProgressFinish::AndClear);
            s.enable_steady_tick(Duration::from_millis(100));
            spinner = Some(s);
        }
    });
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    let text = match args.format {
        ValidateFormat::Json => report::crud::json(&report),
        ValidateFormat::Junit => report::crud::junit(&report),
        ValidateFormat::Human => report::crud::human(
            &report,
            report::color_wanted(std::io::stdout().is_terminal()),
        ),
    };
    output::print(&text)?;
    if cancel.load(Ordering::SeqCst) || report.could_not_run() {
        return Ok(Outcome::Incomplete);
    }
    Ok(Outcome::found_if(!report.passed()))
}

/// Makes sure the canary table is there: an existing one with the canary's columns is ready
/// as it is (no CREATE privilege needed to run `--init` again); otherwise it is created.
fn init(src: &mut MySqlDb, canary: &TableRef) -> Result<()> {
    let existing = canary_columns(src, canary)
        .with_context(|| format!("reading the columns of {canary} on the source"))?;
    if !existing.is_empty() {
        let missing: Vec<&str> = CANARY_COLUMNS
            .iter()
            .copied()
            .filter(|c| !existing.iter().any(|e| e.eq_ignore_ascii_case(c)))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        bail!(
            "{canary} exists but is not a canary table: it lacks {}. Give --canary another \
             name, or drop it if it is a broken canary table",
            missing.join(", ")
        );
    }
    let ddl = create_table_sql(canary);
    let Err(e) = src.query(&ddl) else {
        return Ok(());
    };
    // ER_BAD_DB_ERROR: no grant helps; the database must exist first.
    if e.code == Some(1049) {
        bail!(
            "creating {canary}: {e}\nThe database {schema} does not exist on the source: \
             create it (CREATE DATABASE {db};) or give --canary a table in a database \
             the pipeline captures.",
            schema = canary.schema,
            db = Engine::MySql.ident(&canary.schema)
        );
    }
    let account = current_account(src).unwrap_or_else(|| "<the account cdc validate uses>".into());
    bail!(
        "creating {canary}: {e}\nAn account that may create it can run:\n  {ddl};\n  \
         GRANT INSERT, UPDATE, DELETE ON {quoted} TO {account};",
        quoted = canary.quoted(Engine::MySql)
    )
}

/// The column names of `table` on the source; empty when there is no such table.
fn canary_columns(src: &mut MySqlDb, table: &TableRef) -> Result<Vec<String>, SqlError> {
    let rows = src.query(&format!(
        "SELECT column_name FROM information_schema.columns \
         WHERE table_schema = {} AND table_name = {}",
        literal(&table.schema),
        literal(&table.name)
    ))?;
    Ok(rows
        .rows
        .into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        .collect())
}

/// 'user'@'host' of the session, as GRANT takes it.
fn current_account(src: &mut MySqlDb) -> Option<String> {
    let rows = src.query("SELECT CURRENT_USER()").ok()?;
    let v = rows.scalar().flatten()?.to_string();
    let (user, host) = v.rsplit_once('@')?;
    Some(format!("{}@{}", literal(user), literal(host)))
}

/// `--canary db.t`, else cdc_canary in the source URL's database.
fn canary_table(args: &ValidateArgs, source: &SourceConfig) -> Result<TableRef> {
    match (&args.canary, &source.database) {
        (Some(c), _) => {
            TableRef::parse(c).with_context(|| format!("--canary {c:?} is not db.table"))
        }
        (None, Some(db)) => Ok(TableRef {
            schema: db.clone(),
            name: "cdc_canary".into(),
        }),
        (None, None) => bail!(
            "name the canary's database: --canary db.cdc_canary, or a database in the source URL"
        ),
    }
}
