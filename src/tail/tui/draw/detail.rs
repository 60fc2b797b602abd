//! The selected change: before and after side by side, changed cells highlighted.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Paragraph, Row, Table};
use ratatui::Frame;

use super::{changed_style, dim, fit, op_label, op_style};
use crate::tail::tui::state::App;
use crate::tail::tui::text::{
    cell, clip, clip_from, date_time, first_difference, get, thousands, wrap_chars,
};

pub(crate) fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let block = Block::bordered().title(" detail: before │ after ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(e) = app.selected_entry() else {
        frame.render_widget(
            Paragraph::new(Span::styled(
                " select a change to see its row images",
                dim(),
            )),
            inner,
        );
        return;
    };
    let c = &e.change;
    // A short pane keeps one line of facts, so that the row images get the rest.
    let short = inner.height < 10;
    let meta_lines = if short { 1 } else { 3 };
    let [meta, table] =
        Layout::vertical([Constraint::Length(meta_lines), Constraint::Min(1)]).areas(inner);
    let changed_note = if e.changed.is_empty() {
        String::new()
    } else {
        format!("  {} changed", e.changed.len())
    };
    let mut first = vec![
        Span::styled(op_label(c.op), op_style(c.op).add_modifier(Modifier::BOLD)),
        Span::raw(format!(" {}.{}  key ", c.db, c.table)),
        Span::styled(e.key.clone(), Style::new().add_modifier(Modifier::BOLD)),
        Span::styled(changed_note, dim()),
    ];
    if short {
        first.push(Span::styled(
            format!("  at {}:{}", c.file, thousands(c.pos)),
            dim(),
        ));
        frame.render_widget(Paragraph::new(fit(first, meta.width)), meta);
    } else {
        frame.render_widget(
            Paragraph::new(vec![
                Line::from(first),
                Line::from(vec![
                    Span::styled("gtid ", dim()),
                    Span::raw(e.txn_gtid.clone().unwrap_or_else(|| "none".into())),
                    Span::styled("  at ", dim()),
                    Span::raw(format!("{}:{}", c.file, thousands(c.pos))),
                ]),
                Line::from(vec![
                    Span::styled("committed ", dim()),
                    Span::raw(format!("{} UTC", date_time(c.ts))),
                    Span::styled(" (server clock)", dim()),
                ]),
            ]),
            meta,
        );
    }

    // Columns in table order: the after image's, then any only the before image has.
    let before = c.before.as_ref();
    let after = c.after.as_ref();
    let mut names: Vec<&str> = after
        .or(before)
        .map(|r| r.iter().map(|(n, _)| n.as_str()).collect())
        .unwrap_or_default();
    if let (Some(b), Some(_)) = (before, after) {
        for (n, _) in b {
            if !names.contains(&n.as_str()) {
                names.push(n);
            }
        }
    }
    // Not every column fits: the changed ones come first, so what changed is always seen.
    if names.len() > usize::from(table.height.saturating_sub(1)) {
        names.sort_by_key(|n| !e.changed.iter().any(|c| c == n));
    }
    let missing = |image: Option<&crate::binlog::change::Row>| {
        if image.is_none() {
            "—".to_string()
        } else {
            "∅".to_string()
        }
    };
    let width = table.width.saturating_sub(2);
    let name_width = names
        .iter()
        .map(|n| n.chars().count() as u16 + 2)
        .max()
        .unwrap_or(8)
        .min(width / 3);
    let value_width = width.saturating_sub(name_width) / 2;
    let rows: Vec<Row> = names
        .iter()
        .map(|name| {
            let b = before
                .and_then(|r| get(r, name))
                .map(cell)
                .unwrap_or_else(|| missing(before));
            let a = after
                .and_then(|r| get(r, name))
                .map(cell)
                .unwrap_or_else(|| missing(after));
            let changed = e.changed.iter().any(|n| n == name);
            let label = clip(
                &format!("{}{name}", if changed { "* " } else { "  " }),
                name_width as usize,
            );
            let w = value_width as usize;
            let row = if app.full_values {
                let (b, a) = (wrap_chars(&b, w), wrap_chars(&a, w));
                let height = b.len().max(a.len()) as u16;
                Row::new(vec![
                    Text::from(label),
                    Text::from(b.join("\n")),
                    Text::from(a.join("\n")),
                ])
                .height(height)
            } else {
                // A changed value is cut where it differs, so the change stays in view.
                let at = if changed { first_difference(&b, &a) } else { 0 };
                Row::new(vec![label, clip_from(&b, w, at), clip_from(&a, w, at)])
            };
            if changed {
                row.style(changed_style())
            } else {
                row
            }
        })
        .collect();
    frame.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(name_width),
                Constraint::Length(value_width),
                Constraint::Length(value_width),
            ],
        )
        .header(
            Row::new(vec!["column", "before", "after"])
                .style(Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)),
        ),
        table,
    );
}
