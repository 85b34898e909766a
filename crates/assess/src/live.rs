//! Chains of corrections: which version of each report, coverage gap and
//! assessment is the live one.
//!
//! An entry that `supersedes` an earlier entry of the same source and type
//! continues that entry's chain; a chain's live version is its last. A
//! `supersedes` that names another source's entry, another type, or no
//! earlier entry starts a chain of its own (the server refuses such
//! entries; the engine must still read any log). Two entries superseding
//! the same one continue one chain: the later is its head.

use std::collections::{BTreeMap, HashMap};

use truce_entry::{Assessment, Coverage, Entry, EntryType, Identifier, Report};

use crate::geo::Point;
use crate::model::{Log, LogEntry};

/// A chain of versions of one report.
#[derive(Clone, Debug)]
pub(crate) struct ReportChain<'a> {
    /// Every version's index, in order; the first is the chain's root.
    pub(crate) versions: Vec<u64>,
    /// The source.
    pub(crate) source: &'a Identifier,
    /// The last version that is not a withdrawal, with its index.
    pub(crate) content: (u64, &'a Report),
    /// Whether the chain ends in a withdrawal.
    pub(crate) withdrawn: bool,
    /// The order key that does not depend on log indices: the source and
    /// the local id of the chain's first version.
    pub(crate) key: (&'a str, &'a str),
    /// The time window, in Unix seconds.
    pub(crate) from: i64,
    /// The time window, in Unix seconds.
    pub(crate) to: i64,
    /// The location.
    pub(crate) point: Point,
    /// Its uncertainty, in metres.
    pub(crate) uncertainty_m: f64,
}

impl ReportChain<'_> {
    /// The live version's index.
    pub(crate) fn head(&self) -> u64 {
        *self.versions.last().unwrap_or(&self.content.0)
    }

    /// Whether the chain affirms an event that took place.
    pub(crate) fn affirms(&self) -> bool {
        !self.withdrawn && self.content.1.affirms()
    }

    /// Whether the chain denies the event.
    pub(crate) fn denies(&self) -> bool {
        !self.withdrawn && !self.content.1.affirms()
    }
}

/// The live state of a log prefix.
pub(crate) struct Live<'a> {
    /// Report chains, in key order.
    pub(crate) reports: Vec<ReportChain<'a>>,
    /// Live coverage gaps: (index, source, entry).
    pub(crate) coverage: Vec<(u64, &'a Identifier, &'a Coverage)>,
    /// Live assessments: (index, entry).
    pub(crate) assessments: Vec<(u64, &'a Assessment)>,
    /// The chain each report version belongs to (position in `reports`).
    pub(crate) chain_of: HashMap<u64, usize>,
}

/// Groups the entries of one type into chains, in the order of their
/// roots; each chain holds its versions in order.
fn chains(log: &Log, entry_type: EntryType) -> Vec<Vec<&LogEntry>> {
    // Only lookups, never iterated: a hash map keeps this linear.
    let mut chain_of: HashMap<u64, usize> = HashMap::new();
    let mut chains: Vec<Vec<&LogEntry>> = Vec::new();
    for entry in log.entries().iter().filter(|e| e.entry.entry_type() == entry_type) {
        let continues = entry.entry.supersedes().and_then(|s| {
            let earlier = log.entry(s.0).filter(|e| e.index < entry.index)?;
            let same = earlier.source == entry.source && earlier.entry.entry_type() == entry_type;
            same.then(|| chain_of.get(&s.0).copied()).flatten()
        });
        let chain = continues.unwrap_or_else(|| {
            chains.push(Vec::new());
            chains.len() - 1
        });
        chain_of.insert(entry.index, chain);
        chains[chain].push(entry);
    }
    chains
}

impl<'a> Live<'a> {
    pub(crate) fn of(log: &'a Log) -> Live<'a> {
        // Sorting a million chains by their string keys chases a pointer
        // per comparison; sort each source's chains instead, which arrive
        // nearly in order of their local ids (sources number them), so the
        // adaptive sort does little more than one pass.
        let mut by_source: BTreeMap<&str, Vec<ReportChain<'a>>> = BTreeMap::new();
        for versions in chains(log, EntryType::Report) {
            let withdrawn = versions.last().is_some_and(|v| match &v.entry {
                Entry::Report(r) => r.is_withdrawal(),
                _ => false,
            });
            let content = versions.iter().rev().find_map(|v| match &v.entry {
                Entry::Report(r) if !r.is_withdrawal() => Some((v.index, r)),
                _ => None,
            });
            // A chain that is only a withdrawal says nothing of any event.
            let Some((content_index, report)) = content else { continue };
            let (Some(time), Some(location)) = (&report.time, &report.location) else { continue };
            let first = versions[0];
            let local_id = match &first.entry {
                Entry::Report(r) => r.id.as_str(),
                _ => "",
            };
            by_source.entry(first.source.as_str()).or_default().push(ReportChain {
                versions: versions.iter().map(|v| v.index).collect(),
                source: &first.source,
                content: (content_index, report),
                withdrawn,
                key: (first.source.as_str(), local_id),
                from: time.from.instant().as_second(),
                to: time.to.instant().as_second(),
                point: Point { lat: location.lat.0, lon: location.lon.0 },
                uncertainty_m: location.uncertainty_m.0,
            });
        }
        let mut reports = Vec::with_capacity(by_source.values().map(Vec::len).sum());
        for mut chains in by_source.into_values() {
            chains.sort_by(|a, b| a.key.1.cmp(b.key.1));
            reports.append(&mut chains);
        }
        let mut chain_of = HashMap::with_capacity(reports.len());
        for (position, chain) in reports.iter().enumerate() {
            for &v in &chain.versions {
                chain_of.insert(v, position);
            }
        }
        let coverage = chains(log, EntryType::Coverage)
            .into_iter()
            .filter_map(|versions| {
                let head = *versions.last()?;
                match &head.entry {
                    Entry::Coverage(c) => Some((head.index, &head.source, c)),
                    _ => None,
                }
            })
            .collect();
        let assessments = chains(log, EntryType::Assessment)
            .into_iter()
            .filter_map(|versions| {
                let head = *versions.last()?;
                match &head.entry {
                    Entry::Assessment(a) => Some((head.index, a)),
                    _ => None,
                }
            })
            .collect::<Vec<_>>();
        let mut assessments = assessments;
        assessments.sort_by_key(|(index, _)| *index);
        let mut coverage: Vec<_> = coverage;
        coverage.sort_by_key(|(index, _, _)| *index);
        Live { reports, coverage, assessments, chain_of }
    }
}
