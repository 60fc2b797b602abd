//! `cdc doctor`: preflight checks of a CDC source.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};

use crate::checks::catalogue::Catalogue;
use crate::checks::context::RunOptions;
use crate::checks::fixplan::FixPlan;
use crate::checks::profile::Profile;
use crate::checks::result::Report;
use crate::checks::run::{connect, inspect};
use crate::checks::scope::TableScope;
use crate::connection::mysql_url::SourceConfig;
use crate::connection::server::Platform;
use crate::connection::session::Session;
use crate::connection::sql::Sql;
use crate::report::{self, fixplan, Format};
use crate::tables::TablePatterns;

use super::outcome::Outcome;
use super::output;
use super::source::SourceArgs;
use super::stored::StoredArgs;
use crate::connection::account::Account;
use crate::pipeline::connector_settings::ConnectorSettings;

#[derive(Debug, clap::Args)]
pub(crate) struct DoctorArgs {
    #[command(flatten)]
    pub(crate) source: SourceArgs,
    /// Whose requirements to check against [default: generic; debezium when --offset reads a
    /// Debezium connector's configuration].
    #[arg(long, value_enum)]
    pub(crate) profile: Option<Profile>,
    /// Tables the pipeline captures: db.t,db.*,*.*, a bare db, globs with * and ?
    /// (default: every non-system schema).
    #[arg(long)]
    pub(crate) tables: Option<TablePatterns>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
    /// Exit 1 on warnings too.
    #[arg(long)]
    pub(crate) strict: bool,
    /// Show only the checks that did not pass (human and markdown output; the summary still
    /// counts every check).
    #[arg(long)]
    pub(crate) quiet: bool,
    /// Print the check catalogue and exit.
    #[arg(long)]
    pub(crate) list: bool,
    /// More check files; a check with a built-in's id replaces it.
    #[arg(long, value_name = "DIR")]
    pub(crate) checks_dir: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) stored: StoredArgs,
    /// The server_id the connector registers with (Debezium database.server.id, Flink CDC
    /// server-id, a replica's server_id): it must differ from the server's and from every
    /// registered replica's (server.reader_id).
    #[arg(long, value_name = "ID")]
    pub(crate) server_id: Option<u32>,
    /// The longest outage a connector must survive: binlog retention must be at least this
    /// (30m, 24h, 3d, 1w).
    #[arg(long, value_name = "SPAN", value_parser = super::duration::parse_span)]
    pub(crate) max_downtime: Option<std::time::Duration>,
    /// Print a fix plan for what did not pass: online changes apart from those that need
    /// the option file and a restart, in the order to apply them.
    #[arg(long)]
    pub(crate) fix: bool,
    /// With --fix: run the online changes on the source (asks first), then re-run the checks.
    /// The only way doctor writes; the source account needs the privileges to make them.
    #[arg(long, requires = "fix")]
    pub(crate) apply: bool,
    /// With --apply: do not ask (needed when standard input is not a terminal).
    #[arg(long, requires = "apply")]
    pub(crate) yes: bool,
    /// The CDC account whose grants to judge and fix (USER or USER@HOST, host default '%'),
    /// when connected as an admin that may read them (SHOW GRANTS FOR) and grant.
    #[arg(long, value_name = "USER[@HOST]")]
    pub(crate) account: Option<Account>,
}

pub(crate) fn run(args: &DoctorArgs) -> Result<Outcome> {
    let catalogue = Catalogue::load(args.checks_dir.as_deref()).context("invalid check file")?;
    let color = report::color_wanted(std::io::stdout().is_terminal());
    if args.list {
        output::print(&report::catalogue::render_catalogue(
            &catalogue.specs,
            color,
        ))?;
        return Ok(Outcome::Clean);
    }
    let source = args.source.config()?;
    let (stored, pipeline) = args.stored.resolve(source.connect_timeout)?;
    let connector = pipeline.as_ref().and_then(|p| p.connector.as_ref());
    let from_connector = connector.map(ConnectorSettings::of).unwrap_or_default();
    for note in &from_connector.notes {
        eprintln!("cdc: {note}");
    }
    let tables = TableScope {
        patterns: args
            .tables
            .clone()
            .or(from_connector.tables.clone())
            .unwrap_or_default(),
    };
    // A Debezium connector's own configuration says whose requirements apply.
    let profile = args.profile.unwrap_or(match connector {
        Some(c) if c.is_debezium() => Profile::Debezium,
        _ => Profile::Generic,
    });
    let options = RunOptions {
        profile,
        tables,
        position: stored.position.clone(),
        gtid_set: stored.gtid_set.clone(),
        server_id: args.server_id.or(from_connector.server_id),
        max_downtime: args.max_downtime,
        now: None,
        account: args.account.clone(),
        offset: stored.read.clone(),
        binlog_source: stored.read.as_ref().map(|_| source.clone()),
        connector: connector.cloned(),
    };
    if args.fix && args.format != Format::Human {
        bail!("--fix prints a plan for people: use it with --format human");
    }
    let mut report = check_source(&catalogue, &source, &options, args.source.platform);
    let gate = report::Gate {
        strict: args.strict,
        pending: Vec::new(),
    };
    output::print(&report::render(
        &shown(&report, args.quiet, args.format, &[]),
        args.format,
        color,
        &gate,
    ))?;
    if args.fix {
        let plan = FixPlan::from_report(&report);
        output::print(&format!(
            "\n{}",
            fixplan::render(&plan, &source.redacted(), color)
        ))?;
        if args.apply {
            report = apply(&plan, &report, &catalogue, &source, &options, args)?;
        }
    }
    Ok(Outcome::found_if(report.has_problem(args.strict)))
}

