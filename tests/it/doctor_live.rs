//! `cdc doctor` against real MariaDB servers started by the tests, one per configuration.

use crate::common;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use serde_json::Value;

use common::{cdc, check, status, Kind};

/// Runs doctor with JSON output and returns (exit code, report).
fn doctor_json(url: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["doctor", "--source", url, "--format", "json"];
    args.extend_from_slice(extra);
    common::cdc_json(&args)
}

/// (connection id, command, argument) of each general-log line that starts an entry.
fn general_log_entries(text: &str) -> Vec<(&str, &str, String)> {
    text.lines()
        .filter_map(|line| {
            let parts: Vec<&str> = line.split('\t').collect();
            let at = parts.iter().position(|p| {
                let w: Vec<&str> = p.split_whitespace().collect();
                w.len() == 2
                    && w[0].chars().all(|c| c.is_ascii_digit())
                    // The date column ("261122  4:29:13") also has two words.
                    && w[1].chars().all(|c| c.is_ascii_alphabetic() || c == '_')
            })?;
            let mut w = parts[at].split_whitespace();
            let (id, cmd) = (w.next()?, w.next()?);
            Some((id, cmd, parts[at + 1..].join("\t")))
        })
        .collect()
}

fn cdc_url(server: &cdc::sandbox::LocalServer) -> String {
    server.url("cdc_user", common::CDC_PASSWORD)
}

fn a_correctly_configured_server_passes_clean(kind: Kind) {
    let server = common::retail_server_on(kind, &[]);
    let (code, report) = doctor_json(&cdc_url(&server), &[]);
    let bad = common::not_clean(&report);
    assert!(bad.is_empty(), "not clean: {bad:#?}");
    assert_eq!(code, 0);
    let flavor = if kind.is_mysql() { "mysql" } else { "mariadb" };
    assert_eq!(report["source"]["flavor"], flavor);
    assert_eq!(report["source"]["platform"], "self-managed");
    for id in [
        "connect.tcp",
        "connect.auth",
        "binlog.enabled",
        "binlog.format",
        "binlog.row_image",
        "binlog.row_metadata",
        "binlog.retention",
        "binlog.position",
        "grants.replication",
        "grants.snapshot",
        "tables.primary_key",
        "tables.engine",
        "gtid.mode",
    ] {
        assert_eq!(
            status(&report, id),
            "pass",
            "{id}: {:#}",
            check(&report, id)
        );
    }
    assert_eq!(status(&report, "position.available"), "skip");
    let s = &report["summary"];
    assert_eq!(s["fail"], 0);
    assert!(s["pass"].as_u64().unwrap() >= 15, "{s}");

    // The account our own fixes recommend, and nothing more: no check may fail to read
    // what it needs (performance_schema, mysql.*) and fall into ERROR.
    server
        .exec(&format!(
            "CREATE USER 'scoped'@'%' IDENTIFIED BY 'scoped_pw';
             GRANT REPLICATION SLAVE, {} ON *.* TO 'scoped'@'%';
             GRANT SELECT ON retail_db.* TO 'scoped'@'%'",
            kind.replication_client()
        ))
        .unwrap();
    let (code, report) = doctor_json(&server.url("scoped", "scoped_pw"), &[]);
    let bad = common::not_clean(&report);
    assert!(bad.is_empty(), "the scoped account is not clean: {bad:#?}");
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["error"], 0);
}

fn binlog_off_fails_and_skips_what_depends_on_it(kind: Kind) {
    let server = common::retail_server_on(kind, &["--skip-log-bin"]);
    let (code, report) = doctor_json(&cdc_url(&server), &[]);
    assert_eq!(code, 1);
    assert_eq!(status(&report, "binlog.enabled"), "fail");
    let fix = &check(&report, "binlog.enabled")["fix"];
    assert_eq!(fix["restart"], true, "{fix}");
    assert!(fix["config"].to_string().contains("log_bin"), "{fix}");
    assert_eq!(
        check(&report, "binlog.enabled")["playbook"],
        "binlog-disabled"
    );
}

