//! The query index against the obvious answer, on every backend: SQLite
//! always, PostgreSQL when its server runs (`truce_testkit::postgres`).
//! Reports searched by place and time are exactly those a scan of every
//! report finds; every other filter and listing gives what a scan of the
//! log gives, so the backends give the same rows in the same order; the
//! index refuses another log's entries and entries out of order, keeps its
//! checkpoints, forgets all but its origin when cleared, and an index of
//! another schema is rebuilt.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Value, json};
use truce_entry::{Entry, EntryType, Identifier};
use truce_log::Hash;
use truce_store::{
    EntryRow, IndexError, IndexedEntry, PgIndex, QueryIndex, ReportFilter, SourceRow, SqliteIndex,
};

const ORIGIN: &str = "log.example/truce";

/// Where an index lives, so that a test can open it again.
enum Backend {
    Sqlite { _dir: tempfile::TempDir, path: PathBuf },
    Postgres(String),
}

impl Backend {
    /// A fresh place on every backend available here.
    fn all() -> Vec<Backend> {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("index.sqlite");
        let mut backends = vec![Backend::Sqlite { _dir: dir, path }];
        if let Some(url) = truce_testkit::postgres() {
            backends.push(Backend::Postgres(url));
        }
        backends
    }

    fn open(&self, origin: &str) -> Result<Box<dyn QueryIndex>, IndexError> {
        Ok(match self {
            Backend::Sqlite { path, .. } => Box::new(SqliteIndex::open(path, origin)?),
            Backend::Postgres(url) => Box::new(PgIndex::connect(url, origin)?),
        })
    }

    fn open_reader(&self, origin: &str) -> Result<Box<dyn QueryIndex>, IndexError> {
        Ok(match self {
            Backend::Sqlite { path, .. } => Box::new(SqliteIndex::open_reader(path, origin)?),
            Backend::Postgres(url) => Box::new(PgIndex::connect_reader(url, origin)?),
        })
    }

    /// Marks the index as one of another schema version, as an older or
    /// newer server would have left it.
    fn set_version(&self, version: i64) {
        match self {
            Backend::Sqlite { path, .. } => rusqlite::Connection::open(path)
                .and_then(|db| db.execute_batch(&format!("PRAGMA user_version = {version}")))
                .expect("sets the version"),
            Backend::Postgres(url) => postgres::Client::connect(url, postgres::NoTls)
                .and_then(|mut db| {
                    db.execute("UPDATE index_schema SET version = $1", &[&(version as i32)])
                })
                .map(drop)
                .expect("sets the version"),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite { .. } => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }
}

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

    /// One of `choices`.
    fn pick<'a, T>(&mut self, choices: &'a [T]) -> &'a T {
        &choices[(self.next() % choices.len() as u64) as usize]
    }

    /// True about once in `n` times.
    fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }
}

const NOV_1: i64 = 1_761_955_200; // 2025-11-01T00:00:00Z

/// The start of day `d` of November 2025, counting from 0.
fn day(d: i64) -> i64 {
    NOV_1 + d * 86_400
}

fn at(t: i64) -> String {
    jiff::Timestamp::from_second(t).expect("time").to_string()
}

fn seconds(text: &Value) -> i64 {
    text.as_str().expect("a time").parse::<jiff::Timestamp>().expect("RFC 3339").as_second()
}

fn template(name: &str) -> Value {
    let text = match name {
        "report" => include_str!("../../entry/tests/data/valid/report-kharkiv.json"),
        "withdrawal" => include_str!("../../entry/tests/data/valid/report-withdrawal.json"),
        "source" => include_str!("../../entry/tests/data/valid/source-monitor.json"),
        "party" => include_str!("../../entry/tests/data/valid/source-party.json"),
        "revoke" => include_str!("../../entry/tests/data/valid/source-revoke.json"),
        "agreement" => include_str!("../../entry/tests/data/valid/agreement-moratorium.json"),
        "coverage" => include_str!("../../entry/tests/data/valid/coverage-access.json"),
        "evidence" => include_str!("../../entry/tests/data/valid/evidence-photo.json"),
        _ => unreachable!("no template {name}"),
    };
    serde_json::from_str(text).expect("template")
}

/// A log: each entry with the source that submitted it.
#[derive(Default)]
struct Log {
    submitters: Vec<Identifier>,
    values: Vec<Value>,
    entries: Vec<Entry>,
    json: Vec<String>,
}

