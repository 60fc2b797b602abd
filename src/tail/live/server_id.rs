//! Choosing the server_id `cdc tail` registers with: never one a real replica uses, so the
//! tool cannot kick a production pipeline off (the server drops the older of two readers
//! with one id).

use std::collections::BTreeSet;

use crate::connection::server::{Flavor, ServerInfo, Version};
use crate::connection::sql::Sql;

/// Default ids come from this range, far above the small ids people give servers.
const RANGE_START: u32 = 0x6364_0000; // "cd" in the high bytes
const RANGE_LEN: u32 = 0x0001_0000;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ServerIdError {
    #[error("server_id {id} is already used by {who}: pick another with --server-id (playbook duplicate-server-id)")]
    InUse { id: u32, who: String },
    #[error("server_id 0 cannot stream the binlog: pick another with --server-id")]
    Zero,
}

/// The ids in use: the server's own and its registered replicas', with who holds them.
pub fn ids_in_use(sql: &mut dyn Sql, server: &ServerInfo) -> (Vec<(u32, String)>, bool) {
    let mut used = Vec::new();
    if let Some(own) = server.variable("server_id").and_then(|v| v.parse().ok()) {
        used.push((own, "the server itself".to_string()));
    }
    let statement = if server.flavor == Flavor::Mysql && server.version >= Version::new(8, 0, 22) {
        "SHOW REPLICAS"
    } else {
        "SHOW SLAVE HOSTS"
    };
    let complete = match sql.query(statement) {
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
            true
        }
        // Listing replicas needs REPLICATION MASTER ADMIN on MariaDB 10.5+; without it the
        // default range still keeps clear of hand-picked ids.
        Err(_) => false,
    };
    (used, complete)
}

/// The id to use: the requested one if free, else the first free one of the default range,
/// varied by process id so two `cdc tail` runs do not collide either.
pub fn pick(
    requested: Option<u32>,
    used: &[(u32, String)],
    pid: u32,
) -> Result<u32, ServerIdError> {
    if let Some(id) = requested {
        if id == 0 {
            return Err(ServerIdError::Zero);
        }
        if let Some((_, who)) = used.iter().find(|(u, _)| *u == id) {
            return Err(ServerIdError::InUse {
                id,
                who: who.clone(),
            });
        }
        return Ok(id);
    }
    let taken: BTreeSet<u32> = used.iter().map(|(id, _)| *id).collect();
    let offset = pid % RANGE_LEN;
    (0..RANGE_LEN)
        .map(|i| RANGE_START + (offset + i) % RANGE_LEN)
        .find(|id| !taken.contains(id))
        .ok_or(ServerIdError::InUse {
            id: RANGE_START,
            who: "every id of the default range".into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn used() -> Vec<(u32, String)> {
        vec![
            (1, "the server itself".into()),
            (5400, "a replica at 10.0.0.7:3306".into()),
            (RANGE_START + 7, "another cdc tail".into()),
        ]
    }

    #[test]
    fn a_requested_id_in_use_is_refused_with_who_holds_it() {
        let e = pick(Some(5400), &used(), 1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "server_id 5400 is already used by a replica at 10.0.0.7:3306: pick another with --server-id (playbook duplicate-server-id)"
        );
        assert_eq!(
            pick(Some(1), &used(), 1).unwrap_err(),
            ServerIdError::InUse {
                id: 1,
                who: "the server itself".into()
            }
        );
        assert_eq!(pick(Some(0), &used(), 1), Err(ServerIdError::Zero));
        assert_eq!(pick(Some(77), &used(), 1), Ok(77));
    }

    #[test]
    fn the_default_skips_ids_in_use() {
        assert_eq!(pick(None, &used(), 3), Ok(RANGE_START + 3));
        assert_eq!(pick(None, &used(), 7), Ok(RANGE_START + 8));
    }
}
