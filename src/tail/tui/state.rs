//! Everything the `cdc tail` screen shows, as plain data. Only `update` changes it; `draw` reads it.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::panel::Panel;
use crate::binlog::change::{Op, RowChange};
use crate::tail::feed::Positions;

/// How many one-second rate buckets are kept (the sparklines' width in seconds).
pub(crate) const RATE_SECONDS: usize = 60;

/// One configuration fact about the server, shown as a badge in the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    pub(crate) label: String,
    pub(crate) value: String,
    /// Whether the value is what CDC wants (green) or not (red).
    pub(crate) ok: bool,
}

impl Badge {
    pub fn new(label: impl Into<String>, value: impl Into<String>, ok: bool) -> Badge {
        Badge {
            label: label.into(),
            value: value.into(),
            ok,
        }
    }
}

/// What is known at connect time and does not change while tailing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Header {
    /// The server as the user named it ("db1.internal:3306").
    pub server: String,
    /// "MySQL" or "MariaDB".
    pub flavor: String,
    /// `SELECT VERSION()` ("11.4.2-MariaDB-log").
    pub version: String,
    /// The watched table(s), "retail_db.orders".
    pub table: String,
    /// binlog format, row image, row metadata, compression, GTID, ...
    pub badges: Vec<Badge>,
    /// Column names (and the key) were read from information_schema, not from the table map.
    pub names_from_information_schema: bool,
    /// The primary key's columns; empty: the first column is shown as the key.
    pub key_columns: Vec<String>,
    /// Server clock minus local clock, measured at connect (seconds).
    pub skew_secs: i64,
}

/// One row change as the list keeps it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    /// Change number since start, from 1: stable while older entries are dropped.
    pub(crate) id: u64,
    /// Transaction number since start, from 1: consecutive entries with the same number
    /// are one transaction.
    pub(crate) txn: u64,
    /// The transaction's GTID and how many rows it changed in all (some may be filtered or dropped).
    pub(crate) txn_gtid: Option<String>,
    pub(crate) txn_rows: usize,
    pub(crate) change: RowChange,
    /// The key columns' values as text ("1042", or "7,1042" for a composite key).
    pub(crate) key: String,
    /// Updates: the columns whose before and after differ, in table order.
    pub(crate) changed: Vec<String>,
}

/// Counts for one second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Bucket {
    pub(crate) events: u64,
    pub(crate) rows: u64,
    pub(crate) bytes: u64,
}

/// Rates over one-second buckets: the second being counted and up to [`RATE_SECONDS`] finished ones.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Rates {
    /// Unix second of `current`; 0 before the first tick.
    pub(crate) second: u64,
    pub(crate) current: Bucket,
    /// Finished seconds, oldest first, at most [`RATE_SECONDS`].
    pub(crate) history: VecDeque<Bucket>,
}

impl Rates {
    /// The last finished second (what "per second" shows).
    pub(crate) fn last(&self) -> Bucket {
        self.history.back().copied().unwrap_or_default()
    }
}

/// Which operations the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OpFilter {
    pub(crate) inserts: bool,
    pub(crate) updates: bool,
    pub(crate) deletes: bool,
}

impl Default for OpFilter {
    fn default() -> Self {
        OpFilter {
            inserts: true,
            updates: true,
            deletes: true,
        }
    }
}

impl OpFilter {
    pub(crate) fn shows(&self, op: Op) -> bool {
        match op {
            Op::Insert => self.inserts,
            Op::Update => self.updates,
            Op::Delete => self.deletes,
        }
    }

    pub(crate) fn is_all(&self) -> bool {
        self.inserts && self.updates && self.deletes
    }
}

/// Totals since start (not bounded by the list's capacity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Totals {
    pub(crate) txns: u64,
    pub(crate) inserts: u64,
    pub(crate) updates: u64,
    pub(crate) deletes: u64,
    /// Events read (transactions of the watched tables count one each, plus `Progress` events).
    pub(crate) events: u64,
    pub(crate) bytes: u64,
    pub(crate) heartbeats: u64,
    /// `Reconnecting` messages received.
    pub(crate) reconnects: u64,
    /// Changes dropped from the list because it was full (the oldest go first).
    pub(crate) dropped: u64,
}

impl Totals {
    pub(crate) fn changes(&self) -> u64 {
        self.inserts + self.updates + self.deletes
    }
}

/// The reader stopped for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    pub(crate) playbook: Option<String>,
}

/// Whether the reader has something left to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sync {
    /// Nothing heard yet.
    Unknown,
    /// Events are arriving; the server's end is not known to be reached.
    Reading,
    /// Heartbeats arrive and there is nothing to read (or the server's end equals ours).
    CaughtUp,
    /// The server's end is this many bytes past ours.
    Behind(u64),
    Reconnecting,
    Finished,
    Failed,
}

/// Order of arrival of the last message of each kind (to tell which is newer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Seen {
    pub(crate) counter: u64,
    pub(crate) data: u64,
    pub(crate) heartbeat: u64,
    pub(crate) positions: u64,
}

