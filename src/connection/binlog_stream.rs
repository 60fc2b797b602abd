//! A session turned into a replica's binlog stream, whose errors are redacted like the
//! session's own.

use mysql_common::binlog::events::Event;

use super::redact::Redactor;
use super::session::{sql_error, Session};
use super::sql::{Sql, SqlError};

/// The events of a binlog dump, in the order the server sends them.
pub struct BinlogEvents {
    stream: mysql::BinlogStream,
    redactor: Redactor,
}

impl Iterator for BinlogEvents {
    type Item = Result<Event, SqlError>;

    fn next(&mut self) -> Option<Self::Item> {
        let next = self.stream.next()?;
        Some(next.map_err(|e| sql_error(&self.redactor, e)))
    }
}

impl Session {
    /// Runs session settings (`SET @...`), then turns the session into a replica's binlog
    /// stream. The session is consumed: a binlog connection can do nothing else.
    pub fn into_binlog_stream(
        mut self,
        setup: &[String],
        request: mysql::BinlogRequest<'_>,
    ) -> Result<BinlogEvents, SqlError> {
        for statement in setup {
            self.query(statement)?;
        }
        log::debug!(
            "binlog dump as server_id {}: {}",
            request.server_id(),
            if request.use_gtid() {
                format!("from GTIDs ({} source ids)", request.sids().len())
            } else {
                format!(
                    "from {}:{}",
                    String::from_utf8_lossy(request.filename()),
                    request.pos()
                )
            }
        );
        let redactor = self.redactor;
        match self.conn.get_binlog_stream(request) {
            Ok(stream) => Ok(BinlogEvents { stream, redactor }),
            Err(e) => Err(sql_error(&redactor, e)),
        }
    }
}
