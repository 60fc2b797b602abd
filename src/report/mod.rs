//! Renderers: one per output format, all reading the same `Report`.
//!
//! Every renderer is a pure function that returns a `String`; the command layer prints it.
//! Nothing here looks at global state except [`render`] (terminal width for the human table)
//! and [`color_wanted`] (environment), both of which have pure counterparts.

pub mod catalogue;
pub mod crud;
pub mod fixplan;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod matches;
pub mod playbook;
pub mod validate;
pub(crate) mod wrap;

use std::ffi::OsStr;

use crate::checks::result::{Report, SourceSummary, Status, Summary};

pub use catalogue::render_catalogue;

/// Table width of the renderers' tests and snapshots.
pub(crate) const DEFAULT_WIDTH: u16 = 120;
/// Width when output is piped and `COLUMNS` says nothing: what a CI log or pager shows
/// without wrapping.
pub(crate) const PIPED_WIDTH: u16 = 100;

/// Output formats of `cdc doctor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
#[value(rename_all = "kebab-case")]
pub enum Format {
    /// A table for people at a terminal.
    Human,
    /// Machine-readable, stable field names.
    Json,
    /// JUnit XML for CI test reports.
    Junit,
    /// GitHub-flavoured markdown (PR comments, job summaries).
    Markdown,
}

/// What fails a run beyond FAIL and ERROR, for the formats that say pass or fail per check
/// (JUnit): under `--strict`, every warning and each pending checklist item.
#[derive(Debug, Clone, Default)]
pub struct Gate {
    pub strict: bool,
    /// Check ids that are pending (unanswered checklist items).
    pub pending: Vec<String>,
}

impl Gate {
    /// Whether `check` fails under this gate though its status alone does not.
    pub(crate) fn fails(&self, check: &crate::checks::result::CheckResult) -> bool {
        self.strict
            && match check.status {
                Status::Warn => true,
                Status::Skip => self.pending.contains(&check.id),
                _ => false,
            }
    }
}

/// Renders `report` in `format`. The human table is as wide as stdout's terminal when it is
/// one, else [`DEFAULT_WIDTH`]; use [`render_with_width`] to fix the width.
pub(crate) fn render(report: &Report, format: Format, color: bool, gate: &Gate) -> String {
    match format {
        Format::Human => render_with_width(report, format, color, output_width()),
        Format::Junit => junit::render(report, gate),
        _ => render_with_width(report, format, color, DEFAULT_WIDTH),
    }
}

/// Like [`render`], with an explicit table width (only the human format uses it).
pub fn render_with_width(report: &Report, format: Format, color: bool, width: u16) -> String {
    match format {
        Format::Human => human::render(report, color, width),
        Format::Json => json::render(report),
        Format::Junit => junit::render(report, &Gate::default()),
        Format::Markdown => markdown::render(report),
    }
}

/// Width of the terminal on stdout, if stdout is one.
pub(crate) fn terminal_width() -> Option<u16> {
    // A fresh table asks crossterm for the size only when stdout is a terminal.
    comfy_table::Table::new().width().filter(|w| *w > 0)
}

/// The width to lay out for: the terminal's, else `COLUMNS` (as shells and CI set it), else
/// [`PIPED_WIDTH`].
pub(crate) fn output_width() -> u16 {
    terminal_width()
        .or_else(|| columns(std::env::var("COLUMNS").ok().as_deref()))
        .unwrap_or(PIPED_WIDTH)
}

/// A usable `COLUMNS` value: a number no narrower than a table can be laid out in.
fn columns(value: Option<&str>) -> Option<u16> {
    value?.trim().parse::<u16>().ok().filter(|w| *w >= 40)
}

/// Whether to color output written to a stream: never when `NO_COLOR` is set to a non-empty
/// value (no-color.org), when the stream is not a terminal, or when `TERM=dumb`.
pub(crate) fn color_wanted(stream_is_terminal: bool) -> bool {
    color_decision(
        stream_is_terminal,
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("TERM").as_deref(),
    )
}

fn color_decision(
    stream_is_terminal: bool,
    no_color: Option<&OsStr>,
    term: Option<&OsStr>,
) -> bool {
    let no_color = no_color.is_some_and(|v| !v.is_empty());
    let dumb = term.is_some_and(|t| t == "dumb");
    stream_is_terminal && !no_color && !dumb
}

/// A table for people: UTF-8 lines on a colored terminal, plain ASCII otherwise (logs stay
/// readable), as wide as `width`, with bold headers. Never asks whether stdout is a terminal:
/// the caller decided that through `color` and `width`.
pub(crate) fn new_table<'h>(
    headers: impl IntoIterator<Item = &'h str>,
    color: bool,
    width: u16,
) -> comfy_table::Table {
    use comfy_table::presets::{ASCII_FULL_CONDENSED, UTF8_FULL_CONDENSED};
    let mut table = comfy_table::Table::new();
    table
        .force_no_tty()
        .load_preset(if color {
            UTF8_FULL_CONDENSED
        } else {
            ASCII_FULL_CONDENSED
        })
        .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
        .set_width(width)
        .set_header(headers.into_iter().map(|h| paint(h, Tone::Bold, color)));
    table
}

