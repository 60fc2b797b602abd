//! The watcher thread behind the pipeline panel: a sample every interval, sent as a view
//! through the tail's channel, and a `--crud` canary when the TUI asks for one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::view::{CanaryEvent, E2e, PanelCommand, PipelineView, StoredView};
use crate::checks::result::Status;
use crate::connection::mysql_url::SourceConfig;
use crate::pipeline::{E2eLag, Sample, Sampler, TablePair};
use crate::tail::feed::Feed;
use crate::validate::crud::counts::CountStatus;
use crate::validate::crud::pending::pending_dir;
use crate::validate::crud::{Crud, CrudReport, DeleteMode, Progress, RowKind, StepStatus};
use crate::validate::target::{MySqlDb, Reconnecting, TargetConfig};

/// What a canary run from the panel writes and where it looks for it.
#[derive(Debug, Clone)]
pub struct CanaryConfig {
    pub source: SourceConfig,
    pub target: TargetConfig,
    /// The canary table (`cdc validate --init` makes it) and its name on the target.
    pub table: TablePair,
    /// How long each step may take to arrive.
    pub timeout: Duration,
    pub delete_mode: DeleteMode,
    /// The watched tables, whose counts are compared after the steps.
    pub count_tables: Vec<TablePair>,
    pub settle: Duration,
}

pub struct Watcher {
    sampler: Sampler,
    interval: Duration,
    canary: Option<CanaryConfig>,
    /// Set while a canary's rows may be on the source: whoever ends the tail waits for it.
    busy: Arc<AtomicBool>,
}

impl Watcher {
    /// Samples every `interval`; `canary` is None when there is no target or canary table
    /// (a request is then refused with the reason).
    pub fn new(sampler: Sampler, interval: Duration, canary: Option<CanaryConfig>) -> Watcher {
        Watcher {
            sampler,
            interval,
            canary,
            busy: Arc::new(AtomicBool::new(false)),
        }
    }

    /// True while a canary runs (its rows are then to be removed before the process ends).
    pub fn busy(&self) -> Arc<AtomicBool> {
        self.busy.clone()
    }

