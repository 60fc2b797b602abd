//! `--offset` / `--position` / `--gtid-set`: a connector's stored position, for the commands
//! that check it against the server (doctor, diagnose, playbook --run).

use std::time::Duration;

use anyhow::{Context as _, Result};

use crate::binlog::position::{FilePos, GtidSet};
use crate::connection::mysql_url::SourceConfig;
use crate::pipeline::{OffsetSource, Pipeline, StoredOffset};
use crate::playbooks::log_position::LogPosition;

#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct StoredArgs {
    /// Where the pipeline stores its position: a file (python-mysql-replication position
    /// file, Debezium offset JSON, Flink CDC job log), connect+http://HOST:PORT/connectors/NAME
    /// (Kafka Connect REST), or kafka://BROKER:PORT/TOPIC?connector=NAME (the offsets topic).
    #[arg(long, value_name = "SOURCE", conflicts_with_all = ["position", "gtid_set"])]
    pub(crate) offset: Option<OffsetSource>,
    /// A connector's stored binlog position to look for (position.available).
    #[arg(long, value_name = "FILE:POS", conflicts_with = "gtid_set")]
    pub(crate) position: Option<FilePos>,
    /// A connector's stored GTID set to look for (position.available).
    #[arg(long, value_name = "SET")]
    pub(crate) gtid_set: Option<GtidSet>,
    /// What --offset held, once read.
    #[arg(skip)]
    pub(crate) read: Option<StoredOffset>,
}

impl StoredArgs {
    pub(crate) fn given(&self) -> bool {
        self.position.is_some() || self.gtid_set.is_some() || self.read.is_some()
    }

    /// Reads --offset (when given): its position stands in for --position / --gtid-set.
    pub(crate) fn resolve(&self, timeout: Duration) -> Result<(StoredArgs, Option<Pipeline>)> {
        let Some(source) = &self.offset else {
            return Ok((self.clone(), None));
        };
        let pipeline = source
            .read(timeout)
            .context("cannot read the pipeline's stored position (--offset)")?;
        let resolved = StoredArgs {
            offset: self.offset.clone(),
            position: pipeline.offset.position.clone(),
            gtid_set: pipeline.offset.gtids.clone(),
            read: Some(pipeline.offset.clone()),
        };
        Ok((resolved, Some(pipeline)))
    }

    /// The timeout for reading --offset: the source's own bound on network waits.
    pub(crate) fn timeout_of(source: Option<&SourceConfig>) -> Duration {
        source.map_or(Duration::from_secs(5), |s| s.connect_timeout)
    }

    /// What was given, else what a log named.
    pub(crate) fn or_from_log(&self, found: Option<&LogPosition>) -> StoredArgs {
        if self.given() {
            return self.clone();
        }
        match found {
            Some(LogPosition::File(p)) => StoredArgs {
                position: Some(p.clone()),
                ..StoredArgs::default()
            },
            Some(LogPosition::Gtid(g)) => StoredArgs {
                gtid_set: Some(g.clone()),
                ..StoredArgs::default()
            },
            None => StoredArgs::default(),
        }
    }
}
