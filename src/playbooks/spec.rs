//! The playbook format: the troubleshooting guide as data. One playbook per file,
//! `playbooks/<id>.yaml`.
//!
//! ```yaml
//! id: binlog-format-not-row
//! title: Binary log format is not ROW
//! summary: The server logs statements, so CDC readers see no row changes.
//! sources: ["Troubleshooting guide (seed 001), issue 2"]
//! symptoms: ["The pipeline runs but shows 0 changes after source modifications"]
//! errors:
//!   - pattern: 'not configured to use a ROW binlog_format'
//!     example: "The database server is not configured to use a ROW binlog_format, which is required for this connector to work properly. ..."
//!     origin: Debezium
//! causes: ["binlog_format = STATEMENT or MIXED in my.cnf or the parameter group"]
//! diagnostics:
//!   - title: Global binlog format
//!     probe: { variable: binlog_format }
//!     expect: [{ op: eq, value: ROW }]
//!     healthy: ROW
//! resolution:
//!   - title: Switch to ROW
//!     on: [self-managed, mysql]
//!     text: Dynamic; sessions already open keep their format until they reconnect.
//!     sql: ["SET PERSIST binlog_format = 'ROW';"]
//! guarded_by: [binlog.format]
//! verify: ["cdc doctor --source URL: binlog.format passes"]
//! ```

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::checks::spec::{Condition, Probes, Rule};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Playbook {
    /// kebab-case, equal to the file name; checks name it in `playbook:`.
    pub id: String,
    pub title: String,
    /// One paragraph: what is going on.
    pub(crate) summary: String,
    /// Where the knowledge comes from (guide sections, connector docs): for the people who
    /// keep the playbook (a test holds every playbook to naming one); the tool does not show it.
    #[serde(default)]
    pub sources: Vec<String>,
    /// What the operator sees.
    pub symptoms: Vec<String>,
    /// Error messages this playbook explains, as servers and connectors print them.
    #[serde(default)]
    pub errors: Vec<ErrorPattern>,
    /// Root causes, most common first.
    pub causes: Vec<String>,
    /// Queries `cdc playbook ID --run` and `cdc diagnose --source` run, each with its healthy
    /// answer. Read by the loader from the located YAML, like a check's probes and rules.
    #[serde(skip)]
    pub diagnostics: Vec<Diagnostic>,
    /// The diagnostics as written, only so serde accepts the field; read into `diagnostics`.
    #[serde(default, rename = "diagnostics")]
    #[expect(
        dead_code,
        reason = "only there for serde; `diagnostics` holds what it says"
    )]
    pub(crate) diagnostics_as_written: IgnoredAny,
    /// Resolution steps in order; steps for one platform, flavor or reader say so with `on`.
    pub resolution: Vec<Step>,
    /// Check ids that catch this before it happens.
    #[serde(default)]
    pub guarded_by: Vec<String>,
    /// How to confirm the fix worked.
    pub verify: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorPattern {
    /// A regular expression, matched case-insensitively against one line of text.
    pub pattern: String,
    /// The real message, verbatim (tests check the pattern matches it).
    pub example: String,
    /// Who prints it: "MySQL server", "MariaDB server", "Debezium", "Flink CDC", "Lakeflow Connect", "JDBC driver"...
    pub origin: String,
    /// How specific the match is, 1-10 (default 5): a precise error code beats a vague phrase.
    #[serde(default)]
    pub weight: Option<u8>,
}

#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub title: String,
    /// Same probes as checks (variable, variables, sql with `rows: list`, builtin): one, or
    /// variants picked by their `when` (`SHOW REPLICAS` on MySQL 8.0.22+, else `SHOW SLAVE
    /// HOSTS`), like a check's.
    pub probe: Probes,
    /// Rules a healthy answer satisfies.
    pub(crate) expect: Vec<Rule>,
    /// What a healthy answer looks like, in words.
    pub(crate) healthy: String,
    /// Only where this matches (e.g. flavor: mysql).
    pub when: Option<Condition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepScope {
    SelfManaged,
    Rds,
    Aurora,
    Azure,
    CloudSql,
    Mysql,
    Mariadb,
    Databricks,
    Debezium,
    FlinkCdc,
    Dms,
    Kafka,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub title: String,
    /// Where the step belongs; empty means everywhere.
    #[serde(default)]
    pub on: Vec<StepScope>,
    #[serde(default)]
    pub(crate) text: Option<String>,
    #[serde(default)]
    pub(crate) sql: Vec<String>,
    #[serde(default)]
    pub(crate) config: Vec<String>,
    /// Shell commands (CLI of the platform, connector REST calls).
    #[serde(default)]
    pub(crate) commands: Vec<String>,
    #[serde(default)]
    pub(crate) restart: bool,
}
