//! `cdc monitor`: samples a pipeline on its own schedule and serves the latest sample as
//! Prometheus metrics. A scrape never waits for a sample: it gets the last rendered text.

pub mod http;
pub mod metrics;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::pipeline::Sampler;

use http::Latest;

/// Samples every `interval` (from the start of one sample to the next; a sample that takes
/// longer is followed at once by the next) into `latest`, until `stop` is set.
pub fn sample_loop(mut sampler: Sampler, interval: Duration, latest: &Latest, stop: &AtomicBool) {
    let mut was_up: Option<bool> = None;
    while !stop.load(Ordering::SeqCst) {
        let started = Instant::now();
        let sample = sampler.sample();
        let took = started.elapsed();
        latest.set(metrics::render(&sample, took));
        // A changed state goes to stderr, once: the log of a long-running service.
        if was_up != Some(sample.source_up) {
            match (&sample.source_error, was_up) {
                (Some(why), _) => eprintln!("cdc monitor: the source is down: {why}"),
                (None, Some(false)) => eprintln!("cdc monitor: the source is up again"),
                (None, _) => {}
            }
            was_up = Some(sample.source_up);
        }
        log::debug!("sample took {took:?}");
        let next = started + interval;
        while !stop.load(Ordering::SeqCst) {
            let left = next.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            std::thread::sleep(left.min(Duration::from_millis(100)));
        }
    }
}

/// Runs [`sample_loop`] on its own thread.
pub fn spawn_sampler(
    sampler: Sampler,
    interval: Duration,
    latest: Arc<Latest>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || sample_loop(sampler, interval, &latest, &stop))
}
