//! `cdc monitor`: the pipeline's sample as Prometheus metrics on --listen.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _, Result};

use crate::connection::mysql_url::SourceConfig;
use crate::monitor::{self, http};
use crate::pipeline::Sampler;
use crate::tables::{TablePattern, TablePatterns};
use crate::validate::scope;
use crate::validate::table::TableRef;
use crate::validate::target::MySqlDb;

use super::outcome::Outcome;
use super::source::{parse_duration, SourceArgs};
use super::watch::WatchArgs;

#[derive(Debug, clap::Args)]
pub(crate) struct MonitorArgs {
    #[command(flatten)]
    pub(crate) source: SourceArgs,
    #[command(flatten)]
    pub(crate) watch: WatchArgs,
    /// Tables whose rows are counted on both sides: db.t,db.u, or patterns (db.*, db.orders_*)
    /// expanded on the source at start.
    #[arg(long)]
    pub(crate) tables: Option<TablePatterns>,
    /// Where to serve /metrics: HOST:PORT, e.g. 127.0.0.1:9187 (port 0: any free port).
    #[arg(long, value_name = "ADDR")]
    pub(crate) listen: String,
    /// How often to sample (a scrape returns the latest sample, never waits for one).
    #[arg(long, default_value = "15s", value_parser = parse_duration)]
    pub(crate) interval: Duration,
}

pub(crate) fn run(args: &MonitorArgs) -> Result<Outcome> {
    let source = args.source.config()?;
    // Listen first: a port in use is the likeliest mistake, and the quickest to report.
    let listener =
        http::bind(&args.listen).with_context(|| format!("cannot listen on {:?}", args.listen))?;
    let addr = listener
        .local_addr()
        .context("cannot read the address listened on")?;
    let tables = tables(&source, args)?;
    let config = args
        .watch
        .sampler_config(&source, &tables, args.source.platform)?;
    let sampler = Sampler::new(config).context("cannot start sampling")?;

    let latest = Arc::new(http::Latest::default());
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    // Ctrl-C, SIGTERM, SIGHUP: stop serving and end cleanly.
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    // Not joined at the end: a sample in flight may wait for a connect timeout.
    monitor::spawn_sampler(sampler, args.interval, latest.clone(), stop.clone());
    eprintln!("cdc monitor: serving http://{addr}/metrics");
    http::serve(listener, latest, &stop).context("serving /metrics")?;
    Ok(Outcome::Clean)
}

/// --tables as tables: patterns expanded on the source when it answers; when it does not,
/// exact names only (a pattern cannot be resolved, and guessing would count the wrong set).
fn tables(source: &SourceConfig, args: &MonitorArgs) -> Result<Vec<TableRef>> {
    let patterns: Vec<TablePattern> = args.tables.iter().flat_map(|t| t.iter().cloned()).collect();
    if patterns.is_empty() {
        return Ok(Vec::new());
    }
    match MySqlDb::open(source) {
        Ok(mut db) => Ok(scope::expand(&mut db, &patterns)?),
        Err(e) => {
            let mut exact = Vec::new();
            for p in &patterns {
                match p.exact() {
                    Some((schema, name)) => exact.push(TableRef { schema, name }),
                    None => bail!(
                        "--tables {p} is a pattern, and the source {} cannot expand it now: {e}",
                        source.redacted()
                    ),
                }
            }
            Ok(exact)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::cli::{Cli, Command};
    use clap::Parser;

    fn parse(argv: &[&str]) -> Result<Cli, clap::Error> {
        let mut all = vec!["cdc", "monitor"];
        all.extend_from_slice(argv);
        Cli::try_parse_from(all)
    }

    #[test]
    fn listen_is_required_and_the_interval_defaults_to_15s() {
        let e = parse(&["--source", "mysql://u@h"]).unwrap_err();
        assert!(e.to_string().contains("--listen"), "{e}");
        let cli = parse(&["--listen", "127.0.0.1:0", "--tables", "shop.*"]).unwrap();
        let Command::Monitor(args) = cli.command else {
            panic!("not monitor");
        };
        assert_eq!(args.interval, std::time::Duration::from_secs(15));
        assert_eq!(args.tables.unwrap().to_string(), "shop.*");
        assert!(parse(&["--listen", "x", "--interval", "0"]).is_err());
    }
}
