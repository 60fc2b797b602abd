//! Evaluating `expect` rules against an observed value.

use regex::Regex;
use serde_yaml::Value;

use super::condition::{when_holds, Facts};
use super::context::RunOptions;
use super::observed::{human_duration, parse_number, Observed};
use super::result::Severity;
use super::spec::{Op, Rule};
use crate::connection::server::Version;

/// A rule the observed value broke.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Violation {
    pub(crate) severity: Severity,
    pub(crate) message: String,
}

/// Every violated rule that applies here, worst first.
pub(crate) fn violations(
    rules: &[Rule],
    observed: &Observed,
    facts: &Facts,
    default: Severity,
) -> Vec<Violation> {
    let mut out: Vec<Violation> = rules
        .iter()
        .filter(|r| when_holds(r.when.as_ref(), facts))
        .filter_map(|r| {
            let value = match &r.of {
                Some(name) => observed.get(name)?,
                None => observed,
            };
            if holds(r, value, facts.version) {
                return None;
            }
            Some(Violation {
                severity: r.severity.unwrap_or(default),
                message: message(r, value),
            })
        })
        .collect();
    out.sort_by_key(|v| std::cmp::Reverse(v.severity));
    out
}

/// The rules with `$name` values replaced by what the run declared (a duration shows as one in
/// `{value}`), rules naming an undeclared variable dropped, and a description of each bound
/// rule for the "expected" column.
pub(crate) fn bind(rules: &[Rule], options: &RunOptions) -> (Vec<Rule>, Vec<String>) {
    let mut bound = Vec::with_capacity(rules.len());
    let mut notes = Vec::new();
    for rule in rules {
        let Some(name) = rule.value.as_ref().and_then(variable_name) else {
            bound.push(rule.clone());
            continue;
        };
        let Some(n) = options.variable(name) else {
            continue;
        };
        let shown = human_duration(n);
        let mut r = rule.clone();
        r.value = Some(Value::Number(serde_yaml::Number::from(n)));
        r.message = r.message.map(|m| m.replace("{value}", &shown));
        notes.push(format!(
            "{} {shown} (declared {name})",
            describe(&r).split(' ').next().unwrap_or_default()
        ));
        bound.push(r);
    }
    (bound, notes)
}

/// `$max_downtime` → `max_downtime`.
pub(crate) fn variable_name(v: &Value) -> Option<&str> {
    v.as_str()?.strip_prefix('$')
}

/// Whether the value satisfies the rule. Values a rule cannot compare (a number rule on text)
/// do not satisfy it: an unexpected answer is worth a look.
pub(crate) fn holds(rule: &Rule, observed: &Observed, version: Option<Version>) -> bool {
    let expected = rule.value.as_ref();
    match rule.op {
        Op::Eq => expected.is_some_and(|e| same(observed, e)),
        Op::Ne => !expected.is_some_and(|e| same(observed, e)),
        Op::In => list(expected).iter().any(|e| same(observed, e)),
        Op::NotIn => !list(expected).iter().any(|e| same(observed, e)),
        Op::Gt | Op::Gte | Op::Lt | Op::Lte => {
            let (Some(o), Some(e)) = (observed.as_number(), expected.and_then(number)) else {
                return false;
            };
            match rule.op {
                Op::Gt => o > e,
                Op::Gte => o >= e,
                Op::Lt => o < e,
                _ => o <= e,
            }
        }
        Op::Regex | Op::NotRegex => {
            let Some(re) = expected.and_then(text).and_then(|p| Regex::new(&p).ok()) else {
                return false;
            };
            let found = re.is_match(&plain(observed));
            (rule.op == Op::Regex) == found
        }
        Op::Nonempty => !observed.is_empty(),
        Op::Empty => observed.is_empty(),
        Op::VersionGte | Op::VersionLt => {
            let (Some(v), Some(want)) = (
                version,
                expected.and_then(text).and_then(|t| Version::parse(&t)),
            ) else {
                return false;
            };
            (rule.op == Op::VersionGte) == (v >= want)
        }
    }
}

