//! The assessment engine's benchmarks, over a simulated log
//! (`truce-sim`) of `TRUCE_BENCH_REPORTS` reports (default 1,000,000)
//! over `TRUCE_BENCH_DAYS` days (default 365):
//!
//! * a full assessment of the whole log (target: under 10 s on 2 cores),
//!   with the process's peak RSS;
//! * the update per new entry: the findings brought up to date after each
//!   of the last `TRUCE_BENCH_TAIL` entries (default 2,000) is appended,
//!   amortised (target: under 1 ms).
//!
//! Run with `cargo bench -p truce-assess --bench assess`.

use std::time::Instant;

use truce_assess::{Agreements, Assessor, Log, LogEntry, Params, SourceInfo};
use truce_sim::{Options, Simulation};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The process's peak resident set, in MiB, from /proc.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
    let reports = env_u64("TRUCE_BENCH_REPORTS", 1_000_000);
    let days = env_u64("TRUCE_BENCH_DAYS", 365) as u32;
    let options = Options { seed: 1, reports, days, ..Options::default() };

    let started = Instant::now();
    let simulation = Simulation::new(options).expect("a valid origin");
    let agreements = simulation.agreement_indices();
    let entries: Vec<LogEntry> =
        simulation.map(|e| LogEntry { index: e.index, source: e.source, entry: e.entry }).collect();
    let sources = SourceInfo::registered(&entries);
    let size = entries.len();
    println!(
        "simulated {reports} reports over {days} days: {size} entries in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let tail = (env_u64("TRUCE_BENCH_TAIL", 2_000) as usize).min(size / 2);
    let log = Log::new(entries, sources.clone());
    let params = Params::default();
    let started = Instant::now();
    let findings = truce_assess::assess(&log, &agreements, &params).expect("assessed");
    let full = started.elapsed().as_secs_f64();
    let verdicts: usize = findings.incidents.iter().map(|i| i.verdicts.len()).sum();
    println!(
        "full assessment: {full:.2} s for {size} entries ({:.0} entries/s): {} incidents, {verdicts} verdicts (target: under 10 s; ratio {:.2})",
        size as f64 / full,
        findings.incidents.len(),
        full / 10.0
    );
    if let Some(rss) = peak_rss_mib() {
        println!("peak RSS: {rss:.0} MiB (the simulated log in memory included)");
    }
    drop(findings);

    // The update per new entry: an assessor of all but the last `tail`
    // entries takes them one at a time.
    let mut entries = log.into_entries();
    let last = entries.split_off(size - tail);
    let head = Log::new(entries, sources);
    let mut assessor = Assessor::new(head, Agreements::At(agreements), params).expect("assessed");
    let mut times = Vec::with_capacity(tail);
    let started = Instant::now();
    for entry in last {
        let one = Instant::now();
        assessor.append(entry).expect("appended");
        times.push(one.elapsed().as_secs_f64() * 1e3);
    }
    let total_ms = started.elapsed().as_secs_f64() * 1e3;
    times.sort_by(f64::total_cmp);
    let percentile = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    let mean = total_ms / tail as f64;
    println!(
        "incremental update: {mean:.3} ms per entry amortised over the last {tail} entries of {size} (p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms; target: under 1 ms; ratio {:.2})",
        percentile(0.5),
        percentile(0.99),
        times[times.len() - 1],
        mean
    );
}
