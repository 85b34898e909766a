//! Entries signed and verified per second on one core, canonicalisation
//! throughput, and the raw Ed25519 rates of this machine measured in the
//! same run, so that the ratios say how much the entry layer costs.
//!
//! Run with `cargo bench -p truce-entry --bench entries`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use truce_entry::{Entry, SignedEntry, canonical, parse_strict};
use truce_note::{KeyName, SigningKey};

const REPORT: &str = include_str!("../tests/data/valid/report-kharkiv.json");

/// Runs `f` repeatedly for about `budget` and returns calls per second.
fn rate(budget: Duration, mut f: impl FnMut()) -> f64 {
    // Warm up, and size the batches so that timing overhead is negligible.
    let start = Instant::now();
    let mut calls = 0u64;
    while start.elapsed() < budget / 10 {
        f();
        calls += 1;
    }
    let batch = calls.max(1);
    let start = Instant::now();
    let mut total = 0u64;
    while start.elapsed() < budget {
        for _ in 0..batch {
            f();
        }
        total += batch;
    }
    total as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let budget = Duration::from_millis(
        std::env::var("TRUCE_BENCH_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(2000),
    );
    let key = SigningKey::from_seed(KeyName::new("bench.example/source").expect("name"), &[7; 32]);
    let vkey = key.verifier_key();
    let entry = Entry::parse(REPORT.as_bytes()).expect("valid report");
    let signed = SignedEntry::sign(&entry, &[&key]).expect("signs");
    let bytes = signed.as_bytes().to_vec();
    let text = entry.to_canonical_json() + "\n";

    let dalek = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let dalek_public = dalek.verifying_key();
    let signature = ed25519_dalek::Signer::sign(&dalek, text.as_bytes());

    let raw_sign = rate(budget, || {
        black_box(ed25519_dalek::Signer::sign(&dalek, black_box(text.as_bytes())));
    });
    let raw_verify = rate(budget, || {
        black_box(dalek_public.verify_strict(black_box(text.as_bytes()), &signature)).ok();
    });
    let sign = rate(budget, || {
        black_box(SignedEntry::sign_json(black_box(REPORT.as_bytes()), &[&key]).expect("signs"));
    });
    let verify = rate(budget, || {
        black_box(SignedEntry::open(black_box(&bytes), &vkey).expect("opens"));
    });
    let canon = rate(budget, || {
        black_box(canonical(&parse_strict(black_box(REPORT)).expect("parses")));
    });
    let validate = rate(budget, || {
        black_box(Entry::parse(black_box(REPORT.as_bytes())).expect("valid"));
    });

    let mb = |per_second: f64, size: usize| per_second * size as f64 / 1e6;
    println!("truce-entry benchmark, one core; a {}-byte signed report", bytes.len());
    println!("{:<44} {:>12} {:>10}", "", "per second", "ratio");
    println!("{:<44} {:>12.0} {:>10}", "raw Ed25519 sign (dalek)", raw_sign, "1.00");
    println!(
        "{:<44} {:>12.0} {:>10.2}",
        "entry sign (validate + canonical + sign)",
        sign,
        sign / raw_sign
    );
    println!("{:<44} {:>12.0} {:>10}", "raw Ed25519 verify_strict (dalek)", raw_verify, "1.00");
    println!(
        "{:<44} {:>12.0} {:>10.2}",
        "entry verify (parse + verify + validate)",
        verify,
        verify / raw_verify
    );
    println!(
        "{:<44} {:>12.0} {:>7.1} MB/s",
        "canonicalise (parse + RFC 8785)",
        canon,
        mb(canon, REPORT.len())
    );
    println!(
        "{:<44} {:>12.0} {:>7.1} MB/s",
        "validate (parse + check)",
        validate,
        mb(validate, REPORT.len())
    );
}
