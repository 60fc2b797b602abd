//! binlog.retention: how long the server keeps binary logs, from wherever the platform keeps it.

use crate::checks::context::Context;
use crate::checks::observed::{human_duration, parse_number, Observed};
use crate::checks::probe::Outcome;
use crate::connection::server::{Platform, ServerInfo};

pub(crate) fn run(ctx: &mut Context) -> Outcome {
    let Some(server) = &ctx.server else {
        return Outcome::Skip("no server information".into());
    };
    let platform = server.platform;
    if !matches!(platform, Platform::Rds | Platform::Aurora) {
        return Outcome::Value(from_variables(server));
    }
    // RDS and Aurora purge by their own setting and ignore binlog_expire_logs_seconds: when
    // it cannot be read, the retention is unknown, never the variable's value.
    let Some(sql) = ctx.sql.as_deref_mut() else {
        return Outcome::Skip("no connection".into());
    };
    match sql.query(RDS_RETENTION) {
        Ok(rows) => {
            let hours = rows.scalar().flatten().map(str::to_string);
            Outcome::Value(from_rds_hours(platform, hours.as_deref()))
        }
        Err(e) => Outcome::Error(format!(
            "cannot read 'binlog retention hours' from mysql.rds_configuration ({e}): grant \
             SELECT ON mysql.rds_configuration to this account, or run \
             CALL mysql.rds_show_configuration as the master user; {} ignores \
             binlog_expire_logs_seconds for its own purging",
            if platform == Platform::Aurora {
                "Aurora"
            } else {
                "RDS"
            }
        )),
    }
}

pub(crate) const RDS_RETENTION: &str =
    "SELECT value FROM mysql.rds_configuration WHERE name = 'binlog retention hours'";

/// RDS and Aurora keep binlogs only as long as 'binlog retention hours' says. NULL: RDS
/// purges them as soon as it can, Aurora lazily (usually within a day); neither promises
/// anything, so NULL counts as no retention.
pub(crate) fn from_rds_hours(platform: Platform, hours: Option<&str>) -> Observed {
    let h = hours.and_then(parse_number).unwrap_or(0.0);
    let shown = match hours {
        None if platform == Platform::Aurora => {
            "NULL (Aurora purges binlogs lazily, usually within a day)".to_string()
        }
        None => "NULL (RDS purges binlogs as soon as it can)".to_string(),
        Some(_) => format!(
            "{} (binlog retention hours={h})",
            human_duration(h * 3600.0)
        ),
    };
    Observed::Number {
        value: h * 3600.0,
        shown,
    }
}

/// Self-managed: binlog_expire_logs_seconds wins when set, then expire_logs_days; both 0
/// (or auto-purge off) means binlogs are never purged automatically.
pub(crate) fn from_variables(server: &ServerInfo) -> Observed {
    let num = |name: &str| server.variable(name).and_then(parse_number);
    if server
        .variable("binlog_expire_logs_auto_purge")
        .is_some_and(|v| v.eq_ignore_ascii_case("OFF"))
    {
        return unlimited("binlog_expire_logs_auto_purge=OFF");
    }
    if let Some(secs) = num("binlog_expire_logs_seconds").filter(|s| *s > 0.0) {
        return Observed::Number {
            value: secs,
            shown: format!(
                "{} (binlog_expire_logs_seconds={secs})",
                human_duration(secs)
            ),
        };
    }
    if let Some(days) = num("expire_logs_days").filter(|d| *d > 0.0) {
        return Observed::Number {
            value: days * 86400.0,
            shown: format!(
                "{} (expire_logs_days={})",
                human_duration(days * 86400.0),
                server.variable("expire_logs_days").unwrap_or_default()
            ),
        };
    }
    unlimited("no expiry set")
}

fn unlimited(why: &str) -> Observed {
    Observed::Number {
        value: f64::INFINITY,
        shown: format!("unlimited ({why}; watch disk space)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn server(pairs: &[(&str, &str)]) -> ServerInfo {
        let vars: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ServerInfo::from_variables(vars, "db")
    }

    #[test]
    fn mysql8_seconds_win_over_days() {
        let s = server(&[
            ("version", "8.0.35"),
            ("binlog_expire_logs_seconds", "2592000"),
            ("expire_logs_days", "0"),
        ]);
        assert_eq!(from_variables(&s).as_number(), Some(2_592_000.0));
    }

    #[test]
    fn mariadb_days_and_no_expiry() {
        let s = server(&[
            ("version", "10.4.30-MariaDB"),
            ("expire_logs_days", "1.500000"),
        ]);
        assert_eq!(from_variables(&s).as_number(), Some(129_600.0));
        let s = server(&[
            ("version", "10.11.6-MariaDB"),
            ("binlog_expire_logs_seconds", "0"),
            ("expire_logs_days", "0.000000"),
        ]);
        assert_eq!(from_variables(&s).as_number(), Some(f64::INFINITY));
    }

    #[test]
    fn auto_purge_off_keeps_everything() {
        let s = server(&[
            ("version", "8.0.35"),
            ("binlog_expire_logs_seconds", "3600"),
            ("binlog_expire_logs_auto_purge", "OFF"),
        ]);
        assert_eq!(from_variables(&s).as_number(), Some(f64::INFINITY));
    }

    #[test]
    fn rds_hours_null_is_zero() {
        assert_eq!(from_rds_hours(Platform::Rds, None).as_number(), Some(0.0));
        let rds = from_rds_hours(Platform::Rds, None).display();
        assert!(rds.contains("NULL") && rds.contains("RDS"), "{rds}");
        let aurora = from_rds_hours(Platform::Aurora, None).display();
        assert!(
            aurora.contains("Aurora") && !aurora.contains("RDS"),
            "{aurora}"
        );
        assert_eq!(
            from_rds_hours(Platform::Rds, Some("168")).as_number(),
            Some(604_800.0)
        );
    }
}
