//! Findings kept up to date as the log grows.
//!
//! The unit of work is the *cluster*: a connected component of matching
//! report chains and analysts' links (unlinks ignored). How a cluster's
//! chains group into incidents depends on nothing outside it, so an entry
//! only needs the clusters it touches regrouped and their incidents judged
//! again:
//!
//! * a report: its chain's old cluster, and the clusters of every chain
//!   its new version matches (found in a grid over space and time);
//! * a coverage gap: the clusters with an incident it overlaps, before or
//!   after;
//! * an assessment: the clusters of the reports it names, before and
//!   after.
//!
//! Agreements and changes of sources are rare and touch every verdict:
//! they rebuild everything. Building from scratch goes through the same
//! regrouping, over every chain at once, so the incremental findings and
//! the full assessment are one computation, and the tests check that
//! they agree entry by entry.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use truce_entry::{Agreement, Assessment, AssessmentAction, Coverage, Entry, Identifier};

use crate::engine::{Judge, agreement_chain, gap};
use crate::findings::{Findings, Incident};
use crate::geo::{Point, distance_m};
use crate::group::{self, Extent, matches};
use crate::live::{Chains, Live, ReportChain, report_chain};
use crate::model::{Log, LogEntry, SourceInfo};
use crate::notes::Notes;
use crate::{AssessError, Params};

/// Which agreements to judge against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Agreements {
    /// The agreements at these log indices (each with its later versions).
    At(Vec<u64>),
    /// Every agreement in the log: the first version of each.
    All,
}

/// An assessment kept up to date as entries are appended: each append
/// costs what the entry touches, not the size of the log.
///
/// ```
/// use std::collections::BTreeMap;
/// use truce_assess::{Agreements, Assessor, Log, Params};
///
/// let mut assessor = Assessor::new(Log::default(), Agreements::All, Params::default())?;
/// assert_eq!(assessor.incidents().count(), 0);
/// # Ok::<(), truce_assess::AssessError>(())
/// ```
pub struct Assessor {
    log: Log,
    agreements: Agreements,
    params: Params,
    state: State,
}

impl Assessor {
    /// Assesses `log` from scratch.
    pub fn new(log: Log, agreements: Agreements, params: Params) -> Result<Assessor, AssessError> {
        let state = State::build(&log, &agreements, &params)?;
        Ok(Assessor { log, agreements, params, state })
    }

    /// Appends an entry and brings the findings up to date.
    pub fn append(&mut self, entry: LogEntry) -> Result<(), AssessError> {
        self.extend([entry])
    }

    /// Appends entries, in order, and brings the findings up to date once,
    /// at the end: each cluster the entries touch is regrouped once, however
    /// many of them touch it. If an entry is refused, those before it are
    /// kept, with the findings up to date, and the rest are not looked at.
    pub fn extend(
        &mut self,
        entries: impl IntoIterator<Item = LogEntry>,
    ) -> Result<(), AssessError> {
        let mut touched = Touched::new();
        let mut rebuild = false;
        let mut refused = Ok(());
        for entry in entries {
            if let Err(e) = self.log.push(entry) {
                refused = Err(e);
                break;
            }
            let Some(entry) = self.log.entries().last() else { continue };
            match &entry.entry {
                Entry::Report(_) => self.state.report(&self.log, entry, &self.params, &mut touched),
                Entry::Coverage(c) => self.state.coverage(&self.log, entry, c, &mut touched),
                Entry::Assessment(a) => self.state.assessment(&self.log, entry, a, &mut touched),
                Entry::Agreement(_) => rebuild = true,
                _ => {}
            }
        }
        if rebuild {
            self.rebuild()?;
        } else if !touched.is_empty() {
            self.state.regroup(&self.log, touched, &self.params);
        }
        refused
    }

