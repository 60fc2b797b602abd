//! The pipeline panel's state: the last sample, how long each table's counts have differed,
//! and the canary run started from the keyboard.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use crate::pipeline::TableRows;
use crate::tail::pipeline::{CanaryEvent, PipelineView};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Panel {
    pub(crate) view: Option<PipelineView>,
    /// Local time the last sample arrived.
    pub(crate) sampled_at: Option<SystemTime>,
    /// Since when each table's two counts have differed; gone once they agree.
    pub(crate) differ_since: BTreeMap<String, SystemTime>,
    /// How long counts may differ before it is more than lag (validate's --settle, widened
    /// by the sampling interval).
    pub(crate) settle: Duration,
    /// Whether `c` can run a canary (a target was given).
    pub(crate) canary_possible: bool,
    pub(crate) canary: Option<CanaryRun>,
}

/// One canary run, as far as it got.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct CanaryRun {
    pub(crate) run_id: Option<String>,
    /// The step being watched for on the target.
    pub(crate) watching: Option<&'static str>,
    pub(crate) steps: Vec<StepSeen>,
    /// (passed, summary) once over.
    pub(crate) finished: Option<(bool, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StepSeen {
    pub(crate) step: &'static str,
    pub(crate) arrived: bool,
    pub(crate) latency_ms: Option<u64>,
    pub(crate) message: String,
}

/// Source and target counts of one table, read together with how long they have differed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Agreement {
    /// One side could not be counted.
    Unknown,
    Equal,
    /// Counts differ (target minus source), for less than the settle time: lag so far.
    CatchingUp {
        diff: i64,
        secs: u64,
    },
    /// Counts have differed for longer than the settle time: rows lost (or extra).
    Differs {
        diff: i64,
        secs: u64,
    },
}

impl Panel {
    pub(crate) fn new(settle: Duration, canary_possible: bool) -> Panel {
        Panel {
            view: None,
            sampled_at: None,
            differ_since: BTreeMap::new(),
            settle,
            canary_possible,
            canary: None,
        }
    }

    pub(crate) fn on_view(&mut self, view: PipelineView, now: SystemTime) {
        for t in &view.tables {
            match (t.source, t.target) {
                (Some(s), Some(d)) if s != d => {
                    self.differ_since.entry(t.table.clone()).or_insert(now);
                }
                // Equal, or one side unreadable: a difference not seen is not kept running.
                _ => {
                    self.differ_since.remove(&t.table);
                }
            }
        }
        self.view = Some(view);
        self.sampled_at = Some(now);
    }

    pub(crate) fn agreement(&self, t: &TableRows, now: SystemTime) -> Agreement {
        let (Some(s), Some(d)) = (t.source, t.target) else {
            return Agreement::Unknown;
        };
        if s == d {
            return Agreement::Equal;
        }
        let diff = d as i64 - s as i64;
        let secs = self
            .differ_since
            .get(&t.table)
            .and_then(|since| now.duration_since(*since).ok())
            .unwrap_or_default();
        if secs > self.settle {
            Agreement::Differs {
                diff,
                secs: secs.as_secs(),
            }
        } else {
            Agreement::CatchingUp {
                diff,
                secs: secs.as_secs(),
            }
        }
    }

    /// Whether a canary is on its way (another `c` waits for it).
    pub(crate) fn canary_running(&self) -> bool {
        self.canary.as_ref().is_some_and(|c| c.finished.is_none())
    }

    /// `c`: a new run, unless one is going or none can run. True when the watcher is to be asked.
    pub(crate) fn request_canary(&mut self) -> bool {
        if self.canary_running() {
            return false;
        }
        if !self.canary_possible {
            self.canary = Some(CanaryRun {
                finished: Some((
                    false,
                    "no target: give --target to run a canary from here".into(),
                )),
                ..CanaryRun::default()
            });
            return false;
        }
        self.canary = Some(CanaryRun::default());
        true
    }

    pub(crate) fn on_canary(&mut self, event: CanaryEvent) {
        let run = self.canary.get_or_insert_with(CanaryRun::default);
        match event {
            CanaryEvent::Started { run_id } => {
                *run = CanaryRun {
                    run_id: Some(run_id),
                    ..CanaryRun::default()
                }
            }
            CanaryEvent::Watching { step } => run.watching = Some(step),
            CanaryEvent::Step {
                step,
                arrived,
                latency_ms,
                message,
            } => {
                run.watching = None;
                run.steps.push(StepSeen {
                    step,
                    arrived,
                    latency_ms,
                    message,
                });
            }
            CanaryEvent::Finished { passed, summary } => {
                run.watching = None;
                run.finished = Some((passed, summary));
            }
            CanaryEvent::Refused(why) => {
                run.watching = None;
                run.finished = Some((false, why));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn at(s: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_700_000_000 + s)
    }

    fn view(source: u64, target: u64) -> PipelineView {
        PipelineView {
            tables: vec![TableRows {
                table: "shop.orders".into(),
                source: Some(source),
                target: Some(target),
                error: None,
            }],
            ..PipelineView::default()
        }
    }

    #[test]
    fn a_difference_is_lag_until_it_outlasts_the_settle_time() {
        let mut p = Panel::new(Duration::from_secs(10), true);
        p.on_view(view(5, 5), at(0));
        let t = |p: &Panel| p.view.as_ref().unwrap().tables[0].clone();
        assert_eq!(p.agreement(&t(&p), at(0)), Agreement::Equal);
        p.on_view(view(8, 5), at(3));
        assert_eq!(
            p.agreement(&t(&p), at(6)),
            Agreement::CatchingUp { diff: -3, secs: 3 }
        );
        // Still differing (other numbers): measured from when it began.
        p.on_view(view(9, 7), at(12));
        assert_eq!(
            p.agreement(&t(&p), at(15)),
            Agreement::Differs { diff: -2, secs: 12 }
        );
        // Agreeing again resets the clock.
        p.on_view(view(9, 9), at(16));
        p.on_view(view(10, 9), at(17));
        assert_eq!(
            p.agreement(&t(&p), at(18)),
            Agreement::CatchingUp { diff: -1, secs: 1 }
        );
    }

    #[test]
    fn a_canary_runs_once_at_a_time_and_records_its_steps() {
        let mut p = Panel::new(Duration::from_secs(10), true);
        assert!(p.request_canary());
        assert!(!p.request_canary(), "one at a time");
        p.on_canary(CanaryEvent::Started {
            run_id: "cdc-1-2".into(),
        });
        p.on_canary(CanaryEvent::Watching { step: "insert" });
        p.on_canary(CanaryEvent::Step {
            step: "insert",
            arrived: true,
            latency_ms: Some(420),
            message: String::new(),
        });
        let run = p.canary.clone().unwrap();
        assert_eq!(run.steps.len(), 1);
        assert_eq!(run.watching, None);
        p.on_canary(CanaryEvent::Finished {
            passed: true,
            summary: "all three steps arrived".into(),
        });
        assert!(!p.canary_running());
        assert!(p.request_canary(), "a finished run can be run again");
        assert!(p.canary.as_ref().unwrap().steps.is_empty());
        // Without a target the key says why instead.
        let mut p = Panel::new(Duration::from_secs(10), false);
        assert!(!p.request_canary());
        assert!(p.canary.unwrap().finished.unwrap().1.contains("--target"));
    }
}
