//! `cdc tail --file` on real binlogs from MySQL 8.0/9.x and MariaDB (tests/fixtures/binlogs).
//! Expected values were checked against `mariadb-binlog -v --base64-output=DECODE-ROWS` where
//! it reads the file.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{json, Value};

use crate::common::fixture_path as fixture;

fn tail(args: &[&str], files: &[&Path]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cdc"));
    cmd.arg("tail").args(args).arg("--file");
    for f in files {
        cmd.arg(f);
    }
    cmd.current_dir(fixture(""));
    cmd.output().unwrap()
}

/// The jsonl changes of a fixture (relative name, so `file` is stable), all tables.
fn jsonl(name: &str) -> Vec<Value> {
    let out = tail(&["*.*", "--format", "jsonl"], &[Path::new(name)]);
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn plain(name: &str) -> String {
    let out = tail(&["*.*"], &[Path::new(name)]);
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn mariadb_gtids_appear_on_the_changes() {
    let c = jsonl("mariadb-bin.000001");
    assert_eq!(c.len(), 2);
    assert_eq!(c[0]["gtid"], "0-1-1");
    assert_eq!(c[1]["gtid"], "0-1-2");
    assert_eq!(
        c[0]["after"],
        json!({"id": 62, "topic": "foo", "event_type": "JSON", "event": "{\"foo\":1}",
               "created": "2022-04-20T22:18:04Z"})
    );
    assert_eq!(c[0]["ts"], "2022-04-20T22:18:04Z");
    assert_eq!(c[0]["op"], "insert");
    assert_eq!(c[0]["before"], Value::Null);
}

#[test]
fn enum_and_set_labels_through_insert_update_delete() {
    let c = jsonl("mysql-enum-string-set.000001");
    let ops: Vec<&str> = c.iter().map(|x| x["op"].as_str().unwrap()).collect();
    assert_eq!(ops, ["insert", "update", "delete"]);
    let after = &c[1]["after"];
    let values: Vec<&Value> = after.as_object().unwrap().values().collect();
    assert!(values.contains(&&json!("variant2")), "{after}");
    assert!(values.contains(&&json!("two,four")), "{after}");
    assert_eq!(c[1]["before"], c[0]["after"]);
    assert_eq!(c[2]["before"], c[1]["after"]);
}

#[test]
fn json_values_and_partial_json_diffs() {
    let c = jsonl("json.binlog.000001");
    assert_eq!(
        c[0]["after"]["col_2"],
        json!({"age": 24, "data": "xxxxxxxxxx", "name": "Joe"})
    );
    let diffs: Vec<&Value> = c
        .iter()
        .filter_map(|x| x["after"].get("col_2"))
        .filter_map(|v| v.get("json_diff"))
        .collect();
    assert!(!diffs.is_empty(), "no PARTIAL_JSON diffs");
    assert_eq!(
        diffs[0],
        &json!([{"op": "replace", "path": "$.age", "value": 26}])
    );
}

#[test]
fn compressed_transactions_give_their_rows() {
    let c = jsonl("transaction_compression.000001");
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(c[0]["table"], "tb1");
    assert_eq!(c[0]["after"], json!({"col_1": 1}));
}

#[test]
fn minimal_row_metadata_gives_positional_names_and_signedness() {
    let c = jsonl("minimal_row_metadata.000001");
    // mariadb-binlog: @1=1 @3='a' @5=-1064764973 (3230202323)
    assert_eq!(
        c[0]["after"],
        json!({"col_1": 1, "col_3": "a", "col_5": 3230202323u64})
    );
}

#[test]
fn invisible_columns() {
    let c = jsonl("binlog-invisible-columns.000001");
    // mariadb-binlog: @1=1 @2=2 @3=-3 @4='4' @5='\x05' @6=6000000000
    let a = c[0]["after"].as_object().unwrap();
    let v: Vec<&Value> = a.values().collect();
    assert_eq!(
        v,
        [
            &json!(1),
            &json!(2),
            &json!(-3),
            &json!("4"),
            &json!("\u{5}"),
            &json!(6000000000u64)
        ]
    );
    assert_eq!(c.len(), 3, "{c:?}");
}

#[test]
fn bit_columns() {
    let c = jsonl("mysql_type_bit.000001");
    // mariadb-binlog: @1=b'100' @2='foo' @3=b'00100000'
    assert_eq!(c[0]["after"], json!({"a": 4, "b": "foo", "c": 32}));
}

#[test]
fn time_values() {
    let c = jsonl("time_issue.000001");
    // mariadb-binlog: @1='-507:48:27'
    assert_eq!(c[0]["after"]["col_1"], "-507:48:27");
}

#[test]
fn vectors_and_opaque_json_do_not_panic() {
    let v = jsonl("vector.binlog");
    assert!(!v.is_empty());
    let first = v[0]["after"].as_object().unwrap();
    let vec_value = first.values().nth(1).unwrap();
    assert_eq!(vec_value, &json!([1.1, 2.2, 3.3]));
    let o = jsonl("json-opaque.binlog");
    assert!(o.len() > 5);
    assert!(o
        .iter()
        .any(|c| c["after"].to_string().contains("2012-03-18")));
}

#[test]
fn tagged_gtids() {
    let c = jsonl("binlog_transaction_with_GTID_TAG.000001");
    assert_eq!(c.len(), 1);
    assert_eq!(c[0]["gtid"], "55778904-0299-11f1-b1b8-4ef0c4956feb:mytag:3");
    assert_eq!(c[0]["after"]["col_3"], "250.00");
    assert!(jsonl("binlog_transaction_previous_GTID_no_tag.000001").is_empty());
}

#[test]
fn a_truncated_file_is_exit_1_naming_file_and_offset() {
    let out = tail(&["*.*"], &[Path::new("binlog_truncated_event.000001")]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("binlog_truncated_event.000001: at byte offset 4: truncated event"),
        "{err}"
    );
    assert!(!err.contains("panick"), "{err}");
}

#[test]
fn cut_files_never_panic_and_keep_what_came_before() {
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.000001");
    for name in [
        "json.binlog.000001",
        "mysql-enum-string-set.000001",
        "mariadb-bin.000001",
    ] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        let full = jsonl(name).len();
        for at in (0..bytes.len()).step_by(97) {
            std::fs::write(&cut, &bytes[..at]).unwrap();
            let out = tail(&["*.*", "--format", "jsonl"], &[cut.as_path()]);
            let err = String::from_utf8_lossy(&out.stderr);
            // A cut on an event boundary is a shorter, valid binlog.
            match out.status.code() {
                Some(0) => assert!(err.is_empty(), "{err}"),
                Some(1) => assert!(err.contains("cut.000001: at byte offset "), "{err}"),
                c => panic!("{name} cut at {at}: exit {c:?}: {err}"),
            }
            assert!(
                !err.contains("panick") && !err.contains("parser failed"),
                "{err}"
            );
            assert!(out.stdout.iter().filter(|&&b| b == b'\n').count() <= full);
        }
    }
}

#[test]
fn the_table_filter_picks_tables() {
    let out = tail(
        &["dtb.bar", "--format", "jsonl"],
        &[Path::new("vector.binlog")],
    );
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.lines().count() > 0);
    assert!(s.lines().all(|l| l.contains("\"table\":\"bar\"")));
    let out = tail(&["nope.*"], &[Path::new("vector.binlog")]);
    assert!(out.status.success() && out.stdout.is_empty());
    // The grammar doctor and validate share: a bare db, `?` and `*` globs, backquoted names.
    let shown = |pattern: &str| {
        let out = tail(
            &[pattern, "--format", "jsonl"],
            &[Path::new("vector.binlog")],
        );
        assert!(out.status.success(), "{pattern}");
        String::from_utf8(out.stdout).unwrap()
    };
    for same in ["d?b.b*r", "`dtb`.`bar`"] {
        assert_eq!(shown(same), s, "{same}");
    }
    assert_eq!(shown("dtb"), shown("dtb.*"));
    assert!(shown("dtb").contains("\"table\":\"foo\""));
    let out = tail(&["`dtb`.`b*r`"], &[Path::new("vector.binlog")]);
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "backquoted * is literal"
    );
}

