//! The only code that changes [`App`]: a message from the reader, a key, a clock tick.

use std::collections::VecDeque;
use std::time::SystemTime;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::state::{unix_secs, App, Bucket, Entry, Failure, RATE_SECONDS};
use super::text;
use crate::binlog::change::{Op, Row, RowChange};
use crate::tail::feed::Feed;

/// What the loop does after a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Continue,
    Quit,
    /// `c`: ask the pipeline watcher for one canary run.
    RunCanary,
}

/// Take one message from the reader.
pub fn apply_feed(app: &mut App, feed: Feed, now: SystemTime) {
    tick(app, now);
    app.seen.counter += 1;
    let seq = app.seen.counter;
    if !matches!(
        feed,
        Feed::Reconnecting { .. }
            | Feed::Failed { .. }
            | Feed::Finished
            | Feed::Pipeline(_)
            | Feed::Canary(_)
    ) {
        app.reconnecting = None;
    }
    match feed {
        Feed::Transaction { gtid, changes } => {
            let txn = app.next_txn;
            app.next_txn += 1;
            app.totals.txns += 1;
            app.totals.events += 1;
            app.rates.current.events += 1;
            app.rates.current.rows += changes.len() as u64;
            app.seen.data = seq;
            app.last_data_at = Some(now);
            let rows = changes.len();
            for change in changes {
                match change.op {
                    Op::Insert => app.totals.inserts += 1,
                    Op::Update => app.totals.updates += 1,
                    Op::Delete => app.totals.deletes += 1,
                }
                app.last_commit_ts = Some(change.ts);
                let entry = Entry {
                    id: app.next_change,
                    txn,
                    txn_gtid: gtid.clone().or_else(|| change.gtid.clone()),
                    txn_rows: rows,
                    key: key_text(&change, &app.header.key_columns),
                    changed: changed_columns(&change),
                    change,
                };
                app.next_change += 1;
                push(app, entry);
            }
        }
        Feed::Progress { events, bytes } => {
            app.totals.events += events;
            app.totals.bytes += bytes;
            app.rates.current.events += events;
            app.rates.current.bytes += bytes;
            app.seen.data = seq;
            app.last_data_at = Some(now);
        }
        Feed::Heartbeat => {
            app.totals.heartbeats += 1;
            app.seen.heartbeat = seq;
            app.last_heartbeat_at = Some(now);
        }
        Feed::Positions(p) => {
            app.positions = Some(p);
            app.seen.positions = seq;
        }
        Feed::Reconnecting { attempt, reason } => {
            app.totals.reconnects += 1;
            app.reconnecting = Some((attempt, reason));
        }
        Feed::Failed { message, playbook } => {
            app.failed = Some(Failure { message, playbook });
        }
        Feed::Finished => app.finished = true,
        Feed::Pipeline(view) => {
            if let Some(panel) = app.pipeline.as_mut() {
                panel.on_view(*view, now);
            }
        }
        Feed::Canary(event) => {
            if let Some(panel) = app.pipeline.as_mut() {
                panel.on_canary(event);
            }
        }
    }
}

/// Into the list, or into the pause buffer; the oldest go when either is full.
fn push(app: &mut App, entry: Entry) {
    let cap = app.capacity;
    let dropped = if app.paused {
        push_bounded(&mut app.pending, entry, cap)
    } else {
        push_bounded(&mut app.changes, entry, cap)
    };
    app.totals.dropped += dropped;
}

fn push_bounded(list: &mut VecDeque<Entry>, entry: Entry, cap: usize) -> u64 {
    let mut dropped = 0;
    while list.len() >= cap {
        list.pop_front();
        dropped += 1;
    }
    list.push_back(entry);
    dropped
}

/// The clock moved: finish the seconds that passed (empty ones count as zero).
pub fn tick(app: &mut App, now: SystemTime) {
    app.now = now;
    let second = unix_secs(now);
    let rates = &mut app.rates;
    if rates.second == 0 {
        rates.second = second;
        return;
    }
    if second <= rates.second {
        return;
    }
    let passed = second - rates.second;
    rates.history.push_back(std::mem::take(&mut rates.current));
    let empty = (passed - 1).min(RATE_SECONDS as u64);
    for _ in 0..empty {
        rates.history.push_back(Bucket::default());
    }
    while rates.history.len() > RATE_SECONDS {
        rates.history.pop_front();
    }
    rates.second = second;
}

