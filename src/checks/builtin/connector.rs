//! connector.tasks: what Kafka Connect says of the connector's tasks (`--offset
//! connect+http://...`). A FAILED task's trace goes through the playbooks' error patterns, as
//! `cdc diagnose` would, so the report says what the failure is and what to do.

use crate::checks::context::Context;
use crate::checks::probe::{Level, Outcome};
use crate::playbooks::load::Library;
use crate::playbooks::matcher::Matcher;

pub(crate) fn tasks(ctx: &mut Context) -> Outcome {
    let Some(connector) = ctx.options.connector.as_ref() else {
        return Outcome::Skip(
            "no connector status (--offset connect+http://HOST:PORT/connectors/NAME)".into(),
        );
    };
    let states: Vec<String> = connector
        .tasks
        .iter()
        .map(|t| format!("task {} {}", t.id, t.state))
        .collect();
    let connector_state = connector.state.clone().unwrap_or_else(|| "unknown".into());
    let observed = format!(
        "connector {} {connector_state}; {}",
        connector.name,
        if states.is_empty() {
            "no tasks".to_string()
        } else {
            states.join(", ")
        }
    );
    let failures = connector.failures();
    if failures.is_empty() {
        return match connector_state.as_str() {
            "RUNNING" if !connector.tasks.is_empty() => Outcome::verdict(Level::Ok, observed, ""),
            "FAILED" => Outcome::verdict(
                Level::Violation,
                observed,
                "the connector itself FAILED (no task trace to diagnose): see the worker's log",
            )
            .without_check_fixes(),
            _ => Outcome::verdict(
                Level::Warn,
                observed,
                format!("the connector is {connector_state}, not RUNNING with its tasks: it captures nothing now"),
            ),
        };
    }
    let playbooks = match Library::load() {
        Ok(library) => match Matcher::new(&library) {
            Ok(matcher) => {
                let mut ids: Vec<(u32, String)> = Vec::new();
                for (_, trace) in &failures {
                    for m in matcher.scan(trace.as_bytes()).unwrap_or_default() {
                        match ids.iter_mut().find(|(_, id)| *id == m.id) {
                            Some(seen) => seen.0 = seen.0.max(m.score),
                            None => ids.push((m.score, m.id.clone())),
                        }
                    }
                }
                ids.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
                ids.into_iter().map(|(_, id)| id).collect::<Vec<_>>()
            }
            Err(_) => Vec::new(),
        },
        Err(_) => Vec::new(),
    };
    let (who, trace) = &failures[0];
    let first_line = trace.lines().next().unwrap_or_default().trim();
    let first_line: String = first_line.chars().take(300).collect();
    let message = if playbooks.is_empty() {
        format!("{who} FAILED: {first_line} (no playbook matches its trace)")
    } else {
        format!(
            "{who} FAILED: {first_line}; playbooks: {}",
            playbooks.join(", ")
        )
    };
    ctx.attached.playbook = playbooks.first().cloned();
    ctx.attached.playbooks = playbooks;
    Outcome::verdict(Level::Violation, observed, message)
}
