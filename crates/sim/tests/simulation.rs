//! The simulation's promises: deterministic, valid, admissible, and as
//! varied as the issue asks.

use std::collections::{BTreeMap, BTreeSet};

use truce_assess::{Log, LogEntry, Params, SourceInfo};
use truce_entry::{
    Entry, Identifier, Registry, SignedEntry, Source, SourceAction, VerifierKeyText,
};
use truce_sim::{Options, SimEntry, Simulation};

fn simulate(seed: u64, reports: u64, days: u32) -> (Simulation, Vec<SimEntry>) {
    let options = Options { seed, reports, days, ..Options::default() };
    let entries = Simulation::new(options.clone()).expect("a valid origin").collect();
    (Simulation::new(options).expect("a valid origin"), entries)
}

fn canonical(entries: &[SimEntry]) -> Vec<String> {
    entries
        .iter()
        .map(|e| {
            format!("{} {} {}", e.index, e.source, truce_entry::canonical(&e.entry.to_value()))
        })
        .collect()
}

#[test]
fn the_same_seed_gives_the_same_log() {
    let (a, first) = simulate(7, 800, 5);
    let (b, second) = simulate(7, 800, 5);
    assert_eq!(canonical(&first), canonical(&second));
    assert_eq!(a.log_key().verifier_key().to_string(), b.log_key().verifier_key().to_string());
    let (c, other) = simulate(8, 800, 5);
    assert_ne!(canonical(&first), canonical(&other));
    assert_ne!(a.log_key().verifier_key().to_string(), c.log_key().verifier_key().to_string());
}

#[test]
fn it_writes_exactly_the_reports_asked_for_over_the_days_asked_for() {
    for (reports, days) in [(1, 1), (37, 2), (2_000, 10)] {
        let (_, entries) = simulate(3, reports, days);
        let times: Vec<i64> = entries
            .iter()
            .filter_map(|e| match &e.entry {
                Entry::Report(r) => r.time.as_ref().map(|t| t.from.instant().as_second()),
                _ => None,
            })
            .collect();
        let count = entries.iter().filter(|e| matches!(e.entry, Entry::Report(_))).count();
        assert_eq!(count as u64, reports);
        let start = 1_762_732_800; // 2025-11-10T00:00:00Z
        let end = start + i64::from(days) * 86_400;
        assert!(times.iter().all(|&t| t >= start - 3_600 && t < end + 3_600), "{reports} reports");
        let indices: Vec<u64> = entries.iter().map(|e| e.index).collect();
        assert_eq!(indices, (1..=entries.len() as u64).collect::<Vec<_>>());
    }
}

/// Signs every entry and admits it into a registry whose first entry
/// registers the operator, as `truce init` writes it: the keys, the
/// registrations and every entry's signer agree.
#[test]
fn every_entry_is_admitted_and_every_reference_points_back() {
    let (sim, entries) = simulate(11, 1_500, 6);
    let genesis = Entry::Source(Source {
        source: Identifier::new("operator").expect("valid"),
        action: SourceAction::Register,
        key: Some(VerifierKeyText(sim.operator_key().verifier_key())),
        name: Some(truce_entry::Text::new("Operator").expect("valid")),
        role: Some(truce_entry::Role::Operator),
        organisation: Some(truce_entry::Text::new("Ceasefire Monitoring Mission").expect("valid")),
        party: None,
        reliability: Some(truce_entry::Reliability::A),
        note: None,
    });
    let mut registry = Registry::new();
    let signed = SignedEntry::sign(&genesis, &[sim.operator_key()]).expect("signs");
    registry.admit(0, signed.as_bytes()).expect("the genesis is admitted");
    let mut by_index: BTreeMap<u64, &SimEntry> = BTreeMap::new();
    for e in &entries {
        let key = sim.key_of(e.source.as_str()).expect("a known signer");
        let signed = SignedEntry::sign(&e.entry, &[key]).expect("signs");
        let admitted = registry
            .admit(e.index, signed.as_bytes())
            .unwrap_or_else(|err| panic!("entry {} by {} is refused: {err}", e.index, e.source));
        let _ = admitted;
        if let Some(earlier) = e.entry.supersedes() {
            let earlier = by_index[&earlier.0];
            assert_eq!(earlier.source, e.source, "entry {} supersedes another source's", e.index);
            assert_eq!(earlier.entry.entry_type(), e.entry.entry_type());
        }
        if let Entry::Assessment(a) = &e.entry {
            for r in a.reports.iter() {
                assert!(matches!(by_index[&r.0].entry, Entry::Report(_)), "entry {}", e.index);
            }
        }
        by_index.insert(e.index, e);
    }
    let ids: BTreeSet<(String, String)> = entries
        .iter()
        .filter_map(|e| Some((e.source.to_string(), e.entry.local_id()?.to_string())))
        .collect();
    assert_eq!(ids.len(), entries.iter().filter(|e| e.entry.local_id().is_some()).count());
}

