//! The server's clock against ours, so commit lag is not off by a skewed clock.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::connection::sql::Sql;

/// Server clock minus local clock, in seconds, measured at the middle of the round trip.
pub(crate) fn measure(sql: &mut dyn Sql) -> Option<f64> {
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
