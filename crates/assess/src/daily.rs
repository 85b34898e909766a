//! The daily report, in the manner of a monitoring mission's daily reports:
//! what happened in one period, per region and per party, against the
//! previous period, with the provenance anyone needs to recompute it.
//!
//! The JSON form is the canonical one: its RFC 8785 canonical bytes are
//! what a `truce.statement/v1` entry's digest covers.

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::findings::{Estimate, Finding, Findings, Gap, Grade, Incident};

/// The name and version of the report format. Version 2 is language
/// neutral: grade reasons are `{"code": ..., NUMBERS}` objects and verdict
/// reasons codes (version 1 had English sentences), and a region no report
/// names is `null` (version 1: "(region not given)").
pub const FORMAT: &str = "truce.daily-report/v2";

/// What a daily report covers and how it was computed.
#[derive(Clone, Debug, PartialEq)]
pub struct DailyOptions {
    /// The day.
    pub date: jiff::civil::Date,
    /// The IANA time zone of the day, e.g. `Europe/Kyiv`.
    pub time_zone: String,
    /// The hour (0 to 23) at which the day starts, local time.
    pub cutoff_hour: i8,
}

/// Where the findings come from: what anyone needs to recompute them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// The log's origin.
    pub origin: String,
    /// The tree size the report was computed at.
    pub checkpoint_size: u64,
    /// The root hash of the tree of that size, base64.
    pub root_hash: String,
    /// The log indices of the agreements judged against.
    pub agreements: Vec<u64>,
    /// The version of Truce that computed it.
    pub truce_version: String,
    /// The parameters of the assessment.
    pub parameters: BTreeMap<String, serde_json::Value>,
}

/// An error making a daily report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DailyError {
    /// The time zone is not in the bundled time-zone database.
    #[error("unknown time zone {0:?}")]
    TimeZone(String),
    /// The cut-off hour is not 0 to 23, or the day cannot start then.
    #[error("invalid cut-off hour {0}")]
    Cutoff(i8),
}

/// Counts and sums over a set of incidents.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Tally {
    /// Incidents, by grade.
    pub incidents: BTreeMap<&'static str, u64>,
    /// Violations, by rule.
    pub violations: BTreeMap<String, u64>,
    /// People killed: the sums of the incidents' low, best and high
    /// estimates (discounted incidents left out).
    pub killed: Option<Estimate>,
    /// People injured, likewise.
    pub injured: Option<Estimate>,
    /// Customers who lost a service, by service: sums of the best figures.
    pub disruption: BTreeMap<&'static str, u64>,
    /// Live coverage gaps in the period.
    pub coverage_gaps: u64,
}

impl Tally {
    fn add(&mut self, incident: &Incident) {
        *self.incidents.entry(incident.grade.as_str()).or_default() += 1;
        for v in incident.verdicts.iter().filter(|v| v.finding == Finding::Violation) {
            *self.violations.entry(v.rule.clone()).or_default() += 1;
        }
        if incident.grade == Grade::Discounted {
            return;
        }
        let sum = |total: &mut Option<Estimate>, e: Option<Estimate>| {
            if let Some(e) = e {
                let t = total.get_or_insert(Estimate { low: 0, best: 0, high: 0 });
                t.low += e.low;
                t.best += e.best;
                t.high += e.high;
            }
        };
        sum(&mut self.killed, incident.harm.killed);
        sum(&mut self.injured, incident.harm.injured);
        for d in &incident.disruption {
            if let Some(c) = d.customers {
                *self.disruption.entry(d.service.as_str()).or_default() += c.best;
            }
        }
    }
}

/// One region's part of the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RegionSection {
    /// The region (oblast), as the reports name it; `null` for what no
    /// report places in a region (listed first).
    pub region: Option<String>,
    /// What happened there.
    #[serde(flatten)]
    pub tally: Tally,
}

/// One party's part of the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartySection {
    /// The party.
    pub party: String,
    /// Incidents it is held responsible for.
    pub incidents_attributed: u64,
    /// Its violations, by rule.
    pub violations: BTreeMap<String, u64>,
    /// Coverage gaps it caused (access denied, jamming, ...).
    pub coverage_gaps_caused: u64,
}

/// A violation, as the report lists it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ViolationLine {
    /// The incident.
    pub incident: String,
    /// The agreement entry.
    pub agreement: u64,
    /// The rule.
    pub rule: String,
    /// The party responsible.
    pub party: Option<String>,
    /// The confidence.
    pub confidence: Option<&'static str>,
    /// The incident's grade.
    pub grade: Grade,
    /// The log indices it rests on.
    pub cites: Vec<u64>,
}

/// The daily report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DailyReport {
    /// [`FORMAT`].
    pub format: &'static str,
    /// The day.
    pub date: String,
    /// The period covered, `[from, to)`, in UTC.
    pub period: crate::findings::Window,
    /// The whole period.
    pub summary: Tally,
    /// The period before, for comparison.
    pub previous_period: Tally,
    /// By region.
    pub regions: Vec<RegionSection>,
    /// By party.
    pub parties: Vec<PartySection>,
    /// Every violation of the period.
    pub violations: Vec<ViolationLine>,
    /// Every incident of the period.
    pub incidents: Vec<Incident>,
    /// Coverage gaps overlapping the period.
    pub coverage_gaps: Vec<Gap>,
    /// Where it comes from.
    pub provenance: Provenance,
}

/// The names of the time zones a daily report may be cut in: those of the
/// IANA database bundled with Truce (the same on every machine), spelt as
/// the database spells them.
pub fn time_zones() -> Vec<String> {
    jiff::tz::TimeZoneDatabase::bundled().available().map(|name| name.as_str().to_owned()).collect()
}

