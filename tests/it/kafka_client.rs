//! cdc's Kafka client against a real broker (tansu): the newest record for a key across
//! every partition, read up to the high watermark, and typed errors callers branch on.

use std::time::{Duration, Instant};

use cdc::kafka::offsets_topic::last_value;
use cdc::kafka::KafkaError;

use crate::common::kafka::{free_port, Broker};

const TIMEOUT: Duration = Duration::from_secs(5);

#[test]
fn the_newest_matching_record_across_partitions() {
    let broker = Broker::start();
    broker.create_topic("offsets", 3);
    broker.produce("offsets", 0, &[(b"a", Some(b"a1")), (b"b", Some(b"b1"))]);
    let in_two = broker.produce("offsets", 2, &[(b"a", Some(b"a2")), (b"c", Some(b"c1"))]);
    // The tombstone ends a batch: read to the high watermark, not to the batch's start.
    let in_one = broker.produce("offsets", 1, &[(b"b", Some(b"b2")), (b"b", None)]);

    let is = |want: &'static [u8]| move |k: &[u8]| k == want;
    let a = last_value(&broker.addr(), "offsets", &is(b"a"), TIMEOUT)
        .unwrap()
        .expect("a record for a");
    assert_eq!(a.value.as_deref(), Some(&b"a2"[..]));
    assert_eq!((a.partition, a.offset), (2, in_two[0]));
    assert!(a.timestamp_ms > 1_700_000_000_000, "{a:?}");

    // The newest record for b is a tombstone.
    let b = last_value(&broker.addr(), "offsets", &is(b"b"), TIMEOUT)
        .unwrap()
        .expect("a record for b");
    assert_eq!((b.partition, b.offset, b.value), (1, in_one[1], None));

    assert_eq!(
        last_value(&broker.addr(), "offsets", &is(b"z"), TIMEOUT).unwrap(),
        None
    );
}

#[test]
fn an_empty_topic_has_no_value() {
    let broker = Broker::start();
    broker.create_topic("empty", 2);
    assert_eq!(
        last_value(&broker.addr(), "empty", &|_| true, TIMEOUT).unwrap(),
        None
    );
}

#[test]
fn unknown_topics_and_silent_brokers_are_told_apart() {
    let broker = Broker::start();
    let e = last_value(&broker.addr(), "missing", &|_| true, TIMEOUT).unwrap_err();
    assert!(
        matches!(&e, KafkaError::UnknownTopic { topic, .. } if topic == "missing"),
        "{e:?}"
    );

    let addr = format!("127.0.0.1:{}", free_port());
    let started = Instant::now();
    let e = last_value(&addr, "offsets", &|_| true, Duration::from_secs(1)).unwrap_err();
    assert!(matches!(e, KafkaError::Unreachable { .. }), "{e:?}");
    assert!(e.to_string().contains(&addr), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );

    let e = last_value("broker:notaport", "offsets", &|_| true, TIMEOUT).unwrap_err();
    assert!(matches!(e, KafkaError::BadBroker(_)), "{e:?}");
}
