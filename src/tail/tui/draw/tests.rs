//! Screen snapshots: the whole screen drawn into a `TestBackend`, as text.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use ratatui::Terminal;

use crate::binlog::change::{Cell, Op, Row, RowChange};
use crate::tail::feed::{Feed, Positions};
use crate::tail::tui::state::{App, Badge, Header};
use crate::tail::tui::update::{apply_feed, on_key, tick};

const T0: u64 = 1_718_000_000; // 2024-06-10 06:13:20 UTC

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

pub(crate) fn header() -> Header {
    Header {
        server: "db1.internal:3306".into(),
        flavor: "MariaDB".into(),
        version: "11.4.2-MariaDB-log".into(),
        table: "retail_db.orders".into(),
        badges: vec![
            Badge::new("format", "ROW", true),
            Badge::new("row image", "FULL", true),
            Badge::new("row metadata", "MINIMAL", false),
            Badge::new("compression", "OFF", true),
            Badge::new("GTID", "on", true),
        ],
        names_from_information_schema: true,
        key_columns: vec!["id".into()],
        skew_secs: 2,
    }
}

fn order(id: i64, customer: i64, status: &str, total: &str, updated: &str) -> Row {
    vec![
        ("id".into(), Cell::Int(id)),
        ("customer_id".into(), Cell::Int(customer)),
        ("status".into(), Cell::Text(status.into())),
        ("total".into(), Cell::Decimal(total.into())),
        ("note".into(), Cell::Null),
        ("updated_at".into(), Cell::Timestamp(updated.into())),
    ]
}

fn change(op: Op, before: Option<Row>, after: Option<Row>, ts: u64, pos: u64) -> RowChange {
    RowChange {
        op,
        db: "retail_db".into(),
        table: "orders".into(),
        before,
        after,
        ts: ts as u32,
        file: "mysql-bin.000042".into(),
        pos,
        gtid: None,
    }
}

fn txn(gtid: &str, changes: Vec<RowChange>) -> Feed {
    Feed::Transaction {
        gtid: Some(gtid.into()),
        changes,
    }
}

/// Three transactions over a few seconds, then a heartbeat: a caught-up reader.
fn busy_app() -> App {
    let mut app = App::new(header(), 10_000);
    tick(&mut app, at(T0));
    let feeds = [
        (
            T0,
            txn(
                "0-1-4709",
                vec![change(
                    Op::Insert,
                    None,
                    Some(order(1042, 17, "new", "129.99", "2024-06-10T06:13:20Z")),
                    T0,
                    1_204_311,
                )],
            ),
        ),
        (
            T0,
            Feed::Progress {
                events: 40,
                bytes: 1_800_000,
            },
        ),
        (
            T0 + 1,
            txn(
                "0-1-4710",
                vec![
                    change(
                        Op::Update,
                        Some(order(1041, 9, "pending", "54.00", "2024-06-10T06:10:02Z")),
                        Some(order(1041, 9, "paid", "54.00", "2024-06-10T06:13:21Z")),
                        T0 + 1,
                        1_205_020,
                    ),
                    change(
                        Op::Update,
                        Some(order(1038, 3, "paid", "12.50", "2024-06-10T05:59:40Z")),
                        Some(order(1038, 3, "shipped", "12.50", "2024-06-10T06:13:21Z")),
                        T0 + 1,
                        1_205_020,
                    ),
                ],
            ),
        ),
        (
            T0 + 1,
            Feed::Progress {
                events: 65,
                bytes: 2_600_000,
            },
        ),
        (
            T0 + 2,
            txn(
                "0-1-4711",
                vec![change(
                    Op::Delete,
                    Some(order(977, 21, "cancelled", "8.00", "2024-06-01T11:00:00Z")),
                    None,
                    T0 + 2,
                    1_206_480,
                )],
            ),
        ),
        (
            T0 + 2,
            Feed::Positions(Positions {
                file: "mysql-bin.000042".into(),
                pos: 1_206_771,
                server_file: Some("mysql-bin.000042".into()),
                server_pos: Some(1_206_771),
                bytes_behind: Some(0),
                oldest_file: Some("mysql-bin.000031".into()),
            }),
        ),
        (T0 + 3, Feed::Heartbeat),
    ];
    for (t, feed) in feeds {
        apply_feed(&mut app, feed, at(t));
    }
    tick(&mut app, at(T0 + 5));
    app
}

