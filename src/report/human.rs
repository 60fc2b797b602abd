//! The terminal report: a header line, one table row per check, a summary and the fixes.

use crate::playbooks::show_command;
use std::fmt::Write as _;

use comfy_table::{ColumnConstraint, Table, Width};

use crate::checks::result::{CheckResult, Report, Status};

use super::{new_table, paint, server_description, summary_line, wants_fix, Tone};

/// Renders the report as a table `width` columns wide. Without `color` the output is plain
/// ASCII (no escape codes, no box drawing) so that logs stay readable.
pub(crate) fn render(report: &Report, color: bool, width: u16) -> String {
    let mut out = String::new();
    out.push_str(&header(report, color, width));
    out.push('\n');
    // Passed and skipped checks are one line each, listed first; the table is for what
    // needs reading.
    out.push_str(&one_liners(report, color, width));
    if report.checks.iter().any(|c| in_table(c.status)) {
        out.push_str(&table(report, color, width).to_string());
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&summary(report, color));
    out.push('\n');
    let fixes = fixes(report, color);
    if !fixes.is_empty() {
        out.push('\n');
        out.push_str(&fixes);
    }
    out
}

/// "Source: URL  SERVER  profile: P", on one line when it fits `width`, else a part a line.
fn header(report: &Report, color: bool, width: u16) -> String {
    let source = format!(
        "{} {}",
        paint("Source:", Tone::Bold, color),
        report.source.url
    );
    let server = server_description(&report.source);
    let profile = format!(
        "{} {}",
        paint("profile:", Tone::Bold, color),
        report.profile
    );
    let parts: Vec<&str> = [source.as_str(), server.as_str(), profile.as_str()]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect();
    let plain_len: usize = [
        "Source: ".len() + report.source.url.chars().count(),
        server.chars().count(),
        "profile: ".len() + report.profile.chars().count(),
    ]
    .iter()
    .sum::<usize>()
        + 2 * (parts.len() - 1);
    if plain_len <= usize::from(width) {
        parts.join("  ")
    } else {
        parts.join("\n  ")
    }
}

/// Whether a check gets a table row (what did not pass); the others are one line each.
fn in_table(status: Status) -> bool {
    !matches!(status, Status::Pass | Status::Skip)
}