/// The expectation in words, for the report's "expected" column.
pub(crate) fn describe(rule: &Rule) -> String {
    let v = rule.value.as_ref();
    let one = || v.and_then(text).unwrap_or_default();
    let body = match rule.op {
        Op::Eq => one(),
        Op::Ne => format!("not {}", one()),
        Op::In => list(v)
            .iter()
            .filter_map(text)
            .collect::<Vec<_>>()
            .join(" or "),
        Op::NotIn => format!(
            "not {}",
            list(v)
                .iter()
                .filter_map(text)
                .collect::<Vec<_>>()
                .join(" or ")
        ),
        Op::Gt => format!("> {}", one()),
        Op::Gte => format!(">= {}", one()),
        Op::Lt => format!("< {}", one()),
        Op::Lte => format!("<= {}", one()),
        Op::Regex => format!("matches {}", one()),
        Op::NotRegex => format!("does not match {}", one()),
        Op::Nonempty => "set".into(),
        Op::Empty => "none".into(),
        Op::VersionGte => format!("version >= {}", one()),
        Op::VersionLt => format!("version < {}", one()),
    };
    match &rule.of {
        Some(of) => format!("{of} {body}"),
        None => body,
    }
}

fn message(rule: &Rule, observed: &Observed) -> String {
    let shown = observed.display();
    match &rule.message {
        Some(m) => m.replace("{observed}", &shown).replace(
            "{value}",
            &rule.value.as_ref().and_then(text).unwrap_or_default(),
        ),
        None => {
            let subject = rule.of.as_deref().unwrap_or("value");
            let want = describe(&Rule {
                of: None,
                ..rule.clone()
            });
            format!("{subject} is {shown}, expected {want}")
        }
    }
}

fn same(observed: &Observed, expected: &Value) -> bool {
    let Some(e) = text(expected) else {
        return false;
    };
    if let (Some(o), Some(n)) = (observed.as_number(), parse_number(&e)) {
        return o == n;
    }
    plain(observed).eq_ignore_ascii_case(&e)
}

fn plain(observed: &Observed) -> String {
    match observed {
        Observed::Text(s) => s.clone(),
        Observed::Missing | Observed::Null => String::new(),
        other => other.display(),
    }
}

fn list(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Sequence(items)) => items.clone(),
        Some(other) => vec![other.clone()],
        None => Vec::new(),
    }
}

