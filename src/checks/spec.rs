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
pub(crate) struct CheckFile {
    pub(crate) checks: Vec<CheckSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// Stable id, `area.name`: part of the interface (JSON, exit codes, `--checks-dir` overrides).
    pub id: String,
    pub(crate) title: String,
    /// What breaks without it.
    pub(crate) why: String,
    /// Where the check applies: any matching condition. Empty means everywhere.
    #[serde(default)]
    pub(crate) applies: Vec<Condition>,
    /// Checks that must have passed or warned; otherwise this one is skipped.
    #[serde(default)]
    pub(crate) requires: Vec<String>,
    /// How the observed value is obtained: one probe, or variants picked by `when`.
    pub(crate) probe: Probes,
    /// Rules the observed value must satisfy; the worst violated rule sets the status.
    #[serde(default)]
    pub(crate) expect: Vec<Rule>,
    /// Human wording of the expectation; derived from the rules when absent.
    #[serde(default)]
    pub(crate) expected: Option<String>,
    /// Severity of a violated rule that names none.
    #[serde(default = "default_severity")]
    pub(crate) severity: Severity,
    /// Per-profile changes: severity, rules, or not applying at all.
    #[serde(default)]
    pub(crate) profiles: BTreeMap<Profile, ProfileOverride>,
    /// Fixes, first match wins (put the most specific first).
    #[serde(default)]
    pub(crate) fixes: Vec<Fix>,
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
    pub(crate) flavor: Option<Flavor>,
    /// Comma-separated comparisons, e.g. ">=8.0.1" or ">=10.5, <11.4".
    #[serde(default)]
    pub(crate) version: Option<String>,
    #[serde(default)]
    pub(crate) platform: Option<Vec<Platform>>,
    #[serde(default)]
    pub(crate) profile: Option<Vec<Profile>>,
}

/// One probe or a list of variants, the first whose `when` matches is used.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Probes {
    One(Box<Probe>),
    Variants(Vec<Probe>),
}

impl Probes {
    /// Every variant, in the order they are tried.
    pub(crate) fn variants(&self) -> Vec<&Probe> {
        match self {
            Probes::One(p) => vec![p.as_ref()],
            Probes::Variants(ps) => ps.iter().collect(),
        }
    }
}

