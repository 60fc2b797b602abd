//! `--from` and `--until`: where reading begins and ends.

use crate::binlog::position::{base_name, BadPosition, FilePos, GtidSet};
use crate::connection::sql::{Sql, SqlError};

/// Where to start reading (`tail --from`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartAt {
    /// The server's current end (the default).
    Now,
    /// The oldest binlog still on the server.
    Start,
    Position(FilePos),
    Gtid(GtidSet),
}

impl std::str::FromStr for StartAt {
    type Err = BadPosition;

    fn from_str(s: &str) -> Result<StartAt, BadPosition> {
        match s.trim() {
            "now" => Ok(StartAt::Now),
            "start" => Ok(StartAt::Start),
            s => match s.strip_prefix("gtid:") {
                Some(set) => Ok(StartAt::Gtid(set.parse()?)),
                None => Ok(StartAt::Position(s.parse()?)),
            },
        }
    }
}

/// Why `--from` cannot start on this server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum StartError {
    /// `now` or `start` on a server without binary logs.
    #[error("the server lists no binary logs (is log_bin on?)")]
    NoBinaryLogs,
    /// FILE:POS in a file older than the oldest the server keeps.
    #[error("{file} was purged (oldest kept: {oldest})")]
    Purged { file: String, oldest: String },
    /// FILE:POS in a file this server never had (another server's, a renamed log, a
    /// numbering reset): the server would only answer a bare 1236.
    #[error("{file} is not on this server: it has {first} .. {last}")]
    NotOnServer {
        file: String,
        first: String,
        last: String,
    },
}

impl StartError {
    /// The playbook that explains it, for the hint.
    pub(crate) fn playbook(&self) -> Option<&'static str> {
        match self {
            StartError::NoBinaryLogs => Some("binlog-disabled"),
            StartError::Purged { .. } => Some("binlog-position-purged"),
            StartError::NotOnServer { .. } => Some("lost-position"),
        }
    }
}

/// A concrete file and position for `now` / `start` / FILE:POS. GTID starts are handled by
/// the stream request itself.
pub(crate) fn resolve(
    from: &StartAt,
    logs: &[(String, u64)],
) -> Result<Option<(String, u64)>, StartError> {
    match from {
        StartAt::Now => logs
            .last()
            .map(|(f, size)| Some((f.clone(), *size)))
            .ok_or(StartError::NoBinaryLogs),
        StartAt::Start => logs
            .first()
            .map(|(f, _)| Some((f.clone(), 4)))
            .ok_or(StartError::NoBinaryLogs),
        StartAt::Position(FilePos { file, pos }) => {
            if let (Some(oldest), Some(newest)) = (logs.first(), logs.last()) {
                if logs.iter().any(|(f, _)| f == file) {
                    return Ok(Some((file.clone(), *pos)));
                }
                // Older than the oldest kept, in this server's own numbering: purged.
                if base_name(file) == base_name(&oldest.0) && file.as_str() < oldest.0.as_str() {
                    return Err(StartError::Purged {
                        file: file.clone(),
                        oldest: oldest.0.clone(),
                    });
                }
                return Err(StartError::NotOnServer {
                    file: file.clone(),
                    first: oldest.0.clone(),
                    last: newest.0.clone(),
                });
            }
            Ok(Some((file.clone(), *pos)))
        }
        StartAt::Gtid(_) => Ok(None),
    }
}

/// `--until now`: the end position current when the command started; None when the server
/// lists no binary logs.
pub(crate) fn end_now(sql: &mut dyn Sql) -> Result<Option<(String, u64)>, SqlError> {
    Ok(crate::connection::binlogs::binary_logs(sql)?
        .last()
        .cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        assert_eq!("now".parse(), Ok(StartAt::Now));
        assert_eq!("start".parse(), Ok(StartAt::Start));
        assert_eq!(
            "mysql-bin.000012:4711".parse(),
            Ok(StartAt::Position(FilePos {
                file: "mysql-bin.000012".into(),
                pos: 4711
            }))
        );
        assert_eq!(
            "gtid:0-1-100".parse(),
            Ok(StartAt::Gtid(GtidSet::Mariadb("0-1-100".into())))
        );
        assert_eq!(
            "gtid:3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5".parse(),
            Ok(StartAt::Gtid(GtidSet::Mysql(
                "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5".into()
            )))
        );
        for bad in [
            "bin.000001:2",
            "yesterday",
            "gtid:",
            "gtid:junk",
            "bin.000001:4294967300",
        ] {
            assert!(bad.parse::<StartAt>().is_err(), "{bad}");
        }
    }

    #[test]
    fn resolves_against_the_server_logs() {
        let logs = vec![
            ("bin.000003".to_string(), 900),
            ("bin.000004".to_string(), 120),
        ];
        assert_eq!(
            resolve(&StartAt::Now, &logs),
            Ok(Some(("bin.000004".into(), 120)))
        );
        assert_eq!(
            resolve(&StartAt::Start, &logs),
            Ok(Some(("bin.000003".into(), 4)))
        );
        let purged = resolve(
            &StartAt::Position(FilePos {
                file: "bin.000001".into(),
                pos: 4,
            }),
            &logs,
        )
        .unwrap_err();
        assert_eq!(
            purged.to_string(),
            "bin.000001 was purged (oldest kept: bin.000003)"
        );
        assert_eq!(purged.playbook(), Some("binlog-position-purged"));
        for elsewhere in ["mysql-bin.000042", "bin.000009", "a.000001"] {
            let e = resolve(
                &StartAt::Position(FilePos {
                    file: elsewhere.into(),
                    pos: 4,
                }),
                &logs,
            )
            .unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("{elsewhere} is not on this server: it has bin.000003 .. bin.000004")
            );
            assert_eq!(e.playbook(), Some("lost-position"));
        }
        assert_eq!(resolve(&StartAt::Now, &[]), Err(StartError::NoBinaryLogs));
        assert_eq!(resolve(&StartAt::Start, &[]), Err(StartError::NoBinaryLogs));
    }
}