impl Log {
    fn push(&mut self, submitter: &str, value: Value) -> u64 {
        self.entries.push(Entry::from_value(&value).unwrap_or_else(|e| panic!("{e:?}: {value}")));
        self.submitters.push(Identifier::new(submitter).expect("id"));
        self.json.push(value.to_string());
        self.values.push(value);
        self.values.len() as u64 - 1
    }

    fn leaf(index: u64) -> Hash {
        let mut leaf = [0xab; 32];
        leaf[..8].copy_from_slice(&index.to_be_bytes());
        Hash(leaf)
    }

    /// The entries `range`, as the server hands them to the index.
    fn indexed(&self, range: std::ops::Range<usize>) -> Vec<IndexedEntry<'_>> {
        range
            .map(|i| IndexedEntry {
                index: i as u64,
                leaf: Log::leaf(i as u64),
                source: &self.submitters[i],
                entry: &self.entries[i],
                json: &self.json[i],
            })
            .collect()
    }

    fn len(&self) -> usize {
        self.values.len()
    }

    fn row(&self, index: u64, superseded_by: Option<u64>) -> EntryRow {
        let i = index as usize;
        EntryRow {
            index,
            entry_type: self.values[i]["type"].as_str().expect("type").to_owned(),
            source: self.submitters[i].as_str().to_owned(),
            leaf: Log::leaf(index),
            json: self.json[i].clone(),
            superseded_by,
        }
    }

    /// The later entry of `entry_type` that supersedes each entry (the last
    /// one in log order).
    fn superseded(&self, entry_type: &str) -> BTreeMap<u64, u64> {
        let mut superseded = BTreeMap::new();
        for (i, value) in self.values.iter().enumerate() {
            if value["type"] == entry_type
                && let Some(old) = value["supersedes"].as_u64()
                && old <= i as u64
            {
                superseded.insert(old, i as u64);
            }
        }
        superseded
    }

    /// What a scan of every report finds for `filter`.
    fn scan(&self, filter: &ReportFilter) -> Vec<EntryRow> {
        let superseded = self.superseded("truce.report/v1");
        let matches = |i: usize| {
            let report = &self.values[i];
            if report["type"] != "truce.report/v1" {
                return false;
            }
            let time = report.get("time").map(|t| (seconds(&t["from"]), seconds(&t["to"])));
            let place = report
                .get("location")
                .map(|l| (l["lon"].as_f64().expect("lon"), l["lat"].as_f64().expect("lat")));
            let party = report.pointer("/perpetrator/party").and_then(Value::as_str);
            let targets = report.get("targets").and_then(Value::as_array);
            filter.after.is_none_or(|after| i as u64 > after)
                && filter.time.is_none_or(|(from, to)| {
                    time.is_some_and(|(t_from, t_to)| t_to >= from && t_from <= to)
                })
                && filter.bbox.is_none_or(|[min_lon, min_lat, max_lon, max_lat]| {
                    place.is_some_and(|(lon, lat)| {
                        min_lon <= lon && lon <= max_lon && min_lat <= lat && lat <= max_lat
                    })
                })
                && filter.event.as_deref().is_none_or(|e| report["event"] == e)
                && filter.source.as_deref().is_none_or(|s| self.submitters[i].as_str() == s)
                && filter.party.as_deref().is_none_or(|p| party == Some(p))
                && filter
                    .target
                    .as_deref()
                    .is_none_or(|c| targets.is_some_and(|t| t.iter().any(|t| t["category"] == c)))
        };
        (0..self.len())
            .filter(|&i| matches(i))
            .take(filter.limit as usize)
            .map(|i| self.row(i as u64, superseded.get(&(i as u64)).copied()))
            .collect()
    }

    /// What a scan finds for `entries_of_type`.
    fn of_type(&self, entry_type: EntryType, after: Option<u64>, limit: u32) -> Vec<EntryRow> {
        let superseded = match entry_type {
            EntryType::Report | EntryType::Agreement => self.superseded(entry_type.as_str()),
            _ => BTreeMap::new(),
        };
        (0..self.len() as u64)
            .filter(|&i| self.values[i as usize]["type"] == entry_type.as_str())
            .filter(|&i| after.is_none_or(|after| i > after))
            .take(limit as usize)
            .map(|i| self.row(i, superseded.get(&i).copied()))
            .collect()
    }

    /// The registered sources, as a scan of the source entries finds them.
    fn sources(&self) -> Vec<SourceRow> {
        let mut sources: BTreeMap<String, SourceRow> = BTreeMap::new();
        for (i, value) in self.values.iter().enumerate() {
            if value["type"] != "truce.source/v1" {
                continue;
            }
            let id = value["source"].as_str().expect("source").to_owned();
            let text = |key: &str| value[key].as_str().unwrap_or_default().to_owned();
            if value["action"] == "revoke" {
                if let Some(row) = sources.get_mut(&id) {
                    row.revoked_at = Some(i as u64);
                }
                continue;
            }
            let registered_at = sources.get(&id).map_or(i as u64, |row| row.registered_at);
            let revoked_at = sources.get(&id).and_then(|row| row.revoked_at);
            sources.insert(
                id.clone(),
                SourceRow {
                    id,
                    name: text("name"),
                    role: text("role"),
                    organisation: text("organisation"),
                    party: value["party"].as_str().map(str::to_owned),
                    reliability: text("reliability"),
                    key: text("key"),
                    registered_at,
                    updated_at: i as u64,
                    revoked_at,
                },
            );
        }
        // A BTreeMap of Strings is in bytewise order.
        sources.into_values().collect()
    }
}

