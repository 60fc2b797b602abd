//! Reading a probe: one of variable, variables, sql or builtin (with the builtin's arguments),
//! or a list of variants picked by their `when`.

use super::guard::check_read_only;
use super::read::{Fields, Reader};
use super::rule::{rules, when};
use super::yaml::{Node, Value};
use crate::checks::builtin::grants::Needs;
use crate::checks::builtin::{Builtin, BuiltinName};
use crate::checks::spec::{MissingMeans, Probe, Probes, RowsMode, Rule, SqlRead, Variant};

const PROBE_FIELDS: &[&str] = &[
    "when",
    "variable",
    "variables",
    "sql",
    "column",
    "rows",
    "builtin",
    "args",
    "missing",
];

/// The four kinds of probe, each with the other fields it takes.
const KINDS: [(&str, &[&str]); 4] = [
    ("variable", &["missing"]),
    ("variables", &[]),
    ("sql", &["column", "rows"]),
    ("builtin", &["args"]),
];

/// One probe (a mapping) or variants (a list); only the last variant may omit `when`.
pub(crate) fn probes(r: &mut Reader, node: &Node, path: &str) -> Option<Probes> {
    let Value::Seq(items) = &node.value else {
        return Some(Probes(vec![variant(r, node, path)?]));
    };
    if items.is_empty() {
        r.problem(node.line, path, "needs at least one probe");
        return None;
    }
    let before = r.count();
    let mut variants = Vec::with_capacity(items.len());
    for (i, n) in items.iter().enumerate() {
        let p = format!("{path}[{i}]");
        if let Some(v) = variant(r, n, &p) {
            if v.when.is_none() && i + 1 < items.len() {
                r.problem(
                    n.line,
                    &p,
                    "only the last variant may omit `when` (the ones after it could never run)",
                );
            }
            variants.push(v);
        }
    }
    (r.count() == before).then_some(Probes(variants))
}

fn variant(r: &mut Reader, node: &Node, path: &str) -> Option<Variant> {
    let unknown = r.count();
    let f = r.fields(node, path, PROBE_FIELDS)?;
    let before = r.count();
    let kinds: Vec<(&str, &[&str])> = KINDS.into_iter().filter(|(k, _)| f.has(k)).collect();
    let [(kind, takes)] = kinds.as_slice() else {
        let given: Vec<&str> = kinds.iter().map(|(k, _)| *k).collect();
        let message = match given.as_slice() {
            [] => "needs one of variable, variables, sql, builtin".to_string(),
            _ => format!(
                "has {}: a probe is exactly one of variable, variables, sql, builtin",
                given.join(" and ")
            ),
        };
        // After `variabel` was named unknown, "needs one of" would say it again.
        if given.len() > 1 || r.count() == unknown {
            r.problem(f.line, path, message);
        }
        return None;
    };
    // Fields that belong to another kind (`column` on a variable probe) would be ignored.
    for (other, fields) in KINDS {
        for field in fields.iter().filter(|x| f.has(x) && !takes.contains(x)) {
            let line = f.get(field).map_or(f.line, |n| n.line);
            r.problem(
                line,
                &f.path(field),
                format!("`{field}` goes with a `{other}` probe, not a `{kind}` one"),
            );
        }
    }
    let when = when(r, f.get("when"), &f.path("when"));
    let probe = match *kind {
        "variable" => variable(r, &f),
        "variables" => {
            let node = f.get("variables")?;
            let names = r.texts(node, &f.path("variables"))?;
            if names.is_empty() {
                r.problem(
                    node.line,
                    &f.path("variables"),
                    "needs at least one variable",
                );
            }
            Some(Probe::Variables {
                names: names.into_iter().map(|(n, _)| n).collect(),
            })
        }
        "sql" => sql(r, &f),
        _ => builtin(r, &f),
    };
    if r.count() != before {
        return None;
    }
    Some(Variant {
        when: when?,
        probe: probe?,
    })
}

fn variable(r: &mut Reader, f: &Fields) -> Option<Probe> {
    let name = r.words(f.get("variable")?, &f.path("variable"))?;
    let missing = match f.get("missing") {
        Some(n) => r.name(n, &f.path("missing"))?,
        None => MissingMeans::default(),
    };
    Some(Probe::Variable { name, missing })
}

