//! The live binlog stream `cdc tail` reads, against a real MariaDB 10.11, MariaDB 11.8 or
//! MySQL 9.7: the session settings give GTID events and heartbeats, and refusals are named.

use crate::common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use cdc::connection::binlog_stream::BinlogEvents;
use cdc::connection::mysql_url::SourceConfig;
use cdc::connection::server::Flavor;
use cdc::connection::session::Session;
use cdc::tail::live::stream::{request, setup, Refusal, Start};

use common::Kind;

const HEARTBEAT_LOG_EVENT: u8 = 27;

/// MariaDB writes version-1 row events, MySQL version 2.
fn write_rows_event(kind: Kind) -> u8 {
    if kind.is_mysql() {
        30
    } else {
        23
    }
}

/// MariaDB's GTID event, MySQL's (untagged) GTID_LOG_EVENT.
fn gtid_event(kind: Kind) -> u8 {
    if kind.is_mysql() {
        33
    } else {
        162
    }
}

fn flavor(kind: Kind) -> Flavor {
    if kind.is_mysql() {
        Flavor::Mysql
    } else {
        Flavor::Mariadb
    }
}

fn stream(
    kind: Kind,
    server: &cdc::sandbox::LocalServer,
    start: Start,
    server_id: u32,
) -> Result<BinlogEvents, cdc::connection::sql::SqlError> {
    let cfg = SourceConfig::parse(&server.url("cdc_user", common::CDC_PASSWORD)).unwrap();
    let session = Session::open(&cfg).unwrap();
    let setup = setup(flavor(kind), &start, Duration::from_millis(200));
    session.into_binlog_stream(&setup, request(flavor(kind), &start, server_id).unwrap())
}

/// Reads event types on a thread until `want` was seen (or 20 s passed).
fn collect(mut s: BinlogEvents, want: Vec<u8>) -> Vec<u8> {
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

fn a_stream_from_now_sees_new_rows_gtids_and_heartbeats(kind: Kind) {
    let server = common::retail_server_on(kind, &[]);
    let mut root = server.connect("root", "").unwrap();
    let (log, pos): (String, u64) = {
        use mysql::prelude::Queryable;
        let row: mysql::Row = root.query_first(kind.binlog_status()).unwrap().unwrap();
        (row.get(0).unwrap(), row.get(1).unwrap())
    };
    let s = stream(
        kind,
        &server,
        Start::Position { file: log, pos },
        0x6364_0001,
    )
    .unwrap();
    server
        .exec("INSERT INTO retail_db.products (product_name, price) VALUES ('streamed', 2.5)")
        .unwrap();
    let want = [
        gtid_event(kind),
        write_rows_event(kind),
        HEARTBEAT_LOG_EVENT,
    ];
    let seen = collect(s, want.to_vec());
    for t in want {
        assert!(seen.contains(&t), "event type {t} not seen in {seen:?}");
    }
}

fn a_gtid_start_resumes_after_that_transaction(kind: Kind) {
    let server = common::retail_server_on(kind, &[]);
    let pos = server.query_value(kind.gtid_position()).unwrap().unwrap();
    let s = stream(kind, &server, Start::Gtid(pos), 0x6364_0002).unwrap();
    server
        .exec("INSERT INTO retail_db.products (product_name, price) VALUES ('after', 1)")
        .unwrap();
    let seen = collect(s, vec![write_rows_event(kind)]);
    assert!(seen.contains(&write_rows_event(kind)), "{seen:?}");
}

fn a_purged_start_is_refused_as_purged(kind: Kind) {
    let server = common::retail_server_on(kind, &[]);
    let err = match stream(
        kind,
        &server,
        Start::Position {
            file: "cdc-bin.000000".into(),
            pos: 4,
        },
        0x6364_0003,
    ) {
        Err(e) => e,
        Ok(mut s) => match s.next() {
            Some(Err(e)) => e,
            other => panic!("expected a refusal, got {:?}", other.map(|r| r.is_ok())),
        },
    };
    assert_eq!(Refusal::of(&err), Refusal::Purged, "{err}");
}

on_each_binlog_server!(
    a_stream_from_now_sees_new_rows_gtids_and_heartbeats,
    a_gtid_start_resumes_after_that_transaction,
    a_purged_start_is_refused_as_purged,
);