#[test]
fn bad_arguments_are_exit_2() {
    let out = tail(&["shop.orders.x"], &[Path::new("vector.binlog")]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("more than one dot"), "{err}");
    // Neither files nor a source: live mode has nothing to connect to.
    let out = Command::new(env!("CARGO_BIN_EXE_cdc"))
        .args(["tail", "db.t"])
        .env_remove("CDC_SOURCE")
        .env_remove("MYSQL_HOST")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no source given"));
}

#[test]
fn several_files_in_order() {
    let out = tail(
        &["*.*", "--format", "jsonl"],
        &[
            Path::new("mariadb-bin.000001"),
            Path::new("mysql_type_bit.000001"),
        ],
    );
    let s = String::from_utf8(out.stdout).unwrap();
    let files: Vec<String> = s
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["file"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        files,
        [
            "mariadb-bin.000001",
            "mariadb-bin.000001",
            "mysql_type_bit.000001"
        ]
    );
}

#[test]
fn plain_output_snapshot() {
    insta::assert_snapshot!(plain("mysql-enum-string-set.000001") + &plain("vector.binlog"));
}

#[test]
fn jsonl_output_snapshot() {
    let out = tail(
        &["*.*", "--format", "jsonl"],
        &[Path::new("json.binlog.000001")],
    );
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap());
}

