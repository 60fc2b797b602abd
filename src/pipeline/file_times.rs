//! When each binlog file began: the timestamp of its format description event, read with a
//! short non-blocking binlog dump (SHOW BINARY LOGS gives sizes, never times). A file ends
//! when the next one begins, which is what the purge horizon is measured from.

use std::collections::BTreeMap;

use mysql::{BinlogDumpFlags, BinlogRequest};

use crate::connection::mysql_url::SourceConfig;
use crate::connection::replicas::ids_in_use;
use crate::connection::server::{Flavor, ServerInfo};
use crate::connection::session::Session;
use crate::connection::sql::Sql;
use crate::tail::live::stream::{setup, Start};

const FORMAT_DESCRIPTION: u8 = 15;

/// Start times looked up once each; a file whose start cannot be read stays unknown (None).
pub struct FileTimes {
    source: SourceConfig,
    flavor: Flavor,
    server_id: Option<u32>,
    known: BTreeMap<String, Option<i64>>,
}

impl FileTimes {
    /// The dump registers with a server_id nobody uses (the server drops the older of two
    /// readers with one id: a production connector must never be the one dropped).
    pub fn new(source: &SourceConfig, sql: &mut dyn Sql, server: &ServerInfo) -> FileTimes {
        let (used, _) = ids_in_use(sql, server);
        let server_id = crate::tail::live::server_id::pick(None, &used, std::process::id()).ok();
        FileTimes {
            source: source.clone(),
            flavor: server.flavor,
            server_id,
            known: BTreeMap::new(),
        }
    }

    pub fn started(&mut self, file: &str) -> Option<i64> {
        if let Some(known) = self.known.get(file) {
            return *known;
        }
        let found = self.read(file);
        if found.is_none() {
            log::debug!("the start time of {file} could not be read");
        }
        self.known.insert(file.to_string(), found);
        found
    }

    fn read(&self, file: &str) -> Option<i64> {
        let session = Session::open(&self.source).ok()?;
        let start = Start::Position {
            file: file.to_string(),
            pos: 4,
        };
        let request = BinlogRequest::new(self.server_id?)
            .with_filename(file.as_bytes().to_vec())
            .with_pos(4u64)
            .with_flags(BinlogDumpFlags::BINLOG_DUMP_NON_BLOCK);
        let setup = setup(self.flavor, &start, std::time::Duration::from_secs(30));
        let events = session.into_binlog_stream(&setup, request).ok()?;
        // The fake rotate event comes first (timestamp 0), then the file's own header.
        for event in events.take(4) {
            let event = event.ok()?;
            let header = event.header();
            if header.event_type_raw() == FORMAT_DESCRIPTION && header.timestamp() > 0 {
                return Some(i64::from(header.timestamp()));
            }
        }
        None
    }
}
