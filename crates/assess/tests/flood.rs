//! Flood resistance: however many reports one party, or one organisation,
//! sends about an incident, they weigh in its grade as one group of
//! sources. 10,000 reports from one party's sources give the grade that one
//! of them gives, alone or beside an independent monitor.

use std::collections::BTreeMap;

use serde_json::json;
use truce_assess::{Grade, Log, LogEntry, Params, SourceInfo, assess};
use truce_entry::{Entry, Identifier, Reliability, Role};

const FLOOD: usize = 10_000;

/// Sources, each signing its own reports: this many per flooding group.
const SOURCES_PER_GROUP: usize = 50;

fn id(s: &str) -> Identifier {
    Identifier::new(s).expect("identifier")
}

/// The report every flooding source sends, near the same place and time,
/// each with evidence and from sources rated A: as heavy as a report of
/// theirs can be.
fn report(n: usize, minute: usize) -> Entry {
    let from = format!("2025-11-14T03:{:02}:00Z", minute % 30);
    Entry::from_value(&json!({
        "type": "truce.report/v1",
        "id": format!("r-{n}"),
        "time": {"from": from, "to": from},
        "location": {"lat": 49.99 + (n % 10) as f64 / 10_000.0, "lon": 36.23, "uncertainty_m": 500},
        "event": "missile_strike",
        "observation": {"basis": "direct", "confidence": "high"},
        "targets": [{"category": "energy_transmission"}],
        "evidence": [{"sha256": format!("{n:064x}"), "size": 1, "media_type": "image/jpeg"}],
    }))
    .expect("valid")
}

/// The flooding sources: one party's (each with an organisation of its
/// own, as a party may register many), or one organisation's.
fn flooders(kind: &str) -> Vec<(Identifier, SourceInfo)> {
    (0..SOURCES_PER_GROUP)
        .map(|n| {
            let info = match kind {
                "party" => SourceInfo {
                    role: Role::Party,
                    organisation: format!("Unit {n}"),
                    party: Some(id("ru")),
                    reliability: Reliability::A,
                },
                _ => SourceInfo {
                    role: Role::Osint,
                    organisation: "Open Geolocation".into(),
                    party: None,
                    reliability: Reliability::A,
                },
            };
            (id(&format!("{kind}-{n}")), info)
        })
        .collect()
}

/// The grade of the one incident of `count` flooding reports from `kind`'s
/// sources, beside a monitor's report (without evidence) if `monitor`.
fn grade(kind: &str, count: usize, monitor: bool) -> Grade {
    let mut sources: BTreeMap<Identifier, SourceInfo> = flooders(kind).into_iter().collect();
    let names: Vec<Identifier> = sources.keys().cloned().collect();
    let mut entries = Vec::new();
    if monitor {
        sources.insert(
            id("monitor"),
            SourceInfo {
                role: Role::Monitor,
                organisation: "Mission".into(),
                party: None,
                reliability: Reliability::A,
            },
        );
        let mut value = report(usize::MAX, 0).to_value();
        value["id"] = json!("m-1");
        value.as_object_mut().expect("an object").remove("evidence");
        let entry = Entry::from_value(&value).expect("valid");
        entries.push(LogEntry { index: 0, source: id("monitor"), entry });
    }
    for n in 0..count {
        let index = entries.len() as u64;
        entries.push(LogEntry {
            index,
            source: names[n % names.len()].clone(),
            entry: report(n, n),
        });
    }
    let findings = assess(&Log::new(entries, sources), &[], &Params::default()).expect("assesses");
    assert_eq!(findings.incidents.len(), 1, "one incident");
    findings.incidents[0].grade
}

#[test]
fn ten_thousand_reports_from_one_party_weigh_as_one_report_of_it() {
    // Alone: one party's word, with evidence, is at most probable.
    let one = grade("party", 1, false);
    assert_eq!(one, Grade::Probable);
    assert_eq!(grade("party", FLOOD, false), one);
    // Beside an independent monitor: two credible groups, verified,
    // whether the party sends one report or ten thousand.
    assert_eq!(grade("party", 0, true), Grade::Reported, "the monitor alone, without evidence");
    let corroborated = grade("party", 1, true);
    assert_eq!(corroborated, Grade::Verified);
    assert_eq!(grade("party", FLOOD, true), corroborated);
}

#[test]
fn ten_thousand_reports_from_one_organisation_weigh_as_one_report_of_it() {
    let one = grade("organisation", 1, false);
    assert_eq!(one, Grade::Probable, "a credible source's report with evidence");
    assert_eq!(grade("organisation", FLOOD, false), one);
    // With the monitor, two credible groups: verified, as with one report.
    let corroborated = grade("organisation", 1, true);
    assert_eq!(corroborated, Grade::Verified);
    assert_eq!(grade("organisation", FLOOD, true), corroborated);
}
