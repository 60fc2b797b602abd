//! A pipeline's stored position, whichever connector wrote it: where it will resume, and what
//! it recorded about the server it read (server_id, event time) to tell a failover or a reset.

use crate::binlog::position::{FilePos, GtidSet};

/// Who wrote the offset: each keeps it in its own shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    /// Debezium (Kafka Connect offsets, the REST API, a JDBC/file offset store).
    Debezium,
    /// Flink CDC's BinlogOffset, as its source reader logs it on each checkpoint.
    FlinkCdc,
    /// A python-mysql-replication app's position file (log_file, log_pos, timestamp).
    PythonMysqlReplication,
}

impl Writer {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Writer::Debezium => "Debezium offset",
            Writer::FlinkCdc => "Flink CDC checkpoint offset",
            Writer::PythonMysqlReplication => "python-mysql-replication position file",
        }
    }
}

/// The position a pipeline will resume from.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredOffset {
    pub writer: Writer,
    /// Where it was read, for messages: a file path, a REST URL, a topic and key.
    pub origin: String,
    pub position: Option<FilePos>,
    pub gtids: Option<GtidSet>,
    /// The server_id of the server the last event came from (Debezium, Flink CDC): another
    /// value than the server's now means the offset was taken on another server.
    pub server_id: Option<u32>,
    /// When the last event it read was written on the source (Debezium/Flink ts_sec), Unix s.
    pub event_time: Option<i64>,
    /// When the pipeline saved it (python-mysql-replication's timestamp), Unix s.
    pub saved_at: Option<f64>,
    /// Events of the transaction at `position` already read, skipped on resume.
    pub skip_events: u64,
    /// Rows of the event after those already read, skipped on resume.
    pub skip_rows: u64,
    /// Debezium's offset while its snapshot has not finished: resuming redoes the snapshot.
    pub snapshot: bool,
}

impl StoredOffset {
    pub(crate) fn new(writer: Writer, origin: impl Into<String>) -> StoredOffset {
        StoredOffset {
            writer,
            origin: origin.into(),
            position: None,
            gtids: None,
            server_id: None,
            event_time: None,
            saved_at: None,
            skip_events: 0,
            skip_rows: 0,
            snapshot: false,
        }
    }

    /// Whether there is anything to resume from.
    pub(crate) fn has_position(&self) -> bool {
        self.position.is_some() || self.gtids.is_some()
    }

    /// "binlog.000003:1234 (gtids 3e11...:1-20), server_id 1": what was read, in one line.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = &self.position {
            parts.push(p.to_string());
        }
        if let Some(g) = &self.gtids {
            parts.push(format!("gtids {g}"));
        }
        if let Some(id) = self.server_id {
            parts.push(format!("server_id {id}"));
        }
        if parts.is_empty() {
            parts.push("no position".into());
        }
        format!("{} ({})", parts.join(", "), self.writer.name())
    }

    /// "skipping 2 events and 1 row of the transaction there", when a resume skips any.
    pub(crate) fn skips(&self) -> Option<String> {
        let plural = |n: u64, one: &str| {
            if n == 1 {
                format!("1 {one}")
            } else {
                format!("{n} {one}s")
            }
        };
        match (self.skip_events, self.skip_rows) {
            (0, 0) => None,
            (e, 0) => Some(format!("skipping {} already read", plural(e, "event"))),
            (0, r) => Some(format!("skipping {} already read", plural(r, "row"))),
            (e, r) => Some(format!(
                "skipping {} and {} already read",
                plural(e, "event"),
                plural(r, "row")
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_what_was_read() {
        let mut o = StoredOffset::new(Writer::Debezium, "offsets.json");
        assert_eq!(o.describe(), "no position (Debezium offset)");
        assert!(!o.has_position());
        o.position = Some("binlog.000003:1234".parse().unwrap());
        o.server_id = Some(7);
        assert_eq!(
            o.describe(),
            "binlog.000003:1234, server_id 7 (Debezium offset)"
        );
        assert_eq!(o.skips(), None);
        o.skip_events = 2;
        o.skip_rows = 1;
        assert_eq!(
            o.skips().unwrap(),
            "skipping 2 events and 1 row already read"
        );
    }
}
