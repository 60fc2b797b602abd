//! `cdc checklist` against real MariaDB servers started by the tests.

use crate::common;

use std::path::Path;

use serde_json::Value;

use common::{cdc, check as item, status};

/// Runs checklist with JSON output and returns (exit code, report).
fn checklist_json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["checklist", "--format", "json"];
    all.extend_from_slice(args);
    common::cdc_json(&all)
}

fn url(server: &cdc::sandbox::LocalServer) -> String {
    server.url("cdc_user", common::CDC_PASSWORD)
}

/// The attestation ids `--template` offers.
fn template_ids() -> Vec<String> {
    let out = cdc(&["checklist", "--template"]);
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.trim().strip_prefix("# checklist."))
        .filter_map(|rest| {
            rest.split_once(':')
                .map(|(name, _)| format!("checklist.{name}"))
        })
        .collect()
}

fn write_full_answers(dir: &Path) -> String {
    let ids = template_ids();
    assert_eq!(ids.len(), 11, "{ids:?}");
    let mut text = String::from("answers:\n");
    for id in ids {
        text.push_str(&format!(
            "  {id}: {{ by: \"Jane Doe\", on: {} }}\n",
            today()
        ));
    }
    let path = dir.join("cdc-checklist.yaml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn today() -> String {
    cdc::calendar::Date::today().to_string()
}

#[test]
fn retention_of_7_days_covers_a_declared_24h_downtime() {
    let server = common::retail_server(&[]);
    let (code, report) = checklist_json(&["--source", &url(&server), "--max-downtime", "24h"]);
    assert_eq!(
        status(&report, "checklist.binlog_retention"),
        "pass",
        "{report:#}"
    );
    assert!(item(&report, "checklist.binlog_retention")["expected"]
        .as_str()
        .unwrap()
        .contains("1 day (declared max_downtime)"));
    // Pending attestations alone do not fail a run...
    assert_eq!(status(&report, "checklist.dr_plan"), "skip");
    assert_eq!(
        item(&report, "checklist.dr_plan")["message"],
        "pending: no answer recorded"
    );
    assert_eq!(code, 0, "{report:#}");
    // ...but they do with --strict.
    let (strict, _) = checklist_json(&["--source", &url(&server), "--strict"]);
    assert_eq!(strict, 1);
}

#[test]
fn retention_of_1_day_fails_a_declared_3_day_downtime() {
    let server = common::retail_server(&["--binlog-expire-logs-seconds=86400"]);
    let (code, report) = checklist_json(&["--source", &url(&server), "--max-downtime", "3d"]);
    assert_eq!(
        status(&report, "checklist.binlog_retention"),
        "fail",
        "{report:#}"
    );
    let message = item(&report, "checklist.binlog_retention")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("is shorter than the declared maximum downtime (3 days): a connector down that long cannot resume"),
        "{message}"
    );
    assert!(
        message.starts_with("binlog.retention: binlog retention (1 day"),
        "{message}"
    );
    assert_eq!(code, 1);
    // The same server and a shorter declared downtime: no failure (1 day only warns).
    let (code, report) = checklist_json(&["--source", &url(&server), "--max-downtime", "12h"]);
    assert_eq!(status(&report, "checklist.binlog_retention"), "warn");
    assert_eq!(code, 0);
}

