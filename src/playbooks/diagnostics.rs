//! Running a playbook's diagnostics on a server and judging each answer.

use serde::Serialize;

use super::spec::Playbook;
use crate::checks::builtin::grants;
use crate::checks::condition::when_holds;
use crate::checks::context::Context;
use crate::checks::engine::judge;
use crate::checks::probe::{self, Outcome};
use crate::checks::result::{Severity, Status};
use crate::checks::spec::Probe;
use crate::connection::server::Flavor;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiagnosticResult {
    pub title: String,
    /// What was asked, as an operator would type it.
    pub(crate) query: String,
    pub(crate) answer: String,
    /// None when the diagnostic is informational or could not run.
    pub(crate) healthy: Option<bool>,
    pub(crate) expected: String,
    pub(crate) message: String,
}

pub(crate) fn run(playbook: &Playbook, ctx: &mut Context) -> Vec<DiagnosticResult> {
    let facts = ctx.facts();
    playbook
        .diagnostics
        .iter()
        .filter(|d| when_holds(d.when.as_ref(), &facts))
        .filter_map(|d| {
            // The statement this server understands (SHOW REPLICAS, SHOW SLAVE HOSTS...);
            // a diagnostic none of whose variants applies here is left out.
            let chosen = probe::select(&d.probe, &facts)?;
            let query = shown_query(chosen);
            let mut r = DiagnosticResult {
                title: d.title.clone(),
                query,
                answer: String::new(),
                healthy: None,
                expected: d.healthy.clone(),
                message: String::new(),
            };
            if reads_processlist(chosen) && !sees_every_session(ctx) {
                r.message = "could not see other sessions: without the PROCESS privilege the \
                             process list holds only this account's own"
                    .into();
                return Some(r);
            }
            let outcome = probe::run(chosen, ctx);
            // A value with no rules is shown for information only.
            let informational = d.expect.is_empty() && matches!(outcome, Outcome::Value(_));
            let judged = judge(outcome, &d.expect, &facts, Severity::Fail);
            r.answer = judged.observed;
            r.message = judged.message;
            r.healthy = match judged.status {
                _ if informational => None,
                Status::Pass => Some(true),
                Status::Warn | Status::Fail => Some(false),
                Status::Skip | Status::Error => None,
            };
            Some(r)
        })
        .collect()
}

/// A query of the process list, whose answer without PROCESS counts only our own sessions.
fn reads_processlist(p: &Probe) -> bool {
    matches!(p, Probe::Sql { sql, .. } if sql.to_ascii_lowercase().contains("processlist"))
}

/// Whether the account holds PROCESS; unknown grants count as not.
fn sees_every_session(ctx: &mut Context) -> bool {
    let flavor = ctx.server.as_ref().map_or(Flavor::Mysql, |s| s.flavor);
    ctx.sql
        .as_deref_mut()
        .and_then(|sql| grants::holds_global(sql, flavor, "PROCESS"))
        .unwrap_or(false)
}

/// The probe as an operator would type it.
pub(crate) fn shown_query(p: &Probe) -> String {
    match p {
        Probe::Sql { sql, .. } => sql.split_whitespace().collect::<Vec<_>>().join(" "),
        Probe::Variable { name, .. } => format!("SELECT @@GLOBAL.{name}"),
        Probe::Variables { names } => format!(
            "SELECT {}",
            names
                .iter()
                .map(|v| format!("@@GLOBAL.{v}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Probe::Builtin(b) => format!("(built-in probe {})", b.name().name()),
    }
}
