//! The tail's pipeline panel over a real pipeline: a MariaDB 10.11 source, a replica fed by
//! binlog replication as the target, and a python-mysql-replication position file. The
//! watcher thread's views and canary steps go through the TUI's own state and are drawn
//! into a TestBackend, as `cdc tail --target --offset` shows them.

use crate::common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use cdc::connection::mysql_url::SourceConfig;
use cdc::pipeline::{OffsetSource, Sampler, SamplerConfig};
use cdc::sandbox::LocalServer;
use cdc::tail::feed::Feed;
use cdc::tail::pipeline::{CanaryConfig, CanaryEvent, E2e, PanelCommand, PipelineView, Watcher};
use cdc::tail::tui::{apply_feed, tick, App, Header};
use cdc::validate::target::TargetConfig;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn count(server: &LocalServer, sql: &str) -> u64 {
    server.query_value(sql).unwrap().unwrap().parse().unwrap()
}

fn orders(server: &LocalServer) -> u64 {
    count(server, "SELECT COUNT(*) FROM retail_db.orders")
}

fn canary_rows(server: &LocalServer) -> u64 {
    count(
        server,
        "SELECT COUNT(*) FROM retail_db.cdc_canary WHERE run_id <> 'cdc-heartbeat'",
    )
}

/// The screen as text, one line per row.
fn screen(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(140, 40)).unwrap();
    terminal
        .draw(|f| cdc::tail::tui::draw::draw(f, app))
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in\n{text}"))
}

/// Feeds the app until a view satisfies `want`; every feed seen goes through the TUI state.
fn until_view(
    app: &mut App,
    rx: &Receiver<Feed>,
    what: &str,
    want: impl Fn(&PipelineView) -> bool,
) -> PipelineView {
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut last = None;
    while Instant::now() < deadline {
        let Ok(feed) = rx.recv_timeout(Duration::from_secs(1)) else {
            continue;
        };
        let view = match &feed {
            Feed::Pipeline(v) => Some((**v).clone()),
            _ => None,
        };
        apply_feed(app, feed, SystemTime::now());
        tick(app, SystemTime::now());
        if let Some(v) = view {
            if want(&v) {
                return v;
            }
            last = Some(v);
        }
    }
    panic!("no view with {what}; the last was {last:#?}");
}

/// The canary's events, through the TUI state, until it finishes.
fn canary_run(app: &mut App, rx: &Receiver<Feed>) -> Vec<CanaryEvent> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut events = Vec::new();
    while Instant::now() < deadline {
        let Ok(feed) = rx.recv_timeout(Duration::from_secs(1)) else {
            continue;
        };
        let event = match &feed {
            Feed::Canary(e) => Some(e.clone()),
            _ => None,
        };
        apply_feed(app, feed, SystemTime::now());
        if let Some(e) = event {
            let done = matches!(e, CanaryEvent::Finished { .. } | CanaryEvent::Refused(_));
            events.push(e);
            if done {
                return events;
            }
        }
    }
    panic!("the canary did not finish: {events:#?}");
}

fn arrived(events: &[CanaryEvent]) -> Vec<(&'static str, bool, Option<u64>)> {
    events
        .iter()
        .filter_map(|e| match e {
            CanaryEvent::Step {
                step,
                arrived,
                latency_ms,
                ..
            } => Some((*step, *arrived, *latency_ms)),
            _ => None,
        })
        .collect()
}