    /// Replaces what is known of the sources. Sources that are new and
    /// have no entries yet change nothing; otherwise every finding is
    /// judged again.
    pub fn set_sources(
        &mut self,
        sources: BTreeMap<Identifier, SourceInfo>,
    ) -> Result<(), AssessError> {
        let known = self.log.sources();
        let changed = known.iter().any(|(id, info)| sources.get(id) != Some(info));
        let added: BTreeSet<&Identifier> =
            sources.keys().filter(|id| !known.contains_key(*id)).collect();
        let heard =
            !added.is_empty() && self.log.entries().iter().any(|e| added.contains(&e.source));
        let rejudge = changed || heard;
        self.log.set_sources(sources);
        if rejudge { self.rebuild() } else { Ok(()) }
    }

    /// Replaces the tolerances; if they changed, every finding is judged
    /// again.
    pub fn set_params(&mut self, params: Params) -> Result<(), AssessError> {
        if self.params == params {
            return Ok(());
        }
        self.params = params;
        self.rebuild()
    }

    /// The tolerances in use.
    pub fn params(&self) -> &Params {
        &self.params
    }

    fn rebuild(&mut self) -> Result<(), AssessError> {
        self.state = State::build(&self.log, &self.agreements, &self.params)?;
        Ok(())
    }

    /// The log assessed.
    pub fn log(&self) -> &Log {
        &self.log
    }

    /// The log assessed, given back.
    pub fn into_log(self) -> Log {
        self.log
    }

    /// The log indices of the agreements judged against (first versions).
    pub fn agreements(&self) -> Vec<u64> {
        self.state.agreements.iter().filter_map(|chain| chain.first().copied()).collect()
    }

    /// The incidents, by start and id.
    pub fn incidents(&self) -> impl Iterator<Item = &Incident> {
        self.state.incidents.values()
    }

    /// The findings, as [`crate::assess`] gives them.
    pub fn findings(&self) -> Findings {
        self.state.findings(&self.log)
    }
}

/// Assesses a log prefix from scratch.
pub(crate) fn assess(
    log: &Log,
    agreements: &[u64],
    params: &Params,
) -> Result<Findings, AssessError> {
    let state = State::build(log, &Agreements::At(agreements.to_vec()), params)?;
    Ok(state.findings(log))
}

const NO_CLUSTER: u64 = u64::MAX;

/// Report chains to regroup: whole clusters, and chains in none.
type Touched = BTreeSet<usize>;

/// A cluster and what was found in it.
struct Cluster {
    chains: Vec<usize>,
    /// The keys of its incidents in `State::incidents`.
    incidents: Vec<(String, String)>,
    /// The span of its chains' windows, in Unix seconds.
    from: i64,
    to: i64,
}

/// Everything derived from the log, kept so that an entry costs only what
/// it touches.
#[derive(Default)]
struct State {
    reports: Chains,
    coverage: Chains,
    assessments: Chains,
    notes: Notes,
    /// The live links and unlinks that name each report chain.
    groupings: HashMap<usize, BTreeSet<u64>>,
    space: SpaceTime,
    /// The cluster of each report chain, by chain; `NO_CLUSTER` for a
    /// chain that reports nothing.
    cluster_of: Vec<u64>,
    clusters: BTreeMap<u64, Cluster>,
    /// Clusters by (start, id), to find those a coverage gap overlaps.
    cluster_times: BTreeSet<(i64, u64)>,
    /// The longest span of any cluster, in seconds.
    longest_cluster_s: i64,
    next_cluster: u64,
    incidents: BTreeMap<(String, String), Incident>,
    /// The agreements judged against: each the indices of its versions.
    agreements: Vec<Vec<u64>>,
}

