//! Playbooks for a terminal: the list, one playbook, and its diagnostics' answers inline.

use std::fmt::Write as _;

use super::{paint, Tone};
use crate::checks::spec::Variant;
use crate::playbooks::diagnostics::{shown_query, DiagnosticResult};
use crate::playbooks::spec::{Playbook, StepScope};

pub(crate) fn render_list(playbooks: &[Playbook], color: bool) -> String {
    let width = playbooks.iter().map(|p| p.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for p in playbooks {
        let _ = writeln!(
            out,
            "{}  {}",
            paint(&format!("{:<width$}", p.id), Tone::Bold, color),
            p.title
        );
    }
    let _ = writeln!(out, "\n{} playbooks. Show one: cdc playbook ID; run its diagnostics: cdc playbook ID --run --source URL", playbooks.len());
    out
}

/// One playbook; with `results`, each diagnostic shows the server's answer and a verdict.
pub fn render(p: &Playbook, results: Option<&[DiagnosticResult]>, color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}  ({})", paint(&p.title, Tone::Bold, color), p.id);
    let _ = writeln!(out, "\n{}", p.summary.trim());
    section(&mut out, "Symptoms", color);
    for s in &p.symptoms {
        let _ = writeln!(out, "  - {s}");
    }
    if !p.errors.is_empty() {
        section(&mut out, "Error messages it explains", color);
        for e in &p.errors {
            let _ = writeln!(
                out,
                "  - {} {}",
                e.example,
                paint(&format!("({})", e.origin), Tone::Dim, color)
            );
        }
    }
    section(&mut out, "Root causes", color);
    for c in &p.causes {
        let _ = writeln!(out, "  - {c}");
    }
    if !p.diagnostics.is_empty() {
        section(&mut out, "Diagnostics", color);
        match results {
            Some(results) => render_results(&mut out, results, color),
            None => {
                for d in &p.diagnostics {
                    let _ = writeln!(out, "  - {}", d.title);
                    let variants = &d.probe.0;
                    for v in variants {
                        let scope = variant_scope(v, variants.len() > 1);
                        let _ = writeln!(out, "      {}{scope}", shown_query(&v.probe));
                    }
                    let _ = writeln!(out, "      healthy: {}", d.healthy);
                }
            }
        }
    }
    section(&mut out, "Resolution", color);
    for (i, step) in p.resolution.iter().enumerate() {
        let scope = if step.on.is_empty() {
            String::new()
        } else {
            paint(&format!(" [{}]", scopes(&step.on)), Tone::Yellow, color)
        };
        let restart = if step.restart {
            paint(" (restart required)", Tone::Red, color)
        } else {
            String::new()
        };
        let _ = writeln!(out, "  {}. {}{scope}{restart}", i + 1, step.title);
        if let Some(t) = &step.text {
            let _ = writeln!(out, "     {}", t.trim());
        }
        for l in &step.sql {
            let _ = writeln!(out, "     {}", paint(l, Tone::Green, color));
        }
        if !step.config.is_empty() {
            let _ = writeln!(out, "     my.cnf / parameters:");
            for l in &step.config {
                let _ = writeln!(out, "       {l}");
            }
        }
        for l in &step.commands {
            let _ = writeln!(out, "     $ {l}");
        }
    }
    if !p.guarded_by.is_empty() {
        section(&mut out, "Caught early by", color);
        let _ = writeln!(out, "  cdc doctor checks: {}", p.guarded_by.join(", "));
    }
    section(&mut out, "Verify", color);
    for v in &p.verify {
        let _ = writeln!(out, "  - {v}");
    }
    out
}

fn render_results(out: &mut String, results: &[DiagnosticResult], color: bool) {
    for r in results {
        let (mark, tone) = match r.healthy {
            Some(true) => ("HEALTHY", Tone::Green),
            Some(false) => ("UNHEALTHY", Tone::Red),
            None if r.answer.is_empty() => ("NOT RUN", Tone::Magenta),
            None => ("INFO", Tone::Dim),
        };
        let _ = writeln!(
            out,
            "  {} {}",
            paint(&format!("{mark:<9}"), tone, color),
            r.title
        );
        let _ = writeln!(out, "            {}", paint(&r.query, Tone::Dim, color));
        if !r.answer.is_empty() {
            let _ = writeln!(out, "            answer: {}", r.answer);
        }
        let _ = writeln!(out, "            healthy: {}", r.expected);
        if !r.message.is_empty() {
            let _ = writeln!(out, "            {}", r.message);
        }
    }
}

/// "   (mysql >=8.0.22)" after a variant that holds only somewhere, "   (otherwise)" after
/// the fallback of several; nothing after a probe that is the only one.
fn variant_scope(v: &Variant, one_of_several: bool) -> String {
    match &v.when {
        Some(w) => format!("   ({})", w.describe()),
        None if one_of_several => "   (otherwise)".to_string(),
        None => String::new(),
    }
}

fn scopes(on: &[StepScope]) -> String {
    on.iter()
        .map(|s| match s {
            StepScope::SelfManaged => "self-managed",
            StepScope::Rds => "Amazon RDS",
            StepScope::Aurora => "Aurora",
            StepScope::Azure => "Azure",
            StepScope::CloudSql => "Cloud SQL",
            StepScope::Mysql => "MySQL",
            StepScope::Mariadb => "MariaDB",
            StepScope::Databricks => "Databricks",
            StepScope::Debezium => "Debezium",
            StepScope::FlinkCdc => "Flink CDC",
            StepScope::Dms => "AWS DMS",
            StepScope::Kafka => "Kafka",
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn section(out: &mut String, title: &str, color: bool) {
    let _ = writeln!(out, "\n{}", paint(title, Tone::Bold, color));
}
