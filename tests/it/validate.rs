//! `cdc validate` against real servers: a MariaDB 10.11 or MySQL 9.7 replica fed by binlog
//! replication, a PostgreSQL target loaded by the test, and MySQL against MariaDB.

use crate::common;

use std::time::{SystemTime, UNIX_EPOCH};

use common::{cdc, cdc_json, replica_of, server, wait_caught_up, Kind};
use serde_json::{json, Value};

const BIG_ROWS: u32 = 60_000;

fn table<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .find(|t| t["table"] == name)
        .unwrap_or_else(|| panic!("no {name} in {doc:#}"))
}

/// `seq` from 1 to `n` in a FROM clause: MariaDB's sequence engine, a recursive CTE on MySQL.
/// `setup` goes before the statement (MySQL stops a CTE at 1000 rows by default).
fn seq(kind: Kind, db: &str, n: u32) -> (String, String) {
    if kind.is_mysql() {
        (
            format!("SET SESSION cte_max_recursion_depth = {n}; "),
            format!(
                "(WITH RECURSIVE s (seq) AS (SELECT 1 UNION ALL SELECT seq + 1 FROM s \
                 WHERE seq < {n}) SELECT seq FROM s) AS g"
            ),
        )
    } else {
        (String::new(), format!("{db}.seq_1_to_{n}"))
    }
}

/// `vt.big` (BIG_ROWS rows, NULLs, decimals, fractional timestamps) and `vt.plain` (no
/// last_updated column), made the same way on any server.
fn create_tables(kind: Kind, s: &cdc::sandbox::LocalServer) {
    let (setup, big) = seq(kind, "vt", BIG_ROWS);
    let (_, plain) = seq(kind, "vt", 300);
    s.exec(&format!(
        "{setup}CREATE DATABASE vt; \
         CREATE TABLE vt.big (id INT PRIMARY KEY, name VARCHAR(60) NULL, amount DECIMAL(12,2), \
           created DATETIME(6), last_updated TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) \
           ON UPDATE CURRENT_TIMESTAMP(6)) DEFAULT CHARSET=utf8mb4; \
         INSERT INTO vt.big (id, name, amount, created) SELECT seq, \
           IF(seq % 10 = 0, NULL, CONCAT('row ', seq)), seq / 7, \
           '2024-01-01' + INTERVAL seq * 1000003 MICROSECOND FROM {big}; \
         CREATE TABLE vt.plain (k INT PRIMARY KEY, v VARCHAR(10)); \
         INSERT INTO vt.plain SELECT seq, CONCAT('v', seq) FROM {plain}"
    ))
    .unwrap();
}

/// A source of `kind` holding [`create_tables`].
fn source_with_tables(kind: Kind) -> cdc::sandbox::LocalServer {
    let s = common::server_on(kind, &[]);
    create_tables(kind, &s);
    s
}

/// The replica's applier, stopped or started.
fn applier(kind: Kind, replica: &cdc::sandbox::LocalServer, verb: &str) {
    let what = if kind.is_mysql() { "REPLICA" } else { "SLAVE" };
    replica.exec(&format!("{verb} {what} SQL_THREAD")).unwrap();
}