impl State {
    fn build(log: &Log, agreements: &Agreements, params: &Params) -> Result<State, AssessError> {
        let mut state = State::default();
        let roots = match agreements {
            Agreements::At(roots) => roots.clone(),
            Agreements::All => log
                .entries()
                .iter()
                .filter(|e| match &e.entry {
                    Entry::Agreement(a) => a.supersedes.is_none_or(|s| {
                        !matches!(log.entry(s.0), Some(LogEntry { entry: Entry::Agreement(_), .. }))
                    }),
                    _ => false,
                })
                .map(|e| e.index)
                .collect(),
        };
        for root in roots {
            let chain = agreement_chain(log, root)?;
            state.agreements.push(chain.iter().map(|(index, _)| *index).collect());
        }
        for entry in log.entries() {
            match &entry.entry {
                Entry::Report(_) => {
                    state.reports.push(log, entry);
                }
                Entry::Coverage(c) => {
                    state.retire_gap(log, entry);
                    state.notes.gap(entry.index, c, true);
                }
                Entry::Assessment(a) => {
                    state.retire_assessment(log, entry);
                    state.note_assessment(entry.index, a, true);
                }
                _ => {}
            }
        }
        let all = (0..state.reports.versions.len()).collect();
        state.regroup(log, all, params);
        Ok(state)
    }

    /// Takes in a report: its chain's old cluster and the clusters its new
    /// version matches are to be regrouped.
    fn report(&mut self, log: &Log, entry: &LogEntry, params: &Params, touched: &mut Touched) {
        let (chain, new) = self.reports.push(log, entry);
        touched.insert(chain);
        if !new {
            self.take_cluster_of(chain, touched);
        }
        let Some(reported) = report_chain(log, chain, &self.reports.versions[chain]) else {
            return;
        };
        let clusters = self.space.matching_clusters(
            &reported,
            params,
            |candidate| touched.contains(&candidate),
            |candidate| {
                report_chain(log, candidate, &self.reports.versions[candidate])
                    .is_some_and(|other| matches(&reported, &other, params))
            },
        );
        for cluster in clusters {
            self.take_cluster(cluster, touched);
        }
    }

    /// Takes in a coverage gap: the clusters with an incident it overlaps,
    /// before or after, are to be judged again.
    fn coverage(&mut self, log: &Log, entry: &LogEntry, gap: &Coverage, touched: &mut Touched) {
        if let Some((old_index, old)) = self.retire_gap(log, entry) {
            self.take_clusters_under(old, old_index, touched);
        }
        self.notes.gap(entry.index, gap, true);
        self.take_clusters_under(gap, entry.index, touched);
    }

    /// Takes in an assessment: the clusters of the reports it names,
    /// before and after, are to be regrouped.
    fn assessment(&mut self, log: &Log, entry: &LogEntry, a: &Assessment, touched: &mut Touched) {
        let mut named: Vec<u64> = a.reports.iter().map(|r| r.0).collect();
        if let Some((_, old)) = self.retire_assessment(log, entry) {
            named.extend(old.reports.iter().map(|r| r.0));
        }
        self.note_assessment(entry.index, a, true);
        for version in named {
            if let Some(chain) = self.reports.chain_of(version) {
                touched.insert(chain);
                self.take_cluster_of(chain, touched);
            }
        }
    }