fn period(options: &DailyOptions) -> Result<(jiff::Timestamp, jiff::Timestamp), DailyError> {
    // The database finds names in any case, but the name is part of the
    // report's canonical JSON: one zone, one spelling, one digest.
    let database = jiff::tz::TimeZoneDatabase::bundled();
    let unknown = || DailyError::TimeZone(options.time_zone.clone());
    if !database.available().any(|name| name.as_str() == options.time_zone) {
        return Err(unknown());
    }
    let zone = database.get(&options.time_zone).map_err(|_| unknown())?;
    if !(0..=23).contains(&options.cutoff_hour) {
        return Err(DailyError::Cutoff(options.cutoff_hour));
    }
    let local = |date: jiff::civil::Date| {
        let start = date.at(options.cutoff_hour, 0, 0, 0);
        zone.to_timestamp(start).map_err(|_| DailyError::Cutoff(options.cutoff_hour))
    };
    // A local day: 23 or 25 hours long when the clocks change.
    let tomorrow = options.date.tomorrow().map_err(|_| DailyError::Cutoff(options.cutoff_hour))?;
    Ok((local(options.date)?, local(tomorrow)?))
}

fn in_period(time: &str, (from, to): (jiff::Timestamp, jiff::Timestamp)) -> bool {
    time.parse::<jiff::Timestamp>().is_ok_and(|t| from <= t && t < to)
}

fn overlaps(
    window: &crate::findings::Window,
    (from, to): (jiff::Timestamp, jiff::Timestamp),
) -> bool {
    match (window.from.parse::<jiff::Timestamp>(), window.to.parse::<jiff::Timestamp>()) {
        (Ok(a), Ok(b)) => a < to && from <= b,
        _ => false,
    }
}

/// The daily report for `options.date` from `findings`.
pub fn daily_report(
    findings: &Findings,
    options: &DailyOptions,
    provenance: Provenance,
) -> Result<DailyReport, DailyError> {
    let this = period(options)?;
    let previous_options = DailyOptions {
        date: options.date.yesterday().map_err(|_| DailyError::Cutoff(options.cutoff_hour))?,
        ..options.clone()
    };
    let previous = period(&previous_options)?;

    let incidents: Vec<&Incident> =
        findings.incidents.iter().filter(|i| in_period(&i.time.from, this)).collect();
    let gaps: Vec<&Gap> =
        findings.coverage_gaps.iter().filter(|g| overlaps(&g.time, this)).collect();

    let mut summary = Tally::default();
    let mut regions: BTreeMap<Option<String>, Tally> = BTreeMap::new();
    let mut parties: BTreeMap<String, PartySection> = BTreeMap::new();
    let mut violations = Vec::new();
    for incident in &incidents {
        summary.add(incident);
        regions.entry(incident.location.region.clone()).or_default().add(incident);
        if let Some(r) = &incident.responsibility {
            let party = parties.entry(r.party.clone()).or_insert_with(|| PartySection {
                party: r.party.clone(),
                incidents_attributed: 0,
                violations: BTreeMap::new(),
                coverage_gaps_caused: 0,
            });
            party.incidents_attributed += 1;
        }
        for v in incident.verdicts.iter().filter(|v| v.finding == Finding::Violation) {
            if let Some(p) = &v.party
                && let Some(section) = parties.get_mut(p)
            {
                *section.violations.entry(v.rule.clone()).or_default() += 1;
            }
            violations.push(ViolationLine {
                incident: incident.id.clone(),
                agreement: v.agreement,
                rule: v.rule.clone(),
                party: v.party.clone(),
                confidence: v.confidence.map(|c| c.as_str()),
                grade: incident.grade,
                cites: v.cites.clone(),
            });
        }
    }
    summary.coverage_gaps = gaps.len() as u64;
    for gap in &gaps {
        regions.entry(gap.region.clone()).or_default().coverage_gaps += 1;
        if let Some(by) = &gap.by {
            parties
                .entry(by.clone())
                .or_insert_with(|| PartySection {
                    party: by.clone(),
                    incidents_attributed: 0,
                    violations: BTreeMap::new(),
                    coverage_gaps_caused: 0,
                })
                .coverage_gaps_caused += 1;
        }
    }
    let mut previous_period = Tally::default();
    for incident in findings.incidents.iter().filter(|i| in_period(&i.time.from, previous)) {
        previous_period.add(incident);
    }
    previous_period.coverage_gaps =
        findings.coverage_gaps.iter().filter(|g| overlaps(&g.time, previous)).count() as u64;

    Ok(DailyReport {
        format: FORMAT,
        date: options.date.to_string(),
        period: crate::findings::Window { from: this.0.to_string(), to: this.1.to_string() },
        summary,
        previous_period,
        regions: regions
            .into_iter()
            .map(|(region, tally)| RegionSection { region, tally })
            .collect(),
        parties: parties.into_values().collect(),
        violations,
        incidents: incidents.into_iter().cloned().collect(),
        coverage_gaps: gaps.into_iter().cloned().collect(),
        provenance,
    })
}

impl DailyReport {
    /// The canonical JSON (RFC 8785) of the report: the bytes a statement's
    /// digest covers.
    pub fn canonical_json(&self) -> String {
        // Serializing these types cannot fail: no map has non-string keys.
        let value = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        truce_entry::canonical(&value)
    }

    /// SHA-256 of the canonical JSON, in lower-case hex.
    pub fn digest(&self) -> String {
        Sha256::digest(self.canonical_json().as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}