/// The screen as text, one line per row, trailing blanks trimmed.
fn render(app: &App, width: u16, height: u16) -> (String, Buffer) {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| super::draw(f, app)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut line = String::new();
        for x in 0..buffer.area.width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    (out, buffer)
}

fn key(app: &mut App, code: KeyCode) {
    on_key(app, KeyEvent::new(code, KeyModifiers::NONE));
}

#[test]
fn a_few_transactions() {
    let app = busy_app();
    let (text, _) = render(&app, 120, 36);
    insta::assert_snapshot!(text);
}

#[test]
fn detail_of_an_update_highlights_changed_columns() {
    let mut app = busy_app();
    key(&mut app, KeyCode::Up);
    assert_eq!(app.selected_entry().unwrap().key, "1038");
    let (text, buffer) = render(&app, 120, 36);
    insta::assert_snapshot!(text);
    // The changed cells are highlighted, the others are not.
    let row_of = |needle: &str| {
        text.lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle}")) as u16
    };
    let x_detail = 70;
    let highlighted = |y: u16| (x_detail..120).any(|x| buffer[(x, y)].bg == Color::Yellow);
    assert!(highlighted(row_of("* status")));
    assert!(highlighted(row_of("* updated_at")));
    assert!(!highlighted(row_of("  customer_id")));
}

#[test]
fn paused_with_a_filter() {
    let mut app = busy_app();
    key(&mut app, KeyCode::Char('p'));
    key(&mut app, KeyCode::Char('i'));
    key(&mut app, KeyCode::Char('d'));
    for n in 0..3 {
        apply_feed(
            &mut app,
            txn(
                &format!("0-1-{}", 4712 + n),
                vec![change(
                    Op::Insert,
                    None,
                    Some(order(
                        1043 + n as i64,
                        5,
                        "new",
                        "10.00",
                        "2024-06-10T06:13:26Z",
                    )),
                    T0 + 6,
                    1_207_000,
                )],
            ),
            at(T0 + 6),
        );
    }
    apply_feed(
        &mut app,
        Feed::Positions(Positions {
            file: "mysql-bin.000042".into(),
            pos: 1_207_900,
            server_file: Some("mysql-bin.000043".into()),
            server_pos: Some(88_004),
            bytes_behind: Some(3_412_000),
            oldest_file: Some("mysql-bin.000031".into()),
        }),
        at(T0 + 6),
    );
    tick(&mut app, at(T0 + 7));
    let (text, _) = render(&app, 120, 36);
    insta::assert_snapshot!(text);
}

#[test]
fn search_being_typed() {
    let mut app = busy_app();
    key(&mut app, KeyCode::Char('/'));
    key(&mut app, KeyCode::Char('1'));
    key(&mut app, KeyCode::Char('0'));
    let (text, _) = render(&app, 120, 36);
    let footer = text.lines().last().unwrap().to_string();
    insta::assert_snapshot!(footer);
    key(&mut app, KeyCode::Enter);
    let (text, _) = render(&app, 120, 36);
    insta::assert_snapshot!("search_applied", text);
}

#[test]
fn a_failed_reader_says_why() {
    let mut app = busy_app();
    apply_feed(
        &mut app,
        Feed::Failed {
            message:
                "ERROR 1236 (HY000): Could not find first log file name in binary log index file \
                      (mysql-bin.000030 was purged while cdc was away)"
                    .into(),
            playbook: Some("binlog-position-purged".into()),
        },
        at(T0 + 6),
    );
    let (text, _) = render(&app, 120, 36);
    insta::assert_snapshot!(text);
}

