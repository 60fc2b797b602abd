//! `--from` and `--until`: where reading begins and ends.

use crate::connection::sql::Sql;

/// Where to start reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum From {
    /// The server's current end (the default).
    Now,
    /// The oldest binlog still on the server.
    Start,
    Position {
        file: String,
        pos: u64,
    },
    /// A GTID set: MySQL `uuid:1-100[,...]` or MariaDB `domain-server-seq[,...]`.
    Gtid(String),
}

impl std::str::FromStr for From {
    type Err = String;

    fn from_str(s: &str) -> Result<From, String> {
        let s = s.trim();
        match s {
            "now" => return Ok(From::Now),
            "start" => return Ok(From::Start),
            _ => {}
        }
        if let Some(set) = s.strip_prefix("gtid:") {
            if set.trim().is_empty() {
                return Err("gtid: needs a GTID set".into());
            }
            return Ok(From::Gtid(set.trim().to_string()));
        }
        let (file, pos) = s
            .rsplit_once(':')
            .ok_or_else(|| format!("{s:?} is not now, start, FILE:POS or gtid:SET"))?;
        let pos = pos
            .parse::<u64>()
            .map_err(|_| format!("{s:?}: position {pos:?} is not a number"))?;
        if file.is_empty() || pos < 4 {
            return Err(format!(
                "{s:?}: positions start at 4, after the file header"
            ));
        }
        Ok(From::Position {
            file: file.to_string(),
            pos,
        })
    }
}

/// A concrete file and position for `now` / `start` / FILE:POS. GTID starts are handled by
/// the stream request itself.
pub fn resolve(from: &From, logs: &[(String, u64)]) -> Result<Option<(String, u64)>, String> {
    match from {
        From::Now => logs
            .last()
            .map(|(f, size)| Some((f.clone(), *size)))
            .ok_or_else(|| "the server lists no binary logs (is log_bin on?)".to_string()),
        From::Start => logs
            .first()
            .map(|(f, _)| Some((f.clone(), 4)))
            .ok_or_else(|| "the server lists no binary logs (is log_bin on?)".to_string()),
        From::Position { file, pos } => {
            if let Some(oldest) = logs.first() {
                if file.as_str() < oldest.0.as_str() {
                    return Err(format!(
                        "{file} was purged (oldest kept: {}); playbook binlog-position-purged",
                        oldest.0
                    ));
                }
            }
            Ok(Some((file.clone(), *pos)))
        }
        From::Gtid(_) => Ok(None),
    }
}

/// `--until now`: the end position current when the command started.
pub fn end_now(sql: &mut dyn Sql) -> Result<(String, u64), String> {
    let logs = super::positions::binary_logs(sql)?;
    logs.last()
        .cloned()
        .ok_or_else(|| "the server lists no binary logs".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        assert_eq!("now".parse(), Ok(From::Now));
        assert_eq!("start".parse(), Ok(From::Start));
        assert_eq!(
            "mysql-bin.000012:4711".parse(),
            Ok(From::Position {
                file: "mysql-bin.000012".into(),
                pos: 4711
            })
        );
        assert_eq!("gtid:0-1-100".parse(), Ok(From::Gtid("0-1-100".into())));
        assert_eq!(
            "gtid:3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5".parse(),
            Ok(From::Gtid(
                "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5".into()
            ))
        );
        assert!("bin.000001:2".parse::<From>().is_err());
        assert!("yesterday".parse::<From>().is_err());
    }

    #[test]
    fn resolves_against_the_server_logs() {
        let logs = vec![
            ("bin.000003".to_string(), 900),
            ("bin.000004".to_string(), 120),
        ];
        assert_eq!(
            resolve(&From::Now, &logs),
            Ok(Some(("bin.000004".into(), 120)))
        );
        assert_eq!(
            resolve(&From::Start, &logs),
            Ok(Some(("bin.000003".into(), 4)))
        );
        let purged = resolve(
            &From::Position {
                file: "bin.000001".into(),
                pos: 4,
            },
            &logs,
        )
        .unwrap_err();
        assert!(purged.contains("purged"), "{purged}");
        assert!(resolve(&From::Now, &[]).is_err());
    }
}
