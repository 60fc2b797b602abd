//! The newest record for a key in a compacted topic such as Kafka Connect's offsets topic:
//! every partition read from its earliest offset to the high watermark at call time.

use std::time::Duration;

use rskafka::client::partition::{OffsetAt, PartitionClient, UnknownTopicHandling};

use super::error::KafkaError;
use super::record::Record;
use super::session::{with_session, Session};
use super::topics::partitions;

/// How much one fetch may return; Connect offsets are small, many fit.
const FETCH_BYTES: i32 = 4 * 1024 * 1024;
/// How long the broker may wait to fill a fetch: never long, everything read is already there.
const FETCH_WAIT_MS: i32 = 100;

/// The newest record whose key `key_matches` (a tombstone is one with `value` None), or None
/// when no record matches. Each network wait is bounded by `timeout`.
pub fn last_value(
    broker: &str,
    topic: &str,
    key_matches: &dyn Fn(&[u8]) -> bool,
    timeout: Duration,
) -> Result<Option<Record>, KafkaError> {
    with_session(broker, timeout, |session| async move {
        let partitions = partitions(&session, topic).await?;
        let mut newest: Option<Record> = None;
        for partition in partitions {
            let found = last_in_partition(&session, topic, partition, key_matches).await?;
            // One key lives in one partition, unless the topic was repartitioned: then the
            // latest write wins.
            if let Some(r) = found {
                if newest
                    .as_ref()
                    .is_none_or(|n| r.timestamp_ms >= n.timestamp_ms)
                {
                    newest = Some(r);
                }
            }
        }
        Ok(newest)
    })
}

async fn last_in_partition(
    session: &Session,
    topic: &str,
    partition: i32,
    key_matches: &dyn Fn(&[u8]) -> bool,
) -> Result<Option<Record>, KafkaError> {
    let client: PartitionClient = session
        .step(
            topic,
            session
                .client
                .partition_client(topic, partition, UnknownTopicHandling::Error),
        )
        .await?;
    let mut offset = session
        .step(topic, client.get_offset(OffsetAt::Earliest))
        .await?;
    // The end is the first fetch's high watermark, fixed then: records written while reading
    // are not waited for. (Not ListOffsets' latest: tansu 0.6 answers the last batch's first
    // offset + 1 there, short of the records after it.)
    let mut end = None;
    let mut newest = None;
    loop {
        let (records, high_watermark) = session
            .step(
                topic,
                client.fetch_records(offset, 1..FETCH_BYTES, FETCH_WAIT_MS),
            )
            .await?;
        let end = *end.get_or_insert(high_watermark);
        let Some(last) = records.last().map(|r| r.offset) else {
            if offset >= end {
                break;
            }
            // Only a transaction marker there: rskafka drops control batches without their
            // offsets, and a marker takes one.
            offset += 1;
            continue;
        };
        for r in records {
            if r.offset >= end {
                break;
            }
            let Some(key) = r.record.key else { continue };
            if key_matches(&key) {
                newest = Some(Record {
                    key,
                    value: r.record.value,
                    partition,
                    offset: r.offset,
                    timestamp_ms: r.record.timestamp.timestamp_millis(),
                });
            }
        }
        offset = last + 1;
        if offset >= end {
            break;
        }
    }
    Ok(newest)
}