fn statement_format_fails_with_a_fix(kind: Kind) {
    let server = common::retail_server_on(kind, &["--binlog-format=STATEMENT"]);
    let (code, report) = doctor_json(&cdc_url(&server), &[]);
    assert_eq!(code, 1);
    let c = check(&report, "binlog.format");
    assert_eq!(c["status"], "fail");
    assert_eq!(c["observed"], "STATEMENT");
    assert!(c["fix"]["sql"].to_string().contains("binlog_format"), "{c}");
    assert_eq!(c["playbook"], "binlog-format-not-row");
}

fn minimal_row_image_fails(kind: Kind) {
    let server = common::retail_server_on(kind, &["--binlog-row-image=MINIMAL"]);
    let (code, report) = doctor_json(&cdc_url(&server), &[]);
    assert_eq!(code, 1);
    assert_eq!(status(&report, "binlog.row_image"), "fail");
    assert_eq!(check(&report, "binlog.row_image")["observed"], "MINIMAL");
}

fn short_retention_fails_and_medium_retention_warns(kind: Kind) {
    let server = common::retail_server_on(kind, &["--binlog-expire-logs-seconds=3600"]);
    let (code, report) = doctor_json(&cdc_url(&server), &[]);
    assert_eq!(code, 1);
    assert_eq!(status(&report, "binlog.retention"), "fail");

    let server = common::retail_server_on(kind, &["--binlog-expire-logs-seconds=259200"]);
    let (code, report) = doctor_json(&cdc_url(&server), &[]);
    let retention = check(&report, "binlog.retention");
    assert_eq!(retention["status"], "warn");
    assert_eq!(code, 0, "a warning alone is not a failure");
    let message = retention["message"].as_str().unwrap();
    assert!(
        message.starts_with("Binlogs are kept 3 days ("),
        "{message}"
    );
    assert!(message.contains("259200), less than 7 days"), "{message}");
    // Lakeflow's own setup keeps 2 days: 3 pass, and what it expects says so.
    let (_, report) = doctor_json(&cdc_url(&server), &["--profile", "lakeflow"]);
    let retention = check(&report, "binlog.retention");
    assert_eq!(retention["status"], "pass", "{retention}");
    assert!(
        retention["expected"]
            .as_str()
            .unwrap()
            .starts_with(">= 2 days"),
        "{retention}"
    );
    let (strict, _) = doctor_json(&cdc_url(&server), &["--strict"]);
    assert_eq!(strict, 1, "--strict fails on warnings");
    // Three days of binlogs cannot cover a declared week of downtime.
    let (code, report) = doctor_json(&cdc_url(&server), &["--max-downtime", "1w"]);
    assert_eq!(
        status(&report, "binlog.retention"),
        "fail",
        "{:#}",
        check(&report, "binlog.retention")
    );
    assert_eq!(code, 1);
}

fn a_user_without_replication_privileges_fails_grants(kind: Kind) {
    let server = common::retail_server_on(kind, &[]);
    server
        .exec("CREATE USER 'reader'@'%' IDENTIFIED BY 'reader_pw'; GRANT SELECT ON retail_db.* TO 'reader'@'%'")
        .unwrap();
    let (code, report) = doctor_json(&server.url("reader", "reader_pw"), &[]);
    assert_eq!(code, 1);
    let c = check(&report, "grants.replication");
    assert_eq!(c["status"], "fail", "{c}");
    assert!(
        c["message"].as_str().unwrap().contains("REPLICATION SLAVE"),
        "{c}"
    );
    assert!(c["fix"]["sql"].to_string().contains("'reader'@'%'"), "{c}");
    // Without the privilege the filters cannot be read: an error that says so, without the
    // option-file edit that would fix a filter nobody saw.
    let filters = check(&report, "binlog.filters");
    assert_eq!(filters["status"], "error", "{filters}");
    assert!(
        filters["message"].as_str().unwrap().contains("1227"),
        "{filters}"
    );
    assert!(filters["fix"].is_null(), "{filters}");
}

