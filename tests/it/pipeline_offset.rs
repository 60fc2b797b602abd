//! `--offset SOURCE`: the pipeline's own stored position, read where the pipeline keeps it
//! and judged against real servers: a real python-mysql-replication reader's position file,
//! Debezium offsets from another server or a reset numbering, a Flink CDC job log, and Kafka
//! Connect's REST answers (recordings in tests/fixtures/connect, served locally).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::{self, check, status, Kind};

fn doctor_json(url: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["doctor", "--source", url, "--format", "json"];
    args.extend_from_slice(extra);
    common::cdc_json(&args)
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Runs the python-mysql-replication app; (exit code, stdout, stderr).
fn run_reader(
    server: &cdc::sandbox::LocalServer,
    state: &Path,
    start: &str,
) -> (i32, String, String) {
    let out = Command::new(common::python())
        .arg(fixture("pipeline/pmr_reader.py"))
        .args([
            "127.0.0.1",
            &server.port().to_string(),
            "root",
            "",
            "retail_db",
            "orders",
            &state.display().to_string(),
            "4242",
            start,
        ])
        .output()
        .expect("running the python-mysql-replication reader");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn binlogs(server: &cdc::sandbox::LocalServer) -> Vec<String> {
    use mysql::prelude::Queryable;
    let mut conn = server.connect("root", "").unwrap();
    conn.query_map("SHOW BINARY LOGS", |row: mysql::Row| {
        row.get::<String, _>(0).unwrap()
    })
    .unwrap()
}

fn insert_orders(server: &cdc::sandbox::LocalServer, n: usize) {
    for i in 0..n {
        server
            .exec(&format!(
                "INSERT INTO retail_db.orders (customer_id, order_status, total_amount) VALUES (1, 'new', {i}.50)"
            ))
            .unwrap();
    }
}

fn horizon(report: &Value) -> Option<f64> {
    check(report, "position.available")["horizon_s"].as_f64()
}

fn a_python_mysql_replication_reader_resumes_until_its_file_is_purged(kind: Kind) {
    const DAY: f64 = 86_400.0;
    let server = common::retail_server_on(kind, &["--binlog-expire-logs-seconds=86400"]);
    let url = server.url("cdc_user", common::CDC_PASSWORD);
    let state = tempfile::tempdir().unwrap();
    let first = binlogs(&server).remove(0);
    insert_orders(&server, 3);
    let (code, out, err) = run_reader(&server, state.path(), &first);
    assert_eq!(code, 0, "reader failed: {out}{err}");
    assert!(out.trim().parse::<u32>().unwrap() >= 3, "rows read: {out}");
    let file = state.path().join("binlog_position_retail_db_orders.json");
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let stored = saved["log_file"].as_str().unwrap().to_string();
    let offset = file.display().to_string();

    // On the server, in the current file: kept a day after it fills, the reader nearly caught up.
    let (code, report) = doctor_json(&url, &["--offset", &offset]);
    let c = check(&report, "position.available");
    assert_eq!(c["status"], "pass", "{c:#}");
    assert_eq!(code, 0, "{report:#}");
    let h = horizon(&report).expect("a horizon when retention is set");
    assert!(h >= DAY, "{c:#}");
    let behind = c["bytes_behind"].as_u64().expect("bytes_behind");
    assert!(behind < 1_000, "the reader stopped at the end: {c:#}");
    let observed = c["observed"].as_str().unwrap();
    assert!(observed.contains(&stored), "{c:#}");
    assert!(observed.contains("purged in about"), "{c:#}");

    // The file ends: purged a day after the next one began, the new rows unread.
    insert_orders(&server, 5);
    server.exec("FLUSH BINARY LOGS").unwrap();
    let (_, report) = doctor_json(&url, &["--offset", &offset]);
    let c = check(&report, "position.available");
    assert_eq!(c["status"], "pass", "{c:#}");
    let h = horizon(&report).unwrap();
    assert!(
        h > DAY - 600.0 && h <= DAY,
        "ended just now, kept a day: {c:#}"
    );
    assert!(c["bytes_behind"].as_u64().unwrap() > behind, "{c:#}");
    assert!(
        c["message"]
            .as_str()
            .unwrap()
            .contains(&format!("{stored} ended")),
        "{c:#}"
    );
    // In words for people.
    assert!(
        c["observed"]
            .as_str()
            .unwrap()
            .contains("purged in about 24 h"),
        "{c:#}"
    );

    // Purged: FAIL, horizon 0, and the real reader cannot resume either.
    common::purge_all_but_the_current_binlog(kind, &server);
    let (code, report) = doctor_json(&url, &["--offset", &offset]);
    let c = check(&report, "position.available");
    assert_eq!(c["status"], "fail", "{c:#}");
    assert!(c["message"].as_str().unwrap().contains("purged"), "{c:#}");
    assert_eq!(c["horizon_s"], 0.0, "{c:#}");
    assert_eq!(c["playbook"], "binlog-position-purged");
    assert_eq!(code, 1);
    let (code, out, err) = run_reader(&server, state.path(), &first);
    assert_eq!(code, 3, "the reader resumed from a purged file? {out}{err}");
}

fn own_server_id(server: &cdc::sandbox::LocalServer) -> u32 {
    server
        .query_value("SELECT @@server_id")
        .unwrap()
        .unwrap()
        .parse()
        .unwrap()
}

fn current(server: &cdc::sandbox::LocalServer) -> String {
    binlogs(server).pop().unwrap()
}

fn a_debezium_offset_from_another_server_or_a_reset_numbering_fails(kind: Kind) {
    let server = common::retail_server_on(kind, &[]);
    let url = server.url("cdc_user", common::CDC_PASSWORD);
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, value: Value| {
        let p = dir.path().join(name);
        std::fs::write(&p, value.to_string()).unwrap();
        p.display().to_string()
    };
    let own = own_server_id(&server);
    let file = current(&server);

    let here = write(
        "here.json",
        serde_json::json!({"file": file, "pos": 4, "server_id": own, "event": 2, "row": 1}),
    );
    let (code, report) = doctor_json(&url, &["--offset", &here]);
    let c = check(&report, "position.available");
    assert_eq!(c["status"], "pass", "{c:#}");
    assert!(
        c["observed"]
            .as_str()
            .unwrap()
            .contains("skipping 2 events and 1 row"),
        "{c:#}"
    );
    assert_eq!(code, 0);

    // The same file name on a server with another id: a failover or restore.
    let other = write(
        "other.json",
        serde_json::json!({"file": file, "pos": 4, "server_id": own + 1000}),
    );
    let (code, report) = doctor_json(&url, &["--offset", &other]);
    let c = check(&report, "position.available");
    assert_eq!(c["status"], "fail", "{c:#}");
    let m = c["message"].as_str().unwrap();
    assert!(
        m.contains(&format!("taken on server_id {}", own + 1000)),
        "{m}"
    );
    assert_eq!(c["playbook"], "connector-after-failover", "{c:#}");
    assert_eq!(
        c["fix"],
        Value::Null,
        "retention is no fix for another server: {c:#}"
    );
    assert_eq!(code, 1);

    // RESET MASTER / restore: the numbering went backwards past the stored file.
    let (base, _) = file.rsplit_once('.').unwrap();
    let ahead = write(
        "ahead.json",
        serde_json::json!({"file": format!("{base}.000099"), "pos": 4, "server_id": own}),
    );
    let (code, report) = doctor_json(&url, &["--offset", &ahead]);
    let c = check(&report, "position.available");
    assert_eq!(c["status"], "fail", "{c:#}");
    assert!(
        c["message"]
            .as_str()
            .unwrap()
            .contains("numbering went backwards"),
        "{c:#}"
    );
    assert_eq!(c["playbook"], "connector-after-failover");
    assert_eq!(code, 1);

    // GTIDs naming a server uuid this server never had (Blue/Green, restore).
    if kind.is_mysql() {
        let foreign = write(
            "foreign.json",
            serde_json::json!({"file": file, "pos": 4, "server_id": own, "gtids": "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-20"}),
        );
        let (_, report) = doctor_json(&url, &["--offset", &foreign]);
        let c = check(&report, "position.available");
        assert_eq!(c["status"], "fail", "{c:#}");
        assert!(
            c["message"]
                .as_str()
                .unwrap()
                .contains("3e11fa47-71ca-11e1-9e33-c80aa9429562"),
            "{c:#}"
        );
        assert_eq!(c["playbook"], "connector-after-failover");
    }
}

fn a_flink_cdc_job_log_is_read_at_its_last_checkpoint(kind: Kind) {
    let server = common::retail_server_on(kind, &[]);
    let url = server.url("cdc_user", common::CDC_PASSWORD);
    let own = own_server_id(&server);
    let file = current(&server);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("taskmanager.log");
    std::fs::write(
        &log,
        format!(
            "2026-12-02 10:00:00,000 INFO  MySqlSourceReader [] - Binlog offset on checkpoint 1: {{ts_sec=0, file={file}, pos=999999999, kind=SPECIFIC, row=0, event=0, server_id={own}}}\n\
             2026-12-02 10:01:00,000 INFO  MySqlSourceReader [] - Binlog offset on checkpoint 2: {{ts_sec=0, file={file}, pos=4, kind=SPECIFIC, row=0, event=0, server_id={own}}}\n"
        ),
    )
    .unwrap();
    let (code, report) = doctor_json(&url, &["--offset", &log.display().to_string()]);
    let c = check(&report, "position.available");
    // Checkpoint 1's position lies past the file's end; the last checkpoint's does not.
    assert_eq!(c["status"], "pass", "{c:#}");
    assert_eq!(code, 0);
    assert!(
        c["observed"]
            .as_str()
            .unwrap()
            .contains(&format!("{file}:4")),
        "{c:#}"
    );
}

/// Serves the recorded Kafka Connect answers for connector `retail` until the test ends.
fn connect_worker(values: &[(&str, String)]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let answer = |name: &str| {
        let mut body = std::fs::read_to_string(fixture(&format!("connect/{name}.json"))).unwrap();
        for (k, v) in values {
            body = body.replace(&format!("{{{k}}}"), v);
        }
        body
    };
    let routes: Vec<(String, String)> = ["offsets", "config", "status"]
        .iter()
        .map(|n| (format!("/connectors/retail/{n}"), answer(n)))
        .collect();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).map_or(true, |n| n == 0) || h == "\r\n" {
                    break;
                }
            }
            let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
            let (code, body) = match routes.iter().find(|(p, _)| *p == path) {
                Some((_, body)) => ("200 OK", body.clone()),
                None => (
                    "404 Not Found",
                    r#"{"error_code":404,"message":"Connector x not found"}"#.to_string(),
                ),
            };
            let mut s = reader.into_inner();
            let _ = write!(
                s,
                "HTTP/1.1 {code}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("connect+http://{addr}/connectors/retail")
}

fn kafka_connect_rest_gives_offset_config_and_failed_tasks(kind: Kind) {
    let server = common::retail_server_on(kind, &[]);
    let url = server.url("cdc_user", common::CDC_PASSWORD);
    let own = own_server_id(&server);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let worker = connect_worker(&[
        ("FILE", current(&server)),
        ("POS", "4".into()),
        ("SERVER_ID", own.to_string()),
        ("TS", (now - 7200).to_string()),
        ("LOCKING", "minimal".into()),
    ]);
    let (code, report) = doctor_json(&url, &["--offset", &worker]);
    // A Debezium connector's configuration makes the run Debezium's.
    assert_eq!(report["profile"], "debezium", "{report:#}");
    let c = check(&report, "position.available");
    assert_eq!(c["status"], "pass", "{c:#}");
    assert!(
        c["observed"]
            .as_str()
            .unwrap()
            .contains("skipping 2 events and 1 row"),
        "{c:#}"
    );
    // The connector registers with the server's own id: server.id FAILs, once.
    let id = check(&report, "server.id");
    assert_eq!(id["status"], "fail", "{id:#}");
    assert!(
        id["message"]
            .as_str()
            .unwrap()
            .contains(&format!("database.server.id={own}")),
        "{id:#}"
    );
    assert_eq!(status(&report, "server.reader_id"), "skip");
    // The failed task's trace, diagnosed.
    let t = check(&report, "connector.tasks");
    assert_eq!(t["status"], "fail", "{t:#}");
    let playbooks: Vec<&str> = t["playbooks"]
        .as_array()
        .unwrap_or_else(|| panic!("{t:#}"))
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(playbooks.first(), Some(&"binlog-position-purged"), "{t:#}");
    assert_eq!(t["playbook"], "binlog-position-purged");
    // The include list is the scope.
    let scope = check(&report, "tables.in_scope");
    // retail_db has three tables; table.include.list names one.
    assert_eq!(scope["observed"], "1", "{scope:#}");
    assert_eq!(code, 1);
    let out = common::cdc(&["doctor", "--source", &url, "--offset", &worker]);
    let text = common::all_output(&out);
    assert!(!text.contains("secret-in-config"), "{text}");

    // A worker without the connector: a clear error, exit 2.
    let missing = worker.replace("/retail", "/nope");
    let out = common::cdc(&["doctor", "--source", &url, "--offset", &missing]);
    assert_eq!(out.status.code(), Some(2));
    let text = common::all_output(&out);
    assert!(
        text.contains("404") && text.contains("/connectors/nope/offsets"),
        "{text}"
    );
}

/// The grants the snapshot needs follow the connector's snapshot.locking.mode.
fn the_snapshot_locking_mode_decides_which_grants_the_snapshot_needs(kind: Kind) {
    let server = common::retail_server_on(kind, &[]);
    let url = server.url("cdc_user", common::CDC_PASSWORD);
    server
        .exec("REVOKE RELOAD, LOCK TABLES ON *.* FROM 'cdc_user'@'%'")
        .unwrap();
    let snapshot = |locking: &str| {
        let worker = connect_worker(&[
            ("FILE", current(&server)),
            ("POS", "4".into()),
            ("SERVER_ID", "4242".into()),
            ("TS", "0".into()),
            ("LOCKING", locking.into()),
        ]);
        let (_, report) = doctor_json(&url, &["--offset", &worker]);
        check(&report, "grants.snapshot").clone()
    };
    // No locks: SELECT and SHOW DATABASES are enough.
    let none = snapshot("none");
    assert_eq!(none["status"], "pass", "{none:#}");
    // The global read lock needs RELOAD, which the account no longer holds.
    let minimal = snapshot("minimal");
    assert_eq!(minimal["status"], "fail", "{minimal:#}");
    let message = minimal["message"].as_str().unwrap();
    assert!(message.contains("RELOAD"), "{minimal:#}");
    assert!(!message.contains("LOCK TABLES"), "{minimal:#}");
    let fix = minimal["fix"].to_string();
    assert!(fix.contains("FLUSH TABLES WITH READ LOCK"), "{minimal:#}");
    // Percona's backup lock needs BACKUP_ADMIN.
    let percona = snapshot("minimal_percona");
    assert_eq!(percona["status"], "fail", "{percona:#}");
    assert!(
        percona["message"]
            .as_str()
            .unwrap()
            .contains("BACKUP_ADMIN"),
        "{percona:#}"
    );
    server
        .exec("GRANT RELOAD ON *.* TO 'cdc_user'@'%'")
        .unwrap();
    assert_eq!(snapshot("extended")["status"], "pass");
}

on_each_server!(
    the_snapshot_locking_mode_decides_which_grants_the_snapshot_needs,
    a_python_mysql_replication_reader_resumes_until_its_file_is_purged,
    a_debezium_offset_from_another_server_or_a_reset_numbering_fails,
    a_flink_cdc_job_log_is_read_at_its_last_checkpoint,
    kafka_connect_rest_gives_offset_config_and_failed_tasks,
);
