//! `cdc tail` live on what only MySQL has, against real MySQL 9.7 servers: GTID
//! auto-position starts (tagged GTIDs too) that end at `--until now`, compressed
//! transactions, PARTIAL_JSON updates of large documents, MINIMAL row images, and a purged
//! start named with the server's own files.

use crate::common;

use serde_json::{json, Value};

use cdc::sandbox::LocalServer;
use common::Kind;

fn mysql(args: &[&str]) -> LocalServer {
    common::retail_server_on(Kind::Mysql97, args)
}

/// `cdc tail TABLE --source root --from FROM --until now --format jsonl`: (exit, changes, stderr).
fn tail(server: &LocalServer, table: &str, from: &str) -> (Option<i32>, Vec<Value>, String) {
    let out = common::cdc(&[
        "tail",
        table,
        "--source",
        &server.url("cdc_user", common::CDC_PASSWORD),
        "--from",
        from,
        "--until",
        "now",
        "--format",
        "jsonl",
    ]);
    let changes = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (
        out.status.code(),
        changes,
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn names(changes: &[Value]) -> Vec<String> {
    changes
        .iter()
        .map(|c| {
            c["after"]["product_name"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

#[test]
fn a_gtid_start_resumes_after_its_set_and_ends_at_until_now() {
    let server = mysql(&[]);
    server
        .exec("INSERT INTO retail_db.products (product_name, price) VALUES ('seen', 1)")
        .unwrap();
    let set = common::gtid_set(Kind::Mysql97, &server);
    server
        .exec(
            "INSERT INTO retail_db.products (product_name, price) VALUES ('after-1', 2);
             SET gtid_next = 'AUTOMATIC:nightly';
             INSERT INTO retail_db.products (product_name, price) VALUES ('tagged', 3);
             SET gtid_next = 'AUTOMATIC';
             INSERT INTO retail_db.products (product_name, price) VALUES ('after-2', 4)",
        )
        .unwrap();
    let (code, changes, err) = tail(&server, "retail_db.products", &format!("gtid:{set}"));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(names(&changes), ["after-1", "tagged", "after-2"], "{err}");
    let uuid = server
        .query_value("SELECT @@GLOBAL.server_uuid")
        .unwrap()
        .unwrap();
    let tagged = changes[1]["gtid"].as_str().unwrap();
    assert_eq!(tagged, format!("{uuid}:nightly:1"));
    // The file name is whole (mysql-bin.000001, not mysql-bin.00).
    let file = changes[0]["file"].as_str().unwrap();
    assert!(
        file.starts_with("cdc-bin.") && file.len() == "cdc-bin.000001".len(),
        "{file}"
    );

    // A set mixing untagged and tagged ranges resumes after both.
    let mixed = common::gtid_set(Kind::Mysql97, &server);
    assert!(mixed.contains(":nightly:1"), "{mixed}");
    server
        .exec("INSERT INTO retail_db.products (product_name, price) VALUES ('last', 5)")
        .unwrap();
    let (code, changes, err) = tail(&server, "retail_db.products", &format!("gtid:{mixed}"));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(names(&changes), ["last"], "{err}");
}

#[test]
fn compressed_transactions_show_their_rows_live() {
    let server = mysql(&["--binlog-transaction-compression=ON"]);
    server
        .exec(
            "INSERT INTO retail_db.products (product_name, price) VALUES ('zstd-1', 1), ('zstd-2', 2);
             UPDATE retail_db.products SET price = 9 WHERE product_name = 'zstd-1'",
        )
        .unwrap();
    let (code, changes, err) = tail(&server, "retail_db.products", "start");
    assert_eq!(code, Some(0), "{err}");
    let ops: Vec<&str> = changes.iter().map(|c| c["op"].as_str().unwrap()).collect();
    // The sample's three rows, two inserts, one update.
    assert_eq!(
        ops,
        ["insert", "insert", "insert", "insert", "insert", "update"],
        "{err}"
    );
    assert_eq!(changes[5]["after"]["price"], "9.00");
}

#[test]
fn partial_json_updates_of_a_large_document_show_the_diff() {
    let server = mysql(&[
        "--binlog-row-value-options=PARTIAL_JSON",
        "--binlog-row-image=MINIMAL",
    ]);
    server
        .exec(
            "CREATE TABLE retail_db.docs (id INT PRIMARY KEY, doc JSON);
             SET SESSION cte_max_recursion_depth = 5000;
             INSERT INTO retail_db.docs
               SELECT 1, JSON_OBJECT('age', 25, 'name', 'Ann', 'filler', REPEAT('x', 20000))",
        )
        .unwrap();
    let before = server
        .query_value("SHOW BINARY LOG STATUS")
        .unwrap()
        .unwrap();
    let pos = server
        .connect("root", "")
        .map(|mut c| {
            use mysql::prelude::Queryable;
            let row: mysql::Row = c.query_first("SHOW BINARY LOG STATUS").unwrap().unwrap();
            row.get::<u64, _>(1).unwrap()
        })
        .unwrap();
    server
        .exec("UPDATE retail_db.docs SET doc = JSON_SET(doc, '$.age', 26) WHERE id = 1")
        .unwrap();
    let (code, changes, err) = tail(&server, "retail_db.docs", &format!("{before}:{pos}"));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(changes.len(), 1, "{changes:?} {err}");
    let c = &changes[0];
    assert_eq!(c["op"], "update");
    assert_eq!(
        c["after"]["doc"],
        json!({"json_diff": [{"op": "replace", "path": "$.age", "value": 26}]}),
        "{c}"
    );
    // MINIMAL: the before image is the key alone.
    assert_eq!(c["before"], json!({"id": 1}), "{c}");
}

#[test]
fn minimal_images_hold_the_key_and_the_changed_columns() {
    let server = mysql(&["--binlog-row-image=MINIMAL"]);
    server
        .exec(
            "UPDATE retail_db.orders SET order_status = 'DELIVERED' WHERE order_id = 3;
             DELETE FROM retail_db.orders WHERE order_id = 2",
        )
        .unwrap();
    let (code, changes, err) = tail(&server, "retail_db.orders", "start");
    assert_eq!(code, Some(0), "{err}");
    let update = changes
        .iter()
        .find(|c| c["op"] == "update")
        .expect("an update");
    assert_eq!(update["before"], json!({"order_id": 3}), "{update}");
    assert_eq!(update["after"]["order_status"], "DELIVERED", "{update}");
    assert!(
        update["after"].get("payment_method").is_none(),
        "MINIMAL logs only what changed (and what a default filled): {update}"
    );
    let delete = changes
        .iter()
        .find(|c| c["op"] == "delete")
        .expect("a delete");
    assert_eq!(delete["before"], json!({"order_id": 2}), "{delete}");
}

#[test]
fn a_purged_start_is_named_with_the_servers_own_files() {
    let server = mysql(&[]);
    let current = common::purge_all_but_the_current_binlog(Kind::Mysql97, &server);
    let (code, _, err) = tail(&server, "retail_db.orders", "cdc-bin.000001:4");
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("cdc-bin.000001 was purged"), "{err}");
    assert!(err.contains(&format!("oldest kept: {current}")), "{err}");
    assert!(err.contains("binlog-position-purged"), "{err}");
}
