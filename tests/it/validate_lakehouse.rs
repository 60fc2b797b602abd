//! `cdc validate` against Delta Lake and Iceberg tables written by their reference writers
//! (PyPI deltalake and pyiceberg, tests/fixtures/lakehouse/write_copy.py): a copy of a real
//! MariaDB table, then the same copy with known drift, found exactly. `--crud` through a
//! stand-in pipeline (python-mysql-replication applying the binlog with the same writers,
//! tests/fixtures/lakehouse/lake_standin.py): a healthy one passes, a stopped one is blamed.
#![cfg(feature = "lakehouse")]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{self, cdc_json};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/lakehouse")
        .join(name)
}

/// A MariaDB server with vt.typed ([`common::typed_table_sql`]).
fn typed_source() -> cdc::sandbox::LocalServer {
    let s = common::server_on(common::Kind::Mariadb1011, &[]);
    s.exec(&common::typed_table_sql("vt.seq_1_to_3000"))
        .unwrap();
    s
}

/// The drift every copy gets: NULL -> '' (14), a millisecond (100), a unicode edit (10), a
/// flag flipped (21), two rows lost (50, 2000), one that is not on the source (5000).
fn drift() -> Value {
    json!({
        "delete": [50, 2000],
        "append": [{"id": 5000, "amount": "1", "created": "2026-01-01 00:00:00", "flag": true}],
        "change": [
            {"key": 14, "column": "name", "value": ""},
            {"key": 100, "column": "created", "value": "+1ms"},
            {"key": 10, "column": "name", "value": "Zoe 🚀 10"},
            {"key": 21, "column": "flag", "value": "!"}
        ]
    })
}

/// Writes vt.typed in `format` under `dest` with `drift` applied.
fn write_copy(format: &str, source: &cdc::sandbox::LocalServer, dest: &Path, drift: &Value) {
    let out = Command::new(common::python())
        .arg(fixture("write_copy.py"))
        .args([format, "127.0.0.1", &source.port().to_string(), "root", ""])
        .args(["vt", "typed"])
        .arg(dest)
        .arg(drift.to_string())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", common::all_output(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "3000");
}

fn run(source: &cdc::sandbox::LocalServer, target: &str, extra: &[&str]) -> (i32, Value) {
    let src = source.root_url();
    let mut args = vec![
        "validate", "--source", &src, "--target", target, "--tables", "vt.typed", "--settle", "0",
        "--format", "json",
    ];
    args.extend_from_slice(extra);
    cdc_json(&args)
}

fn table(doc: &Value) -> &Value {
    &doc["tables"][0]
}

fn ids(v: &Value) -> Vec<i64> {
    let mut out: Vec<i64> = v
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|k| k.as_i64().unwrap())
        .collect();
    out.sort();
    out
}

