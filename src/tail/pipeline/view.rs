//! What the watcher sends the TUI: plain data, one sample or one canary step at a time.

use crate::checks::result::Status;
use crate::pipeline::TableRows;

/// One look at the pipeline.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PipelineView {
    /// What the panel's rows count against ("postgresql://127.0.0.1:5432/shop"), redacted.
    pub target: Option<String>,
    pub source_up: bool,
    /// Why the source could not be read, when it could not.
    pub source_error: Option<String>,
    pub tables: Vec<TableRows>,
    pub e2e: E2e,
    /// The connector's stored position, when `--offset` was given.
    pub stored: Option<StoredView>,
}

/// End-to-end lag: from the heartbeat row written on the source to its arrival on the target.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum E2e {
    /// No target given: nothing to measure against.
    #[default]
    NoTarget,
    /// The newest heartbeat seen on the target was written this long ago.
    Seen { secs: f64 },
    /// No heartbeat has arrived yet; the first was written this long ago.
    Waiting { secs: f64 },
    /// Why no heartbeat can be written or read (no canary table, ...).
    Unavailable(String),
}

/// The stored position judged against the server (position.available).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StoredView {
    /// Where it was read and what it holds ("retail-offsets.json: mysql-bin.000003:1234").
    pub stored: String,
    pub status: Option<Status>,
    /// The check's message or observation.
    pub message: String,
    pub bytes_behind: Option<u64>,
    pub seconds_behind: Option<f64>,
    pub horizon_s: Option<f64>,
    /// The standing in words ("purged in about 31 h; the connector is 2 h behind").
    pub words: String,
}

/// A `--crud` canary run from the TUI, as it goes.
#[derive(Debug, Clone, PartialEq)]
pub enum CanaryEvent {
    /// The run began (its rows carry this id).
    Started { run_id: String },
    /// A step is being watched for on the target.
    Watching { step: &'static str },
    /// A step ended: arrived (with its latency) or not (message says why).
    Step {
        step: &'static str,
        arrived: bool,
        latency_ms: Option<u64>,
        message: String,
    },
    /// Every step done and the source clean (or not, said in `summary`).
    Finished { passed: bool, summary: String },
    /// The canary cannot run here (no target, no canary table): said instead.
    Refused(String),
}

/// What the TUI asks of the watcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelCommand {
    RunCanary,
}
