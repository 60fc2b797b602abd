//! `cdc tail` against a live MariaDB 10.11, MariaDB 11.8 or MySQL 9.7: bounded reads, a dropped connection resumed with
//! nothing lost and nothing twice, and refusals named with their playbook.

use crate::common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use mysql::prelude::Queryable;

fn cdc_url(server: &cdc::sandbox::LocalServer) -> String {
    server.url("cdc_user", common::CDC_PASSWORD)
}

fn lines(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// `cdc tail retail_db.orders --from FROM --until now --format jsonl`.
fn orders_jsonl(server: &cdc::sandbox::LocalServer, from: &str) -> std::process::Output {
    common::cdc(&[
        "tail",
        "retail_db.orders",
        "--source",
        &cdc_url(server),
        "--from",
        from,
        "--until",
        "now",
        "--format",
        "jsonl",
    ])
}

fn from_start_until_now_reads_every_change_and_stops(kind: common::Kind) {
    let server = common::retail_server_on(kind, &[]);
    server
        .exec(
            "UPDATE retail_db.orders SET order_status = 'DELIVERED' WHERE order_id = 3;
             DELETE FROM retail_db.orders WHERE order_id = 2",
        )
        .unwrap();
    let out = orders_jsonl(&server, "start");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let changes = lines(&out.stdout);
    let ops: Vec<&str> = changes.iter().map(|c| c["op"].as_str().unwrap()).collect();
    assert_eq!(ops, ["insert", "insert", "insert", "update", "delete"]);
    assert_eq!(changes[3]["before"]["order_status"], "SHIPPED");
    assert_eq!(changes[3]["after"]["order_status"], "DELIVERED");
    assert_eq!(changes[4]["before"]["order_id"], 2);
    let prefix = kind.gtid_prefix(&server);
    assert!(
        changes
            .iter()
            .all(|c| c["gtid"].as_str().unwrap().starts_with(&prefix)),
        "{changes:?}"
    );

    // The file and pos jsonl printed for a change are a resume point: the tail starts with
    // that change (its table map read again), nothing before it.
    let from = format!(
        "{}:{}",
        changes[3]["file"].as_str().unwrap(),
        changes[3]["pos"]
    );
    let out = orders_jsonl(&server, &from);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "--from {from}: {err}");
    let resumed = lines(&out.stdout);
    assert_eq!(resumed, changes[3..], "--from {from}");
}

fn a_dropped_connection_resumes_with_nothing_lost_and_nothing_twice(kind: common::Kind) {
    let server = common::retail_server_on(kind, &[]);
    let url = cdc_url(&server);
    let tail = Background::start(&[
        "tail",
        "retail_db.products",
        "--source",
        &url,
        "--format",
        "jsonl",
    ]);
    let mut root = server.connect("root", "").unwrap();
    wait_for_reader(&mut root);
    insert_products(&server, "before");
    std::thread::sleep(Duration::from_millis(500));
    for id in dump_threads(&mut root) {
        let _ = root.query_drop(format!("KILL {id}"));
    }
    insert_products(&server, "after");
    tail.assert_resumed_exactly_once(30);
}

/// Five products named `{prefix}-0` to `{prefix}-4`, one transaction each.
fn insert_products(server: &cdc::sandbox::LocalServer, prefix: &str) {
    for i in 0..5 {
        server
            .exec(&format!(
                "INSERT INTO retail_db.products (product_name, price) VALUES ('{prefix}-{i}', 1)"
            ))
            .unwrap();
    }
}

/// The server's binlog dump sessions (one per connected reader).
fn dump_threads(root: &mut mysql::Conn) -> Vec<u64> {
    root.query_map(
        "SELECT id FROM information_schema.processlist WHERE command LIKE 'Binlog Dump%'",
        |id: u64| id,
    )
    .unwrap()
}

