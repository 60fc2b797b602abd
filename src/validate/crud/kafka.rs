//! A Kafka topic as the canary's target: each step watched on the topic from its end (marked
//! before the step's write) until a change event for the canary row with the step's
//! operation arrives, in any of the JSON forms [`crate::kafka::debezium`] reads.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use super::row_plan::RowPlan;
use super::watch::Watch;
use super::{failed, interrupted, Crud, StepResult, StepStatus};
use crate::kafka::debezium::{parse_key, parse_value, same_as_text, Change, ChangeError, Key, Op};
use crate::kafka::watch::TopicWatch;
use crate::kafka::Record;
use crate::validate::target::Db;

pub(crate) struct KafkaWatch {
    topic: TopicWatch,
}

impl KafkaWatch {
    pub(crate) fn new(topic: TopicWatch) -> KafkaWatch {
        KafkaWatch { topic }
    }
}

/// What one record says of the step being watched.
#[derive(Debug, PartialEq)]
enum Verdict {
    /// The step's change for the canary row; the capture lag when the event tells it.
    Shows { capture_lag_ms: Option<i64> },
    /// Another row, another operation, or an earlier step's event arriving late.
    Other,
    /// A record in a form no later record will be readable in either (Avro).
    Unsupported(ChangeError),
    /// A record that could not be read (not JSON, not an event).
    Unreadable(ChangeError),
}

impl Watch for KafkaWatch {
    fn db(&mut self) -> Option<&mut dyn Db> {
        None
    }

    fn name(&self) -> Option<String> {
        Some(self.topic.topic().to_string())
    }

    fn before_step(&mut self, _step: &'static str) -> Result<(), String> {
        self.topic.mark_end().map_err(|e| {
            format!(
                "cannot read the end of topic {} (the step was not written): {e}",
                self.topic.topic()
            )
        })
    }

    fn wait(
        &mut self,
        crud: &Crud<'_>,
        plan: &RowPlan,
        run_id: &str,
        step: &'static str,
    ) -> StepResult {
        let started = Instant::now();
        let mut others = 0usize;
        let mut unreadable: Option<(usize, ChangeError)> = None;
        let mut broker_error: Option<String> = None;
        // As a table target is polled: the first looks come soon (from 2 ms, doubling), so
        // a fast pipeline's latency is measured in milliseconds on any broker.
        let mut pause = Duration::from_millis(2).min(crud.poll);
        loop {
            if crud.cancel.load(Ordering::SeqCst) {
                return interrupted(step);
            }
            let left = crud.timeout.saturating_sub(started.elapsed());
            if left.is_zero() {
                break;
            }
            let wait = pause.min(left).max(Duration::from_millis(1));
            pause = (pause * 2).min(crud.poll);
            let records = match self.topic.poll(wait) {
                Ok(r) => {
                    broker_error = None;
                    r
                }
                Err(e) => {
                    // A broker restarting is asked again until the timeout, as a table
                    // target's session reconnects.
                    broker_error = Some(e.to_string());
                    std::thread::sleep(wait);
                    continue;
                }
            };
            for r in &records {
                match judge(r, plan, run_id, step) {
                    Verdict::Shows { capture_lag_ms } => {
                        return StepResult {
                            step,
                            status: StepStatus::Arrived,
                            latency_ms: Some(started.elapsed().as_millis() as u64),
                            message: String::new(),
                            capture_lag_ms,
                        }
                    }
                    Verdict::Other => others += 1,
                    Verdict::Unsupported(e) => {
                        return failed(
                            step,
                            format!(
                                "topic {} partition {} offset {}: {e}",
                                self.topic.topic(),
                                r.partition,
                                r.offset
                            ),
                        )
                    }
                    Verdict::Unreadable(e) => {
                        unreadable.get_or_insert((0, e)).0 += 1;
                    }
                }
            }
        }
        let mut message = format!(
            "no {} for this row on topic {} within {} s: the pipeline did not deliver it",
            expected_event(step),
            self.topic.topic(),
            crud.timeout.as_secs_f32()
        );
        if others > 0 {
            message.push_str(&format!(
                "; {others} other message(s) arrived (other rows or operations)"
            ));
        }
        if let Some((n, e)) = unreadable {
            message.push_str(&format!("; {n} message(s) could not be read: {e}"));
        }
        if let Some(e) = broker_error {
            message.push_str(&format!("; the broker answered: {e}"));
        }
        StepResult {
            step,
            status: StepStatus::TimedOut,
            latency_ms: None,
            message,
            capture_lag_ms: None,
        }
    }
}

