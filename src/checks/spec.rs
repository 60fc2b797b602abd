//! The declarative check format: what a file in `checks/` may say.
//!
//! ```yaml
//! checks:
//!   - id: binlog.format
//!     title: Binary log format is ROW
//!     why: CDC readers decode row images; STATEMENT and MIXED logs carry SQL text instead.
//!     applies: [{ flavor: mysql }, { flavor: mariadb }]   # any of; omitted = everywhere
//!     requires: [binlog.enabled]                          # skipped unless these passed or warned
//!     probe: { variable: binlog_format }
//!     expect:
//!       - { op: eq, value: ROW }
//!     severity: fail
//!     profiles:
//!       debezium: { severity: fail }
//!     fixes:
//!       - when: { platform: [rds, aurora] }
//!         summary: Set binlog_format=ROW in the DB parameter group
//!         config: ["binlog_format = ROW   # DB parameter group"]
//!       - summary: SET GLOBAL binlog_format = 'ROW' and persist it in my.cnf
//!         sql: ["SET GLOBAL binlog_format = 'ROW';"]
//!         config: ["[mysqld]", "binlog_format = ROW"]
//!     playbook: binlog-format-not-row
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::checks::result::Severity;
use crate::connection::server::{Flavor, Platform};

use super::profile::Profile;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckFile {
    pub checks: Vec<CheckSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// Stable id, `area.name`: part of the interface (JSON, exit codes, `--checks-dir` overrides).
    pub id: String,
    pub title: String,
    /// What breaks without it.
    pub why: String,
    /// Where the check applies: any matching condition. Empty means everywhere.
    #[serde(default)]
    pub applies: Vec<Condition>,
    /// Checks that must have passed or warned; otherwise this one is skipped.
    #[serde(default)]
    pub requires: Vec<String>,
    /// How the observed value is obtained: one probe, or variants picked by `when`.
    pub probe: Probes,
    /// Rules the observed value must satisfy; the worst violated rule sets the status.
    #[serde(default)]
    pub expect: Vec<Rule>,
    /// Human wording of the expectation; derived from the rules when absent.
    #[serde(default)]
    pub expected: Option<String>,
    /// Severity of a violated rule that names none.
    #[serde(default = "default_severity")]
    pub severity: Severity,
    /// Per-profile changes: severity, rules, or not applying at all.
    #[serde(default)]
    pub profiles: BTreeMap<Profile, ProfileOverride>,
    /// Fixes, first match wins (put the most specific first).
    #[serde(default)]
    pub fixes: Vec<Fix>,
    /// Id of the playbook that explains and resolves a failure.
    pub playbook: String,
}

fn default_severity() -> Severity {
    Severity::Fail
}

/// A condition on the server and run. Every field given must match.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    #[serde(default)]
    pub flavor: Option<Flavor>,
    /// Comma-separated comparisons, e.g. ">=8.0.1" or ">=10.5, <11.4".
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub platform: Option<Vec<Platform>>,
    #[serde(default)]
    pub profile: Option<Vec<Profile>>,
}

/// One probe or a list of variants, the first whose `when` matches is used.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Probes {
    One(Probe),
    Variants(Vec<Probe>),
}

/// Exactly one of `variable`, `variables`, `sql` or `builtin`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    #[serde(default)]
    pub when: Option<Condition>,
    /// A global server variable (from SHOW GLOBAL VARIABLES).
    #[serde(default)]
    pub variable: Option<String>,
    /// Several global variables; rules pick one with `of`.
    #[serde(default)]
    pub variables: Option<Vec<String>>,
    /// A read-only query. With `rows: list` every row is an item (`a.b` joined columns);
    /// otherwise the first column of the first row (or `column`) is the value.
    #[serde(default)]
    pub sql: Option<String>,
    #[serde(default)]
    pub column: Option<String>,
    #[serde(default)]
    pub rows: Option<RowsMode>,
    /// A named probe implemented in code, where SQL cannot say it (TCP, TLS, grants...).
    #[serde(default)]
    pub builtin: Option<String>,
    /// Arguments of a builtin probe
    #[serde(default)]
    pub args: BTreeMap<String, serde_yaml::Value>,
    /// What a variable the server does not have means.
    #[serde(default)]
    pub missing: Option<MissingMeans>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RowsMode {
    /// Every row is an item of a list; rules usually say `op: empty`.
    List,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MissingMeans {
    Skip,
    Pass,
    Fail,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Eq,
    Ne,
    In,
    NotIn,
    Gt,
    Gte,
    Lt,
    Lte,
    Regex,
    NotRegex,
    Nonempty,
    Empty,
    /// Server version at least `value` ("8.0.20").
    VersionGte,
    /// Server version below `value`.
    VersionLt,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub op: Op,
    /// Scalar for most operators, a list for `in` / `not_in`, absent for `empty` / `nonempty`.
    #[serde(default)]
    pub value: Option<serde_yaml::Value>,
    /// With a `variables` probe: which variable this rule tests.
    #[serde(default)]
    pub of: Option<String>,
    /// Overrides the check's severity for this rule (e.g. a softer second threshold).
    #[serde(default)]
    pub severity: Option<Severity>,
    /// The rule only applies where this matches.
    #[serde(default)]
    pub when: Option<Condition>,
    /// Message when violated; `{observed}` and `{value}` are filled in.
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileOverride {
    #[serde(default)]
    pub severity: Option<Severity>,
    #[serde(default)]
    pub expect: Option<Vec<Rule>>,
    /// `false`: the check does not apply under this profile.
    #[serde(default)]
    pub applies: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fix {
    #[serde(default)]
    pub when: Option<Condition>,
    /// One line: what to do.
    pub summary: String,
    /// Statements; `{user}`, `{user_host}`, `{schemas}` are filled in.
    #[serde(default)]
    pub sql: Vec<String>,
    /// Option-file lines (my.cnf) or parameter-group settings.
    #[serde(default)]
    pub config: Vec<String>,
    #[serde(default)]
    pub restart: bool,
}