    /// Runs until the TUI is gone (the feed closed) or `cancel` is set. A canary under way when `cancel` is set stops waiting and still
    /// removes its rows before this returns.
    pub fn run(mut self, tx: Sender<Feed>, commands: Receiver<PanelCommand>, cancel: &AtomicBool) {
        loop {
            if cancel.load(Ordering::SeqCst) {
                return;
            }
            let began = Instant::now();
            let view = view_of(&self.sampler.sample(), self.target_name());
            if tx.send(Feed::Pipeline(Box::new(view))).is_err() {
                return;
            }
            // Wait out the interval, a canary request cutting it short; a canary's own
            // duration counts as waiting.
            loop {
                if cancel.load(Ordering::SeqCst) {
                    return;
                }
                // Looked at even when the sample outlasted the interval (a heartbeat waited
                // for), so that a request is never starved. Short slices, so that `cancel`
                // is seen within a quarter second.
                let left = self.interval.saturating_sub(began.elapsed());
                match commands.recv_timeout(left.min(Duration::from_millis(250))) {
                    Ok(PanelCommand::RunCanary) => {
                        // busy before cancel is read, the ender sets cancel before reading
                        // busy: either no row is written or the ender waits for the cleanup.
                        self.busy.store(true, Ordering::SeqCst);
                        if cancel.load(Ordering::SeqCst) {
                            self.busy.store(false, Ordering::SeqCst);
                            return;
                        }
                        let open = self.canary_run(&tx, cancel);
                        self.busy.store(false, Ordering::SeqCst);
                        if !open {
                            return;
                        }
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                    // No one left to ask for a canary (none can run): samples go on until
                    // the feed closes.
                    Err(RecvTimeoutError::Disconnected) => {
                        std::thread::sleep(left.min(Duration::from_millis(250)))
                    }
                }
                if began.elapsed() >= self.interval {
                    break;
                }
            }
        }
    }

    fn target_name(&self) -> Option<String> {
        self.sampler
            .config()
            .target
            .as_ref()
            .map(TargetConfig::redacted)
    }

    /// One canary, its progress sent as it goes. False when the TUI is gone.
    fn canary_run(&self, tx: &Sender<Feed>, cancel: &AtomicBool) -> bool {
        let send = |e: CanaryEvent| tx.send(Feed::Canary(e)).is_ok();
        let Some(cfg) = &self.canary else {
            return send(CanaryEvent::Refused(
                "no canary here: give --target, and --canary db.cdc_canary (or a database in \
                 the source URL); cdc validate --init creates the table"
                    .into(),
            ));
        };
        let mut source = match MySqlDb::open(&cfg.source) {
            Ok(s) => s,
            Err(e) => {
                return send(CanaryEvent::Refused(format!(
                    "cannot connect to the source: {e}"
                )))
            }
        };
        let mut target = match cfg.target.open() {
            Ok(t) => Reconnecting::new(cfg.target.clone(), t),
            Err(e) => {
                return send(CanaryEvent::Refused(format!(
                    "cannot connect to the target: {e}"
                )))
            }
        };
        let crud = Crud {
            table: &cfg.table.source,
            row: RowKind::Canary,
            target_table: &cfg.table.target,
            timeout: cfg.timeout,
            poll: Duration::from_millis(100),
            delete_mode: &cfg.delete_mode,
            cancel,
            source_id: format!("{}:{}", cfg.source.host, cfg.source.port),
            pending_dir: pending_dir(),
            count_tables: cfg
                .count_tables
                .iter()
                .map(|p| (p.source.clone(), p.target.clone()))
                .collect(),
            settle: cfg.settle,
        };
        let mut open = true;
        let report = crud.run(&mut source, &mut target, |p| {
            let event = match p {
                Progress::Begun(run_id) => CanaryEvent::Started {
                    run_id: run_id.to_string(),
                },
                Progress::Starting(step) => CanaryEvent::Watching { step },
                Progress::Done(r) => CanaryEvent::Step {
                    step: r.step,
                    arrived: r.status == StepStatus::Arrived,
                    latency_ms: r.latency_ms,
                    message: r.message.clone(),
                },
            };
            // The TUI gone mid-run: the run still ends and cleans up.
            open = open && send(event);
        });
        open && send(CanaryEvent::Finished {
            passed: report.passed() && report.cleaned,
            summary: summary(&report),
        })
    }
}

/// The run in one line: what passed, what did not, whether the source is clean.
fn summary(report: &CrudReport) -> String {
    let mut parts = Vec::new();
    let late: Vec<&str> = report
        .steps
        .iter()
        .filter(|s| s.status != StepStatus::Arrived)
        .map(|s| s.step)
        .collect();
    if report.could_not_run() {
        let why = report
            .steps
            .iter()
            .find(|s| s.status == StepStatus::Failed)
            .map_or(String::new(), |s| s.message.clone());
        parts.push(format!("could not run: {why}"));
    } else if late.is_empty() {
        parts.push("insert, update and delete arrived".to_string());
    } else {
        parts.push(format!("did not arrive: {}", late.join(", ")));
    }
    let differ: Vec<&str> = report
        .counts
        .iter()
        .filter(|c| matches!(c.status, CountStatus::Differs | CountStatus::Error))
        .map(|c| c.table.as_str())
        .collect();
    if !differ.is_empty() {
        parts.push(format!("counts differ: {}", differ.join(", ")));
    }
    if !report.cleaned {
        parts.push(format!(
            "canary rows of run {} are still on the source",
            report.run_id
        ));
    }
    if let Some(p) = report.playbook.as_deref().filter(|_| !report.passed()) {
        parts.push(format!("cdc playbook {p}"));
    }
    parts.join("; ")
}

/// What the panel shows of one sample.
pub fn view_of(sample: &Sample, target: Option<String>) -> PipelineView {
    let e2e = match (&target, &sample.e2e_lag) {
        (None, _) => E2e::NoTarget,
        (Some(_), E2eLag::Seen(d)) => E2e::Seen {
            secs: d.as_secs_f64(),
        },
        (Some(_), E2eLag::Waiting { since }) => E2e::Waiting {
            secs: since.as_secs_f64(),
        },
        (Some(_), E2eLag::Unavailable(why)) => E2e::Unavailable(why.clone()),
    };
    // An offset source that could not be read still gets its line: position.available
    // says why.
    let read = sample
        .stored
        .clone()
        .or_else(|| sample.offset_error.as_ref().map(|_| "--offset".to_string()));
    let stored = read.map(|stored| {
        let check = sample.checks.iter().find(|c| c.id == "position.available");
        let facts = sample.position();
        StoredView {
            stored,
            status: check.map(|c| c.status),
            message: check.map_or(String::new(), |c| {
                if c.status == Status::Skip || c.message.is_empty() {
                    c.observed.clone()
                } else {
                    c.message.clone()
                }
            }),
            bytes_behind: facts.and_then(|f| f.bytes_behind),
            seconds_behind: facts.and_then(|f| f.seconds_behind),
            horizon_s: facts.and_then(|f| f.horizon_s),
            words: facts.map_or(String::new(), |f| f.words.clone()),
        }
    });
    PipelineView {
        target,
        source_up: sample.source_up,
        source_error: sample.source_error.clone(),
        tables: sample.tables.clone(),
        e2e,
        stored,
    }
}