    /// Adds a coverage entry to its chain; if it supersedes a live gap,
    /// removes that gap from the notes and returns it.
    fn retire_gap<'l>(&mut self, log: &'l Log, entry: &LogEntry) -> Option<(u64, &'l Coverage)> {
        let (chain, new) = self.coverage.push(log, entry);
        let versions = &self.coverage.versions[chain];
        let old = (!new).then(|| versions[versions.len() - 2])?;
        let Some(LogEntry { entry: Entry::Coverage(c), .. }) = log.entry(old) else { return None };
        self.notes.gap(old, c, false);
        Some((old, c))
    }

    /// Adds an assessment entry to its chain; if it supersedes a live
    /// assessment, forgets that one and returns it.
    fn retire_assessment<'l>(
        &mut self,
        log: &'l Log,
        entry: &LogEntry,
    ) -> Option<(u64, &'l Assessment)> {
        let (chain, new) = self.assessments.push(log, entry);
        let versions = &self.assessments.versions[chain];
        let old = (!new).then(|| versions[versions.len() - 2])?;
        let Some(LogEntry { entry: Entry::Assessment(a), .. }) = log.entry(old) else {
            return None;
        };
        self.note_assessment(old, a, false);
        Some((old, a))
    }

    /// Adds (or removes) a live assessment to the notes and, for links and
    /// unlinks, to the chains it names.
    fn note_assessment(&mut self, index: u64, a: &Assessment, add: bool) {
        self.notes.assessment(index, a, add);
        if matches!(a.action, AssessmentAction::Link | AssessmentAction::Unlink) {
            for report in a.reports.iter() {
                let Some(chain) = self.reports.chain_of(report.0) else { continue };
                let names = self.groupings.entry(chain).or_default();
                if add {
                    names.insert(index);
                } else {
                    names.remove(&index);
                }
            }
        }
    }

    /// Adds every chain of `chain`'s cluster to `touched`.
    fn take_cluster_of(&self, chain: usize, touched: &mut Touched) {
        if let Some(&cluster) = self.cluster_of.get(chain) {
            self.take_cluster(cluster, touched);
        }
    }

    /// Adds every chain of a cluster to `touched`.
    fn take_cluster(&self, cluster: u64, touched: &mut Touched) {
        if let Some(cluster) = self.clusters.get(&cluster) {
            touched.extend(&cluster.chains);
        }
    }

    /// Adds the chains of every cluster with an incident that `gap` covers.
    fn take_clusters_under(&self, gap: &Coverage, index: u64, touched: &mut Touched) {
        let (from, to) = (gap.time.from.instant().as_second(), gap.time.to.instant().as_second());
        let centre = Point { lat: gap.area.lat.0, lon: gap.area.lon.0 };
        let earliest = from.saturating_sub(self.longest_cluster_s);
        for &(_, id) in self.cluster_times.range((earliest, 0)..=(to, u64::MAX)) {
            let Some(cluster) = self.clusters.get(&id) else { continue };
            if cluster.to < from {
                continue;
            }
            let covered =
                cluster.incidents.iter().filter_map(|key| self.incidents.get(key)).any(|i| {
                    let point = Point { lat: i.location.lat, lon: i.location.lon };
                    i.coverage_gaps.contains(&index)
                        || distance_m(point, centre)
                            <= gap.area.radius_m.0 + i.location.uncertainty_m
                });
            if covered {
                touched.extend(&cluster.chains);
            }
        }
    }

    /// Groups `chains` (whole clusters, and chains in none) afresh: drops
    /// their clusters and incidents, and finds them again.
    fn regroup(&mut self, log: &Log, chains: Touched, params: &Params) {
        self.cluster_of.resize(self.reports.versions.len(), NO_CLUSTER);
        for &chain in &chains {
            let id = std::mem::replace(&mut self.cluster_of[chain], NO_CLUSTER);
            if let Some(cluster) = self.clusters.remove(&id) {
                self.cluster_times.remove(&(cluster.from, id));
                for key in &cluster.incidents {
                    self.incidents.remove(key);
                }
            }
        }
        let mut reported = Vec::with_capacity(chains.len());
        let mut groupings = BTreeSet::new();
        for &chain in &chains {
            self.space.remove(chain);
            if let Some(r) = report_chain(log, chain, &self.reports.versions[chain]) {
                if let Some(names) = self.groupings.get(&chain) {
                    groupings.extend(names);
                }
                reported.push(r);
            }
        }
        let groupings = groupings
            .into_iter()
            .filter_map(|index| match log.entry(index) {
                Some(LogEntry { entry: Entry::Assessment(a), .. }) => Some((index, a)),
                _ => None,
            })
            .collect();
        let live = Live::new(reported, groupings);
        let grouping = group::group(&live, params);

        let agreements: Vec<Vec<(u64, &Agreement)>> = self
            .agreements
            .iter()
            .map(|chain| {
                chain
                    .iter()
                    .filter_map(|&i| match log.entry(i) {
                        Some(LogEntry { entry: Entry::Agreement(a), .. }) => Some((i, a)),
                        _ => None,
                    })
                    .collect()
            })
            .collect();
        let judge = Judge { log, notes: &self.notes, agreements: &agreements };
        let incidents = judge_all(&judge, &live, &grouping.incidents);

        // Each incident belongs to the cluster of its first chain.
        let mut cluster_at = vec![0; live.reports.len()];
        for (n, members) in grouping.clusters.iter().enumerate() {
            for &m in members {
                cluster_at[m] = n;
            }
        }
        let ids: Vec<u64> =
            (0..grouping.clusters.len() as u64).map(|n| self.next_cluster + n).collect();
        self.next_cluster += grouping.clusters.len() as u64;
        let mut clusters: Vec<Cluster> = grouping
            .clusters
            .iter()
            .map(|members| Cluster {
                chains: members.iter().map(|&m| live.reports[m].chain).collect(),
                incidents: Vec::new(),
                from: members.iter().map(|&m| live.reports[m].from).min().unwrap_or(0),
                to: members.iter().map(|&m| live.reports[m].to).max().unwrap_or(0),
            })
            .collect();
        for (members, incident) in grouping.incidents.iter().zip(incidents) {
            let key = (incident.time.from.clone(), incident.id.clone());
            clusters[cluster_at[members[0]]].incidents.push(key.clone());
            self.incidents.insert(key, incident);
        }
        for ((id, cluster), members) in ids.into_iter().zip(clusters).zip(&grouping.clusters) {
            for &m in members {
                self.space.insert(&live.reports[m], id);
            }
            for &chain in &cluster.chains {
                self.cluster_of[chain] = id;
            }
            self.cluster_times.insert((cluster.from, id));
            self.longest_cluster_s = self.longest_cluster_s.max(cluster.to - cluster.from);
            self.clusters.insert(id, cluster);
        }
    }

    fn findings(&self, log: &Log) -> Findings {
        let mut heads: Vec<u64> =
            (0..self.coverage.versions.len()).filter_map(|c| self.coverage.head(c)).collect();
        heads.sort_unstable();
        let coverage_gaps = heads
            .into_iter()
            .filter_map(|index| match log.entry(index) {
                Some(LogEntry { entry: Entry::Coverage(c), source, .. }) => {
                    Some(gap(index, source, c))
                }
                _ => None,
            })
            .collect();
        Findings { incidents: self.incidents.values().cloned().collect(), coverage_gaps }
    }
}