/// A source table, and below it the target's name when it differs (`--target-table`): one
/// column instead of a second one that mostly repeats the first.
pub(crate) fn table_and_target(table: &str, target: &str) -> String {
    if table == target {
        table.to_string()
    } else {
        format!("{table}\n→ {target}")
    }
}

/// A terminal color or style. Applied only when the renderer was asked for color.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tone {
    Green,
    Yellow,
    Red,
    Magenta,
    Dim,
    Bold,
}

impl Tone {
    pub(crate) fn of(status: Status) -> Tone {
        match status {
            Status::Pass => Tone::Green,
            Status::Warn => Tone::Yellow,
            Status::Fail => Tone::Red,
            Status::Skip => Tone::Dim,
            Status::Error => Tone::Magenta,
        }
    }

    fn sgr(self) -> std::borrow::Cow<'static, str> {
        use colored::Color;
        match self {
            Tone::Green => Color::Green.to_fg_str(),
            Tone::Yellow => Color::Yellow.to_fg_str(),
            Tone::Red => Color::Red.to_fg_str(),
            Tone::Magenta => Color::Magenta.to_fg_str(),
            Tone::Dim => "2".into(),
            Tone::Bold => "1".into(),
        }
    }
}

/// `text` wrapped in ANSI codes for `tone` when `color`, else `text` unchanged.
///
/// Builds the escape codes itself: `colored`'s `Display` consults a process-wide switch
/// (and whether stdout is a terminal), which a pure renderer must not depend on.
pub(crate) fn paint(text: &str, tone: Tone, color: bool) -> String {
    if !color || text.is_empty() {
        return text.to_string();
    }
    // One sequence per line, so a table that wraps or pads lines keeps them intact.
    text.split('\n')
        .map(|line| {
            if line.is_empty() {
                String::new()
            } else {
                format!("\x1b[{}m{line}\x1b[0m", tone.sgr())
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Text read from outside (a log line) made safe to print on a terminal: the C0 controls,
/// DEL and the C1 controls written as `\x1b` / `\u{9b}`, so a log cannot move the cursor,
/// recolour the screen or set the window title of whoever reads the output.
pub(crate) fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\0'..='\x1f' | '\x7f' => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.into()
}

/// "MariaDB 10.11.19 (self-managed)", or as much of it as is known.
pub(crate) fn server_description(source: &SourceSummary) -> String {
    let flavor = source.flavor.as_deref().map(|f| match f {
        "mariadb" => "MariaDB",
        "mysql" => "MySQL",
        other => other,
    });
    let name = [flavor, source.version.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    match (name.is_empty(), source.platform.as_deref()) {
        (_, None) => name,
        (true, Some(p)) => format!("({p})"),
        (false, Some(p)) => format!("{name} ({p})"),
    }
}

/// "12 passed, 2 warnings, 1 failed, 3 skipped, 0 errors".
pub(crate) fn summary_line(s: &Summary) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    [
        format!("{} passed", s.pass),
        plural(s.warn, "warning", "warnings"),
        format!("{} failed", s.fail),
        format!("{} skipped", s.skip),
        plural(s.error, "error", "errors"),
    ]
    .join(", ")
}

/// The area of a check id: the text before the first dot.
pub(crate) fn area(id: &str) -> &str {
    id.split_once('.').map_or(id, |(area, _)| area)
}

/// Whether a check's fix belongs in the report's fix list.
pub(crate) fn wants_fix(status: Status) -> bool {
    matches!(status, Status::Warn | Status::Fail | Status::Error)
}

#[cfg(test)]
pub(crate) fn sample_report() -> Report {
    use crate::checks::result::{CheckResult, ChosenFix, Severity};
    use crate::checks::spec::Origin;

    let check = |id: &str, title: &str, status: Status, severity: Severity| CheckResult {
        id: id.to_string(),
        title: title.to_string(),
        status,
        severity,
        observed: String::new(),
        expected: String::new(),
        message: String::new(),
        playbook: String::new(),
        fix: None,
        position: None,
        playbooks: Vec::new(),
    };
    let checks = vec![
        CheckResult {
            observed: "ON".into(),
            expected: "ON".into(),
            message: "log_bin is ON".into(),
            playbook: "binlog-disabled".into(),
            ..check(
                "binlog.enabled",
                "Binary logging is enabled",
                Status::Pass,
                Severity::Fail,
            )
        },
        CheckResult {
            observed: "MIXED".into(),
            expected: "ROW".into(),
            message: "binlog_format is MIXED: statements are logged as SQL text, \
                      which CDC readers cannot decode into row changes"
                .into(),
            playbook: "binlog-format-not-row".into(),
            fix: Some(ChosenFix {
                sql: vec!["SET GLOBAL binlog_format = 'ROW';".into()],
                config: vec!["[mysqld]".into(), "binlog_format = ROW".into()],
                restart: true,
                summary: "SET GLOBAL binlog_format = 'ROW' and persist it in my.cnf".into(),
                origin: Origin::BuiltIn,
            }),
            ..check(
                "binlog.format",
                "Binary log format is ROW",
                Status::Fail,
                Severity::Fail,
            )
        },
        CheckResult {
            observed: "MINIMAL".into(),
            expected: "FULL".into(),
            message: "Update events carry only the changed columns; \
                      consumers that need the full before-image will see gaps"
                .into(),
            playbook: "binlog-row-image".into(),
            fix: Some(ChosenFix {
                sql: vec!["SET GLOBAL binlog_row_image = 'FULL';".into()],
                config: vec!["[mysqld]".into(), "binlog_row_image = FULL".into()],
                restart: false,
                summary: "SET GLOBAL binlog_row_image = 'FULL' and persist it in my.cnf".into(),
                origin: Origin::BuiltIn,
            }),
            ..check(
                "binlog.row_image",
                "Row images are FULL",
                Status::Warn,
                Severity::Warn,
            )
        },
        CheckResult {
            observed: "1".into(),
            expected: "> 0, unique in the topology".into(),
            playbook: "server-id".into(),
            ..check(
                "server.server_id",
                "server_id is set",
                Status::Pass,
                Severity::Fail,
            )
        },
        CheckResult {
            expected: "FULL".into(),
            message: "Requires binlog.format, which did not pass".into(),
            playbook: "binlog-row-metadata".into(),
            ..check(
                "binlog.row_metadata",
                "Row metadata is FULL",
                Status::Skip,
                Severity::Warn,
            )
        },
        CheckResult {
            expected: "REPLICATION SLAVE, REPLICATION CLIENT, SELECT".into(),
            message: "SHOW GRANTS failed: Access denied for user 'cdc_user'@'%' to database 'mysql' (1044)"
                .into(),
            playbook: "user-grants".into(),
            ..check(
                "user.grants",
                "CDC user has the replication grants",
                Status::Error,
                Severity::Fail,
            )
        },
    ];
    Report::new(
        SourceSummary {
            url: "mysql://cdc_user:***@127.0.0.1:3306".into(),
            flavor: Some("mariadb".into()),
            version: Some("10.11.19".into()),
            platform: Some("self-managed".into()),
        },
        "generic".into(),
        checks,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_is_taken_when_it_is_a_usable_width() {
        assert_eq!(columns(Some("80")), Some(80));
        assert_eq!(columns(Some(" 132 ")), Some(132));
        assert_eq!(columns(Some("20")), None);
        assert_eq!(columns(Some("wide")), None);
        assert_eq!(columns(None), None);
    }

    #[test]
    fn color_follows_no_color_terminal_and_dumb() {
        let s = |v: &str| Some(OsStr::new(v).to_owned());
        assert!(color_decision(true, None, s("xterm-256color").as_deref()));
        assert!(!color_decision(false, None, None));
        assert!(!color_decision(true, s("1").as_deref(), None));
        // An empty NO_COLOR does not count (no-color.org).
        assert!(color_decision(true, s("").as_deref(), None));
        assert!(!color_decision(true, None, s("dumb").as_deref()));
    }

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(
            terminal_safe("a\x1b[31mred\x1b]0;title\x07\tb\x7f\u{9b}2J é"),
            "a\\x1b[31mred\\x1b]0;title\\x07\\x09b\\x7f\\u{9b}2J é"
        );
        assert!(matches!(
            terminal_safe("plain é"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn paint_is_plain_without_color() {
        assert_eq!(paint("FAIL", Tone::Red, false), "FAIL");
        assert_eq!(paint("FAIL", Tone::Red, true), "\x1b[31mFAIL\x1b[0m");
        assert_eq!(
            paint("a\nb", Tone::Dim, true),
            "\x1b[2ma\x1b[0m\n\x1b[2mb\x1b[0m"
        );
    }

    #[test]
    fn describes_source_and_summary() {
        let r = sample_report();
        assert_eq!(
            server_description(&r.source),
            "MariaDB 10.11.19 (self-managed)"
        );
        assert_eq!(
            summary_line(&r.summary),
            "2 passed, 1 warning, 1 failed, 1 skipped, 1 error"
        );
        assert_eq!(area("binlog.row_image"), "binlog");
        assert_eq!(area("odd"), "odd");
    }

    #[test]
    fn every_format_renders_the_same_checks() {
        let r = sample_report();
        for format in [Format::Human, Format::Json, Format::Junit, Format::Markdown] {
            let out = render_with_width(&r, format, false, DEFAULT_WIDTH);
            for c in &r.checks {
                assert!(out.contains(&c.id), "{format:?} misses {}", c.id);
            }
        }
    }
}