/// A search's bounding box and time window.
type PlaceAndTime = ([f64; 4], Option<(i64, i64)>);

/// What a report holds that a search looks at.
struct Placed {
    index: u64,
    place: (f64, f64),
    time: (i64, i64),
}

fn report(n: u64, spread: &mut Spread) -> (Value, Placed) {
    let mut report = template("report");
    report["id"] = json!(format!("r-{n}"));
    let (lat, lon) = (spread.between(45.0, 50.0, 50), spread.between(30.0, 40.0, 50));
    report["location"]["lat"] = json!(lat);
    report["location"]["lon"] = json!(lon);
    let from = NOV_1 + spread.between(0.0, 30.0 * 86_400.0, 720) as i64;
    let to = from + spread.between(0.0, 6.0 * 3600.0, 6) as i64;
    report["time"] = json!({"from": at(from), "to": at(to)});
    (report, Placed { index: n, place: (lat, lon), time: (from, to) })
}

#[test]
fn a_search_by_place_and_time_finds_what_a_scan_finds() {
    let mut spread = Spread(0x9e37_79b9_7f4a_7c15);
    let mut log = Log::default();
    let placed: Vec<Placed> = (0..600)
        .map(|n| {
            let (value, placed) = report(n, &mut spread);
            log.push("omm-t3", value);
            placed
        })
        .collect();
    let queries: Vec<PlaceAndTime> = (0..200)
        .map(|_| {
            let (lat, lon) = (spread.between(45.0, 50.0, 50), spread.between(30.0, 40.0, 50));
            let (height, width) = (spread.between(0.0, 2.0, 20), spread.between(0.0, 3.0, 30));
            let bbox = [lon, lat, lon + width, lat + height];
            let from = NOV_1 + spread.between(0.0, 30.0 * 86_400.0, 720) as i64;
            let time = (!spread.next().is_multiple_of(4))
                .then(|| (from, from + spread.between(0.0, 3.0 * 86_400.0, 72) as i64));
            (bbox, time)
        })
        .collect();

    for backend in Backend::all() {
        let mut index = backend.open(ORIGIN).expect("opens");
        index.apply(&log.indexed(0..log.len()), log.len() as u64, None).expect("applies");
        let mut total = 0;
        for &(bbox, time) in &queries {
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
            assert_eq!(found, expected, "{}: bbox {bbox:?}, time {time:?}", backend.name());
            total += found.len();
        }
        assert!(total > 1000, "the searches found {total} reports in all: too few to tell");
    }
}

