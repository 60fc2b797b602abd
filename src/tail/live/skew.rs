//! The server's clock against ours, so commit lag is not off by a skewed clock.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::connection::sql::Sql;

/// Server clock minus local clock, in seconds, measured at the middle of the round trip.
pub fn measure(sql: &mut dyn Sql) -> Option<f64> {
    let local_before = unix_now();
    let sent = Instant::now();
    let rows = sql.query("SELECT UNIX_TIMESTAMP(NOW(6))").ok()?;
    let rtt = sent.elapsed();
    let server: f64 = rows.scalar()??.parse().ok()?;
    Some(server - (local_before + rtt.as_secs_f64() / 2.0))
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs_f64()
}

/// Commit lag: now (on the server's clock) minus the commit time.
pub fn commit_lag(commit_ts: u32, skew_secs: f64, now: SystemTime) -> f64 {
    let now = now
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs_f64();
    (now + skew_secs - f64::from(commit_ts)).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_is_corrected_for_skew() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        assert_eq!(commit_lag(990, 0.0, now), 10.0);
        // The server's clock runs 5 s ahead: a change it stamped 990 happened 5 s ago.
        assert_eq!(commit_lag(990, -5.0, now), 5.0);
        assert_eq!(commit_lag(1_010, 0.0, now), 0.0);
    }
}
