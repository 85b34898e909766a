//! The sample scenario's expected findings (scenario/README.md), written
//! down as a test: for each incident its grade, its verdicts and their
//! reasons, its harm and disruption.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};
use truce_assess::{
    Agreements, Assessor, Finding, Findings, Grade, Incident, Log, LogEntry, Params, SourceInfo,
    assess,
};
use truce_entry::{Entry, Identifier, Reliability, Role};
use truce_i18n::Lang;

struct Scenario {
    log: Log,
    names: HashMap<String, u64>,
}

fn read(path: &str) -> Value {
    let full = format!("../../scenario/{path}");
    serde_json::from_str(&std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}")))
        .expect("JSON")
}

fn resolve(value: &mut Value, names: &HashMap<String, u64>) {
    match value {
        Value::String(s) if s.starts_with('@') => *value = json!(names[&s[1..]]),
        Value::Array(items) => items.iter_mut().for_each(|v| resolve(v, names)),
        Value::Object(members) => members.values_mut().for_each(|v| resolve(v, names)),
        _ => {}
    }
}

fn id(text: &str) -> Identifier {
    Identifier::new(text).expect("identifier")
}

/// The scenario as `truce demo` logs it: the operator at 0, the sources at
/// 1 to 12, then the entries in manifest order.
fn scenario() -> Scenario {
    let manifest = read("manifest.json");
    let mut sources = BTreeMap::new();
    sources.insert(
        id("operator"),
        SourceInfo {
            role: Role::Operator,
            organisation: "Mission".into(),
            party: None,
            reliability: Reliability::A,
        },
    );
    let mut index = 1 + manifest["sources"].as_array().expect("sources").len() as u64;
    for s in manifest["sources"].as_array().expect("sources") {
        sources.insert(
            id(s["source"].as_str().expect("id")),
            SourceInfo {
                role: s["role"].as_str().expect("role").parse().expect("role"),
                organisation: s["organisation"].as_str().expect("organisation").to_owned(),
                party: s["party"].as_str().map(id),
                reliability: s["reliability"].as_str().expect("reliability").parse().expect("A-F"),
            },
        );
    }
    let mut names = HashMap::new();
    let mut entries = Vec::new();
    for item in manifest["entries"].as_array().expect("entries") {
        let mut value = read(item["file"].as_str().expect("file"));
        resolve(&mut value, &names);
        let entry = Entry::from_value(&value).unwrap_or_else(|p| panic!("{}: {p}", item["file"]));
        entries.push(LogEntry {
            index,
            source: id(item["signer"].as_str().expect("signer")),
            entry,
        });
        names.insert(item["name"].as_str().expect("name").to_owned(), index);
        index += 1;
    }
    Scenario { log: Log::new(entries, sources), names }
}

fn findings(s: &Scenario) -> Findings {
    let agreements = [s.names["energy-moratorium"], s.names["black-sea"]];
    assess(&s.log, &agreements, &Params::default()).expect("assesses")
}

/// The incident that holds the report called `name`.
fn incident<'f>(f: &'f Findings, s: &Scenario, name: &str) -> &'f Incident {
    let index = s.names[name];
    f.incidents
        .iter()
        .find(|i| i.reports.contains(&index) || i.superseded.contains(&index))
        .unwrap_or_else(|| panic!("no incident holds {name}"))
}

fn reports_of(i: &Incident, s: &Scenario) -> Vec<String> {
    let mut names: Vec<String> =
        s.names.iter().filter(|(_, idx)| i.reports.contains(idx)).map(|(n, _)| n.clone()).collect();
    names.sort();
    names
}

