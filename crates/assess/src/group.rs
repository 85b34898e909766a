//! Grouping reports into incidents.
//!
//! Two report chains describe one incident when their kinds are compatible,
//! their time windows are at most the time tolerance apart, and their
//! locations are at most their two uncertainties plus the distance
//! tolerance apart. Incidents are the connected components of that
//! relation, with analysts' assessments applied: a `link` merges the
//! incidents of its reports, an `unlink` keeps its reports apart.
//!
//! The result does not depend on log indices or on the order entries
//! arrived in: matching pairs are merged in the order of their chains'
//! keys (source and local id), links first, and an `unlink` only stops an
//! automatic match, never a link.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use truce_entry::{AssessmentAction, EventKind};

use crate::Params;
use crate::geo::{Point, distance_m};
use crate::live::{Live, ReportChain};

/// Event kinds that reports of one event may disagree on.
fn kind_family(kind: Option<EventKind>) -> u8 {
    match kind {
        Some(
            EventKind::MissileStrike
            | EventKind::DroneStrike
            | EventKind::AirStrike
            | EventKind::GuidedBomb
            | EventKind::Interception
            | EventKind::UndeterminedExplosion,
        ) => 1,
        Some(EventKind::Artillery | EventKind::Mlrs | EventKind::Mortar | EventKind::TankFire) => 2,
        Some(EventKind::SmallArms | EventKind::GroundAssault) => 3,
        Some(EventKind::NavalAttack) => 4,
        Some(EventKind::Mine) => 5,
        Some(EventKind::Sabotage) => 6,
        _ => 0,
    }
}

/// Whether two chains describe one event.
pub(crate) fn matches(a: &ReportChain<'_>, b: &ReportChain<'_>, params: &Params) -> bool {
    let family = kind_family(a.content.1.event);
    if family == 0 || family != kind_family(b.content.1.event) {
        return false;
    }
    let gap = a.from.max(b.from) - a.to.min(b.to);
    if gap > params.time_tolerance_s {
        return false;
    }
    distance_m(a.point, b.point) <= a.uncertainty_m + b.uncertainty_m + params.distance_tolerance_m
}

/// Union-find over chain positions, with the unlink constraints of each set.
struct Sets {
    parent: Vec<usize>,
    /// For each root: unlink assessment → which of its reports the set holds.
    apart: Vec<BTreeMap<u64, usize>>,
}

impl Sets {
    fn new(n: usize) -> Sets {
        Sets { parent: (0..n).collect(), apart: vec![BTreeMap::new(); n] }
    }

