//! The query index against the obvious answer: reports searched by place
//! and time are exactly those a scan of every report finds, and an index
//! of an older schema is rebuilt.

use serde_json::{Value, json};
use truce_entry::{Entry, Identifier};
use truce_log::Hash;
use truce_store::{IndexedEntry, QueryIndex, ReportFilter};

/// A small deterministic generator (xorshift), enough to spread reports.
struct Spread(u64);

impl Spread {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `[low, high]`, on a grid of `steps`, so that reports
    /// and queries meet exactly on their edges too.
    fn between(&mut self, low: f64, high: f64, steps: u64) -> f64 {
        low + (high - low) * (self.next() % (steps + 1)) as f64 / steps as f64
    }
}

/// What a report holds that a search looks at.
struct Placed {
    index: u64,
    place: (f64, f64),
    time: (i64, i64),
}

const NOV_1: i64 = 1_761_955_200; // 2025-11-01T00:00:00Z

fn report(n: u64, spread: &mut Spread) -> (Value, Placed) {
    let template = include_str!("../../entry/tests/data/valid/report-kharkiv.json");
    let mut report: Value = serde_json::from_str(template).expect("template");
    report["id"] = json!(format!("r-{n}"));
    let (lat, lon) = (spread.between(45.0, 50.0, 50), spread.between(30.0, 40.0, 50));
    report["location"]["lat"] = json!(lat);
    report["location"]["lon"] = json!(lon);
    let from = NOV_1 + spread.between(0.0, 30.0 * 86_400.0, 720) as i64;
    let to = from + spread.between(0.0, 6.0 * 3600.0, 6) as i64;
    let at = |t: i64| jiff::Timestamp::from_second(t).expect("time").to_string();
    report["time"] = json!({"from": at(from), "to": at(to)});
    (report, Placed { index: n, place: (lat, lon), time: (from, to) })
}

#[test]
fn a_search_by_place_and_time_finds_what_a_scan_finds() {
    let dir = tempfile::tempdir().expect("dir");
    let mut index = QueryIndex::open(&dir.path().join("index.sqlite")).expect("opens");
    let mut spread = Spread(0x9e37_79b9_7f4a_7c15);
    let (values, placed): (Vec<Value>, Vec<Placed>) =
        (0..600).map(|n| report(n, &mut spread)).unzip();
    let entries: Vec<Entry> =
        values.iter().map(|v| Entry::from_value(v).expect("a valid report")).collect();
    let source = Identifier::new("omm-t3").expect("id");
    let json: Vec<String> = values.iter().map(Value::to_string).collect();
    let rows: Vec<IndexedEntry<'_>> = entries
        .iter()
        .zip(&json)
        .enumerate()
        .map(|(i, (entry, json))| IndexedEntry {
            index: i as u64,
            leaf: Hash([i as u8; 32]),
            source: &source,
            entry,
            json,
        })
        .collect();
    index.apply(&rows, rows.len() as u64).expect("applies");

    let mut total = 0;
    for _ in 0..200 {
        let (lat, lon) = (spread.between(45.0, 50.0, 50), spread.between(30.0, 40.0, 50));
        let (height, width) = (spread.between(0.0, 2.0, 20), spread.between(0.0, 3.0, 30));
        let bbox = [lon, lat, lon + width, lat + height];
        let from = NOV_1 + spread.between(0.0, 30.0 * 86_400.0, 720) as i64;
        let time = (!spread.next().is_multiple_of(4))
            .then(|| (from, from + spread.between(0.0, 3.0 * 86_400.0, 72) as i64));
        let filter =
            ReportFilter { bbox: Some(bbox), time, limit: 1000, ..ReportFilter::default() };
        let found: Vec<u64> =
            index.reports(&filter).expect("searches").iter().map(|r| r.index).collect();
        let expected: Vec<u64> = placed
            .iter()
            .filter(|p| {
                let (lat, lon) = p.place;
                (bbox[0]..=bbox[2]).contains(&lon) && (bbox[1]..=bbox[3]).contains(&lat)
            })
            .filter(|p| time.is_none_or(|(from, to)| p.time.1 >= from && p.time.0 <= to))
            .map(|p| p.index)
            .collect();
        assert_eq!(found, expected, "bbox {bbox:?}, time {time:?}");
        total += found.len();
    }
    assert!(total > 1000, "the searches found {total} reports in all: too few to tell");
}

#[test]
fn an_index_of_an_older_schema_is_dropped_to_be_rebuilt() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("index.sqlite");
    // The first schema: a place tree without time, no version.
    let old = rusqlite::Connection::open(&path).expect("opens");
    old.execute_batch(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
         INSERT INTO meta VALUES ('indexed_size', 42);
         CREATE VIRTUAL TABLE report_places USING rtree (idx, min_lon, max_lon, min_lat, max_lat);",
    )
    .expect("old schema");
    drop(old);
    let mut index = QueryIndex::open(&path).expect("opens");
    assert_eq!(index.indexed_size().expect("size"), 0, "rebuilt from the log");
    index.apply(&[], 7).expect("applies");
    drop(index);
    // An index of this schema is kept.
    let reopened = QueryIndex::open(&path).expect("opens");
    assert_eq!(reopened.indexed_size().expect("size"), 7);
}