#[test]
fn the_panel_shows_real_counts_lag_the_stored_position_and_a_canary_run() {
    let source = common::retail_server(&[]);
    let replica = common::replica_of(&source, &[]);
    source.exec(common::CANARY_TABLE).unwrap();
    common::wait_caught_up(&source, &replica);

    let state = tempfile::tempdir().unwrap();
    let (file, log_file, log_pos) = common::position_file_at_end(&source, state.path());

    let source_cfg = SourceConfig::parse(&source.url("root", ""))
        .unwrap()
        .with_connect_timeout(Duration::from_secs(3));
    let target_cfg = TargetConfig::parse(&replica.url("root", "")).unwrap();
    let mut config = SamplerConfig::new(source_cfg.clone());
    config.target = Some(target_cfg.clone());
    config.tables = vec!["retail_db.orders".parse().unwrap()];
    config.canary = Some("retail_db.cdc_canary".parse().unwrap());
    config.offset = Some(OffsetSource::File(file.clone()));
    config.only_checks = Some(vec!["position.available".into()]);
    let canary = CanaryConfig {
        source: source_cfg,
        target: target_cfg,
        table: "retail_db.cdc_canary".parse().unwrap(),
        timeout: Duration::from_secs(3),
        delete_mode: "hard".parse().unwrap(),
        count_tables: config.tables.clone(),
        settle: Duration::from_millis(500),
    };
    let watcher = Watcher::new(
        Sampler::new(config).unwrap(),
        Duration::from_millis(300),
        Some(canary),
    );
    let busy = watcher.busy();
    let cancel = Arc::new(AtomicBool::new(false));
    let (views_tx, views) = mpsc::channel();
    let (commands, commands_rx) = mpsc::channel();
    let flag = cancel.clone();
    let thread = std::thread::spawn(move || watcher.run(views_tx, commands_rx, &flag));

    let header = Header {
        server: format!("127.0.0.1:{}", source.port()),
        flavor: "MariaDB".into(),
        version: "10.11".into(),
        table: "retail_db.orders".into(),
        ..Header::default()
    };
    let mut app = App::with_pipeline(header, 100, Duration::from_secs(1), true);

    // Caught up: both counts the real ones, the heartbeat seen on the target.
    let n = orders(&source);
    let v = until_view(&mut app, &views, "equal counts and a seen heartbeat", |v| {
        v.tables[0].source == Some(n)
            && v.tables[0].target == Some(n)
            && matches!(v.e2e, E2e::Seen { .. })
    });
    assert!(v.source_up);
    assert_eq!(orders(&replica), n);
    let stored = v.stored.clone().expect("the stored position's line");
    assert!(stored.stored.contains(&log_file), "{stored:?}");
    assert!(
        stored.horizon_s.is_some() || stored.words.contains("never purged"),
        "{stored:?}"
    );
    let text = screen(&app);
    let rows = line_with(&text, "rows       retail_db.orders");
    assert!(rows.contains(&format!("source {n} · target {n}")), "{rows}");
    assert!(rows.contains("✓ equal"), "{rows}");
    assert!(
        line_with(&text, "e2e lag").contains("heartbeat row"),
        "{text}"
    );
    let connector = line_with(&text, "connector");
    assert!(
        connector.contains(&format!("{log_file}:{log_pos}")),
        "{connector}"
    );
    let title = line_with(&text, "pipeline →");
    assert!(
        title.contains(&format!("@127.0.0.1:{}", replica.port())),
        "{title}"
    );

    // The applier stops: the target falls behind, first as lag, then as more than lag.
    replica.exec("STOP SLAVE SQL_THREAD").unwrap();
    for _ in 0..3 {
        source
            .exec("INSERT INTO retail_db.orders (customer_id, order_status) VALUES (1, 'new')")
            .unwrap();
    }
    until_view(&mut app, &views, "the target 3 behind", |v| {
        v.tables[0].source == Some(n + 3) && v.tables[0].target == Some(n)
    });
    let rows = line_with(&screen(&app), "rows       retail_db.orders").to_string();
    assert!(rows.contains("3 behind"), "{rows}");
    std::thread::sleep(Duration::from_millis(1200));
    let v = until_view(&mut app, &views, "a waiting heartbeat", |v| {
        matches!(v.e2e, E2e::Waiting { .. })
    });
    assert_eq!(v.tables[0].target, Some(n));
    let text = screen(&app);
    assert!(
        line_with(&text, "rows       retail_db.orders").contains("more than lag"),
        "{text}"
    );
    assert!(
        line_with(&text, "e2e lag").contains("no heartbeat on the target yet"),
        "{text}"
    );

    // A canary against a stopped pipeline: the insert never arrives; its row is removed.
    commands.send(PanelCommand::RunCanary).unwrap();
    let events = canary_run(&mut app, &views);
    assert!(
        matches!(&events[0], CanaryEvent::Started { run_id } if run_id.starts_with("cdc-")),
        "{events:#?}"
    );
    let steps = arrived(&events);
    assert_eq!(
        steps.first().map(|s| (s.0, s.1)),
        Some(("insert", false)),
        "{events:#?}"
    );
    match events.last() {
        Some(CanaryEvent::Finished { passed, summary }) => {
            assert!(!passed, "{summary}");
            assert!(summary.contains("did not arrive: insert"), "{summary}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(canary_rows(&source), 0, "the canary cleaned up");
    let text = screen(&app);
    assert!(line_with(&text, "canary ").contains("✖ insert"), "{text}");

    // The applier back: counts agree again and a canary passes, each step timed.
    replica.exec("START SLAVE SQL_THREAD").unwrap();
    until_view(&mut app, &views, "counts equal again", |v| {
        v.tables[0].target == Some(n + 3) && v.tables[0].source == Some(n + 3)
    });
    commands.send(PanelCommand::RunCanary).unwrap();
    let events = canary_run(&mut app, &views);
    let steps = arrived(&events);
    assert_eq!(
        steps.iter().map(|s| (s.0, s.1)).collect::<Vec<_>>(),
        vec![("insert", true), ("update", true), ("delete", true)],
        "{events:#?}"
    );
    assert!(steps.iter().all(|s| s.2.is_some()), "{steps:?}");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, CanaryEvent::Watching { step: "update" })),
        "{events:#?}"
    );
    assert!(
        matches!(
            events.last(),
            Some(CanaryEvent::Finished { passed: true, .. })
        ),
        "{events:#?}"
    );
    let text = screen(&app);
    let line = line_with(&text, "canary ");
    for step in ["✓ insert", "✓ update", "✓ delete", "passed"] {
        assert!(line.contains(step), "{step} missing: {line}");
    }
    assert_eq!(canary_rows(&source), 0);

    // The tail ends: the watcher stops within its quarter-second slices.
    cancel.store(true, Ordering::SeqCst);
    assert!(!busy.load(Ordering::SeqCst));
    let deadline = Instant::now() + Duration::from_secs(15);
    while !thread.is_finished() {
        assert!(Instant::now() < deadline, "the watcher did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn without_a_target_the_panel_says_so_and_a_canary_is_refused() {
    let source = common::retail_server(&[]);
    let source_cfg = SourceConfig::parse(&source.url("root", "")).unwrap();
    let mut config = SamplerConfig::new(source_cfg);
    config.tables = vec!["retail_db.orders".parse().unwrap()];
    config.only_checks = Some(Vec::new());
    let watcher = Watcher::new(
        Sampler::new(config).unwrap(),
        Duration::from_millis(200),
        None,
    );
    let cancel = Arc::new(AtomicBool::new(false));
    let (views_tx, views) = mpsc::channel();
    let (commands, commands_rx) = mpsc::channel();
    let flag = cancel.clone();
    let thread = std::thread::spawn(move || watcher.run(views_tx, commands_rx, &flag));
    let mut app = App::with_pipeline(Header::default(), 10, Duration::from_secs(1), false);
    let n = orders(&source);
    let v = until_view(&mut app, &views, "the source's count", |v| {
        v.tables[0].source == Some(n)
    });
    assert_eq!(v.tables[0].target, None);
    assert_eq!(v.e2e, E2e::NoTarget);
    assert!(v.stored.is_none());
    let text = screen(&app);
    assert!(
        line_with(&text, "e2e lag").contains("no target to measure against"),
        "{text}"
    );
    commands.send(PanelCommand::RunCanary).unwrap();
    let events = canary_run(&mut app, &views);
    match &events[..] {
        [CanaryEvent::Refused(why)] => assert!(why.contains("--target"), "{why}"),
        other => panic!("{other:#?}"),
    }
    // The TUI gone (its receiver dropped): the watcher ends by itself.
    drop(views);
    drop(commands);
    let deadline = Instant::now() + Duration::from_secs(15);
    while !thread.is_finished() {
        assert!(Instant::now() < deadline, "the watcher outlived the TUI");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The screen a terminal shows after `raw`: enough of a VT100 for ratatui's output (cursor
/// moves, clears; colours ignored), one string per row.
fn terminal_screen(raw: &[u8], rows: usize, cols: usize) -> Vec<String> {
    let mut grid = vec![vec![' '; cols]; rows];
    let (mut y, mut x) = (0usize, 0usize);
    let text = String::from_utf8_lossy(raw);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                if chars.peek() != Some(&'[') {
                    chars.next();
                    continue;
                }
                chars.next();
                let mut params = String::new();
                let mut last = ' ';
                for d in chars.by_ref() {
                    if d.is_ascii_alphabetic() || d == '~' {
                        last = d;
                        break;
                    }
                    params.push(d);
                }
                let nums: Vec<usize> = params
                    .trim_start_matches('?')
                    .split(';')
                    .map(|n| n.parse().unwrap_or(1))
                    .collect();
                match last {
                    'H' | 'f' => {
                        y = nums.first().copied().unwrap_or(1).saturating_sub(1);
                        x = nums.get(1).copied().unwrap_or(1).saturating_sub(1);
                    }
                    'J' if params == "2" => grid = vec![vec![' '; cols]; rows],
                    _ => {}
                }
            }
            '\r' => x = 0,
            '\n' => y += 1,
            c if !c.is_control() => {
                if y < rows && x < cols {
                    grid[y][x] = c;
                }
                x += 1;
            }
            _ => {}
        }
    }
    grid.into_iter().map(|r| r.into_iter().collect()).collect()
}

#[test]
fn cdc_tail_with_a_target_draws_the_panel_on_a_terminal() {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};

    let source = common::retail_server(&[]);
    let replica = common::replica_of(&source, &[]);
    source.exec(common::CANARY_TABLE).unwrap();
    common::wait_caught_up(&source, &replica);
    let n = orders(&source);
    // A real pseudo-terminal (util-linux script), so that the TUI starts as for a user; its
    // size is set, as script's own stdin is no terminal to copy it from.
    let command = format!(
        "stty cols 140 rows 40; {} tail retail_db.orders --source {} --target {} --canary retail_db.cdc_canary \
         --interval 1s",
        env!("CARGO_BIN_EXE_cdc"),
        source.url("root", ""),
        replica.url("root", "")
    );
    let mut child = Command::new("script")
        .args(["-qfec", &command, "/dev/null"])
        .env("TERM", "xterm")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script (util-linux) runs");
    let mut out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(k) = out.read(&mut buf) {
            if k == 0 || tx.send(buf[..k].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut raw = Vec::new();
    let want = format!("source {n} · target {n}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let shown = loop {
        if let Ok(bytes) = rx.recv_timeout(Duration::from_millis(200)) {
            raw.extend(bytes);
        }
        let screen = terminal_screen(&raw, 40, 140);
        if screen.iter().any(|l| l.contains(&want))
            && screen.iter().any(|l| l.contains("heartbeat row"))
        {
            break screen;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the panel never showed {want:?}:\n{}", screen.join("\n"));
        }
    };
    let rows = shown
        .iter()
        .find(|l| l.contains(&want))
        .map_or("", String::as_str);
    assert!(
        rows.contains("retail_db.orders") && rows.contains("✓ equal"),
        "{rows}"
    );
    // `c` runs a canary through the real pipeline; its steps come back timed.
    child.stdin.as_mut().unwrap().write_all(b"c").unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let canary = loop {
        if let Ok(bytes) = rx.recv_timeout(Duration::from_millis(200)) {
            raw.extend(bytes);
        }
        let screen = terminal_screen(&raw, 40, 140);
        if let Some(l) = screen
            .iter()
            .find(|l| l.contains("canary ") && l.contains("passed"))
        {
            break l.clone();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the canary never passed:\n{}", screen.join("\n"));
        }
    };
    for step in ["✓ insert", "✓ update", "✓ delete"] {
        assert!(canary.contains(step), "{step}: {canary}");
    }
    child.stdin.as_mut().unwrap().write_all(b"q").unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("q did not end the tail");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "{status:?}");
    // Only the heartbeat row is left: the canary removed its own.
    assert_eq!(canary_rows(&source), 0);
}

#[test]
fn a_target_in_the_environment_does_not_stop_a_tail_of_files() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/binlogs/binlog-invisible-columns.000001"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cdc"))
        .args(["tail", "*.*", "--format", "jsonl", "--file", file])
        .env("CDC_TARGET", "mysql://u:T4rget-pw@127.0.0.1:1")
        .output()
        .unwrap();
    let said = common::all_output(&out);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(!out.stdout.is_empty(), "no change decoded: {said}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not shown with --file"), "{err}");
    assert!(!said.contains("T4rget-pw"), "{said}");
}