    fn root(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// The sets, each sorted, in order of their first member.
    fn into_groups(mut self) -> Vec<Vec<usize>> {
        let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for member in 0..self.parent.len() {
            let root = self.root(member);
            groups.entry(root).or_default().push(member);
        }
        groups.into_values().collect()
    }

    /// Merges the sets of `a` and `b`, unless `respect_unlinks` and an
    /// unlink keeps a member of one apart from a member of the other.
    fn union(&mut self, a: usize, b: usize, respect_unlinks: bool) {
        let (ra, rb) = (self.root(a), self.root(b));
        if ra == rb {
            return;
        }
        if respect_unlinks {
            let conflict = self.apart[ra]
                .iter()
                .any(|(unlink, which)| self.apart[rb].get(unlink).is_some_and(|w| w != which));
            if conflict {
                return;
            }
        }
        // The smaller root survives, so the result does not depend on the
        // order of the unions.
        let (keep, gone) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.parent[gone] = keep;
        let moved = std::mem::take(&mut self.apart[gone]);
        self.apart[keep].extend(moved);
    }
}

/// How chains group: into incidents, and into clusters.
pub(crate) struct Grouping {
    /// The incidents: sets of chain positions, each sorted, in order of
    /// their first chain.
    pub(crate) incidents: Vec<Vec<usize>>,
    /// The clusters: the connected components of matching pairs and
    /// links, unlinks ignored; each a union of incidents. Nothing outside
    /// a cluster can change how its chains group, which is what lets the
    /// engine regroup one cluster when an entry touches it.
    pub(crate) clusters: Vec<Vec<usize>>,
}

/// Groups the chains of `live`.
pub(crate) fn group(live: &Live<'_>, params: &Params) -> Grouping {
    let n = live.reports.len();
    let mut sets = Sets::new(n);
    let mut clusters = Sets::new(n);

    // Unlinks mark which of their reports each chain is.
    for (index, assessment) in &live.groupings {
        if assessment.action == AssessmentAction::Unlink {
            for (which, report) in assessment.reports.iter().enumerate() {
                if let Some(&chain) = live.chain_of.get(&report.0) {
                    sets.apart[chain].insert(*index, which);
                }
            }
        }
    }
    // Links first, in the order of the assessments' own keys.
    let mut links: Vec<_> =
        live.groupings.iter().filter(|(_, a)| a.action == AssessmentAction::Link).collect();
    links.sort_by(|a, b| a.1.id.as_str().cmp(b.1.id.as_str()));
    for (_, link) in links {
        let chains: Vec<usize> =
            link.reports.iter().filter_map(|r| live.chain_of.get(&r.0).copied()).collect();
        for pair in chains.windows(2) {
            sets.union(pair[0], pair[1], false);
            clusters.union(pair[0], pair[1], false);
        }
    }
    // Then every matching pair, in key order.
    let mut pairs = matching_pairs(live, params);
    pairs.sort_unstable();
    for (a, b) in pairs {
        sets.union(a, b, true);
        clusters.union(a, b, false);
    }
    Grouping { incidents: sets.into_groups(), clusters: clusters.into_groups() }
}

/// The size of a cell of the spatial grid, in degrees (about 25 km).
const CELL_DEG: f64 = 0.25;

/// The grid cell of a point.
pub(crate) fn cell(lat: f64, lon: f64) -> (i32, i32) {
    ((lat / CELL_DEG).floor() as i32, (lon / CELL_DEG).floor() as i32)
}

/// Every cell with a point within `reach_m` of `point`.
pub(crate) fn cells_within(point: Point, reach_m: f64) -> impl Iterator<Item = (i32, i32)> {
    let dlat = reach_m / 111_000.0;
    let cos = libm::cos(point.lat.to_radians()).abs().max(0.01);
    let dlon = (reach_m / (111_000.0 * cos)).min(360.0);
    let (lat0, lon0) = cell(point.lat - dlat, point.lon - dlon);
    let (lat1, lon1) = cell(point.lat + dlat, point.lon + dlon);
    (lat0..=lat1).flat_map(move |y| (lon0..=lon1).map(move |x| (y, x)))
}

/// Every pair of matching chains (positions, smaller first), found with a
/// sweep over time and a grid over space, so that a million reports are
/// not compared with each other two by two.
fn matching_pairs(live: &Live<'_>, params: &Params) -> Vec<(usize, usize)> {
    let chains = &live.reports;
    let mut by_start: Vec<usize> = (0..chains.len()).collect();
    by_start.sort_by_key(|&i| (chains[i].from, i));

    let mut grid: HashMap<(i32, i32), Vec<usize>> = HashMap::new();
    let mut expiring: BinaryHeap<Reverse<(i64, usize)>> = BinaryHeap::new();
    let mut widest_m: f64 = 0.0;
    let mut pairs = Vec::new();
    for &i in &by_start {
        let chain = &chains[i];
        // Chains that ended too long before this one started can match
        // nothing from now on.
        while let Some(Reverse((end, j))) = expiring.peek().copied() {
            if end >= chain.from {
                break;
            }
            expiring.pop();
            if let Some(members) = grid.get_mut(&cell(chains[j].point.lat, chains[j].point.lon)) {
                members.retain(|&m| m != j);
            }
        }
        // Search every cell within reach of the widest uncertainty still
        // active.
        let reach_m = chain.uncertainty_m + widest_m + params.distance_tolerance_m;
        for cell in cells_within(chain.point, reach_m) {
            if let Some(members) = grid.get(&cell) {
                for &j in members {
                    if matches(chain, &chains[j], params) {
                        pairs.push((i.min(j), i.max(j)));
                    }
                }
            }
        }
        grid.entry(cell(chain.point.lat, chain.point.lon)).or_default().push(i);
        expiring.push(Reverse((chain.to.saturating_add(params.time_tolerance_s), i)));
        widest_m = widest_m.max(chain.uncertainty_m);
    }
    pairs
}
