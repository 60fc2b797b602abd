//! replica.log_updates: a source that is itself a replica must write what it applies.

use crate::checks::context::Context;
use crate::checks::probe::{Level, Outcome};
use crate::connection::server::{Flavor, Version};
use crate::connection::sql::Sql;

pub fn run(ctx: &mut Context) -> Outcome {
    let Some(server) = &ctx.server else {
        return Outcome::Skip("no server information".into());
    };
    let (name, value) = ["log_replica_updates", "log_slave_updates"]
        .iter()
        .find_map(|n| server.variable(n).map(|v| (*n, v.to_string())))
        .unwrap_or(("log_slave_updates", "OFF".to_string()));
    let on = matches!(value.to_ascii_uppercase().as_str(), "ON" | "1");
    if on {
        return Outcome::verdict(Level::Ok, format!("{name}=ON"), "");
    }
    let statement = if server.flavor == Flavor::Mysql && server.version >= Version::new(8, 0, 22) {
        "SHOW REPLICA STATUS"
    } else {
        "SHOW SLAVE STATUS"
    };
    let Some(sql) = ctx.sql.as_deref_mut() else {
        return Outcome::Skip("no connection".into());
    };
    match sql.query(statement) {
        Ok(rows) if rows.rows.is_empty() => {
            Outcome::verdict(Level::Ok, format!("not a replica ({name}={value})"), "")
        }
        Ok(_) => Outcome::verdict(
            Level::Violation,
            format!("replica with {name}={value}"),
            REPLICA_WITHOUT_LOG,
        ),
        // SHOW SLAVE STATUS needs SLAVE MONITOR on MariaDB 10.5+; the status counter does not.
        Err(e) => match running_replication_threads(sql) {
            Some(0) => Outcome::verdict(Level::Ok, format!("not a replica ({name}={value})"), ""),
            Some(_) => Outcome::verdict(
                Level::Violation,
                format!("replica with {name}={value}"),
                REPLICA_WITHOUT_LOG,
            ),
            None => Outcome::Skip(format!(
                "cannot tell whether this server is a replica ({statement}: {e})"
            )),
        },
    }
}

const REPLICA_WITHOUT_LOG: &str = "this server replicates from another but does not write the applied changes to its own binlog: a reader here sees only local writes";

/// MariaDB's `Slaves_running` (or the older `Slave_running`), readable by any account.
fn running_replication_threads(sql: &mut dyn Sql) -> Option<u64> {
    let rows = sql.query("SHOW GLOBAL STATUS LIKE 'Slave%running'").ok()?;
    let mut found = None;
    for row in rows.rows {
        let value = row.get(1).cloned().flatten().unwrap_or_default();
        let n = match value.to_ascii_uppercase().as_str() {
            "ON" => 1,
            "OFF" => 0,
            v => v.parse().ok()?,
        };
        found = Some(found.unwrap_or(0) + n);
    }
    found
}
