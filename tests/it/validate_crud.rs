//! `cdc validate --init` / `--crud` over a real pipeline: a MariaDB 10.11 or MySQL 9.7 source
//! and a replica of the same server fed by binlog replication.

use crate::common;

use std::time::{Duration, Instant};

/// `cdc validate --init`: the canary table `canary` created on `src`.
fn init_canary(src: &str, canary: &str) -> std::process::Output {
    common::cdc(&["validate", "--init", "--source", src, "--canary", canary])
}

/// The replica's applier, stopped or started.
fn applier(kind: common::Kind, replica: &cdc::sandbox::LocalServer, verb: &str) {
    let what = if kind.is_mysql() { "REPLICA" } else { "SLAVE" };
    replica.exec(&format!("{verb} {what} SQL_THREAD")).unwrap();
}

fn healthy_replication_carries_every_step_and_a_stopped_applier_fails_the_insert(
    kind: common::Kind,
) {
    let source = common::retail_server_on(kind, &[]);
    let replica = common::replica_of(&source, &[]);
    let src = source.url("root", "");
    let tgt = replica.url("root", "");
    let state = tempfile::tempdir().unwrap();

    let out = init_canary(&src, "retail_db.cdc_canary");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("cdc_canary"));
    // --init is idempotent.
    let again = init_canary(&src, "retail_db.cdc_canary");
    assert_eq!(again.status.code(), Some(0));
    // A database that is not there: no grant would help, and none is suggested.
    let nodb = init_canary(&src, "nodb.cdc_canary");
    assert_eq!(nodb.status.code(), Some(2));
    let said = String::from_utf8_lossy(&nodb.stderr);
    assert!(said.contains("database nodb does not exist"), "{said}");
    assert!(!said.contains("GRANT"), "{said}");
    // An account that may write but not create (the sandbox's cdc_user): the table is there,
    // so --init is done; a new one it cannot create, and the grant it prints names it.
    source
        .exec(
            "CREATE USER 'writer'@'%' IDENTIFIED BY 'w_pw'; \
             GRANT SELECT, INSERT, UPDATE, DELETE ON retail_db.* TO 'writer'@'%'",
        )
        .unwrap();
    let writer = source.url("writer", "w_pw");
    let out = init_canary(&writer, "retail_db.cdc_canary");
    assert_eq!(out.status.code(), Some(0), "{}", common::all_output(&out));
    let out = init_canary(&writer, "retail_db.new_canary");
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("TO 'writer'@'%';"), "{said}");
    let out = init_canary(&writer, "retail_db.orders");
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("is not a canary table"), "{said}");
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

    let (code, report) = canary_json(state.path(), &src, &tgt, "20s");
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
    assert_eq!(common::canary_rows(&source), 0, "the source is left clean");

    // The replica's applier stops: the insert never arrives.
    applier(kind, &replica, "STOP");
    let (code, report) = canary_json(state.path(), &src, &tgt, "2s");
    assert_eq!(code, 1, "{report:#}");
    let steps = report["steps"].as_array().unwrap();
    assert_eq!(steps[0]["status"], "timed_out", "{report:#}");
    assert_eq!(steps[1]["status"], "not_run");
    assert_eq!(steps[2]["status"], "not_run");
    assert_eq!(report["playbook"], "changes-not-captured");
    assert_eq!(
        common::canary_rows(&source),
        0,
        "a failed run cleans up too"
    );

    // Ctrl-C, a service manager's SIGTERM or a closed terminal's SIGHUP while waiting: the
    // run stops, removes its row and exits 2.
    let crud = || {
        canary_crud(state.path(), &src, &tgt, "120s")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let inserted = || {
        let until = Instant::now() + Duration::from_secs(30);
        while common::canary_rows(&source) == 0 {
            assert!(Instant::now() < until, "the canary row was never inserted");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    for signal in ["-INT", "-TERM", "-HUP"] {
        let child = crud();
        inserted();
        let sent = std::process::Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(2), "kill {signal}");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["steps"][0]["status"], "interrupted", "{report:#}");
        assert_eq!(report["cleaned"], true);
        assert_eq!(
            common::canary_rows(&source),
            0,
            "kill {signal}: the run cleans up"
        );
    }

    // kill -9 leaves the row (nothing can clean up), minutes old, not hours: the next run
    // removes it by its record, as the report of a run that could not clean up promises.
    let mut child = crud();
    inserted();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        common::canary_rows(&source),
        1,
        "the killed run's row is still there"
    );
    applier(kind, &replica, "START");
    let (code, report) = canary_json(state.path(), &src, &tgt, "30s");
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["leftovers_removed"], 1, "{report:#}");
    assert_eq!(common::canary_rows(&source), 0, "the next run removed it");

    // The target drops validate's session while it waits (as a restart does): it reconnects,
    // and the step arrives instead of timing out and blaming the pipeline.
    applier(kind, &replica, "STOP");
    let child = crud();
    inserted();
    for _ in 0..3 {
        let ids = replica
            .query_value(
                "SELECT GROUP_CONCAT(id) FROM information_schema.processlist \
                 WHERE user = 'root' AND id <> CONNECTION_ID()",
            )
            .unwrap()
            .unwrap_or_default();
        for id in ids.split(',').filter(|i| !i.is_empty()) {
            let _ = replica.exec(&format!("KILL {id}"));
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    applier(kind, &replica, "START");
    let out = child.wait_with_output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_all_arrived(&report);
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

fn assert_all_arrived(report: &serde_json::Value) {
    let steps = report["steps"].as_array().unwrap();
    assert!(steps.iter().all(|s| s["status"] == "arrived"), "{report:#}");
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

/// `validate --crud` of the canary table `retail_db.cdc_canary` as JSON, records kept in `state`.
fn canary_crud(
    state: &std::path::Path,
    src: &str,
    tgt: &str,
    timeout: &str,
) -> std::process::Command {
    crud_of(
        state,
        src,
        tgt,
        ["--canary", "retail_db.cdc_canary"],
        timeout,
    )
}

/// [`canary_crud`] run to its end: (exit code, report).
fn canary_json(
    state: &std::path::Path,
    src: &str,
    tgt: &str,
    timeout: &str,
) -> (i32, serde_json::Value) {
    let out = canary_crud(state, src, tgt, timeout).output().unwrap();
    (out.status.code().unwrap_or(-1), json_of(&out))
}

/// `validate --crud --table TABLE` from `src` to `tgt`, as JSON, records kept in `state`.
fn crud_table(
    state: &std::path::Path,
    src: &str,
    tgt: &str,
    table: &str,
    timeout: &str,
) -> std::process::Command {
    crud_of(state, src, tgt, ["--table", table], timeout)
}

/// `validate --crud` of `row` (`--canary T` or `--table T`) as JSON, records kept in `state`.
fn crud_of(
    state: &std::path::Path,
    src: &str,
    tgt: &str,
    row: [&str; 2],
    timeout: &str,
) -> std::process::Command {
    cdc_in(
        state,
        &[
            "validate",
            "--crud",
            "--source",
            src,
            "--target",
            tgt,
            row[0],
            row[1],
            "--timeout",
            timeout,
            "--format",
            "json",
        ],
    )
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

fn a_generated_row_in_a_real_table_arrives_and_a_crashed_runs_row_is_removed_by_the_next(
    kind: common::Kind,
) {
    let source = common::retail_server_on(kind, &[]);
    source.exec(SHOP).unwrap();
    let replica = common::replica_of(&source, &[]);
    let state = tempfile::tempdir().unwrap();
    let src = source.url("root", "");
    let tgt = replica.url("root", "");
    let crud = |table: &str, timeout: &str| crud_table(state.path(), &src, &tgt, table, timeout);

    for table in ["shop.orders", "retail_db.orders"] {
        let before = count(&source, table);
        let out = crud(table, "20s").output().unwrap();
        let report = json_of(&out);
        assert_eq!(out.status.code(), Some(0), "{table}: {report:#}");
        assert_eq!(report["row"], "generated");
        assert_all_arrived(&report);
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
    applier(kind, &replica, "STOP");
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

    applier(kind, &replica, "START");
    let out = crud("shop.orders", "20s").output().unwrap();
    let report = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(report["leftovers_removed"], 1);
    assert_eq!(count(&source, "shop.orders"), 1, "the next run removed it");
    let pending = std::fs::read_dir(state.path().join("canary-pending"))
        .unwrap()
        .count();
    assert_eq!(pending, 0, "and its record");

    // A record whose row was never written, its key now held by a real row (order 41): the
    // next run leaves the real row alone, as its markers are not the canary's.
    let port = source.port().to_string();
    std::fs::write(
        state.path().join("canary-pending/cdc-1-1.json"),
        format!(
            r#"{{"run_id":"cdc-1-1","source":"127.0.0.1:{port}","table":"shop.orders",
               "key":[["order_id","41"]],"markers":[["note",["cdc:i:x","cdc:u:x"]]]}}"#
        ),
    )
    .unwrap();
    let out = crud("shop.orders", "20s").output().unwrap();
    let report = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(report["leftovers_removed"], 0, "{report:#}");
    assert_eq!(
        count(&source, "shop.orders"),
        1,
        "the real row is still there"
    );
    assert!(!state.path().join("canary-pending/cdc-1-1.json").exists());
}

fn rows_the_target_lost_are_told_apart_from_lag_by_the_count_after_the_canary(kind: common::Kind) {
    let source = common::retail_server_on(kind, &[]);
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
        cdc::connection::mysql_url::SourceConfig::parse(&s.url("root", "")).unwrap()
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

/// A small real pipeline to PostgreSQL that writes soft deletes, as Debezium's
/// ExtractNewRecordState with `delete.handling.mode=rewrite` and Lakeflow's soft-delete
/// tables do: `cdc tail` reads the source's binlog as a replica and each change is applied
/// to `schema.cdc_canary`; a delete sets `__deleted` and `deleted_at` instead.
struct SoftDeletePipeline {
    tail: std::process::Child,
    applier: Option<std::thread::JoinHandle<usize>>,
}

impl SoftDeletePipeline {
    fn start(source: &cdc::sandbox::LocalServer, schema: &str) -> SoftDeletePipeline {
        use std::io::BufRead;
        // From the binlog position now: the pipeline sees every change the canary makes.
        let (file, pos) = {
            use mysql::prelude::Queryable;
            let mut c = source.connect("root", "").unwrap();
            let row: mysql::Row = c.query_first("SHOW MASTER STATUS").unwrap().unwrap();
            (
                row.get::<String, _>(0).unwrap(),
                row.get::<u64, _>(1).unwrap(),
            )
        };
        let mut tail = std::process::Command::new(env!("CARGO_BIN_EXE_cdc"))
            .args([
                "tail",
                "retail_db.cdc_canary",
                "--source",
                &source.url("root", ""),
                "--from",
                &format!("{file}:{pos}"),
                "--format",
                "jsonl",
            ])
            .env_remove("CDC_SOURCE")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdout = tail.stdout.take().unwrap();
        let schema = schema.to_string();
        let applier = std::thread::spawn(move || {
            let mut pg = postgres::Client::connect(
                "host=127.0.0.1 port=5432 user=postgres dbname=test",
                postgres::NoTls,
            )
            .unwrap();
            let mut applied = 0;
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let c: serde_json::Value = serde_json::from_str(&line).unwrap();
                let image = if c["op"] == "delete" {
                    &c["before"]
                } else {
                    &c["after"]
                };
                let id = image["id"].as_i64().unwrap();
                let t = format!("{schema}.cdc_canary");
                match c["op"].as_str().unwrap() {
                    "insert" => pg.execute(
                        &format!("INSERT INTO {t} (id, run_id, note, __deleted) VALUES ($1, $2, $3, false)"),
                        &[&id, &image["run_id"].as_str(), &image["note"].as_str()],
                    ),
                    "update" => pg.execute(
                        &format!("UPDATE {t} SET note = $2 WHERE id = $1"),
                        &[&id, &image["note"].as_str()],
                    ),
                    _ => pg.execute(
                        &format!("UPDATE {t} SET __deleted = true, deleted_at = now() WHERE id = $1"),
                        &[&id],
                    ),
                }
                .unwrap();
                applied += 1;
            }
            applied
        });
        SoftDeletePipeline {
            tail,
            applier: Some(applier),
        }
    }

    /// Stops the pipeline; how many changes it applied.
    fn stop(mut self) -> usize {
        let _ = self.tail.kill();
        let _ = self.tail.wait();
        self.applier.take().unwrap().join().unwrap()
    }
}

#[test]
fn soft_deletes_on_a_postgresql_target_are_recognised_in_both_forms() {
    let source = common::retail_server(&[]);
    let src = source.url("root", "");
    let init = init_canary(&src, "retail_db.cdc_canary");
    assert_eq!(init.status.code(), Some(0));

    let mut pg = postgres::Client::connect(
        "host=127.0.0.1 port=5432 user=postgres dbname=test",
        postgres::NoTls,
    )
    .expect("PostgreSQL on 127.0.0.1:5432 (scripts/setup.sh starts it)");
    let schema = format!("cdc_soft_{}", std::process::id());
    pg.batch_execute(&format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}; \
         CREATE TABLE {schema}.cdc_canary (id bigint PRIMARY KEY, run_id text, note text, \
           __deleted boolean NOT NULL DEFAULT false, deleted_at timestamptz)"
    ))
    .unwrap();
    let pipeline = SoftDeletePipeline::start(&source, &schema);
    let target_table = format!("{schema}.cdc_canary");
    let run = |mode: &str| {
        common::cdc_json(&[
            "validate",
            "--crud",
            "--source",
            &src,
            "--target",
            "postgres://postgres@127.0.0.1:5432/test",
            "--canary",
            "retail_db.cdc_canary",
            "--target-table",
            &target_table,
            "--delete-mode",
            mode,
            "--timeout",
            "20s",
            "--format",
            "json",
        ])
    };
    let (code, equals) = run("soft:__deleted=true");
    let (code2, not_null) = run("soft:deleted_at IS NOT NULL");
    // A hard-delete expectation is not met by a pipeline that keeps the rows.
    let (code3, hard) = common::cdc_json(&[
        "validate",
        "--crud",
        "--source",
        &src,
        "--target",
        "postgres://postgres@127.0.0.1:5432/test",
        "--canary",
        "retail_db.cdc_canary",
        "--target-table",
        &target_table,
        "--timeout",
        "2s",
        "--format",
        "json",
    ]);
    let applied = pipeline.stop();
    let kept: i64 = pg
        .query_one(
            &format!("SELECT COUNT(*) FROM {schema}.cdc_canary WHERE __deleted"),
            &[],
        )
        .unwrap()
        .get(0);
    pg.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .unwrap();

    assert_eq!(code, 0, "{equals:#}");
    assert_eq!(code2, 0, "{not_null:#}");
    for r in [&equals, &not_null] {
        assert!(
            r["steps"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["status"] == "arrived"),
            "{r:#}"
        );
        assert_eq!(
            r["counts"][0]["status"], "match",
            "soft-deleted rows are not counted: {r:#}"
        );
    }
    assert_eq!(code3, 1, "{hard:#}");
    assert_eq!(hard["steps"][2]["status"], "timed_out", "{hard:#}");
    assert_eq!(
        kept, 3,
        "each run's row stays on the target, marked deleted"
    );
    assert_eq!(applied, 9);
    assert_eq!(common::canary_rows(&source), 0);
}

#[test]
fn tables_a_generated_row_cannot_be_trusted_in_are_refused_by_name_and_nothing_is_written() {
    let s = common::server(&[]);
    s.exec(
        "CREATE DATABASE w; \
         CREATE TABLE w.nokey (a INT, b VARCHAR(20)); \
         CREATE TABLE w.parent (id INT PRIMARY KEY); \
         CREATE TABLE w.child (id INT AUTO_INCREMENT PRIMARY KEY, \
           parent_id INT NOT NULL, note VARCHAR(40), FOREIGN KEY (parent_id) REFERENCES w.parent (id)); \
         CREATE TABLE w.place (id INT AUTO_INCREMENT PRIMARY KEY, spot POINT NOT NULL)",
    )
    .unwrap();
    let state = tempfile::tempdir().unwrap();
    let url = s.url("root", "");
    for (table, says) in [
        ("w.nokey", "w.nokey has no primary key"),
        ("w.child", "column parent_id references another table"),
        ("w.place", "column spot (point)"),
        ("w.missing", "w.missing does not exist"),
    ] {
        let out = cdc_in(
            state.path(),
            &[
                "validate",
                "--crud",
                "--source",
                &url,
                "--target",
                &url,
                "--table",
                table,
                "--timeout",
                "2s",
                "--format",
                "json",
            ],
        )
        .output()
        .unwrap();
        let report = json_of(&out);
        // Refused before anything was written: the run could not happen (2), and no
        // playbook blames the pipeline.
        assert_eq!(out.status.code(), Some(2), "{report:#}");
        assert_eq!(report["steps"][0]["status"], "failed");
        assert_eq!(report["playbook"], serde_json::Value::Null, "{report:#}");
        let message = report["steps"][0]["message"].as_str().unwrap();
        assert!(message.contains(says), "{table}: {message}");
        assert_eq!(report["cleaned"], true);
    }
    for t in ["w.nokey", "w.child", "w.place"] {
        assert_eq!(count(&s, t), 0, "{t}: nothing was written");
    }
    // The canary table was never created: the run says how to create it.
    let crud = |extra: &[&str]| {
        let mut args = vec![
            "validate",
            "--crud",
            "--source",
            &url,
            "--target",
            &url,
            "--canary",
            "w.cdc_canary",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        common::cdc_json(&args)
    };
    let (code, report) = crud(&[]);
    assert_eq!(code, 2, "{report:#}");
    let message = report["steps"][0]["message"].as_str().unwrap();
    assert!(message.contains("cdc validate --init"), "{message}");
    assert_eq!(
        report["cleaned"], true,
        "nothing was written, nothing is left"
    );
    // A soft delete column the existing target table lacks: refused before anything is
    // written, instead of waiting out the delete step's timeout.
    let init = init_canary(&url, "w.cdc_canary");
    assert_eq!(init.status.code(), Some(0));
    let (code, report) = crud(&["--delete-mode", "soft:is_deleted=1", "--timeout", "30s"]);
    assert_eq!(code, 2, "{report:#}");
    let message = report["steps"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("column is_deleted, which the target table w.cdc_canary lacks"),
        "{message}"
    );
    assert_eq!(report["steps"][1]["message"], "an earlier step failed");
    assert_eq!(report["playbook"], serde_json::Value::Null);
    assert_eq!(count(&s, "w.cdc_canary"), 0);

    let out = common::cdc(&["validate", "--init", "--source", &url, "--table", "w.child"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "--init creates the canary table only"
    );
}

/// The target's password (holding '/', '?' and '@' unescaped, issue 13) shows in no crud
/// output: not when the login is refused, not when every look at the target fails.
#[test]
fn a_failing_targets_password_shows_in_no_crud_output() {
    let s = common::server(&[]);
    let secret = "Crud/S3cret?9@x";
    s.exec(&format!(
        "CREATE DATABASE w; CREATE USER loader@'%' IDENTIFIED BY '{secret}'"
    ))
    .unwrap();
    let src = s.url("root", "");
    let init = init_canary(&src, "w.cdc_canary");
    assert_eq!(init.status.code(), Some(0));
    let at = format!("127.0.0.1:{}", s.port());
    let wrong = format!("mysql://loader:Wrong/S3cret?7@x@{at}");
    // The login works (the password parsed whole), but loader may read nothing of w.
    let denied = format!("mysql://loader:{secret}@{at}");
    let state = tempfile::tempdir().unwrap();
    let canary = "w.cdc_canary";
    for format in ["human", "json"] {
        for (target, code) in [(&wrong, 2), (&denied, 1)] {
            let args = [
                "validate",
                "--crud",
                "--source",
                &src,
                "--target",
                target,
                "--canary",
                canary,
                "--timeout",
                "1s",
                "--format",
                format,
            ];
            let out = cdc_in(state.path(), &args).output().unwrap();
            let all = common::all_output(&out);
            assert_eq!(out.status.code(), Some(code), "{format} {target}: {all}");
            assert!(!all.contains("S3cret"), "{format}: {all}");
            let says = if code == 2 {
                format!("cannot connect to the target mysql://loader:***@{at}")
            } else {
                "command denied".to_string()
            };
            assert!(all.contains(&says), "{format}: {all}");
        }
    }
    assert_eq!(count(&s, "w.cdc_canary"), 0, "the source is left clean");
}

/// CHECK constraints the generated row must meet, and one no made-up value can.
const CHECKED: &str = "CREATE DATABASE chk; \
    CREATE TABLE chk.items (id INT PRIMARY KEY, \
      qty INT NOT NULL CHECK (qty > 0), \
      price DECIMAL(10,2) NOT NULL CHECK (price >= 100), \
      status VARCHAR(10) NOT NULL CHECK (status IN ('new', 'paid')), \
      label VARCHAR(40) NULL, \
      CONSTRAINT qty_small CHECK (qty < 50)); \
    CREATE TABLE chk.odd (id INT PRIMARY KEY, code VARCHAR(20) NOT NULL, \
      CHECK (CRC32(code) = 12345))";

fn a_generated_row_meets_the_tables_check_constraints(kind: common::Kind) {
    let source = common::retail_server_on(kind, &[]);
    source.exec(CHECKED).unwrap();
    let replica = common::replica_of(&source, &[]);
    let state = tempfile::tempdir().unwrap();
    let (src, tgt) = (source.url("root", ""), replica.url("root", ""));
    let crud = |table: &str| {
        crud_table(state.path(), &src, &tgt, table, "20s")
            .output()
            .unwrap()
    };
    let out = crud("chk.items");
    let report = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_all_arrived(&report);
    assert_eq!(count(&source, "chk.items"), 0, "the source is left clean");

    // No value cdc can make up passes CRC32(code) = 12345: refused before anything is written.
    let out = crud("chk.odd");
    let report = json_of(&out);
    assert_eq!(out.status.code(), Some(2), "{report:#}");
    assert!(report.to_string().contains("CHECK"), "{report:#}");
    assert_eq!(count(&source, "chk.odd"), 0);
}

on_each_server!(
    a_generated_row_meets_the_tables_check_constraints,
    healthy_replication_carries_every_step_and_a_stopped_applier_fails_the_insert,
    a_generated_row_in_a_real_table_arrives_and_a_crashed_runs_row_is_removed_by_the_next,
    rows_the_target_lost_are_told_apart_from_lag_by_the_count_after_the_canary,
);
