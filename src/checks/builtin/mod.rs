//! Named probes implemented in code, for what SQL alone cannot say.

mod connect;
mod filters;
mod grants;
mod position;
mod private;
mod reader_id;
mod replica;
mod retention;

use std::collections::BTreeMap;

use serde_yaml::Value;

use super::context::Context;
use super::probe::Outcome;
use crate::connection::sql::SqlError;

/// What a builtin could not read from the server, with the server's error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum Unreadable {
    /// SHOW GRANTS failed.
    #[error("cannot read grants: {0}")]
    Grants(SqlError),
    /// The replica status statement failed, and nothing else answered: it needs `privilege`.
    #[error(
        "cannot tell whether this server is a replica: {statement} needs {privilege} ({error})"
    )]
    ReplicaStatus {
        statement: &'static str,
        privilege: &'static str,
        error: SqlError,
    },
}

/// Every builtin a check file may name (validated at load time).
pub(crate) const NAMES: [&str; 11] = [
    "connect.tcp",
    "connect.auth",
    "connect.tls",
    "connect.private",
    "grants",
    "binlog.retention",
    "binlog.filters",
    "replica.log_updates",
    "replica.preserve_commit_order",
    "position.available",
    "server.reader_id",
];

pub(crate) type Args = BTreeMap<String, Value>;

pub(crate) fn run(name: &str, args: &Args, ctx: &mut Context) -> Outcome {
    match name {
        "connect.tcp" => connect::tcp(ctx),
        "connect.auth" => connect::auth(ctx),
        "connect.tls" => connect::tls(args, ctx),
        "connect.private" => private::run(ctx),
        "grants" => grants::run(args, ctx),
        "binlog.retention" => retention::run(ctx),
        "binlog.filters" => filters::run(ctx),
        "replica.log_updates" => replica::log_updates(ctx),
        "replica.preserve_commit_order" => replica::preserve_commit_order(ctx),
        "position.available" => position::run(ctx),
        "server.reader_id" => reader_id::run(ctx),
        other => Outcome::Error(format!("unknown builtin probe {other:?}")),
    }
}

/// A list argument: `[A, B]` or a single scalar.
fn list_arg(args: &Args, key: &str) -> Vec<String> {
    match args.get(key) {
        Some(Value::Sequence(items)) => items.iter().filter_map(super::rules::text).collect(),
        Some(v) => super::rules::text(v).into_iter().collect(),
        None => Vec::new(),
    }
}

fn number_arg(args: &Args, key: &str, default: f64) -> f64 {
    match args.get(key) {
        Some(Value::Number(n)) => n.as_f64().unwrap_or(default),
        _ => default,
    }
}
