//! Reading conditions (`applies`, `when`) and rules (`expect`), shared by checks and playbook
//! diagnostics. Values are typed here, once: numbers, lists, versions, compiled regexes.

use regex::Regex;

use super::read::{regex_problem, Reader};
use super::yaml::{Node, Value};
use crate::checks::condition::VersionReq;
use crate::checks::context::RuleVariable;
use crate::checks::spec::{Bound, Cmp, Condition, Expected, Op, Rule, Test, Threshold};
use crate::connection::server::Version;

const CONDITION_FIELDS: &[&str] = &[
    "flavor",
    "version",
    "platform",
    "profile",
    "snapshot_locking",
];
const RULE_FIELDS: &[&str] = &["op", "value", "of", "severity", "when", "message"];

pub(crate) fn condition(r: &mut Reader, node: &Node, path: &str) -> Option<Condition> {
    let f = r.fields(node, path, CONDITION_FIELDS)?;
    let before = r.count();
    let flavor = f.get("flavor").and_then(|n| r.name(n, &f.path("flavor")));
    let version = f.get("version").and_then(|n| {
        let text = r.text(n, &f.path("version"))?;
        let req = VersionReq::parse(&text);
        if req.is_none() {
            r.problem(
                n.line,
                &f.path("version"),
                format!("{text:?} is not a version requirement like \">=8.0.1, <8.4\""),
            );
        }
        req
    });
    let platform = f
        .get("platform")
        .and_then(|n| r.names(n, &f.path("platform")));
    let profile = f
        .get("profile")
        .and_then(|n| r.names(n, &f.path("profile")));
    let snapshot_locking = f
        .get("snapshot_locking")
        .and_then(|n| r.names(n, &f.path("snapshot_locking")));
    (r.count() == before).then_some(Condition {
        flavor,
        version,
        platform,
        profile,
        snapshot_locking,
    })
}

/// An optional `when:` of a mapping.
pub(crate) fn when(r: &mut Reader, node: Option<&Node>, path: &str) -> Option<Option<Condition>> {
    match node {
        None => Some(None),
        Some(n) => condition(r, n, path).map(Some),
    }
}

/// A list of rules. `variables` are what the probe reads with `variables:`, which `of` names.
pub(crate) fn rules(
    r: &mut Reader,
    node: &Node,
    path: &str,
    variables: &[String],
) -> Option<Vec<Rule>> {
    let before = r.count();
    let rules = r.each(node, path, |r, n, p| rule(r, n, p, variables))?;
    (r.count() == before).then(|| rules.into_iter().flatten().collect())
}

fn rule(r: &mut Reader, node: &Node, path: &str, variables: &[String]) -> Option<Rule> {
    let f = r.fields(node, path, RULE_FIELDS)?;
    let before = r.count();
    let op: Option<Op> = r.required(&f, "op").and_then(|n| r.name(n, &f.path("op")));
    let value = f.get("value");
    let value_path = f.path("value");
    // The operator as written (`not_in`), for messages.
    let written = f.get("op").and_then(Node::as_text).unwrap_or_default();
    let test = op.and_then(|op| test(r, (op, written), value, &value_path, f.line));
    let of = r.text_field(&f, "of");
    if let (Some(of), Some(n)) = (&of, f.get("of")) {
        if variables.is_empty() {
            r.problem(
                n.line,
                &f.path("of"),
                "`of` picks one of a `variables` probe's variables; this probe has none",
            );
        } else if !variables.contains(of) {
            r.problem(
                n.line,
                &f.path("of"),
                format!(
                    "the probe reads no variable {of} (it reads {})",
                    variables.join(", ")
                ),
            );
        }
    }
    let severity = f
        .get("severity")
        .and_then(|n| r.name(n, &f.path("severity")));
    let when = when(r, f.get("when"), &f.path("when"));
    let message = r.text_field(&f, "message");
    if r.count() != before {
        return None;
    }
    Some(Rule {
        test: test?,
        of,
        severity,
        when: when?,
        message,
    })
}

