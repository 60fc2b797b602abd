//! Top two lines: the table and server, then the configuration badges.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{dim, fit};
use crate::tail::tui::state::App;

pub(crate) fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let h = &app.header;
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut title = vec![Span::styled(
        " cdc tail ",
        bold.fg(Color::Black).bg(Color::Cyan),
    )];
    if app.paused {
        title.push(Span::styled(
            " PAUSED ",
            bold.fg(Color::Black).bg(Color::Yellow),
        ));
    }
    title.extend([
        Span::styled(format!(" {} ", h.table), bold),
        Span::styled(" server ", dim()),
        Span::raw(h.server.clone()),
        Span::styled("  ", dim()),
        Span::raw(format!("{} {}", h.flavor, h.version).trim().to_string()),
        Span::styled("  clock skew ", dim()),
        Span::raw(format!("{:+}s", h.skew_secs)),
    ]);
    let mut badges = vec![Span::raw(" ")];
    for b in &h.badges {
        let bg = if b.ok { Color::Green } else { Color::Red };
        badges.push(Span::styled(
            format!(" {} {} ", b.label, b.value),
            Style::new().fg(Color::Black).bg(bg),
        ));
        badges.push(Span::raw(" "));
    }
    if h.names_from_information_schema {
        badges.push(Span::styled(
            " names: information_schema ",
            Style::new().fg(Color::Black).bg(Color::Yellow),
        ));
    }
    frame.render_widget(
        Paragraph::new(vec![fit(title, area.width), fit(badges, area.width)]),
        area,
    );
}
