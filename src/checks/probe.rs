//! Running a check's probe: a variable, a query, or a named builtin.

use super::builtin;
use super::condition::{when_holds, Facts};
use super::context::Context;
use super::observed::Observed;
use super::spec::{MissingMeans, Probe, Probes, RowsMode};

/// How a builtin judged what it saw, when it judges itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    Ok,
    Warn,
    /// Broken: reported with the check's severity.
    Violation,
    /// Broken beyond any profile's tolerance (the session could not be set up at all).
    Fail,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    /// A value for the check's rules.
    Value(Observed),
    /// A builtin's own judgement.
    Verdict {
        level: Level,
        observed: String,
        message: String,
    },
    Skip(String),
    Error(String),
}

impl Outcome {
    pub(crate) fn verdict(
        level: Level,
        observed: impl Into<String>,
        message: impl Into<String>,
    ) -> Outcome {
        Outcome::Verdict {
            level,
            observed: observed.into(),
            message: message.into(),
        }
    }
}

/// The probe to use here: the only one, or the first variant whose `when` matches.
pub fn select<'p>(probes: &'p Probes, facts: &Facts) -> Option<&'p Probe> {
    match probes {
        Probes::One(p) => Some(p.as_ref()).filter(|p| when_holds(p.when.as_ref(), facts)),
        Probes::Variants(ps) => ps.iter().find(|p| when_holds(p.when.as_ref(), facts)),
    }
}

pub(crate) fn run(probe: &Probe, ctx: &mut Context) -> Outcome {
    if let Some(name) = &probe.builtin {
        return builtin::run(name, &probe.args, ctx);
    }
    if let Some(name) = &probe.variable {
        return variable(name, probe.missing, ctx);
    }
    if let Some(names) = &probe.variables {
        let Some(server) = &ctx.server else {
            return Outcome::Skip("no server information".into());
        };
        let pairs = names
            .iter()
            .map(|n| {
                let v = server.variable(n).map_or(Observed::Missing, Observed::text);
                (n.clone(), v)
            })
            .filter(|(_, v)| *v != Observed::Missing)
            .collect::<Vec<_>>();
        if pairs.is_empty() {
            return Outcome::Skip(format!("the server has none of {}", names.join(", ")));
        }
        return Outcome::Value(Observed::Map(pairs));
    }
    if let Some(sql) = &probe.sql {
        return query(sql, probe, ctx);
    }
    Outcome::Error("probe names no variable, query or builtin".into())
}

fn variable(name: &str, missing: Option<MissingMeans>, ctx: &Context) -> Outcome {
    let Some(server) = &ctx.server else {
        return Outcome::Skip("no server information".into());
    };
    match (server.variable(name), missing.unwrap_or(MissingMeans::Skip)) {
        (Some(v), _) => Outcome::Value(Observed::text(v)),
        (None, MissingMeans::Skip) => {
            Outcome::Skip(format!("{} has no variable {name}", server.display_name()))
        }
        (None, MissingMeans::Pass) => Outcome::verdict(
            Level::Ok,
            Observed::Missing.display(),
            format!("{} has no variable {name}", server.display_name()),
        ),
        (None, MissingMeans::Fail) => Outcome::Value(Observed::Missing),
    }
}

fn query(sql: &str, probe: &Probe, ctx: &mut Context) -> Outcome {
    let sql = match ctx.options.tables.expand(sql) {
        Ok(s) => s,
        Err(e) => return Outcome::Error(e.to_string()),
    };
    let Some(conn) = ctx.sql.as_deref_mut() else {
        return Outcome::Skip("no connection".into());
    };
    let rows = match conn.query(&sql) {
        Ok(rows) => rows,
        Err(e) => return Outcome::Error(format!("query failed: {e}")),
    };
    if probe.rows == Some(RowsMode::List) {
        let items = rows
            .rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|v| v.as_deref().unwrap_or("NULL"))
                    .collect::<Vec<_>>()
                    .join(".")
            })
            .collect();
        return Outcome::Value(Observed::List(items));
    }
    let index = match &probe.column {
        Some(c) => match rows.column(c) {
            Some(i) => i,
            None => return Outcome::Error(format!("query returned no column {c}")),
        },
        None => 0,
    };
    match rows.rows.first().and_then(|r| r.get(index)) {
        Some(Some(v)) => Outcome::Value(Observed::text(v.clone())),
        _ => Outcome::Value(Observed::Null),
    }
}
