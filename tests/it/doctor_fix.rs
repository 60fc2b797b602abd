//! `cdc doctor --fix` and `--fix --apply` against a real misconfigured MariaDB 10.11 and
//! MySQL 9.7 (SET GLOBAL there, SET PERSIST here).

use crate::common;

use std::process::Output;

use common::cdc;

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The online fix for binlog_format: persisted across restarts where the server can.
fn set_format(kind: common::Kind) -> String {
    let verb = if kind.is_mysql() { "PERSIST" } else { "GLOBAL" };
    format!("SET {verb} binlog_format = 'ROW';")
}

const MISCONFIGURED: [&str; 3] = [
    "--binlog-format=STATEMENT",
    "--binlog-row-image=MINIMAL",
    "--binlog-row-metadata=MINIMAL",
];

fn the_plan_separates_online_changes_from_restarts_and_changes_nothing(kind: common::Kind) {
    let server = common::retail_server_on(kind, &MISCONFIGURED);
    let out = cdc(&["doctor", "--source", &server.root_url(), "--fix"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    let plan = &t[t.find("Fix plan for").expect(&t)..];
    let online = plan.find("Online changes").expect(plan);
    let format_fix = plan.find(&set_format(kind)).expect(plan);
    assert!(online < format_fix, "{plan}");
    assert!(plan.contains("binlog.row_image"), "{plan}");
    // The password-less root account holds ALL PRIVILEGES: that is a manual step, never applied.
    let manual = plan.find("Manual steps").expect(plan);
    assert!(plan[manual..].contains("grants.least_privilege"), "{plan}");
    // --fix alone never writes.
    assert_eq!(
        server
            .query_value("SELECT @@GLOBAL.binlog_format")
            .unwrap()
            .as_deref(),
        Some("STATEMENT")
    );
}

fn apply_without_yes_off_a_terminal_refuses_and_changes_nothing(kind: common::Kind) {
    let server = common::retail_server_on(kind, &MISCONFIGURED);
    let out = cdc(&["doctor", "--source", &server.root_url(), "--fix", "--apply"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--yes"), "{}", text(&out));
    assert_eq!(
        server
            .query_value("SELECT @@GLOBAL.binlog_row_image")
            .unwrap()
            .as_deref(),
        Some("MINIMAL")
    );
}

fn apply_makes_the_dynamic_checks_pass(kind: common::Kind) {
    let server = common::retail_server_on(kind, &MISCONFIGURED);
    let out = cdc(&[
        "doctor",
        "--source",
        &server.root_url(),
        "--fix",
        "--apply",
        "--yes",
    ]);
    let t = text(&out);
    assert!(t.contains(&format!("applied  {}", set_format(kind))), "{t}");
    for id in ["binlog.format", "binlog.row_image", "binlog.row_metadata"] {
        let line = t
            .lines()
            .find(|l| l.trim_start().starts_with(id) && l.contains("->"))
            .unwrap_or_else(|| panic!("no before/after line for {id}:\n{t}"));
        assert!(
            line.contains("FAIL -> PASS") || line.contains("WARN -> PASS"),
            "{line}"
        );
    }
    // A fresh run as the CDC user agrees.
    let out = cdc(&[
        "doctor",
        "--source",
        &server.url("cdc_user", common::CDC_PASSWORD),
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for id in ["binlog.format", "binlog.row_image", "binlog.row_metadata"] {
        let c = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap();
        assert_eq!(c["status"], "pass", "{c}");
    }
    assert_eq!(out.status.code(), Some(0), "{report:#}");
}

/// A new check and a replaced built-in from `--checks-dir`: their online fixes are printed
/// with a note and never run, while the built-in ones still are.
const MINE: &str = "checks:
  - id: custom.init_connect
    title: init_connect is set
    why: a file from --checks-dir can carry any statement
    probe: { variable: init_connect }
    expect: [{ op: nonempty }]
    fixes:
      - summary: Set init_connect
        sql: [\"SET GLOBAL init_connect = 'x';\"]
    playbook: connection-failed
  - id: binlog.row_image
    title: Row image is FULL (my copy)
    why: replaces the built-in check
    probe: { variable: binlog_row_image }
    expect: [{ op: eq, value: FULL }]
    fixes:
      - summary: Set FULL
        sql: [\"SET GLOBAL binlog_row_image = 'FULL';\"]
    playbook: binlog-row-image
";

fn apply_runs_only_built_in_fixes(kind: common::Kind) {
    let server = common::retail_server_on(kind, &MISCONFIGURED);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mine.yaml"), MINE).unwrap();
    let out = cdc(&[
        "doctor",
        "--source",
        &server.root_url(),
        "--checks-dir",
        dir.path().to_str().unwrap(),
        "--fix",
        "--apply",
        "--yes",
    ]);
    let t = text(&out);
    for statement in [
        "SET GLOBAL init_connect = 'x';",
        "SET GLOBAL binlog_row_image = 'FULL';",
    ] {
        let note = t
            .lines()
            .find(|l| l.contains("not applied") && l.contains(statement))
            .unwrap_or_else(|| panic!("no note that {statement} was not applied:\n{t}"));
        assert!(note.contains("mine.yaml"), "{note}");
        let ran = format!("applied  {statement}");
        assert!(!t.lines().any(|l| l.trim_start().starts_with(&ran)), "{t}");
    }
    // The plan says so too, before anything is applied.
    assert!(t.contains("--apply does not run it"), "{t}");
    // Built-in fixes are still applied.
    assert!(t.contains(&format!("applied  {}", set_format(kind))), "{t}");
    let value = |sql: &str| server.query_value(sql).unwrap().unwrap_or_default();
    assert_eq!(value("SELECT @@GLOBAL.init_connect"), "");
    assert_eq!(value("SELECT @@GLOBAL.binlog_row_image"), "MINIMAL");
    assert_eq!(value("SELECT @@GLOBAL.binlog_format"), "ROW");
    assert_eq!(out.status.code(), Some(1), "{t}");
}

/// Connected as an admin, `--account` judges the CDC account's grants and the plan grants to
/// it (never a REVOKE from the admin); connected as the CDC account itself, a GRANT it may not
/// make says to rerun as an admin with --account.
fn account_judges_and_fixes_the_cdc_account_not_the_admin(kind: common::Kind) {
    let server = common::retail_server_on(kind, &[]);
    server
        .exec(&format!(
            "CREATE USER 'weak'@'%' IDENTIFIED BY 'weak_pw'; GRANT {} ON *.* TO 'weak'@'%'",
            kind.replication_client()
        ))
        .unwrap();
    let (code, report) = common::cdc_json(&[
        "doctor",
        "--source",
        &server.root_url(),
        "--account",
        "weak",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{report:#}");
    let replication = common::check(&report, "grants.replication");
    assert_eq!(replication["status"], "fail", "{replication}");
    assert!(
        replication["message"]
            .as_str()
            .unwrap()
            .contains("'weak'@'%'"),
        "{replication}"
    );
    assert!(
        replication["fix"]["sql"]
            .to_string()
            .contains("TO 'weak'@'%'"),
        "{replication}"
    );
    let all = report.to_string();
    assert!(
        !all.contains("FROM 'root'"),
        "a REVOKE from the admin: {report:#}"
    );

    // Applied as the admin: weak gets what it lacked.
    let out = cdc(&[
        "doctor",
        "--source",
        &server.root_url(),
        "--account",
        "weak",
        "--fix",
        "--apply",
        "--yes",
    ]);
    let t = text(&out);
    assert!(t.contains("applied  GRANT REPLICATION SLAVE"), "{t}");
    let granted = server
        .query_value("SHOW GRANTS FOR 'weak'@'%'")
        .unwrap()
        .unwrap_or_default();
    assert!(granted.contains("REPLICATION SLAVE"), "{granted}");

    // As the CDC account itself, the GRANT it may not make says how to get it made.
    server
        .exec("CREATE USER 'weaker'@'%' IDENTIFIED BY 'w_pw'; GRANT SELECT ON retail_db.* TO 'weaker'@'%'")
        .unwrap();
    let out = cdc(&[
        "doctor",
        "--source",
        &server.url("weaker", "w_pw"),
        "--fix",
        "--apply",
        "--yes",
    ]);
    let t = text(&out);
    assert!(t.contains("FAILED   GRANT"), "{t}");
    assert!(t.contains("rerun with --account"), "{t}");
}

on_each_server!(
    account_judges_and_fixes_the_cdc_account_not_the_admin,
    apply_runs_only_built_in_fixes,
    the_plan_separates_online_changes_from_restarts_and_changes_nothing,
    apply_without_yes_off_a_terminal_refuses_and_changes_nothing,
    apply_makes_the_dynamic_checks_pass,
);
