//! `cdc tail TABLE... --file PATH...`: the row changes of binlog files, as plain lines or jsonl.
//! (Live mode, from a server, comes later.)

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};

use crate::binlog::{ChangeSink, DecodeError, Decoder};
use crate::tail::filter::TableFilter;
use crate::tail::output::{JsonlWriter, PlainWriter};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TailFormat {
    /// Flink-style `db.table +I[...]`, `-U[...]`, `+U[...]`, `-D[...]` lines.
    Plain,
    /// One JSON object per row change.
    Jsonl,
}

#[derive(Debug, clap::Args)]
pub struct TailArgs {
    /// Tables to show: db.table, db.*, *.* (globs with * and ? allowed).
    #[arg(required = true)]
    pub tables: Vec<String>,
    /// Read these binlog files (in order) instead of a server.
    #[arg(long = "file", num_args = 1..)]
    pub files: Vec<PathBuf>,
    /// Output format (plain when not given).
    #[arg(long, value_enum)]
    pub format: Option<TailFormat>,
}

pub fn run(args: &TailArgs) -> Result<ExitCode> {
    let filter = TableFilter::parse(&args.tables).map_err(anyhow::Error::msg)?;
    if args.files.is_empty() {
        bail!("live mode: not yet implemented (give binlog files with --file)");
    }
    // The terminal UI is not here yet: a terminal gets plain lines too.
    let format = args.format.unwrap_or(TailFormat::Plain);
    let _tty = io::stdout().is_terminal();
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
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(DecodeError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            let _ = io::stdout().flush();
            eprintln!("error: {e}");
            Ok(ExitCode::from(1))
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
    filter: &TableFilter,
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
