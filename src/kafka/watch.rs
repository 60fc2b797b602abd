//! A topic watched from its end: each partition's end marked, then only what is written
//! after it read, as a consumer with `auto.offset.reset=latest` would, without a group.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use rskafka::client::partition::{OffsetAt, PartitionClient, UnknownTopicHandling};
use rskafka::record::RecordAndOffset;
use tokio::runtime::Runtime;

use super::error::KafkaError;
use super::record::Record;
use super::session::{connect, runtime, Session};
use super::topics::partitions;
use super::url::KafkaUrl;

/// How much one fetch may return: change events of one table are small.
const FETCH_BYTES: i32 = 4 * 1024 * 1024;

struct Partition {
    client: PartitionClient,
    at: Position,
}

/// Where a partition is read from.
struct Position {
    id: i32,
    /// The next offset to read.
    next: i64,
    /// Offsets already returned since the end was marked (tansu 0.6 repeats records when a
    /// fetch starts inside a batch).
    seen: HashSet<i64>,
}

impl Position {
    /// Keeps the records not returned before, advancing the next offset past them; whether
    /// any was new.
    fn take(&mut self, records: Vec<RecordAndOffset>, out: &mut Vec<Record>) -> bool {
        let requested = self.next;
        let mut got_any = false;
        for r in records {
            // Below the requested offset or already returned: tansu 0.6's answer to a fetch
            // that starts inside a batch.
            if r.offset < requested || !self.seen.insert(r.offset) {
                continue;
            }
            got_any = true;
            self.next = self.next.max(r.offset + 1);
            out.push(Record {
                key: r.record.key.unwrap_or_default(),
                value: r.record.value,
                partition: self.id,
                offset: r.offset,
                timestamp_ms: r.record.timestamp.timestamp_millis(),
            });
        }
        got_any
    }
}

pub struct TopicWatch {
    // Dropped before the runtime it runs on.
    session: Session,
    topic: String,
    partitions: Vec<Partition>,
    runtime: Runtime,
}

impl TopicWatch {
    /// Connects and finds the topic's partitions; every network wait is bounded by
    /// `timeout`. An unknown topic names the broker's closest ones.
    pub fn open(url: &KafkaUrl, topic: &str, timeout: Duration) -> Result<TopicWatch, KafkaError> {
        let runtime = runtime()?;
        let (session, partitions) = runtime.block_on(async {
            let session = connect(url, timeout).await?;
            let mut found = Vec::new();
            for id in partitions(&session, topic).await? {
                let client = session
                    .step(
                        topic,
                        session
                            .client
                            .partition_client(topic, id, UnknownTopicHandling::Error),
                    )
                    .await?;
                found.push(Partition {
                    client,
                    at: Position {
                        id,
                        next: 0,
                        seen: HashSet::new(),
                    },
                });
            }
            Ok::<_, KafkaError>((session, found))
        })?;
        Ok(TopicWatch {
            session,
            topic: topic.to_string(),
            partitions,
            runtime,
        })
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Marks every partition's end as of now: later polls return only records written
    /// after this call.
    pub fn mark_end(&mut self) -> Result<(), KafkaError> {
        let TopicWatch {
            session,
            topic,
            partitions,
            runtime,
        } = self;
        runtime.block_on(async {
            for p in partitions.iter_mut() {
                p.at.next = high_watermark(session, topic, &p.client).await?;
                p.at.seen.clear();
            }
            Ok(())
        })
    }

    /// The records written since the last poll (or the mark), waiting up to about `wait`
    /// for the first. (tansu 0.6 holds a fetch for its whole wait even when records come:
    /// short waits keep the latency measured close.)
    pub fn poll(&mut self, wait: Duration) -> Result<Vec<Record>, KafkaError> {
        let TopicWatch {
            session,
            topic,
            partitions,
            runtime,
        } = self;
        // One fetch after another: the wait is shared so a round takes about `wait`. (A
        // canary table's topic has one partition, or few.)
        let count = partitions.len().max(1) as u32;
        let each = (wait / count).max(Duration::from_millis(1));
        let started = Instant::now();
        let records = runtime.block_on(async {
            let mut out = Vec::new();
            for p in partitions.iter_mut() {
                let wait_ms = i32::try_from(each.as_millis()).unwrap_or(i32::MAX);
                let (records, high_watermark) = session
                    .step(
                        topic,
                        p.client.fetch_records(p.at.next, 1..FETCH_BYTES, wait_ms),
                    )
                    .await?;
                let empty = records.is_empty();
                p.at.take(records, &mut out);
                if empty && p.at.next < high_watermark {
                    // Only a transaction marker there: rskafka drops control batches
                    // without their offsets, and a marker takes one. (Not after records
                    // that were all dropped: the next one may still be unread.)
                    p.at.next += 1;
                }
            }
            Ok::<_, KafkaError>(out)
        })?;
        // A broker that answers an empty fetch at once (not waiting for data) is not asked
        // again in a tight loop.
        if records.is_empty() {
            std::thread::sleep(wait.saturating_sub(started.elapsed()));
        }
        Ok(records)
    }
}

/// The partition's end: the high watermark of a fetch (not ListOffsets' latest, which
/// tansu 0.6 answers with the last batch's first offset + 1, short of the records after it).
async fn high_watermark(
    session: &Session,
    topic: &str,
    client: &PartitionClient,
) -> Result<i64, KafkaError> {
    let latest = session
        .step(topic, client.get_offset(OffsetAt::Latest))
        .await?;
    let (_, high_watermark) = session
        .step(topic, client.fetch_records(latest, 1..FETCH_BYTES, 0))
        .await?;
    Ok(high_watermark.max(latest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(offset: i64) -> RecordAndOffset {
        RecordAndOffset {
            record: rskafka::record::Record {
                key: Some(b"k".to_vec()),
                value: None,
                headers: Default::default(),
                timestamp: chrono::DateTime::from_timestamp_millis(1_000).unwrap(),
            },
            offset,
        }
    }

    #[test]
    fn records_before_the_mark_or_seen_before_are_dropped() {
        let mut seen = HashSet::new();
        seen.insert(11);
        let mut p = Position {
            id: 2,
            next: 10,
            seen,
        };
        let mut out = Vec::new();
        // A fetch from inside a batch: the batch's start again, one record twice.
        assert!(p.take(vec![at(8), at(9), at(10), at(11), at(10), at(12)], &mut out));
        let offsets: Vec<i64> = out.iter().map(|r| r.offset).collect();
        assert_eq!(offsets, [10, 12]);
        assert_eq!(p.next, 13);
        assert_eq!((out[0].partition, out[0].timestamp_ms), (2, 1_000));
        assert!(!p.take(vec![at(12), at(5)], &mut out), "nothing new");
        assert_eq!(p.next, 13);
    }
}