/// The same rows give a match without a row fetched; the drifted copy gives exactly its
/// drift, by counts and by checksum.
fn identical_then_drifted(format: &str, url: impl Fn(&Path) -> String) {
    let source = typed_source();
    let same = tempfile::tempdir().unwrap();
    write_copy(format, &source, same.path(), &json!({}));
    let (code, doc) = run(
        &source,
        &url(same.path()),
        &["--checksum", "--bisection-threshold", "10"],
    );
    assert_eq!(code, 0, "{doc:#}");
    let t = table(&doc);
    assert_eq!(t["status"], "match", "{t:#}");
    assert_eq!(t["rows_fetched"], 0, "checksums disagreed somewhere: {t:#}");
    assert_eq!(
        (&t["source_rows"], &t["target_rows"]),
        (&json!(3000), &json!(3000))
    );
    let (code, doc) = run(&source, &url(same.path()), &["--counts"]);
    assert_eq!(code, 0, "{doc:#}");

    let drifted = tempfile::tempdir().unwrap();
    write_copy(format, &source, drifted.path(), &drift());
    let (code, doc) = run(&source, &url(drifted.path()), &["--checksum"]);
    assert_eq!(code, 1, "{doc:#}");
    let t = table(&doc);
    assert_eq!(t["status"], "differ", "{t:#}");
    assert_eq!(ids(&t["changed"]), [10, 14, 21, 100], "{t:#}");
    assert_eq!(ids(&t["missing"]), [50, 2000], "{t:#}");
    assert_eq!(ids(&t["extra"]), [5000], "{t:#}");
    let columns: Vec<(i64, Vec<String>)> = t["diffs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let cols = d["columns"].as_object().unwrap().keys().cloned().collect();
            (d["key"].as_i64().unwrap(), cols)
        })
        .collect();
    let names = |c: &str| vec![c.to_string()];
    assert_eq!(
        columns,
        [
            (10, names("name")),
            (14, names("name")),
            (21, names("flag")),
            (100, names("created"))
        ],
        "{t:#}"
    );
    let d14 = &t["diffs"][1]["columns"]["name"];
    assert_eq!(
        (&d14["source"], &d14["target"]),
        (&Value::Null, &json!("")),
        "{t:#}"
    );
    let (code, doc) = run(&source, &url(drifted.path()), &["--counts"]);
    assert_eq!(code, 1, "{doc:#}");
    let t = table(&doc);
    assert_eq!(ids(&t["missing"]), [50, 2000], "{t:#}");
    assert_eq!(ids(&t["extra"]), [5000], "{t:#}");
    assert_eq!(t["target_rows"], 2999, "{t:#}");

    // A table that is not there is a finding, not a failure to run.
    let (code, doc) = run(
        &source,
        &url(same.path()),
        &["--counts", "--target-table", "nowhere.{table}"],
    );
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(table(&doc)["status"], "missing", "{doc:#}");
}

/// pyiceberg's SqlCatalog as the fixtures make it under `dest`.
fn iceberg_url(dest: &Path) -> String {
    format!(
        "iceberg+sql://{}?warehouse=file://{}",
        dest.join("catalog.db").display(),
        dest.join("warehouse").display()
    )
}

#[test]
fn delta_tables_written_by_delta_rs_match_then_show_their_drift() {
    identical_then_drifted("delta", |p| format!("delta://{}", p.display()));
}

#[test]
fn iceberg_tables_written_by_pyiceberg_match_then_show_their_drift() {
    identical_then_drifted("iceberg", iceberg_url);
}

#[test]
fn lakeflow_scd2_tables_count_only_their_current_rows() {
    let source = typed_source();
    let dir = tempfile::tempdir().unwrap();
    write_copy("delta-scd2", &source, dir.path(), &drift());
    let target = format!("delta://{}", dir.path().display());
    let (code, doc) = run(&source, &target, &["--checksum"]);
    assert_eq!(code, 1, "{doc:#}");
    let t = table(&doc);
    // 3000 copied + 4 new versions + 1 extra in the table, 2999 of them current.
    assert_eq!(t["target_rows"], 2999, "{t:#}");
    assert_eq!(ids(&t["changed"]), [10, 14, 21, 100], "{t:#}");
    assert_eq!(ids(&t["missing"]), [50, 2000], "{t:#}");
    assert_eq!(ids(&t["extra"]), [5000], "{t:#}");
    let notes = t["notes"].to_string();
    assert!(notes.contains("__END_AT"), "{t:#}");
}