/// An account with USAGE only sees no captured schema (MariaDB still shows it `test`, through
/// the anonymous grants): it must fail grants.snapshot for the tables named, not pass.
fn a_usage_only_account_fails_snapshot_grants_for_named_tables(kind: Kind) {
    let server = common::retail_server_on(kind, &[]);
    server
        .exec(
            "CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY); \
               CREATE USER 'usage'@'%' IDENTIFIED BY 'usage_pw'",
        )
        .unwrap();
    let url = server.url("usage", "usage_pw");
    for (tables, lacking) in [
        ("app.t", "SELECT on app"),
        ("ap*.*", "SELECT on any captured schema"),
    ] {
        let (code, report) = doctor_json(&url, &["--tables", tables]);
        assert_eq!(code, 1, "{report:#}");
        let c = check(&report, "grants.snapshot");
        assert_eq!(c["status"], "fail", "--tables {tables}: {c}");
        assert!(c["message"].as_str().unwrap().contains(lacking), "{c}");
    }
    // Granted, it passes: the check reads the grant, not the visibility.
    server.exec("GRANT SELECT ON app.* TO 'usage'@'%'").unwrap();
    let (_, report) = doctor_json(&url, &["--tables", "app.t"]);
    assert_eq!(status(&report, "grants.snapshot"), "pass", "{report:#}");
}

fn tables_without_primary_key_and_myisam_tables_are_named(kind: Kind) {
    let server = common::retail_server_on(kind, &[]);
    server
        .exec(
            "CREATE TABLE retail_db.audit_log (msg TEXT) ENGINE=InnoDB;
             CREATE TABLE retail_db.legacy (id INT PRIMARY KEY) ENGINE=MyISAM",
        )
        .unwrap();
    // Keyless and MyISAM tables are warnings for the generic profile...
    let (code, report) = doctor_json(&cdc_url(&server), &[]);
    assert_eq!(code, 0);
    let pk = check(&report, "tables.primary_key");
    assert_eq!(pk["status"], "warn");
    assert!(
        pk["observed"]
            .as_str()
            .unwrap()
            .contains("retail_db.audit_log"),
        "{pk}"
    );
    assert!(!pk["observed"].as_str().unwrap().contains("orders"), "{pk}");
    let engine = check(&report, "tables.engine");
    assert_eq!(engine["status"], "warn");
    assert!(
        engine["observed"]
            .as_str()
            .unwrap()
            .contains("retail_db.legacy"),
        "{engine}"
    );

    // ...and a keyless table fails for Flink CDC, whose incremental snapshot refuses it.
    let (code, report) = doctor_json(&cdc_url(&server), &["--profile", "flink-cdc"]);
    assert_eq!(status(&report, "tables.primary_key"), "fail");
    assert_eq!(code, 1);

    // Narrowed to the healthy tables, both pass.
    let (code, report) = doctor_json(
        &cdc_url(&server),
        &["--tables", "retail_db.orders,retail_db.customers"],
    );
    assert_eq!(status(&report, "tables.primary_key"), "pass");
    assert_eq!(status(&report, "tables.engine"), "pass");
    assert_eq!(code, 0);
}

fn binlog_filters_that_drop_a_captured_schema_fail(kind: Kind) {
    let server = common::retail_server_on(kind, &["--binlog-ignore-db=retail_db"]);
    let (code, report) = doctor_json(&cdc_url(&server), &[]);
    assert_eq!(code, 1);
    let c = check(&report, "binlog.filters");
    assert_eq!(c["status"], "fail", "{c}");
    assert!(c["message"].as_str().unwrap().contains("retail_db"), "{c}");
}

#[test]
fn an_unreachable_port_fails_connect_tcp_within_the_timeout() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("mysql://cdc_user:pw@127.0.0.1:{port}");
    let (code, report) = doctor_json(&url, &["--connect-timeout", "2s"]);
    assert_eq!(code, 1);
    assert_eq!(status(&report, "connect.tcp"), "fail");
    assert_eq!(status(&report, "binlog.format"), "skip");
    assert_eq!(report["summary"]["fail"], 1);
    // Nothing listens there: not a bind-address or firewall matter, and no "open TCP 3306".
    let tcp = check(&report, "connect.tcp");
    assert_eq!(tcp["observed"], "connection refused", "{tcp}");
    assert!(
        tcp["message"].as_str().unwrap().contains(&port.to_string()),
        "{tcp}"
    );
    assert!(tcp["fix"].is_null(), "{tcp}");
}