/// A YAML scalar as text; YAML reads `ON` as a string but `1` as a number and `true` as bool.
pub(crate) fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "ON" } else { "OFF" }.to_string()),
        _ => None,
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => parse_number(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::profile::Profile;
    use crate::connection::server::{Flavor, Platform};

    fn rule(yaml: &str) -> Rule {
        serde_yaml::from_str(yaml).unwrap()
    }

    fn facts() -> Facts {
        Facts {
            flavor: Some(Flavor::Mysql),
            version: Version::parse("8.0.35"),
            platform: Some(Platform::SelfManaged),
            profile: Profile::Generic,
        }
    }

    fn check(yaml: &str, observed: Observed) -> bool {
        holds(&rule(yaml), &observed, facts().version)
    }

    #[test]
    fn text_comparisons_ignore_case_and_numbers_compare_as_numbers() {
        assert!(check("{op: eq, value: ROW}", Observed::text("row")));
        assert!(!check("{op: eq, value: ROW}", Observed::text("STATEMENT")));
        assert!(check("{op: in, value: [ON, 1]}", Observed::text("1")));
        assert!(check("{op: eq, value: 7}", Observed::text("7.000000")));
        assert!(check(
            "{op: not_in, value: [PARTIAL_JSON]}",
            Observed::text("")
        ));
        assert!(!check("{op: ne, value: 'OFF'}", Observed::text("off")));
    }

    #[test]
    fn thresholds_need_numbers() {
        assert!(check("{op: gte, value: 86400}", Observed::text("604800")));
        assert!(!check("{op: gte, value: 86400}", Observed::text("3600")));
        assert!(!check("{op: gte, value: 86400}", Observed::text("soon")));
        let infinite = Observed::Number {
            value: f64::INFINITY,
            shown: "unlimited".into(),
        };
        assert!(check("{op: gte, value: 604800}", infinite));
    }

    #[test]
    fn regex_emptiness_and_versions() {
        assert!(check(
            "{op: regex, value: '^(UTC|[+-]\\d\\d:\\d\\d)$'}",
            Observed::text("+00:00")
        ));
        assert!(!check(
            "{op: regex, value: '^UTC$'}",
            Observed::text("CEST")
        ));
        assert!(check("{op: empty}", Observed::List(vec![])));
        assert!(!check("{op: empty}", Observed::List(vec!["db.t".into()])));
        assert!(check("{op: nonempty}", Observed::text("binlog.000003")));
        assert!(!check("{op: nonempty}", Observed::Null));
        assert!(check("{op: version_gte, value: '5.7'}", Observed::Null));
        assert!(!check("{op: version_lt, value: '8.0'}", Observed::Null));
    }

    #[test]
    fn worst_violation_first_and_when_limits_rules() {
        let rules: Vec<Rule> = serde_yaml::from_str(
            "[{op: gte, value: 86400, severity: fail}, {op: gte, value: 604800, severity: warn},
              {op: eq, value: 0, when: {flavor: mariadb}}]",
        )
        .unwrap();
        let v = violations(&rules, &Observed::text("3600"), &facts(), Severity::Fail);
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].severity, Severity::Fail);
        assert_eq!(v[0].message, "value is 3600, expected >= 86400");
        let v = violations(&rules, &Observed::text("172800"), &facts(), Severity::Fail);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].severity, Severity::Warn);
    }

    #[test]
    fn rules_pick_one_variable_with_of() {
        let observed = Observed::Map(vec![
            ("gtid_mode".into(), Observed::text("ON")),
            ("enforce_gtid_consistency".into(), Observed::text("WARN")),
        ]);
        let rules: Vec<Rule> = serde_yaml::from_str(
            "[{of: gtid_mode, op: eq, value: 'ON'}, {of: enforce_gtid_consistency, op: eq, value: 'ON'}]",
        )
        .unwrap();
        let v = violations(&rules, &observed, &facts(), Severity::Fail);
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].message,
            "enforce_gtid_consistency is WARN, expected ON"
        );
    }

    #[test]
    fn declared_values_bind_and_undeclared_ones_drop_the_rule() {
        let rules = vec![
            rule("{op: gte, value: 86400}"),
            rule("{op: gte, value: $max_downtime, message: \"kept {observed}, need {value}\"}"),
        ];
        let (bound, notes) = bind(&rules, &RunOptions::default());
        assert_eq!(bound.len(), 1, "no --max-downtime: the rule does not apply");
        assert!(notes.is_empty());
        let options = RunOptions {
            max_downtime: Some(std::time::Duration::from_secs(3 * 86400)),
            ..RunOptions::default()
        };
        let (bound, notes) = bind(&rules, &options);
        assert_eq!(notes, [">= 3 days (declared max_downtime)"]);
        let two_days = Observed::Number {
            value: 172_800.0,
            shown: "2 days".into(),
        };
        let broken = violations(&bound, &two_days, &facts(), Severity::Fail);
        assert_eq!(broken.len(), 1);
        assert_eq!(broken[0].message, "kept 2 days, need 3 days");
        let four_days = Observed::Number {
            value: 345_600.0,
            shown: "4 days".into(),
        };
        assert!(violations(&bound, &four_days, &facts(), Severity::Fail).is_empty());
    }
}
