//! What the engine finds. Every type serializes to JSON deterministically:
//! lists in a defined order, maps sorted, no hash-map order anywhere.

use serde::Serialize;
use truce_entry::{Confidence, EventKind, Service, TargetCategory};

/// How well an incident is corroborated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Grade {
    /// A monitor's or sensor's observation with evidence, or credible
    /// reports from two or more independent groups.
    Verified,
    /// Reports from two or more independent groups, or one credible
    /// source's report with evidence.
    Probable,
    /// Anything less.
    Reported,
    /// Sources disagree on occurrence or on the perpetrator.
    Contested,
    /// No live report affirms the event.
    Discounted,
}

impl Grade {
    /// Every grade, in the order reports list them.
    pub const ALL: [Grade; 5] =
        [Grade::Verified, Grade::Probable, Grade::Reported, Grade::Contested, Grade::Discounted];

    /// The grade's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Verified => "verified",
            Grade::Probable => "probable",
            Grade::Reported => "reported",
            Grade::Contested => "contested",
            Grade::Discounted => "discounted",
        }
    }
}

/// A low, best and high estimate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Estimate {
    /// The smallest figure reported.
    pub low: u64,
    /// The figure of the most reliable source.
    pub best: u64,
    /// The largest figure reported.
    pub high: u64,
}

/// People killed and injured in an incident.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Harm {
    /// Killed (civilian, military and unknown together).
    pub killed: Option<Estimate>,
    /// Of whom civilians, where the reports say.
    pub killed_civilian: Option<Estimate>,
    /// Injured.
    pub injured: Option<Estimate>,
    /// Of whom civilians.
    pub injured_civilian: Option<Estimate>,
}

/// A service cut by an incident.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Disruption {
    /// The service.
    pub service: Service,
    /// Customers who lost it, where reports say.
    pub customers: Option<Estimate>,
    /// When it came back, according to the most reliable source that says.
    pub restored: Option<String>,
}

/// Where and when an incident happened.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Place {
    /// Latitude of the most precise report.
    pub lat: f64,
    /// Longitude of the most precise report.
    pub lon: f64,
    /// Its uncertainty, in metres.
    pub uncertainty_m: f64,
    /// The place name, if a report gives one.
    pub place: Option<String>,
    /// The region (oblast), if a report gives one.
    pub region: Option<String>,
}

/// The time window of an incident, in UTC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Window {
    /// The earliest `from` of its reports.
    pub from: String,
    /// The latest `to` of its reports.
    pub to: String,
}

/// What the reports say of who is responsible.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Responsibility {
    /// The party held responsible.
    pub party: String,
    /// `assessment` (an analyst's), or `reports` (the sources agree).
    pub basis: &'static str,
    /// The confidence.
    pub confidence: Option<Confidence>,
    /// The log indices it rests on.
    pub cites: Vec<u64>,
}

/// The finding of a verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Finding {
    /// The rule was broken by a party it binds.
    Violation,
    /// Nothing the reports say breaks the rule.
    NoViolation,
    /// The reports cannot settle it: see the reason.
    NoFinding,
}

impl Finding {
    /// The finding's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Finding::Violation => "violation",
            Finding::NoViolation => "no_violation",
            Finding::NoFinding => "no_finding",
        }
    }
}

/// Why a verdict found what it found. Language-neutral: each is a code
/// (`verdict-CODE` in truce-i18n's catalogues).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum VerdictReason {
    /// A prohibited kind against a protected target, by a party the rule
    /// binds.
    ProhibitedAct,
    /// No live report gives a prohibited kind against a protected target.
    NoProhibitedAct,
    /// Not established, and a coverage gap overlaps it.
    CoverageGap,
    /// Not established, for want of corroboration.
    InsufficientCorroboration,
    /// Established, but nobody is established as responsible.
    ResponsibilityUnknown,
    /// The responsible party is not bound by the rule.
    PartyNotBound,
}

impl VerdictReason {
    /// Every reason.
    pub const ALL: [VerdictReason; 6] = [
        VerdictReason::ProhibitedAct,
        VerdictReason::NoProhibitedAct,
        VerdictReason::CoverageGap,
        VerdictReason::InsufficientCorroboration,
        VerdictReason::ResponsibilityUnknown,
        VerdictReason::PartyNotBound,
    ];

    /// Its code.
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictReason::ProhibitedAct => "prohibited_act",
            VerdictReason::NoProhibitedAct => "no_prohibited_act",
            VerdictReason::CoverageGap => "coverage_gap",
            VerdictReason::InsufficientCorroboration => "insufficient_corroboration",
            VerdictReason::ResponsibilityUnknown => "responsibility_unknown",
            VerdictReason::PartyNotBound => "party_not_bound",
        }
    }
}

