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

on_each_server!(
    the_plan_separates_online_changes_from_restarts_and_changes_nothing,
    apply_without_yes_off_a_terminal_refuses_and_changes_nothing,
    apply_makes_the_dynamic_checks_pass,
);