/// The jsonl writer's fast path (straight from the row bytes) and its `RowChange` path agree.
#[test]
fn jsonl_fast_path_matches_the_row_change_path() {
    use cdc::binlog::Decoder;
    use cdc::tail::output::JsonlWriter;
    for name in [
        "mariadb-bin.000001",
        "mysql-enum-string-set.000001",
        "json.binlog.000001",
        "json-opaque.binlog",
        "vector.binlog",
        "binlog-invisible-columns.000001",
        "mysql_type_bit.000001",
        "time_issue.000001",
        "minimal_row_metadata.000001",
        "transaction_compression.000001",
        "binlog_transaction_with_GTID_TAG.000001",
    ] {
        let path = fixture(name);
        let mut fast = JsonlWriter::new(Vec::new());
        Decoder::all_tables(None)
            .decode_file(&path, &mut fast)
            .unwrap();
        let changes = Decoder::all_tables(None).read_file(&path).unwrap();
        let mut slow = JsonlWriter::new(Vec::new());
        for c in &changes {
            slow.write(&c.view()).unwrap();
        }
        fast.flush().unwrap();
        slow.flush().unwrap();
        assert_eq!(
            String::from_utf8(fast.into_inner()).unwrap(),
            String::from_utf8(slow.into_inner()).unwrap(),
            "{name}"
        );
    }
}

/// A binlog held in memory (the fuzz targets' entry point) decodes as the file does: the
/// same changes, or the same error naming the same file and offset.
#[test]
fn decoding_bytes_is_decoding_the_file() {
    use cdc::binlog::Decoder;
    use cdc::tail::output::JsonlWriter;
    let dirs = ["tests/fixtures/binlogs", "tests/mutants"];
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (mut errors, mut lines) = (0, 0);
    for dir in dirs.map(|d| root.join(d)) {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "md" || e == "py") {
                continue;
            }
            let mut from_file = JsonlWriter::new(Vec::new());
            let a = Decoder::all_tables(None).decode_file(&path, &mut from_file);
            let mut from_bytes = JsonlWriter::new(Vec::new());
            let bytes = std::fs::read(&path).unwrap();
            let name = path.display().to_string();
            let b = Decoder::all_tables(None).decode_bytes(&name, &bytes, &mut from_bytes);
            match (a, b) {
                (Ok(()), Ok(())) => {}
                (Err(a), Err(b)) => {
                    assert_eq!(a.to_string(), b.to_string());
                    errors += 1;
                }
                (a, b) => panic!("{path:?}: the file gave {a:?}, the bytes {b:?}"),
            }
            from_file.flush().unwrap();
            from_bytes.flush().unwrap();
            let (a, b) = (from_file.into_inner(), from_bytes.into_inner());
            lines += a.iter().filter(|&&b| b == b'\n').count();
            assert_eq!(String::from_utf8(a), String::from_utf8(b), "{path:?}");
        }
    }
    // The truncated fixture and the mutants: the error path was compared too.
    assert!(errors >= 6 && lines >= 50, "{errors} errors, {lines} lines");
}

