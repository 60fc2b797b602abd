//! Running a check's probe: a variable, a query, or a named builtin.

use super::condition::{when_holds, Facts};
use super::context::Context;
use super::observed::Observed;
use super::spec::{MissingMeans, Probe, Probes, SqlRead};

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
        /// False when the message says what to do and the check's own fixes would mislead
        /// (an account fix for a server that never answered).
        check_fixes: bool,
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
            check_fixes: true,
        }
    }

    /// This verdict without the check's fixes: its message is the advice.
    pub(crate) fn without_check_fixes(self) -> Outcome {
        match self {
            Outcome::Verdict {
                level,
                observed,
                message,
                ..
            } => Outcome::Verdict {
                level,
                observed,
                message,
                check_fixes: false,
            },
            other => other,
        }
    }
}

/// The probe to use here: the first variant whose `when` matches.
pub fn select<'p>(probes: &'p Probes, facts: &Facts) -> Option<&'p Probe> {
    probes
        .0
        .iter()
        .find(|v| when_holds(v.when.as_ref(), facts))
        .map(|v| &v.probe)
}

pub(crate) fn run(probe: &Probe, ctx: &mut Context) -> Outcome {
    match probe {
        Probe::Builtin(b) => b.run(ctx),
        Probe::Variable { name, missing } => variable(name, *missing, ctx),
        Probe::Variables { names } => {
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
            Outcome::Value(Observed::Map(pairs))
        }
        Probe::Sql { sql, read } => query(sql, read, ctx),
    }
}

fn variable(name: &str, missing: MissingMeans, ctx: &Context) -> Outcome {
    let Some(server) = &ctx.server else {
        return Outcome::Skip("no server information".into());
    };
    match (server.variable(name), missing) {
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

fn query(sql: &str, read: &SqlRead, ctx: &mut Context) -> Outcome {
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
    let column = match read {
        SqlRead::List => {
            let items = rows
                .rows
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|v| v.as_deref().unwrap_or("NULL"))
                        .collect::<Vec<_>>()
                        // Cells side by side ("cdc-bin.000001 16594"); a probe that means a
                        // dotted name builds it in SQL (CONCAT(schema, '.', table)).
                        .join(" ")
                })
                .collect();
            return Outcome::Value(Observed::List(items));
        }
        SqlRead::First { column } => column,
    };
    let index = match column {
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
