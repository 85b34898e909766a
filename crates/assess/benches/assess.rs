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
//! * a flood: `TRUCE_BENCH_FLOOD` reports (default 100,000) of one strike,
//!   from 50 sources, each a few metres and seconds from the others, so
//!   that every report matches every other. Its full assessment, per
//!   report, is compared with the simulated log's; then its last 1,000
//!   reports are appended one at a time, and as one batch.
//!
//! Run with `cargo bench -p truce-assess --bench assess`.

use std::time::Instant;

use std::collections::BTreeMap;

use serde_json::json;
use truce_assess::{Agreements, Assessor, Log, LogEntry, Params, SourceInfo};
use truce_entry::{Entry, Identifier, Reliability, Role};
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

    flood(env_u64("TRUCE_BENCH_FLOOD", 100_000) as usize, full / size as f64);
}

/// Assesses a flood of `count` reports of one strike; `per_entry_s` is
/// the simulated log's full assessment per entry, for the ratio.
fn flood(count: usize, per_entry_s: f64) {
    const SOURCES: usize = 50;
    let source = |n: usize| Identifier::new(format!("flooder-{}", n % SOURCES)).expect("an id");
    let sources: BTreeMap<Identifier, SourceInfo> = (0..SOURCES)
        .map(|n| {
            let info = SourceInfo {
                role: Role::Party,
                organisation: format!("Unit {n}"),
                party: Some(Identifier::new("ru").expect("an id")),
                reliability: Reliability::A,
            };
            (source(n), info)
        })
        .collect();
    let report = |n: usize| {
        let time = format!("2025-11-14T03:{:02}:{:02}Z", n / 60 % 30, n % 60);
        let entry = Entry::from_value(&json!({
            "type": "truce.report/v1",
            "id": format!("r-{n}"),
            "time": {"from": time, "to": time},
            "location": {
                "lat": 49.99 + (n % 97) as f64 / 100_000.0,
                "lon": 36.23 + (n % 89) as f64 / 100_000.0,
                "uncertainty_m": 500,
            },
            "event": "missile_strike",
            "observation": {"basis": "direct", "confidence": "high"},
        }))
        .expect("a valid report");
        LogEntry { index: n as u64, source: source(n), entry }
    };
    let entries: Vec<LogEntry> = (0..count).map(report).collect();
    let params = Params::default();

    let log = Log::new(entries.clone(), sources.clone());
    let started = Instant::now();
    let findings = truce_assess::assess(&log, &[], &params).expect("assessed");
    let full = started.elapsed().as_secs_f64();
    assert_eq!(findings.incidents.len(), 1, "one strike");
    let per_report = full / count as f64;
    println!(
        "flood of {count} matching reports: {full:.2} s, {:.1} µs per report ({:.2}x the simulated log's per entry)",
        per_report * 1e6,
        per_report / per_entry_s
    );

    let tail = 1_000.min(count / 2);
    let head = Log::new(entries[..count - tail].to_vec(), sources.clone());
    let mut one_by_one = Assessor::new(head, Agreements::All, params).expect("assessed");
    let started = Instant::now();
    for entry in &entries[count - tail..] {
        one_by_one.append(entry.clone()).expect("appended");
    }
    let each = started.elapsed().as_secs_f64() / tail as f64;

    let head = Log::new(entries[..count - tail].to_vec(), sources);
    let mut batched = Assessor::new(head, Agreements::All, params).expect("assessed");
    let started = Instant::now();
    batched.extend(entries[count - tail..].iter().cloned()).expect("appended");
    let batch = started.elapsed().as_secs_f64();
    println!(
        "flood, its last {tail} reports appended: one at a time {:.2} ms each ({:.2}x a full assessment of the flood); as one batch {:.3} s ({:.2} ms each)",
        each * 1e3,
        each / full,
        batch,
        batch / tail as f64 * 1e3
    );
}