fn expected_event(step: &str) -> &'static str {
    match step {
        "insert" => "create event (op c)",
        "update" => "update event (op u)",
        _ => "delete event (op d, __deleted true or a tombstone)",
    }
}

fn judge(r: &Record, plan: &RowPlan, run_id: &str, step: &str) -> Verdict {
    let change = match parse_value(r.value.as_deref()) {
        Ok(c) => c,
        Err(e @ ChangeError::Avro(_)) => return Verdict::Unsupported(e),
        Err(e) => return Verdict::Unreadable(e),
    };
    let key = match parse_key(&r.key) {
        Ok(k) => k,
        Err(e @ ChangeError::Avro(_)) => return Verdict::Unsupported(e),
        // The value may still tell the row.
        Err(_) => Key::None,
    };
    let by_key = key_says(&key, plan);
    let event = match change {
        Change::Tombstone if step == "delete" && by_key == Some(true) => {
            return Verdict::Shows {
                capture_lag_ms: None,
            }
        }
        Change::Tombstone => return Verdict::Other,
        Change::Event(e) => e,
    };
    let ours = by_key.unwrap_or_else(|| row_has_key(&event.row, plan))
        && column_is(&event.row, plan.run_column.as_deref(), run_id);
    if !ours {
        return Verdict::Other;
    }
    let probe = |inserted: bool| match &plan.probe {
        Some(p) => {
            let want = if inserted { &p.inserted } else { &p.updated };
            column_is(&event.row, Some(&p.column), want.text())
        }
        None => true,
    };
    let shows = match step {
        "insert" => {
            !event.deleted && matches!(event.op, None | Some(Op::Create | Op::Read)) && probe(true)
        }
        "update" => !event.deleted && matches!(event.op, None | Some(Op::Update)) && probe(false),
        _ => event.deleted,
    };
    if shows {
        Verdict::Shows {
            capture_lag_ms: event.source_ts_ms.map(|t| r.timestamp_ms - t),
        }
    } else {
        Verdict::Other
    }
}

/// Whether the record key is the canary row's; None when the key does not name the key
/// columns (then the row's own fields tell).
fn key_says(key: &Key, plan: &RowPlan) -> Option<bool> {
    match key {
        Key::Fields(m) if plan.key.iter().all(|(c, _)| m.contains_key(c)) => {
            Some(row_has_key(m, plan))
        }
        Key::Scalar(v) if plan.key.len() == 1 => Some(
            plan.key[0]
                .1
                .as_deref()
                .is_some_and(|want| same_as_text(v, want)),
        ),
        _ => None,
    }
}

fn row_has_key(row: &Map<String, Value>, plan: &RowPlan) -> bool {
    !plan.key.is_empty()
        && plan.key.iter().all(|(c, want)| {
            matches!((row.get(c), want), (Some(v), Some(want)) if same_as_text(v, want))
        })
}