/// Everything the assessment engine distinguishes turns up: every role,
/// gap kind and assessment action; denials, corrections, withdrawals; and
/// the findings have incidents of several grades and violations.
#[test]
fn the_log_is_varied_enough_to_exercise_the_engine() {
    let (sim, entries) = simulate(5, 6_000, 20);
    let mut seen = BTreeSet::new();
    for e in &entries {
        match &e.entry {
            Entry::Report(r) if r.is_withdrawal() => seen.insert("withdrawal".to_owned()),
            Entry::Report(r) if r.supersedes.is_some() => seen.insert("correction".to_owned()),
            Entry::Report(r) if !r.affirms() => seen.insert("denial".to_owned()),
            Entry::Report(_) => seen.insert("report".to_owned()),
            Entry::Coverage(c) => seen.insert(format!("gap {}", c.gap)),
            Entry::Assessment(a) => seen.insert(format!("assessment {}", a.action)),
            Entry::Source(s) => {
                seen.insert(format!("role {}", s.role.map_or("?".into(), |r| r.to_string())))
            }
            Entry::Agreement(_) => seen.insert("agreement".to_owned()),
            _ => seen.insert("other".to_owned()),
        };
    }
    for wanted in [
        "report",
        "correction",
        "withdrawal",
        "denial",
        "agreement",
        "gap access_denied",
        "gap sensor_outage",
        "gap jamming",
        "gap restricted_movement",
        "assessment link",
        "assessment unlink",
        "assessment credibility",
        "assessment attribution",
        "role monitor",
        "role sensor",
        "role party",
        "role osint",
        "role media",
        "role analyst",
    ] {
        assert!(seen.contains(wanted), "no {wanted} in {seen:?}");
    }

    let mut sources: BTreeMap<Identifier, SourceInfo> = sim
        .sources()
        .iter()
        .map(|s| {
            let info = SourceInfo {
                role: s.role.parse().expect("a role"),
                organisation: s.organisation.to_owned(),
                party: s.party.map(|p| Identifier::new(p).expect("valid")),
                reliability: s.reliability.parse().expect("a reliability"),
            };
            (s.id.clone(), info)
        })
        .collect();
    sources.insert(
        Identifier::new("operator").expect("valid"),
        SourceInfo {
            role: truce_entry::Role::Operator,
            organisation: "Ceasefire Monitoring Mission".into(),
            party: None,
            reliability: truce_entry::Reliability::A,
        },
    );
    let log = Log::new(
        entries
            .into_iter()
            .map(|e| LogEntry { index: e.index, source: e.source, entry: e.entry })
            .collect(),
        sources,
    );
    let findings =
        truce_assess::assess(&log, &sim.agreement_indices(), &Params::default()).expect("assessed");
    let grades: BTreeSet<String> =
        findings.incidents.iter().map(|i| i.grade.as_str().to_owned()).collect();
    for grade in ["verified", "probable", "reported", "contested", "discounted"] {
        assert!(grades.contains(grade), "no {grade} incident in {grades:?}");
    }
    let findings_of: BTreeSet<String> = findings
        .incidents
        .iter()
        .flat_map(|i| &i.verdicts)
        .map(|v| v.finding.as_str().to_owned())
        .collect();
    assert!(findings_of.contains("violation"), "{findings_of:?}");
    assert!(findings_of.contains("no_violation"), "{findings_of:?}");
}
