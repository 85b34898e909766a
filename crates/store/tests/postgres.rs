//! What only the PostgreSQL backends do: share one database among servers
//! that connect at once, say when PostGIS is missing, rebuild an index of
//! another schema version, and keep the dedup index (against the
//! in-memory one). Each test takes a schema of its own from
//! `truce_testkit::postgres` and returns when no server runs.
//!
//! `a_million_reports_are_searched_within_budget` is a benchmark, ignored
//! by default: `cargo test -p truce-store --release --test postgres --
//! --ignored --nocapture` (`TRUCE_BENCH_REPORTS` sets how many reports).

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use truce_entry::{Entry, Identifier};
use truce_log::{DedupIndex, Hash, MemoryDedup};
use truce_store::{IndexError, IndexedEntry, PgDedup, PgIndex, QueryIndex, ReportFilter};

const ORIGIN: &str = "log.example/truce";

/// A connection to the test's schema, to look behind the backends.
fn psql(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).expect("connects")
}

fn leaf(n: u64) -> Hash {
    let mut leaf = [0x5a; 32];
    leaf[..8].copy_from_slice(&n.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_be_bytes());
    Hash(leaf)
}

#[test]
fn servers_connecting_at_once_share_one_schema() {
    let Some(url) = truce_testkit::postgres() else { return };
    // Every connection creates the tables if they are missing: they take
    // turns instead of failing on each other's tables.
    std::thread::scope(|scope| {
        let connecting: Vec<_> = (0..8)
            .map(|n| {
                let url = &url;
                scope.spawn(move || {
                    if n % 2 == 0 {
                        PgIndex::connect(url, ORIGIN).map(drop).map_err(|e| e.to_string())
                    } else {
                        PgDedup::connect(url).map(drop).map_err(|e| e.to_string())
                    }
                })
            })
            .collect();
        for connection in connecting {
            connection.join().expect("thread").expect("connects");
        }
    });
    let mut index = PgIndex::connect(&url, ORIGIN).expect("connects");
    index.apply(&[], 5, Some(b"five")).expect("applies");
    let other = PgIndex::connect(&url, ORIGIN).expect("connects");
    assert_eq!(other.indexed_size().expect("size"), 5);
    assert_eq!(other.checkpoint().expect("checkpoint").as_deref(), Some(&b"five"[..]));
}

#[test]
fn a_database_without_postgis_is_named_in_the_error() {
    let Some(url) = truce_testkit::postgres() else { return };
    // The test's schema alone, without `public` where PostGIS lives.
    let without = url.replace(",public", "");
    assert_ne!(without, url, "the test URL names public in its search path");
    let error = PgIndex::connect(&without, ORIGIN).expect_err("no PostGIS in the search path");
    let mut chain = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        chain.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    assert!(chain.contains("PostGIS"), "{chain}");
}

#[test]
fn an_index_of_another_schema_version_is_dropped_to_be_rebuilt() {
    let Some(url) = truce_testkit::postgres() else { return };
    let mut index = PgIndex::connect(&url, ORIGIN).expect("connects");
    index.apply(&[], 42, Some(b"forty-two")).expect("applies");
    index.set_witnessed(b"witnessed").expect("records");
    drop(index);
    // An index of this version is kept.
    let index = PgIndex::connect(&url, ORIGIN).expect("connects");
    assert_eq!(index.indexed_size().expect("size"), 42);
    drop(index);

    // An older version, even of another log: derived, so rebuilt.
    psql(&url)
        .batch_execute(
            "UPDATE index_schema SET version = version - 1;
             UPDATE index_meta SET bytes = 'old.example/log' WHERE key = 'origin';",
        )
        .expect("downgrades");
    let mut index = PgIndex::connect(&url, ORIGIN).expect("connects");
    assert_eq!(index.indexed_size().expect("size"), 0, "rebuilt from the log");
    assert_eq!(index.checkpoint().expect("checkpoint"), None);
    assert_eq!(index.witnessed().expect("witnessed"), None);
    index.apply(&[], 7, None).expect("applies");
    drop(index);
    assert!(matches!(PgIndex::connect(&url, "old.example/log"), Err(IndexError::OtherLog { .. })));

    // Tables from before the version was kept, of another layout.
    let Some(url) = truce_testkit::postgres() else { return };
    psql(&url)
        .batch_execute(
            "CREATE TABLE index_meta (key text PRIMARY KEY, value bigint NOT NULL);
             INSERT INTO index_meta VALUES ('indexed_size', 42);
             CREATE TABLE index_reports (idx bigint PRIMARY KEY, lat real);",
        )
        .expect("old schema");
    let index = PgIndex::connect(&url, ORIGIN).expect("connects");
    assert_eq!(index.indexed_size().expect("size"), 0, "rebuilt from the log");
}