/// The row's `column` is `want`; true when the event does not carry the column (a pipeline
/// may leave columns out).
fn column_is(row: &Map<String, Value>, column: Option<&str>, want: &str) -> bool {
    match column.and_then(|c| row.get(c)) {
        Some(v) => same_as_text(v, want),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::table::TableRef;

    fn plan() -> RowPlan {
        let mut p = RowPlan::canary(&TableRef::parse("retail_db.cdc_canary").unwrap(), "run-1");
        p.set_generated_key("7");
        p
    }

    fn record(key: &str, value: Option<&str>) -> Record {
        Record {
            key: key.as_bytes().to_vec(),
            value: value.map(|v| v.as_bytes().to_vec()),
            partition: 0,
            offset: 3,
            timestamp_ms: 1_000_250,
        }
    }

    fn envelope(op: &str, id: u64, run: &str, note: &str) -> String {
        let row = format!(r#"{{"id":{id},"run_id":"{run}","note":"{note}"}}"#);
        let (before, after) = if op == "d" {
            (row.as_str(), "null")
        } else {
            ("null", row.as_str())
        };
        format!(
            r#"{{"before":{before},"after":{after},"source":{{"ts_ms":1000000}},"op":"{op}","ts_ms":1000200}}"#
        )
    }

    #[test]
    fn each_step_is_told_by_key_run_and_operation() {
        let p = plan();
        let judge = |r: &Record, step| judge(r, &p, "run-1", step);
        let insert = record(r#"{"id":7}"#, Some(&envelope("c", 7, "run-1", "inserted")));
        assert_eq!(
            judge(&insert, "insert"),
            Verdict::Shows {
                capture_lag_ms: Some(250)
            }
        );
        assert_eq!(judge(&insert, "update"), Verdict::Other, "not an update");
        let update = record(r#"{"id":7}"#, Some(&envelope("u", 7, "run-1", "updated")));
        assert!(matches!(judge(&update, "update"), Verdict::Shows { .. }));
        let delete = record(r#"{"id":7}"#, Some(&envelope("d", 7, "run-1", "updated")));
        assert!(matches!(judge(&delete, "delete"), Verdict::Shows { .. }));
        let tombstone = record(r#"{"id":7}"#, None);
        assert_eq!(
            judge(&tombstone, "delete"),
            Verdict::Shows {
                capture_lag_ms: None
            }
        );
        assert_eq!(judge(&tombstone, "insert"), Verdict::Other);

        // Another row, another run's row under the same key, another row's tombstone.
        let other = record(r#"{"id":8}"#, Some(&envelope("c", 8, "run-1", "inserted")));
        assert_eq!(judge(&other, "insert"), Verdict::Other);
        let other_run = record(r#"{"id":7}"#, Some(&envelope("c", 7, "run-0", "inserted")));
        assert_eq!(judge(&other_run, "insert"), Verdict::Other);
        assert_eq!(
            judge(&record(r#"{"id":8}"#, None), "delete"),
            Verdict::Other
        );
        // No key on the record: the row's own fields tell.
        let keyless = record("", Some(&envelope("c", 7, "run-1", "inserted")));
        assert!(matches!(judge(&keyless, "insert"), Verdict::Shows { .. }));
    }

    #[test]
    fn flattened_rows_are_told_by_the_probe_and_deleted_flag() {
        let p = plan();
        let judge = |v: &str, step| judge(&record(r#"{"id":7}"#, Some(v)), &p, "run-1", step);
        let inserted = r#"{"id":7,"run_id":"run-1","note":"inserted","__deleted":"false"}"#;
        assert!(matches!(judge(inserted, "insert"), Verdict::Shows { .. }));
        assert_eq!(
            judge(inserted, "update"),
            Verdict::Other,
            "the probe says insert"
        );
        let updated =
            r#"{"id":7,"run_id":"run-1","note":"updated","__op":"u","__source_ts_ms":999000}"#;
        assert_eq!(
            judge(updated, "update"),
            Verdict::Shows {
                capture_lag_ms: Some(1250)
            }
        );
        let deleted = r#"{"id":7,"run_id":"run-1","note":"updated","__deleted":"true"}"#;
        assert!(matches!(judge(deleted, "delete"), Verdict::Shows { .. }));
        assert_eq!(judge(deleted, "update"), Verdict::Other);
    }

    #[test]
    fn avro_fails_the_step_and_garbage_is_counted() {
        let p = plan();
        let avro = Record {
            key: vec![0, 0, 0, 0, 5, 14],
            value: Some(vec![0, 0, 0, 0, 6, 14, 2]),
            ..record("", None)
        };
        assert_eq!(
            judge(&avro, &p, "run-1", "insert"),
            Verdict::Unsupported(ChangeError::Avro(6))
        );
        let garbage = record(r#"{"id":7}"#, Some("{not json"));
        assert!(matches!(
            judge(&garbage, &p, "run-1", "insert"),
            Verdict::Unreadable(ChangeError::NotJson(_))
        ));
    }
}
