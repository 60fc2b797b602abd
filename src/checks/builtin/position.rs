//! position.available: is a connector's stored position (FILE:POS or a GTID set) still on the
//! server, or was it purged while the connector was down?

use std::collections::BTreeMap;

use crate::binlog::gtid::BadGtid;
use crate::binlog::position::{base_name, FilePos, GtidSet};
use crate::checks::context::Context;
use crate::checks::probe::{Level, Outcome};
use crate::checks::result::PositionFacts;
use crate::connection::binlogs::binary_logs;
use crate::connection::server::Flavor;
use crate::connection::server::{Platform, ServerInfo};
use crate::connection::sql::literal;
use crate::connection::sql::Sql;
use crate::pipeline::file_times::FileTimes;
use crate::pipeline::standing::{self, Retention};
use crate::pipeline::StoredOffset;

pub(crate) fn run(ctx: &mut Context) -> Outcome {
    let Some(server) = ctx.server.clone() else {
        return Outcome::Skip("no server information".into());
    };
    let flavor = server.flavor;
    let options = ctx.options;
    let offset = options.offset.as_ref();
    let (position, gtid_set) = match offset {
        Some(o) => (o.position.clone(), o.gtids.clone()),
        None => (options.position.clone(), options.gtid_set.clone()),
    };
    let Some(sql) = ctx.sql.as_deref_mut() else {
        return Outcome::Skip("no connection".into());
    };
    // A connector resumes by GTID when its offset has them; the file is then only a hint.
    let by_gtid = gtid_set.is_some();
    let verdict = match (&position, &gtid_set) {
        (_, Some(GtidSet::Mysql(g))) if flavor == Flavor::Mysql => match mysql_gtid(sql, g) {
            Ok(v) => v,
            Err(e) => return Outcome::Error(e),
        },
        (_, Some(GtidSet::Mariadb(g))) if flavor == Flavor::Mariadb => match mariadb_gtid(sql, g) {
            Ok(v) => v,
            Err(e) => return Outcome::Error(e),
        },
        (_, Some(g)) => {
            let name = |f| match f {
                Flavor::Mysql => "MySQL",
                Flavor::Mariadb => "MariaDB",
            };
            let of_set = match g {
                GtidSet::Mysql(_) => Flavor::Mysql,
                GtidSet::Mariadb(_) => Flavor::Mariadb,
            };
            Verdict::elsewhere(
                format!("a {} server", name(flavor)),
                format!(
                    "{g} is a {} GTID set: a position from another server, or offsets mixed up?",
                    name(of_set)
                ),
            )
        }
        (Some(p), None) => match binary_logs(sql) {
            Ok(files) => judge_file_position(&files, &p.file, p.pos),
            Err(e) => return Outcome::Error(format!("cannot list binary logs: {e}")),
        },
        (None, None) => {
            return Outcome::Skip(
                "no stored position given (--offset SOURCE, --position FILE:POS or --gtid-set SET)"
                    .into(),
            )
        }
    };
    let verdict = match offset {
        Some(o) => identity(verdict, o, &server, by_gtid),
        None => verdict,
    };
    let verdict = match (&position, verdict.level) {
        (Some(p), Level::Ok) => with_standing(verdict, ctx, &server, p, offset),
        (_, Level::Violation) if !verdict.elsewhere => {
            // Purged: nothing left to wait for.
            ctx.attached.position = Some(PositionFacts {
                horizon_s: Some(0.0),
                bytes_behind: None,
                seconds_behind: None,
                words: "purged".into(),
            });
            verdict
        }
        _ => verdict,
    };
    let verdict = match offset.and_then(|o| o.skips()) {
        Some(skips) if verdict.level == Level::Ok => Verdict {
            observed: format!("{} ({skips})", verdict.observed),
            ..verdict
        },
        _ => verdict,
    };
    if verdict.elsewhere {
        ctx.attached.playbook = Some(verdict.playbook.unwrap_or(FAILOVER_PLAYBOOK).to_string());
    }
    Outcome::from(verdict)
}

