//! The declarative check format, as loaded: what a file in `checks/` says, checked and typed
//! by the loader (`catalogue`), so nothing here is parsed again while checks run.
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
use std::fmt;

use regex::Regex;
use serde::Deserialize;

use crate::checks::result::Severity;
use crate::connection::server::{Flavor, Platform, Version};

use super::builtin::Builtin;
use super::condition::VersionReq;
use super::context::RuleVariable;
use super::profile::Profile;
use crate::pipeline::snapshot_locking::SnapshotLocking;

#[derive(Debug, Clone)]
pub struct CheckSpec {
    /// Stable id, `area.name`: part of the interface (JSON, exit codes, `--checks-dir` overrides).
    pub id: String,
    pub(crate) title: String,
    /// Where the check applies: any matching condition. Empty means everywhere.
    pub(crate) applies: Vec<Condition>,
    /// Checks that must have passed or warned; otherwise this one is skipped.
    pub(crate) requires: Vec<String>,
    /// How the observed value is obtained: one probe, or variants picked by `when`.
    pub(crate) probe: Probes,
    /// Rules the observed value must satisfy; the worst violated rule sets the status.
    pub(crate) expect: Vec<Rule>,
    /// Human wording of the expectation; derived from the rules when absent.
    pub(crate) expected: Option<String>,
    /// Severity of a violated rule that names none.
    pub(crate) severity: Severity,
    /// Per-profile changes: severity, rules, or not applying at all.
    pub(crate) profiles: BTreeMap<Profile, ProfileOverride>,
    /// Fixes, first match wins (the last has no `when`).
    pub(crate) fixes: Vec<Fix>,
    /// Id of the playbook that explains and resolves a failure.
    pub playbook: String,
    /// Where the check was loaded from: only built-in fixes are ever applied.
    pub origin: Origin,
}

/// Where a check comes from. `doctor --fix --apply` runs the fixes of built-in checks only: a
/// file from `--checks-dir` can say any statement, and doctor would run it with the rights of
/// whoever applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    BuiltIn,
    /// The file it was read from, as given.
    File(String),
}

impl Origin {
    pub(crate) fn is_built_in(&self) -> bool {
        *self == Origin::BuiltIn
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::BuiltIn => f.write_str("the built-in catalogue"),
            Origin::File(path) => f.write_str(path),
        }
    }
}

/// A condition on the server and run. Every field given must match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Condition {
    pub(crate) flavor: Option<Flavor>,
    /// Comma-separated comparisons, e.g. ">=8.0.1" or ">=10.5, <11.4".
    pub(crate) version: Option<VersionReq>,
    pub(crate) platform: Option<Vec<Platform>>,
    pub(crate) profile: Option<Vec<Profile>>,
    /// The connector's `snapshot.locking.mode` (known only from its Kafka Connect config).
    pub(crate) snapshot_locking: Option<Vec<SnapshotLocking>>,
}

/// A check's (or diagnostic's) probes: tried in order, the first whose `when` holds is used.
/// Never empty; only the last may omit `when`.
#[derive(Debug, Clone)]
pub struct Probes(pub(crate) Vec<Variant>);

/// One probe and where it applies.
#[derive(Debug, Clone)]
pub struct Variant {
    pub(crate) when: Option<Condition>,
    pub probe: Probe,
}

impl Probes {
    /// Whether any variant needs a logged-in session (all but the connection builtins do).
    pub(crate) fn needs_session(&self) -> bool {
        self.0.iter().any(|v| v.probe.needs_session())
    }

    /// Whether every variant gives its own verdict, so the check needs no rules.
    pub(crate) fn judges_itself(&self) -> bool {
        self.0.iter().all(|v| v.probe.judges_itself())
    }
}

/// How the observed value is obtained.
#[derive(Debug, Clone)]
pub enum Probe {
    /// A global server variable (from SHOW GLOBAL VARIABLES).
    Variable { name: String, missing: MissingMeans },
    /// Several global variables; rules pick one with `of`.
    Variables { names: Vec<String> },
    /// A read-only query (checked at load by the read-only guard).
    Sql { sql: String, read: SqlRead },
    /// A probe implemented in code, where SQL cannot say it (TCP, TLS, grants...).
    Builtin(Builtin),
}

impl Probe {
    pub(crate) fn needs_session(&self) -> bool {
        match self {
            Probe::Builtin(b) => b.name().needs_session(),
            _ => true,
        }
    }

    pub(crate) fn judges_itself(&self) -> bool {
        match self {
            Probe::Builtin(b) => b.name().judges_itself(),
            _ => false,
        }
    }
}

/// What a query's answer is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlRead {
    /// The first row's value in `column` (by default the first column).
    First { column: Option<String> },
    /// `rows: list`: every row is an item (`a.b` joined columns); rules usually say `op: empty`.
    List,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RowsMode {
    List,
}

/// What a variable the server does not have means.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MissingMeans {
    #[default]
    Skip,
    Pass,
    Fail,
}

/// Spelled in YAML as in the contract: `not_in`, `not_regex`, `version_gte`, ...
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Op {
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

#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub(crate) test: Test,
    /// With a `variables` probe: which variable this rule tests.
    pub(crate) of: Option<String>,
    /// Overrides the check's severity for this rule (e.g. a softer second threshold).
    pub(crate) severity: Option<Severity>,
    /// The rule only applies where this matches.
    pub(crate) when: Option<Condition>,
    /// Message when violated; `{observed}` and `{value}` are filled in.
    pub(crate) message: Option<String>,
}

/// A rule's operator with its value, typed at load.
#[derive(Debug, Clone)]
pub(crate) enum Test {
    Eq(Expected),
    Ne(Expected),
    In(Vec<Expected>),
    NotIn(Vec<Expected>),
    Compare(Cmp, Threshold),
    Regex(Regex),
    NotRegex(Regex),
    Nonempty,
    Empty,
    VersionGte(Bound),
    VersionLt(Bound),
}

/// A value to compare with, as written and as a number when it is one ("7" equals "7.000000").
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Expected {
    pub(crate) text: String,
    pub(crate) number: Option<f64>,
}

impl Expected {
    pub(crate) fn new(text: String) -> Expected {
        let number = super::observed::parse_number(&text);
        Expected { text, number }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Cmp {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            Cmp::Gt => ">",
            Cmp::Gte => ">=",
            Cmp::Lt => "<",
            Cmp::Lte => "<=",
        }
    }
}

/// A number rule's threshold: written in the file, or declared by the run (`$max_downtime`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Threshold {
    Number {
        value: f64,
        shown: String,
    },
    /// Bound before the run (`rules::bind`); a rule whose variable the run did not declare
    /// does not apply.
    Declared(RuleVariable),
}

/// A version a rule compares the server's with, and how it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bound {
    pub(crate) version: Version,
    pub(crate) text: String,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ProfileOverride {
    pub(crate) severity: Option<Severity>,
    pub(crate) expect: Option<Vec<Rule>>,
    /// What this profile's rules expect, in words (the check's `expected` says the default's).
    pub(crate) expected: Option<String>,
    /// `false`: the check does not apply under this profile.
    pub(crate) applies: Option<bool>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Fix {
    pub(crate) when: Option<Condition>,
    /// One line: what to do.
    pub(crate) summary: String,
    /// Statements; `{user}` ('user'@'host' of the connecting account), `{port}` and `{schemas}`
    /// (comma list) are filled in; a line containing `{schema}` is repeated once per
    /// captured schema.
    pub sql: Vec<String>,
    /// Option-file lines (my.cnf) or parameter-group settings.
    pub(crate) config: Vec<String>,
    pub(crate) restart: bool,
}
