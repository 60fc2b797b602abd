//! events/s, rows/s and MB/s over the last minute, one bar per second.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Sparkline};
use ratatui::Frame;

use super::dim;
use crate::tail::tui::state::{App, Bucket, RATE_SECONDS};
use crate::tail::tui::text::thousands;

/// A meter: its label, the last second's value as text, which count it reads, its color.
type Meter = (&'static str, String, fn(&Bucket) -> u64, Color);

pub(crate) fn draw(frame: &mut Frame, area: Rect, app: &App) {
    // The sparklines show one bar per second, as many seconds as fit (at most RATE_SECONDS).
    let seconds = (area.width.saturating_sub(2 + 20) as usize).min(RATE_SECONDS);
    let block = Block::bordered().title(format!(" rates per second, last {seconds} s "));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let last = app.rates.last();
    let meters: [Meter; 3] = [
        (
            "events/s",
            thousands(last.events),
            |b| b.events,
            Color::Cyan,
        ),
        ("rows/s", thousands(last.rows), |b| b.rows, Color::Green),
        (
            "MB/s",
            format!("{:.2}", last.bytes as f64 / 1e6),
            |b| b.bytes,
            Color::Magenta,
        ),
    ];
    let rows = Layout::vertical([Constraint::Length(2); 3]).split(inner);
    for ((label, value, pick, color), area) in meters.into_iter().zip(rows.iter()) {
        let [text, spark] =
            Layout::horizontal([Constraint::Length(20), Constraint::Min(1)]).areas(*area);
        let data: Vec<u64> = app.rates.history.iter().map(pick).collect();
        let peak = data.iter().copied().max().unwrap_or(0);
        let peak = if label == "MB/s" {
            format!("{:.2}", peak as f64 / 1e6)
        } else {
            thousands(peak)
        };
        frame.render_widget(
            Paragraph::new(vec![
                Line::from(vec![
                    Span::styled(format!(" {label:<9}"), dim()),
                    Span::raw(format!("{value:>9}")),
                ]),
                Line::from(Span::styled(format!(" peak {peak:>13}"), dim())),
            ]),
            text,
        );
        // Newest at the right edge; seconds before the start count as zero.
        let shown = &data[data.len().saturating_sub(seconds)..];
        let padding = seconds.saturating_sub(shown.len());
        frame.render_widget(
            Sparkline::default()
                .data(std::iter::repeat_n(0, padding).chain(shown.iter().copied()))
                .style(Style::new().fg(color)),
            spark,
        );
    }
}
