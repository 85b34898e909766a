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
//!
//! The work is linear in the number of chains, however many of them match
//! each other (a flood of reports of one event is the case that matters).
//! Chains are first joined into *clusters*, the connected components of
//! matches and links with unlinks ignored: connected components do not
//! depend on the order of the unions, so a sweep may find them in any
//! order, and it keeps the chains already joined together as one group
//! that a new chain looks at once. A cluster that no unlink names is an
//! incident. Only a cluster that an unlink names is grouped pair by pair
//! in key order, since there the order decides which reports stay apart.

use std::collections::{BTreeMap, HashMap};

use truce_entry::{AssessmentAction, EventKind};

use crate::Params;
use crate::geo::{Point, distance_m};
use crate::live::{Live, ReportChain};

/// Event kinds that reports of one event may disagree on; `None` for
/// kinds that never match.
pub(crate) fn kind_family(kind: Option<EventKind>) -> Option<u8> {
    match kind {
        Some(
            EventKind::MissileStrike
            | EventKind::DroneStrike
            | EventKind::AirStrike
            | EventKind::GuidedBomb
            | EventKind::Interception
            | EventKind::UndeterminedExplosion,
        ) => Some(1),
        Some(EventKind::Artillery | EventKind::Mlrs | EventKind::Mortar | EventKind::TankFire) => {
            Some(2)
        }
        Some(EventKind::SmallArms | EventKind::GroundAssault) => Some(3),
        Some(EventKind::NavalAttack) => Some(4),
        Some(EventKind::Mine) => Some(5),
        Some(EventKind::Sabotage) => Some(6),
        _ => None,
    }
}

/// Whether two chains describe one event.
pub(crate) fn matches(a: &ReportChain<'_>, b: &ReportChain<'_>, params: &Params) -> bool {
    let family = kind_family(a.content.1.event);
    if family.is_none() || family != kind_family(b.content.1.event) {
        return false;
    }
    let gap = a.from.max(b.from) - a.to.min(b.to);
    if gap > params.time_tolerance_s {
        return false;
    }
    distance_m(a.point, b.point) <= a.uncertainty_m + b.uncertainty_m + params.distance_tolerance_m
}

/// Union-find over chain positions.
struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> UnionFind {
        UnionFind { parent: (0..n).collect() }
    }

    fn root(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    /// Joins the sets of two roots; the smaller survives, so the result
    /// does not depend on the order of the unions.
    fn join_roots(&mut self, ra: usize, rb: usize) -> usize {
        let (keep, gone) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.parent[gone] = keep;
        keep
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.root(a), self.root(b));
        if ra != rb {
            self.join_roots(ra, rb);
        }
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
    let links = links(live);
    let mut clusters = UnionFind::new(live.reports.len());
    for chains in &links {
        for pair in chains.windows(2) {
            clusters.union(pair[0], pair[1]);
        }
    }
    join_matching(live, params, &mut clusters);
    let clusters = clusters.into_groups();

    // What the unlinks say of each cluster they name: (unlink, which of
    // its reports, chain); and the cluster's links, in order.
    let mut cluster_of = vec![0; live.reports.len()];
    for (n, members) in clusters.iter().enumerate() {
        for &m in members {
            cluster_of[m] = n;
        }
    }
    let mut unlinked: BTreeMap<usize, Vec<(u64, usize, usize)>> = BTreeMap::new();
    for (index, assessment) in &live.groupings {
        if assessment.action == AssessmentAction::Unlink {
            for (which, report) in assessment.reports.iter().enumerate() {
                if let Some(&chain) = live.chain_of.get(&report.0) {
                    unlinked.entry(cluster_of[chain]).or_default().push((*index, which, chain));
                }
            }
        }
    }
    let mut linked: BTreeMap<usize, Vec<&[usize]>> = BTreeMap::new();
    for chains in &links {
        if let (Some(&first), true) = (chains.first(), chains.len() > 1) {
            linked.entry(cluster_of[first]).or_default().push(chains);
        }
    }

    let mut incidents = Vec::with_capacity(clusters.len());
    for (n, cluster) in clusters.iter().enumerate() {
        match unlinked.get(&n) {
            Some(apart) => {
                let links = linked.get(&n).map_or(&[][..], Vec::as_slice);
                incidents.extend(group_in_key_order(live, params, cluster, links, apart));
            }
            None => incidents.push(cluster.clone()),
        }
    }
    incidents.sort_unstable_by_key(|members| members[0]);
    Grouping { incidents, clusters }
}