/// The operator with its value typed; `line` is the rule's, for a missing value.
fn test(
    r: &mut Reader,
    (op, written): (Op, &str),
    value: Option<&Node>,
    path: &str,
    line: usize,
) -> Option<Test> {
    if matches!(op, Op::Empty | Op::Nonempty) {
        if let Some(v) = value {
            r.problem(v.line, path, format!("{} takes no value", written));
            return None;
        }
        return Some(if op == Op::Empty {
            Test::Empty
        } else {
            Test::Nonempty
        });
    }
    let Some(v) = value.filter(|v| v.value != Value::Null) else {
        r.problem(line, path, format!("{} needs a value", written));
        return None;
    };
    if matches!(op, Op::In | Op::NotIn) {
        let Value::Seq(items) = &v.value else {
            r.problem(
                v.line,
                path,
                format!("{} needs a list, like [ROW, MIXED]", written),
            );
            return None;
        };
        if items.is_empty() {
            r.problem(v.line, path, format!("{} needs a non-empty list", written));
            return None;
        }
        let before = r.count();
        let list: Vec<Expected> = items
            .iter()
            .enumerate()
            .filter_map(|(i, n)| scalar(r, n, &format!("{path}[{i}]")).map(Expected::new))
            .collect();
        if r.count() != before {
            return None;
        }
        return Some(if op == Op::In {
            Test::In(list)
        } else {
            Test::NotIn(list)
        });
    }
    let text = scalar(r, v, path)?;
    if let Some(name) = text.strip_prefix('$') {
        let Some(var) = RuleVariable::parse(name) else {
            r.problem(
                v.line,
                path,
                format!(
                    "unknown variable ${name} (known: {})",
                    RuleVariable::known()
                ),
            );
            return None;
        };
        let Some(cmp) = cmp(op) else {
            r.problem(
                v.line,
                path,
                format!("${name} is a number: use gt, gte, lt or lte"),
            );
            return None;
        };
        return Some(Test::Compare(cmp, Threshold::Declared(var)));
    }
    let test = match op {
        Op::Eq => Test::Eq(Expected::new(text)),
        Op::Ne => Test::Ne(Expected::new(text)),
        Op::Gt | Op::Gte | Op::Lt | Op::Lte => {
            let Ok(value) = text.trim().parse::<f64>() else {
                r.problem(v.line, path, "needs a number");
                return None;
            };
            Test::Compare(cmp(op)?, Threshold::Number { value, shown: text })
        }
        Op::Regex | Op::NotRegex => match Regex::new(&text) {
            Ok(re) if op == Op::Regex => Test::Regex(re),
            Ok(re) => Test::NotRegex(re),
            Err(e) => {
                r.problem(v.line, path, regex_problem(&e));
                return None;
            }
        },
        Op::VersionGte | Op::VersionLt => {
            let Some(version) = Version::parse(&text) else {
                r.problem(v.line, path, "needs a version like 8.0.20");
                return None;
            };
            let bound = Bound { version, text };
            if op == Op::VersionGte {
                Test::VersionGte(bound)
            } else {
                Test::VersionLt(bound)
            }
        }
        Op::In | Op::NotIn | Op::Empty | Op::Nonempty => return None,
    };
    Some(test)
}

/// A rule value: YAML reads `ON` as text but `true` as a boolean, which servers print as ON.
fn scalar(r: &mut Reader, node: &Node, path: &str) -> Option<String> {
    match node.as_bool() {
        Some(true) => Some("ON".into()),
        Some(false) => Some("OFF".into()),
        None => r.text(node, path),
    }
}

fn cmp(op: Op) -> Option<Cmp> {
    match op {
        Op::Gt => Some(Cmp::Gt),
        Op::Gte => Some(Cmp::Gte),
        Op::Lt => Some(Cmp::Lt),
        Op::Lte => Some(Cmp::Lte),
        _ => None,
    }
}
