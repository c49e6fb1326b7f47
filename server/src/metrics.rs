//! Request counts and latency by operation and status, in the Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

const BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct Series {
    count: u64,
    sum_seconds: f64,
    buckets: [u64; BUCKETS.len()],
}

/// The counters of one process.
#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(&'static str, u16), Series>>,
}

impl Metrics {
    /// Records one request.
    pub fn observe(&self, operation: &'static str, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let Ok(mut series) = self.series.lock() else {
            return;
        };
        let entry = series.entry((operation, status)).or_default();
        entry.count += 1;
        entry.sum_seconds += seconds;
        for (bucket, bound) in entry.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= *bound {
                *bucket += 1;
            }
        }
    }

    /// Requests answered since the process started.
    pub fn requests(&self) -> u64 {
        self.series
            .lock()
            .map_or(0, |series| series.values().map(|s| s.count).sum())
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let Ok(series) = self.series.lock() else {
            return out;
        };
        out.push_str("# HELP enrolld_http_requests_total HTTP requests by operation and status.\n");
        out.push_str("# TYPE enrolld_http_requests_total counter\n");
        for ((operation, status), s) in series.iter() {
            let _ = writeln!(
                out,
                "enrolld_http_requests_total{{operation=\"{operation}\",status=\"{status}\"}} {}",
                s.count
            );
        }
        out.push_str("# HELP enrolld_http_request_duration_seconds HTTP request latency by operation and status.\n");
        out.push_str("# TYPE enrolld_http_request_duration_seconds histogram\n");
        for ((operation, status), s) in series.iter() {
            let labels = format!("operation=\"{operation}\",status=\"{status}\"");
            for (bound, count) in BUCKETS.iter().zip(s.buckets) {
                let _ = writeln!(
                    out,
                    "enrolld_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "enrolld_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "enrolld_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum_seconds
            );
            let _ = writeln!(
                out,
                "enrolld_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        out
    }
}
