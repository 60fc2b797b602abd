//! position.available: is a connector's stored position (FILE:POS or a GTID set) still on the
//! server, or was it purged while the connector was down?

use std::collections::BTreeMap;

use crate::binlog::gtid::BadGtid;
use crate::binlog::position::{base_name, FilePos, GtidSet};
use crate::checks::context::Context;
use crate::checks::probe::{Level, Outcome};
use crate::connection::binlogs::binary_logs;
use crate::connection::server::Flavor;
use crate::connection::sql::literal;
use crate::connection::sql::Sql;

pub(crate) fn run(ctx: &mut Context) -> Outcome {
    let flavor = match &ctx.server {
        Some(s) => s.flavor,
        None => return Outcome::Skip("no server information".into()),
    };
    let (position, gtid_set) = (ctx.options.position.clone(), ctx.options.gtid_set.clone());
    let Some(sql) = ctx.sql.as_deref_mut() else {
        return Outcome::Skip("no connection".into());
    };
    match (position, gtid_set) {
        (Some(p), _) => file_position(sql, &p),
        (None, Some(GtidSet::Mysql(g))) if flavor == Flavor::Mysql => mysql_gtid(sql, &g),
        (None, Some(GtidSet::Mariadb(g))) if flavor == Flavor::Mariadb => mariadb_gtid(sql, &g),
        (None, Some(g)) => {
            let name = |f| match f {
                Flavor::Mysql => "MySQL",
                Flavor::Mariadb => "MariaDB",
            };
            let of_set = match g {
                GtidSet::Mysql(_) => Flavor::Mysql,
                GtidSet::Mariadb(_) => Flavor::Mariadb,
            };
            Outcome::verdict(
                Level::Violation,
                format!("a {} server", name(flavor)),
                format!(
                    "{g} is a {} GTID set: a position from another server, or offsets mixed up?",
                    name(of_set)
                ),
            )
            .without_check_fixes()
        }
        (None, None) => {
            Outcome::Skip("no stored position given (--position FILE:POS or --gtid-set SET)".into())
        }
    }
}

fn file_position(sql: &mut dyn Sql, position: &FilePos) -> Outcome {
    let files = match binary_logs(sql) {
        Ok(f) => f,
        Err(e) => return Outcome::Error(format!("cannot list binary logs: {e}")),
    };
    Outcome::from(judge_file_position(&files, &position.file, position.pos))
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
            format!("{file} is not on this server (newest: {}): a position from another server, or a renamed log?", last.0),
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
}

impl Verdict {
    fn ok(observed: String) -> Verdict {
        Verdict {
            level: Level::Ok,
            observed,
            message: String::new(),
            elsewhere: false,
        }
    }

    fn purged(observed: String, message: String) -> Verdict {
        Verdict {
            level: Level::Violation,
            observed,
            message,
            elsewhere: false,
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

fn mysql_gtid(sql: &mut dyn Sql, set: &str) -> Outcome {
    let q = format!(
        "SELECT GTID_SUBSET(@@GLOBAL.gtid_purged, {s}), GTID_SUBSET({s}, @@GLOBAL.gtid_executed), @@GLOBAL.gtid_purged",
        s = literal(set)
    );
    let rows = match sql.query(&q) {
        Ok(r) => r,
        Err(e) => return Outcome::Error(format!("cannot compare GTID sets: {e}")),
    };
    let cell = |i: usize| rows.rows.first().and_then(|r| r.get(i).cloned().flatten());
    let purged = cell(2).unwrap_or_default();
    match (cell(0).as_deref(), cell(1).as_deref()) {
        (Some("1"), Some("1")) => Outcome::verdict(Level::Ok, format!("available (gtid_purged={purged})"), ""),
        (Some("0"), _) => Outcome::verdict(
            Level::Violation,
            format!("gtid_purged={purged}"),
            "the server purged transactions the connector has not read yet: it cannot resume and must re-snapshot",
        ),
        _ => Outcome::verdict(
            Level::Violation,
            "not a subset of gtid_executed",
            "the stored set has transactions this server never executed: a position from another server?",
        )
        .without_check_fixes(),
    }
}

fn mariadb_gtid(sql: &mut dyn Sql, set: &str) -> Outcome {
    let stored = match parse_mariadb_gtids(set) {
        Ok(s) => s,
        Err(e) => return Outcome::Error(e.to_string()),
    };
    let oldest = match binary_logs(sql) {
        Ok(files) => files.into_iter().next().map(|(name, _)| name),
        Err(e) => return Outcome::Error(format!("cannot list binary logs: {e}")),
    };
    let Some(oldest) = oldest else {
        return Outcome::verdict(
            Level::Violation,
            "no binary logs",
            "the server lists no binary logs",
        )
        .without_check_fixes();
    };
    // The Gtid_list event at the start of the oldest binlog holds what came before it: purged.
    let events = match sql.query(&format!(
        "SHOW BINLOG EVENTS IN {} LIMIT 4",
        literal(&oldest)
    )) {
        Ok(r) => r,
        Err(e) => return Outcome::Error(format!("cannot read {oldest}: {e}")),
    };
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
    Outcome::from(judge_mariadb(&stored, &purged, &current))
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
        assert!(m.contains("not on this server"), "{m}");
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
