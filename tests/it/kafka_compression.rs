//! Offsets topics written with each codec a Kafka producer may use (`compression.type`):
//! cdc reads them all, from a real broker (tansu).

use std::time::Duration;

use cdc::kafka::offsets_topic::last_value;
use rskafka::client::partition::Compression;

use crate::common::kafka::Broker;

#[test]
fn every_producer_codec_is_read() {
    let broker = Broker::start();
    let codecs = [
        ("none", Compression::NoCompression),
        ("gzip", Compression::Gzip),
        ("lz4", Compression::Lz4),
        ("snappy", Compression::Snappy),
        ("zstd", Compression::Zstd),
    ];
    for (name, codec) in codecs {
        let topic = format!("offsets-{name}");
        broker.create_topic(&topic, 1);
        let value = format!(r#"{{"file":"binlog.000007","pos":4711,"codec":"{name}"}}"#);
        // Two batches: the reader must step from one compressed batch to the next.
        broker.produce_compressed(&topic, 0, &[(b"k", Some(b"old"))], codec);
        let at = broker.produce_compressed(
            &topic,
            0,
            &[(b"other", Some(b"x")), (b"k", Some(value.as_bytes()))],
            codec,
        );
        let found = last_value(
            &broker.addr(),
            &topic,
            &|k| k == b"k",
            Duration::from_secs(5),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .unwrap_or_else(|| panic!("{name}: no record for k"));
        assert_eq!(found.value.as_deref(), Some(value.as_bytes()), "{name}");
        assert_eq!(found.offset, at[1], "{name}");
    }
}
