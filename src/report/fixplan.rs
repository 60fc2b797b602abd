//! The fix plan for a terminal.

use std::fmt::Write as _;

use super::{paint, Tone};
use crate::checks::fixplan::{FixKind, FixPlan};

pub(crate) fn render(plan: &FixPlan, server: &str, color: bool) -> String {
    let mut out = String::new();
    if plan.items.is_empty() {
        let _ = writeln!(out, "Nothing to fix on {server}.");
        return out;
    }
    let _ = writeln!(out, "Fix plan for {server}, in the order to apply it:");
    let mut step = 0;
    let sections = [
        (FixKind::Dynamic, "Online changes (SET PERSIST / SET GLOBAL / GRANT): no restart; `cdc doctor --fix --apply` runs these"),
        (FixKind::Restart, "Option-file or parameter-group changes, then one restart"),
        (FixKind::Manual, "Manual steps"),
    ];
    for (kind, heading) in sections {
        let items: Vec<_> = plan.of_kind(kind).collect();
        if items.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{}", paint(heading, Tone::Bold, color));
        for item in items {
            step += 1;
            let _ = writeln!(
                out,
                "  {step}. {} — {}",
                paint(&item.check, Tone::Bold, color),
                item.summary
            );
            for s in &item.sql {
                let _ = writeln!(out, "       {}", paint(s, Tone::Green, color));
            }
            if kind == FixKind::Dynamic && !item.origin.is_built_in() {
                let note = format!(
                    "(from {}: --apply does not run it; only built-in fixes are applied)",
                    item.origin
                );
                let _ = writeln!(out, "       {}", paint(&note, Tone::Yellow, color));
            }
            if !item.config.is_empty() {
                let _ = writeln!(out, "       my.cnf / parameters:");
                for c in &item.config {
                    let _ = writeln!(out, "         {c}");
                }
            }
        }
        if kind == FixKind::Restart {
            let _ = writeln!(
                out,
                "     Then restart the server once, and run cdc doctor again."
            );
        }
    }
    out
}
