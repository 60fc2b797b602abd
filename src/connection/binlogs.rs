//! `SHOW BINARY LOGS`: the binlog files a server keeps. The one reader of that statement, for
//! doctor's position check and tail's start, end and lag alike.

use super::sql::{Sql, SqlError};

/// (file, size in bytes), oldest first; Err is the server's refusal (most often a missing
/// privilege: REPLICATION CLIENT, or BINLOG MONITOR on MariaDB 10.5+).
pub fn binary_logs(sql: &mut dyn Sql) -> Result<Vec<(String, u64)>, SqlError> {
    let rows = sql.query("SHOW BINARY LOGS")?;
    Ok(rows
        .rows
        .into_iter()
        .filter_map(|r| {
            let mut it = r.into_iter();
            let name = it.next()??;
            let size = it.next()??.parse().ok()?;
            Some((name, size))
        })
        .collect())
}