/// The key columns' text: the header's key columns when the row has them all, else the first column.
pub(crate) fn key_text(change: &RowChange, key_columns: &[String]) -> String {
    let Some(row) = change.after.as_ref().or(change.before.as_ref()) else {
        return String::new();
    };
    let keyed: Option<Vec<String>> = key_columns
        .iter()
        .map(|k| text::get(row, k).map(text::cell))
        .collect();
    match keyed {
        Some(values) if !values.is_empty() => values.join(","),
        _ => row.first().map(|(_, c)| text::cell(c)).unwrap_or_default(),
    }
}

/// Updates: the columns whose before and after differ (a column missing from one image counts as changed).
pub(crate) fn changed_columns(change: &RowChange) -> Vec<String> {
    let (Some(before), Some(after)) = (&change.before, &change.after) else {
        return Vec::new();
    };
    let mut out: Vec<String> = after
        .iter()
        .filter(|(name, cell)| text::get(before, name) != Some(cell))
        .map(|(name, _)| name.clone())
        .collect();
    out.extend(
        before
            .iter()
            .filter(|(name, _)| text::get(after as &Row, name).is_none())
            .map(|(name, _)| name.clone()),
    );
    out
}

/// A key press.
pub fn on_key(app: &mut App, key: KeyEvent) -> Action {
    if key.kind == KeyEventKind::Release {
        return Action::Continue;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c')) {
        return Action::Quit;
    }
    if let Some(input) = app.search_input.as_mut() {
        match key.code {
            KeyCode::Enter => {
                let typed = app.search_input.take().unwrap_or_default();
                let typed = typed.trim();
                app.search = (!typed.is_empty()).then(|| typed.to_string());
                app.selected = None;
            }
            KeyCode::Esc => app.search_input = None,
            KeyCode::Backspace => {
                input.pop();
            }
            KeyCode::Char(c) if !ctrl => input.push(c),
            _ => {}
        }
        return Action::Continue;
    }
    let page = app.page.max(1) as i64;
    match key.code {
        KeyCode::Char('q') | KeyCode::Esc => return Action::Quit,
        KeyCode::Char('p') | KeyCode::Char(' ') => toggle_pause(app),
        KeyCode::Char('v') => app.full_values = !app.full_values,
        KeyCode::Char('i') => app.filter.inserts = !app.filter.inserts,
        KeyCode::Char('u') => app.filter.updates = !app.filter.updates,
        KeyCode::Char('d') => app.filter.deletes = !app.filter.deletes,
        // A new search starts empty: Enter on it clears the one applied (shown in the footer).
        KeyCode::Char('/') => app.search_input = Some(String::new()),
        KeyCode::Up | KeyCode::Char('k') => scroll(app, -1),
        KeyCode::Down | KeyCode::Char('j') => scroll(app, 1),
        KeyCode::PageUp => scroll(app, -page),
        KeyCode::PageDown => scroll(app, page),
        KeyCode::Home | KeyCode::Char('g') => {
            app.selected = app.visible().first().map(|e| e.id);
        }
        KeyCode::End | KeyCode::Char('G') => app.selected = None,
        KeyCode::Char('c') => {
            if let Some(panel) = app.pipeline.as_mut() {
                if panel.request_canary() {
                    return Action::RunCanary;
                }
            }
        }
        _ => {}
    }
    Action::Continue
}

/// Pause freezes the list (new changes wait in `pending`); resume shows them.
fn toggle_pause(app: &mut App) {
    app.paused = !app.paused;
    if !app.paused {
        let cap = app.capacity;
        let pending = std::mem::take(&mut app.pending);
        for e in pending {
            let dropped = push_bounded(&mut app.changes, e, cap);
            app.totals.dropped += dropped;
        }
    }
}