/// Waits (up to 20 s) until a reader streams from the server: rows written before would be
/// before its start.
fn wait_for_reader(root: &mut mysql::Conn) {
    let until = Instant::now() + Duration::from_secs(20);
    while dump_threads(root).is_empty() {
        assert!(Instant::now() < until, "cdc tail never connected");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn refusals_exit_1_with_their_playbook(kind: common::Kind) {
    let server = common::retail_server_on(kind, &[]);
    let url = cdc_url(&server);
    let out = common::cdc(&[
        "tail",
        "retail_db.orders",
        "--source",
        &url,
        "--server-id",
        "1",
        "--format",
        "plain",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("server itself") && err.contains("duplicate-server-id"),
        "{err}"
    );

    let out = common::cdc(&[
        "tail",
        "retail_db.orders",
        "--source",
        &url,
        "--from",
        "cdc-bin.000000:4",
        "--format",
        "plain",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("binlog-position-purged"), "{err}");

    // Another server's file: said with the files this one has, not a bare 1236.
    let (code, err) = tail_from(&url, "mysql-bin.000042:4");
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("mysql-bin.000042 is not on this server: it has cdc-bin.000001 .. cdc-bin."),
        "{err}"
    );
    assert!(!err.contains("1236"), "{err}");

    server
        .exec(&format!(
            "CREATE USER 'monitor'@'%' IDENTIFIED BY 'monitor_pw';
             GRANT {}, SELECT ON *.* TO 'monitor'@'%'",
            kind.replication_client()
        ))
        .unwrap();
    let out = common::cdc(&[
        "tail",
        "retail_db.orders",
        "--source",
        &server.url("monitor", "monitor_pw"),
        "--format",
        "plain",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("replication-permissions"), "{err}");
}

#[test]
fn mariadb_compressed_binlogs_show_their_rows() {
    // log_bin_compress: the "zero rows" trap when a reader skips compressed events.
    let server = common::retail_server(&["--log-bin-compress=ON", "--log-bin-compress-min-len=10"]);
    let long = "x".repeat(300);
    server
        .exec(&format!(
            "INSERT INTO retail_db.products (product_name, price, description) VALUES ('compressed', 4.25, '{long}');
             UPDATE retail_db.products SET price = 5.50 WHERE product_name = 'compressed';
             DELETE FROM retail_db.products WHERE product_id = 1"
        ))
        .unwrap();
    let events: String = {
        let mut root = server.connect("root", "").unwrap();
        let rows: Vec<mysql::Row> = root.query("SHOW BINLOG EVENTS").unwrap();
        rows.iter()
            .map(|r| r.get::<String, _>(2).unwrap_or_default())
            .collect::<Vec<_>>()
            .join(",")
    };
    assert!(
        events.contains("Write_rows_compressed"),
        "not compressed: {events}"
    );
    let out = common::cdc(&[
        "tail",
        "retail_db.products",
        "--source",
        &cdc_url(&server),
        "--from",
        "start",
        "--until",
        "now",
        "--format",
        "jsonl",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let changes = lines(&out.stdout);
    let ops: Vec<&str> = changes.iter().map(|c| c["op"].as_str().unwrap()).collect();
    assert_eq!(
        ops,
        ["insert", "insert", "insert", "insert", "update", "delete"]
    );
    assert_eq!(changes[3]["after"]["description"].as_str().unwrap(), long);
    assert_eq!(changes[4]["before"]["price"], "4.25");
    assert_eq!(changes[4]["after"]["price"], "5.50");
    assert_eq!(changes[5]["before"]["product_name"], "Laptop Pro");
}

/// A `cdc tail ... --format jsonl` running in the background, its output read on a thread.
struct Background {
    child: std::process::Child,
    out: mpsc::Receiver<Vec<u8>>,
    stdout: Vec<u8>,
}

impl Background {
    fn start(args: &[&str]) -> Background {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cdc"))
            .args(args)
            .env_remove("CDC_SOURCE")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, out) = mpsc::channel::<Vec<u8>>();
        let mut pipe = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Background {
            child,
            out,
            stdout: Vec::new(),
        }
    }

    /// Waits (up to `secs`) until `n` lines arrived; returns how many did.
    fn wait_lines(&mut self, n: usize, secs: u64) -> usize {
        let until = Instant::now() + Duration::from_secs(secs);
        let count = |b: &[u8]| b.iter().filter(|c| **c == b'\n').count();
        while count(&self.stdout) < n && Instant::now() < until {
            if let Ok(chunk) = self.out.recv_timeout(Duration::from_millis(200)) {
                self.stdout.extend_from_slice(&chunk);
            }
        }
        count(&self.stdout)
    }

    /// Waits (up to `secs`) for the ten products `before-0..4`, `after-0..4` written around a
    /// break in the stream, then stops the reader: exactly those, in order (an eleventh line
    /// would be a duplicate), after a reconnect.
    fn assert_resumed_exactly_once(mut self, secs: u64) {
        self.wait_lines(10, secs);
        let (changes, stderr) = self.stop();
        let names: Vec<&str> = changes
            .iter()
            .map(|c| c["after"]["product_name"].as_str().unwrap())
            .collect();
        let expected: Vec<String> = ["before", "after"]
            .iter()
            .flat_map(|p| (0..5).map(move |i| format!("{p}-{i}")))
            .collect();
        assert_eq!(names, expected, "stderr: {stderr}");
        assert!(stderr.contains("reconnecting"), "{stderr}");
        // Why, in plain words: not the driver's type names.
        assert!(!stderr.contains("DriverError"), "{stderr}");
    }

    /// Stops the reader: its lines and its standard error.
    fn stop(mut self) -> (Vec<serde_json::Value>, String) {
        std::thread::sleep(Duration::from_millis(500));
        while let Ok(chunk) = self.out.try_recv() {
            self.stdout.extend_from_slice(&chunk);
        }
        let _ = self.child.kill();
        let mut stderr = String::new();
        let _ = self
            .child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr);
        let _ = self.child.wait();
        (lines(&self.stdout), stderr)
    }
}

/// kill -9 of the server mid-stream, and the same server started again on its data and
/// port: the reader reconnects and every row arrives exactly once.
fn a_killed_server_comes_back_and_every_row_arrives_once(kind: common::Kind) {
    use cdc::sandbox::{LocalServer, ServerOptions};
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let opts = ServerOptions::cdc_ready().dir(dir.path()).port(port);
    let first = LocalServer::start_with(kind.binary(), opts.clone()).unwrap();
    cdc::sandbox::load_retail_db(&first).unwrap();
    cdc::sandbox::create_cdc_user(&first, common::CDC_PASSWORD).unwrap();
    let url = cdc_url(&first);
    let mut tail = Background::start(&[
        "tail",
        "retail_db.products",
        "--source",
        &url,
        "--format",
        "jsonl",
    ]);
    wait_for_reader(&mut first.connect("root", "").unwrap());
    insert_products(&first, "before");
    assert_eq!(tail.wait_lines(5, 20), 5, "the first rows never arrived");
    // kill -9: no shutdown, no last binlog event; the files stay as the crash left them.
    first.crash();
    let until = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(Instant::now() < until, "the killed server still answers");
        std::thread::sleep(Duration::from_millis(100));
    }
    let again = LocalServer::start_with(kind.binary(), opts).unwrap();
    insert_products(&again, "after");
    tail.assert_resumed_exactly_once(60);
}

/// A pattern that matches no table is said at once, with what the schema holds.
#[test]
fn a_pattern_that_matches_no_table_is_said_at_once() {
    let server = common::retail_server(&[]);
    let url = cdc_url(&server);
    let tail_of = |pattern: &str| {
        let out = common::cdc(&[
            "tail", pattern, "--source", &url, "--until", "now", "--format", "plain",
        ]);
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(0), "{err}");
        err
    };
    let err = tail_of("retail_db.order");
    assert!(
        err.contains("warning: no table matches retail_db.order; retail_db has "),
        "{err}"
    );
    assert!(err.contains(" orders"), "{err}");
    // A pattern that matches is not warned about.
    let err = tail_of("retail_db.ord*");
    assert!(!err.contains("warning"), "{err}");
}

/// `cdc tail --from START` on `url`: exit code and standard error.
fn tail_from(url: &str, start: &str) -> (Option<i32>, String) {
    let out = common::cdc(&[
        "tail",
        "retail_db.orders",
        "--source",
        url,
        "--from",
        start,
        "--until",
        "now",
        "--format",
        "plain",
    ]);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// MySQL answers every fatal dump error with 1236; the text tells them apart, and so must
/// the verdict: a GTID set the server never had is no purged binlog.
fn a_gtid_set_the_server_never_had_is_not_called_purged(kind: common::Kind) {
    let server = common::retail_server_on(kind, &[]);
    let ahead = if kind.is_mysql() {
        format!("gtid:{}1-999999", kind.gtid_prefix(&server))
    } else {
        "gtid:0-1-999999".to_string()
    };
    let (code, err) = tail_from(&cdc_url(&server), &ahead);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("gtid-set-not-on-source"), "{err}");
    assert!(!err.contains("binlog-position-purged"), "{err}");
}

#[test]
fn a_gtid_start_on_a_mysql_with_gtid_mode_off_says_so() {
    let kind = common::Kind::Mysql97;
    let server =
        common::retail_server_on(kind, &["--gtid-mode=OFF", "--enforce-gtid-consistency=OFF"]);
    let uuid = server
        .query_value("SELECT @@GLOBAL.server_uuid")
        .unwrap()
        .unwrap();
    let (code, err) = tail_from(&cdc_url(&server), &format!("gtid:{uuid}:1-2"));
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("GTID_MODE"), "{err}");
    assert!(err.contains("gtid-not-enabled"), "{err}");
}

on_each_binlog_server!(
    a_killed_server_comes_back_and_every_row_arrives_once,
    a_gtid_set_the_server_never_had_is_not_called_purged,
    from_start_until_now_reads_every_change_and_stops,
    a_dropped_connection_resumes_with_nothing_lost_and_nothing_twice,
    refusals_exit_1_with_their_playbook,
);
