//! Where the server's binlog ends and how far behind a reader is, in bytes across files.

use crate::connection::binlogs::binary_logs;
use crate::connection::sql::Sql;
use crate::tail::feed::Positions;

/// Bytes from (file, pos) to the end of the newest log: the rest of our file plus every
/// newer file. Binlog names sort in order (same base name, zero-padded counter).
pub(crate) fn bytes_behind(logs: &[(String, u64)], file: &str, pos: u64) -> Option<u64> {
    let at = logs.iter().position(|(name, _)| name == file)?;
    let rest_of_ours = logs[at].1.saturating_sub(pos);
    let newer: u64 = logs[at + 1..].iter().map(|(_, size)| size).sum();
    Some(rest_of_ours + newer)
}

/// Our position together with the server's end and oldest file.
pub(crate) fn snapshot(sql: &mut dyn Sql, file: &str, pos: u64) -> Positions {
    let logs = binary_logs(sql).unwrap_or_default();
    Positions {
        file: file.to_string(),
        pos,
        server_file: logs.last().map(|(f, _)| f.clone()),
        server_pos: logs.last().map(|(_, s)| *s),
        bytes_behind: bytes_behind(&logs, file, pos),
        oldest_file: logs.first().map(|(f, _)| f.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logs() -> Vec<(String, u64)> {
        vec![
            ("bin.000007".into(), 1_000),
            ("bin.000008".into(), 2_000),
            ("bin.000009".into(), 500),
        ]
    }

    #[test]
    fn behind_counts_the_rest_of_our_file_and_every_newer_one() {
        assert_eq!(
            bytes_behind(&logs(), "bin.000007", 400),
            Some(600 + 2_000 + 500)
        );
        assert_eq!(bytes_behind(&logs(), "bin.000009", 500), Some(0));
        assert_eq!(
            bytes_behind(&logs(), "bin.000003", 4),
            None,
            "a purged file has no distance"
        );
    }
}
