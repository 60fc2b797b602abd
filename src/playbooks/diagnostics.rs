//! Running a playbook's diagnostics on a server and judging each answer.

use serde::Serialize;

use super::spec::Playbook;
use crate::checks::condition::when_holds;
use crate::checks::context::Context;
use crate::checks::probe::{self, Level, Outcome};
use crate::checks::result::Severity;
use crate::checks::rules;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiagnosticResult {
    pub title: String,
    /// What was asked, as an operator would type it.
    pub query: String,
    pub answer: String,
    /// None when the diagnostic is informational or could not run.
    pub healthy: Option<bool>,
    pub expected: String,
    pub message: String,
}

pub fn run(playbook: &Playbook, ctx: &mut Context) -> Vec<DiagnosticResult> {
    let target = ctx.target();
    playbook
        .diagnostics
        .iter()
        .filter(|d| when_holds(d.when.as_ref(), &target))
        .map(|d| {
            let query = shown_query(&d.probe);
            let mut r = DiagnosticResult {
                title: d.title.clone(),
                query,
                answer: String::new(),
                healthy: None,
                expected: d.healthy.clone(),
                message: String::new(),
            };
            match probe::run(&d.probe, ctx) {
                Outcome::Value(observed) => {
                    r.answer = observed.display();
                    if !d.expect.is_empty() {
                        let broken =
                            rules::violations(&d.expect, &observed, &target, Severity::Fail);
                        r.healthy = Some(broken.is_empty());
                        r.message = broken
                            .iter()
                            .map(|v| v.message.as_str())
                            .collect::<Vec<_>>()
                            .join("; ");
                    }
                }
                Outcome::Verdict {
                    level,
                    observed,
                    message,
                } => {
                    r.answer = observed;
                    r.healthy = Some(level == Level::Ok);
                    r.message = message;
                }
                Outcome::Skip(reason) => r.message = reason,
                Outcome::Error(e) => r.message = e,
            }
            r
        })
        .collect()
}

/// The probe as an operator would type it.
pub fn shown_query(p: &crate::checks::spec::Probe) -> String {
    if let Some(sql) = &p.sql {
        return sql.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    if let Some(v) = &p.variable {
        return format!("SELECT @@GLOBAL.{v}");
    }
    if let Some(vs) = &p.variables {
        return format!(
            "SELECT {}",
            vs.iter()
                .map(|v| format!("@@GLOBAL.{v}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    format!("(built-in probe {})", p.builtin.as_deref().unwrap_or("?"))
}