#[test]
fn the_dedup_index_keeps_the_first_index_of_a_leaf() {
    let Some(url) = truce_testkit::postgres() else { return };
    let mut dedup = PgDedup::connect(&url).expect("connects");
    assert_eq!(dedup.covered_size().expect("size"), 0);
    assert_eq!(dedup.lookup(&[]).expect("looks up"), vec![]);
    assert_eq!(dedup.lookup(&[leaf(1)]).expect("looks up"), vec![None]);
    dedup.insert(&[], 0).expect("inserts nothing");

    // Within one batch, and across batches, the first index wins.
    dedup.insert(&[(leaf(1), 0), (leaf(2), 1), (leaf(1), 2), (leaf(3), 3)], 4).expect("inserts");
    dedup.insert(&[(leaf(2), 5), (leaf(1), 4), (leaf(4), 6)], 7).expect("inserts");
    assert_eq!(dedup.covered_size().expect("size"), 7);
    let found = dedup.lookup(&[leaf(4), leaf(1), leaf(9), leaf(2), leaf(1), leaf(3)]);
    assert_eq!(found.expect("looks up"), vec![Some(6), Some(0), None, Some(1), Some(0), Some(3)]);

    // Keyed by 8 bytes: a leaf that shares them is answered with the
    // other's index, which the sequencer checks against the log.
    let mut twin = leaf(1);
    twin.0[31] ^= 1;
    assert_eq!(dedup.lookup(&[twin]).expect("looks up"), vec![Some(0)]);

    // Another connection sees it; clearing forgets it all.
    let other = PgDedup::connect(&url).expect("connects");
    assert_eq!(other.lookup(&[leaf(3)]).expect("looks up"), vec![Some(3)]);
    dedup.clear().expect("clears");
    assert_eq!(other.covered_size().expect("size"), 0);
    assert_eq!(other.lookup(&[leaf(3), leaf(1)]).expect("looks up"), vec![None, None]);
    dedup.insert(&[(leaf(3), 9)], 10).expect("inserts again");
    assert_eq!(other.lookup(&[leaf(3)]).expect("looks up"), vec![Some(9)]);
}

#[test]
fn the_dedup_index_answers_as_the_memory_one_does() {
    let Some(url) = truce_testkit::postgres() else { return };
    let mut pg = PgDedup::connect(&url).expect("connects");
    let mut memory = MemoryDedup::default();
    let mut next = 0u64;
    // Batches of every size up to the sequencer's, with resubmissions.
    for (round, size) in [1u64, 3, 1000, 16_384, 7].into_iter().enumerate() {
        let batch: Vec<(Hash, u64)> =
            (0..size).map(|i| (leaf((next + i) % (next / 2 + 5)), next + i)).collect();
        next += size;
        pg.insert(&batch, next).expect("inserts");
        memory.insert(&batch, next).expect("inserts");
        let probe: Vec<Hash> = (0..size + 10).map(|i| leaf(i * 7 + round as u64)).collect();
        assert_eq!(pg.lookup(&probe).expect("looks up"), memory.lookup(&probe).expect("looks up"));
        assert_eq!(pg.covered_size().expect("size"), next);
    }
}

