//! Named probes implemented in code, for what SQL alone cannot say.

mod connect;
mod connector;
mod filters;
pub(crate) mod grants;
mod position;
mod private;
mod reader_id;
mod replica;
mod retention;

use strum::IntoEnumIterator;

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

/// A probe implemented in code, with its arguments read at load.
#[derive(Debug, Clone, PartialEq, strum::EnumDiscriminants)]
#[strum_discriminants(name(BuiltinName), derive(strum::EnumIter))]
pub enum Builtin {
    ConnectTcp,
    ConnectAuth,
    /// Warns when the server certificate expires within `expiry_warn_days`.
    ConnectTls {
        expiry_warn_days: f64,
    },
    ConnectPrivate,
    Grants(grants::Needs),
    BinlogRetention,
    BinlogFilters,
    ReplicaLogUpdates,
    ReplicaPreserveCommitOrder,
    PositionAvailable,
    ServerReaderId,
    ServerId,
    ConnectorTasks,
}

impl BuiltinName {
    /// As a check file names it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            BuiltinName::ConnectTcp => "connect.tcp",
            BuiltinName::ConnectAuth => "connect.auth",
            BuiltinName::ConnectTls => "connect.tls",
            BuiltinName::ConnectPrivate => "connect.private",
            BuiltinName::Grants => "grants",
            BuiltinName::BinlogRetention => "binlog.retention",
            BuiltinName::BinlogFilters => "binlog.filters",
            BuiltinName::ReplicaLogUpdates => "replica.log_updates",
            BuiltinName::ReplicaPreserveCommitOrder => "replica.preserve_commit_order",
            BuiltinName::PositionAvailable => "position.available",
            BuiltinName::ServerReaderId => "server.reader_id",
            BuiltinName::ServerId => "server.id",
            BuiltinName::ConnectorTasks => "connector.tasks",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<BuiltinName> {
        BuiltinName::iter().find(|b| b.name() == name)
    }

    /// Every name, for a problem naming an unknown one.
    pub(crate) fn known() -> String {
        BuiltinName::iter()
            .map(BuiltinName::name)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The connection builtins report how reaching the server went, so they run without a
    /// logged-in session; every other probe is skipped when there is none.
    pub(crate) fn needs_session(self) -> bool {
        !matches!(
            self,
            BuiltinName::ConnectTcp
                | BuiltinName::ConnectAuth
                | BuiltinName::ConnectTls
                | BuiltinName::ConnectPrivate
        )
    }

    /// Whether it gives its own verdict (a check using it needs no rules) rather than a value
    /// for rules to judge.
    pub(crate) fn judges_itself(self) -> bool {
        !matches!(self, BuiltinName::BinlogRetention | BuiltinName::ServerId)
    }

    /// The `args` it takes.
    pub(crate) fn args(self) -> &'static [&'static str] {
        match self {
            BuiltinName::ConnectTls => &["expiry_warn_days"],
            BuiltinName::Grants => grants::Needs::ARGS,
            _ => &[],
        }
    }
}

impl Builtin {
    pub(crate) fn name(&self) -> BuiltinName {
        self.into()
    }

    pub(crate) fn run(&self, ctx: &mut Context) -> Outcome {
        match self {
            Builtin::ConnectTcp => connect::tcp(ctx),
            Builtin::ConnectAuth => connect::auth(ctx),
            Builtin::ConnectTls { expiry_warn_days } => connect::tls(*expiry_warn_days, ctx),
            Builtin::ConnectPrivate => private::run(ctx),
            Builtin::Grants(needs) => grants::run(needs, ctx),
            Builtin::BinlogRetention => retention::run(ctx),
            Builtin::BinlogFilters => filters::run(ctx),
            Builtin::ReplicaLogUpdates => replica::log_updates(ctx),
            Builtin::ReplicaPreserveCommitOrder => replica::preserve_commit_order(ctx),
            Builtin::PositionAvailable => position::run(ctx),
            Builtin::ServerReaderId => reader_id::run(ctx),
            Builtin::ServerId => reader_id::server_id(ctx),
            Builtin::ConnectorTasks => connector::tasks(ctx),
        }
    }
}