/// Re-pointing a connector whose offset is another server's.
const FAILOVER_PLAYBOOK: &str = "connector-after-failover";

/// The offset's own record of the server it read (server_id): another id than this
/// server's means a failover, a restore or a new server behind the same address. A GTID
/// offset that this server contains carries over; a file position never does.
fn identity(
    verdict: Verdict,
    offset: &StoredOffset,
    server: &ServerInfo,
    by_gtid: bool,
) -> Verdict {
    let own: Option<u32> = server.variable("server_id").and_then(|v| v.parse().ok());
    let (Some(theirs), Some(own)) = (offset.server_id, own) else {
        return verdict;
    };
    if theirs == own {
        return verdict;
    }
    match verdict.level {
        Level::Ok if by_gtid => Verdict {
            observed: format!(
                "{}; the offset was taken on server_id {theirs}, this is server_id {own} (a failover: it resumes by GTID)",
                verdict.observed
            ),
            ..verdict
        },
        Level::Ok => Verdict::elsewhere(
            format!("offset from server_id {theirs}; this server is server_id {own}"),
            format!(
                "the offset ({}) was taken on server_id {theirs}, but this server is server_id {own}: a failover, restore or new server behind the same address. A file position means nothing on another server; re-point the connector (GTIDs carry across servers, file positions do not)",
                offset.describe()
            ),
        ),
        _ => verdict,
    }
}

/// A usable position: how far behind it is and when it will be purged. A horizon under an
/// hour (or under --max-downtime) is a warning: the connector may not get there in time.
fn with_standing(
    verdict: Verdict,
    ctx: &mut Context,
    server: &ServerInfo,
    at: &FilePos,
    offset: Option<&StoredOffset>,
) -> Verdict {
    let Some(sql) = ctx.sql.as_deref_mut() else {
        return verdict;
    };
    let Ok(files) = binary_logs(sql) else {
        return verdict;
    };
    if !files.iter().any(|(n, _)| *n == at.file) {
        // Resumes by GTID from a file that is gone: no file to time.
        return verdict;
    }
    let retention = retention_of(sql, server);
    let mut times = ctx
        .options
        .binlog_source
        .as_ref()
        .map(|source| FileTimes::new(source, sql, server));
    let mut started = |file: &str| times.as_mut().and_then(|t| t.started(file));
    let now = ctx.options.now.unwrap_or_else(unix_now);
    let standing = standing::measure(
        &files,
        at,
        retention,
        &mut started,
        offset.and_then(|o| o.event_time),
        now,
    );
    let words = standing.in_words();
    ctx.attached.position = Some(PositionFacts {
        horizon_s: standing.horizon_s,
        bytes_behind: standing.bytes_behind,
        seconds_behind: standing.seconds_behind,
        words: words.clone(),
    });
    let margin = ctx
        .options
        .max_downtime
        .map_or(3600.0, |d| d.as_secs_f64().max(3600.0));
    let observed = format!("{}; {words}", verdict.observed);
    match standing.horizon_s {
        Some(h) if h < margin => Verdict {
            level: Level::Warn,
            observed,
            message: format!(
                "the stored position is purged in about {} ({}): unless the connector gets past {} first, it will have to re-snapshot",
                standing::words(h),
                standing.basis,
                at.file
            ),
            ..verdict
        },
        _ => Verdict {
            observed,
            message: standing.basis,
            ..verdict
        },
    }
}

