//! `cdc doctor` on what only MySQL has, against real MySQL 9.7 servers started by the tests,
//! one per configuration: row metadata, transaction compression, PARTIAL_JSON, gtid_mode,
//! dynamic privileges, caching_sha2_password, parallel replicas, tagged GTIDs. The checks
//! MariaDB shares are twinned in doctor_live.rs, doctor_fix.rs and doctor_tls.rs.

use crate::common;

use serde_json::Value;

use cdc::sandbox::LocalServer;
use common::{cdc, check, status, Kind};

fn mysql(args: &[&str]) -> LocalServer {
    common::retail_server_on(Kind::Mysql97, args)
}

fn doctor_json(url: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["doctor", "--source", url, "--format", "json"];
    args.extend_from_slice(extra);
    common::cdc_json(&args)
}

fn cdc_url(server: &LocalServer) -> String {
    server.url("cdc_user", common::CDC_PASSWORD)
}

fn message(report: &Value, id: &str) -> String {
    check(report, id)["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn minimal_row_metadata_the_default_warns() {
    let server = mysql(&["--binlog-row-metadata=MINIMAL"]);
    let (code, report) = doctor_json(&cdc_url(&server), &[]);
    let c = check(&report, "binlog.row_metadata");
    assert_eq!(c["status"], "warn", "{c}");
    assert_eq!(c["observed"], "MINIMAL", "{c}");
    assert!(c["fix"]["sql"].to_string().contains("SET PERSIST"), "{c}");
    assert_eq!(code, 0, "a warning alone does not fail the run");
}

#[test]
fn transaction_compression_fails() {
    let server = mysql(&["--binlog-transaction-compression=ON"]);
    let (code, report) = doctor_json(&cdc_url(&server), &[]);
    let c = check(&report, "binlog.compression");
    assert_eq!(c["status"], "fail", "{c}");
    assert!(
        c["fix"]["sql"]
            .to_string()
            .contains("binlog_transaction_compression"),
        "{c}"
    );
    assert_eq!(code, 1);
}

#[test]
fn partial_json_fails() {
    let server = mysql(&["--binlog-row-value-options=PARTIAL_JSON"]);
    let (code, report) = doctor_json(&cdc_url(&server), &[]);
    let c = check(&report, "binlog.row_value_options");
    assert_eq!(c["status"], "fail", "{c}");
    assert_eq!(c["observed"], "PARTIAL_JSON", "{c}");
    assert_eq!(c["playbook"], "partial-json");
    assert_eq!(code, 1);
}

#[test]
fn gtid_mode_off_and_off_permissive_warn_and_fail_for_lakeflow() {
    // 9.7 defaults to ON; a server upgraded from 5.7 or 8.0 often is not.
    for mode in ["OFF", "OFF_PERMISSIVE"] {
        let gtid = format!("--gtid-mode={mode}");
        let server = mysql(&[&gtid, "--enforce-gtid-consistency=OFF"]);
        let (code, report) = doctor_json(&cdc_url(&server), &[]);
        let c = check(&report, "gtid.mode");
        assert_eq!(c["status"], "warn", "{mode}: {c}");
        assert!(
            c["observed"]
                .as_str()
                .unwrap()
                .contains(&format!("gtid_mode={mode}")),
            "{c}"
        );
        assert_eq!(code, 0, "{mode}");
        let (code, report) = doctor_json(&cdc_url(&server), &["--profile", "lakeflow"]);
        let c = check(&report, "gtid.mode");
        assert_eq!(c["status"], "fail", "{mode}: {c}");
        // The online sequence: OFF -> OFF_PERMISSIVE -> ON_PERMISSIVE -> ON.
        let sql = c["fix"]["sql"].to_string();
        assert!(sql.contains("ON_PERMISSIVE"), "{sql}");
        assert_eq!(code, 1);
    }
}

#[test]
fn dynamic_admin_privileges_break_least_privilege() {
    let server = mysql(&[]);
    server
        .exec(
            "CREATE USER 'tuned'@'%' IDENTIFIED BY 'tuned_pw';
             GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'tuned'@'%';
             GRANT SYSTEM_VARIABLES_ADMIN, BINLOG_ADMIN ON *.* TO 'tuned'@'%';
             GRANT SELECT ON retail_db.* TO 'tuned'@'%'",
        )
        .unwrap();
    let (code, report) = doctor_json(&server.url("tuned", "tuned_pw"), &[]);
    let c = check(&report, "grants.least_privilege");
    assert_eq!(c["status"], "warn", "{c}");
    let m = message(&report, "grants.least_privilege");
    assert!(m.contains("SYSTEM_VARIABLES_ADMIN"), "{m}");
    assert!(m.contains("BINLOG_ADMIN"), "{m}");
    assert!(
        !m.contains("REPLICATION"),
        "what CDC needs is not blamed: {m}"
    );
    assert_eq!(status(&report, "grants.replication"), "pass");
    assert_eq!(code, 0);
}

#[test]
fn an_admin_account_breaks_least_privilege() {
    let server = mysql(&[]);
    // MySQL 8+ lists an admin's privileges one by one: no "ALL PRIVILEGES" line to find.
    server
        .exec(
            "CREATE USER 'dba'@'%' IDENTIFIED BY 'dba_pw';
             GRANT ALL PRIVILEGES ON *.* TO 'dba'@'%' WITH GRANT OPTION",
        )
        .unwrap();
    let grants = server.query_value("SHOW GRANTS FOR 'dba'@'%'").unwrap();
    assert!(
        !grants.unwrap_or_default().contains("ALL PRIVILEGES"),
        "MySQL spells the privileges out"
    );
    for url in [server.url("dba", "dba_pw"), server.root_url()] {
        let (_, report) = doctor_json(&url, &[]);
        let c = check(&report, "grants.least_privilege");
        assert_eq!(c["status"], "warn", "{url}: {c}");
        let m = message(&report, "grants.least_privilege");
        assert!(m.contains("SUPER") || m.contains("_ADMIN"), "{m}");
        assert!(m.contains("more"), "the long list is capped: {m}");
    }
}

#[test]
fn caching_sha2_password_logs_in_over_plain_and_tls_connections() {
    let server = mysql(&[]);
    let plugin = server
        .query_value("SELECT plugin FROM mysql.user WHERE user = 'cdc_user'")
        .unwrap();
    assert_eq!(plugin.as_deref(), Some("caching_sha2_password"));
    // The first login after the cache is cleared is a full authentication: without TLS the
    // password goes RSA-encrypted with the server's public key.
    for mode in ["DISABLED", "REQUIRED"] {
        server.exec("FLUSH PRIVILEGES").unwrap();
        let url = format!("{}?ssl-mode={mode}", cdc_url(&server));
        let (_, report) = doctor_json(&url, &[]);
        assert_eq!(
            status(&report, "connect.auth"),
            "pass",
            "{mode}: {:#}",
            check(&report, "connect.auth")
        );
        let tls = check(&report, "connect.tls");
        let observed = tls["observed"].as_str().unwrap();
        if mode == "DISABLED" {
            // Plain is acceptable on loopback only; the check says what it saw.
            assert!(observed.starts_with("not encrypted"), "{tls}");
        } else {
            assert!(observed.starts_with("TLSv1"), "{tls}");
        }
        assert_eq!(status(&report, "binlog.format"), "pass", "{mode}");
    }
}

#[test]
fn a_parallel_replica_without_commit_order_warns_and_the_scoped_account_can_tell() {
    let source = mysql(&[]);
    let replica = common::replica_of(
        &source,
        &[
            "--log-replica-updates=ON",
            "--replica-parallel-workers=4",
            "--replica-preserve-commit-order=OFF",
        ],
    );
    // The account our fixes recommend: REPLICATION CLIENT reads SHOW REPLICA STATUS, no
    // grant on performance_schema.
    replica
        .exec(
            "CREATE USER 'scoped'@'%' IDENTIFIED BY 'scoped_pw';
             GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'scoped'@'%';
             GRANT SELECT ON retail_db.* TO 'scoped'@'%'",
        )
        .unwrap();
    let (_, report) = doctor_json(&replica.url("scoped", "scoped_pw"), &[]);
    let c = check(&report, "replica.preserve_commit_order");
    assert_eq!(c["status"], "warn", "{c}");
    assert!(
        c["observed"]
            .as_str()
            .unwrap()
            .contains("replica_parallel_workers=4"),
        "{c}"
    );
    assert!(
        c["fix"]["sql"]
            .to_string()
            .contains("STOP REPLICA SQL_THREAD"),
        "{c}"
    );
    assert_eq!(status(&report, "replica.log_updates"), "pass");
    assert_eq!(report["summary"]["error"], 0, "{report:#}");

    // The source is no replica: nothing to stop there.
    let (_, report) = doctor_json(&cdc_url(&source), &[]);
    let c = check(&report, "replica.preserve_commit_order");
    assert_eq!(c["status"], "pass", "{c}");
    assert_eq!(c["observed"], "not a replica", "{c}");
    assert!(c["fix"].is_null(), "no fix for a check that passed: {c}");

    // Without REPLICATION CLIENT the role is unknown: an error that names the grant.
    replica
        .exec(
            "CREATE USER 'blind'@'%' IDENTIFIED BY 'blind_pw';
             GRANT REPLICATION SLAVE, SELECT ON *.* TO 'blind'@'%'",
        )
        .unwrap();
    let (_, report) = doctor_json(&replica.url("blind", "blind_pw"), &[]);
    let c = check(&report, "replica.preserve_commit_order");
    assert_eq!(c["status"], "error", "{c}");
    assert!(
        message(&report, "replica.preserve_commit_order").contains("REPLICATION CLIENT"),
        "{c}"
    );
}

#[test]
fn a_single_threaded_replica_passes_commit_order() {
    let source = mysql(&[]);
    let replica = common::replica_of(&source, &["--replica-parallel-workers=1"]);
    let (_, report) = doctor_json(&cdc_url(&replica), &[]);
    let c = check(&report, "replica.preserve_commit_order");
    assert_eq!(c["status"], "pass", "{c}");
    assert!(
        c["observed"].as_str().unwrap().contains("single-threaded"),
        "{c}"
    );
}

#[test]
fn the_duplicate_server_id_playbook_lists_a_registered_reader() {
    let source = mysql(&[]);
    let _replica = common::replica_of(&source, &["--server-id=4242"]);
    let out = cdc(&[
        "playbook",
        "duplicate-server-id",
        "--run",
        "--source",
        &source.root_url(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!text.contains("1064"), "{text}{err}");
    assert!(text.contains("SHOW REPLICAS"), "{text}{err}");
    assert!(
        text.contains("4242"),
        "the replica's server_id is shown:\n{text}{err}"
    );
}

#[test]
fn purged_gtid_positions_tagged_or_not_are_reported() {
    let server = mysql(&[]);
    let uuid = server
        .query_value("SELECT @@GLOBAL.server_uuid")
        .unwrap()
        .unwrap();
    // An untagged and a tagged transaction (tags: MySQL 8.3+).
    server
        .exec(
            "INSERT INTO retail_db.products (product_name, price) VALUES ('a', 1);
             SET gtid_next = 'AUTOMATIC:nightly';
             INSERT INTO retail_db.products (product_name, price) VALUES ('b', 2);
             SET gtid_next = 'AUTOMATIC'",
        )
        .unwrap();
    let executed = common::gtid_set(Kind::Mysql97, &server);
    assert!(executed.contains(":nightly:1"), "{executed}");
    let (code, report) = doctor_json(&cdc_url(&server), &["--gtid-set", &executed]);
    assert_eq!(
        status(&report, "position.available"),
        "pass",
        "{:#}",
        check(&report, "position.available")
    );
    assert_eq!(code, 0);

    // Rotate and purge: a reader that stopped before the tagged transaction has lost it.
    common::purge_all_but_the_current_binlog(Kind::Mysql97, &server);
    let untagged_only = executed
        .split(',')
        .map(|part| {
            part.split(':')
                .take_while(|p| *p != "nightly")
                .collect::<Vec<_>>()
                .join(":")
        })
        .collect::<Vec<_>>()
        .join(",");
    assert!(!untagged_only.contains("nightly"), "{untagged_only}");
    let (code, report) = doctor_json(&cdc_url(&server), &["--gtid-set", &untagged_only]);
    let c = check(&report, "position.available");
    assert_eq!(c["status"], "fail", "{untagged_only}: {c}");
    assert!(
        message(&report, "position.available").contains("purged"),
        "{c}"
    );
    assert!(c["observed"].as_str().unwrap().contains("nightly"), "{c}");
    assert_eq!(code, 1);
    // The whole set, tag included, is still a valid resume point.
    let (code, report) = doctor_json(&cdc_url(&server), &["--gtid-set", &executed]);
    assert_eq!(status(&report, "position.available"), "pass");
    assert_eq!(code, 0);
    // A set the server never had is no resume point either.
    let future = format!("{uuid}:1-999999");
    let (_, report) = doctor_json(&cdc_url(&server), &["--gtid-set", &future]);
    assert_eq!(status(&report, "position.available"), "fail");
}