/// "PASS  connect.tcp  127.0.0.1:3306 reachable (0.4 ms)", "SKIP  id  why", cut to the width
/// with `…`.
fn one_liners(report: &Report, color: bool, width: u16) -> String {
    let short: Vec<&CheckResult> = report
        .checks
        .iter()
        .filter(|c| !in_table(c.status))
        .collect();
    let id_width = short
        .iter()
        .map(|c| c.id.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for status in [Status::Pass, Status::Skip] {
        for c in short.iter().filter(|c| c.status == status) {
            let said = if status == Status::Pass {
                &c.observed
            } else {
                &c.message
            };
            let label = status.label();
            let plain = format!(
                "{label:<4}  {:<id_width$}  {}",
                c.id,
                said.replace('\n', " ")
            );
            let line = clip(&plain, usize::from(width));
            // Colour only the status word, after the cut is measured on plain text.
            let rest = &line[label.len()..];
            out.push_str(format!("{}{rest}", paint(label, Tone::of(status), color)).trim_end());
            out.push('\n');
        }
    }
    out
}

/// At most `max` characters, `…` where cut.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The checks that did not pass, one row each.
fn table(report: &Report, color: bool, width: u16) -> Table {
    let rows: Vec<[String; 5]> = report
        .checks
        .iter()
        .filter(|c| in_table(c.status))
        .map(|c| row(c, color))
        .collect();
    // A run where nothing needs fixing has no Fix column to leave empty.
    let any_fix = rows.iter().any(|r| !r[4].is_empty());
    let mut table = if any_fix {
        new_table(
            ["Status", "Check", "Observed", "Expected", "Fix"],
            color,
            width,
        )
    } else {
        new_table(["Status", "Check", "Observed", "Expected"], color, width)
    };
    for r in rows {
        if any_fix {
            table.add_row(r);
        } else {
            table.add_row(r.into_iter().take(4));
        }
    }
    // Never break a status word or a check id across lines: operators copy ids.
    let longest_id = report
        .checks
        .iter()
        .filter(|c| in_table(c.status))
        .map(|c| c.id.chars().count())
        .max();
    // The boundary counts the cell's padding, one column either side.
    let lower = |w: usize| ColumnConstraint::LowerBoundary(Width::Fixed(w.min(40) as u16 + 2));
    if let Some(column) = table.column_mut(0) {
        column.set_constraint(lower("Status".len()));
    }
    if let (Some(column), Some(w)) = (table.column_mut(1), longest_id) {
        column.set_constraint(lower(w));
    }
    table
}

fn row(check: &CheckResult, color: bool) -> [String; 5] {
    let tone = Tone::of(check.status);
    let status = paint(check.status.label(), tone, color);
    let name = format!("{}\n{}", check.id, paint(&check.title, Tone::Dim, color));
    // For a check that did not pass, the message says why: it goes under the observed value.
    let mut observed = check.observed.clone();
    if check.status != Status::Pass && !check.message.is_empty() {
        if !observed.is_empty() {
            observed.push('\n');
        }
        observed.push_str(&paint(&check.message, tone, color));
    }
    let fix = match &check.fix {
        Some(fix) if wants_fix(check.status) => fix.summary.clone(),
        _ => String::new(),
    };
    [status, name, observed, check.expected.clone(), fix]
}

fn summary(report: &Report, color: bool) -> String {
    let s = &report.summary;
    let line = summary_line(s);
    if !color {
        return line;
    }
    // Color each count by its status, only where it is not zero.
    line.split(", ")
        .zip([
            (s.pass, Status::Pass),
            (s.warn, Status::Warn),
            (s.fail, Status::Fail),
            (s.skip, Status::Skip),
            (s.error, Status::Error),
        ])
        .map(|(part, (n, status))| {
            if n == 0 {
                part.to_string()
            } else {
                paint(part, Tone::of(status), color)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn fixes(report: &Report, color: bool) -> String {
    let mut out = String::new();
    for check in &report.checks {
        let Some(fix) = check.fix.as_ref().filter(|_| wants_fix(check.status)) else {
            continue;
        };
        if out.is_empty() {
            out.push_str(&paint("Fixes", Tone::Bold, color));
            out.push('\n');
        }
        let id = paint(&check.id, Tone::of(check.status), color);
        let _ = writeln!(out, "\n  {id} — {}", fix.summary);
        for sql in &fix.sql {
            let _ = writeln!(out, "    {sql}");
        }
        if !fix.config.is_empty() {
            let _ = writeln!(out, "    my.cnf:");
            for line in &fix.config {
                let _ = writeln!(out, "      {line}");
            }
        }
        if fix.restart {
            let _ = writeln!(
                out,
                "    {}",
                paint("(restart required)", Tone::Yellow, color)
            );
        }
        if !check.playbook.is_empty() {
            let _ = writeln!(
                out,
                "    {}",
                paint(
                    &format!("playbook: {}", show_command(&check.playbook)),
                    Tone::Dim,
                    color
                )
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{sample_report, DEFAULT_WIDTH};

    #[test]
    fn snapshot_plain() {
        insta::assert_snapshot!(render(&sample_report(), false, DEFAULT_WIDTH));
    }

    #[test]
    fn an_all_pass_run_is_one_line_per_check_and_no_table() {
        let mut r = sample_report();
        for c in &mut r.checks {
            c.status = Status::Pass;
            c.observed = "ON".into();
            c.expected = "ON".into();
            c.message.clear();
        }
        let out = render(&r, false, 60);
        assert!(
            !out.contains("| Fix") && !out.contains("+---"),
            "no table: {out}"
        );
        let lines: Vec<&str> = out.lines().filter(|l| l.starts_with("PASS")).collect();
        assert_eq!(lines.len(), r.checks.len(), "{out}");
        assert!(out.lines().all(|l| l.chars().count() <= 60), "{out}");
    }

    #[test]
    fn snapshot_narrow_terminal() {
        insta::assert_snapshot!(render(&sample_report(), false, 80));
    }

    #[test]
    fn ansi_only_with_color() {
        let r = sample_report();
        let plain = render(&r, false, DEFAULT_WIDTH);
        assert!(!plain.contains('\x1b'));
        assert!(plain.is_ascii() || plain.chars().all(|c| c.is_ascii() || c == '—'));
        let colored = render(&r, true, DEFAULT_WIDTH);
        assert!(colored.contains("\x1b[32mPASS\x1b[0m"));
        assert!(colored.contains("\x1b[31mFAIL\x1b[0m"));
        assert!(colored.contains("\x1b[35mERROR\x1b[0m"));
    }

    fn strip_ansi(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn colored_table_fits_the_width_and_reads_the_same() {
        let r = sample_report();
        let colored = strip_ansi(&render(&r, true, 100));
        let table: Vec<&str> = colored
            .lines()
            .filter(|l| l.starts_with(['│', '┌', '├', '╞', '└']))
            .collect();
        assert!(table.len() > r.checks.len());
        for line in table {
            assert_eq!(line.chars().count(), 100, "{line}");
        }
        assert!(colored.contains("(restart required)"));
    }

    #[test]
    fn fits_the_width() {
        let r = sample_report();
        for width in [80u16, 120] {
            let out = render(&r, false, width);
            let table: Vec<&str> = out
                .lines()
                .filter(|l| l.starts_with('|') || l.starts_with('+'))
                .collect();
            assert!(!table.is_empty());
            for line in table {
                assert!(line.chars().count() <= width as usize, "{line}");
            }
        }
    }
}
