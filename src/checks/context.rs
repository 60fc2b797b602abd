//! What a check run knows: the run's options, the connection's story, the server.

use crate::binlog::position::{FilePos, GtidSet};
use std::net::IpAddr;
use std::time::Duration;

use crate::connection::account::Account;
use crate::connection::error::ConnectError;
use crate::connection::mysql_url::SourceConfig;
use crate::connection::server::ServerInfo;
use crate::connection::session::TlsState;
use crate::connection::sql::Sql;
use crate::connection::tls::SslMode;
use crate::pipeline::connect_rest::Connector;
use crate::pipeline::connector_settings::snapshot_locking;
use crate::pipeline::StoredOffset;

use super::condition::Facts;
use super::profile::Profile;
use super::scope::TableScope;

/// The options of a doctor run that checks read.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub profile: Profile,
    pub tables: TableScope,
    /// `--position FILE:POS`: a connector's stored position to look for on the server.
    pub position: Option<FilePos>,
    /// `--gtid-set SET`: a connector's stored GTID set.
    pub gtid_set: Option<GtidSet>,
    /// `--server-id N`: the server_id the connector registers with, checked against the
    /// ids the server knows.
    pub server_id: Option<u32>,
    /// The longest outage the team declares a connector must survive (`cdc checklist
    /// --max-downtime`); rules read it as `value: $max_downtime`.
    pub max_downtime: Option<Duration>,
    /// The moment time-bound checks (certificate expiry) measure from, in Unix seconds;
    /// None reads the clock. Recorded-server tests pin it so their reports stay the same.
    pub now: Option<i64>,
    /// `--account`: the account whose grants are judged (and fixed), when doctor connects as
    /// another; None judges the connected account.
    pub account: Option<Account>,
    /// `--offset`: the pipeline's stored position as read from where it keeps it; its
    /// position and GTIDs are also in `position` / `gtid_set`.
    pub offset: Option<StoredOffset>,
    /// Where position.available may open a short binlog dump to learn when files began (the
    /// purge horizon); None (recorded servers) leaves the horizon unknown.
    pub binlog_source: Option<SourceConfig>,
    /// What Kafka Connect said of the connector (`--offset connect+http://...`): its
    /// configuration (server id, tables, locking) and its tasks' state.
    pub connector: Option<Connector>,
}

/// What a rule's `value` may name as `$name`: numbers the run declares rather than the
/// catalogue. A rule naming one that this run did not declare does not apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumIter)]
pub(crate) enum RuleVariable {
    MaxDowntime,
}

impl RuleVariable {
    /// As written after the `$`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            RuleVariable::MaxDowntime => "max_downtime",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<RuleVariable> {
        use strum::IntoEnumIterator;
        RuleVariable::iter().find(|v| v.name() == name)
    }

    /// "$max_downtime, ...", for a problem naming an unknown one.
    pub(crate) fn known() -> String {
        use strum::IntoEnumIterator;
        RuleVariable::iter()
            .map(|v| format!("${}", v.name()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl RunOptions {
    /// The declared value of a rule variable (seconds for durations), if this run has one.
    pub(crate) fn variable(&self, v: RuleVariable) -> Option<f64> {
        match v {
            RuleVariable::MaxDowntime => self.max_downtime.map(|d| d.as_secs_f64()),
        }
    }
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            profile: Profile::Generic,
            tables: TableScope::default(),
            position: None,
            gtid_set: None,
            server_id: None,
            max_downtime: None,
            now: None,
            account: None,
            offset: None,
            binlog_source: None,
            connector: None,
        }
    }
}

/// How reaching the server went, step by step.
#[derive(Debug, Clone)]
pub struct Link {
    /// "host:port" as dialled.
    pub endpoint: String,
    /// What the host resolved to (empty when it did not resolve or was not looked up).
    pub addresses: Vec<IpAddr>,
    pub loopback: bool,
    pub ssl_mode: SslMode,
    pub tcp: Result<Duration, ConnectError>,
    /// None when the login was not attempted (TCP failed).
    pub login: Option<Result<TlsState, ConnectError>>,
    /// The plain login was refused but the same login over TLS works.
    pub tls_required: bool,
}

impl Link {
    pub(crate) fn logged_in(&self) -> bool {
        matches!(self.login, Some(Ok(_)))
    }
}

/// Everything a probe may consult.
pub(crate) struct Context<'a> {
    pub(crate) options: &'a RunOptions,
    pub(crate) link: Link,
    pub(crate) server: Option<ServerInfo>,
    pub(crate) sql: Option<&'a mut dyn Sql>,
    /// Captured schemas that exist on the server (from the scope).
    pub(crate) schemas: Vec<String>,
    /// The account as the server sees it, `'user'@'host'`.
    pub(crate) account: Option<String>,
    /// What the running builtin adds to its result beyond a verdict (taken after each check).
    pub(crate) attached: Attached,
}

/// A builtin's additions to its check's result.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Attached {
    pub(crate) position: Option<crate::checks::result::PositionFacts>,
    /// A playbook that fits this verdict better than the check's own.
    pub(crate) playbook: Option<String>,
    /// Every playbook the verdict's evidence matched (a failed task's trace), best first.
    pub(crate) playbooks: Vec<String>,
}

impl Context<'_> {
    pub(crate) fn facts(&self) -> Facts {
        Facts {
            flavor: self.server.as_ref().map(|s| s.flavor),
            version: self.server.as_ref().map(|s| s.version),
            platform: self.server.as_ref().map(|s| s.platform),
            profile: self.options.profile,
            snapshot_locking: self
                .options
                .connector
                .as_ref()
                .and_then(|c| snapshot_locking(c).ok().flatten()),
        }
    }
}
