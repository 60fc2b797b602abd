//! End-to-end lag from a heartbeat row: one row of the canary table on the source, its note
//! the write time (epoch microseconds), rewritten at each sample and looked for on the target.
//! It also keeps a quiet pipeline's position moving (operators-2026-12.md, theme 5).

use std::collections::VecDeque;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::connection::sql::SqlError;
use crate::validate::table::TableRef;
use crate::validate::target::{Db, Engine};

/// The run_id of the heartbeat row. `cdc validate --crud` leaves rows with it alone.
pub const HEARTBEAT_RUN_ID: &str = "cdc-heartbeat";

/// The most heartbeats remembered as written and not yet seen on the target.
const MAX_UNSEEN: usize = 4096;

/// How far the target is behind the source, end to end.
#[derive(Debug, Clone, PartialEq)]
pub enum E2eLag {
    /// The newest heartbeat reached the target this long after it was written (or, when
    /// this sampler writes none, it is this old).
    Seen(Duration),
    /// A heartbeat written this long ago is not on the target yet: the lag is at least this.
    Waiting { since: Duration },
    /// Why there is no measure (no canary table, no target...).
    Unavailable(String),
}

impl E2eLag {
    /// Seconds of lag, at least: `Seen` and `Waiting` alike; None when unavailable.
    pub fn seconds(&self) -> Option<f64> {
        match self {
            E2eLag::Seen(d) | E2eLag::Waiting { since: d } => Some(d.as_secs_f64()),
            E2eLag::Unavailable(_) => None,
        }
    }
}

/// The heartbeats written and not seen yet, oldest first (epoch µs).
#[derive(Debug, Default)]
pub(crate) struct Beats {
    unseen: VecDeque<u64>,
}

impl Beats {
    pub(crate) fn wrote(&mut self, at: u64) {
        if self.unseen.len() >= MAX_UNSEEN {
            // The oldest stays: it is what the lag is measured from.
            self.unseen.remove(1);
        }
        self.unseen.push_back(at);
    }

    /// The lag, the target showing `seen` (its newest heartbeat) when looked at `now`.
    /// Every heartbeat up to `seen` has arrived: the pipeline applies in order.
    pub(crate) fn lag(&mut self, seen: Option<u64>, now: u64) -> E2eLag {
        if let Some(t) = seen {
            while self.unseen.front().is_some_and(|&w| w <= t) {
                self.unseen.pop_front();
            }
        }
        match (self.unseen.front(), seen) {
            (Some(&oldest), _) => E2eLag::Waiting {
                since: micros(now.saturating_sub(oldest)),
            },
            (None, Some(t)) => E2eLag::Seen(micros(now.saturating_sub(t))),
            (None, None) => E2eLag::Unavailable(
                "no heartbeat on the target yet, and none written by this sampler".into(),
            ),
        }
    }

    /// The newest heartbeat written and not seen, if any.
    fn newest_unseen(&self) -> Option<u64> {
        self.unseen.back().copied()
    }
}

fn micros(n: u64) -> Duration {
    Duration::from_micros(n)
}

/// Now, in epoch microseconds.
pub(crate) fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// The heartbeat of one canary table: writes on the source, looks on the target.
pub(crate) struct Heartbeat {
    pub(crate) canary: TableRef,
    pub(crate) target_table: TableRef,
    /// Write heartbeats (else only read what another writer, such as a tail, wrote).
    pub(crate) write: bool,
    /// How long a sample waits for the heartbeat it wrote to arrive.
    pub(crate) wait: Duration,
    beats: Beats,
}

impl Heartbeat {
    pub(crate) fn new(
        canary: TableRef,
        target_table: TableRef,
        write: bool,
        wait: Duration,
    ) -> Heartbeat {
        Heartbeat {
            canary,
            target_table,
            write,
            wait,
            beats: Beats::default(),
        }
    }

    /// Writes a heartbeat (when it may and the source is there), then looks on the target
    /// until it arrives or the wait is over.
    pub(crate) fn measure(&mut self, source: Option<&mut dyn Db>, target: &mut dyn Db) -> E2eLag {
        let mut write_error = None;
        if let (true, Some(source)) = (self.write, source) {
            let at = now_micros();
            match write(source, &self.canary, at) {
                Ok(()) => self.beats.wrote(at),
                Err(e) => match e.code {
                    Some(1146) => {
                        return E2eLag::Unavailable(format!(
                            "no canary table {} on the source: create it with cdc validate --init",
                            self.canary
                        ))
                    }
                    Some(1142) => {
                        return E2eLag::Unavailable(format!(
                            "the source account may not write the heartbeat to {}: it needs \
                             INSERT and UPDATE on it",
                            self.canary
                        ))
                    }
                    _ => write_error = Some(e),
                },
            }
        }
        let started = Instant::now();
        let mut pause = Duration::from_millis(5);
        loop {
            let seen = match newest_on(target, &self.target_table) {
                Ok(seen) => seen,
                Err(e) if e.connection_lost => return E2eLag::Unavailable(format!("target: {e}")),
                Err(e) => {
                    return E2eLag::Unavailable(format!(
                        "cannot read the heartbeat from {} on the target (is the canary table \
                         captured by the pipeline?): {e}",
                        self.target_table
                    ))
                }
            };
            let arrived = match (self.beats.newest_unseen(), seen) {
                (None, _) => true,
                (Some(w), Some(t)) => t >= w,
                (Some(_), None) => false,
            };
            if arrived || started.elapsed() >= self.wait {
                let lag = self.beats.lag(seen, now_micros());
                return match (lag, write_error) {
                    (E2eLag::Unavailable(_), Some(e)) => {
                        E2eLag::Unavailable(format!("cannot write the heartbeat: {e}"))
                    }
                    (lag, _) => lag,
                };
            }
            std::thread::sleep(pause.min(self.wait.saturating_sub(started.elapsed())));
            pause = (pause * 2).min(Duration::from_millis(200));
        }
    }
}