fn sql(r: &mut Reader, f: &Fields) -> Option<Probe> {
    let node = f.get("sql")?;
    let sql = r.words(node, &f.path("sql"))?;
    if let Err(e) = check_read_only(&sql) {
        r.problem(node.line, &f.path("sql"), e.to_string());
    }
    let column = r.text_field(f, "column");
    let list = match f.get("rows") {
        Some(n) => r.name::<RowsMode>(n, &f.path("rows")).map(|_| true)?,
        None => false,
    };
    let read = match (list, column) {
        (false, column) => SqlRead::First { column },
        (true, None) => SqlRead::List,
        (true, Some(_)) => {
            let line = f.get("column").map_or(f.line, |n| n.line);
            r.problem(
                line,
                &f.path("column"),
                "`column` picks one value: it has no meaning with `rows: list`",
            );
            return None;
        }
    };
    Some(Probe::Sql { sql, read })
}

fn builtin(r: &mut Reader, f: &Fields) -> Option<Probe> {
    let node = f.get("builtin")?;
    let text = r.text(node, &f.path("builtin"))?;
    let Some(name) = BuiltinName::parse(&text) else {
        r.problem(
            node.line,
            &f.path("builtin"),
            format!("unknown builtin {text:?} (known: {})", BuiltinName::known()),
        );
        return None;
    };
    let args = match f.get("args") {
        Some(n) => {
            let path = f.path("args");
            let known = name.args();
            if known.is_empty() {
                r.problem(n.line, &path, format!("builtin {text} takes no args"));
                return None;
            }
            Some(r.fields(n, &path, known)?)
        }
        None => None,
    };
    let arg = |key: &str| {
        args.as_ref()
            .and_then(|a| a.get(key).map(|n| (n, a.path(key))))
    };
    let builtin = match name {
        BuiltinName::ConnectTcp => Builtin::ConnectTcp,
        BuiltinName::ConnectAuth => Builtin::ConnectAuth,
        BuiltinName::ConnectTls => Builtin::ConnectTls {
            expiry_warn_days: match arg("expiry_warn_days") {
                Some((n, p)) => r.number(n, &p)?,
                None => 30.0,
            },
        },
        BuiltinName::ConnectPrivate => Builtin::ConnectPrivate,
        BuiltinName::Grants => {
            let mut list = |key: &str| -> Option<Vec<String>> {
                match arg(key) {
                    Some((n, p)) => r.one_or_more(n, &p),
                    None => Some(Vec::new()),
                }
            };
            let global = list("global")?;
            Builtin::Grants(Needs {
                global: global
                    .iter()
                    .map(|g| g.split('|').map(|p| p.trim().to_string()).collect())
                    .collect(),
                per_schema: list("per_schema")?,
                superfluous: list("superfluous")?,
                superfluous_roles: list("superfluous_roles")?,
            })
        }
        BuiltinName::BinlogRetention => Builtin::BinlogRetention,
        BuiltinName::BinlogFilters => Builtin::BinlogFilters,
        BuiltinName::ReplicaLogUpdates => Builtin::ReplicaLogUpdates,
        BuiltinName::ReplicaPreserveCommitOrder => Builtin::ReplicaPreserveCommitOrder,
        BuiltinName::PositionAvailable => Builtin::PositionAvailable,
        BuiltinName::ServerReaderId => Builtin::ServerReaderId,
        BuiltinName::ConnectorTasks => Builtin::ConnectorTasks,
        BuiltinName::ServerId => Builtin::ServerId,
    };
    Some(Probe::Builtin(builtin))
}

/// A mapping's `probe` (required) and the `expect` rules that judge it.
pub(crate) struct Probed {
    pub(crate) probe: Option<Probes>,
    /// What the probe reads with `variables:`, which rules (a profile's too) pick with `of`.
    pub(crate) variables: Vec<String>,
    pub(crate) expect: Option<Vec<Rule>>,
}

pub(crate) fn probe_and_rules(r: &mut Reader, f: &Fields) -> Probed {
    let probe = r
        .required(f, "probe")
        .and_then(|n| probes(r, n, &f.path("probe")));
    let variables = probe.as_ref().map(variables).unwrap_or_default();
    let expect = match f.get("expect") {
        Some(n) => rules(r, n, &f.path("expect"), &variables),
        None => Some(Vec::new()),
    };
    Probed {
        probe,
        variables,
        expect,
    }
}

/// The variables a probe reads with `variables:`, which rules pick with `of`.
fn variables(probes: &Probes) -> Vec<String> {
    probes
        .0
        .iter()
        .filter_map(|v| match &v.probe {
            Probe::Variables { names } => Some(names.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}
