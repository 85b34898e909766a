//! Counters and histograms, served in the Prometheus text format at
//! `/metrics`.

use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const LATENCY_BUCKETS: [f64; 12] =
    [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0];
/// Upper bounds of the batch-size buckets.
const SIZE_BUCKETS: [f64; 9] = [1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0];

/// The server's metrics.
#[derive(Default)]
pub struct Metrics {
    entries_logged: AtomicU64,
    requests: AtomicU64,
    errors: Mutex<Vec<(String, u64)>>,
    commit_entries: Histogram<9>,
    commit_seconds: Histogram<12>,
    index_seconds: Histogram<12>,
    ack_seconds: Histogram<12>,
}

struct Histogram<const N: usize> {
    counts: [AtomicU64; N],
    overflow: AtomicU64,
    sum_micros: AtomicU64,
}

impl<const N: usize> Default for Histogram<N> {
    fn default() -> Self {
        Histogram {
            counts: std::array::from_fn(|_| AtomicU64::new(0)),
            overflow: AtomicU64::new(0),
            sum_micros: AtomicU64::new(0),
        }
    }
}

impl<const N: usize> Histogram<N> {
    fn observe(&self, bounds: &[f64; N], value: f64) {
        match bounds.iter().position(|&b| value <= b) {
            Some(i) => self.counts[i].fetch_add(1, Ordering::Relaxed),
            None => self.overflow.fetch_add(1, Ordering::Relaxed),
        };
        self.sum_micros.fetch_add((value * 1e6) as u64, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str, bounds: &[f64; N]) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cumulative = 0;
        for (bound, count) in bounds.iter().zip(&self.counts) {
            cumulative += count.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        cumulative += self.overflow.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {cumulative}");
    }
}

impl Metrics {
    /// A request to `POST /v1/entries` was answered after `elapsed`.
    pub(crate) fn acknowledged(&self, elapsed: Duration) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.ack_seconds.observe(&LATENCY_BUCKETS, elapsed.as_secs_f64());
    }

    /// A group commit of `entries` took `elapsed`.
    pub(crate) fn commit(&self, entries: usize, elapsed: Duration) {
        self.commit_entries.observe(&SIZE_BUCKETS, entries as f64);
        self.commit_seconds.observe(&LATENCY_BUCKETS, elapsed.as_secs_f64());
    }

    /// Writing a group to the query index took `elapsed`.
    pub(crate) fn indexed(&self, elapsed: Duration) {
        self.index_seconds.observe(&LATENCY_BUCKETS, elapsed.as_secs_f64());
    }

    /// `count` new entries are in the log.
    pub(crate) fn logged(&self, count: usize) {
        self.entries_logged.fetch_add(count as u64, Ordering::Relaxed);
    }

    /// An entry or a request was refused, for reason `kind`.
    pub(crate) fn error(&self, kind: &str) {
        if let Ok(mut errors) = self.errors.lock() {
            match errors.iter_mut().find(|(k, _)| k == kind) {
                Some((_, n)) => *n += 1,
                None => errors.push((kind.to_owned(), 1)),
            }
        }
    }

    /// The metrics in the Prometheus text exposition format.
    pub(crate) fn render(&self, log_size: u64) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP truce_log_size Entries in the log (latest checkpoint).\n\
             # TYPE truce_log_size gauge\ntruce_log_size {log_size}\n\
             # HELP truce_entries_logged_total Entries this process appended.\n\
             # TYPE truce_entries_logged_total counter\ntruce_entries_logged_total {}\n\
             # HELP truce_submit_requests_total Requests to POST /v1/entries answered.\n\
             # TYPE truce_submit_requests_total counter\ntruce_submit_requests_total {}",
            self.entries_logged.load(Ordering::Relaxed),
            self.requests.load(Ordering::Relaxed),
        );
        let _ = writeln!(
            out,
            "# HELP truce_refusals_total Entries and requests refused, by problem type.\n\
             # TYPE truce_refusals_total counter"
        );
        if let Ok(errors) = self.errors.lock() {
            let mut errors = errors.clone();
            errors.sort();
            for (kind, n) in errors {
                let _ = writeln!(out, "truce_refusals_total{{kind=\"{kind}\"}} {n}");
            }
        }
        self.commit_entries.render(
            &mut out,
            "truce_commit_entries",
            "Entries per group commit.",
            &SIZE_BUCKETS,
        );
        self.commit_seconds.render(
            &mut out,
            "truce_commit_seconds",
            "Time to commit a group: admission, durable append, checkpoint.",
            &LATENCY_BUCKETS,
        );
        self.index_seconds.render(
            &mut out,
            "truce_index_seconds",
            "Time to write a committed group to the query index.",
            &LATENCY_BUCKETS,
        );
        self.ack_seconds.render(
            &mut out,
            "truce_ack_seconds",
            "Time from a submission's arrival to its acknowledgement.",
            &LATENCY_BUCKETS,
        );
        out
    }
}
