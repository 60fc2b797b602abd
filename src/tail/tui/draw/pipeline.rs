//! The pipeline panel: the watched tables' counts on both sides, the end-to-end lag, the
//! connector's stored position, and the canary run from `c`.

use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

use super::{dim, fit};
use crate::checks::result::Status;
use crate::pipeline::TableRows;
use crate::tail::pipeline::{E2e, PipelineView};
use crate::tail::tui::panel::{Agreement, Panel};
use crate::tail::tui::state::App;
use crate::tail::tui::text::{duration, thousands};

/// Tables listed before "+N more".
const MAX_TABLES: usize = 3;

/// Rows the panel takes: none without one.
pub(crate) fn height(app: &App) -> u16 {
    let Some(panel) = &app.pipeline else {
        return 0;
    };
    let n = panel.view.as_ref().map_or(0, |v| v.tables.len());
    let tables = n.clamp(1, MAX_TABLES) + usize::from(n > MAX_TABLES);
    (tables + 3 + 2) as u16
}

fn row(label: &str, rest: Vec<Span<'static>>) -> Vec<Span<'static>> {
    let mut spans = vec![Span::styled(format!("{label:<11}"), dim())];
    spans.extend(rest);
    spans
}

fn red() -> Style {
    Style::new().fg(Color::Red)
}

fn green() -> Style {
    Style::new().fg(Color::Green)
}

fn yellow() -> Style {
    Style::new().fg(Color::Yellow)
}

/// Milliseconds as the canary's steps say them: "412 ms", "3.4 s".
fn ms(n: u64) -> String {
    if n < 1000 {
        format!("{n} ms")
    } else {
        format!("{:.1} s", n as f64 / 1000.0)
    }
}

fn secs(s: f64) -> String {
    if s < 10.0 {
        format!("{s:.1} s")
    } else {
        duration(s.round() as i64)
    }
}

pub(crate) fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let Some(panel) = &app.pipeline else {
        return;
    };
    let width = area.width.saturating_sub(2);
    let mut lines: Vec<Vec<Span<'static>>> = Vec::new();
    match &panel.view {
        None => lines.push(row(
            "rows",
            vec![Span::styled("waiting for the first sample", dim())],
        )),
        Some(view) => lines.extend(table_lines(panel, view, app)),
    }
    let view = panel.view.clone().unwrap_or_default();
    lines.push(row("e2e lag", e2e(&view.e2e)));
    lines.push(row("connector", stored(&view)));
    lines.push(row("canary", canary(panel)));
    let title = match &view.target {
        Some(t) => format!(" pipeline → {t} "),
        None => " pipeline ".to_string(),
    };
    let lines: Vec<Line> = lines.into_iter().map(|l| fit(l, width)).collect();
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title)),
        area,
    );
}

fn table_lines(panel: &Panel, view: &PipelineView, app: &App) -> Vec<Vec<Span<'static>>> {
    if !view.source_up {
        let why = view.source_error.clone().unwrap_or_default();
        return vec![row(
            "source",
            vec![Span::styled(format!("unreachable: {why}"), red())],
        )];
    }
    if view.tables.is_empty() {
        return vec![row(
            "rows",
            vec![Span::styled(
                "no table counted (give --target to compare)",
                dim(),
            )],
        )];
    }
    let name_width = view
        .tables
        .iter()
        .take(MAX_TABLES)
        .map(|t| t.table.chars().count())
        .max()
        .unwrap_or(0);
    let count = |n: Option<u64>| n.map_or("?".to_string(), thousands);
    // Counts right-aligned in columns, so the tables' rows read as a table.
    let width_of = |side: fn(&TableRows) -> Option<u64>| {
        view.tables
            .iter()
            .take(MAX_TABLES)
            .map(|t| count(side(t)).chars().count())
            .max()
            .unwrap_or(0)
    };
    let source_width = width_of(|t| t.source);
    let target_width = width_of(|t| t.target);
    let mut out = Vec::new();
    for (i, t) in view.tables.iter().take(MAX_TABLES).enumerate() {
        let label = if i == 0 { "rows" } else { "" };
        let mut spans = vec![
            Span::raw(format!("{:<name_width$}  ", t.table)),
            Span::raw(format!(
                "source {:>source_width$} · target {:>target_width$}  ",
                count(t.source),
                count(t.target)
            )),
        ];
        spans.push(match panel.agreement(t, app.now) {
            Agreement::Equal => Span::styled("✓ equal", green()),
            Agreement::CatchingUp { diff, secs } => Span::styled(
                format!("{} for {}: lag so far", gap(diff), duration(secs as i64)),
                yellow(),
            ),
            Agreement::Differs { diff, secs } => Span::styled(
                format!(
                    "{} for {}: more than lag (cdc validate --counts)",
                    gap(diff),
                    duration(secs as i64)
                ),
                red(),
            ),
            Agreement::Unknown => Span::styled(t.error.clone().unwrap_or_default(), red()),
        });
        out.push(row(label, spans));
    }
    if view.tables.len() > MAX_TABLES {
        out.push(row(
            "",
            vec![Span::styled(
                format!("+{} more tables", view.tables.len() - MAX_TABLES),
                dim(),
            )],
        ));
    }
    out
}

