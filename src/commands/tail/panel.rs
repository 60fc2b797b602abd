//! The pipeline panel's watcher thread, started beside the reader when --target or
//! --offset is given, and ended so that a canary under way still removes its rows.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;

use anyhow::{Context as _, Result};

use super::TailArgs;
use crate::connection::mysql_url::SourceConfig;
use crate::connection::server::Platform;
use crate::tail::pipeline::{CanaryConfig, Watcher};
use crate::tail::tui::PanelLink;
use crate::validate::scope;
use crate::validate::target::MySqlDb;

/// The checks the panel shows: the stored position's standing, the connector's tasks.
const PANEL_CHECKS: [&str; 2] = ["position.available", "connector.tasks"];

pub(super) struct Running {
    thread: JoinHandle<()>,
    cancel: Arc<AtomicBool>,
    busy: Arc<AtomicBool>,
}

/// Starts the watcher; the link goes to the TUI.
pub(super) fn start(
    args: &TailArgs,
    source: &SourceConfig,
    platform: Option<Platform>,
) -> Result<(PanelLink, Running)> {
    let mut db = MySqlDb::open(source)
        .with_context(|| format!("cannot connect to the source {}", source.redacted()))?;
    let tables = scope::expand(&mut db, &args.tables)
        .context("listing the tables whose rows the panel counts")?;
    drop(db);
    let mut config = args.watch.sampler_config(source, &tables, platform)?;
    config.only_checks = Some(PANEL_CHECKS.iter().map(|s| s.to_string()).collect());
    let canary = match (&config.target, &config.canary) {
        (Some(target), Some(table)) => Some(CanaryConfig {
            source: source.clone(),
            target: target.clone(),
            table: table.clone(),
            timeout: args.timeout,
            delete_mode: args.watch.delete_mode.clone(),
            count_tables: config.tables.clone(),
            settle: args.settle,
        }),
        _ => None,
    };
    let has_target = config.target.is_some();
    let sampler = crate::pipeline::Sampler::new(config).context("the pipeline panel")?;
    let watcher = Watcher::new(sampler, args.interval, canary);
    let busy = watcher.busy();
    let cancel = Arc::new(AtomicBool::new(false));
    let (views_tx, views) = mpsc::channel();
    let (commands_tx, commands) = mpsc::channel();
    let flag = cancel.clone();
    let thread = std::thread::Builder::new()
        .name("pipeline-watcher".into())
        .spawn(move || watcher.run(views_tx, commands, &flag))
        .context("starting the pipeline watcher thread")?;
    let link = PanelLink {
        // A difference seen at one sample is only known to have ended at the next one.
        settle: args.settle + args.interval,
        views,
        commands: has_target.then_some(commands_tx),
    };
    Ok((
        link,
        Running {
            thread,
            cancel,
            busy,
        },
    ))
}

impl Running {
    /// Stops the watcher. A canary under way stops waiting and removes its rows first;
    /// otherwise a sample in flight is not waited for.
    pub(super) fn stop(self) {
        self.cancel.store(true, Ordering::SeqCst);
        if self.busy.load(Ordering::SeqCst) {
            eprintln!("removing the canary rows of the run under way...");
            let _ = self.thread.join();
        }
    }
}