/// A log of every kind of entry: sources registered, updated and revoked
/// (with identifiers whose bytewise order is not a locale's), versions of
/// agreements, reports of several sources, kinds, parties and targets,
/// corrections (one report corrected twice), withdrawals (no time, no
/// place) and coverage.
fn mixed_log() -> Log {
    let mut log = Log::default();
    let mut spread = Spread(0x2545_f491_4f6c_dd1d);
    let ids = ["omm-team-3", "Zeta", "a-c", "ab", "a_b", "A", "ua-liaison"];
    for id in ids {
        let mut source = template(if id == "ua-liaison" { "party" } else { "source" });
        source["source"] = json!(id);
        source["name"] = json!(format!("Source {id}"));
        log.push("operator", source);
    }
    let mut agreement = template("agreement");
    let first_agreement = log.push("operator", agreement.clone());
    let submitters = ["omm-team-3", "ua-liaison", "a-c", "Zeta"];
    let events = ["missile_strike", "drone_strike", "artillery", "mortar"];
    let categories = ["residential", "energy_transmission", "water", "heating"];
    let mut reports: Vec<(u64, &str)> = Vec::new();
    for n in 0..400u64 {
        let submitter = *spread.pick(&submitters);
        let mut report = template("report");
        report["id"] = json!(format!("{submitter}-r-{n}"));
        let (lat, lon) = (spread.between(48.0, 50.0, 20), spread.between(35.0, 38.0, 30));
        report["location"]["lat"] = json!(lat);
        report["location"]["lon"] = json!(lon);
        let from = NOV_1 + spread.between(0.0, 10.0 * 86_400.0, 240) as i64;
        let to = from + spread.between(0.0, 12.0 * 3600.0, 12) as i64;
        report["time"] = json!({"from": at(from), "to": at(to)});
        report["event"] = json!(spread.pick(&events));
        match spread.next() % 3 {
            0 => report["perpetrator"]["party"] = json!("ru"),
            1 => report["perpetrator"]["party"] = json!("ua"),
            _ => {
                report.as_object_mut().expect("object").remove("perpetrator");
            }
        }
        let targets: Vec<Value> = (0..spread.next() % 4)
            .map(|t| json!({"category": spread.pick(&categories), "name": format!("Target {t}")}))
            .collect();
        if targets.is_empty() {
            report.as_object_mut().expect("object").remove("targets");
        } else {
            report["targets"] = json!(targets);
        }
        // Some reports correct or withdraw an earlier one of their source.
        let earlier: Vec<u64> =
            reports.iter().filter(|(_, s)| *s == submitter).map(|(i, _)| *i).collect();
        if !earlier.is_empty() && spread.one_in(8) {
            let old = *spread.pick(&earlier);
            if spread.one_in(3) {
                let mut withdrawal = template("withdrawal");
                withdrawal["id"] = json!(format!("{submitter}-w-{n}"));
                withdrawal["supersedes"] = json!(old);
                let index = log.push(submitter, withdrawal);
                reports.push((index, submitter));
                continue;
            }
            report["supersedes"] = json!(old);
        }
        let index = log.push(submitter, report);
        reports.push((index, submitter));
        // Evidence: some files logged by two sources, sizes that differ.
        if n % 13 == 0 {
            let mut evidence = template("evidence");
            evidence["sha256"] = json!(format!("{:064x}", n % 39));
            evidence["size"] = json!(1000 + n);
            evidence.as_object_mut().expect("object").remove("follows");
            log.push(submitter, evidence);
        }
        if n % 97 == 0 {
            let mut coverage = template("coverage");
            coverage["id"] = json!(format!("cov-{n}"));
            log.push(submitter, coverage);
        }
        if n == 150 {
            // A new version of the agreement, and one more agreement.
            agreement["supersedes"] = json!(first_agreement);
            agreement["title"] = json!("Moratorium, extended");
            log.push("operator", agreement.clone());
            let mut other = template("agreement");
            other["agreement"] = json!("local-truce");
            log.push("operator", other);
        }
        if n == 200 {
            // An update and a revocation.
            let mut update = template("source");
            update["source"] = json!("Zeta");
            update["action"] = json!("update");
            update["name"] = json!("Source Zeta, renamed");
            log.push("operator", update);
            let mut revoke = template("revoke");
            revoke["source"] = json!("a-c");
            log.push("operator", revoke);
        }
    }
    // A report corrected twice: the last correction is the one that counts.
    let (old, submitter) = reports[10];
    for n in 0..2 {
        let mut correction = template("report");
        correction["id"] = json!(format!("{submitter}-twice-{n}"));
        correction["supersedes"] = json!(old);
        log.push(submitter, correction);
    }
    log
}