/// The chains of each live link, in the order of the links' own keys.
fn links(live: &Live<'_>) -> Vec<Vec<usize>> {
    let mut links: Vec<_> =
        live.groupings.iter().filter(|(_, a)| a.action == AssessmentAction::Link).collect();
    links.sort_by(|a, b| a.1.id.as_str().cmp(b.1.id.as_str()));
    links
        .into_iter()
        .map(|(_, link)| {
            link.reports.iter().filter_map(|r| live.chain_of.get(&r.0).copied()).collect()
        })
        .collect()
}

/// Groups one cluster that unlinks name: its `links` first, then its
/// matching pairs in key order, each merge refused if an unlink keeps a
/// member of one side apart from a member of the other. `apart` says
/// which of each unlink's reports each chain is.
fn group_in_key_order(
    live: &Live<'_>,
    params: &Params,
    cluster: &[usize],
    links: &[&[usize]],
    apart: &[(u64, usize, usize)],
) -> Vec<Vec<usize>> {
    // `cluster` is sorted, so local positions keep the key order.
    let local = |chain: usize| cluster.binary_search(&chain).ok();
    let mut sets = UnionFind::new(cluster.len());
    // For each set's root: unlink → which of its reports the set holds.
    let mut sides: Vec<BTreeMap<u64, usize>> = vec![BTreeMap::new(); cluster.len()];
    for &(unlink, which, chain) in apart {
        if let Some(at) = local(chain) {
            sides[at].insert(unlink, which);
        }
    }
    let mut merge = |sets: &mut UnionFind, a: usize, b: usize, respect_unlinks: bool| {
        let (ra, rb) = (sets.root(a), sets.root(b));
        if ra == rb {
            return;
        }
        if respect_unlinks
            && sides[ra]
                .iter()
                .any(|(unlink, which)| sides[rb].get(unlink).is_some_and(|w| w != which))
        {
            return;
        }
        let keep = sets.join_roots(ra, rb);
        let gone = if keep == ra { rb } else { ra };
        let moved = std::mem::take(&mut sides[gone]);
        sides[keep].extend(moved);
    };
    for chains in links {
        let chains: Vec<usize> = chains.iter().filter_map(|&c| local(c)).collect();
        for pair in chains.windows(2) {
            merge(&mut sets, pair[0], pair[1], false);
        }
    }
    // Pairs in key order are the cluster's positions in order, each with
    // the later ones; a pair already in one set changes nothing.
    for (a, &i) in cluster.iter().enumerate() {
        for (b, &j) in cluster.iter().enumerate().skip(a + 1) {
            if sets.root(a) != sets.root(b) && matches(&live.reports[i], &live.reports[j], params) {
                merge(&mut sets, a, b, true);
            }
        }
    }
    sets.into_groups()
        .into_iter()
        .map(|members| members.into_iter().map(|m| cluster[m]).collect())
        .collect()
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

/// Where a set of chains lies: around its first chain's point, how far
/// from it any chain is, and the widest uncertainty of any. By the
/// triangle inequality, a chain farther away than that plus its reach
/// matches none of them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Extent {
    centre: Point,
    radius_m: f64,
    widest_m: f64,
}

impl Extent {
    /// The extent of one chain.
    pub(crate) fn of(chain: &ReportChain<'_>) -> Extent {
        Extent { centre: chain.point, radius_m: 0.0, widest_m: chain.uncertainty_m }
    }

    /// Grows to cover `other` as well.
    pub(crate) fn cover(&mut self, other: &Extent) {
        let reach = distance_m(self.centre, other.centre) + other.radius_m;
        self.radius_m = self.radius_m.max(reach);
        self.widest_m = self.widest_m.max(other.widest_m);
    }

    /// Whether a chain of the set may be close enough to `chain` to match
    /// it. A conservative test: a metre and a millionth are added to the
    /// reach for the rounding of the distances.
    pub(crate) fn may_match(&self, chain: &ReportChain<'_>, params: &Params) -> bool {
        let reach_m = chain.uncertainty_m + self.widest_m + params.distance_tolerance_m;
        distance_m(chain.point, self.centre) - self.radius_m <= reach_m * (1.0 + 1e-6) + 1.0
    }
}

/// Chains of one grid cell and kind family already joined into one
/// cluster: a new chain joined to them is not compared with them again.
struct Joined {
    /// A member, to find the cluster by.
    member: usize,
    /// The members that may still match a later chain (others are
    /// dropped as they are met).
    members: Vec<usize>,
    extent: Extent,
    /// The latest time until which any member may match.
    until: i64,
}

