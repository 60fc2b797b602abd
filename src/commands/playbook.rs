//! `cdc playbook [ID] [--run --source URL]`: the troubleshooting guide, and its diagnostics
//! run against a server.

use std::io::IsTerminal;

use anyhow::{bail, Context as _, Result};

use crate::checks::context::RunOptions;
use crate::checks::run::{connect, context};
use crate::connection::mysql_url::SourceConfig;
use crate::connection::sql::Sql;
use crate::playbooks::diagnostics::{self, DiagnosticResult};
use crate::playbooks::load::Library;
use crate::playbooks::spec::Playbook;
use crate::report::{self, playbook as render};

use super::outcome::Outcome;
use super::output;
use super::source::SourceArgs;
use super::stored::StoredArgs;

#[derive(Debug, clap::Args)]
pub(crate) struct PlaybookArgs {
    /// The playbook to show; without it, the list.
    pub(crate) id: Option<String>,
    /// Run the playbook's diagnostics on the source and mark each answer healthy or not.
    #[arg(long, requires = "id")]
    pub(crate) run: bool,
    #[command(flatten)]
    pub(crate) source: SourceArgs,
    #[command(flatten)]
    pub(crate) stored: StoredArgs,
}

pub(crate) fn run(args: &PlaybookArgs) -> Result<Outcome> {
    let library = Library::load().context("invalid built-in playbook")?;
    let color = report::color_wanted(std::io::stdout().is_terminal());
    let Some(id) = &args.id else {
        print_fitted(&render::render_list(&library.playbooks, color))?;
        return Ok(Outcome::Clean);
    };
    let Some(playbook) = library.get(id) else {
        let close: Vec<&str> = library
            .playbooks
            .iter()
            .map(|p| p.id.as_str())
            .filter(|p| p.contains(id.as_str()) || id.contains(*p))
            .collect();
        bail!(
            "no playbook {id:?}{}; list them with: cdc playbook",
            if close.is_empty() {
                String::new()
            } else {
                format!(" (did you mean {}?)", close.join(", "))
            }
        );
    };
    if !args.run {
        print_fitted(&render::render(playbook, None, color))?;
        return Ok(Outcome::Clean);
    }
    let source = args.source.config()?;
    let (stored, _) = args.stored.resolve(source.connect_timeout)?;
    let results = run_diagnostics(playbook, &source, &args.source, &stored)?;
    print_fitted(&render::render(playbook, Some(&results), color))?;
    let unhealthy = results.iter().any(|r| r.healthy == Some(false));
    Ok(Outcome::found_if(unhealthy))
}

/// Connects and runs one playbook's diagnostics. A source that cannot be reached is an error
/// here: there is nothing to diagnose without a session.
/// Prose for people, fitted to the terminal (or COLUMNS, else 100) at word boundaries.
pub(crate) fn print_fitted(text: &str) -> Result<()> {
    output::print(&report::wrap::fit(text, report::output_width()))
}

pub(crate) fn run_diagnostics(
    playbook: &Playbook,
    source: &SourceConfig,
    args: &SourceArgs,
    stored: &StoredArgs,
) -> Result<Vec<DiagnosticResult>> {
    let (link, mut session) = connect(source);
    let Some(session) = session.as_mut() else {
        let why = match (&link.tcp, &link.login) {
            (Err(e), _) => e.to_string(),
            (_, Some(Err(e))) => e.to_string(),
            _ => "no session".to_string(),
        };
        bail!("cannot run diagnostics on {}: {why}", source.redacted());
    };
    let options = RunOptions {
        position: stored.position.clone(),
        gtid_set: stored.gtid_set.clone(),
        offset: stored.read.clone(),
        binlog_source: stored.read.as_ref().map(|_| source.clone()),
        ..RunOptions::default()
    };
    let sql: &mut dyn Sql = session;
    let mut ctx = context(&source.host, link, Some(sql), &options, args.platform);
    Ok(diagnostics::run(playbook, &mut ctx))
}
