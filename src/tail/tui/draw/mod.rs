//! Drawing: free functions that read `&App` and never change it, one file per screen region.

mod detail;
mod events;
mod footer;
mod header;
mod pipeline;
mod popup;
mod positions;
mod rates;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::Frame;

use super::state::App;
use crate::binlog::change::Op;

/// Where each region goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Areas {
    pub(crate) header: Rect,
    pub(crate) positions: Rect,
    /// Empty without the pipeline panel.
    pub(crate) pipeline: Rect,
    pub(crate) rates: Rect,
    pub(crate) events: Rect,
    pub(crate) detail: Rect,
    pub(crate) footer: Rect,
}

/// The screen split into regions: header, positions|rates, the pipeline panel (when there is
/// one), events|detail, footer.
/// Narrow screens (under 100 columns) give the positions the whole width (the rates go) and
/// put the detail pane under the list, with the larger share, so it still shows columns at
/// 80x24.
pub(crate) fn layout(area: Rect, app: &App) -> Areas {
    let [header, middle, pipeline, body, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(8),
        Constraint::Length(pipeline::height(app)),
        Constraint::Min(6),
        Constraint::Length(1),
    ])
    .areas(area);
    let narrow = area.width < 100;
    let (positions, rates) = if narrow {
        (middle, Rect::new(middle.x, middle.y, 0, 0))
    } else {
        let [p, r] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(middle);
        (p, r)
    };
    let [events, detail] = if narrow {
        Layout::vertical([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(body)
    } else {
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(body)
    };
    Areas {
        header,
        positions,
        pipeline,
        rates,
        events,
        detail,
        footer,
    }
}

/// `spans` cut to `width` columns with `…` where they were cut, instead of stopping mid-word
/// at the pane's edge with nothing to say there is more.
pub(crate) fn fit(spans: Vec<Span<'static>>, width: u16) -> Line<'static> {
    let width = usize::from(width);
    let total: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    if total <= width || width == 0 {
        return Line::from(spans);
    }
    let mut left = width - 1;
    let mut out = Vec::new();
    for s in spans {
        let n = s.content.chars().count();
        if n <= left {
            left -= n;
            out.push(s);
            continue;
        }
        let cut: String = s.content.chars().take(left).collect();
        out.push(Span::styled(cut, s.style));
        break;
    }
    out.push(Span::styled("…", dim()));
    Line::from(out)
}

/// [`fit`] for a whole line, its style kept (the selected row's highlight).
pub(crate) fn fit_line(line: Line<'static>, width: u16) -> Line<'static> {
    let style = line.style;
    fit(line.spans, width).style(style)
}

/// How many rows the change list shows on a screen of this size (what PageUp/PageDown move).
pub(crate) fn list_rows(area: Rect, app: &App) -> usize {
    layout(area, app).events.height.saturating_sub(2).max(1) as usize
}

/// The whole screen from the state; reads only.
pub fn draw(frame: &mut Frame, app: &App) {
    let areas = layout(frame.area(), app);
    header::draw(frame, areas.header, app);
    positions::draw(frame, areas.positions, app);
    pipeline::draw(frame, areas.pipeline, app);
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