#[test]
fn a_name_that_does_not_resolve_is_told_as_such_without_network_fixes() {
    // .invalid never resolves (RFC 6761).
    let (code, report) = doctor_json("mysql://u:pw@db.invalid:3306", &["--connect-timeout", "2s"]);
    assert_eq!(code, 1);
    let tcp = check(&report, "connect.tcp");
    assert_eq!(tcp["observed"], "host name does not resolve", "{tcp}");
    assert!(
        tcp["message"].as_str().unwrap().contains("db.invalid"),
        "{tcp}"
    );
    assert!(tcp["fix"].is_null(), "{tcp}");
}

#[test]
fn a_server_that_never_answers_is_given_up_on_within_the_timeout() {
    // Accepts TCP but never sends a handshake: only the read timeout can end the wait.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let _keep = std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().take(4) {
            held.push(s);
        }
        std::thread::sleep(Duration::from_secs(30));
    });
    let started = Instant::now();
    let (code, report) = doctor_json(
        &format!("mysql://u@127.0.0.1:{port}"),
        &["--connect-timeout", "1s"],
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(code, 1);
    assert_eq!(status(&report, "connect.tcp"), "pass");
    let auth = check(&report, "connect.auth");
    assert_eq!(auth["status"], "fail");
    // The server never judged a password: an account fix would send the reader astray.
    assert_eq!(auth["observed"], "no handshake", "{auth}");
    assert!(auth["fix"].is_null(), "{auth}");
}

fn the_password_never_appears_in_any_output(kind: Kind) {
    let server = common::retail_server_on(kind, &[]);
    let secret = "Hunter2-Secret";
    let url = server.url("cdc_user", secret);
    for format in ["human", "json", "junit", "markdown"] {
        let out = cdc(&["doctor", "--source", &url, "--format", format]);
        let all = common::all_output(&out);
        assert!(!all.contains(secret), "{format} leaked the password: {all}");
        assert!(all.contains("***"), "{format} shows no redacted URL: {all}");
        assert_eq!(
            out.status.code(),
            Some(1),
            "a refused login is a failed check"
        );
    }
}

fn doctor_only_reads(kind: Kind) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("general.log");
    let log_arg = format!("--general-log-file={}", log.display());
    let server = common::retail_server_on(kind, &["--general-log=1", &log_arg]);
    let (_, report) = doctor_json(&cdc_url(&server), &["--profile", "debezium"]);
    assert_eq!(report["summary"]["error"], 0, "{report:#}");
    let text = std::fs::read_to_string(&log).unwrap();
    let entries = general_log_entries(&text);
    let ids: Vec<&str> = entries
        .iter()
        .filter(|(_, cmd, arg)| *cmd == "Connect" && arg.starts_with("cdc_user@"))
        .map(|(id, _, _)| *id)
        .collect();
    assert!(
        !ids.is_empty(),
        "no cdc_user connection in the log:\n{text}"
    );
    let mut statements = 0;
    for (id, cmd, arg) in &entries {
        if *cmd != "Query" || !ids.contains(id) {
            continue;
        }
        statements += 1;
        let sql = arg.trim().to_ascii_uppercase();
        assert!(
            [
                "SELECT",
                "SHOW",
                "SET SESSION",
                "SET NAMES",
                "SET @@SESSION"
            ]
            .iter()
            .any(|ok| sql.starts_with(ok)),
            "doctor sent a non-read statement: {sql}"
        );
    }
    assert!(
        statements >= 5,
        "too few statements seen ({statements}):\n{text}"
    );
}

/// `cdc doctor` against a closed port with a `--checks-dir` holding `files`.
fn doctor_with_check_files(files: &[(&str, &str)]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    cdc(&[
        "doctor",
        "--source",
        "mysql://u@127.0.0.1:1",
        "--checks-dir",
        dir.path().to_str().unwrap(),
    ])
}

