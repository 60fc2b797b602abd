//! Over everything: why the reader stopped, until a key is pressed.

use crate::playbooks::show_command;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::dim;
use crate::tail::tui::state::App;

pub(crate) fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let Some(failure) = &app.failed else {
        return;
    };
    let [area] = Layout::horizontal([Constraint::Length(area.width.min(76))])
        .flex(Flex::Center)
        .areas(area);
    let [area] = Layout::vertical([Constraint::Length(10)])
        .flex(Flex::Center)
        .areas(area);
    let mut lines = vec![Line::from(failure.message.clone()), Line::raw("")];
    if let Some(p) = &failure.playbook {
        lines.push(Line::from(vec![
            Span::styled("what to do: ", dim()),
            Span::styled(show_command(p), Style::new().add_modifier(Modifier::BOLD)),
        ]));
    }
    lines.push(Line::from(Span::styled(
        "press any key to leave (the message is printed again on exit)",
        dim(),
    )));
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .title(" the reader stopped ")
                .border_style(Style::new().fg(Color::Red)),
        ),
        area,
    );
}
