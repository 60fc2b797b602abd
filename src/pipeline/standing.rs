//! Where a stored position stands on the server now: how far behind the server's end it is,
//! and how long until the server purges the file it needs (the purge horizon).
//!
//! A binlog file is purged by age once it has ended (rotated) and its last write is older than
//! the retention, and by size (MariaDB 11.4+ max_binlog_total_size) oldest first once the kept
//! files add up to more than the limit. A file ends when the next one starts, so the start
//! times of the files after the stored one are what the forecast needs.

use crate::binlog::position::FilePos;

/// How the server purges binlogs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Retention {
    /// Age after which an ended file is purged; None: never by age.
    pub seconds: Option<f64>,
    /// Total size past which the oldest files are purged; None: no limit.
    pub total_bytes: Option<u64>,
    /// max_binlog_size: when the current file rotates.
    pub file_bytes: u64,
}

/// The measured standing, and how it was worked out (for the human report).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Standing {
    pub bytes_behind: Option<u64>,
    pub seconds_behind: Option<f64>,
    /// Seconds until the stored position is purged; None when nothing purges it or it could
    /// not be worked out (`basis` says which).
    pub horizon_s: Option<f64>,
    pub basis: String,
}

/// `files`: (name, size) oldest first; `started`: a file's start time (Unix s) if known;
/// `event_time`: when the last event the pipeline read was written.
pub fn measure(
    files: &[(String, u64)],
    at: &FilePos,
    retention: Retention,
    started: &mut dyn FnMut(&str) -> Option<i64>,
    event_time: Option<i64>,
    now: i64,
) -> Standing {
    let Some(idx) = files.iter().position(|(n, _)| *n == at.file) else {
        return Standing {
            basis: format!("{} is not among the server's binlogs", at.file),
            horizon_s: Some(0.0),
            ..Standing::default()
        };
    };
    let size = files[idx].1;
    let after: u64 = files[idx + 1..].iter().map(|(_, s)| s).sum();
    let bytes_behind = size.saturating_sub(at.pos) + after;
    let seconds_behind = if bytes_behind == 0 {
        Some(0.0)
    } else {
        event_time.map(|t| (now - t).max(0) as f64)
    };
    let last = files.len() - 1;
    // Write rate from the current file: its size over the time since it began.
    let current_start = started(&files[last].0);
    let rate = current_start
        .map(|s| (now - s).max(1) as f64)
        .map(|span| files[last].1 as f64 / span)
        .filter(|r| *r > 0.0);
    let mut basis = Vec::new();
    let mut horizons = Vec::new();
    if let Some(r) = retention.seconds {
        if idx < last {
            match started(&files[idx + 1].0) {
                Some(ended) => {
                    horizons.push((ended as f64 + r - now as f64).max(0.0));
                    basis.push(format!(
                        "{} ended {} ago, retention {}",
                        at.file,
                        words((now - ended).max(0) as f64),
                        words(r)
                    ));
                }
                None => basis.push(format!(
                    "when {} ended is unknown (reading it needs REPLICATION SLAVE)",
                    at.file
                )),
            }
        } else {
            // The current file: purged a retention after it rotates, which happens when it
            // fills at the current write rate (or at a restart or FLUSH, sooner).
            let rotation = rate.map(|r| (retention.file_bytes.saturating_sub(size)) as f64 / r);
            horizons.push(r + rotation.unwrap_or(0.0));
            basis.push(match rotation {
                Some(t) => format!(
                    "{} is the current file, full in about {} at the current write rate, then kept {}",
                    at.file,
                    words(t),
                    words(r)
                ),
                None => format!(
                    "{} is the current file, kept {} after it rotates",
                    at.file,
                    words(r)
                ),
            });
        }
    }
    if let Some(limit) = retention.total_bytes {
        let kept: u64 = files[idx..].iter().map(|(_, s)| s).sum();
        let room = limit.saturating_sub(kept) as f64;
        match rate {
            _ if room == 0.0 => horizons.push(0.0),
            Some(r) => horizons.push(room / r),
            None => {}
        }
        basis.push(format!(
            "binlogs from {} on hold {} of the {} limit",
            at.file,
            bytes(kept),
            bytes(limit)
        ));
    }
    if retention.seconds.is_none() && retention.total_bytes.is_none() {
        basis.push("nothing purges binlogs on this server".into());
    }
    Standing {
        bytes_behind: Some(bytes_behind),
        seconds_behind,
        horizon_s: horizons.into_iter().reduce(f64::min),
        basis: basis.join("; "),
    }
}

/// "31 h", "2 d", "45 min", "20 s": a duration as people say it.
pub fn words(secs: f64) -> String {
    let s = secs.max(0.0);
    if s < 90.0 {
        format!("{} s", s.round())
    } else if s < 90.0 * 60.0 {
        format!("{} min", (s / 60.0).round())
    } else if s < 48.0 * 3600.0 {
        format!("{} h", (s / 3600.0).round())
    } else {
        format!("{} d", (s / 86400.0).round())
    }
}

fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

impl Standing {
    /// "purged in about 31 h; the connector is 2 h behind (41.0 MiB)".
    pub fn in_words(&self) -> String {
        let horizon = match self.horizon_s {
            Some(h) if h <= 0.0 => "purged at the next rotation or purge".to_string(),
            Some(h) => format!("purged in about {}", words(h)),
            None if self.basis.contains("nothing purges") => "never purged".to_string(),
            None => "purge time unknown".to_string(),
        };
        let behind = match (self.bytes_behind, self.seconds_behind) {
            (Some(0), _) => "the connector is caught up".to_string(),
            (Some(b), Some(s)) => {
                format!("the connector is {} behind ({})", words(s), bytes(b))
            }
            (Some(b), None) => format!("the connector is {} behind", bytes(b)),
            (None, _) => String::new(),
        };
        [horizon, behind]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn files() -> Vec<(String, u64)> {
        vec![
            ("binlog.000001".into(), 1_000),
            ("binlog.000002".into(), 2_000),
            ("binlog.000003".into(), 500),
        ]
    }

    fn starts(name: &str) -> Option<i64> {
        match name {
            "binlog.000001" => Some(NOW - 10 * 3600),
            "binlog.000002" => Some(NOW - 5 * 3600),
            "binlog.000003" => Some(NOW - 500),
            _ => None,
        }
    }

    fn at(s: &str) -> FilePos {
        s.parse().unwrap()
    }

    const DAY: Retention = Retention {
        seconds: Some(86_400.0),
        total_bytes: None,
        file_bytes: 1_000_500,
    };

    #[test]
    fn an_ended_file_is_purged_a_retention_after_the_next_one_began() {
        let s = measure(
            &files(),
            &at("binlog.000001:400"),
            DAY,
            &mut starts,
            Some(NOW - 7200),
            NOW,
        );
        assert_eq!(s.bytes_behind, Some(600 + 2_000 + 500));
        assert_eq!(s.seconds_behind, Some(7200.0));
        // 000001 ended when 000002 began, 5 h ago: 19 h left of a day.
        assert_eq!(s.horizon_s, Some(19.0 * 3600.0));
        assert_eq!(
            s.in_words(),
            "purged in about 19 h; the connector is 2 h behind (3.0 KiB)"
        );
        assert!(
            s.basis
                .contains("binlog.000001 ended 5 h ago, retention 24 h"),
            "{}",
            s.basis
        );
    }

    #[test]
    fn the_current_file_is_kept_until_it_fills_then_a_retention() {
        let s = measure(
            &files(),
            &at("binlog.000003:500"),
            DAY,
            &mut starts,
            None,
            NOW,
        );
        assert_eq!(s.bytes_behind, Some(0));
        assert_eq!(s.seconds_behind, Some(0.0));
        // 500 bytes in 500 s: 1 B/s, a million bytes to go.
        assert_eq!(s.horizon_s, Some(86_400.0 + 1_000_000.0));
        assert_eq!(
            s.in_words(),
            "purged in about 13 d; the connector is caught up"
        );
    }

    #[test]
    fn a_size_limit_purges_when_the_room_is_written() {
        let r = Retention {
            seconds: None,
            total_bytes: Some(3_000),
            file_bytes: 1_000_500,
        };
        let s = measure(&files(), &at("binlog.000002:4"), r, &mut starts, None, NOW);
        // 2,500 bytes kept from 000002 on, 500 to go at 1 B/s.
        assert_eq!(s.horizon_s, Some(500.0));
        let full = measure(&files(), &at("binlog.000001:4"), r, &mut starts, None, NOW);
        assert_eq!(full.horizon_s, Some(0.0));
        assert!(
            full.in_words().starts_with("purged at the next"),
            "{}",
            full.in_words()
        );
    }

    #[test]
    fn nothing_purges_or_unknown() {
        let never = Retention {
            seconds: None,
            total_bytes: None,
            file_bytes: 1 << 30,
        };
        let s = measure(
            &files(),
            &at("binlog.000001:4"),
            never,
            &mut starts,
            None,
            NOW,
        );
        assert_eq!(s.horizon_s, None);
        assert!(s.in_words().starts_with("never purged"), "{}", s.in_words());
        let s = measure(
            &files(),
            &at("binlog.000001:4"),
            DAY,
            &mut |_| None,
            None,
            NOW,
        );
        assert_eq!(s.horizon_s, None);
        assert!(
            s.in_words().starts_with("purge time unknown"),
            "{}",
            s.in_words()
        );
        assert!(s.basis.contains("REPLICATION SLAVE"), "{}", s.basis);
    }
}