#[test]
fn an_empty_start_and_a_narrow_screen() {
    let app = App::new(header(), 100);
    let (text, _) = render(&app, 80, 30);
    insta::assert_snapshot!(text);
}

/// A long value that changed late is cut where it differs, so both sides show the change;
/// `v` shows whole values, wrapped.
#[test]
fn a_long_changed_value_shows_where_it_differs_and_v_shows_it_whole() {
    let mut app = App::new(header(), 100);
    tick(&mut app, at(T0));
    let long = |tail: &str| {
        let mut r = order(7, 1, "paid", "1.00", "2024-06-10T06:13:20Z");
        r[4].1 = Cell::Text(format!(
            "{}{tail}",
            "shared prefix of a long note, ".repeat(4)
        ));
        r
    };
    apply_feed(
        &mut app,
        txn(
            "0-1-1",
            vec![change(
                Op::Update,
                Some(long("BEFORE-END")),
                Some(long("AFTER-END")),
                T0,
                4,
            )],
        ),
        at(T0),
    );
    tick(&mut app, at(T0 + 1));
    let (text, _) = render(&app, 120, 36);
    let note = text
        .lines()
        .find(|l| l.contains("* note"))
        .expect("the note row");
    assert!(note.contains("BEFORE") && note.contains("AFTER"), "{note}");
    // The list line too: "…BEFORE-END→…AFTER-END", not two equal prefixes.
    let listed = text
        .lines()
        .find(|l| l.contains("▶ -U+U"))
        .expect("the list row");
    assert!(
        listed.contains("BEFORE") && listed.contains("AFTER"),
        "{listed}"
    );
    key(&mut app, KeyCode::Char('v'));
    assert!(app.full_values);
    let (text, _) = render(&app, 120, 36);
    // Wrapped, the whole value is there (here across two lines).
    assert!(text.contains("BEFORE") && text.contains("AFTER-"), "{text}");
    assert!(!text.contains("shared prefix…"), "{text}");
    assert!(text.contains("short values"), "{text}");
}

/// At 80x24 the positions get the whole width (lag and state whole), the detail pane shows
/// the changed columns first, and what is cut ends in an ellipsis; at 120x40 a list row too
/// long for its pane does too.
#[test]
fn an_80x24_screen_keeps_what_matters() {
    let mut app = busy_app();
    key(&mut app, KeyCode::Up);
    let (text, _) = render(&app, 80, 24);
    assert!(
        text.contains("purge edge mysql-bin.000031  oldest kept (purge horizon)"),
        "{text}"
    );
    assert!(
        text.contains("state      ● caught up: heartbeats, nothing to read · idle 3s"),
        "{text}"
    );
    let status = text
        .lines()
        .position(|l| l.contains("* status"))
        .expect(&text);
    let updated = text
        .lines()
        .position(|l| l.contains("* updated_at"))
        .expect(&text);
    assert!(
        text.lines().nth(status).unwrap().contains("shipped"),
        "{text}"
    );
    assert!(updated > status, "{text}");
    assert!(text.lines().next().unwrap().ends_with('…'), "{text}");
    let (text, _) = render(&app, 120, 40);
    let delete = text
        .lines()
        .find(|l| l.contains("-D   06:13:22"))
        .expect(&text);
    assert!(delete.contains("…│"), "{delete}");
}