/// "6 behind" (the target has fewer rows) or "2 extra" (more).
fn gap(diff: i64) -> String {
    if diff < 0 {
        format!("{} behind", thousands(diff.unsigned_abs()))
    } else {
        format!("{} extra on the target", thousands(diff as u64))
    }
}

fn e2e(e: &E2e) -> Vec<Span<'static>> {
    match e {
        E2e::NoTarget => vec![Span::styled(
            "no target to measure against (--target)",
            dim(),
        )],
        E2e::Seen { secs: s } => vec![
            Span::styled(secs(*s), if *s > 60.0 { red() } else { Style::new() }),
            Span::styled("  heartbeat row: source write → target", dim()),
        ],
        E2e::Waiting { secs: s } => vec![Span::styled(
            format!(
                "no heartbeat on the target yet (first written {} ago)",
                secs(*s)
            ),
            yellow(),
        )],
        E2e::Unavailable(why) => vec![Span::styled(format!("unavailable: {why}"), dim())],
    }
}

fn stored(view: &PipelineView) -> Vec<Span<'static>> {
    let Some(s) = &view.stored else {
        return vec![Span::styled("no stored position (--offset SOURCE)", dim())];
    };
    let (mark, style) = match s.status {
        Some(Status::Pass) => ("✓", green()),
        Some(Status::Warn) => ("!", yellow()),
        Some(Status::Fail | Status::Error) => ("✖", red()),
        Some(Status::Skip) | None => ("?", dim()),
    };
    let mut spans = vec![
        Span::styled(format!("{mark} "), style),
        Span::raw(format!("{}  ", s.stored)),
    ];
    match s.status {
        Some(Status::Pass) if !s.words.is_empty() => spans.push(Span::raw(s.words.clone())),
        _ => spans.push(Span::styled(s.message.clone(), style)),
    }
    spans
}

fn canary(panel: &Panel) -> Vec<Span<'static>> {
    let Some(run) = &panel.canary else {
        return vec![Span::styled(
            if panel.canary_possible {
                "c runs one insert/update/delete canary and times each step"
            } else {
                "no target: a canary needs --target"
            },
            dim(),
        )];
    };
    let mut spans = Vec::new();
    for s in &run.steps {
        if s.arrived {
            spans.push(Span::styled("✓ ", green()));
            spans.push(Span::raw(format!(
                "{} {}  ",
                s.step,
                s.latency_ms.map(ms).unwrap_or_default()
            )));
        } else {
            spans.push(Span::styled(
                format!("✖ {}: {}  ", s.step, s.message),
                red(),
            ));
        }
    }
    if let Some(step) = run.watching {
        spans.push(Span::styled(
            format!("… watching for the {step} on the target"),
            yellow(),
        ));
    }
    match &run.finished {
        Some((true, summary)) => spans.push(Span::styled(format!("passed: {summary}"), green())),
        Some((false, summary)) => spans.push(Span::styled(summary.clone(), red())),
        None if run.watching.is_none() && run.steps.is_empty() => {
            spans.push(Span::styled("starting…", dim()))
        }
        None => {}
    }
    spans
}
