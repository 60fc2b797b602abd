//! `cdc validate --init` / `--crud` over a real pipeline: a MariaDB source and a MariaDB
//! replica fed by binlog replication.

mod common;

use std::time::{Duration, Instant};

fn canary_rows(server: &cdc::sandbox::LocalServer) -> u64 {
    server
        .query_value("SELECT COUNT(*) FROM retail_db.cdc_canary")
        .unwrap()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn healthy_replication_carries_every_step_and_a_stopped_applier_fails_the_insert() {
    let source = common::retail_server(&[]);
    let replica = common::replica_of(&source, &[]);
    let src = source.url("root", "");
    let tgt = replica.url("root", "");

    let out = common::cdc(&[
        "validate",
        "--init",
        "--source",
        &src,
        "--canary",
        "retail_db.cdc_canary",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("cdc_canary"));
    // --init is idempotent.
    let again = common::cdc(&[
        "validate",
        "--init",
        "--source",
        &src,
        "--canary",
        "retail_db.cdc_canary",
    ]);
    assert_eq!(again.status.code(), Some(0));
    let until = Instant::now() + Duration::from_secs(20);
    while replica
        .query_value(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'cdc_canary'",
        )
        .unwrap()
        .as_deref()
        != Some("1")
    {
        assert!(Instant::now() < until, "the canary table did not replicate");
        std::thread::sleep(Duration::from_millis(100));
    }

    let (code, report) = common::cdc_json(&[
        "validate",
        "--crud",
        "--source",
        &src,
        "--target",
        &tgt,
        "--canary",
        "retail_db.cdc_canary",
        "--timeout",
        "20s",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{report:#}");
    let steps = report["steps"].as_array().unwrap();
    let names: Vec<&str> = steps.iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(names, ["insert", "update", "delete"]);
    assert!(
        steps
            .iter()
            .all(|s| s["status"] == "arrived" && s["latency_ms"].is_u64()),
        "{report:#}"
    );
    assert_eq!(report["cleaned"], true);
    assert_eq!(canary_rows(&source), 0, "the source is left clean");

    // The replica's applier stops: the insert never arrives.
    replica.exec("STOP SLAVE SQL_THREAD").unwrap();
    let (code, report) = common::cdc_json(&[
        "validate",
        "--crud",
        "--source",
        &src,
        "--target",
        &tgt,
        "--canary",
        "retail_db.cdc_canary",
        "--timeout",
        "2s",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{report:#}");
    let steps = report["steps"].as_array().unwrap();
    assert_eq!(steps[0]["status"], "timed_out", "{report:#}");
    assert_eq!(steps[1]["status"], "not_run");
    assert_eq!(steps[2]["status"], "not_run");
    assert_eq!(report["playbook"], "changes-not-captured");
    assert_eq!(canary_rows(&source), 0, "a failed run cleans up too");
}

#[test]
fn a_bad_delete_mode_is_refused_naming_the_forms_it_takes() {
    let out = common::cdc(&[
        "validate",
        "--crud",
        "--source",
        "mysql://u@127.0.0.1:1/db",
        "--target",
        "mysql://u@127.0.0.1:1",
        "--delete-mode",
        "sometimes",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("soft:COLUMN=VALUE"));
}
