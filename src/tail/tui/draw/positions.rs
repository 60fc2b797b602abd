//! Where we are against the server, the lag, and whether we are caught up.

use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

use super::dim;
use crate::tail::tui::state::{App, Sync};
use crate::tail::tui::text::{bytes, duration, thousands};

fn row(label: &str, rest: Vec<Span<'static>>) -> Line<'static> {
    let mut spans = vec![Span::styled(format!("{label:<11}"), dim())];
    spans.extend(rest);
    Line::from(spans)
}

pub(crate) fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let p = app.positions.clone().unwrap_or_default();
    let unknown = || Span::styled("unknown", dim());
    let ours = if p.file.is_empty() {
        unknown()
    } else {
        Span::raw(format!("{}:{}", p.file, thousands(p.pos)))
    };
    let server = match (&p.server_file, p.server_pos) {
        (Some(f), Some(pos)) => Span::raw(format!("{f}:{}", thousands(pos))),
        _ => unknown(),
    };
    let behind = match p.bytes_behind {
        Some(b) => Span::raw(format!(" · {} behind", bytes(b))),
        None => Span::raw(""),
    };
    let oldest = match &p.oldest_file {
        Some(f) => vec![
            Span::raw(f.clone()),
            Span::styled("  oldest kept (purge horizon)", dim()),
        ],
        None => vec![unknown()],
    };
    let skew = app.header.skew_secs;
    let sync = app.sync();
    let lag = match app.commit_lag_secs() {
        None => vec![Span::styled("no change seen yet", dim())],
        Some(_) if sync == Sync::CaughtUp => vec![
            Span::styled("0s", Style::new().fg(Color::Green)),
            Span::styled(
                format!(
                    "  caught up; last commit {} ago",
                    duration(app.commit_lag_secs().unwrap_or(0))
                ),
                dim(),
            ),
        ],
        Some(secs) => vec![
            Span::styled(
                duration(secs),
                Style::new().fg(if secs > 60 { Color::Red } else { Color::Reset }),
            ),
            Span::styled(
                format!("  server clock: now {skew:+}s skew − last commit"),
                dim(),
            ),
        ],
    };
    let idle = app
        .idle_secs()
        .map(|s| format!(" · idle {}", duration(s as i64)))
        .unwrap_or_default();
    let state = match sync {
        Sync::Unknown => vec![Span::styled("○ waiting for the reader", dim())],
        Sync::Reading => vec![Span::styled("● reading", Style::new().fg(Color::Cyan))],
        Sync::CaughtUp => vec![
            Span::styled("● caught up", Style::new().fg(Color::Green)),
            Span::styled(format!(": heartbeats, nothing to read{idle}"), dim()),
        ],
        Sync::Behind(b) => vec![Span::styled(
            format!("● behind by {}", bytes(b)),
            Style::new().fg(Color::Yellow),
        )],
        Sync::Reconnecting => {
            let (attempt, reason) = app.reconnecting.clone().unwrap_or_default();
            vec![Span::styled(
                format!("⟳ reconnecting (attempt {attempt}): {reason}"),
                Style::new().fg(Color::Yellow),
            )]
        }
        Sync::Finished => vec![Span::styled("■ finished", Style::new().fg(Color::Cyan))],
        Sync::Failed => vec![Span::styled(
            "✖ reader stopped",
            Style::new().fg(Color::Red),
        )],
    };
    let heartbeat = match app.last_heartbeat_at {
        Some(at) => {
            let ago = app.now.duration_since(at).map(|d| d.as_secs()).unwrap_or(0);
            format!("{} ago (local clock)", duration(ago as i64))
        }
        None => "none yet".to_string(),
    };
    let lines = vec![
        row("ours", vec![ours]),
        row("server end", vec![server, behind]),
        row("purge edge", oldest),
        row("commit lag", lag),
        row("state", state),
        row(
            "heartbeat",
            vec![
                Span::raw(heartbeat),
                Span::styled(
                    format!(
                        " · {} received · {} reconnects",
                        thousands(app.totals.heartbeats),
                        app.totals.reconnects
                    ),
                    dim(),
                ),
            ],
        ),
    ];
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" positions and lag ")),
        area,
    );
}