/// Judges every group of `live`, spread over the cores when there are
/// enough to be worth it; in the order of the groups.
fn judge_all(judge: &Judge<'_>, live: &Live<'_>, groups: &[Vec<usize>]) -> Vec<Incident> {
    let incident = |members: &Vec<usize>| {
        let chains: Vec<&ReportChain<'_>> = members.iter().map(|&m| &live.reports[m]).collect();
        judge.incident(&chains)
    };
    // Few groups (an append's) are not worth a thread, nor the look at
    // the cgroup files that `available_parallelism` takes.
    if groups.len() < 256 {
        return groups.iter().map(incident).collect();
    }
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = groups.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = groups
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(incident).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}

/// Report chains filed by kind family, grid cell and cluster, to find the
/// clusters a new report may match without looking at other chains: a
/// cluster's chains in a cell are looked at only if they are recent enough
/// and their extent is within reach, and only until one matches, so a
/// report that joins a cluster of ten thousand costs what joining one of
/// ten does.
#[derive(Default)]
struct SpaceTime {
    cells: HashMap<Cell, Parts>,
    /// Where each chain is filed, by chain: its cell, cluster and start.
    filed: Vec<Option<(Cell, u64, i64)>>,
    /// The widest uncertainty and the longest window ever filed.
    widest_m: f64,
    longest_s: i64,
}

/// A kind family and a grid cell.
type Cell = (u8, (i32, i32));

