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

/// `cdc args` with its canary records kept in `state` (not the user's own state dir).
fn cdc_in(state: &std::path::Path, args: &[&str]) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cdc"));
    cmd.args(args)
        .env_remove("CDC_SOURCE")
        .env("NO_COLOR", "1")
        .env("CDC_STATE_DIR", state)
        .stdin(std::process::Stdio::null());
    cmd
}

fn json_of(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn count(server: &cdc::sandbox::LocalServer, table: &str) -> u64 {
    server
        .query_value(&format!("SELECT COUNT(*) FROM {table}"))
        .unwrap()
        .unwrap()
        .parse()
        .unwrap()
}

/// A table a generated row must work for: a non-AUTO_INCREMENT key, a UNIQUE column, NOT
/// NULL columns of many types without defaults, a generated column, a nullable foreign key.
const SHOP: &str = "CREATE DATABASE shop; \
    CREATE TABLE shop.customers (id INT PRIMARY KEY); \
    INSERT INTO shop.customers VALUES (1); \
    CREATE TABLE shop.orders (order_id INT NOT NULL PRIMARY KEY, \
      email VARCHAR(40) NOT NULL UNIQUE, status ENUM('new','paid') NOT NULL, \
      qty SMALLINT UNSIGNED NOT NULL, amount DECIMAL(10,2) NOT NULL, placed DATETIME NOT NULL, \
      due DATE NOT NULL, doc JSON NOT NULL, gift TINYINT(1) NOT NULL, code CHAR(3) NOT NULL, \
      note VARCHAR(200) NULL, customer_id INT NULL, \
      total DECIMAL(12,2) AS (amount * qty) STORED, \
      created TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, \
      FOREIGN KEY (customer_id) REFERENCES shop.customers (id)); \
    INSERT INTO shop.orders (order_id, email, status, qty, amount, placed, due, doc, gift, code) \
      VALUES (41, 'a@example.com', 'paid', 2, 9.99, NOW(), CURDATE(), '{\"a\":1}', 1, 'abc')";

#[test]
fn a_generated_row_in_a_real_table_arrives_and_a_crashed_runs_row_is_removed_by_the_next() {
    let source = common::retail_server(&[]);
    source.exec(SHOP).unwrap();
    let replica = common::replica_of(&source, &[]);
    let state = tempfile::tempdir().unwrap();
    let src = source.url("root", "");
    let tgt = replica.url("root", "");
    let crud = |table: &str, timeout: &str| {
        cdc_in(
            state.path(),
            &[
                "validate",
                "--crud",
                "--source",
                &src,
                "--target",
                &tgt,
                "--table",
                table,
                "--timeout",
                timeout,
                "--format",
                "json",
            ],
        )
    };

    for table in ["shop.orders", "retail_db.orders"] {
        let before = count(&source, table);
        let out = crud(table, "20s").output().unwrap();
        let report = json_of(&out);
        assert_eq!(out.status.code(), Some(0), "{table}: {report:#}");
        assert_eq!(report["row"], "generated");
        assert!(
            report["steps"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["status"] == "arrived"),
            "{report:#}"
        );
        let counts = report["counts"].as_array().unwrap();
        assert_eq!(counts.len(), 1, "{report:#}");
        assert_eq!(counts[0]["status"], "match");
        assert_eq!(counts[0]["source_rows"], before);
        assert_eq!(
            count(&source, table),
            before,
            "{table}: the source is left as it was"
        );
        common::wait_caught_up(&source, &replica);
        assert_eq!(count(&replica, table), before);
    }
    // shop.orders' key is not AUTO_INCREMENT: the row went above the largest key.
    let out = crud("shop.orders", "20s").output().unwrap();
    let key = json_of(&out)["key"]["order_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(key.parse::<u64>().unwrap() > 41, "{key}");

    // The applier stops; the run waits for its insert and is killed (no cleanup runs).
    replica.exec("STOP SLAVE SQL_THREAD").unwrap();
    let mut child = crud("shop.orders", "120s")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(30);
    while count(&source, "shop.orders") == 1 {
        assert!(Instant::now() < until, "the canary row was never inserted");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        count(&source, "shop.orders"),
        2,
        "the crashed run's row is still there"
    );
    let pending: Vec<_> = std::fs::read_dir(state.path().join("canary-pending"))
        .unwrap()
        .collect();
    assert_eq!(pending.len(), 1, "the row is on record");

    replica.exec("START SLAVE SQL_THREAD").unwrap();
    let out = crud("shop.orders", "20s").output().unwrap();
    let report = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(report["leftovers_removed"], 1);
    assert_eq!(count(&source, "shop.orders"), 1, "the next run removed it");
    let pending = std::fs::read_dir(state.path().join("canary-pending"))
        .unwrap()
        .count();
    assert_eq!(pending, 0, "and its record");
}

#[test]
fn rows_the_target_lost_are_told_apart_from_lag_by_the_count_after_the_canary() {
    let source = common::retail_server(&[]);
    let replica = common::replica_of(&source, &[]);
    let state = tempfile::tempdir().unwrap();
    let src = source.url("root", "");
    let tgt = replica.url("root", "");
    // Deleted on the replica only: the pipeline lost them.
    replica
        .exec("SET sql_log_bin = 0; DELETE FROM retail_db.products WHERE product_id <= 2")
        .unwrap();
    let out = cdc_in(
        state.path(),
        &[
            "validate",
            "--crud",
            "--source",
            &src,
            "--target",
            &tgt,
            "--table",
            "retail_db.orders",
            "--tables",
            "retail_db.orders,retail_db.products",
            "--settle",
            "1s",
            "--timeout",
            "20s",
            "--format",
            "json",
        ],
    )
    .output()
    .unwrap();
    let report = json_of(&out);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    let counts = report["counts"].as_array().unwrap();
    let of = |t: &str| counts.iter().find(|c| c["table"] == t).unwrap();
    assert_eq!(of("retail_db.orders")["status"], "match");
    let products = of("retail_db.products");
    assert_eq!(products["status"], "differs", "{report:#}");
    assert_eq!(
        products["source_rows"].as_u64().unwrap() - products["target_rows"].as_u64().unwrap(),
        2
    );
    assert!(products["message"]
        .as_str()
        .unwrap()
        .contains("rows missing"));
    assert_eq!(report["playbook"], "changes-not-captured");

    let junit = cdc_in(
        state.path(),
        &[
            "validate",
            "--crud",
            "--source",
            &src,
            "--target",
            &tgt,
            "--table",
            "retail_db.orders",
            "--tables",
            "retail_db.products",
            "--settle",
            "0",
            "--timeout",
            "20s",
            "--format",
            "junit",
        ],
    )
    .output()
    .unwrap();
    let xml = String::from_utf8_lossy(&junit.stdout);
    assert!(xml.contains("tests=\"4\" failures=\"1\""), "{xml}");
    assert!(xml.contains("name=\"count retail_db.products\""), "{xml}");
}

#[test]
fn a_target_that_catches_up_during_the_settle_delay_is_lag_not_loss() {
    use cdc::validate::crud::counts::{compare, CountStatus};
    use cdc::validate::table::TableRef;
    use cdc::validate::target::{Db, MySqlDb};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    /// The real target session, telling the test when it has been counted once.
    struct Watched(MySqlDb, Arc<AtomicBool>);
    impl Db for Watched {
        fn engine(&self) -> cdc::validate::target::Engine {
            self.0.engine()
        }
        fn query(
            &mut self,
            sql: &str,
        ) -> Result<cdc::connection::sql::Rows, cdc::connection::sql::SqlError> {
            let r = self.0.query(sql);
            self.1.store(true, Ordering::SeqCst);
            r
        }
    }

    let source = common::retail_server(&[]);
    let replica = common::replica_of(&source, &[]);
    replica.exec("STOP SLAVE SQL_THREAD").unwrap();
    source
        .exec("INSERT INTO retail_db.products (product_name) VALUES ('late')")
        .unwrap();
    let cfg = |s: &cdc::sandbox::LocalServer| {
        cdc::connection::url::SourceConfig::parse(&s.url("root", "")).unwrap()
    };
    let mut sdb = MySqlDb::open(&cfg(&source)).unwrap();
    let counted = Arc::new(AtomicBool::new(false));
    let mut tdb = Watched(MySqlDb::open(&cfg(&replica)).unwrap(), counted.clone());
    let restart = std::thread::spawn({
        let port = replica.port();
        move || {
            while !counted.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(10));
            }
            cdc::sandbox::root_query_value(port, "START SLAVE SQL_THREAD").ok();
        }
    });
    let products = TableRef::parse("retail_db.products").unwrap();
    let results = compare(
        &mut sdb,
        &mut tdb,
        &[(products.clone(), products)],
        &cdc::validate::crud::DeleteMode::Hard,
        Duration::from_secs(10),
        &AtomicBool::new(false),
    );
    restart.join().unwrap();
    assert_eq!(results[0].status, CountStatus::Lag, "{results:?}");
    assert_eq!(results[0].source_rows, results[0].target_rows);
}
