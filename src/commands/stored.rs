//! `--position` / `--gtid-set`: a connector's stored position, for the commands that check it
//! against the server (doctor, diagnose, playbook --run).

use crate::binlog::position::{FilePos, GtidSet};
use crate::playbooks::log_position::LogPosition;

#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct StoredArgs {
    /// A connector's stored binlog position to look for (position.available).
    #[arg(long, value_name = "FILE:POS", conflicts_with = "gtid_set")]
    pub(crate) position: Option<FilePos>,
    /// A connector's stored GTID set to look for (position.available).
    #[arg(long, value_name = "SET")]
    pub(crate) gtid_set: Option<GtidSet>,
}

impl StoredArgs {
    pub(crate) fn given(&self) -> bool {
        self.position.is_some() || self.gtid_set.is_some()
    }

    /// What was given, else what a log named.
    pub(crate) fn or_from_log(&self, found: Option<&LogPosition>) -> StoredArgs {
        if self.given() {
            return self.clone();
        }
        match found {
            Some(LogPosition::File(p)) => StoredArgs {
                position: Some(p.clone()),
                gtid_set: None,
            },
            Some(LogPosition::Gtid(g)) => StoredArgs {
                position: None,
                gtid_set: Some(g.clone()),
            },
            None => StoredArgs::default(),
        }
    }
}