impl Joined {
    /// Whether a member `matches`; members found `expired` on the way are
    /// dropped, each once, in constant time.
    fn any_matches(
        &mut self,
        matches: impl Fn(usize) -> bool,
        expired: impl Fn(usize) -> bool,
    ) -> bool {
        let mut at = 0;
        while let Some(&member) = self.members.get(at) {
            if expired(member) {
                self.members.swap_remove(at);
            } else if matches(member) {
                return true;
            } else {
                at += 1;
            }
        }
        false
    }

    /// Moves the members of `other` into this group.
    fn absorb(&mut self, mut other: Joined) {
        self.extent.cover(&other.extent);
        self.until = self.until.max(other.until);
        if self.members.len() < other.members.len() {
            std::mem::swap(&mut self.members, &mut other.members);
        }
        self.members.append(&mut other.members);
    }
}

/// Joins every matching pair of chains in `clusters`, with a sweep over
/// time and a grid over space: a chain is compared with the chains
/// started before it, nearby, of its kind family and still within the
/// time tolerance, one joined group at a time, and not at all with those
/// already in its cluster.
fn join_matching(live: &Live<'_>, params: &Params, clusters: &mut UnionFind) {
    let chains = &live.reports;
    let mut by_start: Vec<(i64, usize, u8)> = chains
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some((c.from, i, kind_family(c.content.1.event)?)))
        .collect();
    by_start.sort_unstable();
    // The time until which each chain may match a later one.
    let until = |c: &ReportChain<'_>| c.to.saturating_add(params.time_tolerance_s);

    let mut grid: HashMap<(u8, (i32, i32)), Vec<Joined>> = HashMap::new();
    let mut widest_m: f64 = 0.0;
    for &(from, i, family) in &by_start {
        let chain = &chains[i];
        let reach_m = chain.uncertainty_m + widest_m + params.distance_tolerance_m;
        for cell in cells_within(chain.point, reach_m) {
            let Some(groups) = grid.get_mut(&(family, cell)) else { continue };
            groups.retain(|g| g.until >= from);
            let mut into: Option<usize> = None;
            let mut at = 0;
            while at < groups.len() {
                let group = &mut groups[at];
                let mut joined = clusters.root(group.member) == clusters.root(i);
                if !joined && group.extent.may_match(chain, params) {
                    joined = group.any_matches(
                        |j| matches(chain, &chains[j], params),
                        |j| until(&chains[j]) < from,
                    );
                    if joined {
                        clusters.union(i, group.member);
                    }
                }
                // Groups of the cell now in one cluster become one group.
                if joined {
                    if let Some(first) = into {
                        let merged = groups.swap_remove(at);
                        groups[first].absorb(merged);
                        continue;
                    }
                    into = Some(at);
                }
                at += 1;
            }
        }
        let alone =
            Joined { member: i, members: vec![i], extent: Extent::of(chain), until: until(chain) };
        let own = grid.entry((family, cell(chain.point.lat, chain.point.lon))).or_default();
        let root = clusters.root(i);
        match own.iter_mut().find(|g| clusters.root(g.member) == root) {
            Some(group) => group.absorb(alone),
            None => own.push(alone),
        }
        widest_m = widest_m.max(chain.uncertainty_m);
    }
}

#[cfg(test)]
mod tests {
    //! The grouping checked against its definition: incidents as the
    //! pair-by-pair merge in key order over all chains at once, clusters as
    //! the connected components of every matching pair, found by comparing
    //! every chain with every other.

    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use serde_json::json;
    use truce_entry::{Entry, Identifier};

    use super::*;
    use crate::live::{Chains, report_chain};
    use crate::model::{Log, LogEntry};

    fn definition(live: &Live<'_>, params: &Params) -> Grouping {
        let all: Vec<usize> = (0..live.reports.len()).collect();
        let mut clusters = UnionFind::new(all.len());
        let links = links(live);
        for chains in &links {
            for pair in chains.windows(2) {
                clusters.union(pair[0], pair[1]);
            }
        }
        for &i in &all {
            for &j in &all[i + 1..] {
                if matches(&live.reports[i], &live.reports[j], params) {
                    clusters.union(i, j);
                }
            }
        }
        let links: Vec<&[usize]> = links.iter().map(Vec::as_slice).collect();
        let apart: Vec<(u64, usize, usize)> =
            live.groupings
                .iter()
                .filter(|(_, a)| a.action == AssessmentAction::Unlink)
                .flat_map(|(index, a)| {
                    a.reports.iter().enumerate().filter_map(move |(which, r)| {
                        Some((*index, which, *live.chain_of.get(&r.0)?))
                    })
                })
                .collect();
        let incidents = if all.is_empty() {
            Vec::new()
        } else {
            group_in_key_order(live, params, &all, &links, &apart)
        };
        Grouping { incidents, clusters: clusters.into_groups() }
    }