/// Why an incident has its grade: a code and the numbers that back it,
/// language-neutral (`reason-CODE` in truce-i18n's catalogues, the fields
/// its variables). In JSON, `{"code": "credible_groups", "groups": 2}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum GradeReason {
    /// A monitor's or sensor's observation with evidence.
    ObservedWithEvidence {
        /// The report's log index.
        entry: u64,
    },
    /// Credible reports from this many independent groups.
    CredibleGroups {
        /// How many groups.
        groups: usize,
    },
    /// Reports from this many independent groups, some credible.
    IndependentGroups {
        /// How many groups.
        groups: usize,
        /// How many of them made a credible report.
        credible: usize,
    },
    /// A credible source's report with evidence.
    CredibleWithEvidence {
        /// The report's log index.
        entry: u64,
    },
    /// Reports from one group, no corroboration.
    Uncorroborated {
        /// How many groups (one).
        groups: usize,
    },
    /// Its reports were withdrawn.
    Withdrawn,
    /// No live report affirms that it took place.
    NotAffirmed,
    /// One report denies what another affirms.
    Denied {
        /// The denying report.
        denier: u64,
        /// The affirming report.
        affirmer: u64,
    },
    /// The reports name different perpetrators.
    Perpetrators {
        /// Each party named, with the report that names it, by party.
        named: Vec<NamedParty>,
    },
}

/// A party a report names as perpetrator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NamedParty {
    /// The party.
    pub party: String,
    /// The report.
    pub entry: u64,
}

impl GradeReason {
    /// Every code.
    pub const CODES: [&'static str; 9] = [
        "observed_with_evidence",
        "credible_groups",
        "independent_groups",
        "credible_with_evidence",
        "uncorroborated",
        "withdrawn",
        "not_affirmed",
        "denied",
        "perpetrators",
    ];

    /// Its code.
    pub fn code(&self) -> &'static str {
        match self {
            GradeReason::ObservedWithEvidence { .. } => "observed_with_evidence",
            GradeReason::CredibleGroups { .. } => "credible_groups",
            GradeReason::IndependentGroups { .. } => "independent_groups",
            GradeReason::CredibleWithEvidence { .. } => "credible_with_evidence",
            GradeReason::Uncorroborated { .. } => "uncorroborated",
            GradeReason::Withdrawn => "withdrawn",
            GradeReason::NotAffirmed => "not_affirmed",
            GradeReason::Denied { .. } => "denied",
            GradeReason::Perpetrators { .. } => "perpetrators",
        }
    }
}

/// An incident judged against one rule in force at its time and place.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    /// The log index of the agreement entry.
    pub agreement: u64,
    /// The rule's identifier.
    pub rule: String,
    /// The finding.
    pub finding: Finding,
    /// Why.
    pub reason: VerdictReason,
    /// The party responsible, for a violation (or when known).
    pub party: Option<String>,
    /// The confidence in the attribution.
    pub confidence: Option<Confidence>,
    /// The log indices it rests on: the reports, the assessments, the
    /// coverage entries, the agreement.
    pub cites: Vec<u64>,
}

/// A group of reports that describe one event.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Incident {
    /// `inc-<index>`: the log index of its earliest report, stable for as
    /// long as that report stays in it.
    pub id: String,
    /// The live reports (the last of each chain of corrections), by index.
    pub reports: Vec<u64>,
    /// The reports that later reports correct or withdraw.
    pub superseded: Vec<u64>,
    /// When.
    pub time: Window,
    /// Where.
    pub location: Place,
    /// The event kinds the live reports give.
    pub kinds: Vec<EventKind>,
    /// The target categories they give.
    pub targets: Vec<TargetCategory>,
    /// How well it is corroborated.
    pub grade: Grade,
    /// The grade the affirming reports would earn were nobody to disagree.
    pub uncorroborated_grade: Grade,
    /// Why it has its grade.
    pub grade_reasons: Vec<GradeReason>,
    /// Who is responsible, if the reports or an analyst establish it.
    pub responsibility: Option<Responsibility>,
    /// People killed and injured.
    pub harm: Harm,
    /// Services cut.
    pub disruption: Vec<Disruption>,
    /// Live coverage gaps that overlap it in time and place.
    pub coverage_gaps: Vec<u64>,
    /// Its verdicts, one per rule in force at its time and place.
    pub verdicts: Vec<Verdict>,
}

/// A live coverage gap.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Gap {
    /// Its log index (the last of its chain of corrections).
    pub index: u64,
    /// The source that reported it.
    pub source: String,
    /// The kind of gap.
    pub gap: truce_entry::GapKind,
    /// When.
    pub time: Window,
    /// The centre of the area.
    pub lat: f64,
    /// The centre of the area.
    pub lon: f64,
    /// The radius of the area.
    pub radius_m: f64,
    /// The region, if given.
    pub region: Option<String>,
    /// The party that caused it, if known.
    pub by: Option<String>,
}

/// Everything the engine finds in a log prefix.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Findings {
    /// The incidents, by time, then id.
    pub incidents: Vec<Incident>,
    /// The live coverage gaps, by index.
    pub coverage_gaps: Vec<Gap>,
}
