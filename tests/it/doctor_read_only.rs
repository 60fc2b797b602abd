//! Doctor cannot write and cannot be held: its session is READ ONLY with a server-side
//! statement limit, a statement past its time is killed on the server, and connect, TLS and
//! login together finish within `--connect-timeout`.

use crate::common;

use std::io::Write;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use cdc::connection::mysql_url::SourceConfig;
use cdc::connection::session::{Session, StatementLimit};
use cdc::connection::sql::Sql;
use cdc::sandbox::LocalServer;

use common::{check, Kind};

fn read_only(server: &LocalServer, timeout: Duration, limit: StatementLimit) -> Session {
    let cfg = SourceConfig::parse(&server.root_url())
        .unwrap()
        .with_connect_timeout(timeout);
    Session::open_read_only(&cfg, limit).unwrap()
}

/// How many statements other than ours hold `marker` in their text right now.
fn running(server: &LocalServer, marker: &str) -> usize {
    server
        .query_value(&format!(
            "SELECT COUNT(*) FROM information_schema.processlist \
             WHERE info LIKE '%{marker}%' AND id <> CONNECTION_ID()"
        ))
        .unwrap()
        .unwrap()
        .parse()
        .unwrap()
}

/// True once no statement holding `marker` runs, polling for a few seconds (a KILL takes
/// effect at the statement's next check for it).
fn ends(server: &LocalServer, marker: &str) -> bool {
    let until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < until {
        if running(server, marker) == 0 {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// Writes that a `--checks-dir` probe could reach if the load-time guard ever let one by:
/// the session itself refuses each.
fn writes_are_refused_by_the_session(kind: Kind) {
    let server = common::server_on(kind, &[]);
    server
        .exec(
            "CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY); \
             CREATE FUNCTION app.sneak() RETURNS INT DETERMINISTIC MODIFIES SQL DATA \
             BEGIN INSERT INTO app.t VALUES (1); RETURN 1; END",
        )
        .unwrap();
    let mut s = read_only(
        &server,
        Duration::from_secs(5),
        StatementLimit::UnderReadTimeout,
    );
    for write in [
        "INSERT INTO app.t VALUES (2)",
        "SELECT app.sneak()",
        "DELETE FROM app.t",
    ] {
        let e = s.query(write).expect_err(write);
        assert!(
            e.code == Some(1792) || e.to_string().contains("READ ONLY"),
            "{write}: {e}"
        );
    }
    assert_eq!(
        server.query_value("SELECT COUNT(*) FROM app.t").unwrap(),
        Some("0".into())
    );
    // Reads still work in the same session.
    assert_eq!(
        s.query("SELECT 1").unwrap().rows,
        vec![vec![Some("1".into())]]
    );
}

/// A probe the guard allows but that would run for hours is stopped by the server's own
/// statement limit: doctor reports it as an error and nothing of it keeps running.
fn a_long_probe_stops_on_the_server(kind: Kind) {
    let server = common::server_on(kind, &[]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("slow.yaml"),
        "checks:
  - id: custom.slow
    title: A probe that would run for hours
    why: a cross join of four catalogue tables
    probe:
      sql: \"SELECT 'cdc-slow-probe', COUNT(*) FROM information_schema.collations a, information_schema.collations b, information_schema.collations c, information_schema.collations d\"
    expect: [{ op: nonempty }]
    fixes:
      - summary: nothing to fix
    playbook: connection-failed
",
    )
    .unwrap();
    let (_, report) = common::cdc_json(&[
        "doctor",
        "--source",
        &server.root_url(),
        "--format",
        "json",
        "--connect-timeout",
        "1s",
        "--checks-dir",
        dir.path().to_str().unwrap(),
    ]);
    let slow = check(&report, "custom.slow");
    assert_eq!(slow["status"], "error", "{slow}");
    assert!(
        ends(&server, "cdc-slow-probe"),
        "the probe still runs on the server"
    );
    // The checks after it ran on a working session.
    assert_eq!(check(&report, "connect.auth")["status"], "pass");
}

/// Without a server-side limit (a statement MySQL's max_execution_time does not cover), the
/// client's timeout kills the statement on the server and the session goes on working.
fn a_statement_past_its_time_is_killed(kind: Kind) {
    let server = common::server_on(kind, &[]);
    let mut s = read_only(&server, Duration::from_secs(1), StatementLimit::ClientOnly);
    let e = s
        .query("SELECT 'cdc-killed-probe', SLEEP(30)")
        .expect_err("SLEEP(30) within 1s");
    let text = e.to_string();
    assert!(text.contains("no answer within 1s"), "{text}");
    assert!(text.contains("killed on the server"), "{text}");
    assert!(
        ends(&server, "cdc-killed-probe"),
        "SLEEP(30) still runs on the server"
    );
    assert_eq!(
        s.query("SELECT 1").unwrap().rows,
        vec![vec![Some("1".into())]]
    );
    // The fresh session is read-only too.
    assert!(s.query("CREATE DATABASE nope").is_err());
}

on_each_server!(
    writes_are_refused_by_the_session,
    a_long_probe_stops_on_the_server,
    a_statement_past_its_time_is_killed,
);

/// A listener that accepts and then sends a MySQL-looking greeting one byte every 200 ms,
/// forever: each read gets a byte in time, so only a deadline over the whole login ends it.
fn trickling_listener() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                // A 60,000-byte greeting (protocol 10) that arrives at 5 bytes a second.
                let _ = stream.write_all(&[0x60, 0xea, 0x00, 0x00, 0x0a]);
                loop {
                    std::thread::sleep(Duration::from_millis(200));
                    if stream.write_all(b"9").is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

#[test]
fn connect_timeout_bounds_connect_tls_and_login_together() {
    let port = trickling_listener();
    let url = format!("mysql://u:pw@127.0.0.1:{port}/");
    let started = Instant::now();
    let (code, report) = common::cdc_json(&[
        "doctor",
        "--source",
        &url,
        "--format",
        "json",
        "--connect-timeout",
        "500ms",
    ]);
    let took = started.elapsed();
    assert_eq!(code, 1, "{report:#}");
    // A bound, not a speed figure: without the deadline this run never ends.
    assert!(took < Duration::from_secs(20), "doctor took {took:?}");
    assert_eq!(check(&report, "connect.tcp")["status"], "pass");
    let auth = check(&report, "connect.auth");
    assert_eq!(auth["status"], "fail", "{auth}");
    assert_eq!(auth["observed"], "no handshake", "{auth}");
    let message = auth["message"].as_str().unwrap();
    assert!(message.contains("within 500ms"), "{message}");
    // Not an account problem: no password reset is suggested.
    assert!(auth["fix"].is_null(), "{auth}");
}