/// The chains of one cell, by cluster.
#[derive(Default)]
struct Parts {
    parts: HashMap<u64, Part>,
    /// (latest start, cluster) of every part: the parts with a chain
    /// started at or after a time.
    by_latest: BTreeSet<(i64, u64)>,
}

/// The chains of one cluster in one cell.
struct Part {
    /// By (start, chain).
    chains: BTreeSet<(i64, usize)>,
    extent: Extent,
}

impl Parts {
    /// Changes the part of `cluster` with `change`, keeping `by_latest`
    /// and dropping the part once empty.
    fn change(&mut self, cluster: u64, extent: Extent, change: impl FnOnce(&mut Part)) {
        let part =
            self.parts.entry(cluster).or_insert_with(|| Part { chains: BTreeSet::new(), extent });
        let before = part.chains.last().map(|&(from, _)| from);
        change(part);
        let after = part.chains.last().map(|&(from, _)| from);
        if before != after {
            if let Some(from) = before {
                self.by_latest.remove(&(from, cluster));
            }
            match after {
                Some(from) => {
                    self.by_latest.insert((from, cluster));
                }
                None => {
                    self.parts.remove(&cluster);
                }
            }
        }
    }
}

impl SpaceTime {
    fn insert(&mut self, chain: &ReportChain<'_>, cluster: u64) {
        let Some(family) = group::kind_family(chain.content.1.event) else { return };
        let at = (family, group::cell(chain.point.lat, chain.point.lon));
        let extent = Extent::of(chain);
        self.cells.entry(at).or_default().change(cluster, extent, |part| {
            part.chains.insert((chain.from, chain.chain));
            part.extent.cover(&extent);
        });
        if self.filed.len() <= chain.chain {
            self.filed.resize(chain.chain + 1, None);
        }
        self.filed[chain.chain] = Some((at, cluster, chain.from));
        self.widest_m = self.widest_m.max(chain.uncertainty_m);
        self.longest_s = self.longest_s.max(chain.to - chain.from);
    }

    fn remove(&mut self, chain: usize) {
        let Some((at, cluster, from)) = self.filed.get_mut(chain).and_then(Option::take) else {
            return;
        };
        if let Some(parts) = self.cells.get_mut(&at)
            && let Some(extent) = parts.parts.get(&cluster).map(|p| p.extent)
        {
            parts.change(cluster, extent, |part| {
                part.chains.remove(&(from, chain));
            });
        }
    }

    /// The clusters with a chain that `matches` (a test of chains whose
    /// window and place are close enough to `chain`'s that they might),
    /// leaving out those that `skip` (a test of one of their chains).
    fn matching_clusters(
        &self,
        chain: &ReportChain<'_>,
        params: &Params,
        skip: impl Fn(usize) -> bool,
        matches: impl Fn(usize) -> bool,
    ) -> Vec<u64> {
        let Some(family) = group::kind_family(chain.content.1.event) else { return Vec::new() };
        let reach_m = chain.uncertainty_m + self.widest_m + params.distance_tolerance_m;
        let earliest = chain.from.saturating_sub(params.time_tolerance_s + self.longest_s);
        let latest = chain.to.saturating_add(params.time_tolerance_s);
        let mut found = Vec::new();
        for cell in group::cells_within(chain.point, reach_m) {
            let Some(parts) = self.cells.get(&(family, cell)) else { continue };
            for &(_, cluster) in parts.by_latest.range((earliest, 0)..) {
                let Some(part) = parts.parts.get(&cluster) else { continue };
                let Some(&(_, any)) = part.chains.first() else { continue };
                if skip(any) || found.contains(&cluster) || !part.extent.may_match(chain, params) {
                    continue;
                }
                let mut near = part.chains.range((earliest, 0)..=(latest, usize::MAX));
                if near.any(|&(_, c)| matches(c)) {
                    found.push(cluster);
                }
            }
        }
        found
    }
}
