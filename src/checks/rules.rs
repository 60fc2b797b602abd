//! Evaluating `expect` rules against an observed value. Rules arrive typed from the loader:
//! numbers, lists, versions and compiled regexes, so nothing is parsed here.

use super::condition::{when_holds, Facts};
use super::context::RunOptions;
use super::observed::{human_duration, Observed};
use super::result::Severity;
use super::spec::{Cmp, Expected, Rule, Test, Threshold};
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

/// The rules with `$name` thresholds replaced by what the run declared (a duration shows as
/// one), rules naming an undeclared variable dropped, and a description of each bound rule
/// for the "expected" column.
pub(crate) fn bind(rules: &[Rule], options: &RunOptions) -> (Vec<Rule>, Vec<String>) {
    let mut bound = Vec::with_capacity(rules.len());
    let mut notes = Vec::new();
    for rule in rules {
        let Test::Compare(cmp, Threshold::Declared(var)) = rule.test else {
            bound.push(rule.clone());
            continue;
        };
        let Some(n) = options.variable(var) else {
            continue;
        };
        let shown = human_duration(n);
        notes.push(format!(
            "{} {shown} (declared {})",
            cmp.symbol(),
            var.name()
        ));
        bound.push(Rule {
            test: Test::Compare(cmp, Threshold::Number { value: n, shown }),
            ..rule.clone()
        });
    }
    (bound, notes)
}

/// Whether the value satisfies the rule. Values a rule cannot compare (a number rule on text)
/// do not satisfy it: an unexpected answer is worth a look.
pub(crate) fn holds(rule: &Rule, observed: &Observed, version: Option<Version>) -> bool {
    match &rule.test {
        Test::Eq(e) => same(observed, e),
        Test::Ne(e) => !same(observed, e),
        Test::In(list) => list.iter().any(|e| same(observed, e)),
        Test::NotIn(list) => !list.iter().any(|e| same(observed, e)),
        Test::Compare(cmp, threshold) => {
            let (Some(o), Threshold::Number { value: e, .. }) = (observed.as_number(), threshold)
            else {
                return false;
            };
            match cmp {
                Cmp::Gt => o > *e,
                Cmp::Gte => o >= *e,
                Cmp::Lt => o < *e,
                Cmp::Lte => o <= *e,
            }
        }
        Test::Regex(re) => re.is_match(&plain(observed)),
        Test::NotRegex(re) => !re.is_match(&plain(observed)),
        Test::Nonempty => !observed.is_empty(),
        Test::Empty => observed.is_empty(),
        Test::VersionGte(b) => version.is_some_and(|v| v >= b.version),
        Test::VersionLt(b) => version.is_some_and(|v| v < b.version),
    }
}

/// The expectation in words, for the report's "expected" column.
pub(crate) fn describe(rule: &Rule) -> String {
    let body = describe_test(&rule.test);
    match &rule.of {
        Some(of) => format!("{of} {body}"),
        None => body,
    }
}

fn describe_test(test: &Test) -> String {
    let value = value_text(test);
    match test {
        Test::Eq(_) | Test::In(_) => value,
        Test::Ne(_) | Test::NotIn(_) => format!("not {value}"),
        Test::Compare(cmp, _) => format!("{} {value}", cmp.symbol()),
        Test::Regex(_) => format!("matches {value}"),
        Test::NotRegex(_) => format!("does not match {value}"),
        Test::Nonempty => "set".into(),
        Test::Empty => "none".into(),
        Test::VersionGte(_) => format!("version >= {value}"),
        Test::VersionLt(_) => format!("version < {value}"),
    }
}

/// The rule's value as the file wrote it (a list as "a or b"), for `{value}`.
fn value_text(test: &Test) -> String {
    match test {
        Test::Eq(e) | Test::Ne(e) => e.text.clone(),
        Test::In(list) | Test::NotIn(list) => list
            .iter()
            .map(|e| e.text.as_str())
            .collect::<Vec<_>>()
            .join(" or "),
        Test::Compare(_, Threshold::Number { shown, .. }) => shown.clone(),
        Test::Compare(_, Threshold::Declared(v)) => format!("${}", v.name()),
        Test::Regex(re) | Test::NotRegex(re) => re.as_str().to_string(),
        Test::VersionGte(b) | Test::VersionLt(b) => b.text.clone(),
        Test::Nonempty | Test::Empty => String::new(),
    }
}

fn message(rule: &Rule, observed: &Observed) -> String {
    let shown = observed.display();
    match &rule.message {
        Some(m) => m
            .replace("{observed}", &shown)
            .replace("{value}", &value_text(&rule.test)),
        None => {
            let subject = rule.of.as_deref().unwrap_or("value");
            format!(
                "{subject} is {shown}, expected {}",
                describe_test(&rule.test)
            )
        }
    }
}

fn same(observed: &Observed, expected: &Expected) -> bool {
    if let (Some(o), Some(n)) = (observed.as_number(), expected.number) {
        return o == n;
    }
    plain(observed).eq_ignore_ascii_case(&expected.text)
}

fn plain(observed: &Observed) -> String {
    match observed {
        Observed::Text(s) => s.clone(),
        Observed::Missing | Observed::Null => String::new(),
        other => other.display(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::profile::Profile;
    use crate::connection::server::{Flavor, Platform};

    fn rule(yaml: &str) -> Rule {
        rules(&format!("[{yaml}]")).remove(0)
    }

    fn rules(yaml: &str) -> Vec<Rule> {
        crate::checks::catalogue::rules_for_tests(yaml)
    }

    fn facts() -> Facts {
        Facts {
            flavor: Some(Flavor::Mysql),
            version: Version::parse("8.0.35"),
            platform: Some(Platform::SelfManaged),
            profile: Profile::Generic,
            snapshot_locking: None,
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
        let rules = rules(
            "[{op: gte, value: 86400, severity: fail}, {op: gte, value: 604800, severity: warn},
              {op: eq, value: 0, when: {flavor: mariadb}}]",
        );
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
        let rules = rules(
            "[{of: gtid_mode, op: eq, value: 'ON'}, {of: enforce_gtid_consistency, op: eq, value: 'ON'}]",
        );
        let v = violations(&rules, &observed, &facts(), Severity::Fail);
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].message,
            "enforce_gtid_consistency is WARN, expected ON"
        );
    }

    #[test]
    fn declared_values_bind_and_undeclared_ones_drop_the_rule() {
        let rules = rules(
            "[{op: gte, value: 86400}, {op: gte, value: $max_downtime, message: \"kept {observed}, need {value}\"}]",
        );
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
