//! The live binlog stream `cdc tail` reads, against a real MariaDB: the session settings give
//! MariaDB GTID events and heartbeats, and refusals are named.

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use cdc::connection::server::Flavor;
use cdc::connection::session::Session;
use cdc::connection::url::SourceConfig;
use cdc::tail::live::stream::{request, setup, Refusal, Start};

const HEARTBEAT_LOG_EVENT: u8 = 27;
/// MariaDB writes version-1 row events (MySQL 8 writes 30).
const WRITE_ROWS_EVENT: u8 = 23;
const MARIADB_GTID_EVENT: u8 = 162;

fn stream(
    server: &cdc::sandbox::LocalServer,
    start: Start,
    server_id: u32,
) -> Result<mysql::BinlogStream, cdc::connection::sql::SqlError> {
    let cfg = SourceConfig::parse(&server.url("cdc_user", common::CDC_PASSWORD)).unwrap();
    let session = Session::open(&cfg).unwrap();
    let setup = setup(Flavor::Mariadb, &start, Duration::from_millis(200));
    session.into_binlog_stream(&setup, request(Flavor::Mariadb, &start, server_id).unwrap())
}

/// Reads event types on a thread until `want` was seen (or 20 s passed).
fn collect(mut s: mysql::BinlogStream, want: Vec<u8>) -> Vec<u8> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let start = Instant::now();
        let mut missing = want;
        while start.elapsed() < Duration::from_secs(20) && !missing.is_empty() {
            match s.next() {
                Some(Ok(e)) => {
                    let t = e.header().event_type_raw();
                    missing.retain(|w| *w != t);
                    let _ = tx.send(t);
                }
                _ => break,
            }
        }
    });
    let mut seen = Vec::new();
    while let Ok(t) = rx.recv_timeout(Duration::from_secs(25)) {
        seen.push(t);
    }
    seen
}

#[test]
fn a_stream_from_now_sees_new_rows_gtids_and_heartbeats() {
    let server = common::retail_server(&[]);
    let mut root = server.connect("root", "").unwrap();
    let (log, pos): (String, u64) = {
        use mysql::prelude::Queryable;
        let row: mysql::Row = root.query_first("SHOW MASTER STATUS").unwrap().unwrap();
        (row.get(0).unwrap(), row.get(1).unwrap())
    };
    let s = stream(&server, Start::Position { file: log, pos }, 0x6364_0001).unwrap();
    server
        .exec("INSERT INTO retail_db.products (product_name, price) VALUES ('streamed', 2.5)")
        .unwrap();
    let seen = collect(
        s,
        vec![MARIADB_GTID_EVENT, WRITE_ROWS_EVENT, HEARTBEAT_LOG_EVENT],
    );
    for t in [MARIADB_GTID_EVENT, WRITE_ROWS_EVENT, HEARTBEAT_LOG_EVENT] {
        assert!(seen.contains(&t), "event type {t} not seen in {seen:?}");
    }
}

#[test]
fn a_mariadb_gtid_start_resumes_after_that_transaction() {
    let server = common::retail_server(&[]);
    let pos = server
        .query_value("SELECT @@GLOBAL.gtid_binlog_pos")
        .unwrap()
        .unwrap();
    let s = stream(&server, Start::Gtid(pos), 0x6364_0002).unwrap();
    server
        .exec("INSERT INTO retail_db.products (product_name, price) VALUES ('after', 1)")
        .unwrap();
    let seen = collect(s, vec![WRITE_ROWS_EVENT]);
    assert!(seen.contains(&WRITE_ROWS_EVENT), "{seen:?}");
}

#[test]
fn a_purged_start_is_refused_as_purged() {
    let server = common::retail_server(&[]);
    let err = match stream(
        &server,
        Start::Position {
            file: "cdc-bin.000000".into(),
            pos: 4,
        },
        0x6364_0003,
    ) {
        Err(e) => e,
        Ok(mut s) => match s.next() {
            Some(Err(e)) => cdc::connection::session::to_sql_error(e),
            other => panic!("expected a refusal, got {:?}", other.map(|r| r.is_ok())),
        },
    };
    assert_eq!(Refusal::of(&err), Refusal::Purged, "{err}");
}
