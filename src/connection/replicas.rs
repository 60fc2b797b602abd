//! The server_ids a source knows: its own and those of the replicas registered with it
//! (readers that register, Debezium and Flink CDC among them, show up as replicas too). Two
//! readers with one id kick each other off: `cdc tail` picks around these, `cdc doctor
//! --server-id` checks a connector's against them.

use crate::connection::server::{Flavor, ServerInfo, Version};
use crate::connection::sql::{Sql, SqlError};

/// The statement that lists registered replicas on this server.
pub(crate) fn list_statement(server: &ServerInfo) -> &'static str {
    if server.flavor == Flavor::Mysql && server.version >= Version::new(8, 0, 22) {
        "SHOW REPLICAS"
    } else {
        "SHOW SLAVE HOSTS"
    }
}

/// The statement that shows this server's own replication (empty when it is no replica).
pub(crate) fn status_statement(server: &ServerInfo) -> &'static str {
    if server.flavor == Flavor::Mysql && server.version >= Version::new(8, 0, 22) {
        "SHOW REPLICA STATUS"
    } else {
        "SHOW SLAVE STATUS"
    }
}

/// The ids in use: the server's own and its registered replicas', with who holds them; Err
/// is the server's refusal to list the replicas (only its own id is known then).
pub fn ids_in_use(
    sql: &mut dyn Sql,
    server: &ServerInfo,
) -> (Vec<(u32, String)>, Result<(), SqlError>) {
    let mut used = Vec::new();
    if let Some(own) = server.variable("server_id").and_then(|v| v.parse().ok()) {
        used.push((own, "the server itself".to_string()));
    }
    let listed = match sql.query(list_statement(server)) {
        Ok(rows) => {
            let id_col = rows.column("Server_id").unwrap_or(0);
            let host_col = rows.column("Host");
            let port_col = rows.column("Port");
            for row in &rows.rows {
                let cell = |i: Option<usize>| {
                    i.and_then(|i| row.get(i).cloned().flatten())
                        .unwrap_or_default()
                };
                if let Ok(id) = cell(Some(id_col)).parse::<u32>() {
                    let host = cell(host_col);
                    let port = cell(port_col);
                    let who = if host.is_empty() {
                        "a replica".to_string()
                    } else {
                        format!("a replica at {host}:{port}")
                    };
                    used.push((id, who));
                }
            }
            Ok(())
        }
        // Listing replicas needs REPLICATION MASTER ADMIN on MariaDB 10.5+, REPLICATION
        // SLAVE on MySQL.
        Err(e) => Err(e),
    };
    (used, listed)
}