/// Exactly one of `variable`, `variables`, `sql` or `builtin`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    #[serde(default)]
    pub(crate) when: Option<Condition>,
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
    pub(crate) column: Option<String>,
    #[serde(default)]
    pub(crate) rows: Option<RowsMode>,
    /// A named probe implemented in code, where SQL cannot say it (TCP, TLS, grants...).
    #[serde(default)]
    pub(crate) builtin: Option<String>,
    /// Arguments of a builtin probe
    #[serde(default)]
    pub(crate) args: BTreeMap<String, serde_yaml::Value>,
    /// What a variable the server does not have means.
    #[serde(default)]
    pub(crate) missing: Option<MissingMeans>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RowsMode {
    /// Every row is an item of a list; rules usually say `op: empty`.
    List,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum MissingMeans {
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Rule {
    pub(crate) op: Op,
    /// Scalar for most operators, a list for `in` / `not_in`, absent for `empty` / `nonempty`.
    /// A number rule may name a value the run declares instead, e.g. `$max_downtime` (see
    /// `context::RULE_VARIABLES`); without that declaration the rule does not apply.
    #[serde(default)]
    pub(crate) value: Option<serde_yaml::Value>,
    /// With a `variables` probe: which variable this rule tests.
    #[serde(default)]
    pub(crate) of: Option<String>,
    /// Overrides the check's severity for this rule (e.g. a softer second threshold).
    #[serde(default)]
    pub(crate) severity: Option<Severity>,
    /// The rule only applies where this matches.
    #[serde(default)]
    pub(crate) when: Option<Condition>,
    /// Message when violated; `{observed}` and `{value}` are filled in.
    #[serde(default)]
    pub(crate) message: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProfileOverride {
    #[serde(default)]
    pub(crate) severity: Option<Severity>,
    #[serde(default)]
    pub(crate) expect: Option<Vec<Rule>>,
    /// `false`: the check does not apply under this profile.
    #[serde(default)]
    pub(crate) applies: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Fix {
    #[serde(default)]
    pub(crate) when: Option<Condition>,
    /// One line: what to do.
    pub(crate) summary: String,
    /// Statements; `{user}` ('user'@'host' of the connecting account) and `{schemas}`
    /// (comma list) are filled in; a line containing `{schema}` is repeated once per
    /// captured schema.
    #[serde(default)]
    pub sql: Vec<String>,
    /// Option-file lines (my.cnf) or parameter-group settings.
    #[serde(default)]
    pub(crate) config: Vec<String>,
    #[serde(default)]
    pub(crate) restart: bool,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use regex::Regex;

    use super::*;

    /// Builtins that give a verdict themselves; checks using them need no rules.
    const VERDICT_BUILTINS: &[&str] = &[
        "connect.tcp",
        "connect.auth",
        "connect.tls",
        "connect.private",
        "grants",
        "binlog.filters",
        "replica.log_updates",
        "replica.preserve_commit_order",
        "position.available",
        "server.reader_id",
    ];

    fn catalogue() -> Vec<(String, CheckFile)> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/checks");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .expect("checks/ directory")
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no checks/*.yaml found");
        files
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(&path).expect("readable yaml");
                let file: CheckFile = serde_yaml::from_str(&text)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                (path.display().to_string(), file)
            })
            .collect()
    }

    fn probes(spec: &CheckSpec) -> Vec<&Probe> {
        match &spec.probe {
            Probes::One(p) => vec![p],
            Probes::Variants(v) => v.iter().collect(),
        }
    }

    fn all_rules(spec: &CheckSpec) -> Vec<&Rule> {
        let mut rules: Vec<&Rule> = spec.expect.iter().collect();
        for o in spec.profiles.values() {
            if let Some(expect) = &o.expect {
                rules.extend(expect.iter());
            }
        }
        rules
    }

    #[test]
    fn catalogue_parses_and_is_consistent() {
        let id_re = Regex::new(r"^[a-z_]+\.[a-z_]+$").unwrap();
        let playbook_re = Regex::new(r"^[a-z0-9]+(-[a-z0-9]+)*$").unwrap();
        let files = catalogue();

        let mut ids = BTreeSet::new();
        for (path, file) in &files {
            assert!(!file.checks.is_empty(), "{path}: no checks");
            for spec in &file.checks {
                assert!(id_re.is_match(&spec.id), "{path}: bad id {:?}", spec.id);
                assert!(ids.insert(spec.id.clone()), "duplicate id {}", spec.id);
            }
        }

        for (path, file) in &files {
            for spec in &file.checks {
                let id = &spec.id;
                assert!(!spec.title.trim().is_empty(), "{path}: {id}: empty title");
                assert!(!spec.why.trim().is_empty(), "{path}: {id}: empty why");
                assert!(
                    playbook_re.is_match(&spec.playbook),
                    "{path}: {id}: bad playbook {:?}",
                    spec.playbook
                );
                for r in &spec.requires {
                    assert!(ids.contains(r), "{path}: {id}: requires unknown {r}");
                    assert_ne!(r, id, "{path}: {id}: requires itself");
                }

                let probes = probes(spec);
                assert!(!probes.is_empty(), "{path}: {id}: no probe");
                for (i, p) in probes.iter().enumerate() {
                    let kinds = [
                        p.variable.is_some(),
                        p.variables.is_some(),
                        p.sql.is_some(),
                        p.builtin.is_some(),
                    ];
                    assert_eq!(
                        kinds.iter().filter(|k| **k).count(),
                        1,
                        "{path}: {id}: probe {i} must have exactly one of variable/variables/sql/builtin"
                    );
                    if i + 1 < probes.len() {
                        assert!(
                            p.when.is_some(),
                            "{path}: {id}: only the last variant may omit `when`"
                        );
                    }
                    if let Some(sql) = &p.sql {
                        let head = sql.trim_start().to_ascii_uppercase();
                        assert!(
                            head.starts_with("SELECT") || head.starts_with("SHOW"),
                            "{path}: {id}: SQL must be SELECT or SHOW"
                        );
                    }
                    if p.builtin.is_none() {
                        assert!(p.args.is_empty(), "{path}: {id}: args without builtin");
                    }
                }

                let verdict = probes.iter().all(|p| {
                    p.builtin
                        .as_deref()
                        .is_some_and(|b| VERDICT_BUILTINS.contains(&b))
                });
                if !verdict {
                    assert!(!spec.expect.is_empty(), "{path}: {id}: no rules");
                }

                let variables: BTreeSet<&str> = probes
                    .iter()
                    .filter_map(|p| p.variables.as_ref())
                    .flatten()
                    .map(String::as_str)
                    .collect();
                for rule in all_rules(spec) {
                    match rule.op {
                        Op::Empty | Op::Nonempty => assert!(
                            rule.value.is_none(),
                            "{path}: {id}: {:?} takes no value",
                            rule.op
                        ),
                        Op::In | Op::NotIn => assert!(
                            matches!(rule.value, Some(serde_yaml::Value::Sequence(ref s)) if !s.is_empty()),
                            "{path}: {id}: {:?} needs a non-empty list",
                            rule.op
                        ),
                        _ => assert!(
                            matches!(
                                rule.value,
                                Some(
                                    serde_yaml::Value::String(_)
                                        | serde_yaml::Value::Number(_)
                                        | serde_yaml::Value::Bool(_)
                                )
                            ),
                            "{path}: {id}: {:?} needs a scalar value",
                            rule.op
                        ),
                    }
                    if matches!(rule.op, Op::Regex | Op::NotRegex) {
                        let v = rule.value.as_ref().and_then(|v| v.as_str()).unwrap();
                        Regex::new(v).unwrap_or_else(|e| panic!("{path}: {id}: regex: {e}"));
                    }
                    if let Some(of) = &rule.of {
                        assert!(
                            variables.contains(of.as_str()),
                            "{path}: {id}: rule names unknown variable {of}"
                        );
                    }
                }

                assert!(!spec.fixes.is_empty(), "{path}: {id}: no fix");
                for fix in &spec.fixes {
                    assert!(
                        !fix.summary.trim().is_empty() && !fix.summary.contains('\n'),
                        "{path}: {id}: fix summary must be one line"
                    );
                }
                assert!(
                    spec.fixes.last().unwrap().when.is_none(),
                    "{path}: {id}: the last fix must be a fallback without `when`"
                );
            }
        }
    }

    #[test]
    fn time_zone_rule_accepts_zones_and_rejects_abbreviations() {
        let spec = catalogue()
            .into_iter()
            .flat_map(|(_, f)| f.checks)
            .find(|c| c.id == "server.time_zone")
            .expect("server.time_zone");
        let re = Regex::new(spec.expect[0].value.as_ref().unwrap().as_str().unwrap()).unwrap();
        for ok in [
            "UTC",
            "+00:00",
            "-05:00",
            "+5:30",
            "Europe/Berlin",
            "America/Argentina/Buenos_Aires",
            "Etc/GMT+3",
        ] {
            assert!(re.is_match(ok), "{ok} should pass");
        }
        for bad in ["CEST", "CST", "IST", "EDT", "SYSTEM", ""] {
            assert!(!re.is_match(bad), "{bad} should fail");
        }
    }
}
