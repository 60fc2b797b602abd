//! `cdc diagnose "error text"` (or `--log FILE`, or stdin): which playbooks explain it.

use std::fs::File;
use std::io::{BufReader, IsTerminal};
use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};

use crate::playbooks::load::Library;
use crate::playbooks::log_position::PositionFinder;
use crate::playbooks::matcher::Matcher;
use crate::report::{self, matches, playbook as render};

use super::outcome::Outcome;
use super::output;
use super::playbook::{print_fitted, run_diagnostics};
use super::source::SourceArgs;
use super::stored::StoredArgs;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum DiagnoseFormat {
    Human,
    Json,
}

#[derive(Debug, clap::Args)]
pub(crate) struct DiagnoseArgs {
    /// The error text; without it (and without --log), standard input is read.
    pub(crate) text: Option<String>,
    /// A connector or server log to scan.
    #[arg(long, value_name = "FILE", conflicts_with = "text")]
    pub(crate) log: Option<PathBuf>,
    /// How many playbooks to show at most.
    #[arg(long, default_value_t = 5)]
    pub(crate) top: usize,
    #[arg(long, value_enum, default_value_t = DiagnoseFormat::Human)]
    pub(crate) format: DiagnoseFormat,
    #[command(flatten)]
    pub(crate) source: SourceArgs,
    /// The connector's stored position; without it, the last one the log names is checked.
    #[command(flatten)]
    pub(crate) stored: StoredArgs,
}

pub(crate) fn run(args: &DiagnoseArgs) -> Result<Outcome> {
    let library = Library::load().context("invalid built-in playbook")?;
    let matcher = Matcher::new(&library).context("compiling the playbooks' error patterns")?;
    let mut positions = PositionFinder::default();
    let feed = |piece: &[u8], at: u64| positions.feed(piece, at);
    let mut found = match (&args.text, &args.log) {
        (Some(text), _) => matcher.scan_with(text.as_bytes(), feed)?,
        (None, Some(path)) => {
            let file =
                File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
            matcher
                .scan_with(BufReader::with_capacity(1 << 16, file), feed)
                .with_context(|| format!("reading {}", path.display()))?
        }
        (None, None) => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                bail!(
                    "give the error text as an argument, --log FILE, or pipe it on standard input"
                );
            }
            matcher
                .scan_with(stdin.lock(), feed)
                .context("reading standard input")?
        }
    };
    let in_log = positions.found();
    let source_config = if args.source.given() {
        Some(args.source.config()?)
    } else {
        None
    };
    let (given, _) = args
        .stored
        .resolve(StoredArgs::timeout_of(source_config.as_ref()))?;
    let stored = given.or_from_log(in_log.as_ref());
    found.truncate(args.top);
    let color = report::color_wanted(std::io::stdout().is_terminal());
    match args.format {
        DiagnoseFormat::Json => output::print(&matches::render_json(&found))?,
        DiagnoseFormat::Human => {
            print_fitted(&matches::render_human(&found, color))?;
            if let (Some(p), false) = (&in_log, given.given()) {
                let then = if args.source.given() {
                    "checked against the source below"
                } else {
                    "give --source to check it against the server"
                };
                output::print(&format!(
                    "\nStored position named in the log: {p} ({then})\n"
                ))?;
            }
            if let Some(source) = source_config {
                for m in &found {
                    let playbook = library.get(&m.id).expect("matches come from the library");
                    if playbook.diagnostics.is_empty() {
                        continue;
                    }
                    let results = run_diagnostics(playbook, &source, &args.source, &stored)?;
                    print_fitted(&format!(
                        "\n{}",
                        render::render(playbook, Some(&results), color)
                    ))?;
                }
            }
        }
    }
    // Finding an explanation is the tool finding the problem: exit 1, like doctor's failures.
    Ok(Outcome::found_if(!found.is_empty()))
}