/// `(rule, finding, reason, party, confidence)` of a verdict.
type VerdictLine = (String, &'static str, &'static str, Option<String>, Option<&'static str>);

/// The verdicts of an incident, by rule.
fn verdicts(i: &Incident) -> Vec<VerdictLine> {
    let mut v: Vec<_> = i
        .verdicts
        .iter()
        .map(|v| {
            (
                v.rule.clone(),
                v.finding.as_str(),
                v.reason.as_str(),
                v.party.clone(),
                v.confidence.map(|c| c.as_str()),
            )
        })
        .collect();
    v.sort();
    v
}

/// Low, best, high.
type Triple = (u64, u64, u64);

fn est(e: Option<truce_assess::Estimate>) -> Option<Triple> {
    e.map(|e| (e.low, e.best, e.high))
}

#[test]
fn every_incident_has_its_expected_grade_and_verdicts() {
    let s = scenario();
    let f = findings(&s);
    assert_eq!(
        f.incidents.len(),
        12,
        "{:#?}",
        f.incidents.iter().map(|i| reports_of(i, &s)).collect::<Vec<_>>()
    );

    let violation = |rule: &str, party: &str, confidence: &'static str| {
        (rule.to_owned(), "violation", "prohibited_act", Some(party.to_owned()), Some(confidence))
    };
    let none = |rule: &str| (rule.to_owned(), "no_violation", "no_prohibited_act", None, None);
    let gap = |rule: &str| (rule.to_owned(), "no_finding", "coverage_gap", None, None);

    // Kharkiv, 13 Nov: verified; energy violation by ru, high.
    let kharkiv = incident(&f, &s, "kharkiv-sensor");
    assert_eq!(
        reports_of(kharkiv, &s),
        ["kharkiv-media", "kharkiv-omm-r1", "kharkiv-osint", "kharkiv-sensor", "kharkiv-ua"]
    );
    assert_eq!(kharkiv.grade, Grade::Verified);
    assert_eq!(verdicts(kharkiv), [violation("energy", "ru", "high")]);
    assert_eq!(
        est(kharkiv.harm.killed),
        Some((4, 4, 4)),
        "the superseded first count must not count"
    );
    assert_eq!(est(kharkiv.harm.injured), Some((17, 17, 17)));
    assert!(kharkiv.superseded.contains(&s.names["kharkiv-omm"]));

    // Kyiv: contested (ru says interception by ua); energy violation by ru
    // (the analyst's attribution).
    let kyiv = incident(&f, &s, "kyiv-omm");
    assert_eq!(
        reports_of(kyiv, &s),
        ["kyiv-media", "kyiv-omm", "kyiv-osint", "kyiv-ru", "kyiv-ua"]
    );
    assert_eq!((kyiv.grade, kyiv.uncorroborated_grade), (Grade::Contested, Grade::Verified));
    assert_eq!(verdicts(kyiv), [violation("energy", "ru", "high")]);
    assert_eq!(est(kyiv.harm.killed), Some((3, 3, 3)));
    assert_eq!(est(kyiv.harm.injured), Some((21, 24, 26)), "best is the monitor's figure");
    let customers: Vec<(String, Option<Triple>)> =
        kyiv.disruption.iter().map(|d| (d.service.as_str().to_owned(), est(d.customers))).collect();
    assert!(
        customers.iter().any(|(s, c)| s == "electricity" && c.map(|c| c.1) == Some(112_000)),
        "{customers:?}"
    );

    // Novorossiysk: probable; energy violation by ua, medium.
    let novorossiysk = incident(&f, &s, "novorossiysk-ru");
    assert_eq!(novorossiysk.grade, Grade::Probable);
    assert_eq!(verdicts(novorossiysk), [violation("energy", "ua", "medium")]);

    // ZNPP: contested (denied); no finding for the coverage gaps, under both
    // the energy rule and the repair window.
    let znpp = incident(&f, &s, "znpp-ru");
    assert_eq!(znpp.grade, Grade::Contested);
    assert_eq!(verdicts(znpp), [gap("energy"), gap("znpp-repair-window")]);
    let mut gaps = znpp.coverage_gaps.clone();
    gaps.sort_unstable();
    assert_eq!(gaps, [s.names["znpp-access-denied"], s.names["znpp-jamming"]]);

    // Odesa port: verified; shipping violation by ru, medium; energy: none.
    let port = incident(&f, &s, "odesa-port-omm");
    assert_eq!(port.grade, Grade::Verified);
    assert_eq!(verdicts(port), [none("energy"), violation("shipping", "ru", "medium")]);

    // Odesa CHP: contested (ru denies); energy violation by ru (analyst);
    // shipping: no violation.
    let chp = incident(&f, &s, "odesa-energy-ua");
    assert_eq!((chp.grade, chp.uncorroborated_grade), (Grade::Contested, Grade::Verified));
    assert_eq!(verdicts(chp), [violation("energy", "ru", "medium"), none("shipping")]);
    assert_ne!(chp.id, port.id, "the port and the CHP are two incidents");

    // Chornomorsk: withdrawn, discounted, no verdict.
    let chornomorsk = incident(&f, &s, "chornomorsk-media");
    assert_eq!(chornomorsk.grade, Grade::Discounted);
    assert!(chornomorsk.verdicts.is_empty() && chornomorsk.reports.is_empty());

    // Kharkiv glide bomb: reported; no finding for the (corrected) sensor
    // outage.
    let kab = incident(&f, &s, "kharkiv-kab-ua");
    assert_eq!(kab.grade, Grade::Reported);
    assert_eq!(verdicts(kab), [gap("energy")]);
    assert_eq!(kab.coverage_gaps, [s.names["kharkiv-sensor-outage-r1"]]);

    // Kherson: two incidents (the analyst's unlink), verified and reported.
    let sharikova = incident(&f, &s, "kherson-omm");
    let zabalka = incident(&f, &s, "kherson-ua");
    assert_ne!(sharikova.id, zabalka.id);
    assert_eq!((sharikova.grade, zabalka.grade), (Grade::Verified, Grade::Reported));
    assert_eq!(
        (verdicts(sharikova), verdicts(zabalka)),
        (vec![none("energy")], vec![none("energy")])
    );
    assert_eq!(
        (est(zabalka.harm.killed), est(zabalka.harm.injured)),
        (Some((1, 1, 1)), Some((2, 2, 2)))
    );

    // Sumy: probable (Dnipro Wire's two desks are one group).
    let sumy = incident(&f, &s, "sumy-media");
    assert_eq!(reports_of(sumy, &s), ["sumy-media", "sumy-media-sumy", "sumy-ru"]);
    assert_eq!(sumy.grade, Grade::Probable);
    assert_eq!(verdicts(sumy), [none("energy")]);

    // Mykolaiv: reported; no finding for insufficient corroboration.
    let mykolaiv = incident(&f, &s, "mykolaiv-media");
    assert_eq!(mykolaiv.grade, Grade::Reported);
    assert_eq!(
        verdicts(mykolaiv),
        [("energy".to_owned(), "no_finding", "insufficient_corroboration", None, None)]
    );

    // Totals: every grade and every kind of verdict appears.
    let count = |g: Grade| f.incidents.iter().filter(|i| i.grade == g).count();
    assert_eq!(
        Grade::ALL.map(count),
        [3, 2, 3, 3, 1],
        "verified, probable, reported, contested, discounted"
    );
    let all: Vec<_> = f.incidents.iter().flat_map(|i| i.verdicts.iter()).collect();
    assert_eq!(all.len(), 14);
    let by = |finding: Finding| all.iter().filter(|v| v.finding == finding).count();
    assert_eq!(
        (by(Finding::Violation), by(Finding::NoViolation), by(Finding::NoFinding)),
        (5, 5, 4)
    );
}

