//! Chains of corrections: which version of each report, coverage gap and
//! assessment is the live one.
//!
//! An entry that `supersedes` an earlier entry of the same source and type
//! continues that entry's chain; a chain's live version is its last. A
//! `supersedes` that names another source's entry, another type, or no
//! earlier entry starts a chain of its own (the server refuses such
//! entries; the engine must still read any log). Two entries superseding
//! the same one continue one chain: the later is its head.

use std::collections::{BTreeMap, HashMap, HashSet};

use truce_entry::{Assessment, Entry, Identifier, Report};

use crate::geo::Point;
use crate::model::{Log, LogEntry};

/// A chain of versions of one report.
#[derive(Clone, Debug)]
pub(crate) struct ReportChain<'a> {
    /// The chain's number among the log's report chains (root order).
    pub(crate) chain: usize,
    /// Every version's index, in order; the first is the chain's root.
    pub(crate) versions: &'a [u64],
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

/// The chains of one entry type: which entries continue which.
#[derive(Clone, Debug, Default)]
pub(crate) struct Chains {
    /// Every chain's versions, in order; chains in the order of their roots.
    pub(crate) versions: Vec<Vec<u64>>,
    /// (version, chain) for every version, by version: entries come in
    /// index order, so this only ever grows at its end, and never stalls
    /// to rehash as a hash map of a million versions would.
    chain_of: Vec<(u64, usize)>,
}

impl Chains {
    /// Adds `entry`, the log's latest entry of this type, to the chain it
    /// continues or to a new one; returns the chain and whether it is new.
    pub(crate) fn push(&mut self, log: &Log, entry: &LogEntry) -> (usize, bool) {
        let entry_type = entry.entry.entry_type();
        let continues = entry.entry.supersedes().and_then(|s| {
            let earlier = log.entry(s.0).filter(|e| e.index < entry.index)?;
            let same = earlier.source == entry.source && earlier.entry.entry_type() == entry_type;
            same.then(|| self.chain_of(s.0)).flatten()
        });
        let (chain, new) = match continues {
            Some(chain) => (chain, false),
            None => {
                self.versions.push(Vec::new());
                (self.versions.len() - 1, true)
            }
        };
        self.chain_of.push((entry.index, chain));
        self.versions[chain].push(entry.index);
        (chain, new)
    }

    /// The chain a version belongs to.
    pub(crate) fn chain_of(&self, version: u64) -> Option<usize> {
        let at = self.chain_of.binary_search_by_key(&version, |&(v, _)| v).ok()?;
        Some(self.chain_of[at].1)
    }

    /// A chain's live version.
    pub(crate) fn head(&self, chain: usize) -> Option<u64> {
        self.versions.get(chain)?.last().copied()
    }
}

/// The report chain of `versions` (indices in order), if it says anything
/// of an event: a chain that is only a withdrawal, or whose report has no
/// time or place, does not.
pub(crate) fn report_chain<'a>(
    log: &'a Log,
    chain: usize,
    versions: &'a [u64],
) -> Option<ReportChain<'a>> {
    let report = |index: u64| match log.entry(index) {
        Some(LogEntry { entry: Entry::Report(r), .. }) => Some(r),
        _ => None,
    };
    let withdrawn = report(*versions.last()?)?.is_withdrawal();
    let (content_index, content) = versions
        .iter()
        .rev()
        .find_map(|&v| report(v).filter(|r| !r.is_withdrawal()).map(|r| (v, r)))?;
    let (time, location) = (content.time.as_ref()?, content.location.as_ref()?);
    let first = log.entry(versions[0])?;
    Some(ReportChain {
        chain,
        versions,
        source: &first.source,
        content: (content_index, content),
        withdrawn,
        key: (first.source.as_str(), report(versions[0])?.id.as_str()),
        from: time.from.instant().as_second(),
        to: time.to.instant().as_second(),
        point: Point { lat: location.lat.0, lon: location.lon.0 },
        uncertainty_m: location.uncertainty_m.0,
    })
}

/// Report chains to group, in key order, with the analysts' links and
/// unlinks that name them.
pub(crate) struct Live<'a> {
    /// The report chains, in key order.
    pub(crate) reports: Vec<ReportChain<'a>>,
    /// Live link and unlink assessments that name any of them: (index,
    /// entry).
    pub(crate) groupings: Vec<(u64, &'a Assessment)>,
    /// The position in `reports` of each version that `groupings` name.
    pub(crate) chain_of: HashMap<u64, usize>,
}

impl<'a> Live<'a> {
    /// The chains, put in key order.
    pub(crate) fn new(
        mut reports: Vec<ReportChain<'a>>,
        groupings: Vec<(u64, &'a Assessment)>,
    ) -> Live<'a> {
        // Sorting a million chains by their string keys chases a pointer
        // per comparison; sort by source first (few, and cheap to compare
        // as a rank), then each source's chains by local id: they arrive
        // nearly in order, sources numbering them, and the adaptive sort
        // does little more than one pass.
        let mut by_source: BTreeMap<&str, Vec<ReportChain<'a>>> = BTreeMap::new();
        for chain in reports.drain(..) {
            by_source.entry(chain.key.0).or_default().push(chain);
        }
        for mut chains in by_source.into_values() {
            chains.sort_by(|a, b| a.key.1.cmp(b.key.1));
            reports.append(&mut chains);
        }
        // Only the versions that links and unlinks name are looked up:
        // a map of every version would cost more than the grouping.
        let named: HashSet<u64> =
            groupings.iter().flat_map(|(_, a)| a.reports.iter().map(|r| r.0)).collect();
        let mut chain_of = HashMap::with_capacity(named.len());
        if !named.is_empty() {
            for (position, chain) in reports.iter().enumerate() {
                for &v in chain.versions.iter().filter(|v| named.contains(v)) {
                    chain_of.insert(v, position);
                }
            }
        }
        Live { reports, groupings, chain_of }
    }
}
