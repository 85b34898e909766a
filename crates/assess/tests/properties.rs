//! Property tests of the engine: the order reports arrive in does not
//! matter, an unrelated report elsewhere changes no incident's grade, and a
//! retraction never raises a grade.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use serde_json::json;
use truce_assess::{Findings, Grade, Log, LogEntry, Params, SourceInfo, assess};
use truce_entry::{Entry, Identifier, Reliability, Role};

/// The sources reports come from: (id, role, organisation, party,
/// reliability).
const SOURCES: [(&str, Role, &str, Option<&str>, Reliability); 6] = [
    ("monitor-a", Role::Monitor, "Mission", None, Reliability::A),
    ("monitor-b", Role::Monitor, "Mission", None, Reliability::A),
    ("osint", Role::Osint, "Open Geolocation", None, Reliability::B),
    ("media", Role::Media, "Daily Wire", None, Reliability::C),
    ("ua-liaison", Role::Party, "Armed Forces of Ukraine", Some("ua"), Reliability::D),
    ("ru-liaison", Role::Party, "Ministry of Defence", Some("ru"), Reliability::D),
];

const PLACES: [(f64, f64); 4] = [(49.99, 36.23), (50.45, 30.52), (46.48, 30.73), (47.84, 35.14)];

fn id(s: &str) -> Identifier {
    Identifier::new(s).expect("identifier")
}

fn sources() -> BTreeMap<Identifier, SourceInfo> {
    SOURCES
        .iter()
        .map(|(s, role, org, party, reliability)| {
            (
                id(s),
                SourceInfo {
                    role: *role,
                    organisation: (*org).into(),
                    party: party.map(id),
                    reliability: *reliability,
                },
            )
        })
        .collect()
}

/// A report as the generator describes it.
#[derive(Clone, Debug)]
struct Spec {
    source: usize,
    place: usize,
    dlat: i32,
    minute: u32,
    kind: usize,
    party: Option<usize>,
    denied: bool,
    evidence: bool,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0..SOURCES.len(),
        0..PLACES.len(),
        -20..20i32,
        0..600u32,
        0..3usize,
        prop::option::of(0..2usize),
        prop::bool::weighted(0.1),
        any::<bool>(),
    )
        .prop_map(|(source, place, dlat, minute, kind, party, denied, evidence)| Spec {
            source,
            place,
            dlat,
            minute,
            kind,
            party,
            denied,
            evidence,
        })
}

fn report(spec: &Spec, n: usize) -> Entry {
    let (lat, lon) = PLACES[spec.place];
    let kind = ["missile_strike", "drone_strike", "artillery"][spec.kind];
    let minute = spec.minute;
    let from = format!("2025-11-14T{:02}:{:02}:00Z", minute / 60, minute % 60);
    let mut value = json!({
        "type": "truce.report/v1",
        "id": format!("r-{n}"),
        "time": {"from": from, "to": from},
        "location": {"lat": lat + f64::from(spec.dlat) / 1000.0, "lon": lon, "uncertainty_m": 1000},
        "event": kind,
        "observation": {"basis": "direct", "confidence": "high"},
        "targets": [{"category": "energy_transmission"}],
        "harm": {"injured": {"civilian": n % 7}},
    });
    if let Some(p) = spec.party {
        let party = ["ua", "ru"][p];
        value["perpetrator"] = json!({"party": party, "basis": "assessed"});
    }
    if spec.denied {
        value["occurrence"] = json!("denied");
    }
    if spec.evidence {
        value["evidence"] =
            json!([{"sha256": "a".repeat(64), "size": 1, "media_type": "image/jpeg"}]);
    }
    Entry::from_value(&value).expect("valid")
}

fn agreement() -> Entry {
    Entry::from_value(&json!({
        "type": "truce.agreement/v1", "agreement": "moratorium", "title": "Moratorium",
        "parties": [{"id": "ua", "name": "Ukraine"}, {"id": "ru", "name": "Russia"}],
        "in_force": {"from": "2025-11-01T00:00:00Z"},
        "rules": [{"id": "energy", "title": "Energy", "text": "No strikes on energy.", "binds": ["ua", "ru"],
                   "prohibited": ["missile_strike", "drone_strike", "artillery"], "protected": ["energy_transmission"]}]
    }))
    .expect("valid")
}

/// The log of the agreement (index 0) and the reports, in `order`.
fn log(specs: &[Spec], order: &[usize], extra: &[LogEntry]) -> Log {
    let mut entries = vec![LogEntry { index: 0, source: id("operator"), entry: agreement() }];
    for (position, &n) in order.iter().enumerate() {
        entries.push(LogEntry {
            index: position as u64 + 1,
            source: id(SOURCES[specs[n].source].0),
            entry: report(&specs[n], n),
        });
    }
    entries.extend(extra.iter().cloned());
    Log::new(entries, sources())
}

