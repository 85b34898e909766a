//! What each secondary structure of the SQLite query index costs per
//! indexed report: the same reports written in groups of 256 (as the
//! server's index writer does under load) into the full schema, and into
//! the schema without each structure in turn (and with the index that
//! version 4 had). Printed beside the cost of the full schema measured in
//! the same run.
//!
//! Run with `cargo bench -p truce-store --bench index`
//! (`TRUCE_BENCH_REPORTS`, default 200,000).

use std::time::{Duration, Instant};

use serde_json::Value;
use truce_entry::{Entry, Identifier};
use truce_log::Hash;
use truce_store::{IndexedEntry, QueryIndex, SqliteIndex};

const GROUP: usize = 256;

/// The reports to index: the Kharkiv fixture, each with its own id, time
/// and place.
fn reports(count: usize) -> (Vec<Entry>, Vec<String>) {
    let template: Value =
        serde_json::from_str(include_str!("../../entry/tests/data/valid/report-kharkiv.json"))
            .expect("the fixture");
    let mut entries = Vec::with_capacity(count);
    let mut json = Vec::with_capacity(count);
    for i in 0..count {
        let mut value = template.clone();
        value["id"] = format!("bench-{i}").into();
        let t = 1_761_955_200 + (i as i64 * 37) % (365 * 86_400);
        let time = |t: i64| jiff::Timestamp::from_second(t).expect("time").to_string();
        value["time"] = serde_json::json!({"from": time(t), "to": time(t + 600)});
        value["location"]["lat"] = (44.0 + (i % 997) as f64 * 0.007).into();
        value["location"]["lon"] = (30.0 + (i % 991) as f64 * 0.009).into();
        value["event"] = ["missile_strike", "artillery", "drone_strike"][i % 3].into();
        entries.push(Entry::from_value(&value).expect("a valid report"));
        json.push(value.to_string());
    }
    (entries, json)
}

/// Seconds to index every report into a fresh index whose schema was
/// changed by `alter` first.
fn index_all(entries: &[Entry], json: &[String], alter: &str) -> Duration {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("index.sqlite");
    drop(SqliteIndex::open(&path, "bench.example/log").expect("creates"));
    if !alter.is_empty() {
        let db = rusqlite::Connection::open(&path).expect("opens");
        db.execute_batch(alter).expect("alters");
    }
    let mut index = SqliteIndex::open(&path, "bench.example/log").expect("opens");
    let source = Identifier::new("omm-team-3").expect("id");
    let started = Instant::now();
    for (group, chunk) in entries.chunks(GROUP).enumerate() {
        let first = group * GROUP;
        let rows: Vec<IndexedEntry<'_>> = chunk
            .iter()
            .enumerate()
            .map(|(i, entry)| {
                let index = (first + i) as u64;
                let mut leaf = [0xab; 32];
                leaf[..8].copy_from_slice(&index.to_be_bytes());
                IndexedEntry {
                    index,
                    leaf: Hash(leaf),
                    source: &source,
                    entry,
                    json: &json[first + i],
                }
            })
            .collect();
        index.apply(&rows, (first + chunk.len()) as u64, None).expect("indexes");
    }
    started.elapsed()
}

fn main() {
    let count =
        std::env::var("TRUCE_BENCH_REPORTS").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000);
    let (entries, json) = reports(count);
    // Each structure, and how to take it out without changing the writes:
    // an index dropped; the R*Tree replaced by a plain table of its columns.
    let variants = [
        ("full schema", ""),
        ("with reports_by_time (version 4)", "CREATE INDEX reports_by_time ON reports (t_from);"),
        ("without entries_by_type", "DROP INDEX entries_by_type;"),
        ("without entries_by_local_id", "DROP INDEX entries_by_local_id;"),
        ("without reports_by_source", "DROP INDEX reports_by_source;"),
        ("without reports_by_event", "DROP INDEX reports_by_event;"),
        ("without reports_by_party", "DROP INDEX reports_by_party;"),
        (
            "without the R*Tree",
            "DROP TABLE report_places; CREATE TABLE report_places (idx, min_lon, max_lon, \
             min_lat, max_lat, min_t, max_t, lon, lat, t_from, t_to);",
        ),
        (
            "without report_targets' rows",
            "DROP TABLE report_targets; CREATE TABLE report_targets (category, idx);",
        ),
    ];
    println!("indexing {count} reports in groups of {GROUP}:");
    let full = index_all(&entries, &json, "");
    let per = |d: Duration| d.as_secs_f64() * 1e6 / count as f64;
    for (name, alter) in variants {
        let elapsed = if alter.is_empty() { full } else { index_all(&entries, &json, alter) };
        println!(
            "  {name:32} {:>6.1} µs per report ({:>+5.1} µs against the full schema)",
            per(elapsed),
            per(elapsed) - per(full)
        );
    }
}
