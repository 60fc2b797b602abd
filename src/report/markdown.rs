//! A GitHub-flavoured markdown report: for pull-request comments and CI job summaries.

use crate::playbooks::show_command;
use std::fmt::Write as _;

use crate::checks::result::{Report, Status};

use super::{server_description, summary_line, wants_fix};

pub(crate) fn render(report: &Report) -> String {
    let mut out = format!("# cdc {} report\n\n", report.command);
    let server = server_description(&report.source);
    let _ = write!(out, "**Source:** {}", code_span(&report.source.url));
    if !server.is_empty() {
        let _ = write!(out, " · {}", cell(&server));
    }
    let _ = writeln!(out, " · **Profile:** {}\n", cell(&report.profile));

    out.push_str("| Status | Check | Observed | Expected | Fix |\n");
    out.push_str("|---|---|---|---|---|\n");
    for check in &report.checks {
        let mut observed = cell(&check.observed);
        if check.status != Status::Pass && !check.message.is_empty() {
            if !observed.is_empty() {
                observed.push_str("<br>");
            }
            observed.push_str(&cell(&check.message));
        }
        let fix = match &check.fix {
            Some(fix) if wants_fix(check.status) => cell(&fix.summary),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "| {} {} | **{}**<br>{} | {} | {} | {} |",
            emoji(check.status),
            check.status.label(),
            cell(&check.id),
            cell(&check.title),
            observed,
            cell(&check.expected),
            fix
        );
    }
    let _ = writeln!(out, "\n**Summary:** {}", summary_line(&report.summary));

    let mut fixes = report
        .checks
        .iter()
        .filter(|c| wants_fix(c.status))
        .filter_map(|c| c.fix.as_ref().map(|f| (c, f)))
        .peekable();
    if fixes.peek().is_some() {
        out.push_str("\n## Fixes\n\n");
    }
    for (check, fix) in fixes {
        let _ = writeln!(
            out,
            "### {} {} — {}\n",
            emoji(check.status),
            code_span(&check.id),
            inline(&fix.summary)
        );
        if !fix.sql.is_empty() {
            code_block(&mut out, "sql", &fix.sql);
        }
        if !fix.config.is_empty() {
            out.push_str("my.cnf:\n\n");
            code_block(&mut out, "ini", &fix.config);
        }
        if fix.restart {
            out.push_str("**Restart required.**\n\n");
        }
        if !check.playbook.is_empty() {
            let _ = writeln!(
                out,
                "Playbook: {}\n",
                code_span(&show_command(&check.playbook))
            );
        }
    }
    // One trailing newline, however the last section ended.
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('\n');
    out
}

fn emoji(status: Status) -> &'static str {
    match status {
        Status::Pass => "✅",
        Status::Warn => "⚠️",
        Status::Fail => "❌",
        Status::Skip => "⏭️",
        Status::Error => "💥",
    }
}

/// Text safe inside a table cell: no column breaks, no raw HTML, line breaks as `<br>`.
fn cell(s: &str) -> String {
    inline(s)
        .replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace(['\n', '\r'], "<br>")
}

/// Text safe in a paragraph or heading: HTML-significant characters as entities, markdown
/// punctuation that could start emphasis, code or links backslash-escaped. (`_` is left alone:
/// GFM does not emphasize inside words, and variable names are full of it.)
fn inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '*' | '`' | '[' | ']' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Literal text as a code span, delimited by more backticks than it contains in a row.
fn code_span(s: &str) -> String {
    let ticks = "`".repeat(longest_backtick_run(s) + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{s}{pad}{ticks}")
}

fn longest_backtick_run(s: &str) -> usize {
    s.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// A fenced block whose fence is longer than any backtick run in its lines.
fn code_block(out: &mut String, lang: &str, lines: &[String]) {
    let longest = lines
        .iter()
        .map(|l| longest_backtick_run(l))
        .max()
        .unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    let _ = writeln!(out, "{fence}{lang}");
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "{fence}\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample_report;

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render(&sample_report()));
    }

    #[test]
    fn table_rows_have_five_cells() {
        let mut report = sample_report();
        report.checks[1].message = "a | b\nc <&\"'>".into();
        let md = render(&report);
        assert!(md.contains(r#"a \| b<br>c &lt;&amp;"'&gt;"#));
        let rows: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
        assert_eq!(rows.len(), report.checks.len() + 2);
        for row in rows {
            let unescaped_pipes =
                row.len() - row.replace('|', "").len() - row.matches("\\|").count();
            assert_eq!(unescaped_pipes, 6, "{row}");
        }
    }

    #[test]
    fn escapes_markdown_punctuation() {
        assert_eq!(inline("a*b* [x](y) `z`"), r"a\*b\* \[x\](y) \`z\`");
        assert_eq!(code_span("mysql://u:***@h"), "`mysql://u:***@h`");
        assert_eq!(code_span("a `b`"), "`` a `b` ``");
    }

    #[test]
    fn fences_outgrow_backticks() {
        let mut out = String::new();
        code_block(&mut out, "sql", &["SELECT ```x```;".into()]);
        assert!(out.starts_with("````sql\n"));
    }
}
