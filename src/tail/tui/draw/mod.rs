//! Drawing: free functions that read `&App` and never change it, one file per screen region.

mod detail;
mod events;
mod footer;
mod header;
mod popup;
mod positions;
mod rates;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::Frame;

use super::state::App;
use crate::binlog::change::Op;

/// Where each region goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Areas {
    pub(crate) header: Rect,
    pub(crate) positions: Rect,
    pub(crate) rates: Rect,
    pub(crate) events: Rect,
    pub(crate) detail: Rect,
    pub(crate) footer: Rect,
}

/// The screen split into regions: header, positions|rates, events|detail, footer.
/// Narrow screens (under 100 columns) put the detail pane under the list.
pub(crate) fn layout(area: Rect) -> Areas {
    let [header, middle, body, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(8),
        Constraint::Min(6),
        Constraint::Length(1),
    ])
    .areas(area);
    let [positions, rates] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(middle);
    let [events, detail] = if area.width >= 100 {
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(body)
    } else {
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(body)
    };
    Areas {
        header,
        positions,
        rates,
        events,
        detail,
        footer,
    }
}

/// How many rows the change list shows on a screen of this size (what PageUp/PageDown move).
pub(crate) fn list_rows(area: Rect) -> usize {
    layout(area).events.height.saturating_sub(2).max(1) as usize
}

pub(crate) fn draw(frame: &mut Frame, app: &App) {
    let areas = layout(frame.area());
    header::draw(frame, areas.header, app);
    positions::draw(frame, areas.positions, app);
    rates::draw(frame, areas.rates, app);
    events::draw(frame, areas.events, app);
    detail::draw(frame, areas.detail, app);
    footer::draw(frame, areas.footer, app);
    popup::draw(frame, frame.area(), app);
}

/// The Flink-style changelog label of an operation.
pub(crate) fn op_label(op: Op) -> &'static str {
    match op {
        Op::Insert => "+I",
        Op::Update => "-U+U",
        Op::Delete => "-D",
    }
}

pub(crate) fn op_style(op: Op) -> Style {
    Style::new().fg(match op {
        Op::Insert => Color::Green,
        Op::Update => Color::Yellow,
        Op::Delete => Color::Red,
    })
}

/// Changed cells and column names.
pub(crate) fn changed_style() -> Style {
    Style::new().fg(Color::Black).bg(Color::Yellow)
}

pub(crate) fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

#[cfg(test)]
mod tests;