#[test]
fn an_invalid_check_file_stops_the_run_with_exit_2() {
    let out = doctor_with_check_files(&[(
        "mine.yaml",
        "checks:\n  - id: my.check\n    title: t\n    why: w\n    playbook: p\n    probe: {variable: binlog_format}\n    expect:\n      - {op: equals, value: ROW}\n",
    )]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mine.yaml:8"), "{err}");
    assert!(err.contains("checks[0].expect[0].op"), "{err}");
}

#[test]
fn a_bad_checks_dir_lists_every_problem_of_every_file_with_exit_2() {
    let out = doctor_with_check_files(&[
        // Line 5: a misspelt probe field. Line 7: a regex that does not compile.
        (
            "a.yaml",
            "checks:\n  - id: my.first\n    title: t\n    why: w\n    probe: {variabel: binlog_format}\n    expect:\n      - {op: regex, value: '^(ROW'}\n    fixes: [{summary: s}]\n    playbook: binlog-format-not-row\n",
        ),
        // Line 3: the id again. Line 6: a requires naming no check.
        (
            "b.yaml",
            "# the same check, copied\nchecks:\n  - id: my.first\n    title: t\n    why: w\n    requires: [binlog.enabeld]\n    probe: {builtin: connect.tcp}\n    fixes: [{summary: s}]\n    playbook: binlog-format-not-row\n",
        ),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing ran");
    let err = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "a.yaml:5: checks[0].probe.variabel: unknown field `variabel`",
        "a.yaml:7: checks[0].expect[0].value: bad regex",
        "b.yaml:3: checks[0].id: duplicate id my.first (first at ",
        "b.yaml:6: checks[0].requires[0]: no check has id \"binlog.enabeld\"",
    ] {
        assert!(err.contains(expected), "no {expected:?} in:\n{err}");
    }
    assert!(err.contains("4 problems:"), "{err}");
}

fn a_custom_check_replaces_the_builtin_with_the_same_id(kind: Kind) {
    let server = common::retail_server_on(kind, &["--binlog-format=MIXED"]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("relaxed.yaml"),
        "checks:\n  - id: binlog.format\n    title: MIXED is fine here\n    why: this reader parses statements\n    playbook: binlog-format-not-row\n    probe: {variable: binlog_format}\n    expect:\n      - {op: in, value: [ROW, MIXED]}\n    fixes: [{summary: Set MIXED or ROW}]\n",
    )
    .unwrap();
    let (code, report) = doctor_json(
        &cdc_url(&server),
        &["--checks-dir", dir.path().to_str().unwrap()],
    );
    assert_eq!(
        check(&report, "binlog.format")["title"],
        "MIXED is fine here"
    );
    assert_eq!(status(&report, "binlog.format"), "pass");
    assert_eq!(code, 0, "{report:#}");
}

fn a_purged_stored_position_is_reported(kind: Kind) {
    let server = common::retail_server_on(kind, &[]);
    let first = server
        .query_value("SELECT @@log_bin_basename")
        .unwrap()
        .unwrap();
    let first_file = format!(
        "{}.000001",
        std::path::Path::new(&first)
            .file_name()
            .unwrap()
            .to_string_lossy()
    );
    server.exec("FLUSH BINARY LOGS").unwrap();
    let (code, report) = doctor_json(
        &cdc_url(&server),
        &["--position", &format!("{first_file}:4")],
    );
    assert_eq!(status(&report, "position.available"), "pass", "{report:#}");
    assert_eq!(code, 0);
    common::purge_all_but_the_current_binlog(kind, &server);
    let (code, report) = doctor_json(
        &cdc_url(&server),
        &["--position", &format!("{first_file}:4")],
    );
    let c = check(&report, "position.available");
    assert_eq!(c["status"], "fail", "{c}");
    assert!(c["message"].as_str().unwrap().contains("purged"), "{c}");
    assert_eq!(code, 1);
}

#[test]
fn list_prints_the_catalogue() {
    let out = cdc(&["doctor", "--list"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for id in [
        "connect.tcp",
        "binlog.format",
        "grants.replication",
        "position.available",
    ] {
        assert!(text.contains(id), "--list lacks {id}:\n{text}");
    }
}

fn privileges_held_through_a_default_role_count(kind: Kind) {
    let server = common::retail_server_on(kind, &[]);
    server
        .exec(&format!(
            "CREATE ROLE cdc_reader;
             GRANT REPLICATION SLAVE, {rc} ON *.* TO cdc_reader;
             GRANT SELECT ON retail_db.* TO cdc_reader;
             CREATE USER 'via_role'@'%' IDENTIFIED BY 'role_pw';
             GRANT cdc_reader TO 'via_role'@'%';
             SET DEFAULT ROLE cdc_reader {for_to} 'via_role'@'%'",
            rc = kind.replication_client(),
            for_to = if kind.is_mysql() { "TO" } else { "FOR" }
        ))
        .unwrap();
    let (_, report) = doctor_json(&server.url("via_role", "role_pw"), &[]);
    assert_eq!(
        status(&report, "grants.replication"),
        "pass",
        "{:#}",
        check(&report, "grants.replication")
    );
    assert_eq!(
        status(&report, "grants.snapshot"),
        "pass",
        "{:#}",
        check(&report, "grants.snapshot")
    );
}

fn debezium_needs_the_locking_snapshot_privileges_generic_does_not(kind: Kind) {
    let server = common::retail_server_on(kind, &[]);
    server
        .exec(&format!(
            "CREATE USER 'lean'@'%' IDENTIFIED BY 'lean_pw';
             GRANT REPLICATION SLAVE, {rc} ON *.* TO 'lean'@'%';
             GRANT SELECT ON retail_db.* TO 'lean'@'%'",
            rc = kind.replication_client()
        ))
        .unwrap();
    let url = server.url("lean", "lean_pw");
    let (_, generic) = doctor_json(&url, &[]);
    assert_eq!(status(&generic, "grants.snapshot"), "pass");
    let (code, debezium) = doctor_json(&url, &["--profile", "debezium"]);
    let c = check(&debezium, "grants.snapshot");
    assert_eq!(c["status"], "fail", "{c}");
    for p in ["RELOAD", "LOCK TABLES"] {
        assert!(c["message"].as_str().unwrap().contains(p), "{c}");
    }
    assert_eq!(code, 1);
}

fn a_replica_that_does_not_log_what_it_applies_fails(kind: Kind) {
    let source = common::retail_server_on(kind, &[]);
    // A real replica of the same server, logging nothing it applies; retail_db and
    // cdc_user reach it by replication.
    let replica = common::replica_of(&source, &[]);
    let (code, report) = doctor_json(&cdc_url(&replica), &[]);
    let c = check(&report, "replica.log_updates");
    assert_eq!(c["status"], "fail", "{c}");
    assert_eq!(code, 1);
    // The source itself is not a replica: the check passes there.
    let (_, report) = doctor_json(&cdc_url(&source), &[]);
    assert_eq!(status(&report, "replica.log_updates"), "pass");
}

fn a_server_id_in_use_is_named(kind: Kind) {
    let source = common::retail_server_on(kind, &[]);
    let _replica = common::replica_of(&source, &["--server-id=4242"]);
    let root = source.root_url();
    let (code, report) = doctor_json(&root, &["--server-id", "4242"]);
    let c = check(&report, "server.reader_id");
    assert_eq!(c["status"], "fail", "{c}");
    assert!(c["message"].as_str().unwrap().contains("a replica"), "{c}");
    assert_eq!(c["playbook"], "duplicate-server-id");
    assert_eq!(code, 1);
    let (_, report) = doctor_json(&root, &["--server-id", "1"]);
    let c = check(&report, "server.reader_id");
    assert_eq!(c["status"], "fail", "{c}");
    assert!(
        c["message"].as_str().unwrap().contains("the server itself"),
        "{c}"
    );
    let (_, report) = doctor_json(&root, &["--server-id", "77"]);
    let c = check(&report, "server.reader_id");
    assert_eq!(c["status"], "pass", "{c}");
    assert!(c["observed"].as_str().unwrap().contains("4242"), "{c}");
    // Without --server-id there is nothing to compare.
    let (_, report) = doctor_json(&root, &[]);
    assert_eq!(status(&report, "server.reader_id"), "skip");
    // The CDC account: MySQL lists replicas to REPLICATION SLAVE; MariaDB 10.5+ wants
    // REPLICATION MASTER ADMIN, and says so instead of passing on half the answer.
    let (_, report) = doctor_json(&cdc_url(&source), &["--server-id", "4242"]);
    let c = check(&report, "server.reader_id");
    if kind.is_mysql() {
        assert_eq!(c["status"], "fail", "{c}");
    } else {
        assert_eq!(c["status"], "warn", "{c}");
        assert!(
            c["message"]
                .as_str()
                .unwrap()
                .contains("REPLICATION MASTER ADMIN"),
            "{c}"
        );
    }
}

#[test]
fn mariadb_11_8_passes_once_it_writes_legacy_event_positions() {
    // 11.4+ writes log_pos 0 inside transactions unless told otherwise: a warning, and
    // Debezium's failure, until binlog_legacy_event_pos is ON.
    let server = common::retail_server_on(Kind::Mariadb118, &[]);
    let (code, report) = doctor_json(&cdc_url(&server), &[]);
    let not_clean: Vec<&str> = common::not_clean(&report)
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(not_clean, ["binlog.legacy_event_pos"], "{report:#}");
    assert_eq!(code, 0);
    let (code, _) = doctor_json(&cdc_url(&server), &["--profile", "debezium"]);
    assert_eq!(code, 1);
    server
        .exec("SET GLOBAL binlog_legacy_event_pos = ON")
        .unwrap();
    let (code, report) = doctor_json(&cdc_url(&server), &["--profile", "debezium"]);
    assert_eq!(status(&report, "binlog.legacy_event_pos"), "pass");
    assert_eq!(report["summary"]["fail"], 0, "{report:#}");
    assert_eq!(code, 0);
}

#[test]
fn a_mariadb_gtid_position_behind_the_purged_logs_is_reported() {
    let server = common::retail_server(&[]);
    // Write a few transactions, rotate, and purge the logs that held them.
    server
        .exec(
            "INSERT INTO retail_db.products (product_name, price) VALUES ('a', 1);
             INSERT INTO retail_db.products (product_name, price) VALUES ('b', 2)",
        )
        .unwrap();
    let current = server
        .query_value("SELECT @@GLOBAL.gtid_binlog_pos")
        .unwrap()
        .unwrap();
    let (_, report) = doctor_json(&cdc_url(&server), &["--gtid-set", &current]);
    assert_eq!(
        status(&report, "position.available"),
        "pass",
        "{:#}",
        check(&report, "position.available")
    );
    common::purge_all_but_the_current_binlog(Kind::Mariadb1011, &server);
    let (code, report) = doctor_json(&cdc_url(&server), &["--gtid-set", "0-1-1"]);
    let c = check(&report, "position.available");
    assert_eq!(c["status"], "fail", "{c}");
    assert!(c["message"].as_str().unwrap().contains("purged"), "{c}");
    assert_eq!(code, 1);
}

#[test]
fn general_log_lines_parse_with_and_without_the_date_column() {
    let text = "Time\t\t    Id Command\tArgument\n261122  4:29:13\t    11 Connect\tcdc_user@127.0.0.1 on  using TCP/IP\n\t\t    11 Query\tSHOW GLOBAL VARIABLES\n";
    let entries = general_log_entries(text);
    assert_eq!(
        entries,
        [
            (
                "11",
                "Connect",
                "cdc_user@127.0.0.1 on  using TCP/IP".to_string()
            ),
            ("11", "Query", "SHOW GLOBAL VARIABLES".to_string()),
        ]
    );
}

on_each_server!(
    a_correctly_configured_server_passes_clean,
    binlog_off_fails_and_skips_what_depends_on_it,
    statement_format_fails_with_a_fix,
    minimal_row_image_fails,
    short_retention_fails_and_medium_retention_warns,
    a_user_without_replication_privileges_fails_grants,
    a_usage_only_account_fails_snapshot_grants_for_named_tables,
    tables_without_primary_key_and_myisam_tables_are_named,
    binlog_filters_that_drop_a_captured_schema_fail,
    the_password_never_appears_in_any_output,
    doctor_only_reads,
    a_custom_check_replaces_the_builtin_with_the_same_id,
    a_purged_stored_position_is_reported,
    privileges_held_through_a_default_role_count,
    debezium_needs_the_locking_snapshot_privileges_generic_does_not,
    a_replica_that_does_not_log_what_it_applies_fails,
    a_server_id_in_use_is_named,
);

/// MariaDB 10.11 under the debezium profile: the warning, what it expects and the fix agree
/// (11.4, the versions Debezium tests), and an upgrade is no option-file change.
#[test]
fn debezium_on_mariadb_10_11_asks_for_11_4_consistently() {
    let server = common::server(&[]);
    let (_, report) = doctor_json(&server.root_url(), &["--profile", "debezium"]);
    let v = check(&report, "server.version");
    assert_eq!(v["status"], "warn", "{v}");
    assert!(
        v["expected"].as_str().unwrap().contains("MariaDB >= 11.4"),
        "{v}"
    );
    let fix = v["fix"]["summary"].as_str().unwrap();
    assert!(fix.contains("MariaDB 11.4"), "{fix}");
    assert!(!fix.contains("10.11/11.4"), "{fix}");
    let out = cdc(&[
        "doctor",
        "--source",
        &server.root_url(),
        "--profile",
        "debezium",
        "--fix",
    ]);
    let text = common::all_output(&out);
    let restart_section = text
        .split("Option-file")
        .nth(1)
        .map(|s| s.split("\n\n").next().unwrap_or(""))
        .unwrap_or("");
    assert!(!restart_section.contains("server.version"), "{text}");
    assert!(text.contains("server.version"), "{text}");
}

/// Piped output fits COLUMNS (else 100), never splits a check id, and `--quiet` shows only
/// what did not pass while the summary still counts every check.
#[test]
fn piped_output_fits_columns_and_quiet_shows_only_problems() {
    let server = common::retail_server(&[]);
    let url = cdc_url(&server);
    let run = |columns: Option<&str>, extra: &[&str]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cdc"));
        cmd.args(["doctor", "--source", &url])
            .args(extra)
            .env_remove("CDC_SOURCE")
            .env("NO_COLOR", "1");
        match columns {
            Some(c) => cmd.env("COLUMNS", c),
            None => cmd.env_remove("COLUMNS"),
        };
        String::from_utf8(cmd.output().unwrap().stdout).unwrap()
    };
    for (columns, width) in [(Some("80"), 80), (None, 100)] {
        let out = run(columns, &[]);
        let widest = out.lines().map(|l| l.chars().count()).max().unwrap();
        assert!(
            widest <= width,
            "COLUMNS={columns:?}: a line of {widest}:\n{out}"
        );
        // Every check id is whole on its line.
        for id in [
            "grants.least_privilege",
            "binlog.row_metadata",
            "replica.log_replica_updates",
        ] {
            if out.contains(&id[..id.len() - 3]) {
                assert!(out.contains(id), "{id} split:\n{out}");
            }
        }
    }
    // Passed checks are one line each ("PASS  id  observed"); --quiet leaves them out.
    let full = run(None, &[]);
    assert!(
        full.lines().any(|l| l.starts_with("PASS  connect.tcp")),
        "{full}"
    );
    let quiet = run(None, &["--quiet"]);
    assert!(!quiet.lines().any(|l| l.starts_with("PASS")), "{quiet}");
    assert!(quiet.contains("passed"), "the summary stays:\n{quiet}");
}

/// What a fix says is where it is done: a connector setting is no my.cnf line; and MariaDB's
/// GTID answer says what the number is.
#[test]
fn connector_settings_and_gtid_answers_say_what_they_are() {
    let server = common::retail_server(&[]);
    let id = server.query_value("SELECT @@server_id").unwrap().unwrap();
    let (_, report) = doctor_json(
        &cdc_url(&server),
        &["--profile", "debezium", "--server-id", &id],
    );
    let reader = check(&report, "server.reader_id");
    assert_eq!(reader["status"], "fail", "{reader}");
    assert!(
        reader["fix"]["summary"]
            .as_str()
            .unwrap()
            .contains("database.server.id="),
        "{reader}"
    );
    assert_eq!(reader["fix"]["config"], serde_json::json!([]), "{reader}");
    let (_, report) = doctor_json(&cdc_url(&server), &[]);
    assert_eq!(check(&report, "gtid.mode")["observed"], "gtid_domain_id=0");
    // diagnose says its exit codes where people look.
    let help = String::from_utf8(cdc(&["diagnose", "--help"]).stdout).unwrap();
    assert!(help.contains("Exit 1 when something matched"), "{help}");
}
