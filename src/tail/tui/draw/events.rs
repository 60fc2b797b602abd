//! The change list, newest at the bottom, grouped by transaction under a GTID row.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

use super::{changed_style, dim, fit_line, op_label, op_style};
use crate::binlog::change::Op;
use crate::tail::tui::state::{App, Entry};
use crate::tail::tui::text::{cell, clip, clip_from, first_difference, hms, thousands};

/// A line of the list: a transaction's header, or a change (index into the visible entries).
enum Item {
    Txn(usize),
    Change(usize),
}

pub(crate) fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let visible = app.visible();
    let mut title = format!(
        " changes: {} shown, {} kept, {} since start ",
        thousands(visible.len() as u64),
        thousands(app.changes.len() as u64),
        thousands(app.totals.changes()),
    );
    if app.totals.dropped > 0 {
        title.push_str(&format!(
            "(oldest {} dropped) ",
            thousands(app.totals.dropped)
        ));
    }
    let block = Block::bordered().title(title);
    let inner = block.inner(area);
    let height = inner.height as usize;

    let mut items = Vec::with_capacity(visible.len() * 2);
    let mut selected_line = None;
    let selected = app.selected_index(&visible);
    for (i, e) in visible.iter().enumerate() {
        if i == 0 || visible[i - 1].txn != e.txn {
            items.push(Item::Txn(i));
        }
        if Some(i) == selected {
            selected_line = Some(items.len());
        }
        items.push(Item::Change(i));
    }
    let offset = match selected_line {
        Some(line) if line >= height => line + 1 - height,
        _ => 0,
    };

    let lines: Vec<Line> = if visible.is_empty() {
        vec![Line::from(Span::styled(
            if app.changes.is_empty() {
                "  waiting for changes to the watched table…"
            } else {
                "  no change matches the filter or search"
            },
            dim(),
        ))]
    } else {
        items
            .iter()
            .skip(offset)
            .take(height)
            .map(|item| {
                let line = match item {
                    Item::Txn(i) => txn_line(visible[*i]),
                    Item::Change(i) => change_line(visible[*i], Some(*i) == selected),
                };
                fit_line(line, area.width.saturating_sub(2))
            })
            .collect()
    };
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn txn_line(e: &Entry) -> Line<'static> {
    let style = Style::new().fg(Color::Cyan);
    let gtid = e.txn_gtid.clone().unwrap_or_else(|| "no GTID".to_string());
    let rows = if e.txn_rows == 1 { "row" } else { "rows" };
    Line::from(vec![
        Span::styled("─ txn ", style),
        Span::styled(gtid, style.add_modifier(Modifier::BOLD)),
        Span::styled(
            format!(
                "  {} {rows} · committed {} UTC",
                e.txn_rows,
                hms(e.change.ts)
            ),
            dim(),
        ),
    ])
}

fn change_line(e: &Entry, selected: bool) -> Line<'static> {
    let c = &e.change;
    let mut spans = vec![
        Span::raw(if selected { "▶ " } else { "  " }),
        Span::styled(
            format!("{:<4}", op_label(c.op)),
            op_style(c.op).add_modifier(Modifier::BOLD),
        ),
        Span::styled(format!(" {} ", hms(c.ts)), dim()),
        Span::styled(
            format!("{:<8} ", clip(&e.key, 12)),
            Style::new().add_modifier(Modifier::BOLD),
        ),
    ];
    match c.op {
        Op::Update => {
            let (before, after) = (
                c.before.as_deref().unwrap_or(&[]),
                c.after.as_deref().unwrap_or(&[]),
            );
            if e.changed.is_empty() {
                spans.push(Span::styled("no column changed", dim()));
            }
            for (n, name) in e.changed.iter().enumerate() {
                if n > 0 {
                    spans.push(Span::raw("  "));
                }
                let old = before.iter().find(|(c, _)| c == name).map(|(_, v)| cell(v));
                let new = after.iter().find(|(c, _)| c == name).map(|(_, v)| cell(v));
                spans.push(Span::styled(name.clone(), changed_style()));
                let (old, new) = (old.as_deref().unwrap_or("∅"), new.as_deref().unwrap_or("∅"));
                // Cut where they differ: two equal-looking prefixes would hide the change.
                let at = first_difference(old, new);
                spans.push(Span::raw(format!(
                    " {}→{}",
                    clip_from(old, 14, at),
                    clip_from(new, 14, at)
                )));
            }
        }
        Op::Insert | Op::Delete => {
            let row = c.after.as_ref().or(c.before.as_ref());
            for (n, (name, v)) in row.into_iter().flatten().enumerate().skip(1) {
                if n > 1 {
                    spans.push(Span::raw(" "));
                }
                spans.push(Span::styled(format!("{name}="), dim()));
                spans.push(Span::raw(clip(&cell(v), 20)));
            }
        }
    }
    let line = Line::from(spans);
    if selected {
        line.style(Style::new().bg(Color::Rgb(40, 40, 60)))
    } else {
        line
    }
}
