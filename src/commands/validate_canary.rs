//! `cdc validate --init` and `--crud`: the canary table and the insert/update/delete proof.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _, Result};
use indicatif::{ProgressBar, ProgressFinish, ProgressStyle};

use super::{ValidateArgs, ValidateFormat};
use crate::commands::output;
use crate::connection::url::SourceConfig;
use crate::report::{self, new_table, paint, Tone};
use crate::validate::crud::counts::CountStatus;
use crate::validate::crud::pending::pending_dir;
use crate::validate::crud::{create_table_sql, Crud, CrudReport, RowKind, StepStatus};
use crate::validate::table::TableRef;
use crate::validate::target::{Db, MySqlDb, TargetConfig};
use crate::validate::target_table;

pub fn run(args: &ValidateArgs, source: &SourceConfig) -> Result<ExitCode> {
    let (canary, row) = match &args.table {
        Some(t) => (
            TableRef::parse(t).with_context(|| format!("--table {t:?} is not db.table"))?,
            RowKind::Generated,
        ),
        None => (canary_table(args, source)?, RowKind::Canary),
    };
    let mut src = MySqlDb::open(source)
        .map_err(|e| anyhow::anyhow!("{}", source.scrub(&e.to_string())))
        .with_context(|| format!("cannot connect to the source {}", source.redacted()))?;
    if args.init {
        src.query(&create_table_sql(&canary))
            .with_context(|| format!("creating {}.{}", canary.schema, canary.name))?;
        output::print(&format!(
            "{}.{} is ready on the source. Add it to the pipeline's captured tables (e.g. Debezium \
             table.include.list, Flink CDC table-name, the Lakeflow table selection), then run \
             cdc validate --crud.\n",
            canary.schema, canary.name
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut target_cfg = TargetConfig::parse(args.target.as_deref().unwrap_or_default())
        .map_err(anyhow::Error::msg)
        .context("cannot use the target")?;
    target_cfg.set_connect_timeout(args.source.connect_timeout);
    let mut target = target_cfg
        .open()
        .map_err(|e| anyhow::anyhow!("{}", target_cfg.scrub(&e.to_string())))
        .with_context(|| format!("cannot connect to the target {}", target_cfg.redacted()))?;
    let target_name = target_table(args.target_table.as_deref(), &canary);
    let mut counted = args.table_list()?;
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

    // Ctrl-C stops the waiting; the canary rows are still removed before exit.
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));

    let crud = Crud {
        table: &canary,
        row,
        target_table: &target_name,
        timeout: args.timeout,
        poll: Duration::from_millis(100),
        delete_mode: &args.delete_mode,
        cancel: &cancel,
        source_id: format!("{}:{}", source.host, source.port),
        pending_dir: pending_dir(),
        count_tables,
        settle: args.settle,
    };
    let mut spinner: Option<ProgressBar> = None;
    let terminal = std::io::stderr().is_terminal();
    let report = crud.run(&mut src, target.as_mut(), |step| {
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
        ValidateFormat::Json => {
            let mut s = serde_json::to_string_pretty(&report).expect("plain data");
            s.push('\n');
            s
        }
        ValidateFormat::Junit => junit(&report),
        ValidateFormat::Human => human(
            &report,
            report::color_wanted(std::io::stdout().is_terminal()),
        ),
    };
    output::print(&text)?;
    if cancel.load(Ordering::SeqCst) {
        return Ok(ExitCode::from(2));
    }
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
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

fn human(r: &CrudReport, color: bool) -> String {
    let mut out = format!("Canary {} → {} (run {})\n", r.canary, r.target, r.run_id);
    let mut table = new_table(
        ["Step", "Status", "Latency", "Note"],
        color,
        report::DEFAULT_WIDTH,
    );
    for s in &r.steps {
        let tone = match s.status {
            StepStatus::Arrived => Tone::Green,
            StepStatus::NotRun => Tone::Dim,
            _ => Tone::Red,
        };
        table.add_row([
            s.step.to_string(),
            paint(&label(&s.status).to_ascii_uppercase(), tone, color),
            s.latency_ms
                .map(|ms| format!("{ms} ms"))
                .unwrap_or_default(),
            s.message.clone(),
        ]);
    }
    out.push_str(&table.to_string());
    out.push('\n');
    if !r.counts.is_empty() {
        let mut table = new_table(
            [
                "Table",
                "Target",
                "Source rows",
                "Target rows",
                "Status",
                "Note",
            ],
            color,
            report::DEFAULT_WIDTH,
        );
        for c in &r.counts {
            let tone = match c.status {
                CountStatus::Match => Tone::Green,
                CountStatus::Lag => Tone::Yellow,
                _ => Tone::Red,
            };
            let n = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
            table.add_row([
                c.table.clone(),
                c.target_table.clone(),
                n(c.source_rows),
                n(c.target_rows),
                paint(&label(&c.status).to_ascii_uppercase(), tone, color),
                c.message.clone(),
            ]);
        }
        out.push_str(&table.to_string());
        out.push('\n');
    }
    if r.leftovers_removed > 0 {
        out.push_str(&format!(
            "Removed {} canary row(s) earlier runs left on the source.\n",
            r.leftovers_removed
        ));
    }
    out.push_str(if r.cleaned {
        "The source holds no canary row of this run.\n"
    } else {
        "WARNING: the canary row could not be removed from the source; the next run removes it.\n"
    });
    if let Some(p) = &r.playbook {
        out.push_str(&format!("Not carried end to end: see cdc playbook {p}\n"));
    }
    out
}

/// A status as its JSON spelling.
fn label(status: &impl serde::Serialize) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn junit(r: &CrudReport) -> String {
    use crate::report::junit::{escape_attr, escape_text};
    // (name, seconds, failure message if it failed): the steps, then one case per count.
    let mut cases: Vec<(String, f64, Option<String>)> = r
        .steps
        .iter()
        .map(|s| {
            let time = s.latency_ms.map_or(0.0, |ms| ms as f64 / 1000.0);
            let failure = (s.status != StepStatus::Arrived).then(|| s.message.clone());
            (s.step.to_string(), time, failure)
        })
        .collect();
    for c in &r.counts {
        let failure = (!matches!(c.status, CountStatus::Match | CountStatus::Lag)).then(|| {
            format!(
                "{} source rows, {} target rows {}",
                c.source_rows.map_or("?".into(), |n| n.to_string()),
                c.target_rows.map_or("?".into(), |n| n.to_string()),
                c.message
            )
        });
        cases.push((format!("count {}", c.table), 0.0, failure));
    }
    let failures = cases.iter().filter(|c| c.2.is_some()).count();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"cdc validate --crud\" tests=\"{}\" failures=\"{failures}\">\n",
        cases.len()
    );
    for (name, time, failure) in &cases {
        out.push_str(&format!(
            "    <testcase classname=\"cdc.validate.crud\" name=\"{}\" time=\"{time:.3}\"",
            escape_attr(name)
        ));
        match failure {
            None => out.push_str("/>\n"),
            Some(message) => out.push_str(&format!(
                ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                escape_attr(message.trim()),
                escape_text(&format!(
                    "playbook: {}",
                    r.playbook.as_deref().unwrap_or("-")
                ))
            )),
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
