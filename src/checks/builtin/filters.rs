//! binlog.filters: binlog_do_db / binlog_ignore_db silently drop a captured schema's changes.

use crate::checks::context::Context;
use crate::checks::probe::{Level, Outcome};
use crate::connection::server::{Flavor, Version};

pub(crate) fn run(ctx: &mut Context) -> Outcome {
    let (flavor, version) = match &ctx.server {
        Some(s) => (s.flavor, s.version),
        None => return Outcome::Skip("no server information".into()),
    };
    let Some(sql) = ctx.sql.as_deref_mut() else {
        return Outcome::Skip("no connection".into());
    };
    let rows = match sql.query(status_statement(flavor, version)) {
        Ok(r) => r,
        Err(e) => return Outcome::Error(format!("cannot read the binlog filters: {e}")),
    };
    let column = |name: &str| -> Vec<String> {
        rows.column(name)
            .and_then(|i| rows.rows.first().and_then(|r| r.get(i).cloned().flatten()))
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let (do_db, ignore_db) = (column("Binlog_Do_DB"), column("Binlog_Ignore_DB"));
    let dropped = dropped_schemas(&ctx.schemas, &do_db, &ignore_db);
    let observed = match (do_db.is_empty(), ignore_db.is_empty()) {
        (true, true) => "no filters".to_string(),
        _ => format!(
            "binlog_do_db={}; binlog_ignore_db={}",
            do_db.join(","),
            ignore_db.join(",")
        ),
    };
    if dropped.is_empty() {
        Outcome::verdict(Level::Ok, observed, "")
    } else {
        Outcome::verdict(
            Level::Violation,
            observed,
            format!(
                "changes to {} are never written to the binlog, so no reader can capture them",
                dropped.join(", ")
            ),
        )
    }
}

/// The statement that shows the current binlog file, position and filters.
pub(crate) fn status_statement(flavor: Flavor, version: Version) -> &'static str {
    if flavor == Flavor::Mysql && version >= Version::new(8, 2, 0) {
        "SHOW BINARY LOG STATUS"
    } else {
        "SHOW MASTER STATUS"
    }
}

pub(crate) fn dropped_schemas(
    captured: &[String],
    do_db: &[String],
    ignore_db: &[String],
) -> Vec<String> {
    captured
        .iter()
        .filter(|s| (!do_db.is_empty() && !do_db.contains(s)) || ignore_db.contains(s))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn do_and_ignore_lists_drop_schemas() {
        let captured = v(&["retail_db", "crm"]);
        assert!(dropped_schemas(&captured, &[], &[]).is_empty());
        assert_eq!(
            dropped_schemas(&captured, &v(&["retail_db"]), &[]),
            v(&["crm"])
        );
        assert_eq!(
            dropped_schemas(&captured, &[], &v(&["crm", "tmp"])),
            v(&["crm"])
        );
    }

    #[test]
    fn mysql_8_4_has_no_show_master_status() {
        assert_eq!(
            status_statement(Flavor::Mysql, Version::new(8, 4, 0)),
            "SHOW BINARY LOG STATUS"
        );
        assert_eq!(
            status_statement(Flavor::Mysql, Version::new(8, 0, 40)),
            "SHOW MASTER STATUS"
        );
        assert_eq!(
            status_statement(Flavor::Mariadb, Version::new(11, 4, 2)),
            "SHOW MASTER STATUS"
        );
    }
}