/// Move the selection; reaching the newest follows it again.
fn scroll(app: &mut App, by: i64) {
    let visible = app.visible();
    let Some(at) = app.selected_index(&visible) else {
        return;
    };
    let last = visible.len() as i64 - 1;
    let to = (at as i64 + by).clamp(0, last);
    app.selected = if to == last {
        None
    } else {
        Some(visible[to as usize].id)
    };
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::binlog::change::Cell;
    use crate::tail::feed::Positions;
    use crate::tail::tui::state::{Header, Sync};

    pub(crate) fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn row(id: i64, status: &str, total: &str) -> Row {
        vec![
            ("id".into(), Cell::Int(id)),
            ("status".into(), Cell::Text(status.into())),
            ("total".into(), Cell::Decimal(total.into())),
        ]
    }

    fn change(op: Op, before: Option<Row>, after: Option<Row>, ts: u32) -> RowChange {
        RowChange {
            op,
            db: "retail_db".into(),
            table: "orders".into(),
            before,
            after,
            ts,
            file: "mysql-bin.000042".into(),
            pos: 1000,
            gtid: None,
        }
    }

    fn insert(id: i64) -> RowChange {
        change(
            Op::Insert,
            None,
            Some(row(id, "new", "10.00")),
            1_700_000_000,
        )
    }

    fn txn(gtid: &str, changes: Vec<RowChange>) -> Feed {
        Feed::Transaction {
            gtid: Some(gtid.into()),
            changes,
        }
    }

    fn app() -> App {
        App::new(Header::default(), 100)
    }

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn groups_changes_by_transaction() {
        let mut a = app();
        apply_feed(&mut a, txn("0-1-10", vec![insert(1), insert(2)]), at(100));
        apply_feed(&mut a, txn("0-1-11", vec![insert(3)]), at(100));
        let txns: Vec<_> = a
            .changes
            .iter()
            .map(|e| (e.txn, e.txn_gtid.clone(), e.txn_rows))
            .collect();
        assert_eq!(
            txns,
            vec![
                (1, Some("0-1-10".into()), 2),
                (1, Some("0-1-10".into()), 2),
                (2, Some("0-1-11".into()), 1),
            ]
        );
        assert_eq!(a.totals.txns, 2);
        assert_eq!(a.totals.inserts, 3);
    }

    #[test]
    fn update_marks_the_columns_that_differ() {
        let c = change(
            Op::Update,
            Some(row(7, "pending", "10.00")),
            Some(row(7, "shipped", "10.00")),
            0,
        );
        assert_eq!(changed_columns(&c), vec!["status".to_string()]);
        assert!(changed_columns(&insert(1)).is_empty());
    }

    #[test]
    fn key_is_the_header_key_or_the_first_column() {
        let c = change(Op::Delete, Some(row(9, "x", "1.00")), None, 0);
        assert_eq!(key_text(&c, &[]), "9");
        assert_eq!(key_text(&c, &["status".into(), "id".into()]), "x,9");
        assert_eq!(key_text(&c, &["nope".into()]), "9");
    }

    #[test]
    fn op_filters_hide_and_show() {
        let mut a = app();
        let upd = change(
            Op::Update,
            Some(row(1, "a", "1")),
            Some(row(1, "b", "1")),
            0,
        );
        let del = change(Op::Delete, Some(row(2, "a", "1")), None, 0);
        apply_feed(&mut a, txn("g", vec![insert(1), upd, del]), at(1));
        assert_eq!(a.visible().len(), 3);
        on_key(&mut a, key(KeyCode::Char('i')));
        on_key(&mut a, key(KeyCode::Char('d')));
        let ops: Vec<Op> = a.visible().iter().map(|e| e.change.op).collect();
        assert_eq!(ops, vec![Op::Update]);
        on_key(&mut a, key(KeyCode::Char('i')));
        assert_eq!(a.visible().len(), 2);
    }

    #[test]
    fn search_by_key_applies_on_enter_and_cancels_on_esc() {
        let mut a = app();
        apply_feed(&mut a, txn("g", (1..=30).map(insert).collect()), at(1));
        on_key(&mut a, key(KeyCode::Char('/')));
        on_key(&mut a, key(KeyCode::Char('2')));
        assert_eq!(a.visible().len(), 30, "typing does not filter yet");
        assert_eq!(
            on_key(&mut a, key(KeyCode::Char('q'))),
            Action::Continue,
            "q is text while typing"
        );
        on_key(&mut a, key(KeyCode::Backspace));
        on_key(&mut a, key(KeyCode::Enter));
        let keys: Vec<&str> = a.visible().iter().map(|e| e.key.as_str()).collect();
        assert_eq!(
            keys,
            vec!["2", "12", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29"]
        );
        on_key(&mut a, key(KeyCode::Char('/')));
        on_key(&mut a, key(KeyCode::Char('9')));
        on_key(&mut a, key(KeyCode::Esc));
        assert_eq!(
            a.search.as_deref(),
            Some("2"),
            "Esc keeps the applied search"
        );
        assert!(a.search_input.is_none());
        // A new search starts empty, not with the last one typed in again.
        on_key(&mut a, key(KeyCode::Char('/')));
        assert_eq!(a.search_input.as_deref(), Some(""));
        // an empty search clears it
        on_key(&mut a, key(KeyCode::Enter));
        assert_eq!(a.visible().len(), 30);
    }

    #[test]
    fn pause_freezes_the_list_and_buffers_boundedly() {
        let mut a = App::new(Header::default(), 5);
        apply_feed(&mut a, txn("g1", vec![insert(1), insert(2)]), at(1));
        on_key(&mut a, key(KeyCode::Char('p')));
        assert!(a.paused);
        for i in 3..=10 {
            apply_feed(&mut a, txn("g", vec![insert(i)]), at(1));
        }
        assert_eq!(a.changes.len(), 2, "the view is frozen");
        assert_eq!(a.pending.len(), 5, "the buffer is bounded");
        assert_eq!(a.totals.inserts, 10, "everything is counted");
        on_key(&mut a, key(KeyCode::Char('p')));
        let keys: Vec<&str> = a.changes.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, vec!["6", "7", "8", "9", "10"]);
        assert!(a.pending.is_empty());
        assert_eq!(a.totals.dropped, 5);
    }

    #[test]
    fn scrolling_selects_and_end_follows() {
        let mut a = app();
        a.page = 3;
        apply_feed(&mut a, txn("g", (1..=10).map(insert).collect()), at(1));
        assert_eq!(a.selected_entry().unwrap().key, "10");
        on_key(&mut a, key(KeyCode::Up));
        assert_eq!(a.selected_entry().unwrap().key, "9");
        on_key(&mut a, key(KeyCode::PageUp));
        assert_eq!(a.selected_entry().unwrap().key, "6");
        apply_feed(&mut a, txn("g", vec![insert(11)]), at(1));
        assert_eq!(
            a.selected_entry().unwrap().key,
            "6",
            "selection stays while new rows arrive"
        );
        on_key(&mut a, key(KeyCode::Home));
        assert_eq!(a.selected_entry().unwrap().key, "1");
        on_key(&mut a, key(KeyCode::PageDown));
        assert_eq!(a.selected_entry().unwrap().key, "4");
        on_key(&mut a, key(KeyCode::End));
        apply_feed(&mut a, txn("g", vec![insert(12)]), at(1));
        assert_eq!(a.selected_entry().unwrap().key, "12");
    }

    #[test]
    fn commit_lag_uses_the_measured_skew() {
        let mut a = App::new(
            Header {
                skew_secs: -3,
                ..Header::default()
            },
            10,
        );
        assert_eq!(a.commit_lag_secs(), None);
        // server clock 3 s behind local: a change committed at server 1000 seen at local 1005 is 2 s old
        let c = change(Op::Insert, None, Some(row(1, "n", "1")), 1000);
        apply_feed(&mut a, txn("g", vec![c]), at(1005));
        assert_eq!(a.commit_lag_secs(), Some(2));
        tick(&mut a, at(1010));
        assert_eq!(a.commit_lag_secs(), Some(7));
    }

    #[test]
    fn caught_up_needs_a_heartbeat_behind_needs_bytes() {
        let mut a = app();
        assert_eq!(a.sync(), Sync::Unknown);
        apply_feed(
            &mut a,
            Feed::Progress {
                events: 5,
                bytes: 100,
            },
            at(1),
        );
        assert_eq!(a.sync(), Sync::Reading);
        let behind = Positions {
            bytes_behind: Some(4096),
            ..Positions::default()
        };
        apply_feed(&mut a, Feed::Positions(behind), at(1));
        assert_eq!(a.sync(), Sync::Behind(4096));
        apply_feed(&mut a, Feed::Heartbeat, at(2));
        assert_eq!(a.sync(), Sync::CaughtUp);
        apply_feed(
            &mut a,
            Feed::Progress {
                events: 1,
                bytes: 10,
            },
            at(3),
        );
        assert_eq!(a.sync(), Sync::Reading);
        let even = Positions {
            bytes_behind: Some(0),
            ..Positions::default()
        };
        apply_feed(&mut a, Feed::Positions(even), at(3));
        assert_eq!(a.sync(), Sync::CaughtUp);
        apply_feed(
            &mut a,
            Feed::Reconnecting {
                attempt: 1,
                reason: "reset".into(),
            },
            at(4),
        );
        assert_eq!(a.sync(), Sync::Reconnecting);
        apply_feed(&mut a, Feed::Heartbeat, at(5));
        assert_eq!(a.sync(), Sync::CaughtUp);
        assert_eq!(a.totals.reconnects, 1);
        apply_feed(
            &mut a,
            Feed::Failed {
                message: "gone".into(),
                playbook: None,
            },
            at(6),
        );
        assert_eq!(a.sync(), Sync::Failed);
    }

    #[test]
    fn rates_roll_over_seconds() {
        let mut a = app();
        tick(&mut a, at(100));
        apply_feed(
            &mut a,
            Feed::Progress {
                events: 10,
                bytes: 2_000_000,
            },
            at(100),
        );
        apply_feed(&mut a, txn("g", vec![insert(1), insert(2)]), at(100));
        tick(&mut a, at(101));
        assert_eq!(
            a.rates.last(),
            Bucket {
                events: 11,
                rows: 2,
                bytes: 2_000_000
            }
        );
        apply_feed(
            &mut a,
            Feed::Progress {
                events: 3,
                bytes: 0,
            },
            at(101),
        );
        tick(&mut a, at(104));
        let events: Vec<u64> = a.rates.history.iter().map(|b| b.events).collect();
        assert_eq!(events, vec![11, 3, 0, 0]);
        tick(&mut a, at(10_000));
        assert_eq!(a.rates.history.len(), RATE_SECONDS);
        assert_eq!(a.rates.last(), Bucket::default());
    }

    #[test]
    fn memory_stays_bounded() {
        let mut a = App::new(Header::default(), 10_000);
        let mut now = 1_000;
        for n in 0..100_000i64 {
            if n % 1000 == 0 {
                now += 1;
            }
            let c = if n % 3 == 1 {
                change(
                    Op::Update,
                    Some(row(n, "a", "1")),
                    Some(row(n, "b", "1")),
                    now as u32,
                )
            } else {
                insert(n)
            };
            apply_feed(&mut a, txn("g", vec![c]), at(now));
            if n == 50_000 {
                on_key(&mut a, key(KeyCode::Char('p')));
            }
        }
        assert_eq!(a.totals.changes(), 100_000);
        assert!(a.changes.len() <= 10_000);
        assert!(a.pending.len() <= 10_000);
        assert!(a.rates.history.len() <= RATE_SECONDS);
        on_key(&mut a, key(KeyCode::Char('p')));
        assert_eq!(a.changes.len(), 10_000);
        assert_eq!(a.changes.back().unwrap().key, "99999");
        assert_eq!(a.totals.dropped, 90_000);
    }
}