/// Reports as the server benchmark makes them: spread over Ukraine and
/// over the 30 days of November 2025.
fn bench_report(template: &Value, n: u64) -> Value {
    let mut report = template.clone();
    report["id"] = json!(format!("bench-{n}"));
    let (lat, lon) =
        (44.5 + (n * 7919 % 7000) as f64 / 1000.0, 22.5 + (n * 104_729 % 17_500) as f64 / 1000.0);
    report["location"]["lat"] = json!(lat);
    report["location"]["lon"] = json!(lon);
    let day = 1 + n % 30;
    let minute = n / 30 % 1440;
    let from = format!("2025-11-{day:02}T{:02}:{:02}:00Z", minute / 60, minute % 60);
    report["time"] = json!({"from": from, "to": from});
    report
}

/// Applies reports `range` in groups of `group`, and says how long it took.
fn load(index: &mut PgIndex, range: std::ops::Range<u64>, group: u64) -> Duration {
    let template: Value =
        serde_json::from_str(include_str!("../../entry/tests/data/valid/report-kharkiv.json"))
            .expect("template");
    let source = Identifier::new("bench-source").expect("id");
    let mut spent = Duration::ZERO;
    let mut start = range.start;
    while start < range.end {
        let end = (start + group).min(range.end);
        let values: Vec<Value> = (start..end).map(|n| bench_report(&template, n)).collect();
        let entries: Vec<Entry> =
            values.iter().map(|v| Entry::from_value(v).expect("valid")).collect();
        let json: Vec<String> = values.iter().map(Value::to_string).collect();
        let rows: Vec<IndexedEntry<'_>> = (start..end)
            .zip(entries.iter().zip(&json))
            .map(|(n, (entry, json))| IndexedEntry {
                index: n,
                leaf: leaf(n),
                source: &source,
                entry,
                json,
            })
            .collect();
        let started = Instant::now();
        index.apply(&rows, end, None).expect("applies");
        spent += started.elapsed();
        start = end;
    }
    spent
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

#[test]
#[ignore = "a benchmark: loads a million reports"]
fn a_million_reports_are_searched_within_budget() {
    let Some(url) = truce_testkit::postgres() else { return };
    let total: u64 =
        std::env::var("TRUCE_BENCH_REPORTS").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let mut index = PgIndex::connect(&url, ORIGIN).expect("connects");
    let singles = 2_000;
    let spent = load(&mut index, 0..singles, 1);
    println!(
        "apply, groups of 1: {:.0} groups/s ({:.2} ms each)",
        singles as f64 / spent.as_secs_f64(),
        spent.as_secs_f64() * 1000.0 / singles as f64
    );
    let thousands = 100_000.min(total - singles);
    let spent = load(&mut index, singles..singles + thousands, 1000);
    println!(
        "apply, groups of 1,000: {:.0} reports/s ({:.1} ms a group)",
        thousands as f64 / spent.as_secs_f64(),
        spent.as_secs_f64() * 1000.0 / (thousands as f64 / 1000.0)
    );
    let rest = singles + thousands..total;
    let count = rest.end - rest.start;
    let spent = load(&mut index, rest, 16_384);
    println!(
        "apply, groups of 16,384: {:.0} reports/s (up to {total} reports)",
        count as f64 / spent.as_secs_f64()
    );
    psql(&url).batch_execute("VACUUM ANALYZE").expect("analyzes");

    // The server benchmark's searches: half a degree square, three days.
    let nov = |day: u64| 1_761_955_200 + (day as i64 - 1) * 86_400;
    let mut latencies = Vec::new();
    let mut found = 0;
    for round in 0..2 {
        for q in 0..500u64 {
            let (lat, lon) =
                (45.0 + (q * 37 % 60) as f64 / 10.0, 23.0 + (q * 53 % 160) as f64 / 10.0);
            let day = 1 + q % 28;
            let filter = ReportFilter {
                bbox: Some([lon, lat, lon + 0.5, lat + 0.5]),
                time: Some((nov(day), nov(day + 3) - 1)),
                limit: 100,
                ..ReportFilter::default()
            };
            let started = Instant::now();
            let rows = index.reports(&filter).expect("searches");
            if round == 1 {
                latencies.push(started.elapsed());
                found += rows.len();
            }
        }
    }
    latencies.sort();
    println!(
        "bbox and 3-day searches over {total} reports (500, {:.0} results each): \
         p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        found as f64 / 500.0,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0)
    );
    assert!(percentile(&latencies, 0.99) < 10.0, "p99 over budget");
}