#[test]
fn coverage_gaps_are_the_live_ones() {
    let s = scenario();
    let f = findings(&s);
    let mut live: Vec<u64> = f.coverage_gaps.iter().map(|g| g.index).collect();
    live.sort_unstable();
    let mut want: Vec<u64> =
        ["znpp-access-denied", "znpp-jamming", "kharkiv-sensor-outage-r1", "kherson-restricted"]
            .iter()
            .map(|n| s.names[*n])
            .collect();
    want.sort_unstable();
    assert_eq!(live, want);
}

fn provenance(s: &Scenario) -> truce_assess::Provenance {
    truce_assess::Provenance {
        origin: "demo.truce.example/log".into(),
        checkpoint_size: s.log.size(),
        root_hash: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into(),
        agreements: vec![s.names["energy-moratorium"], s.names["black-sea"]],
        truce_version: "test".into(),
        parameters: BTreeMap::new(),
    }
}

#[test]
fn the_daily_report_of_14_november() {
    let s = scenario();
    let f = findings(&s);
    let options = truce_assess::DailyOptions {
        date: "2025-11-14".parse().expect("date"),
        time_zone: "Europe/Kyiv".into(),
        cutoff_hour: 0,
    };
    let report = truce_assess::daily_report(&f, &options, provenance(&s)).expect("report");
    assert_eq!(report.period.from, "2025-11-13T22:00:00Z");
    assert_eq!(report.period.to, "2025-11-14T22:00:00Z");
    // Kyiv and Novorossiysk began on 14 November, Kyiv time.
    let ids: Vec<&str> = report.incidents.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        [incident(&f, &s, "kyiv-omm").id.as_str(), incident(&f, &s, "novorossiysk-ru").id.as_str()]
    );
    assert_eq!(report.summary.violations.get("energy"), Some(&2));
    assert_eq!(report.summary.incidents.get("contested"), Some(&1));
    assert_eq!(report.previous_period.incidents.values().sum::<u64>(), 1, "Kharkiv, 13 November");
    let parties: Vec<(&str, u64)> =
        report.parties.iter().map(|p| (p.party.as_str(), p.violations.values().sum())).collect();
    assert_eq!(parties, [("ru", 1), ("ua", 1)]);

    // The canonical JSON is stable, and its digest with it.
    let again = truce_assess::daily_report(&f, &options, provenance(&s)).expect("report");
    assert_eq!(report.canonical_json(), again.canonical_json());
    assert_eq!(report.digest().len(), 64);
    // Rendered in each language, deterministically; the Ukrainian and
    // Russian texts hold no English word of the English text's own.
    let english = truce_assess::markdown(&report, Lang::En);
    assert!(english.contains("# Daily report, 14 November 2025"), "{english}");
    assert!(english.contains("| incidents | 2 | 1 | +1 |"), "{english}");
    let uk = truce_assess::markdown(&report, Lang::Uk);
    assert!(uk.contains("# Щоденний звіт"), "{uk}");
    assert!(uk.contains("14 листопада 2025"), "{uk}");
    let ru = truce_assess::markdown(&report, Lang::Ru);
    assert!(ru.contains("14 ноября 2025"), "{ru}");
    for (lang, text) in [(Lang::Uk, &uk), (Lang::Ru, &ru)] {
        for word in
            ["Summary", "incidents", "violations", "Provenance", "Coverage gaps", "Recompute"]
        {
            assert!(!text.contains(word), "{lang}: {word:?} left in\n{text}");
        }
        // The report's regions are named in the language.
        assert!(!text.contains("Kyiv |") && !text.contains("oblast |"), "{lang}: {text}");
    }
    for lang in Lang::ALL {
        let html = truce_assess::html(&report, lang);
        assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<svg"), "{html}");
        assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{html}");
        assert_eq!(html.matches("<table>").count(), html.matches("</table>").count());
        assert_eq!(html, truce_assess::html(&again, lang), "{lang}: rendered twice, the same");
        assert_eq!(
            truce_assess::markdown(&report, lang),
            truce_assess::markdown(&again, lang),
            "{lang}"
        );
    }

    // A bad time zone or cut-off is an error, not a panic.
    let bad = truce_assess::DailyOptions { time_zone: "Europe/Atlantis".into(), ..options.clone() };
    assert!(truce_assess::daily_report(&f, &bad, provenance(&s)).is_err());
    let bad = truce_assess::DailyOptions { cutoff_hour: 24, ..options };
    assert!(truce_assess::daily_report(&f, &bad, provenance(&s)).is_err());
}

/// Appending the scenario entry by entry to an [`Assessor`] reaches the
/// same findings as assessing it whole, and at every step agrees with a
/// whole assessment of the prefix.
#[test]
fn the_incremental_assessment_agrees_at_every_step() {
    let s = scenario();
    let empty = Log::new(Vec::new(), s.log.sources().clone());
    let mut assessor = Assessor::new(empty, Agreements::All, Params::default()).expect("assesses");
    for (n, entry) in s.log.entries().iter().enumerate() {
        assessor.append(entry.clone()).expect("appends");
        let prefix = Log::new(s.log.entries()[..=n].to_vec(), s.log.sources().clone());
        let whole = assess(&prefix, &assessor.agreements(), &Params::default()).expect("assesses");
        assert_eq!(assessor.findings(), whole, "after entry {}", entry.index);
    }
    assert_eq!(assessor.findings(), findings(&s));
}
