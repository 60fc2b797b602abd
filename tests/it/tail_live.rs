//! `cdc tail` on binlogs a real MariaDB 10.11, MariaDB 11.8 or MySQL 9.7 just wrote, read from the files and live as a replica:
//! every common column type renders as `--format jsonl` promises, and replaying the stream by
//! primary key gives `SELECT` back.

use crate::common;

use std::collections::BTreeMap;
use std::process::Command;

use base64::Engine as _;
use mysql::prelude::Queryable;
use serde_json::{json, Value};

const TABLE: &str = "CREATE DATABASE shop; CREATE TABLE shop.t (
    id INT PRIMARY KEY,
    u INT UNSIGNED, big BIGINT UNSIGNED, s SMALLINT, tiny TINYINT, med MEDIUMINT,
    price DECIMAL(10,2), wide DECIMAL(30,10), f FLOAT, d DOUBLE,
    dt DATETIME(6), ts TIMESTAMP NULL, day DATE, tm TIME(2), y YEAR,
    name VARCHAR(50), note TEXT, ch CHAR(3), bin VARBINARY(8), bl BLOB, j JSON,
    e ENUM('new','paid','shipped'), st SET('a','b','c'), bt BIT(8), n INT NULL)";

fn every_column_type_renders_and_replay_matches_select(kind: common::Kind) {
    let server = common::server_on(kind, &[]);
    let gtid_prefix = kind.gtid_prefix(&server);
    server.exec(TABLE).unwrap();
    server
        .exec(
            "SET time_zone = '+00:00';
             INSERT INTO shop.t VALUES
              (1, 4000000000, 18446744073709551615, -32768, -128, -8388608,
               1299.99, -12345678901234567890.0123456789, 1.5, 0.25,
               '2026-11-22 10:00:00.123456', '2026-11-22 10:00:00', '2026-11-22', '-838:59:59.00',
               2026, 'John', 'multi\nline \"quoted\"', 'abc', X'00FF10', X'DEADBEEF', '{\"a\": [1, 2]}',
               'paid', 'a,c', b'00000101', NULL),
              (2, 0, 0, 0, 0, 0, 0.00, 0, 0, 0, '1000-01-01 00:00:00', NULL, '1000-01-01',
               '00:00:00.5', 1901, '', '', '', '', '', 'null', 'new', '', b'0', 7),
              (3, 1, 2, 3, 4, 5, -0.05, 1.5, -2.5, 1e300, '9999-12-31 23:59:59.999999',
               '2038-01-19 03:14:07', '9999-12-31', '12:34:56.78', 2155, 'Zoë', 'ünïcödé', 'x',
               'plain', 'text', '[]', 'shipped', 'b', b'11111111', -1);
             UPDATE shop.t SET name = 'Jane', price = price + 1, n = 5 WHERE id = 1;
             UPDATE shop.t SET bl = X'FF00', j = '{\"b\": null}' WHERE id = 2;
             DELETE FROM shop.t WHERE id = 3;
             INSERT INTO shop.t (id, name) VALUES (4, 'late');
             FLUSH BINARY LOGS",
        )
        .unwrap();

    let mut conn = server.connect("root", "").unwrap();
    // MySQL adds an Encrypted column: take the names only.
    let logs: Vec<String> = conn
        .query_map("SHOW BINARY LOGS", |row: mysql::Row| {
            row.get::<String, _>(0).unwrap()
        })
        .unwrap();
    let files: Vec<_> = logs.iter().map(|f| server.data_dir().join(f)).collect();
    let out = Command::new(env!("CARGO_BIN_EXE_cdc"))
        .args(["tail", "shop.t", "--format", "jsonl", "--file"])
        .args(&files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The same stream read live as a replica, from the first binlog to the end.
    let live = Command::new(env!("CARGO_BIN_EXE_cdc"))
        .args([
            "tail", "shop.t", "--format", "jsonl", "--from", "start", "--until", "now",
        ])
        .args(["--source", &server.url("root", "")])
        .output()
        .unwrap();
    assert!(
        live.status.success(),
        "{}",
        String::from_utf8_lossy(&live.stderr)
    );
    for (how, stdout) in [("--file", out.stdout), ("live", live.stdout)] {
        let mut conn = server.connect("root", "").unwrap();
        let changes: Vec<Value> = String::from_utf8(stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let ops: Vec<&str> = changes.iter().map(|c| c["op"].as_str().unwrap()).collect();
        assert_eq!(
            ops,
            ["insert", "insert", "insert", "update", "update", "delete", "insert"]
        );

        // Exact renderings.
        assert_eq!(
            changes[0]["after"],
            json!({
                "id": 1, "u": 4000000000u64, "big": 18446744073709551615u64, "s": -32768,
                "tiny": -128, "med": -8388608,
                "price": "1299.99", "wide": "-12345678901234567890.0123456789", "f": 1.5, "d": 0.25,
                "dt": "2026-11-22 10:00:00.123456", "ts": "2026-11-22T10:00:00Z",
                "day": "2026-11-22", "tm": "-838:59:59.00", "y": 2026,
                "name": "John", "note": "multi\nline \"quoted\"", "ch": "abc",
                "bin": {"base64": "AP8Q"}, "bl": {"base64": "3q2+7w=="}, "j": json_of(kind, "{\"a\": [1, 2]}"),
                "e": "paid", "st": "a,c", "bt": 5, "n": null
            })
        );
        assert_eq!(changes[1]["after"]["price"], "0.00");
        assert_eq!(changes[1]["after"]["wide"], "0.0000000000");
        assert_eq!(changes[1]["after"]["tm"], "00:00:00.50");
        assert_eq!(changes[1]["after"]["ts"], Value::Null);
        assert_eq!(changes[2]["after"]["price"], "-0.05");
        assert_eq!(changes[2]["after"]["f"], -2.5);
        assert_eq!(changes[2]["after"]["d"], 1e300);
        assert_eq!(changes[2]["after"]["dt"], "9999-12-31 23:59:59.999999");
        assert_eq!(changes[2]["after"]["ts"], "2038-01-19T03:14:07Z");
        assert_eq!(changes[2]["after"]["bt"], 255);
        assert_eq!(changes[2]["after"]["name"], "Zoë");
        assert_eq!(changes[3]["before"]["name"], "John");
        assert_eq!(changes[3]["after"]["name"], "Jane");
        assert_eq!(changes[3]["after"]["price"], "1300.99");
        assert_eq!(changes[5]["after"], Value::Null);
        assert_eq!(changes[0]["before"], Value::Null);
        for c in &changes {
            assert_eq!(c["db"], "shop");
            assert_eq!(c["table"], "t");
            let gtid = c["gtid"].as_str().unwrap();
            assert!(gtid.starts_with(&gtid_prefix), "{gtid}");
            let ts = c["ts"].as_str().unwrap();
            assert!(ts.ends_with('Z') && ts.len() == 20, "{ts}");
            assert!(c["pos"].as_u64().unwrap() > 4);
        }

        // Replay by primary key, then compare with SELECT (text protocol, UTC).
        let mut replica: BTreeMap<i64, serde_json::Map<String, Value>> = BTreeMap::new();
        for c in &changes {
            let image = if c["op"] == "delete" {
                &c["before"]
            } else {
                &c["after"]
            };
            let id = image["id"].as_i64().unwrap();
            match c["op"].as_str().unwrap() {
                "delete" => {
                    replica.remove(&id);
                }
                _ => {
                    replica.insert(id, image.as_object().unwrap().clone());
                }
            }
        }
        conn.query_drop("SET time_zone = '+00:00'").unwrap();
        let rows: Vec<mysql::Row> = conn
            .query("SELECT *, bt + 0 AS bt_n FROM shop.t ORDER BY id")
            .unwrap();
        assert_eq!(rows.len(), replica.len());
        for row in rows {
            let cols = row.columns();
            let id: i64 = row.get("id").unwrap();
            let mine = &replica[&id];
            for (i, col) in cols.iter().enumerate() {
                let name = col.name_str().to_string();
                if name == "bt" {
                    continue;
                }
                let key = if name == "bt_n" { "bt" } else { name.as_str() };
                let theirs = match row.as_ref(i).unwrap() {
                    mysql::Value::NULL => None,
                    mysql::Value::Bytes(b) => Some(b.clone()),
                    other => Some(other.as_sql(true).into_bytes()),
                };
                let same = match (&mine[key], &theirs) {
                    // MySQL JSON is JSON in the stream, text from SELECT: the same document.
                    (v, t) if key == "j" && kind.is_mysql() => {
                        let t = t
                            .as_ref()
                            .map(|t| serde_json::from_slice::<Value>(t).unwrap());
                        t.unwrap_or(Value::Null) == *v
                    }
                    // Floats: the same number, whatever the spelling ("0.0" / "0").
                    (Value::Number(n), Some(t)) if n.is_f64() => {
                        std::str::from_utf8(t).unwrap().parse::<f64>().ok() == n.as_f64()
                    }
                    (v, t) => normalize(v) == *t,
                };
                assert!(
                    same,
                    "row {id} column {key}: ours {} theirs {theirs:?}",
                    mine[key]
                );
            }
        }
        eprintln!("{how}: replay matches SELECT");
    }
}

/// How a JSON column's `text` shows in jsonl: MySQL's JSON type is JSON, MariaDB's is text.
fn json_of(kind: common::Kind, text: &str) -> Value {
    if kind.is_mysql() {
        serde_json::from_str(text).unwrap()
    } else {
        Value::String(text.into())
    }
}

/// A jsonl value as the bytes the text protocol would send (TIMESTAMP in UTC).
fn normalize(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::Null => None,
        Value::Number(n) => Some(n.to_string().into_bytes()),
        Value::String(s) => {
            let is_ts = s.len() >= 20 && s.ends_with('Z') && s.as_bytes()[10] == b'T';
            let s = if is_ts {
                s.trim_end_matches('Z').replacen('T', " ", 1)
            } else {
                s.clone()
            };
            Some(s.into_bytes())
        }
        Value::Object(o) => Some(
            base64::engine::general_purpose::STANDARD
                .decode(o["base64"].as_str().unwrap())
                .unwrap(),
        ),
        other => panic!("unexpected {other}"),
    }
}

on_each_binlog_server!(every_column_type_renders_and_replay_matches_select);