/// The filters the backends must answer alike.
fn filters(log: &Log) -> Vec<ReportFilter> {
    let all = ReportFilter { limit: 10_000, ..ReportFilter::default() };
    let mut filters = vec![
        all.clone(),
        ReportFilter { limit: 25, ..all.clone() },
        ReportFilter { limit: 0, ..all.clone() },
        ReportFilter { after: Some(200), limit: 30, ..all.clone() },
        ReportFilter { after: Some(log.len() as u64), ..all.clone() },
        ReportFilter { event: Some("drone_strike".into()), ..all.clone() },
        ReportFilter { event: Some("no_such_kind".into()), ..all.clone() },
        ReportFilter { source: Some("ua-liaison".into()), ..all.clone() },
        ReportFilter { source: Some("Zeta".into()), limit: 10, after: Some(100), ..all.clone() },
        ReportFilter { target: Some("water".into()), ..all.clone() },
        ReportFilter { target: Some("heating".into()), limit: 5, ..all.clone() },
        ReportFilter { party: Some("ru".into()), ..all.clone() },
        ReportFilter { party: Some("ua".into()), event: Some("artillery".into()), ..all.clone() },
        ReportFilter { time: Some((day(2), day(3))), ..all.clone() },
        ReportFilter { time: Some((day(3), day(2))), ..all.clone() },
        ReportFilter { time: Some((i64::MIN, i64::MAX)), ..all.clone() },
        ReportFilter { time: Some((day(9), day(9))), limit: 7, ..all.clone() },
        ReportFilter { bbox: Some([35.0, 48.0, 38.0, 50.0]), ..all.clone() },
        ReportFilter { bbox: Some([36.0, 49.0, 36.5, 49.5]), ..all.clone() },
        ReportFilter { bbox: Some([36.5, 49.5, 36.0, 49.0]), ..all.clone() },
        ReportFilter { bbox: Some([f64::NAN, 49.0, 36.5, 49.5]), ..all.clone() },
        ReportFilter { bbox: Some([35.0, 48.0, f64::NAN, 50.0]), ..all.clone() },
        ReportFilter {
            bbox: Some([f64::NEG_INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::INFINITY]),
            ..all.clone()
        },
        ReportFilter {
            bbox: Some([35.5, 48.5, 37.0, 49.5]),
            time: Some((day(1), day(4))),
            event: Some("missile_strike".into()),
            source: Some("omm-team-3".into()),
            ..all.clone()
        },
        ReportFilter {
            bbox: Some([35.5, 48.5, 37.0, 49.5]),
            time: Some((day(1), day(4))),
            target: Some("residential".into()),
            party: Some("ru".into()),
            after: Some(50),
            limit: 9,
            ..all.clone()
        },
        ReportFilter { time: Some((day(2), day(6))), target: Some("water".into()), ..all.clone() },
    ];
    // Every page of a search, by its cursor.
    filters.extend((0..6).map(|page| ReportFilter {
        bbox: Some([35.0, 48.0, 37.0, 50.0]),
        time: Some((day(0), day(5))),
        after: Some(page * 60),
        limit: 11,
        ..all.clone()
    }));
    filters
}