#[test]
fn a_full_answers_file_passes_strict_on_a_healthy_server() {
    let server = common::retail_server(&[]);
    let dir = tempfile::tempdir().unwrap();
    let answers = write_full_answers(dir.path());
    let (code, report) = checklist_json(&[
        "--source",
        &url(&server),
        "--answers",
        &answers,
        "--max-downtime",
        "24h",
        "--strict",
    ]);
    let not_pass: Vec<&Value> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] != "pass")
        .collect();
    assert!(not_pass.is_empty(), "{not_pass:#?}");
    assert_eq!(code, 0);
    let network = item(&report, "checklist.private_network")["observed"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(network.contains("127.0.0.1 (loopback)"), "{network}");
    // JUnit is titled for the checklist.
    let out = cdc(&[
        "checklist",
        "--source",
        &url(&server),
        "--answers",
        &answers,
        "--format",
        "junit",
    ]);
    let xml = String::from_utf8_lossy(&out.stdout);
    assert!(xml.contains(r#"<testsuite name="cdc checklist""#), "{xml}");
    assert!(
        xml.contains(r#"classname="cdc.checklist.checklist" name="checklist.dr_plan""#),
        "{xml}"
    );
}

#[test]
fn json_lists_every_item_in_order() {
    let server = common::retail_server(&[]);
    let (_, report) = checklist_json(&["--source", &url(&server)]);
    let ids: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 16, "{ids:?}");
    assert_eq!(ids[0], "checklist.dba_review");
    assert!(ids.contains(&"checklist.binlog_config"));
    assert!(ids.contains(&"checklist.backup_restore"));
    assert_eq!(
        report["summary"]["skip"], 11,
        "the attestations are pending"
    );
    assert_eq!(status(&report, "checklist.binlog_config"), "pass");
    assert_eq!(status(&report, "checklist.cdc_user"), "pass");
}

#[test]
fn without_a_source_only_attestations_are_evaluated() {
    let dir = tempfile::tempdir().unwrap();
    let answers = write_full_answers(dir.path());
    let (code, report) = checklist_json(&["--answers", &answers]);
    assert_eq!(code, 0);
    assert_eq!(status(&report, "checklist.dr_plan"), "pass");
    assert_eq!(status(&report, "checklist.gtid"), "skip");
    assert!(item(&report, "checklist.gtid")["message"]
        .as_str()
        .unwrap()
        .contains("no source"));
    // The server items are unconfirmed: --strict says so.
    let (strict, _) = checklist_json(&["--answers", &answers, "--strict"]);
    assert_eq!(strict, 1);
}

#[test]
fn a_malformed_answers_file_stops_the_run_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("answers.yaml");
    std::fs::write(
        &path,
        "answers:\n  checklist.dr_plan: { by: Jane, on: 2026-11-02 }\n  checklist.monitoring: { on: 2026-10-20 }\n",
    )
    .unwrap();
    let out = cdc(&["checklist", "--answers", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}:3: answers.checklist.monitoring.by",
            path.display()
        )),
        "{stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "no report when the run cannot happen"
    );

    std::fs::write(
        &path,
        "answers:\n  checklist.nope: { by: Jane, on: 2026-11-02 }\n",
    )
    .unwrap();
    let out = cdc(&["checklist", "--answers", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("checklist.nope"), "{stderr}");
}

#[test]
fn an_unreachable_source_fails_rather_than_skipping() {
    let (code, report) = checklist_json(&[
        "--source",
        "mysql://cdc_user:x@127.0.0.1:9",
        "--connect-timeout",
        "1s",
    ]);
    assert_eq!(code, 1);
    assert_eq!(status(&report, "checklist.binlog_config"), "error");
}

/// `failures="N"` of the JUnit file's first element that has it.
fn junit_failures(xml: &str) -> usize {
    let at = xml.find("failures=\"").expect("a failures count") + "failures=\"".len();
    xml[at..]
        .split('"')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a number")
}

/// Under --strict a red build never comes with a green JUnit file: pending items fail there
/// too, as they fail the exit code.
#[test]
fn strict_junit_fails_what_the_exit_code_fails() {
    let strict = cdc(&["checklist", "--format", "junit", "--strict"]);
    assert_eq!(strict.status.code(), Some(1));
    let xml = String::from_utf8_lossy(&strict.stdout);
    assert!(junit_failures(&xml) > 0, "{xml}");
    assert_eq!(
        junit_failures(&xml),
        xml.matches(r#"type="pending""#).count(),
        "{xml}"
    );
    let lenient = cdc(&["checklist", "--format", "junit"]);
    assert_eq!(lenient.status.code(), Some(0));
    assert_eq!(junit_failures(&String::from_utf8_lossy(&lenient.stdout)), 0);
}

/// A Debezium pipeline is not asked Unity Catalog questions, and an answer may say an item
/// does not apply: neither is pending, so --strict passes on what is left.
#[test]
fn items_of_other_pipelines_and_answers_of_not_applicable_are_not_pending() {
    let dir = tempfile::tempdir().unwrap();
    let answers = dir.path().join("answers.yaml");
    std::fs::write(
        &answers,
        "answers:\n  checklist.benchmarks: { not_applicable: \"a reference table\" }\n",
    )
    .unwrap();
    let (_, report) = checklist_json(&[
        "--profile",
        "debezium",
        "--answers",
        answers.to_str().unwrap(),
    ]);
    let unity = item(&report, "checklist.unity_catalog");
    assert_eq!(unity["status"], "skip", "{unity}");
    assert_eq!(unity["message"], "not needed by the debezium profile");
    let bench = item(&report, "checklist.benchmarks");
    assert_eq!(
        bench["message"], "not applicable: a reference table",
        "{bench}"
    );
    let (_, lakeflow) = checklist_json(&["--profile", "lakeflow"]);
    assert!(
        item(&lakeflow, "checklist.unity_catalog")["message"]
            .as_str()
            .unwrap()
            .starts_with("pending"),
        "{lakeflow:#}"
    );
}
