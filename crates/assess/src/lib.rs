//! The assessment engine of Truce: what the log says happened, how sure we
//! are, and who broke which rule.
//!
//! [`assess`] is a pure function of a log prefix ([`Log`]: the admitted
//! entries and the sources that submitted them) and of agreement entries in
//! it. It groups reports into [`Incident`]s, grades each, estimates harm and
//! service disruption, finds the coverage gaps that overlap it, and judges it
//! against every rule in force at its time and place ([`Verdict`]).
//!
//! ```
//! use std::collections::BTreeMap;
//! use truce_assess::{Log, Params, assess};
//!
//! let findings = assess(&Log::new(Vec::new(), BTreeMap::new()), &[], &Params::default())?;
//! assert!(findings.incidents.is_empty());
//! # Ok::<(), truce_assess::AssessError>(())
//! ```
//!
//! The rules, each written down where it is applied:
//!
//! * **Live reports.** A report and the reports that supersede it form a
//!   chain; only the last counts, and a chain that ends in a withdrawal
//!   affirms nothing (`live.rs`). The same for coverage gaps and analysts'
//!   assessments.
//! * **Incidents** (`group.rs`): reports of compatible kinds whose windows
//!   are at most [`Params::time_tolerance_s`] apart and whose locations are
//!   at most their uncertainties plus [`Params::distance_tolerance_m`]
//!   apart; an analyst's `link` merges, an `unlink` keeps apart.
//! * **Grades** (`engine.rs`), the first that applies: *discounted* (no live
//!   report affirms it), *contested* (a live report denies it, or reports
//!   name different perpetrators), *verified* (a monitor's or sensor's
//!   observation with evidence, or credible reports from two independent
//!   groups), *probable* (two independent groups, or one credible report with
//!   evidence), *reported*. Sources of one organisation, or speaking for one
//!   party, are one group; a credible source has reliability A to C and no
//!   analyst rating of 4 to 6 on the report.
//! * **Verdicts**, for each incident that is not discounted and each rule in
//!   force at its time and in its zones: *no violation* if no live report
//!   gives a prohibited kind against a protected target; *no finding* if the
//!   event is not established (its grade, were nobody to disagree, is below
//!   probable), for a *coverage gap* when one overlaps it, else for
//!   *insufficient corroboration*; otherwise a *violation* by the
//!   responsible party if the rule binds it.
//!
//! **Determinism.** The same log prefix and agreements give the same
//! findings, byte for byte, on any machine: no clock, no I/O, no hash-map
//! order in the output, grouping independent of the order entries arrived
//! in, and distances computed with `libm`, which gives the same bits
//! everywhere.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod assessor;
mod boundaries;
mod coarsen;
mod daily;
mod engine;
mod findings;
mod geo;
mod group;
mod live;
mod model;
mod notes;
mod render;

pub use crate::assessor::{Agreements, Assessor};
pub use crate::boundaries::{
    COUNTRIES_GEOJSON, Country, OBLASTS_GEOJSON, countries, country_at, region_name,
};
pub use crate::coarsen::{Coarsening, Grid, Withheld};
pub use crate::daily::{
    DailyError, DailyOptions, DailyReport, FORMAT, PartySection, Provenance, RegionSection, Tally,
    ViolationLine, daily_report, time_zones,
};
pub use crate::findings::{
    Disruption, Estimate, Finding, Findings, Gap, Grade, GradeReason, Harm, Incident, NamedParty,
    Place, Responsibility, Verdict, VerdictReason, Window,
};
pub use crate::geo::{Point, distance_m, distance_to_geometry_m};
pub use crate::model::{Log, LogEntry, SourceInfo};
pub use crate::render::{html, markdown, svg_map};

/// The tolerances of grouping.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Params {
    /// How far apart two reports' time windows may be, in seconds, and
    /// still describe one incident. Default: 30 minutes.
    pub time_tolerance_s: i64,
    /// How far apart two reports' locations may be beyond their stated
    /// uncertainties, in metres. Default: 2,000.
    pub distance_tolerance_m: f64,
}

impl Default for Params {
    fn default() -> Params {
        Params { time_tolerance_s: 30 * 60, distance_tolerance_m: 2_000.0 }
    }
}

impl Params {
    /// The defaults, overridden by an agreement's `parameters`.
    pub fn of_agreement(agreement: &truce_entry::Agreement) -> Params {
        let mut params = Params::default();
        if let Some(p) = &agreement.parameters {
            if let Some(minutes) = p.time_tolerance_minutes {
                params.time_tolerance_s = i64::from(minutes.0) * 60;
            }
            if let Some(metres) = p.distance_tolerance_m {
                params.distance_tolerance_m = metres.0;
            }
        }
        params
    }
}

/// Why an assessment cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AssessError {
    /// No entry at this index.
    #[error("no entry {0} in the log")]
    NoSuchEntry(u64),
    /// The entry is not an agreement.
    #[error("entry {0} is not an agreement")]
    NotAnAgreement(u64),
    /// An entry appended out of order.
    #[error("entry {index} cannot follow entry {last}")]
    OutOfOrder {
        /// The entry's index.
        index: u64,
        /// The index of the log's last entry.
        last: u64,
    },
}

/// Assesses a log prefix against the agreements at the given log indices.
pub fn assess(log: &Log, agreements: &[u64], params: &Params) -> Result<Findings, AssessError> {
    assessor::assess(log, agreements, params)
}