/// Without FULL row metadata, a column provider (information_schema in live mode) names the
/// columns and says which are unsigned.
#[test]
fn a_column_provider_fills_names_and_signedness() {
    use cdc::binlog::change::Cell;
    use cdc::binlog::{ColumnInfo, Decoder};
    use std::collections::HashMap;
    let mut provider: HashMap<(String, String), ColumnInfo> = HashMap::new();
    provider.insert(
        ("noria".into(), "t1".into()),
        ColumnInfo {
            names: ["id", "b", "name", "d", "big"].map(String::from).to_vec(),
            unsigned: vec![false; 5],
        },
    );
    let changes = Decoder::all_tables(Some(&provider))
        .read_file(&fixture("minimal_row_metadata.000001"))
        .unwrap();
    let after = changes[0].after.as_ref().unwrap();
    let names: Vec<&str> = after.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["id", "name", "big"]);
    // The binlog's own SIGNEDNESS metadata wins over the provider's.
    assert_eq!(after[2].1, Cell::UInt(3230202323));
}

#[test]
fn a_flipped_byte_fails_the_event_checksum_naming_file_and_offset() {
    use cdc::binlog::file::{BinlogFile, EventHeader};

    let dir = tempfile::tempdir().unwrap();
    for name in ["mariadb-bin.000001", "json.binlog.000001"] {
        // The first rows event: one byte of its row image flipped, header and size intact.
        let mut file = BinlogFile::open(&fixture(name)).unwrap();
        let mut buf = Vec::new();
        let mut target = None;
        while let Some(offset) = file.next_event(&mut buf).unwrap() {
            let h = EventHeader::parse(&buf).unwrap();
            if matches!(h.event_type, 23 | 24 | 25 | 30 | 31 | 32) && buf.len() > 30 {
                target = Some((offset, buf.len()));
                break;
            }
        }
        let (offset, len) = target.expect("a rows event");
        let mut bytes = std::fs::read(fixture(name)).unwrap();
        bytes[offset as usize + len - 6] ^= 0x01;
        let bad = dir.path().join(name);
        std::fs::write(&bad, &bytes).unwrap();

        let out = tail(&["*.*", "--format", "jsonl"], &[bad.as_path()]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("{name}: at byte offset {offset}:"))
                && err.contains("checksum mismatch"),
            "{name}: {err}"
        );
        // The changes before the corrupt event were delivered.
        let before = String::from_utf8_lossy(&out.stdout).lines().count();
        let all = jsonl(name).len();
        assert!(before < all, "{name}: {before} of {all}");
    }
}

/// The mutants of issue 13 (tests/mutants, made from the fixtures by make.py): each once
/// looped forever or decoded a wrong value with exit 0; each is now exit 1 naming the file,
/// the event's offset and what is wrong.
#[test]
fn mutant_binlogs_are_errors_naming_file_and_offset() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mutants");
    for (name, offset, why) in [
        (
            "empty_column_bitmap.binlog",
            1085,
            "a row image of no columns",
        ),
        ("fde_checksum_off.000001", 4, "checksum mismatch"),
        ("artificial_flag.000001", 927, "checksum mismatch"),
        // Found by fuzz/binlog_decode: mysql_common's reader of this header panicked.
        (
            "payload_compression_type.000001",
            274,
            "compression type 101, which no server writes",
        ),
        (
            "payload_field_past_end.000001",
            274,
            "the compressed transaction ends inside header field 9",
        ),
        // Found by fuzz/binlog_decode: mysql_common's JSON reader panicked (overflow).
        (
            "json_decimal_scale.binlog",
            1197,
            "bad JSON value: bad DECIMAL(6,9) metadata",
        ),
        // Found by fuzz/binlog_decode (its input, checksums resealed): mysql_common
        // allocated for a SET's label count before reading a label.
        (
            "set_label_count.binlog",
            476,
            "6001614136269357568 ENUM/SET labels in 11 bytes",
        ),
        // Found by fuzz/binlog_decode in CI (its input as it is): a MariaDB compressed rows
        // event declaring 451 GB uncompressed was an allocation that aborted the process.
        (
            "compressed_rows_length.binlog",
            127,
            "declares 451005186048 bytes uncompressed, more than an event can hold",
        ),
    ] {
        let path = dir.join(name);
        let out = tail(&["*.*", "--format", "jsonl"], &[path.as_path()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(
            err.contains(&format!("{name}: at byte offset {offset}:")) && err.contains(why),
            "{name}: {err}"
        );
        // Only what came before the bad event: a handful of lines, not an endless stream.
        assert!(
            out.stdout.len() < 4096,
            "{name}: {} bytes",
            out.stdout.len()
        );
    }
}
