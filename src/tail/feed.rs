//! What the binlog reader thread sends to whoever shows it (TUI, plain, jsonl).

use super::super::binlog::change::RowChange;
use super::pipeline::{CanaryEvent, PipelineView};

/// Where the reader is, and where the server is.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Positions {
    /// Our position: file and offset of the last event read.
    pub file: String,
    pub pos: u64,
    /// The server's current end (SHOW MASTER STATUS), when known.
    pub server_file: Option<String>,
    pub server_pos: Option<u64>,
    /// Bytes between ours and the server's end, across binlog files (sizes from SHOW BINARY LOGS).
    pub bytes_behind: Option<u64>,
    /// The oldest binlog the server still keeps.
    pub oldest_file: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Feed {
    /// The row changes of one transaction of the watched tables, in order, with its GTID.
    Transaction {
        gtid: Option<String>,
        changes: Vec<RowChange>,
    },
    /// Events were read that are not the watched tables' changes (counts feed the rate meters).
    Progress {
        events: u64,
        bytes: u64,
    },
    /// The server sent a heartbeat: nothing new to read, so the reader is caught up.
    Heartbeat,
    Positions(Positions),
    /// The connection dropped; the reader is reconnecting from the last position.
    Reconnecting {
        attempt: u32,
        reason: String,
    },
    /// The reader stopped for good (message names the playbook where one applies).
    Failed {
        message: String,
        playbook: Option<String>,
    },
    /// `--until` reached, or the end of the files.
    Finished,
    /// The pipeline watcher's latest sample (`--target` / `--offset`).
    Pipeline(Box<PipelineView>),
    /// A canary run's progress.
    Canary(CanaryEvent),
}
