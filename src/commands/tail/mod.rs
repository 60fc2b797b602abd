//! `cdc tail TABLE...`: the row changes of tables, live from a server read as a replica (a
//! terminal UI, or plain lines / jsonl), or from binlog files with `--file`.

use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;

use crate::binlog::{ChangeSink, DecodeError, Decoder};
use crate::tables::{TablePattern, TablePatterns};
use crate::tail::live::start::StartAt;
use crate::tail::output::{JsonlWriter, PlainWriter};

use super::outcome::Outcome;
use super::source::{parse_duration, SourceArgs};
use super::watch::WatchArgs;

mod live;
mod panel;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum TailFormat {
    /// Flink-style `db.table +I[...]`, `-U[...]`, `+U[...]`, `-D[...]` lines.
    Plain,
    /// One JSON object per row change.
    Jsonl,
}

#[derive(Debug, clap::Args)]
pub(crate) struct TailArgs {
    /// Tables to show: db.table, db.*, *.* or a bare db (globs with * and ? allowed;
    /// backquote a name holding a dot).
    #[arg(required = true, value_parser = TablePattern::parse)]
    pub(crate) tables: Vec<TablePattern>,
    /// Read these binlog files (in order) instead of a server.
    #[arg(long = "file", num_args = 1..)]
    pub(crate) files: Vec<PathBuf>,
    /// Output format; without it a terminal gets the live UI, anything else plain lines.
    #[arg(long, value_enum)]
    pub(crate) format: Option<TailFormat>,
    #[command(flatten)]
    pub(crate) source: SourceArgs,
    /// Where to start: now (the server's current end), start (the oldest binlog kept),
    /// FILE:POS, or gtid:SET (MySQL uuid:1-5 or MariaDB 0-1-100 form).
    #[arg(long, default_value = "now")]
    pub(crate) from: StartAt,
    /// Stop at the end position current when the command started (`now`).
    #[arg(long, value_parser = ["now"])]
    pub(crate) until: Option<String>,
    /// The server_id to register with; by default one no replica of the server uses.
    #[arg(long)]
    pub(crate) server_id: Option<u32>,
    /// The pipeline panel (with --target or --offset): the watched tables' row counts on
    /// both sides, the end-to-end lag from a heartbeat row, the connector's stored position.
    #[command(flatten)]
    pub(crate) watch: WatchArgs,
    /// How long the panel's counts may differ before it says more than lag.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub(crate) settle: Duration,
    /// How often the panel samples the pipeline.
    #[arg(long, default_value = "3s", value_parser = parse_duration)]
    pub(crate) interval: Duration,
    /// How long each step of a canary run from the panel (`c`) may take to arrive.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub(crate) timeout: Duration,
}

impl TailArgs {
    /// Whether the pipeline panel is wanted.
    pub(crate) fn panel(&self) -> bool {
        self.watch
            .target
            .as_deref()
            .is_some_and(|t| !t.trim().is_empty())
            || self.watch.offset.is_some()
    }
}

pub(crate) fn run(args: &TailArgs) -> Result<Outcome> {
    let filter = TablePatterns::from(args.tables.clone());
    if args.files.is_empty() {
        return live::run(args, filter);
    }
    // Not a conflict: CDC_TARGET exported for validate must not stop a tail of files.
    if args.panel() {
        eprintln!("note: the pipeline panel (--target, --offset) needs a live source; not shown with --file");
    }
    let format = args.format.unwrap_or(TailFormat::Plain);
    let stdout = io::stdout().lock();
    let outcome = match format {
        TailFormat::Plain => {
            let mut w = PlainWriter::new(stdout);
            let r = decode_files(args, &filter, &mut w);
            finish(r, w.flush())
        }
        TailFormat::Jsonl => {
            let mut w = JsonlWriter::new(stdout);
            let r = decode_files(args, &filter, &mut w);
            finish(r, w.flush())
        }
    };
    match outcome {
        Ok(()) => Ok(Outcome::Clean),
        Err(DecodeError::Output(e)) => Err(anyhow::Error::new(e).context("writing the changes")),
        // A file that cannot be decoded (cut short, corrupt): the problem found in it.
        Err(e) => {
            let _ = io::stdout().flush();
            Ok(Outcome::Problem {
                message: e.to_string(),
                playbook: None,
            })
        }
    }
}

fn finish(r: Result<(), DecodeError>, flushed: io::Result<()>) -> Result<(), DecodeError> {
    let flushed = flushed.map_err(DecodeError::Output);
    r.and(flushed)
}

/// Decodes `args.files` in order into `sink`. The parser's panics on corrupt input are caught
/// and reported as errors; the default hook would print them too, so it is silenced meanwhile.
fn decode_files(
    args: &TailArgs,
    filter: &TablePatterns,
    sink: &mut dyn ChangeSink,
) -> Result<(), DecodeError> {
    let mut decoder = Decoder::new(Box::new(|db, t| filter.matches(db, t)), None);
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut result = Ok(());
    for f in &args.files {
        result = decoder.decode_file(f, sink);
        if result.is_err() {
            break;
        }
    }
    std::panic::set_hook(hook);
    result
}
