//! `--offset kafka://BROKER/TOPIC?connector=NAME`: Kafka Connect's offsets topic on a real
//! Kafka-protocol broker (tansu, started by the harness), holding Debezium-shaped offset
//! values the way a Connect worker writes them, judged against real servers.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::kafka::{self, Broker};
use crate::common::{self, check, Kind};

const TOPIC: &str = "connect-offsets";
const KEY: &[u8] = br#"["inventory",{"server":"dbserver1"}]"#;

fn doctor_json(url: &str, offset: &str) -> (i32, Value) {
    common::cdc_json(&[
        "doctor", "--source", url, "--format", "json", "--offset", offset,
    ])
}

fn offset_url(broker: &str, topic: &str, connector: &str) -> String {
    format!("kafka://{broker}/{topic}?connector={connector}")
}

/// The server's current binlog file and position.
fn binlog_end(kind: Kind, server: &cdc::sandbox::LocalServer) -> (String, u64) {
    use mysql::prelude::Queryable;
    let mut conn = server.connect("root", "").unwrap();
    let row: mysql::Row = conn.query_first(kind.binlog_status()).unwrap().unwrap();
    (row.get(0).unwrap(), row.get(1).unwrap())
}

fn now_s() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn the_newest_offset_in_the_topic_resumes_until_it_is_purged(kind: Kind) {
    let server = common::retail_server_on(kind, &["--binlog-expire-logs-seconds=86400"]);
    let url = server.url("cdc_user", common::CDC_PASSWORD);
    let own: u32 = server
        .query_value("SELECT @@server_id")
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    let (file, pos) = binlog_end(kind, &server);
    let mut newest = json!({"file": file, "pos": pos, "server_id": own, "ts_sec": now_s()});
    if kind.is_mysql() {
        newest["gtids"] = common::gtid_set(kind, &server).into();
    }
    // Past the file's end: were this one read, position.available would fail.
    let older =
        json!({"file": file, "pos": 999_999_999u64, "server_id": own, "ts_sec": now_s() - 60});
    let other =
        json!({"file": file, "pos": 999_999_999u64, "server_id": own + 7, "ts_sec": now_s()});
    let other_key: &[u8] = br#"["billing",{"server":"dbserver2"}]"#;

    let broker = Broker::start();
    broker.create_topic(TOPIC, 3);
    let (older, newest, other) = (older.to_string(), newest.to_string(), other.to_string());
    broker.produce(
        TOPIC,
        1,
        &[
            (KEY, Some(older.as_bytes())),
            (KEY, Some(newest.as_bytes())),
            (other_key, Some(other.as_bytes())),
        ],
    );
    broker.produce(TOPIC, 2, &[(other_key, Some(other.as_bytes()))]);
    let offset = offset_url(&broker.addr(), TOPIC, "inventory");

    let (code, report) = doctor_json(&url, &offset);
    let c = check(&report, "position.available");
    assert_eq!(c["status"], "pass", "{c:#}");
    // The newest value, at the server's end: the older one lies past the file's end.
    assert!(c["message"].as_str().unwrap().contains(&file), "{c:#}");
    assert_eq!(c["bytes_behind"], 0, "{c:#}");
    if !kind.is_mysql() {
        // With GTIDs (MySQL) the set is judged and shown instead of the file position.
        let observed = c["observed"].as_str().unwrap();
        assert!(observed.contains(&format!("{file}:{pos}")), "{c:#}");
    }
    assert!(c["horizon_s"].as_f64().is_some(), "retention is set: {c:#}");
    assert_eq!(code, 0, "{report:#}");

    // The connector stops; the server goes on writing and purges what it has not read.
    for i in 0..3 {
        server
            .exec(&format!(
                "INSERT INTO retail_db.orders (customer_id, order_status, total_amount) VALUES (1, 'new', {i}.50)"
            ))
            .unwrap();
    }
    common::purge_all_but_the_current_binlog(kind, &server);
    let (code, report) = doctor_json(&url, &offset);
    let c = check(&report, "position.available");
    assert_eq!(c["status"], "fail", "{c:#}");
    assert!(c["message"].as_str().unwrap().contains("purged"), "{c:#}");
    assert_eq!(c["horizon_s"], 0.0, "{c:#}");
    assert_eq!(code, 1);
}

on_each_server!(the_newest_offset_in_the_topic_resumes_until_it_is_purged);

/// Runs doctor with a Kafka --offset that cannot be read: (exit code, all output, time taken).
fn doctor_failing(url: &str, offset: &str, timeout: &str) -> (i32, String, Duration) {
    let started = Instant::now();
    let out = common::cdc(&[
        "doctor",
        "--source",
        url,
        "--connect-timeout",
        timeout,
        "--offset",
        offset,
    ]);
    let text = common::all_output(&out);
    assert!(!text.contains(common::CDC_PASSWORD), "{text}");
    (out.status.code().unwrap_or(-1), text, started.elapsed())
}

#[test]
fn a_tombstone_an_unknown_connector_or_topic_say_so() {
    let server = common::retail_server(&[]);
    let url = server.url("cdc_user", common::CDC_PASSWORD);
    let broker = Broker::start();
    broker.create_topic(TOPIC, 1);
    let value = br#"{"file":"mysql-bin.000003","pos":4,"server_id":1}"#;
    let offsets = broker.produce(TOPIC, 0, &[(KEY, Some(value)), (KEY, None)]);

    let (code, text, _) =
        doctor_failing(&url, &offset_url(&broker.addr(), TOPIC, "inventory"), "5s");
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("tombstone") && text.contains("offsets were reset"),
        "{text}"
    );
    assert!(text.contains(&format!("offset {}", offsets[1])), "{text}");

    let (code, text, _) = doctor_failing(&url, &offset_url(&broker.addr(), TOPIC, "nope"), "5s");
    assert_eq!(code, 2, "{text}");
    assert!(text.contains(r#"no record keyed ["nope", ...]"#), "{text}");

    let (code, text, _) = doctor_failing(
        &url,
        &offset_url(&broker.addr(), "no-such-topic", "inventory"),
        "5s",
    );
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains(&format!("{} has no topic \"no-such-topic\"", broker.addr())),
        "{text}"
    );
}

#[test]
fn a_broker_that_is_not_listening_is_named_within_the_timeout() {
    let server = common::retail_server(&[]);
    let url = server.url("cdc_user", common::CDC_PASSWORD);
    let addr = format!("127.0.0.1:{}", kafka::free_port());
    let (code, text, took) = doctor_failing(&url, &offset_url(&addr, TOPIC, "inventory"), "2s");
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains(&format!(
            "Kafka broker {addr} could not be reached within 2.0 s"
        )),
        "{text}"
    );
    // The bound, plus the time doctor takes to start and connect to the source.
    assert!(took < Duration::from_secs(8), "took {took:?}: {text}");
}
