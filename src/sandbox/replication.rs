//! Pointing a local replica at a local source by GTID (auto-position on MySQL, slave_pos on
//! MariaDB) and waiting until it has caught up: the sandbox's `--replica` and the tests'.

use super::client::root_query_value;
use super::{LocalServer, SandboxError};

/// Makes `replica` replicate, as root, from the server of the same flavor on `source_port`.
pub fn replicate_from(replica: &LocalServer, source_port: u16) -> Result<(), SandboxError> {
    let sql = if replica.binary().is_mysql() {
        format!(
            "STOP REPLICA; CHANGE REPLICATION SOURCE TO SOURCE_HOST='127.0.0.1', \
             SOURCE_PORT={source_port}, SOURCE_USER='root', SOURCE_PASSWORD='', \
             SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1; START REPLICA"
        )
    } else {
        format!(
            "STOP SLAVE; CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={source_port}, \
             MASTER_USER='root', MASTER_PASSWORD='', MASTER_USE_GTID=slave_pos; START SLAVE"
        )
    };
    replica.exec(&sql)
}

/// Waits up to `secs` until `replica` has applied everything the source on `source_port`
/// has logged so far; false when it has not by then.
pub fn wait_caught_up(
    replica: &LocalServer,
    source_port: u16,
    secs: u32,
) -> Result<bool, SandboxError> {
    let (position, wait) = if replica.binary().is_mysql() {
        (
            "SELECT @@GLOBAL.gtid_executed",
            "WAIT_FOR_EXECUTED_GTID_SET",
        )
    } else {
        ("SELECT @@GLOBAL.gtid_binlog_pos", "MASTER_GTID_WAIT")
    };
    let pos = root_query_value(source_port, position)?.unwrap_or_default();
    let waited = replica.query_value(&format!("SELECT {wait}('{pos}', {secs})"))?;
    Ok(waited.as_deref() == Some("0"))
}
