//! replica.log_updates and replica.preserve_commit_order: a source that is itself a replica
//! must write what it applies, in the primary's commit order.

use super::Unreadable;
use crate::checks::context::Context;
use crate::checks::probe::{Level, Outcome};
use crate::connection::replicas;
use crate::connection::server::{Flavor, ServerInfo, Version};
use crate::connection::sql::Sql;

pub(crate) fn log_updates(ctx: &mut Context) -> Outcome {
    let Some(server) = &ctx.server else {
        return Outcome::Skip("no server information".into());
    };
    let (name, value) = first_variable(server, &["log_replica_updates", "log_slave_updates"])
        .unwrap_or(("log_slave_updates", "OFF".to_string()));
    if is_on(&value) {
        return Outcome::verdict(Level::Ok, format!("{name}=ON"), "");
    }
    let Some(sql) = ctx.sql.as_deref_mut() else {
        return Outcome::Skip("no connection".into());
    };
    match is_replica(sql, server) {
        Ok(false) => Outcome::verdict(Level::Ok, format!("not a replica ({name}={value})"), ""),
        Ok(true) => Outcome::verdict(
            Level::Violation,
            format!("replica with {name}={value}"),
            REPLICA_WITHOUT_LOG,
        ),
        Err(why) => Outcome::Error(why.to_string()),
    }
}

const REPLICA_WITHOUT_LOG: &str = "this server replicates from another but does not write the applied changes to its own binlog: a reader here sees only local writes";

/// MySQL only (the check's `applies`): MariaDB's parallel replication commits in order.
pub(crate) fn preserve_commit_order(ctx: &mut Context) -> Outcome {
    let Some(server) = &ctx.server else {
        return Outcome::Skip("no server information".into());
    };
    let Some(sql) = ctx.sql.as_deref_mut() else {
        return Outcome::Skip("no connection".into());
    };
    match is_replica(sql, server) {
        Ok(false) => return Outcome::verdict(Level::Ok, "not a replica", ""),
        Ok(true) => {}
        Err(why) => return Outcome::Error(why.to_string()),
    }
    let workers = first_variable(
        server,
        &["replica_parallel_workers", "slave_parallel_workers"],
    );
    let Some((workers_name, workers)) = workers else {
        return Outcome::verdict(Level::Ok, "single-threaded (no parallel applier)", "");
    };
    if workers.trim().parse::<u64>().is_ok_and(|n| n <= 1) {
        return Outcome::verdict(
            Level::Ok,
            format!("single-threaded ({workers_name}={workers})"),
            "",
        );
    }
    let order = first_variable(
        server,
        &[
            "replica_preserve_commit_order",
            "slave_preserve_commit_order",
        ],
    );
    match order {
        Some((_, v)) if is_on(&v) => Outcome::verdict(Level::Ok, "ON", ""),
        Some((name, v)) => Outcome::verdict(
            Level::Violation,
            format!("{name}={v} with {workers_name}={workers}"),
            format!(
                "a parallel replica ({workers_name}={workers}) with {name}=OFF commits out of the primary's order: its binlog shows states the primary never had"
            ),
        ),
        None => Outcome::verdict(
            Level::Violation,
            format!("{workers_name}={workers}, no commit-order setting"),
            "a parallel replica that cannot preserve the primary's commit order",
        ),
    }
}

fn first_variable(server: &ServerInfo, names: &[&'static str]) -> Option<(&'static str, String)> {
    names
        .iter()
        .find_map(|n| server.variable(n).map(|v| (*n, v.to_string())))
}

fn is_on(v: &str) -> bool {
    matches!(v.trim().to_ascii_uppercase().as_str(), "ON" | "1")
}

/// Whether the server replicates from another (a configured channel counts, running or
/// not). Err says what could not be read and which privilege would allow it.
fn is_replica(sql: &mut dyn Sql, server: &ServerInfo) -> Result<bool, Unreadable> {
    let mysql = server.flavor == Flavor::Mysql;
    let statement = replicas::status_statement(server);
    let error = match sql.query(statement) {
        Ok(rows) => return Ok(!rows.rows.is_empty()),
        Err(e) => e,
    };
    // SHOW SLAVE STATUS needs SLAVE MONITOR on MariaDB 10.5+; the status counter does not.
    if !mysql {
        if let Some(n) = running_replication_threads(sql) {
            return Ok(n > 0);
        }
    }
    let privilege = if mysql {
        "REPLICATION CLIENT"
    } else if server.version >= Version::new(10, 5, 0) {
        "SLAVE MONITOR"
    } else {
        "REPLICATION CLIENT"
    };
    Err(Unreadable::ReplicaStatus {
        statement,
        privilege,
        error,
    })
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::sql::{Rows, SqlError};

    /// An account without the privilege the replica status needs, nor the status counter.
    struct Denied;
    impl Sql for Denied {
        fn query(&mut self, _: &str) -> Result<Rows, SqlError> {
            Err(SqlError::recorded(Some(1227), "Access denied"))
        }
    }

    #[test]
    fn an_unreadable_replica_status_names_the_privilege() {
        let server = |version: &str| {
            let vars = [("version", version)]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            ServerInfo::from_variables(vars, "db")
        };
        let e = is_replica(&mut Denied, &server("10.11.6-MariaDB")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot tell whether this server is a replica: SHOW SLAVE STATUS needs SLAVE MONITOR (ERROR 1227: Access denied)"
        );
        let e = is_replica(&mut Denied, &server("8.4.3")).unwrap_err();
        assert!(
            matches!(
                e,
                Unreadable::ReplicaStatus {
                    statement: "SHOW REPLICA STATUS",
                    privilege: "REPLICATION CLIENT",
                    ..
                }
            ),
            "{e}"
        );
    }
}