    /// Groups `log`'s reports both ways and compares.
    fn check(log: &Log, params: &Params) {
        let mut chains = Chains::default();
        let mut groupings = Vec::new();
        for entry in log.entries() {
            match &entry.entry {
                Entry::Report(_) => {
                    chains.push(log, entry);
                }
                Entry::Assessment(a)
                    if matches!(a.action, AssessmentAction::Link | AssessmentAction::Unlink) =>
                {
                    groupings.push((entry.index, a));
                }
                _ => {}
            }
        }
        let reports = (0..chains.versions.len())
            .filter_map(|c| report_chain(log, c, &chains.versions[c]))
            .collect();
        let live = Live::new(reports, groupings);
        let fast = group(&live, params);
        let defined = definition(&live, params);
        assert_eq!(fast.clusters, defined.clusters, "clusters");
        assert_eq!(fast.incidents, defined.incidents, "incidents");
    }

    #[test]
    fn simulated_logs_group_as_defined() {
        for seed in 1..=4 {
            let options = truce_sim::Options { seed, reports: 600, days: 3, ..Default::default() };
            let entries: Vec<LogEntry> = truce_sim::Simulation::new(options)
                .expect("simulated")
                .map(|e| LogEntry { index: e.index, source: e.source, entry: e.entry })
                .collect();
            let unlinks = entries
                .iter()
                .filter(|e| matches!(&e.entry, Entry::Assessment(a) if a.action == AssessmentAction::Unlink))
                .count();
            assert!(unlinks > 0, "seed {seed}: the simulation unlinks reports");
            check(&Log::new(entries, BTreeMap::new()), &Params::default());
        }
    }

    /// A report near one of two places, of one of three kinds (two of one
    /// family), in a window of up to an hour, with an uncertainty.
    type Spec = (usize, i32, i32, u32, u32, u32, usize);

    fn entry(n: usize, (place, dlat, dlon, minute, length, uncertainty, kind): Spec) -> Entry {
        let from =
            jiff::Timestamp::from_second(1_763_078_400 + i64::from(minute) * 60).expect("a time");
        let to = from + jiff::SignedDuration::from_mins(i64::from(length));
        let lat = [49.99, 50.0][place] + f64::from(dlat) / 1000.0;
        let mut value = json!({
            "type": "truce.report/v1",
            "id": format!("r-{n:03}"),
            "time": {"from": from.to_string(), "to": to.to_string()},
            "location": {
                "lat": lat,
                "lon": 36.23 + f64::from(dlon) / 1000.0,
                "uncertainty_m": uncertainty,
            },
            "observation": {"basis": "direct", "confidence": "high"},
        });
        value["event"] = json!(["missile_strike", "drone_strike", "artillery"][kind]);
        Entry::from_value(&value).expect("valid")
    }

    fn spec() -> impl Strategy<Value = Spec> {
        (0..2usize, -30..30i32, -30..30i32, 0..240u32, 0..60u32, 0..3000u32, 0..3usize)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn random_reports_links_and_unlinks_group_as_defined(
            specs in prop::collection::vec(spec(), 1..60),
            assessments in prop::collection::vec(
                (any::<bool>(), prop::collection::vec(any::<prop::sample::Index>(), 2..4)), 0..6),
            distance_tolerance_m in 0..3000u32,
            time_tolerance_s in 0..3600i64,
        ) {
            let source = Identifier::new("monitor").expect("an identifier");
            let mut entries: Vec<LogEntry> = specs
                .iter()
                .enumerate()
                .map(|(n, &spec)| LogEntry { index: n as u64, source: source.clone(), entry: entry(n, spec) })
                .collect();
            for (n, (link, named)) in assessments.iter().enumerate() {
                let reports: Vec<u64> = named.iter().map(|i| i.index(specs.len()) as u64).collect();
                let value = json!({
                    "type": "truce.assessment/v1",
                    "id": format!("a-{n}"),
                    "action": if *link { "link" } else { "unlink" },
                    "reports": reports,
                    "rationale": "Checked.",
                });
                if let Ok(entry) = Entry::from_value(&value) {
                    entries.push(LogEntry { index: entries.len() as u64, source: source.clone(), entry });
                }
            }
            let params = Params { time_tolerance_s, distance_tolerance_m: f64::from(distance_tolerance_m) };
            check(&Log::new(entries, BTreeMap::new()), &params);
        }
    }
}
