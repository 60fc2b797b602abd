//! `cdc doctor --fix` and `--fix --apply` against a real misconfigured MariaDB.

mod common;

use std::process::Output;

use common::cdc;

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const MISCONFIGURED: [&str; 3] = [
    "--binlog-format=STATEMENT",
    "--binlog-row-image=MINIMAL",
    "--binlog-row-metadata=MINIMAL",
];

#[test]
fn the_plan_separates_online_changes_from_restarts_and_changes_nothing() {
    let server = common::retail_server(&MISCONFIGURED);
    let out = cdc(&["doctor", "--source", &server.root_url(), "--fix"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    let plan = &t[t.find("Fix plan for").expect(&t)..];
    let online = plan.find("Online changes").expect(plan);
    let format_fix = plan.find("SET GLOBAL binlog_format = 'ROW';").expect(plan);
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

#[test]
fn apply_without_yes_off_a_terminal_refuses_and_changes_nothing() {
    let server = common::retail_server(&MISCONFIGURED);
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

#[test]
fn apply_makes_the_dynamic_checks_pass() {
    let server = common::retail_server(&MISCONFIGURED);
    let out = cdc(&[
        "doctor",
        "--source",
        &server.root_url(),
        "--fix",
        "--apply",
        "--yes",
    ]);
    let t = text(&out);
    assert!(
        t.contains("applied  SET GLOBAL binlog_format = 'ROW';"),
        "{t}"
    );
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
