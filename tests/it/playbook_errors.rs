//! The errors the playbooks explain, produced for real by a MariaDB server and fed to
//! `cdc diagnose`: a purged binlog, a user without replication privileges, two readers with
//! one server_id.

use crate::common;

use std::process::Command;
use std::time::{Duration, Instant};

use cdc::sandbox::LocalServer;
use mysql::prelude::Queryable;
use mysql::BinlogRequest;

/// The top playbook `cdc diagnose` names for `text`.
fn diagnosed(text: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_cdc"))
        .args(["diagnose", "--format", "json", text])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(out.status.code(), Some(1), "a match exits 1: {v}");
    v["matches"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Opens a binlog stream as `user` and returns the first error the server sends.
fn binlog_error(
    server: &LocalServer,
    user: &str,
    pass: &str,
    request: BinlogRequest<'_>,
) -> String {
    let conn = server.connect(user, pass).unwrap();
    let started = Instant::now();
    match conn.get_binlog_stream(request) {
        Err(e) => e.to_string(),
        Ok(mut stream) => loop {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "no error from the stream"
            );
            match stream.next() {
                Some(Err(e)) => break e.to_string(),
                Some(Ok(_)) => continue,
                None => break "stream ended".into(),
            }
        },
    }
}

fn current_file(server: &LocalServer) -> String {
    let mut c = server.connect("root", "").unwrap();
    let row: mysql::Row = c.query_first("SHOW MASTER STATUS").unwrap().unwrap();
    row.get::<String, _>(0).unwrap()
}

#[test]
fn a_purged_binlog_is_explained_by_binlog_position_purged() {
    let server = common::retail_server(&[]);
    let first = current_file(&server);
    server.exec("FLUSH BINARY LOGS").unwrap();
    let current = current_file(&server);
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        server
            .exec(&format!("PURGE BINARY LOGS TO '{current}'"))
            .unwrap();
        let mut c = server.connect("root", "").unwrap();
        let logs: Vec<String> = c
            .query("SHOW BINARY LOGS")
            .unwrap()
            .into_iter()
            .map(|r: mysql::Row| r.get::<String, _>(0).unwrap())
            .collect();
        if !logs.contains(&first) {
            break;
        }
        assert!(Instant::now() < until, "{first} not purged");
        std::thread::sleep(Duration::from_millis(100));
    }
    let error = binlog_error(
        &server,
        "cdc_user",
        common::CDC_PASSWORD,
        BinlogRequest::new(9001)
            .with_filename(first.as_bytes().to_vec())
            .with_pos(4u64),
    );
    assert!(error.contains("1236"), "{error}");
    assert_eq!(diagnosed(&error), "binlog-position-purged", "{error}");
}

#[test]
fn missing_replication_privileges_are_explained_by_replication_permissions() {
    let server = common::retail_server(&[]);
    server
        .exec("CREATE USER 'plain'@'%' IDENTIFIED BY 'plain_pw'; GRANT SELECT ON retail_db.* TO 'plain'@'%'")
        .unwrap();
    let error = binlog_error(&server, "plain", "plain_pw", BinlogRequest::new(9002));
    // MariaDB refuses the dump with 1045 naming the account ('plain'@'%'), not the privilege;
    // a bad password would name the client's address instead.
    assert!(
        error.contains("1045") && error.contains("'plain'@'%'"),
        "{error}"
    );
    assert_eq!(diagnosed(&error), "replication-permissions", "{error}");
}

#[test]
fn a_second_reader_with_the_same_server_id_is_explained_by_duplicate_server_id() {
    let server = common::retail_server(&[]);
    let first = server.connect("cdc_user", common::CDC_PASSWORD).unwrap();
    let mut stream = first.get_binlog_stream(BinlogRequest::new(4242)).unwrap();
    // Read what is there so the first reader is an established replica.
    let _ = stream.next();
    let second = server.connect("cdc_user", common::CDC_PASSWORD).unwrap();
    let mut other = second.get_binlog_stream(BinlogRequest::new(4242)).unwrap();
    let _ = other.next();
    server
        .exec("INSERT INTO retail_db.products (product_name, price) VALUES ('ping', 1)")
        .unwrap();
    let started = Instant::now();
    let error = loop {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the first reader was never told"
        );
        match stream.next() {
            Some(Err(e)) => break e.to_string(),
            Some(Ok(_)) => continue,
            None => break "stream ended".into(),
        }
    };
    // MariaDB words it as error 4052 ("... is already connected"), not MySQL's 1236 text.
    assert!(error.contains("same server_uuid/server_id"), "{error}");
    assert_eq!(diagnosed(&error), "duplicate-server-id", "{error}");
}