#[test]
fn a_lakehouse_url_that_cannot_be_read_is_an_error_naming_it() {
    let source = typed_source();
    let out = common::cdc(&[
        "validate",
        "--source",
        &source.root_url(),
        "--tables",
        "vt.typed",
        "--counts",
        "--target",
        "iceberg+sql:///nonexistent/catalog.db",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", common::all_output(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("needs ?warehouse=URI"),
        "{}",
        common::all_output(&out)
    );
    let out = common::cdc(&[
        "validate",
        "--source",
        &source.root_url(),
        "--tables",
        "vt.typed",
        "--target",
        "iceberg+sql:///nonexistent/catalog.db?warehouse=file:///nonexistent",
        "--counts",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", common::all_output(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/catalog.db"), "{err}");
    let out = common::cdc(&[
        "validate",
        "--source",
        &source.root_url(),
        "--tables",
        "vt.typed",
        "--counts",
        "--target",
        "delta:///nonexistent/lake",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", common::all_output(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no Delta root at /nonexistent/lake"),
        "{}",
        common::all_output(&out)
    );
    // Secrets in the options never come back.
    let out = common::cdc(&[
        "validate", "--source", &source.root_url(), "--tables", "vt.typed", "--target",
        "delta+s3://no-such-bucket-cdc/x?AWS_SECRET_ACCESS_KEY=hunter2&AWS_ENDPOINT_URL=http://127.0.0.1:9&AWS_REGION=us-east-1&AWS_ACCESS_KEY_ID=AK",
        "--counts",
    ]);
    let all = common::all_output(&out);
    // The store cannot be read: the table's status is error, the run exits 2.
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains("AWS_SECRET_ACCESS_KEY=***"), "{all}");
    assert!(
        all.contains("/no-such-bucket-cdc/x/vt/typed/_delta_log"),
        "{all}"
    );
    assert!(!all.contains("hunter2"), "{all}");
}

/// The stand-in pipeline into a lakehouse table; killed on drop.
struct Standin(Child);

impl Standin {
    fn start(format: &str, server: &cdc::sandbox::LocalServer, dest: &Path) -> Standin {
        let mut child = Command::new(common::python())
            .arg(fixture("lake_standin.py"))
            .args([format, "127.0.0.1", &server.port().to_string(), "root", ""])
            .args(["retail_db", "cdc_canary"])
            .arg(dest)
            .arg("4545")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        common::await_ready(&mut child, Duration::from_secs(60));
        Standin(child)
    }
}

impl Drop for Standin {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn crud(
    server: &cdc::sandbox::LocalServer,
    target: &str,
    state: &Path,
    timeout: &str,
) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_cdc"))
        .args(["validate", "--crud", "--source", &server.url("root", "")])
        .args(["--canary", "retail_db.cdc_canary", "--target", target])
        .args(["--timeout", timeout, "--format", "json"])
        .env_remove("CDC_SOURCE")
        .env("CDC_STATE_DIR", state)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", common::all_output(&out)));
    (out.status.code().unwrap_or(-1), doc)
}

fn crud_through(format: &str, url: impl Fn(&Path) -> String) {
    let server = common::retail_server(&[]);
    let init = common::cdc(&[
        "validate",
        "--init",
        "--source",
        &server.url("root", ""),
        "--canary",
        "retail_db.cdc_canary",
    ]);
    assert_eq!(init.status.code(), Some(0), "{}", common::all_output(&init));
    let dest = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let target = url(dest.path());
    {
        let _pipeline = Standin::start(format, &server, dest.path());
        let (code, report) = crud(&server, &target, state.path(), "60s");
        assert_eq!(code, 0, "{report:#}");
        let steps = report["steps"].as_array().unwrap();
        let names: Vec<&str> = steps.iter().map(|s| s["step"].as_str().unwrap()).collect();
        assert_eq!(names, ["insert", "update", "delete"], "{report:#}");
        for s in steps {
            assert_eq!(s["status"], "arrived", "{report:#}");
        }
        assert_eq!(report["counts"][0]["status"], "match", "{report:#}");
        assert_eq!(report["cleaned"], true);
    }
    // The pipeline stopped: the insert never lands, and the pipeline is blamed.
    let (code, report) = crud(&server, &target, state.path(), "3s");
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["steps"][0]["status"], "timed_out", "{report:#}");
    assert_eq!(report["playbook"], "changes-not-captured", "{report:#}");
    assert_eq!(common::canary_rows(&server), 0, "the source is left clean");
}

#[test]
fn crud_passes_through_a_delta_pipeline_and_blames_a_stopped_one() {
    crud_through("delta", |p| format!("delta://{}", p.display()));
}

#[test]
fn crud_passes_through_an_iceberg_pipeline() {
    crud_through("iceberg", iceberg_url);
}