/// How this server purges binlogs: by age (RDS/Aurora by their own hours), and MariaDB
/// 11.4+ also by total size.
fn retention_of(sql: &mut dyn Sql, server: &ServerInfo) -> Retention {
    let age = match server.platform {
        Platform::Rds | Platform::Aurora => {
            let hours = sql
                .query(super::retention::RDS_RETENTION)
                .ok()
                .and_then(|r| r.scalar().flatten().map(str::to_string));
            super::retention::from_rds_hours(server.platform, hours.as_deref()).as_number()
        }
        _ => super::retention::from_variables(server).as_number(),
    };
    let num = |name: &str| server.variable(name).and_then(|v| v.parse::<u64>().ok());
    Retention {
        seconds: age.filter(|s| s.is_finite()),
        total_bytes: num("max_binlog_total_size")
            .or_else(|| num("binlog_space_limit"))
            .filter(|b| *b > 0),
        file_bytes: num("max_binlog_size").unwrap_or(1 << 30),
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The verdict for FILE:POS against the server's binlog list (name, size), oldest first.
pub(crate) fn judge_file_position(files: &[(String, u64)], file: &str, pos: u64) -> Verdict {
    let (Some(first), Some(last)) = (files.first(), files.last()) else {
        return Verdict::elsewhere(
            "no binary logs".into(),
            "the server lists no binary logs".into(),
        );
    };
    let observed = format!("binlogs {} .. {}", first.0, last.0);
    match files.iter().find(|(n, _)| n == file) {
        Some((_, size)) if pos <= *size => Verdict::ok(format!("{file}:{pos} is on the server ({observed})")),
        Some((_, size)) => Verdict::elsewhere(
            observed,
            format!("{file} is only {size} bytes: position {pos} lies past its end (a position from another server?)"),
        ),
        None if base_name(file) != base_name(&first.0) => Verdict::elsewhere(
            observed,
            format!(
                "{file} is not a binary log of this server (its logs are named {}.NNNNNN): a position from another server, or log_bin renamed?",
                base_name(&first.0)
            ),
        ),
        None if file < first.0.as_str() => Verdict::purged(
            observed,
            format!("{file} was purged (oldest kept: {}): the connector cannot resume and must re-snapshot", first.0),
        ),
        None => Verdict::elsewhere(
            observed,
            format!("{file} is past this server's newest binlog, {}: the numbering went backwards (RESET MASTER, a restore or a new server behind the same address) or the position is another server's; the connector would wait for a file that never comes", last.0),
        ),
    }
}

/// What a stored position comes to: usable, purged (retention and a re-snapshot are the
/// fixes), or never this server's (re-pointing the connector is: the check's retention fixes
/// would send the reader astray).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Verdict {
    pub(crate) level: Level,
    pub(crate) observed: String,
    pub(crate) message: String,
    elsewhere: bool,
    /// The playbook for an `elsewhere` verdict, when not the failover one.
    playbook: Option<&'static str>,
}

impl Verdict {
    fn ok(observed: String) -> Verdict {
        Verdict {
            level: Level::Ok,
            observed,
            message: String::new(),
            elsewhere: false,
            playbook: None,
        }
    }

    fn purged(observed: String, message: String) -> Verdict {
        Verdict {
            level: Level::Violation,
            observed,
            message,
            elsewhere: false,
            playbook: None,
        }
    }

    fn elsewhere(observed: String, message: String) -> Verdict {
        Verdict {
            elsewhere: true,
            ..Verdict::purged(observed, message)
        }
    }
}

impl From<Verdict> for Outcome {
    fn from(v: Verdict) -> Outcome {
        let outcome = Outcome::verdict(v.level, v.observed, v.message);
        if v.elsewhere {
            outcome.without_check_fixes()
        } else {
            outcome
        }
    }
}

fn mysql_gtid(sql: &mut dyn Sql, set: &str) -> Result<Verdict, String> {
    let q = format!(
        "SELECT GTID_SUBSET(@@GLOBAL.gtid_purged, {s}), GTID_SUBSET({s}, @@GLOBAL.gtid_executed), @@GLOBAL.gtid_purged, @@GLOBAL.gtid_executed",
        s = literal(set)
    );
    let rows = sql
        .query(&q)
        .map_err(|e| format!("cannot compare GTID sets: {e}"))?;
    let cell = |i: usize| rows.rows.first().and_then(|r| r.get(i).cloned().flatten());
    let purged = cell(2).unwrap_or_default();
    let executed = cell(3).unwrap_or_default();
    Ok(match (cell(0).as_deref(), cell(1).as_deref()) {
        (Some("1"), Some("1")) => Verdict::ok(format!("available (gtid_purged={purged})")),
        (Some("0"), _) => Verdict::purged(
            format!("gtid_purged={purged}"),
            "the server purged transactions the connector has not read yet: it cannot resume and must re-snapshot".into(),
        ),
        _ => {
            let unknown: Vec<String> = uuids(set)
                .into_iter()
                .filter(|u| !uuids(&executed).contains(u))
                .collect();
            if unknown.is_empty() {
                Verdict {
                    playbook: Some("gtid-set-not-on-source"),
                    ..Verdict::elsewhere(
                        "not a subset of gtid_executed".into(),
                        "the stored set has transactions this server never executed: the connector is ahead of this server (a failover to a server missing transactions?)".into(),
                    )
                }
            } else {
                Verdict::elsewhere(
                    format!("gtid_executed has no {}", unknown.join(", ")),
                    format!(
                        "the stored GTIDs name server uuid {} that this server has never executed: the offset is another server's (a restore, Blue/Green switchover or RESET); re-point the connector",
                        unknown.join(", ")
                    ),
                )
            }
        }
    })
}

/// The source uuids a MySQL GTID set names, lower case.
fn uuids(set: &str) -> Vec<String> {
    set.split(',')
        .filter_map(|p| p.trim().split(':').next())
        .filter(|u| !u.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

fn mariadb_gtid(sql: &mut dyn Sql, set: &str) -> Result<Verdict, String> {
    let stored = parse_mariadb_gtids(set).map_err(|e| e.to_string())?;
    let oldest = binary_logs(sql)
        .map_err(|e| format!("cannot list binary logs: {e}"))?
        .into_iter()
        .next()
        .map(|(name, _)| name);
    let Some(oldest) = oldest else {
        return Ok(Verdict::elsewhere(
            "no binary logs".into(),
            "the server lists no binary logs".into(),
        ));
    };
    // The Gtid_list event at the start of the oldest binlog holds what came before it: purged.
    let events = sql
        .query(&format!(
            "SHOW BINLOG EVENTS IN {} LIMIT 4",
            literal(&oldest)
        ))
        .map_err(|e| format!("cannot read {oldest}: {e}"))?;
    let info_col = events.column("Info").unwrap_or(5);
    let type_col = events.column("Event_type").unwrap_or(2);
    let purged_list = events
        .rows
        .iter()
        .find(|r| r.get(type_col).cloned().flatten().as_deref() == Some("Gtid_list"))
        .and_then(|r| r.get(info_col).cloned().flatten())
        .unwrap_or_default();
    let purged = parse_mariadb_gtids(purged_list.trim_matches(['[', ']'])).unwrap_or_default();
    let current = sql
        .query("SELECT @@GLOBAL.gtid_binlog_pos")
        .ok()
        .and_then(|r| r.scalar().flatten().map(str::to_string))
        .unwrap_or_default();
    let current = parse_mariadb_gtids(&current).unwrap_or_default();
    Ok(judge_mariadb(&stored, &purged, &current))
}

type DomainSeqs = BTreeMap<u32, u64>;

/// "0-1-100,1-2-5" → domain → sequence number.
pub(crate) fn parse_mariadb_gtids(s: &str) -> Result<DomainSeqs, BadGtid> {
    let mut out = BTreeMap::new();
    for g in s.split(',').map(str::trim).filter(|g| !g.is_empty()) {
        let parts: Vec<&str> = g.split('-').collect();
        let parsed = match parts.as_slice() {
            [d, _server, seq] => d.parse::<u32>().ok().zip(seq.parse::<u64>().ok()),
            _ => None,
        };
        let (d, seq) = parsed.ok_or_else(|| BadGtid::Mariadb(g.to_string()))?;
        out.insert(d, seq);
    }
    Ok(out)
}

pub(crate) fn judge_mariadb(
    stored: &DomainSeqs,
    purged: &DomainSeqs,
    current: &DomainSeqs,
) -> Verdict {
    let observed = format!("purged up to {}", show(purged));
    for (domain, &p) in purged {
        let s = stored.get(domain).copied().unwrap_or(0);
        if s < p {
            return Verdict::purged(
                observed,
                format!("domain {domain}: the connector is at sequence {s} but the server purged up to {p}: it cannot resume and must re-snapshot"),
            );
        }
    }
    for (domain, &s) in stored {
        let c = current.get(domain).copied().unwrap_or(0);
        if s > c {
            return Verdict::elsewhere(
                observed,
                format!("domain {domain}: the stored sequence {s} is ahead of the server's {c}: a position from another server?"),
            );
        }
    }
    Verdict::ok(format!("available ({observed})"))
}

fn show(m: &DomainSeqs) -> String {
    if m.is_empty() {
        return "nothing".into();
    }
    m.iter()
        .map(|(d, s)| format!("domain {d} seq {s}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<(String, u64)> {
        vec![
            ("binlog.000020".into(), 1_000),
            ("binlog.000021".into(), 500),
        ]
    }

    #[test]
    fn file_positions() {
        assert_eq!(
            judge_file_position(&files(), "binlog.000021", 400).level,
            Level::Ok
        );
        let Verdict {
            level: l,
            message: m,
            ..
        } = judge_file_position(&files(), "binlog.000012", 4);
        assert_eq!(l, Level::Violation);
        assert!(m.contains("purged (oldest kept: binlog.000020)"), "{m}");
        let m = judge_file_position(&files(), "binlog.000021", 900).message;
        assert!(m.contains("past its end"), "{m}");
        let m = judge_file_position(&files(), "binlog.000099", 4).message;
        assert!(m.contains("numbering went backwards"), "{m}");
        // Sorts before the oldest kept log, but no log of this server ever had that name.
        let Verdict {
            level: l,
            message: m,
            ..
        } = judge_file_position(&files(), "awsbin.000001", 4);
        assert_eq!(l, Level::Violation);
        assert!(m.contains("not a binary log of this server"), "{m}");
        assert!(!m.contains("purged"), "{m}");
        // Another server's position is not a retention matter: no retention fix with it.
        let fixes = |file: &str| match Outcome::from(judge_file_position(&files(), file, 4)) {
            Outcome::Verdict { check_fixes, .. } => check_fixes,
            other => panic!("{other:?}"),
        };
        assert!(
            fixes("binlog.000012"),
            "purged: raise retention, re-snapshot"
        );
        assert!(!fixes("awsbin.000001"));
        assert!(!fixes("binlog.000099"));
    }

    #[test]
    fn mariadb_gtid_positions() {
        let p = |s: &str| parse_mariadb_gtids(s).unwrap();
        assert_eq!(
            judge_mariadb(&p("0-1-50"), &p("0-1-40"), &p("0-1-60")).level,
            Level::Ok
        );
        let Verdict {
            level: l,
            message: m,
            ..
        } = judge_mariadb(&p("0-1-30"), &p("0-1-40"), &p("0-1-60"));
        assert_eq!(l, Level::Violation);
        assert!(m.contains("purged up to 40"), "{m}");
        let m = judge_mariadb(&p("0-1-70"), &p(""), &p("0-1-60")).message;
        assert!(m.contains("ahead"), "{m}");
        assert_eq!(
            parse_mariadb_gtids("0-1-5, 3E11FA47:1-5"),
            Err(BadGtid::Mariadb("3E11FA47:1-5".into()))
        );
        assert_eq!(
            parse_mariadb_gtids("0-1").unwrap_err().to_string(),
            "\"0-1\" is not a MariaDB GTID (domain-server-sequence)"
        );
    }
}
