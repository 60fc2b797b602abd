//! `cdc validate`: compare each table on the source with its copy on the target.

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::{bail, Context as _, Result};
use indicatif::{ProgressBar, ProgressStyle};

use crate::connection::mysql_url::SourceConfig;
use crate::report;
use crate::tables::{TablePattern, TablePatterns};
use crate::validate::checksum::Hash;
use crate::validate::results::ValidateReport;
use crate::validate::scope;
use crate::validate::target::{Db, MySqlDb, TargetConfig};
use crate::validate::{
    estimate_rows, parse_target_pattern, target_table, validate_table, Mode, Pair, Settings,
};

use super::outcome::Outcome;
use super::output;
use super::source::{parse_duration, SourceArgs};
use crate::validate::crud::DeleteMode;

mod canary;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ValidateFormat {
    Human,
    Json,
    Junit,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("mode").required(true).args(["counts", "checksum", "crud", "init"])))]
pub(crate) struct ValidateArgs {
    #[command(flatten)]
    pub(crate) source: SourceArgs,
    /// Target URL: mysql://user:pass@host:port, postgres://user:pass@host:port/db, Delta
    /// tables under delta:///ROOT (delta+s3://, delta+az://, delta+gs://BUCKET/PREFIX),
    /// Iceberg through iceberg+sql://CATALOG.db?warehouse=URI or iceberg+rest://HOST:PORT;
    /// for --crud also kafka://BROKER:PORT[,BROKER:PORT][?security.protocol=SASL_SSL&...].
    #[arg(
        long,
        env = "CDC_TARGET",
        hide_env_values = true,
        required_unless_present = "init"
    )]
    pub(crate) target: Option<String>,
    /// Tables to compare, as they are named on the source: db.t,db.u (--counts, --checksum;
    /// with --crud, whose row counts to compare after the canary, default its own table).
    #[arg(long, required_if_eq_any = [("counts", "true"), ("checksum", "true")])]
    pub(crate) tables: Option<TablePatterns>,
    /// Prove the pipeline carries changes: insert, update and delete a canary row on the
    /// source, each watched until the target shows it.
    #[arg(long)]
    pub(crate) crud: bool,
    /// Create the canary table on the source (idempotent) and say what to add to the pipeline.
    #[arg(long)]
    pub(crate) init: bool,
    /// The canary table: db.table (default: cdc_canary in the source URL's database).
    #[arg(long, value_name = "DB.TABLE", conflicts_with = "table")]
    pub(crate) canary: Option<String>,
    /// Write the canary as a generated row in this real captured table instead (values fit
    /// its columns' types, NOT NULL and keys; the row is removed afterwards).
    #[arg(long, value_name = "DB.TABLE", conflicts_with = "init")]
    pub(crate) table: Option<String>,
    /// How long each canary step may take to reach the target.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub(crate) timeout: Duration,
    /// How the target shows a delete: hard, soft:COLUMN=VALUE, soft:COLUMN IS NOT NULL.
    #[arg(long, default_value = "hard")]
    pub(crate) delete_mode: DeleteMode,
    /// The target table for each: a name, or a pattern with {db} and {table}, e.g.
    /// bronze.{table}. Default: the same db.table (on PostgreSQL: schema = source db; Delta:
    /// ROOT/db/table; Iceberg: namespace db). With a kafka:// target, the topic: e.g.
    /// dbserver1.{db}.{table} (default {db}.{table}).
    #[arg(long, value_name = "PATTERN", value_parser = parse_table_or_topic)]
    pub(crate) target_table: Option<String>,
    /// Compare row counts per key range: finds missing and extra keys.
    #[arg(long)]
    pub(crate) counts: bool,
    /// Compare count and checksum per key range: finds missing, extra and changed rows.
    #[arg(long)]
    pub(crate) checksum: bool,
    /// Row hash: md5-sum (any engines) or crc32-xor (MySQL/MariaDB on both sides; 3x
    /// cheaper). Default: crc32-xor when both are MySQL/MariaDB, else md5-sum.
    #[arg(long, value_enum)]
    pub(crate) hash: Option<Hash>,
    /// Key columns instead of the source's primary key: col[,col]
    #[arg(long, value_delimiter = ',')]
    pub(crate) key: Option<Vec<String>>,
    /// Leave out rows changed within this span on either side (replication lag), e.g. 5m.
    #[arg(long, value_parser = parse_duration)]
    pub(crate) min_age: Option<Duration>,
    /// The column saying when a row changed, for --min-age. Default: a last_updated or
    /// updated_at column with ON UPDATE CURRENT_TIMESTAMP.
    #[arg(long, value_name = "COLUMN")]
    pub(crate) updated_column: Option<String>,
    /// Wait this long before looking again at what differed; only what still differs is
    /// reported (what resolved is lag).
    #[arg(long, default_value = "2s", value_parser = parse_settle)]
    pub(crate) settle: Duration,
    /// How many keys of each kind (missing, extra, changed) to list.
    #[arg(long, default_value_t = 20)]
    pub(crate) show: usize,
    /// Segments each differing range is split into.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(2..))]
    pub(crate) bisection_factor: u32,
    /// A differing range with at most this many rows is fetched and diffed by key.
    #[arg(long, default_value_t = 1024)]
    pub(crate) bisection_threshold: u64,
    #[arg(long, value_enum, default_value_t = ValidateFormat::Human)]
    pub(crate) format: ValidateFormat,
}

