//! The bottom line: the keys, or the search being typed, and what is paused, filtered, searched.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{dim, fit};
use crate::tail::tui::state::App;
use crate::tail::tui::text::thousands;

pub(crate) fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let key = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
    let chip = Style::new().fg(Color::Black).bg(Color::Yellow);
    let mut spans = Vec::new();
    if let Some(input) = &app.search_input {
        spans.push(Span::styled(" search key: ", key));
        spans.push(Span::raw(format!("{input}▏")));
        spans.push(Span::styled(
            "  Enter apply (empty clears) · Esc cancel",
            dim(),
        ));
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    spans.push(Span::raw(" "));
    if app.paused {
        let mut text = format!(
            " PAUSED: {} new buffered ",
            thousands(app.pending.len() as u64)
        );
        if app.pending.len() >= app.capacity {
            text.push_str("(full: oldest dropped) ");
        }
        spans.push(Span::styled(text, chip));
        spans.push(Span::raw(" "));
    }
    if !app.filter.is_all() {
        let f = app.filter;
        let shown: Vec<&str> = [(f.inserts, "+I"), (f.updates, "-U+U"), (f.deletes, "-D")]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, l)| *l)
            .collect();
        let shown = if shown.is_empty() {
            "nothing".to_string()
        } else {
            shown.join(" ")
        };
        spans.push(Span::styled(format!(" showing {shown} "), chip));
        spans.push(Span::raw(" "));
    }
    if let Some(s) = &app.search {
        spans.push(Span::styled(format!(" key ~ \"{s}\" "), chip));
        spans.push(Span::raw(" "));
    }
    if app.finished {
        spans.push(Span::styled(
            " reader finished: q to quit ",
            Style::new().fg(Color::Black).bg(Color::Cyan),
        ));
        spans.push(Span::raw(" "));
    }
    if app.pipeline.is_some() {
        spans.push(Span::styled("c", key));
        spans.push(Span::styled(" canary  ", dim()));
    }
    for (k, what) in [
        ("q", "quit"),
        ("p", if app.paused { "resume" } else { "pause" }),
        ("↑↓ PgUp PgDn Home End", ""),
        ("i/u/d", "hide ins/upd/del"),
        ("/", "search key"),
        (
            "v",
            if app.full_values {
                "short values"
            } else {
                "full values"
            },
        ),
    ] {
        spans.push(Span::styled(k, key));
        spans.push(Span::styled(
            format!(" {what}  ").replace("   ", "  "),
            dim(),
        ));
    }
    frame.render_widget(Paragraph::new(fit(spans, area.width)), area);
}