#[test]
fn every_backend_answers_every_filter_as_a_scan_does() {
    let log = mixed_log();
    let superseded = log.superseded("truce.report/v1");
    assert!(superseded.len() > 20, "too few corrections to tell: {}", superseded.len());
    let withdrawals = log.values.iter().filter(|v| v["withdrawn"] == true).count();
    assert!(withdrawals > 5, "too few withdrawals to tell: {withdrawals}");
    for backend in Backend::all() {
        let name = backend.name();
        let mut index = backend.open(ORIGIN).expect("opens");
        // Groups of every size, so that corrections meet their reports both
        // within a group and across groups.
        let mut start = 0;
        for size in [1, 2, 50, 3, 400].into_iter().cycle() {
            let end = (start + size).min(log.len());
            index.apply(&log.indexed(start..end), end as u64, None).expect("applies");
            start = end;
            if start == log.len() {
                break;
            }
        }
        assert_eq!(index.indexed_size().expect("size"), log.len() as u64);
        for filter in filters(&log) {
            let found = index.reports(&filter).expect("searches");
            assert_eq!(found, log.scan(&filter), "{name}: {filter:?}");
        }
        // Page by page, each after the last of the one before, a search
        // finds what it finds at once.
        let search = ReportFilter {
            bbox: Some([35.0, 48.0, 37.0, 50.0]),
            time: Some((day(1), day(8))),
            limit: 13,
            ..ReportFilter::default()
        };
        let mut paged = Vec::new();
        loop {
            let after = paged.last().map(|r: &EntryRow| r.index);
            let page = index.reports(&ReportFilter { after, ..search.clone() }).expect("pages");
            if page.is_empty() {
                break;
            }
            paged.extend(page);
        }
        assert!(paged.len() > 50, "{name}: too few to tell: {}", paged.len());
        assert_eq!(paged, log.scan(&ReportFilter { limit: 10_000, ..search }), "{name}");

        for entry_type in [EntryType::Report, EntryType::Source, EntryType::Agreement] {
            for (after, limit) in [(None, 10_000), (Some(100), 20), (None, 0)] {
                assert_eq!(
                    index.entries_of_type(entry_type, after, limit).expect("lists"),
                    log.of_type(entry_type, after, limit),
                    "{name}: {entry_type:?} after {after:?}, limit {limit}"
                );
            }
        }
        let coverage = index.entries_of_type(EntryType::Coverage, None, 100).expect("lists");
        assert_eq!(coverage, log.of_type(EntryType::Coverage, None, 100), "{name}");
        assert!(coverage.len() > 2, "{name}");

        // Evidence by digest, and each source's bytes of evidence, as a scan
        // of the log finds them.
        let evidence = log.of_type(EntryType::Evidence, None, 10_000);
        assert!(evidence.len() > 20, "{name}");
        for n in 0..40u64 {
            let digest = format!("{n:064x}");
            let expected: Vec<EntryRow> = evidence
                .iter()
                .filter(|row| row.json.contains(&format!("\"sha256\":\"{digest}\"")))
                .map(|row| EntryRow { superseded_by: None, ..row.clone() })
                .collect();
            let sha256 = digest.parse().expect("a digest");
            assert_eq!(index.evidence(&sha256).expect("finds"), expected, "{name}: {digest}");
        }
        for source in ["omm-team-3", "ua-liaison", "a-c", "Zeta", "nobody"] {
            let expected: u64 = evidence
                .iter()
                .filter(|row| row.source == source)
                .map(|row| {
                    let value: Value = serde_json::from_str(&row.json).expect("JSON");
                    value["size"].as_u64().expect("a size")
                })
                .sum();
            assert_eq!(index.evidence_bytes(source).expect("sums"), expected, "{name}: {source}");
        }

        assert_eq!(index.sources().expect("sources"), log.sources(), "{name}");
        let source_entries: Vec<u64> = (0..log.len() as u64)
            .filter(|&i| log.values[i as usize]["type"] == "truce.source/v1")
            .collect();
        assert_eq!(index.source_entries().expect("sources"), source_entries, "{name}");
        let superseders: Vec<u64> = log.superseded("truce.agreement/v1").into_values().collect();
        let roots: Vec<u64> = log
            .of_type(EntryType::Agreement, None, 100)
            .iter()
            .map(|a| a.index)
            .filter(|i| !superseders.contains(i))
            .collect();
        assert_eq!(roots.len(), 2, "the first version and the other agreement");
        assert_eq!(index.agreement_roots().expect("roots"), roots, "{name}");

        for i in [0, 7, 20, log.len() as u64 - 1] {
            let row = index.entry(i).expect("reads").expect("an entry");
            let superseded_by = log
                .superseded(&row.entry_type)
                .get(&i)
                .copied()
                .filter(|_| row.entry_type != "truce.source/v1");
            assert_eq!(row, log.row(i, superseded_by), "{name}: entry {i}");
        }
        let (old, _) = superseded.iter().next().expect("a correction");
        let row = index.entry(*old).expect("reads").expect("an entry");
        assert_eq!(row.superseded_by, superseded.get(old).copied(), "{name}");
        assert_eq!(index.entry(log.len() as u64).expect("reads"), None, "{name}");

        let between = index.entries_between(5, 12).expect("reads");
        let expected: Vec<(u64, String, String)> = (5..12)
            .map(|i| (i as u64, log.submitters[i].as_str().to_owned(), log.json[i].clone()))
            .collect();
        assert_eq!(between, expected, "{name}");

        let report = log.values.iter().position(|v| v["type"] == "truce.report/v1").expect("one");
        let id = log.values[report]["id"].as_str().expect("id");
        let submitter = log.submitters[report].as_str();
        assert_eq!(
            index.by_local_id(submitter, EntryType::Report, id).expect("reads"),
            Some((report as u64, Log::leaf(report as u64))),
            "{name}"
        );
        assert_eq!(index.by_local_id("nobody", EntryType::Report, id).expect("reads"), None);
        assert_eq!(index.by_local_id(submitter, EntryType::Coverage, id).expect("reads"), None);
    }
}

#[test]
fn a_search_finds_the_first_matches_in_log_order_at_the_end_of_the_log() {
    // Reports come in roughly in time order: the matches of a recent window
    // are the last reports of the log, and a search still returns the
    // first of them in log order.
    let mut log = Log::default();
    let mut spread = Spread(7);
    for n in 0..300 {
        let (mut value, _) = report(n, &mut spread);
        let from = NOV_1 + n as i64 * 3600;
        value["time"] = json!({"from": at(from), "to": at(from + 60)});
        log.push("omm-t3", value);
    }
    for backend in Backend::all() {
        let mut index = backend.open(ORIGIN).expect("opens");
        index.apply(&log.indexed(0..log.len()), log.len() as u64, None).expect("applies");
        let filter = ReportFilter {
            time: Some((NOV_1 + 290 * 3600, NOV_1 + 400 * 3600)),
            bbox: Some([30.0, 45.0, 40.0, 50.0]),
            limit: 5,
            ..ReportFilter::default()
        };
        let found: Vec<u64> =
            index.reports(&filter).expect("searches").iter().map(|r| r.index).collect();
        assert_eq!(found, vec![290, 291, 292, 293, 294], "{}", backend.name());
    }
}

