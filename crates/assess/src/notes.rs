//! What the log says about reports besides the reports themselves: the
//! analysts' credibility ratings and attributions, and the coverage gaps.
//! Kept up to date entry by entry, so that judging one incident never
//! scans the whole log.

use std::collections::{BTreeMap, BTreeSet};

use truce_entry::{Assessment, AssessmentAction, Coverage};

use crate::geo::Point;

/// A live coverage gap, as the engine tests it against incidents.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct GapArea {
    /// Its end, in Unix seconds.
    pub(crate) to: i64,
    pub(crate) centre: Point,
    pub(crate) radius_m: f64,
}

/// The annotations of the live entries of a log prefix.
#[derive(Clone, Debug, Default)]
pub(crate) struct Notes {
    /// (report version, assessment index) → the rating it gives.
    credibility: BTreeMap<(u64, u64), u8>,
    /// (report version, assessment index) of every live attribution.
    attribution: BTreeSet<(u64, u64)>,
    /// Live gaps by (start in Unix seconds, index).
    gaps: BTreeMap<(i64, u64), GapArea>,
    /// The longest gap ever added, in seconds: how far before an incident
    /// a gap that overlaps it can start.
    longest_gap_s: i64,
}

impl Notes {
    /// Adds a live assessment, or with `add == false` removes it.
    pub(crate) fn assessment(&mut self, index: u64, assessment: &Assessment, add: bool) {
        for report in assessment.reports.iter() {
            let key = (report.0, index);
            match (assessment.action, assessment.credibility, add) {
                (AssessmentAction::Credibility, Some(rating), true) => {
                    self.credibility.insert(key, rating.0);
                }
                (AssessmentAction::Credibility, _, false) => {
                    self.credibility.remove(&key);
                }
                (AssessmentAction::Attribution, _, true) => {
                    self.attribution.insert(key);
                }
                (AssessmentAction::Attribution, _, false) => {
                    self.attribution.remove(&key);
                }
                _ => {}
            }
        }
    }

    /// Adds a live coverage gap, or with `add == false` removes it.
    pub(crate) fn gap(&mut self, index: u64, gap: &Coverage, add: bool) {
        let from = gap.time.from.instant().as_second();
        let to = gap.time.to.instant().as_second();
        if add {
            let centre = Point { lat: gap.area.lat.0, lon: gap.area.lon.0 };
            self.gaps.insert((from, index), GapArea { to, centre, radius_m: gap.area.radius_m.0 });
            self.longest_gap_s = self.longest_gap_s.max(to - from);
        } else {
            self.gaps.remove(&(from, index));
        }
    }

    /// The latest rating of a report version.
    pub(crate) fn credibility(&self, version: u64) -> Option<u8> {
        self.credibility.range((version, 0)..=(version, u64::MAX)).next_back().map(|(_, &r)| r)
    }

    /// The index of the latest attribution that names any of `versions`.
    pub(crate) fn attribution(&self, versions: impl Iterator<Item = u64>) -> Option<u64> {
        versions
            .filter_map(|v| self.attribution.range((v, 0)..=(v, u64::MAX)).next_back())
            .map(|&(_, index)| index)
            .max()
    }

    /// The live gaps whose windows overlap `[from, to]`, by start.
    pub(crate) fn gaps_during(&self, from: i64, to: i64) -> impl Iterator<Item = (u64, &GapArea)> {
        let earliest = from.saturating_sub(self.longest_gap_s);
        self.gaps
            .range((earliest, 0)..=(to, u64::MAX))
            .filter(move |(_, g)| from <= g.to)
            .map(|(&(_, index), g)| (index, g))
    }
}