/// Upserts the heartbeat row. The canary table has no unique key but its id, so an UPDATE
/// that found no row is followed by the INSERT.
fn write(source: &mut dyn Db, canary: &TableRef, at: u64) -> Result<(), SqlError> {
    let e = Engine::MySql;
    let table = canary.quoted(e);
    let run_id = e.literal(HEARTBEAT_RUN_ID);
    source.query(&format!(
        "UPDATE {table} SET note = '{at}', created_at = NOW(6) WHERE run_id = {run_id}"
    ))?;
    let changed = source
        .query("SELECT ROW_COUNT()")?
        .scalar()
        .flatten()
        .and_then(|n| n.parse::<i64>().ok())
        .unwrap_or(0);
    if changed <= 0 {
        source.query(&format!(
            "INSERT INTO {table} (run_id, note) VALUES ({run_id}, '{at}')"
        ))?;
    }
    Ok(())
}

/// The newest heartbeat time the target shows (any heartbeat row: several writers share it).
fn newest_on(target: &mut dyn Db, table: &TableRef) -> Result<Option<u64>, SqlError> {
    let e = target.engine();
    let rows = target.query(&format!(
        "SELECT note FROM {} WHERE run_id = {}",
        table.quoted(e),
        e.literal(HEARTBEAT_RUN_ID)
    ))?;
    Ok(newest(
        rows.rows.iter().filter_map(|r| r.first()?.as_deref()),
    ))
}

/// The largest note that is a time; notes of other shapes are not heartbeats.
fn newest<'a>(notes: impl Iterator<Item = &'a str>) -> Option<u64> {
    notes.filter_map(|n| n.trim().parse::<u64>().ok()).max()
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000;

    #[test]
    fn a_heartbeat_seen_at_once_is_its_travel_time() {
        let mut b = Beats::default();
        b.wrote(100 * S);
        assert_eq!(
            b.lag(Some(100 * S), 100 * S + 250_000),
            E2eLag::Seen(Duration::from_millis(250))
        );
        // Nothing new written (another writer's row, or writing off): it ages.
        assert_eq!(
            b.lag(Some(100 * S), 130 * S),
            E2eLag::Seen(Duration::from_secs(30))
        );
    }

    #[test]
    fn a_stalled_target_counts_from_the_oldest_heartbeat_it_lacks() {
        let mut b = Beats::default();
        b.wrote(100 * S);
        assert_eq!(
            b.lag(Some(100 * S), 101 * S),
            E2eLag::Seen(Duration::from_secs(1))
        );
        b.wrote(115 * S);
        b.wrote(130 * S);
        // The target still shows the first: the one of 115 s is the oldest missing.
        assert_eq!(
            b.lag(Some(100 * S), 131 * S),
            E2eLag::Waiting {
                since: Duration::from_secs(16)
            }
        );
        // It caught up to 115 s, not 130 s.
        assert_eq!(
            b.lag(Some(115 * S), 132 * S),
            E2eLag::Waiting {
                since: Duration::from_secs(2)
            }
        );
        assert_eq!(
            b.lag(Some(130 * S), 133 * S),
            E2eLag::Seen(Duration::from_secs(3))
        );
    }

    #[test]
    fn nothing_on_the_target_waits_from_the_first_write_or_says_why() {
        let mut b = Beats::default();
        assert!(
            matches!(b.lag(None, 5 * S), E2eLag::Unavailable(why) if why.contains("none written"))
        );
        b.wrote(10 * S);
        b.wrote(20 * S);
        assert_eq!(
            b.lag(None, 25 * S),
            E2eLag::Waiting {
                since: Duration::from_secs(15)
            }
        );
        // A clock stepped back does not underflow.
        assert_eq!(
            b.lag(None, 5 * S),
            E2eLag::Waiting {
                since: Duration::ZERO
            }
        );
    }

    #[test]
    fn the_oldest_unseen_heartbeat_is_kept_when_the_memory_is_full() {
        let mut b = Beats::default();
        for i in 0..(MAX_UNSEEN as u64 + 10) {
            b.wrote((i + 1) * S);
        }
        assert_eq!(b.unseen.len(), MAX_UNSEEN);
        assert_eq!(b.unseen.front(), Some(&S));
        assert_eq!(b.newest_unseen(), Some((MAX_UNSEEN as u64 + 10) * S));
    }

    #[test]
    fn notes_that_are_not_times_are_ignored() {
        assert_eq!(newest(["17", "x", " 42 ", "", "-3"].into_iter()), Some(42));
        assert_eq!(newest(["cdc:i:ab"].into_iter()), None);
    }

    #[test]
    fn lag_in_seconds() {
        assert_eq!(
            E2eLag::Seen(Duration::from_millis(1500)).seconds(),
            Some(1.5)
        );
        assert_eq!(
            E2eLag::Waiting {
                since: Duration::from_secs(4)
            }
            .seconds(),
            Some(4.0)
        );
        assert_eq!(E2eLag::Unavailable("x".into()).seconds(), None);
    }
}
