//! The sample agreements (`agreements/` and `scenario/agreements/`): each is
//! a valid `truce.agreement/v1` entry, and the two that are not in the
//! sample scenario (a local window of silence, a ceasefire along a line
//! with a buffer zone) are judged as their text says: inside their zone and
//! time a prohibited strike is a violation, outside it no rule applies.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};
use truce_assess::{Finding, Incident, Log, LogEntry, Params, SourceInfo, assess};
use truce_entry::{Entry, Identifier, Reliability, Role};

fn sample(path: &str) -> Entry {
    let file = Path::new("../..").join(path);
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{path}: {e}"));
    let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    Entry::from_value(&value).unwrap_or_else(|p| panic!("{path}: {p}"))
}

fn id(s: &str) -> Identifier {
    Identifier::new(s).expect("identifier")
}

/// A monitor's observed strike with evidence and an attribution: graded
/// verified, so its verdicts turn only on the rules.
fn strike(n: usize, (lat, lon): (f64, f64), at: &str, kind: &str, target: &str) -> Entry {
    Entry::from_value(&json!({
        "type": "truce.report/v1",
        "id": format!("r-{n}"),
        "time": {"from": at, "to": at},
        "location": {"lat": lat, "lon": lon, "uncertainty_m": 500},
        "event": kind,
        "observation": {"basis": "direct", "confidence": "high"},
        "targets": [{"category": target}],
        "perpetrator": {"party": "ru", "basis": "observed"},
        "evidence": [{"sha256": "b".repeat(64), "size": 1, "media_type": "image/jpeg"}],
    }))
    .expect("a valid report")
}

/// The verdicts of each report's incident, by report: (rule, finding).
fn verdicts(agreement: Entry, reports: Vec<Entry>) -> Vec<Vec<(String, Finding)>> {
    let mut entries = vec![LogEntry { index: 0, source: id("operator"), entry: agreement }];
    for (n, entry) in reports.into_iter().enumerate() {
        entries.push(LogEntry { index: n as u64 + 1, source: id("monitor"), entry });
    }
    let size = entries.len() as u64;
    let sources = BTreeMap::from([(
        id("monitor"),
        SourceInfo {
            role: Role::Monitor,
            organisation: "Mission".into(),
            party: None,
            reliability: Reliability::A,
        },
    )]);
    let log = Log::new(entries, sources);
    let findings = assess(&log, &[0], &Params::default()).expect("assessed");
    let of = |index: u64| -> &Incident {
        findings.incidents.iter().find(|i| i.reports.contains(&index)).expect("an incident")
    };
    (1..size)
        .map(|index| {
            let incident = of(index);
            assert_eq!(incident.reports, [index], "each strike is an incident of its own");
            incident.verdicts.iter().map(|v| (v.rule.clone(), v.finding)).collect()
        })
        .collect()
}

fn violation(rule: &str) -> (String, Finding) {
    (rule.to_owned(), Finding::Violation)
}

#[test]
fn every_sample_agreement_is_a_valid_entry() {
    for path in [
        "scenario/agreements/energy-moratorium.json",
        "scenario/agreements/black-sea.json",
        "agreements/repair-window-enerhodar.json",
        "agreements/contact-line-ceasefire.json",
    ] {
        assert!(matches!(sample(path), Entry::Agreement(_)), "{path}");
    }
}

#[test]
fn the_window_of_silence_holds_only_in_its_zone_and_hours() {
    const ENERHODAR: (f64, f64) = (47.50, 34.65); // 8 km from the repair site
    const ZAPORIZHZHIA: (f64, f64) = (47.84, 35.14); // 45 km away
    let found = verdicts(
        sample("agreements/repair-window-enerhodar.json"),
        vec![
            strike(1, ENERHODAR, "2025-11-20T09:30:00+02:00", "artillery", "industrial"),
            strike(2, ENERHODAR, "2025-11-20T15:30:00+02:00", "artillery", "industrial"),
            strike(3, ZAPORIZHZHIA, "2025-11-20T10:30:00+02:00", "mlrs", "residential"),
            strike(4, ENERHODAR, "2025-11-20T12:00:00+02:00", "interception", "military"),
        ],
    );
    assert_eq!(found[0], [violation("silence")], "fire in the zone while the window is open");
    assert!(found[1].is_empty(), "after the window closed: {:?}", found[1]);
    assert!(found[2].is_empty(), "outside the zone: {:?}", found[2]);
    assert_eq!(
        found[3],
        [("silence".to_owned(), Finding::NoViolation)],
        "an interception is not fire the rule prohibits"
    );
}

#[test]
fn the_buffer_zone_follows_the_line_of_contact() {
    const HULIAIPOLE: (f64, f64) = (47.66, 36.26); // about 8 km from the line
    const LVIV: (f64, f64) = (49.84, 24.03);
    const ORIKHIV: (f64, f64) = (47.57, 35.78); // about 12 km from the line
    let found = verdicts(
        sample("agreements/contact-line-ceasefire.json"),
        vec![
            strike(1, HULIAIPOLE, "2025-12-05T06:00:00+02:00", "artillery", "military"),
            strike(2, LVIV, "2025-12-05T03:00:00+02:00", "drone_strike", "energy_generation"),
            strike(3, ORIKHIV, "2025-12-06T11:00:00+02:00", "guided_bomb", "residential"),
            strike(4, ORIKHIV, "2025-11-28T11:00:00+02:00", "guided_bomb", "residential"),
        ],
    );
    assert_eq!(
        found[0],
        [violation("buffer-zone"), ("civilians".to_owned(), Finding::NoViolation)],
        "fire at a military target within the buffer zone"
    );
    assert_eq!(found[1], [violation("civilians")], "far from the line, on the energy system");
    assert_eq!(found[2], [violation("buffer-zone"), violation("civilians")]);
    assert!(found[3].is_empty(), "before the ceasefire: {:?}", found[3]);
}