/// Runs the plan's online statements after confirmation, then the checks again; prints what
/// changed and returns the new report.
fn apply(
    plan: &FixPlan,
    before: &Report,
    catalogue: &Catalogue,
    source: &SourceConfig,
    options: &RunOptions,
    args: &DoctorArgs,
) -> Result<Report> {
    let withheld = withheld_notes(plan);
    if !withheld.is_empty() {
        output::print(&withheld)?;
    }
    let statements = plan.dynamic_statements();
    if statements.is_empty() {
        output::print("\nNothing to apply online.\n")?;
        return Ok(before.clone());
    }
    if !args.yes && !confirm(statements.len(), &source.redacted())? {
        output::print("Nothing applied.\n")?;
        return Ok(before.clone());
    }
    let mut session = Session::open(source)
        .with_context(|| format!("cannot connect to {} to apply", source.redacted()))?;
    let mut lines = String::from("\n");
    for (check, statement) in &statements {
        match session.query(statement) {
            Ok(_) => lines.push_str(&format!("  applied  {statement}   ({check})\n")),
            Err(e) => {
                lines.push_str(&format!("  FAILED   {statement}   ({check}): {e}\n"));
                if lacks_privilege(e.code) && is_grant(statement) {
                    lines.push_str(
                        "           this account may not grant: connect as an admin and rerun \
                         with --account <the CDC account> (it judges and fixes that account)\n",
                    );
                }
            }
        }
    }
    drop(session);
    output::print(&lines)?;
    let after = check_source(catalogue, source, options, args.source.platform);
    let mut summary = String::from("\nAfter applying:\n");
    for item in plan.to_apply() {
        let was = before
            .checks
            .iter()
            .find(|c| c.id == item.check)
            .map(|c| c.status);
        let now = after
            .checks
            .iter()
            .find(|c| c.id == item.check)
            .map(|c| c.status);
        if let (Some(was), Some(now)) = (was, now) {
            summary.push_str(&format!(
                "  {:<28} {} -> {}\n",
                item.check,
                was.label(),
                now.label()
            ));
        }
    }
    let s = after.summary;
    summary.push_str(&format!(
        "  now: {} passed, {} warnings, {} failed\n",
        s.pass, s.warn, s.fail
    ));
    output::print(&summary)?;
    Ok(after)
}

/// The online fixes `--apply` will not run, one line per statement, saying why: a check from
/// `--checks-dir` could carry any statement, and doctor would run it with the rights of
/// whoever applies. Empty when there are none.
fn withheld_notes(plan: &FixPlan) -> String {
    let mut lines = String::new();
    for item in plan.withheld() {
        for statement in &item.sql {
            lines.push_str(&format!(
                "  not applied  {statement}   ({}): from {}, not the built-in catalogue; \
                 --apply runs built-in fixes only: review it and run it yourself\n",
                item.check, item.origin
            ));
        }
    }
    if lines.is_empty() {
        lines
    } else {
        format!("\n{lines}")
    }
}

/// What a `--quiet` run shows: the problems only, in the formats people read; JSON and JUnit
/// keep every check for the machines that read them.
pub(crate) fn shown(report: &Report, quiet: bool, format: Format, also: &[String]) -> Report {
    if quiet && matches!(format, Format::Human | Format::Markdown) {
        report.only_problems(also)
    } else {
        report.clone()
    }
}

/// Access denied (1044, 1045), a command or privilege denied (1142, 1227), or no right to
/// grant (1410): the connected account may not make the change.
fn lacks_privilege(code: Option<u16>) -> bool {
    matches!(code, Some(1044 | 1045 | 1142 | 1227 | 1410))
}

fn is_grant(statement: &str) -> bool {
    let first = statement.split_whitespace().next().unwrap_or("");
    first.eq_ignore_ascii_case("GRANT") || first.eq_ignore_ascii_case("REVOKE")
}

fn confirm(count: usize, server: &str) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("not applying: standard input is not a terminal; pass --yes to apply without asking");
    }
    eprint!("Apply {count} statement(s) to {server}? [y/N] ");
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .context("reading the answer")?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES"))
}

/// Connects, gathers what every check shares, runs the catalogue. Never fails: what went
/// wrong on the way is what connect.* report.
pub fn check_source(
    catalogue: &Catalogue,
    source: &SourceConfig,
    options: &RunOptions,
    platform: Option<Platform>,
) -> Report {
    let (link, mut session) = connect(source);
    let sql = session.as_mut().map(|s| s as &mut dyn Sql);
    inspect(
        catalogue,
        source.redacted(),
        &source.host,
        link,
        sql,
        options,
        platform,
    )
}