/// `busy_app` watched with the pipeline panel, fed samples at T0+5 and T0+20.
fn pipeline_app(target_counts: [u64; 2]) -> App {
    use crate::checks::result::Status;
    use crate::pipeline::TableRows;
    use crate::tail::pipeline::{E2e, PipelineView, StoredView};
    let mut app = busy_app();
    app.pipeline = Some(crate::tail::tui::panel::Panel::new(
        Duration::from_secs(10),
        true,
    ));
    let view = |target: u64| PipelineView {
        target: Some("postgresql://postgres@127.0.0.1:5432/shop".into()),
        source_up: true,
        source_error: None,
        tables: vec![
            TableRows {
                table: "retail_db.orders".into(),
                source: Some(1_204),
                target: Some(target),
                error: None,
            },
            TableRows {
                table: "retail_db.customers".into(),
                source: Some(310),
                target: Some(310),
                error: None,
            },
        ],
        e2e: E2e::Seen { secs: 0.8 },
        stored: Some(StoredView {
            stored: "connect+http://connect:8083/connectors/retail: mysql-bin.000040:4".into(),
            status: Some(Status::Pass),
            message: String::new(),
            bytes_behind: Some(43_000_000),
            seconds_behind: Some(7_200.0),
            horizon_s: Some(111_600.0),
            words: "purged in about 31 h; the connector is 2 h behind (41.0 MiB)".into(),
        }),
    };
    apply_feed(
        &mut app,
        Feed::Pipeline(Box::new(view(target_counts[0]))),
        at(T0 + 5),
    );
    apply_feed(
        &mut app,
        Feed::Pipeline(Box::new(view(target_counts[1]))),
        at(T0 + 20),
    );
    tick(&mut app, at(T0 + 21));
    app
}

#[test]
fn the_pipeline_panel_shows_counts_lag_and_the_stored_position() {
    // Equal at first, then 6 behind just now: lag so far.
    let app = pipeline_app([1_204, 1_198]);
    let (text, buffer) = render(&app, 120, 40);
    insta::assert_snapshot!(text);
    assert!(text.contains("6 behind for 1s: lag so far"), "{text}");
    let line = text.lines().position(|l| l.contains("✓ equal")).unwrap() as u16;
    let x = text.lines().nth(line as usize).unwrap().find("✓").unwrap();
    let x = text.lines().nth(line as usize).unwrap()[..x]
        .chars()
        .count() as u16;
    assert_eq!(buffer[(x, line)].fg, Color::Green);
}

#[test]
fn counts_that_stay_apart_past_the_settle_time_are_more_than_lag() {
    let app = pipeline_app([1_198, 1_198]);
    let (text, _) = render(&app, 120, 40);
    assert!(
        text.contains("6 behind for 16s: more than lag (cdc validate --counts)"),
        "{text}"
    );
}

#[test]
fn the_canary_key_shows_each_step_as_it_lands() {
    use crate::tail::pipeline::CanaryEvent;
    let mut app = pipeline_app([1_204, 1_204]);
    assert_eq!(
        on_key(
            &mut app,
            KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE)
        ),
        crate::tail::tui::update::Action::RunCanary
    );
    let events = [
        CanaryEvent::Started {
            run_id: "cdc-77-1718000021000".into(),
        },
        CanaryEvent::Step {
            step: "insert",
            arrived: true,
            latency_ms: Some(412),
            message: String::new(),
        },
        CanaryEvent::Watching { step: "update" },
    ];
    for e in events {
        apply_feed(&mut app, Feed::Canary(e), at(T0 + 22));
    }
    let (text, _) = render(&app, 120, 40);
    insta::assert_snapshot!(text);
    assert!(text.contains("✓ insert 412 ms"), "{text}");
    assert!(
        text.contains("… watching for the update on the target"),
        "{text}"
    );
    // The footer names the key.
    assert!(text.lines().last().unwrap_or("").contains("c canary") || text.contains("c canary"));
}

#[test]
fn without_a_panel_the_screen_is_unchanged_and_c_does_nothing() {
    let mut app = busy_app();
    assert_eq!(
        on_key(
            &mut app,
            KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE)
        ),
        crate::tail::tui::update::Action::Continue
    );
    let (text, _) = render(&app, 120, 36);
    assert!(!text.contains("pipeline"), "{text}");
    assert!(!text.contains("c canary"), "{text}");
}