#[test]
fn an_index_of_another_log_is_refused() {
    for backend in Backend::all() {
        let mut index = backend.open(ORIGIN).expect("opens");
        index.apply(&[], 3, None).expect("applies");
        drop(index);
        match backend.open("other.example/log") {
            Err(IndexError::OtherLog { found, expected }) => {
                assert_eq!((found.as_str(), expected.as_str()), (ORIGIN, "other.example/log"));
            }
            Err(other) => panic!("{}: {other}", backend.name()),
            Ok(_) => panic!("{}: opened for another log", backend.name()),
        }
        // The index is untouched.
        let index = backend.open(ORIGIN).expect("opens");
        assert_eq!(index.indexed_size().expect("size"), 3, "{}", backend.name());
    }
}

#[test]
fn entries_out_of_order_are_refused_and_change_nothing() {
    let mut log = Log::default();
    let mut spread = Spread(11);
    for n in 0..4 {
        log.push("omm-t3", report(n, &mut spread).0);
    }
    for backend in Backend::all() {
        let name = backend.name();
        let mut index = backend.open(ORIGIN).expect("opens");
        index.apply(&log.indexed(0..2), 2, Some(b"two")).expect("applies");
        // An entry already there, an entry beyond what the group covers
        // (after one that was fine), an entry beyond it alone.
        for (range, covered, refused) in [(1..3, 3, (2, 1)), (2..4, 3, (3, 3)), (3..4, 3, (2, 3))] {
            match index.apply(&log.indexed(range), covered, Some(b"bad")) {
                Err(IndexError::OutOfOrder { covered, index }) => {
                    assert_eq!((covered, index), refused, "{name}");
                }
                other => panic!("{name}: {other:?}"),
            }
        }
        // Nothing, but covering less than the index does: a sequencer that
        // lost its lease, late. The size and checkpoint never go back.
        match index.apply(&[], 1, Some(b"older")) {
            Err(IndexError::OutOfOrder { covered: 2, index: 1 }) => {}
            other => panic!("{name}: {other:?}"),
        }
        assert_eq!(index.indexed_size().expect("size"), 2, "{name}");
        assert_eq!(index.checkpoint().expect("checkpoint").as_deref(), Some(&b"two"[..]));
        assert_eq!(index.entry(2).expect("reads"), None, "{name}");
        // Indices may skip (entries the server did not admit).
        index.apply(&log.indexed(3..4), 4, None).expect("applies");
        let all = ReportFilter { limit: 10, ..ReportFilter::default() };
        let found: Vec<u64> = index.reports(&all).expect("lists").iter().map(|r| r.index).collect();
        assert_eq!(found, vec![0, 1, 3], "{name}");
    }
}

