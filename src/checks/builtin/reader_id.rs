//! server.reader_id: the server_id a connector registers with (`--server-id`) must be one
//! nobody else uses. The server keeps one reader per id and drops the older: two connectors,
//! or a connector and a replica, sharing one take turns being kicked off.

use crate::checks::context::Context;
use crate::checks::observed::Observed;
use crate::checks::probe::{Level, Outcome};
use crate::connection::replicas::{ids_in_use, list_statement};
use crate::connection::server::{Flavor, Version};

pub(crate) fn run(ctx: &mut Context) -> Outcome {
    let Some(id) = ctx.options.server_id else {
        return Outcome::Skip("no --server-id given (the connector's server id)".into());
    };
    let Some(server) = &ctx.server else {
        return Outcome::Skip("no server information".into());
    };
    let Some(sql) = ctx.sql.as_deref_mut() else {
        return Outcome::Skip("no connection".into());
    };
    if id == 0 {
        return Outcome::verdict(
            Level::Violation,
            "0",
            "server_id 0 cannot stream the binlog: the server refuses it",
        );
    }
    let (used, listed) = ids_in_use(sql, server);
    if let Some((_, who)) = used.iter().find(|(u, _)| *u == id) {
        return Outcome::verdict(
            Level::Violation,
            format!("{id}, in use by {who}"),
            format!(
                "server_id {id} is already used by {who}: the server drops the older of two readers with one id"
            ),
        );
    }
    let mut ids: Vec<String> = used.iter().map(|(u, _)| u.to_string()).collect();
    ids.sort();
    ids.dedup();
    match listed {
        Ok(()) => Outcome::verdict(
            Level::Ok,
            format!("{id} is free (in use: {})", ids.join(", ")),
            "",
        ),
        Err(e) => {
            let privilege = match server.flavor {
                Flavor::Mariadb if server.version >= Version::new(10, 5, 2) => {
                    "REPLICATION MASTER ADMIN"
                }
                _ => "REPLICATION SLAVE",
            };
            Outcome::verdict(
                Level::Warn,
                format!("{id} differs from the server's own"),
                format!(
                    "cannot list the registered replicas ({} needs {privilege}: {e}); only the server's own server_id was compared",
                    list_statement(server)
                ),
            )
        }
    }
}

/// server.id: the server's own server_id, for the check's rules (non-zero); and when the
/// connector's configuration is known (Kafka Connect), its database.server.id must be
/// neither the server's own nor a registered replica's: two readers with one id kick each
/// other off. The connector's id is a connector setting, so the server's fixes do not apply.
pub(crate) fn server_id(ctx: &mut Context) -> Outcome {
    let Some(server) = &ctx.server else {
        return Outcome::Skip("no server information".into());
    };
    let Some(own) = server.variable("server_id").map(str::to_string) else {
        return Outcome::Value(Observed::Missing);
    };
    let configured = ctx.options.connector.as_ref().and_then(|c| {
        Some((
            c.name.clone(),
            c.setting("database.server.id")?
                .trim()
                .parse::<u32>()
                .ok()?,
        ))
    });
    let (Some((name, id)), Some(sql)) = (configured, ctx.sql.as_deref_mut()) else {
        return Outcome::Value(Observed::text(own));
    };
    let (used, _) = ids_in_use(sql, server);
    match used.iter().find(|(u, _)| *u == id) {
        Some((_, who)) => Outcome::verdict(
            Level::Violation,
            format!("server_id {own}; connector {name}'s database.server.id {id} is used by {who}"),
            format!(
                "connector {name} registers with database.server.id={id}, already used by {who}: the server drops the older of two readers with one id. Give the connector an id nothing else uses (database.server.id in its configuration)"
            ),
        )
        .without_check_fixes(),
        None => Outcome::Value(Observed::text(own)),
    }
}