/// A `--target-table` pattern for a table, or for a topic (`dbserver1.{db}.{table}`: more
/// than two parts): which it must be is checked once the target's kind is known.
fn parse_table_or_topic(s: &str) -> Result<String, crate::validate::error::TargetPatternError> {
    let table = parse_target_pattern(s);
    let filled = s.trim().replace("{db}", "d").replace("{table}", "t");
    let topic_like = !filled.is_empty()
        && filled
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    match table {
        Err(_) if topic_like => Ok(s.trim().to_string()),
        other => other,
    }
}

/// A table target's `--target-table` is a table name or schema.table.
pub(super) fn check_table_pattern(args: &ValidateArgs) -> Result<()> {
    if let Some(p) = &args.target_table {
        parse_target_pattern(p).with_context(|| format!("--target-table {p:?}"))?;
    }
    Ok(())
}

/// `--settle` may be zero (no second look): any length the shared parser takes.
fn parse_settle(s: &str) -> Result<Duration, super::duration::DurationError> {
    super::duration::parse(s)
}

impl ValidateArgs {
    pub(crate) fn mode(&self) -> Mode {
        if self.counts {
            Mode::Counts
        } else {
            Mode::Checksum
        }
    }

    /// `--tables` as written (empty when not given): `db.t`, or a pattern (`db.*`, `*.*`,
    /// `db.orders_*`, a bare `db`) that [`scope::expand`] resolves on the source.
    fn table_list(&self) -> Vec<TablePattern> {
        self.tables.iter().flat_map(|t| t.iter().cloned()).collect()
    }

    fn settings(&self) -> Settings {
        Settings {
            mode: self.mode(),
            hash: self.hash,
            factor: self.bisection_factor,
            threshold: self.bisection_threshold,
            key: self.key.clone(),
            min_age: self.min_age,
            updated_column: self.updated_column.clone(),
            delete_mode: self.delete_mode.clone(),
            settle: self.settle,
            show: self.show,
        }
    }
}

pub(crate) fn run(args: &ValidateArgs) -> Result<Outcome> {
    let source = args.source.config()?;
    if args.init || args.crud {
        return canary::run(args, &source);
    }
    if canary::is_kafka(args.target.as_deref().unwrap_or_default()) {
        bail!(
            "Kafka topics hold changes, not tables: use --crud (--counts and --checksum compare \
             tables)"
        );
    }
    check_table_pattern(args)?;
    let mut target = TargetConfig::parse(args.target.as_deref().unwrap_or_default())
        .context("cannot use the target")?;
    target.set_connect_timeout(args.source.connect_timeout);
    let tables = args.table_list();
    if tables.is_empty() {
        bail!("--tables names no table");
    }
    let report = validate(&source, &target, &tables, args)?;
    let text = match args.format {
        ValidateFormat::Human => {
            let color = report::color_wanted(std::io::stdout().is_terminal());
            let width = report::output_width();
            report::validate::human(&report, color, width)
        }
        ValidateFormat::Json => report::validate::json(&report),
        ValidateFormat::Junit => report::validate::junit(&report),
    };
    output::print(&text)?;
    Ok(if report.any_error() {
        Outcome::Incomplete
    } else {
        Outcome::found_if(report.any_difference())
    })
}

/// Connects to both sides and compares every table.
pub(crate) fn validate(
    source: &SourceConfig,
    target: &TargetConfig,
    tables: &[TablePattern],
    args: &ValidateArgs,
) -> Result<ValidateReport> {
    let mut sdb = MySqlDb::open(source)
        .with_context(|| format!("cannot connect to the source {}", source.redacted()))?;
    let mut tdb = target
        .open()
        .with_context(|| format!("cannot connect to the target {}", target.redacted()))?;
    let tables = scope::expand(&mut sdb, tables)?;
    let settings = args.settings();
    let bar_wanted = std::io::stderr().is_terminal();
    let mut results = Vec::new();
    for st in &tables {
        let tt = target_table(args.target_table.as_deref(), st);
        let bar = if bar_wanted {
            let bar = ProgressBar::new(estimate_rows(&mut sdb, st).unwrap_or(0));
            bar.set_style(
                ProgressStyle::with_template("{msg} [{bar:30}] {pos}/~{len} rows {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_message(st.to_string());
            bar
        } else {
            ProgressBar::hidden()
        };
        let mut pair = Pair {
            source: &mut sdb as &mut dyn Db,
            target: tdb.as_mut(),
        };
        let progress = |n: u64| bar.inc(n);
        results.push(validate_table(&mut pair, st, &tt, &settings, &progress));
        bar.finish_and_clear();
    }
    Ok(ValidateReport {
        mode: settings.mode.label().to_string(),
        source: source.redacted(),
        target: target.redacted(),
        tables: results,
    })
}