#[derive(Debug, Clone)]
pub struct App {
    pub(crate) header: Header,
    /// At most this many changes are kept in `changes`, and at most this many in `pending`.
    pub(crate) capacity: usize,
    /// The list, oldest first.
    pub(crate) changes: VecDeque<Entry>,
    /// Changes that arrived while paused, shown on resume (oldest dropped past `capacity`).
    pub(crate) pending: VecDeque<Entry>,
    pub(crate) next_change: u64,
    pub(crate) next_txn: u64,
    pub(crate) paused: bool,
    pub(crate) totals: Totals,
    pub(crate) positions: Option<Positions>,
    /// Commit time (Unix seconds, server clock) of the last change received.
    pub(crate) last_commit_ts: Option<u32>,
    /// Local time the last change or progress arrived, and the last heartbeat.
    pub(crate) last_data_at: Option<SystemTime>,
    pub(crate) last_heartbeat_at: Option<SystemTime>,
    pub(crate) seen: Seen,
    /// Set while the reader reconnects: (attempt, reason).
    pub(crate) reconnecting: Option<(u32, String)>,
    pub(crate) failed: Option<Failure>,
    pub(crate) finished: bool,
    pub(crate) rates: Rates,
    pub(crate) filter: OpFilter,
    /// The applied key search (case-insensitive substring of the key text).
    pub(crate) search: Option<String>,
    /// `v`: the detail pane shows whole values, wrapped, instead of one line each.
    pub(crate) full_values: bool,
    /// The search being typed (`/` opens it, Enter applies, Esc cancels).
    pub(crate) search_input: Option<String>,
    /// The selected change's id; `None` follows the newest.
    pub(crate) selected: Option<u64>,
    /// Rows a PageUp/PageDown moves (the list's height, set by the loop).
    pub(crate) page: usize,
    /// Local time of the last update or tick: what "now" means on screen.
    pub(crate) now: SystemTime,
    /// The pipeline panel, when a target or a stored position is watched.
    pub(crate) pipeline: Option<Panel>,
}

impl App {
    pub fn new(header: Header, capacity: usize) -> App {
        App {
            header,
            capacity: capacity.max(1),
            changes: VecDeque::new(),
            pending: VecDeque::new(),
            next_change: 1,
            next_txn: 1,
            paused: false,
            totals: Totals::default(),
            positions: None,
            last_commit_ts: None,
            last_data_at: None,
            last_heartbeat_at: None,
            seen: Seen::default(),
            reconnecting: None,
            failed: None,
            finished: false,
            rates: Rates::default(),
            filter: OpFilter::default(),
            search: None,
            full_values: false,
            search_input: None,
            selected: None,
            page: 10,
            now: UNIX_EPOCH,
            pipeline: None,
        }
    }

    /// [`App::new`] with the pipeline panel: counts may differ for `settle` before that is
    /// more than lag; `canary` says whether `c` can run one.
    pub fn with_pipeline(header: Header, capacity: usize, settle: Duration, canary: bool) -> App {
        App {
            pipeline: Some(Panel::new(settle, canary)),
            ..App::new(header, capacity)
        }
    }

    /// Whether an entry passes the op filter and the key search.
    pub(crate) fn shows(&self, e: &Entry) -> bool {
        self.filter.shows(e.change.op)
            && match &self.search {
                Some(s) => e.key.to_lowercase().contains(&s.to_lowercase()),
                None => true,
            }
    }

    /// The entries the list shows, oldest first.
    pub(crate) fn visible(&self) -> Vec<&Entry> {
        self.changes.iter().filter(|e| self.shows(e)).collect()
    }

    /// Index in `visible` of the selected entry (the newest when following); `None` when empty.
    pub(crate) fn selected_index(&self, visible: &[&Entry]) -> Option<usize> {
        if visible.is_empty() {
            return None;
        }
        Some(match self.selected {
            None => visible.len() - 1,
            Some(id) => visible
                .partition_point(|e| e.id < id)
                .min(visible.len() - 1),
        })
    }

    /// The entry the detail pane shows.
    pub(crate) fn selected_entry(&self) -> Option<&Entry> {
        let visible = self.visible();
        self.selected_index(&visible).map(|i| visible[i])
    }

    /// Commit lag in seconds: local now, moved onto the server's clock by the measured skew,
    /// minus the commit time of the last change.
    pub(crate) fn commit_lag_secs(&self) -> Option<i64> {
        let ts = self.last_commit_ts?;
        Some(unix_secs(self.now) as i64 + self.header.skew_secs - i64::from(ts))
    }

    /// Seconds since the last change or progress arrived (local clock).
    pub(crate) fn idle_secs(&self) -> Option<u64> {
        let at = self.last_data_at?;
        Some(
            self.now
                .duration_since(at)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        )
    }

    /// Caught up, behind, reading, ...: from what arrived last.
    pub(crate) fn sync(&self) -> Sync {
        if self.failed.is_some() {
            return Sync::Failed;
        }
        if self.finished {
            return Sync::Finished;
        }
        if self.reconnecting.is_some() {
            return Sync::Reconnecting;
        }
        let behind = self.positions.as_ref().and_then(|p| p.bytes_behind);
        let seen = self.seen;
        match behind {
            Some(b) if b > 0 && seen.positions > seen.heartbeat => Sync::Behind(b),
            _ if seen.heartbeat > 0 && seen.heartbeat > seen.data => Sync::CaughtUp,
            Some(0) if seen.positions > seen.data => Sync::CaughtUp,
            _ if seen.data > 0 => Sync::Reading,
            _ => Sync::Unknown,
        }
    }
}

pub(crate) fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