/// The findings with log indices replaced by what does not depend on them:
/// each incident as the set of its reports' (source, local id), with its
/// grade and verdicts.
type Summary =
    BTreeSet<(Vec<(String, String)>, Grade, Vec<(String, &'static str, Option<String>)>)>;

fn summary(log: &Log, findings: &Findings) -> Summary {
    let key = |index: u64| {
        let e = log.entry(index).expect("entry");
        let local = e.entry.local_id().map(|i| i.as_str().to_owned()).unwrap_or_default();
        (e.source.as_str().to_owned(), local)
    };
    findings
        .incidents
        .iter()
        .map(|i| {
            let mut reports: Vec<_> = i.reports.iter().map(|&r| key(r)).collect();
            reports.sort();
            let verdicts = i
                .verdicts
                .iter()
                .map(|v| (v.rule.clone(), v.finding.as_str(), v.party.clone()))
                .collect();
            (reports, i.grade, verdicts)
        })
        .collect()
}

fn corroboration(grade: Grade) -> u8 {
    match grade {
        Grade::Verified => 3,
        Grade::Probable => 2,
        Grade::Reported => 1,
        _ => 0,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_order_reports_arrive_in_does_not_matter(
        specs in prop::collection::vec(spec(), 1..40),
        seed in any::<u64>(),
    ) {
        let order: Vec<usize> = (0..specs.len()).collect();
        let mut shuffled = order.clone();
        // A deterministic shuffle from the seed.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let (a, b) = (log(&specs, &order, &[]), log(&specs, &shuffled, &[]));
        let fa = assess(&a, &[0], &Params::default()).expect("assesses");
        let fb = assess(&b, &[0], &Params::default()).expect("assesses");
        prop_assert_eq!(summary(&a, &fa), summary(&b, &fb));
    }

    #[test]
    fn an_unrelated_report_elsewhere_changes_no_grade(specs in prop::collection::vec(spec(), 1..40)) {
        let order: Vec<usize> = (0..specs.len()).collect();
        let base = log(&specs, &order, &[]);
        // A strike in Lviv, far from every place the reports are.
        let mut far = specs[0].clone();
        far.place = 0;
        let mut lviv = report(&far, 999);
        if let Entry::Report(r) = &mut lviv
            && let Some(l) = r.location.as_mut() {
                l.lat = truce_entry::Latitude(49.84);
                l.lon = truce_entry::Longitude(24.03);
            }
        let extra = [LogEntry { index: specs.len() as u64 + 1, source: id("media"), entry: lviv }];
        let more = log(&specs, &order, &extra);
        let before = summary(&base, &assess(&base, &[0], &Params::default()).expect("assesses"));
        let after = summary(&more, &assess(&more, &[0], &Params::default()).expect("assesses"));
        prop_assert_eq!(after.len(), before.len() + 1);
        prop_assert!(before.is_subset(&after), "an existing incident changed");
    }

    #[test]
    fn a_retraction_never_raises_a_grade(
        specs in prop::collection::vec(spec(), 1..40),
        which in any::<prop::sample::Index>(),
    ) {
        let order: Vec<usize> = (0..specs.len()).collect();
        let base = log(&specs, &order, &[]);
        let n = which.index(specs.len());
        let retracted_index = n as u64 + 1;
        let withdrawal = Entry::from_value(&json!({
            "type": "truce.report/v1", "id": "withdrawal", "supersedes": retracted_index,
            "withdrawn": true, "summary": "Withdrawn."
        })).expect("valid");
        let extra = [LogEntry { index: specs.len() as u64 + 1, source: id(SOURCES[specs[n].source].0), entry: withdrawal }];
        let retracted = log(&specs, &order, &extra);
        let before = assess(&base, &[0], &Params::default()).expect("assesses");
        let after = assess(&retracted, &[0], &Params::default()).expect("assesses");
        // The same incidents, by id: a withdrawal regroups nothing.
        let grades = |f: &Findings| -> BTreeMap<String, (Grade, Grade)> {
            f.incidents.iter().map(|i| (i.id.clone(), (i.grade, i.uncorroborated_grade))).collect()
        };
        let (before, after) = (grades(&before), grades(&after));
        prop_assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>());
        for (incident, (grade, corroborated)) in &after {
            let (old_grade, old_corroborated) = before[incident];
            prop_assert!(corroboration(*corroborated) <= corroboration(old_corroborated), "{incident}");
            if !specs[n].denied {
                // Withdrawing an affirming report can only take away.
                prop_assert!(corroboration(*grade) <= corroboration(old_grade) || old_grade == Grade::Contested, "{incident}");
            }
        }
    }
}