/// `validate --checksum --hash HASH --settle 0` of `tables`, as JSON.
fn checksum_with(src: &str, tgt: &str, tables: &str, hash: &str) -> (i32, Value) {
    cdc_json(&[
        "validate",
        "--source",
        src,
        "--target",
        tgt,
        "--tables",
        tables,
        "--checksum",
        "--hash",
        hash,
        "--settle",
        "0",
        "--format",
        "json",
    ])
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

fn replica_healthy_then_drifted(kind: Kind) {
    let source = source_with_tables(kind);
    let replica = replica_of(&source, &[]);
    let (src, tgt) = (source.root_url(), replica.root_url());
    let tables = "vt.big,vt.plain";

    // Healthy replication: both modes match, nothing fetched.
    for mode in ["--counts", "--checksum"] {
        let (code, doc) = cdc_json(&[
            "validate", "--source", &src, "--target", &tgt, "--tables", tables, mode, "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{mode}: {doc:#}");
        for name in ["vt.big", "vt.plain"] {
            let t = table(&doc, name);
            assert_eq!(t["status"], "match", "{mode} {name}: {t:#}");
            assert_eq!(t["rows_fetched"], 0, "{t:#}");
        }
        assert_eq!(table(&doc, "vt.big")["source_rows"], BIG_ROWS);
        assert_eq!(table(&doc, "vt.big")["target_rows"], BIG_ROWS);
    }

    // Drift on the replica only (not written to its binlog, not from the source).
    replica
        .exec(
            "SET SESSION sql_log_bin = 0; \
             UPDATE vt.big SET name = 'drifted' WHERE id IN (5, 30000); \
             UPDATE vt.big SET name = NULL WHERE id = 59999; \
             UPDATE vt.big SET created = created + INTERVAL 1 MICROSECOND WHERE id = 12345; \
             DELETE FROM vt.big WHERE id IN (100, 45000); \
             INSERT INTO vt.big (id, name, amount, created) VALUES \
               (60001, 'x', 1, NOW()), (70000, 'y', 2, NOW()), (0, 'z', 3, NOW())",
        )
        .unwrap();
    // Something replicated after the drift still arrives; the drift stays.
    source
        .exec("INSERT INTO vt.plain VALUES (1000, 'late')")
        .unwrap();
    wait_caught_up(&source, &replica);

    let (code, doc) = cdc_json(&[
        "validate",
        "--source",
        &src,
        "--target",
        &tgt,
        "--tables",
        tables,
        "--checksum",
        "--settle",
        "0",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{doc:#}");
    let big = table(&doc, "vt.big");
    assert_eq!(big["status"], "differ", "{big:#}");
    assert_eq!(ids(&big["changed"]), [5, 12345, 30000, 59999], "{big:#}");
    assert_eq!(ids(&big["missing"]), [100, 45000], "{big:#}");
    assert_eq!(ids(&big["extra"]), [0, 60001, 70000], "{big:#}");
    assert_eq!(big["source_rows"], BIG_ROWS);
    assert_eq!(big["target_rows"], BIG_ROWS + 1);
    // Bisection narrowed the ranges: far fewer rows came over than the table holds.
    let fetched = big["rows_fetched"].as_u64().unwrap();
    assert!(
        fetched > 0 && fetched < u64::from(BIG_ROWS) / 10,
        "fetched {fetched}: {big:#}"
    );
    assert_eq!(table(&doc, "vt.plain")["status"], "match");

    // The cross-engine hashes find the same keys between two servers of one kind. MySQL 9.6+
    // has no MD5() by default: md5-sum says how to get it, sha256-sum works everywhere.
    let summed: &[&str] = if kind.is_mysql() {
        let out = cdc(&[
            "validate",
            "--source",
            &src,
            "--target",
            &tgt,
            "--tables",
            "vt.big",
            "--checksum",
            "--hash",
            "md5-sum",
        ]);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        let all = format!("{}{err}", String::from_utf8_lossy(&out.stdout));
        assert!(all.contains("component_classic_hashing"), "{all}");
        &["sha256-sum"]
    } else {
        &["md5-sum", "sha256-sum"]
    };
    for hash in summed {
        let (code, doc) = checksum_with(&src, &tgt, "vt.big", hash);
        assert_eq!(code, 1, "{hash}: {doc:#}");
        let big = table(&doc, "vt.big");
        assert_eq!(
            ids(&big["changed"]),
            [5, 12345, 30000, 59999],
            "{hash}: {big:#}"
        );
    }

    // Counts find the missing and extra keys, not the changed ones.
    let (code, doc) = cdc_json(&[
        "validate", "--source", &src, "--target", &tgt, "--tables", "vt.big", "--counts",
        "--settle", "0", "--format", "json",
    ]);
    assert_eq!(code, 1);
    let big = table(&doc, "vt.big");
    assert_eq!(ids(&big["missing"]), [100, 45000], "{big:#}");
    assert_eq!(ids(&big["extra"]), [0, 60001, 70000], "{big:#}");
    assert_eq!(big["changed"], json!([]));

    // Every row here changed within the last hour: --min-age 1h leaves all of them out,
    // and says so; a table without a last_updated column gets a note instead.
    let (code, doc) = cdc_json(&[
        "validate",
        "--source",
        &src,
        "--target",
        &tgt,
        "--tables",
        tables,
        "--checksum",
        "--settle",
        "0",
        "--min-age",
        "1h",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{doc:#}");
    let big = table(&doc, "vt.big");
    assert_eq!(big["status"], "match", "{big:#}");
    assert_eq!(big["skipped_recent"], 9, "{big:#}");
    let notes = table(&doc, "vt.plain")["notes"].to_string();
    assert!(notes.contains("--min-age cannot apply"), "{notes}");

    // --show limits the lists, not the counts; the human table names the keys.
    let (_, doc) = cdc_json(&[
        "validate",
        "--source",
        &src,
        "--target",
        &tgt,
        "--tables",
        "vt.big",
        "--checksum",
        "--settle",
        "0",
        "--show",
        "1",
        "--format",
        "json",
    ]);
    let big = table(&doc, "vt.big");
    assert_eq!(big["changed"].as_array().unwrap().len(), 1);
    assert_eq!(big["changed_count"], 4);
    let out = cdc(&[
        "validate",
        "--source",
        &src,
        "--target",
        &tgt,
        "--tables",
        "vt.big",
        "--checksum",
        "--settle",
        "0",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("missing on the target: 100, 45000"), "{text}");
    assert!(text.contains("differ"), "{text}");
}

fn lag_that_resolves_within_the_settle_delay_is_not_reported(kind: Kind) {
    let source = source_with_tables(kind);
    let replica = replica_of(&source, &[]);
    applier(kind, &replica, "STOP");
    source
        .exec("UPDATE vt.plain SET v = 'new' WHERE k IN (3, 4)")
        .unwrap();
    let (src, tgt) = (source.root_url(), replica.root_url());
    let run = std::thread::spawn(move || {
        cdc_json(&[
            "validate",
            "--source",
            &src,
            "--target",
            &tgt,
            "--tables",
            "vt.plain",
            "--checksum",
            "--settle",
            "8s",
            "--format",
            "json",
        ])
    });
    // The first look (well under a second for 300 rows) sees the lag; then replication
    // resumes and the re-check after the settle delay finds nothing.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    applier(kind, &replica, "START");
    wait_caught_up(&source, &replica);
    let (code, doc) = run.join().unwrap();
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(table(&doc, "vt.plain")["status"], "lag", "{doc:#}");
}

#[test]
fn bad_arguments_and_unreachable_servers_exit_2_without_the_password() {
    let out = cdc(&[
        "validate",
        "--source",
        "mysql://u:hunter2@127.0.0.1:1",
        "--target",
        "postgres://p:sekrit@127.0.0.1:1/db",
        "--tables",
        "a.b",
        "--checksum",
        "--connect-timeout",
        "2s",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("hunter2") && !err.contains("sekrit"), "{err}");
    assert!(err.contains("mysql://u:***@127.0.0.1:1"), "{err}");
    let s = server(&[]);
    let out = cdc(&[
        "validate",
        "--source",
        &s.root_url(),
        "--target",
        "postgres://p:sekrit@127.0.0.1:1/db",
        "--tables",
        "a.b",
        "--checksum",
        "--connect-timeout",
        "2s",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("postgres://p:***@127.0.0.1:1/db"), "{err}");
    assert!(!err.contains("sekrit"), "{err}");
    // Issue 13: '@' and '/' in the password: the target is 127.0.0.1, not "Secret".
    let out = cdc(&[
        "validate",
        "--source",
        &s.root_url(),
        "--target",
        "postgres://u:Pg@Secret/1@127.0.0.1:1",
        "--tables",
        "a.b",
        "--checksum",
        "--connect-timeout",
        "2s",
    ]);
    let all = common::all_output(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(
        all.contains("the target postgres://u:***@127.0.0.1:1"),
        "{all}"
    );
    assert!(!all.contains("Secret"), "{all}");
    // A port that accepts and never speaks: given up on within --connect-timeout.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(2).collect();
        std::thread::sleep(std::time::Duration::from_secs(60));
        drop(held);
    });
    let started = std::time::Instant::now();
    let target = format!("postgres://p:sekrit@127.0.0.1:{silent}/db");
    let out = cdc(&[
        "validate",
        "--source",
        &s.root_url(),
        "--target",
        &target,
        "--tables",
        "a.b",
        "--checksum",
        "--connect-timeout",
        "1s",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("no PostgreSQL answer within 1 s"), "{err}");
    assert!(!err.contains("sekrit"), "{err}");
    // --platform picks doctor's fixes: validate's help does not offer it.
    let help = String::from_utf8_lossy(&cdc(&["validate", "--help"]).stdout).to_string();
    assert!(
        help.contains("--crud") && !help.contains("--platform"),
        "{help}"
    );
    // No mode, or both: a usage error.
    let out = cdc(&[
        "validate",
        "--source",
        &s.root_url(),
        "--target",
        "x",
        "--tables",
        "a.b",
    ]);
    assert_eq!(out.status.code(), Some(2));
    // A table missing on the target is a difference (1), not a failure to run.
    s.exec("CREATE DATABASE m; CREATE TABLE m.t (id INT PRIMARY KEY)")
        .unwrap();
    let (code, doc) = cdc_json(&[
        "validate",
        "--source",
        &s.root_url(),
        "--target",
        &s.root_url(),
        "--tables",
        "m.t",
        "--target-table",
        "m.nope",
        "--counts",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(table(&doc, "m.t")["status"], "missing");
}

// --- PostgreSQL target -----------------------------------------------------------------

const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A schema of its own on the machine's PostgreSQL, dropped on drop.
struct PgSchema {
    client: postgres::Client,
    name: String,
}

impl PgSchema {
    fn new() -> PgSchema {
        let mut client = postgres::Client::connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=test",
            postgres::NoTls,
        )
        .expect("PostgreSQL on 127.0.0.1:5432 (scripts/setup.sh starts it)");
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!("cdc_vt_{}_{nanos}", std::process::id());
        client
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .unwrap();
        PgSchema { client, name }
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let _ = self
            .client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
    }
}

/// `validate` of `tables` from `src` to the machine's PostgreSQL, as JSON, settle 0.
fn to_postgres(src: &str, tables: &str, target_table: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec![
        "validate",
        "--source",
        src,
        "--target",
        PG_URL,
        "--tables",
        tables,
        "--target-table",
        target_table,
        "--settle",
        "0",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    cdc_json(&args)
}

fn pg_literal(v: Option<String>) -> String {
    match v {
        None => "NULL".into(),
        Some(s) => format!("'{}'", s.replace('\'', "''")),
    }
}

fn postgres_target_identical_then_drifted(kind: Kind) {
    use mysql::prelude::Queryable;

    let source = common::server_on(kind, &[]);
    let (setup, rows_3000) = seq(kind, "vt", 3000);
    source
        .exec(&format!("{setup}{}", common::typed_table_sql(&rows_3000)))
        .unwrap();

    // The target: lower precision for created (3 digits) and amount (scale 2), booleans,
    // timestamptz, bytea; loaded with the source's rows as a pipeline would.
    let mut pg = PgSchema::new();
    let schema = pg.name.clone();
    pg.client
        .batch_execute(&format!(
            "CREATE TABLE {schema}.typed (id integer PRIMARY KEY, name varchar(100), \
             amount numeric(12,2) NOT NULL, created timestamp(3) NOT NULL, seen timestamptz(6), \
             flag boolean NOT NULL, d date, payload bytea, ratio double precision)"
        ))
        .unwrap();
    let mut conn = source.connect("root", "").unwrap();
    conn.query_drop("SET time_zone = '+00:00', NAMES utf8mb4")
        .unwrap();
    type R = (
        i64,
        Option<String>,
        String,
        String,
        Option<String>,
        i64,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<R> = conn
        .query(
            "SELECT id, name, CAST(amount AS CHAR), \
             DATE_FORMAT(created, '%Y-%m-%d %H:%i:%s.%f'), \
             DATE_FORMAT(seen, '%Y-%m-%d %H:%i:%s.%f'), flag, CAST(d AS CHAR), HEX(payload), \
             CAST(ratio AS CHAR) FROM vt.typed",
        )
        .unwrap();
    assert_eq!(rows.len(), 3000);
    for chunk in rows.chunks(500) {
        let values: Vec<String> = chunk
            .iter()
            .map(
                |(id, name, amount, created, seen, flag, d, payload, ratio)| {
                    format!(
                        "({id}, {}, {amount}, '{created}', {}, {}, {}, {}, {})",
                        pg_literal(name.clone()),
                        seen.as_ref()
                            .map(|s| format!("'{s}+00'"))
                            .unwrap_or("NULL".into()),
                        *flag != 0,
                        pg_literal(d.clone()),
                        payload
                            .as_ref()
                            .map(|p| format!("decode('{p}', 'hex')"))
                            .unwrap_or("NULL".into()),
                        ratio.clone().unwrap_or("NULL".into()),
                    )
                },
            )
            .collect();
        pg.client
            .batch_execute(&format!(
                "INSERT INTO {schema}.typed VALUES {}",
                values.join(", ")
            ))
            .unwrap();
    }

    let src = source.root_url();
    let target_table = format!("{schema}.{{table}}");
    let run = |extra: &[&str]| to_postgres(&src, "vt.typed", &target_table, extra);

    // Identical data: the MariaDB and PostgreSQL checksums agree at every level, so not a
    // row is fetched.
    let (code, doc) = run(&["--checksum", "--bisection-threshold", "10"]);
    assert_eq!(code, 0, "{doc:#}");
    let t = table(&doc, "vt.typed");
    assert_eq!(t["status"], "match", "{t:#}");
    assert_eq!(t["rows_fetched"], 0, "checksums disagreed somewhere: {t:#}");
    assert_eq!(t["source_rows"], 3000);
    assert_eq!(t["target_rows"], 3000);
    assert_eq!(t["target_table"], format!("{schema}.typed"));
    let (code, doc) = run(&["--counts"]);
    assert_eq!(code, 0, "{doc:#}");

    // Drift on the target: NULL -> '' (id 14), a millisecond (100), a unicode edit (10),
    // a boolean (21), two deletes and an insert.
    pg.client
        .batch_execute(&format!(
            "UPDATE {schema}.typed SET name = '' WHERE id = 14; \
             UPDATE {schema}.typed SET created = created + interval '1 millisecond' WHERE id = 100; \
             UPDATE {schema}.typed SET name = 'Zoe 🚀 10' WHERE id = 10; \
             UPDATE {schema}.typed SET flag = NOT flag WHERE id = 21; \
             DELETE FROM {schema}.typed WHERE id IN (50, 2000); \
             INSERT INTO {schema}.typed (id, amount, created, flag) VALUES (5000, 1, now(), true)"
        ))
        .unwrap();
    let (code, doc) = run(&["--checksum"]);
    assert_eq!(code, 1, "{doc:#}");
    let t = table(&doc, "vt.typed");
    assert_eq!(t["status"], "differ", "{t:#}");
    assert_eq!(ids(&t["changed"]), [10, 14, 21, 100], "{t:#}");
    assert_eq!(ids(&t["missing"]), [50, 2000], "{t:#}");
    assert_eq!(ids(&t["extra"]), [5000], "{t:#}");
    // Each changed row names exactly the columns that differ, with both sides' values.
    let diffs: Vec<(i64, Vec<String>)> = t["diffs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let cols = d["columns"].as_object().unwrap().keys().cloned().collect();
            (d["key"].as_i64().unwrap(), cols)
        })
        .collect();
    let names = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        diffs,
        [
            (10, names(&["name"])),
            (14, names(&["name"])),
            (21, names(&["flag"])),
            (100, names(&["created"]))
        ],
        "{t:#}"
    );
    let d14 = &t["diffs"][1]["columns"]["name"];
    assert_eq!(
        (&d14["source"], &d14["target"]),
        (&Value::Null, &json!("")),
        "{t:#}"
    );
    let (code, doc) = run(&["--counts"]);
    assert_eq!(code, 1, "{doc:#}");
    let t = table(&doc, "vt.typed");
    assert_eq!(ids(&t["missing"]), [50, 2000], "{t:#}");
    assert_eq!(ids(&t["extra"]), [5000], "{t:#}");
    // A target table that does not exist.
    let (code, doc) = cdc_json(&[
        "validate",
        "--source",
        &src,
        "--target",
        PG_URL,
        "--tables",
        "vt.typed",
        "--target-table",
        "no_such_schema.{table}",
        "--counts",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(table(&doc, "vt.typed")["status"], "missing");
}

#[test]
fn composite_and_string_keys() {
    let s = server(&["--skip-log-bin"]);
    let setup = |db: &str| {
        format!(
            "CREATE DATABASE {db}; \
             CREATE TABLE {db}.c (a INT, b VARCHAR(10), v INT, PRIMARY KEY (a, b)); \
             INSERT INTO {db}.c SELECT seq % 100, CONCAT('k', seq), seq FROM {db}.seq_1_to_2000; \
             CREATE TABLE {db}.s (k VARCHAR(20) PRIMARY KEY, v INT) COLLATE utf8mb4_general_ci; \
             INSERT INTO {db}.s SELECT CONCAT('key', seq), seq FROM {db}.seq_1_to_500;"
        )
    };
    s.exec(&(setup("m") + &setup("m2"))).unwrap();
    s.exec(
        "UPDATE m2.c SET v = -1 WHERE a = 7 AND b = 'k107'; DELETE FROM m2.c WHERE a = 0 AND b = 'k1000'; \
         DELETE FROM m2.s WHERE k = 'key42'; INSERT INTO m2.s VALUES ('Key42', 42)",
    )
    .unwrap();
    let (code, doc) = cdc_json(&[
        "validate",
        "--source",
        &s.root_url(),
        "--target",
        &s.root_url(),
        "--tables",
        "m.c,m.s",
        "--target-table",
        "m2.{table}",
        "--checksum",
        "--settle",
        "0",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{doc:#}");
    let c = table(&doc, "m.c");
    assert_eq!(c["changed"], json!([[7, "k107"]]), "{c:#}");
    assert_eq!(c["missing"], json!([[0, "k1000"]]), "{c:#}");
    let st = table(&doc, "m.s");
    // Keys compare as text: a case-insensitive collation's "same" key shows as missing + extra.
    assert_eq!(st["missing"], json!(["key42"]), "{st:#}");
    assert_eq!(st["extra"], json!(["Key42"]), "{st:#}");
    // Narrowed down by key hash: only the ranges holding key42 and Key42 were fetched (on the
    // first look and at the re-check), not the 2,000 rows of the whole table on both sides.
    let fetched = st["rows_fetched"].as_u64().unwrap();
    assert!(fetched > 0 && fetched < 400, "{st:#}");
}

#[test]
fn string_keys_narrow_down_by_key_hash_alike_on_mariadb_and_postgresql() {
    use mysql::prelude::Queryable;

    let source = server(&["--skip-log-bin"]);
    source
        .exec(
            "CREATE DATABASE sk; \
             CREATE TABLE sk.t (k VARCHAR(60) PRIMARY KEY, at DATETIME(3) NOT NULL, v INT NULL) \
               DEFAULT CHARSET=utf8mb4; \
             INSERT INTO sk.t SELECT CONCAT(IF(seq % 3 = 0, 'Zoë 🚀 ', 'o''k '), MD5(seq)), \
               '2024-01-01' + INTERVAL seq SECOND, IF(seq % 7 = 0, NULL, seq) \
             FROM sk.seq_1_to_20000",
        )
        .unwrap();
    let mut pg = PgSchema::new();
    let schema = pg.name.clone();
    pg.client
        .batch_execute(&format!(
            "CREATE TABLE {schema}.t (k varchar(60) PRIMARY KEY, at timestamp(3) NOT NULL, v integer)"
        ))
        .unwrap();
    let mut conn = source.connect("root", "").unwrap();
    conn.query_drop("SET NAMES utf8mb4").unwrap();
    let rows: Vec<(String, String, Option<String>)> = conn
        .query("SELECT k, DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s.%f'), CAST(v AS CHAR) FROM sk.t")
        .unwrap();
    for chunk in rows.chunks(2000) {
        let values: Vec<String> = chunk
            .iter()
            .map(|(k, at, v)| {
                format!(
                    "({}, '{at}', {})",
                    pg_literal(Some(k.clone())),
                    pg_literal(v.clone())
                )
            })
            .collect();
        pg.client
            .batch_execute(&format!(
                "INSERT INTO {schema}.t VALUES {}",
                values.join(", ")
            ))
            .unwrap();
    }
    let src = source.root_url();
    let target_table = format!("{schema}.{{table}}");
    let run = |extra: &[&str]| to_postgres(&src, "sk.t", &target_table, extra);
    // Identical: both engines hash every key alike, so no range differs and nothing is fetched.
    let (code, doc) = run(&["--checksum", "--bisection-threshold", "10"]);
    let t = table(&doc, "sk.t");
    assert_eq!(code, 0, "{t:#}");
    assert_eq!(
        t["rows_fetched"], 0,
        "the key hashes disagreed somewhere: {t:#}"
    );
    assert_eq!(t["source_rows"], 20000);

    let key = |seq: u32| -> String {
        let hex = format!("{:032x}", md5_of(seq));
        rows.iter()
            .find(|(k, _, _)| k.ends_with(&hex))
            .map(|(k, _, _)| k.clone())
            .unwrap()
    };
    let (gone, changed) = (key(5), key(9_999));
    pg.client
        .execute(&format!("DELETE FROM {schema}.t WHERE k = $1"), &[&gone])
        .unwrap();
    pg.client
        .execute(
            &format!("UPDATE {schema}.t SET v = -1 WHERE k = $1"),
            &[&changed],
        )
        .unwrap();
    pg.client
        .batch_execute(&format!(
            "INSERT INTO {schema}.t VALUES ('only on the target', '2024-01-01', 1)"
        ))
        .unwrap();
    for mode in ["--checksum", "--counts"] {
        let (code, doc) = run(&[mode, "--bisection-threshold", "100"]);
        let t = table(&doc, "sk.t");
        assert_eq!(code, 1, "{t:#}");
        assert_eq!(t["missing"], json!([gone]), "{mode}: {t:#}");
        assert_eq!(t["extra"], json!(["only on the target"]), "{mode}: {t:#}");
        if mode == "--checksum" {
            assert_eq!(t["changed"], json!([changed]), "{t:#}");
        }
        // Only the small hash ranges holding a difference were downloaded (twice: the first
        // look and the re-check), not the 40,000 rows of both sides.
        let fetched = t["rows_fetched"].as_u64().unwrap();
        assert!(
            fetched > 0 && fetched < 4_000,
            "{mode}: {fetched} rows fetched: {t:#}"
        );
    }
}

/// MD5 of a number's decimal text, as MariaDB's MD5(seq) gives it.
fn md5_of(seq: u32) -> u128 {
    let out = std::process::Command::new("sh")
        .args(["-c", &format!("printf %s {seq} | md5sum")])
        .output()
        .unwrap();
    u128::from_str_radix(
        String::from_utf8_lossy(&out.stdout)
            .split(' ')
            .next()
            .unwrap(),
        16,
    )
    .unwrap()
}

/// A validating account usually holds SELECT and nothing more. MariaDB and PostgreSQL show
/// such an account no information_schema.table_constraints rows; the key must still be found.
#[test]
fn a_select_only_account_finds_the_primary_key_on_mariadb_and_postgresql() {
    use cdc::validate::normalize::primary_key_sql;
    use cdc::validate::target::{Engine, TargetConfig};

    let source = server(&[]);
    source
        .exec(
            "CREATE DATABASE vt; \
             CREATE TABLE vt.pk (b INT, a INT NOT NULL, c VARCHAR(10) NOT NULL, v INT, \
               PRIMARY KEY (c, a)); \
             INSERT INTO vt.pk SELECT seq, seq, CONCAT('k', seq), seq FROM vt.seq_1_to_50; \
             CREATE USER ro@'%' IDENTIFIED BY 'ro-secret'; GRANT SELECT ON vt.* TO ro@'%'",
        )
        .unwrap();
    let ro_url = format!("mysql://ro:ro-secret@127.0.0.1:{}/vt", source.port());
    let key = |url: &str, engine: Engine, schema: &str| -> Vec<String> {
        let mut db = TargetConfig::parse(url).unwrap().open().unwrap();
        db.query(&primary_key_sql(engine, schema, "pk"))
            .unwrap()
            .rows
            .into_iter()
            .map(|r| r[0].clone().unwrap())
            .collect()
    };
    assert_eq!(key(&ro_url, Engine::MySql, "vt"), ["c", "a"]);

    let mut pg = PgSchema::new();
    let schema = pg.name.clone();
    let role = format!("{schema}_ro");
    pg.client
        .batch_execute(&format!(
            "CREATE TABLE {schema}.pk (b integer, a integer NOT NULL, c varchar(10) NOT NULL, \
               v integer, PRIMARY KEY (c, a)); \
             CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA {schema} TO {role}; \
             GRANT SELECT ON {schema}.pk TO {role}"
        ))
        .unwrap();
    let pg_ro = format!("postgres://{role}@127.0.0.1:5432/test");
    let found = key(&pg_ro, Engine::PostgreSql, &schema);
    pg.client
        .batch_execute(&format!(
            "DROP TABLE {schema}.pk; REVOKE ALL ON SCHEMA {schema} FROM {role}; DROP ROLE {role}"
        ))
        .unwrap();
    assert_eq!(found, ["c", "a"]);

    // End to end: the select-only account compares the table instead of calling it keyless.
    let replica = replica_of(&source, &[]);
    let target = replica.root_url();
    let as_ro = |mode: &str, tables: &str| {
        cdc_json(&[
            "validate", mode, "--tables", tables, "--format", "json", "--settle", "0", "--source",
            &ro_url, "--target", &target,
        ])
    };
    let (code, doc) = as_ro("--checksum", "vt.pk");
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(table(&doc, "vt.pk")["key"], json!(["c", "a"]));
    assert_eq!(table(&doc, "vt.pk")["source_rows"], 50);

    // A bare database (or db.*) is every base table of it the account can see, once each;
    // a pattern that matches nothing is an error, not an empty success.
    source
        .exec("CREATE TABLE vt.other (id INT PRIMARY KEY); CREATE VIEW vt.v AS SELECT 1 AS x")
        .unwrap();
    wait_caught_up(&source, &replica);
    let compared = |tables: &str| {
        let (code, doc) = as_ro("--counts", tables);
        assert_eq!(code, 0, "{doc:#}");
        doc["tables"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["table"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(compared("vt.pk,vt"), ["vt.pk", "vt.other"]);
    // `?` is one character, `*` a run, as in doctor --tables and tail.
    assert_eq!(compared("vt.o*er,vt.p?,`vt`.`pk`"), ["vt.other", "vt.pk"]);
    let out = cdc(&[
        "validate", "--counts", "--tables", "nope_*.*", "--source", &ro_url, "--target", &target,
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--tables nope_*.*: no table on the source matches"),
        "{err}"
    );
}

#[test]
fn mysql_against_mariadb_finds_exactly_the_drifted_keys() {
    let source = source_with_tables(Kind::Mysql97);
    let target = source_with_tables(Kind::Mariadb1011);
    // The same rows on both; last_updated was each server's own clock.
    for s in [&source, &target] {
        s.exec("UPDATE vt.big SET last_updated = '2025-01-01 00:00:00.5'")
            .unwrap();
    }
    let (src, tgt) = (source.root_url(), target.root_url());
    for mode in ["--counts", "--checksum"] {
        let (code, doc) = cdc_json(&[
            "validate",
            "--source",
            &src,
            "--target",
            &tgt,
            "--tables",
            "vt.big,vt.plain",
            mode,
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{mode}: {doc:#}");
        assert_eq!(table(&doc, "vt.big")["status"], "match", "{mode}: {doc:#}");
    }
    target
        .exec(
            "UPDATE vt.big SET name = 'drifted' WHERE id IN (7, 40000); \
             DELETE FROM vt.big WHERE id = 222; \
             INSERT INTO vt.big (id, name, amount, created, last_updated) \
               VALUES (90000, 'x', 1, NOW(), NOW())",
        )
        .unwrap();
    for hash in ["crc32-xor", "sha256-sum"] {
        let (code, doc) = checksum_with(&src, &tgt, "vt.big", hash);
        assert_eq!(code, 1, "{hash}: {doc:#}");
        let big = table(&doc, "vt.big");
        assert_eq!(ids(&big["changed"]), [7, 40000], "{hash}: {big:#}");
        assert_eq!(ids(&big["missing"]), [222], "{hash}: {big:#}");
        assert_eq!(ids(&big["extra"]), [90000], "{hash}: {big:#}");
    }
}

on_each_server!(
    replica_healthy_then_drifted,
    lag_that_resolves_within_the_settle_delay_is_not_reported,
    postgres_target_identical_then_drifted,
);

/// A target that starts refusing statements partway through a checksum (the account's
/// MAX_QUERIES_PER_HOUR runs out at each step in turn): every failure says it was the
/// target's, though both sides are the same engine.
#[test]
fn checksum_failures_name_the_side_that_failed() {
    let source = source_with_tables(Kind::Mariadb1011);
    let target = source_with_tables(Kind::Mariadb1011);
    let src = source.root_url();
    let mut midway = 0;
    for n in 1..=24 {
        target
            .exec(&format!(
                "CREATE USER 'q{n}'@'%' IDENTIFIED BY 'pw' WITH MAX_QUERIES_PER_HOUR {n}; \
                 GRANT SELECT ON vt.* TO 'q{n}'@'%'"
            ))
            .unwrap();
        let out = common::cdc(&[
            "validate",
            "--source",
            &src,
            "--target",
            &target.url(&format!("q{n}"), "pw"),
            "--tables",
            "vt.plain",
            "--checksum",
            "--settle",
            "0",
            "--format",
            "json",
        ]);
        let said = common::all_output(&out);
        // Error 1226: the user exceeded max_questions; whatever step it stopped, it says whose.
        for line in said.lines().filter(|l| l.contains("1226")) {
            assert!(line.contains("target"), "q{n}: {line}");
            assert!(!line.contains("the source"), "q{n}: {line}");
            midway += usize::from(line.contains("the target's vt.plain"));
        }
    }
    assert!(
        midway > 0,
        "the query limit never stopped a comparison midway"
    );
}

/// A pipeline that soft-deletes (Debezium's rewrite with `__deleted`, a `deleted_at` column):
/// with `--delete-mode` the marked target rows are deleted rows in counts and checksums, as
/// in --crud; without it they are extra.
#[test]
fn soft_deleted_target_rows_count_as_deleted_in_counts_and_checksums() {
    let source = common::server_on(Kind::Mariadb1011, &[]);
    source
        .exec(
            "CREATE DATABASE sd; CREATE TABLE sd.t (id INT PRIMARY KEY, v VARCHAR(10)); \
             INSERT INTO sd.t SELECT seq, CONCAT('v', seq) FROM sd.seq_1_to_300 WHERE seq <> 5",
        )
        .unwrap();
    let mut pg = PgSchema::new();
    let schema = pg.name.clone();
    pg.client
        .batch_execute(&format!(
            "CREATE TABLE {schema}.t (id integer PRIMARY KEY, v varchar(10), __deleted text, \
               deleted_at timestamp); \
             INSERT INTO {schema}.t SELECT g, 'v' || g, \
               CASE WHEN g IN (5, 301) THEN 'true' ELSE 'false' END, \
               CASE WHEN g IN (5, 301) THEN now() END \
             FROM generate_series(1, 301) g"
        ))
        .unwrap();
    let src = source.root_url();
    let target_table = format!("{schema}.{{table}}");
    let run = |extra: &[&str]| to_postgres(&src, "sd.t", &target_table, extra);
    for mode in ["--counts", "--checksum"] {
        let (code, doc) = run(&[mode]);
        assert_eq!(code, 1, "{mode}: {doc:#}");
        assert_eq!(
            ids(&table(&doc, "sd.t")["extra"]),
            [5, 301],
            "{mode}: {doc:#}"
        );
        for soft in ["soft:__deleted=true", "soft:deleted_at IS NOT NULL"] {
            let (code, doc) = run(&[mode, "--delete-mode", soft]);
            let t = table(&doc, "sd.t");
            assert_eq!(code, 0, "{mode} {soft}: {doc:#}");
            assert_eq!(t["status"], "match", "{mode} {soft}: {t:#}");
        }
    }
}