#[test]
fn checkpoints_round_trip_and_clearing_keeps_the_origin() {
    let mut log = Log::default();
    let mut spread = Spread(5);
    log.push("omm-t3", report(0, &mut spread).0);
    let mut source = template("source");
    source["source"] = json!("omm-t3");
    log.push("operator", source);
    let note = b"log.example/truce\n2\nabc=\n\n\xe2\x80\x94 log.example/truce xyz=\n";
    for backend in Backend::all() {
        let name = backend.name();
        let mut index = backend.open(ORIGIN).expect("opens");
        assert_eq!(index.indexed_size().expect("size"), 0, "{name}");
        assert_eq!(index.checkpoint().expect("checkpoint"), None, "{name}");
        assert_eq!(index.witnessed().expect("witnessed"), None, "{name}");
        index.apply(&log.indexed(0..1), 1, None).expect("applies");
        assert_eq!(index.checkpoint().expect("checkpoint"), None, "{name}");
        index.apply(&log.indexed(1..2), 2, Some(&note[..])).expect("applies");
        index.set_witnessed(b"witnessed one").expect("records");
        index.set_witnessed(&note[..]).expect("records");

        // Another connection reads what this one wrote.
        let other = backend.open(ORIGIN).expect("opens");
        assert_eq!(other.indexed_size().expect("size"), 2, "{name}");
        assert_eq!(other.checkpoint().expect("checkpoint").as_deref(), Some(&note[..]));
        assert_eq!(other.witnessed().expect("witnessed").as_deref(), Some(&note[..]));
        assert_eq!(other.sources().expect("sources").len(), 1, "{name}");

        index.clear().expect("clears");
        assert_eq!(other.indexed_size().expect("size"), 0, "{name}");
        assert_eq!(other.checkpoint().expect("checkpoint"), None, "{name}");
        assert_eq!(other.witnessed().expect("witnessed"), None, "{name}");
        assert_eq!(other.entry(0).expect("reads"), None, "{name}");
        assert_eq!(other.sources().expect("sources"), vec![], "{name}");
        let all = ReportFilter { limit: 10, ..ReportFilter::default() };
        assert_eq!(other.reports(&all).expect("lists"), vec![], "{name}");
        drop((index, other));
        assert!(
            matches!(backend.open("other.example/log"), Err(IndexError::OtherLog { .. })),
            "{name}: the origin is kept"
        );
        // And it can be rebuilt.
        let mut index = backend.open(ORIGIN).expect("opens");
        index.apply(&log.indexed(0..2), 2, None).expect("applies again");
        assert_eq!(index.entries_between(0, 2).expect("reads").len(), 2, "{name}");
    }
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
    let mut index = SqliteIndex::open(&path, ORIGIN).expect("opens");
    assert_eq!(index.indexed_size().expect("size"), 0, "rebuilt from the log");
    index.apply(&[], 7, None).expect("applies");
    drop(index);
    // An index of this schema is kept.
    let reopened = SqliteIndex::open(&path, ORIGIN).expect("opens");
    assert_eq!(reopened.indexed_size().expect("size"), 7);
}

/// A signed checkpoint of `size` leaves (its root does not matter here).
fn checkpoint_note(size: u64) -> Vec<u8> {
    let key = truce_note::SigningKey::from_seed(
        truce_note::KeyName::new(ORIGIN).expect("name"),
        &[3; 32],
    );
    truce_log::Checkpoint::new(ORIGIN, size, Hash([size as u8; 32]))
        .and_then(|c| c.sign(&key))
        .expect("signs")
        .to_bytes()
}

#[test]
fn a_witnessed_checkpoint_never_goes_back() {
    for backend in Backend::all() {
        let name = backend.name();
        let mut index = backend.open(ORIGIN).expect("opens");
        index.set_witnessed(&checkpoint_note(5)).expect("records");
        // A sequencer that lost its lease records its last round late.
        index.set_witnessed(&checkpoint_note(3)).expect("records");
        assert_eq!(index.witnessed().expect("reads"), Some(checkpoint_note(5)), "{name}");
        index.set_witnessed(&checkpoint_note(8)).expect("records");
        assert_eq!(index.witnessed().expect("reads"), Some(checkpoint_note(8)), "{name}");
    }
}

#[test]
fn a_reader_changes_nothing_and_refuses_an_index_it_cannot_read() {
    let mut log = Log::default();
    let mut spread = Spread(17);
    for n in 0..2 {
        log.push("omm-t3", report(n, &mut spread).0);
    }
    for backend in Backend::all() {
        let name = backend.name();
        assert!(
            matches!(backend.open_reader(ORIGIN), Err(IndexError::Missing)),
            "{name}: a reader does not create the index"
        );
        let mut index = backend.open(ORIGIN).expect("opens");
        index.apply(&log.indexed(0..2), 2, Some(b"two")).expect("applies");
        let reader = backend.open_reader(ORIGIN).expect("reads");
        assert_eq!(reader.indexed_size().expect("size"), 2, "{name}");
        drop(reader);
        assert!(
            matches!(backend.open_reader("other.example/log"), Err(IndexError::OtherLog { .. })),
            "{name}"
        );

        // A reader of another version (a rolling upgrade) neither reads
        // nor drops the index; the sequencer of its version rebuilds it.
        backend.set_version(999);
        match backend.open_reader(ORIGIN) {
            Err(IndexError::Version { found: 999, .. }) => {}
            other => panic!("{name}: {:?}", other.map(|_| "opened")),
        }
        assert_eq!(index.indexed_size().expect("size"), 2, "{name}: nothing dropped");
        drop(index);
        let rebuilt = backend.open(ORIGIN).expect("opens");
        assert_eq!(rebuilt.indexed_size().expect("size"), 0, "{name}: the writer rebuilds");
    }
}
