//! What the engine reads: the admitted entries of a log prefix, and the
//! sources that submitted them.

use std::collections::BTreeMap;

use truce_entry::{Entry, Identifier, Reliability, Role};

/// An admitted entry of the log.
#[derive(Clone, Debug, PartialEq)]
pub struct LogEntry {
    /// Its index in the log.
    pub index: u64,
    /// The registered source whose signature admitted it.
    pub source: Identifier,
    /// The entry.
    pub entry: Entry,
}

/// What the engine needs to know of a source.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceInfo {
    /// Its role.
    pub role: Role,
    /// Its organisation.
    pub organisation: String,
    /// For role `party`, the party it speaks for.
    pub party: Option<Identifier>,
    /// Its default reliability.
    pub reliability: Reliability,
}

impl SourceInfo {
    /// The group of sources that are not independent of each other: one
    /// party's sources are one group, whatever their organisation; other
    /// sources group by organisation.
    pub fn independence_group(&self) -> String {
        match (&self.role, &self.party) {
            (Role::Party, Some(party)) => format!("party:{party}"),
            _ => format!("organisation:{}", self.organisation),
        }
    }
}

impl SourceInfo {
    /// What the `truce.source/v1` entries among `entries` say of each
    /// source, applied in order. A revoked source keeps its last record:
    /// the reports it signed while registered are judged by who it was.
    pub fn registered(entries: &[LogEntry]) -> BTreeMap<Identifier, SourceInfo> {
        let mut sources = BTreeMap::new();
        for entry in entries {
            if let Entry::Source(s) = &entry.entry
                && let Some(info) = SourceInfo::of(s)
            {
                sources.insert(s.source.clone(), info);
            }
        }
        sources
    }

    /// What a `truce.source/v1` entry says of its source, if it says who
    /// the source is (a revocation does not).
    pub fn of(registration: &truce_entry::Source) -> Option<SourceInfo> {
        let s = registration;
        Some(SourceInfo {
            role: s.role?,
            organisation: s.organisation.as_ref()?.as_str().to_owned(),
            party: s.party.clone(),
            reliability: s.reliability?,
        })
    }
}

/// A log prefix, as the engine reads it.
#[derive(Clone, Debug, Default)]
pub struct Log {
    entries: Vec<LogEntry>,
    sources: BTreeMap<Identifier, SourceInfo>,
}

impl Log {
    /// A log of `entries` (in any order; they are kept by index) submitted
    /// by `sources`.
    pub fn new(mut entries: Vec<LogEntry>, sources: BTreeMap<Identifier, SourceInfo>) -> Log {
        entries.sort_by_key(|e| e.index);
        Log { entries, sources }
    }

    /// Appends an entry, whose index must follow every index the log
    /// holds.
    pub fn push(&mut self, entry: LogEntry) -> Result<(), crate::AssessError> {
        if let Some(last) = self.entries.last()
            && entry.index <= last.index
        {
            return Err(crate::AssessError::OutOfOrder { index: entry.index, last: last.index });
        }
        self.entries.push(entry);
        Ok(())
    }

    /// Replaces what is known of the sources.
    pub(crate) fn set_sources(&mut self, sources: BTreeMap<Identifier, SourceInfo>) {
        self.sources = sources;
    }

    /// The entries, by index.
    pub fn entries(&self) -> &[LogEntry] {
        &self.entries
    }

    /// The entries, by index, given back.
    pub fn into_entries(self) -> Vec<LogEntry> {
        self.entries
    }

    /// The sources.
    pub fn sources(&self) -> &BTreeMap<Identifier, SourceInfo> {
        &self.sources
    }

    /// The entry at `index`.
    pub fn entry(&self, index: u64) -> Option<&LogEntry> {
        self.entries.binary_search_by_key(&index, |e| e.index).ok().map(|i| &self.entries[i])
    }

    /// The number of entries the log holds (its size, if no index is
    /// missing).
    pub fn size(&self) -> u64 {
        self.entries.last().map_or(0, |e| e.index + 1)
    }
}
