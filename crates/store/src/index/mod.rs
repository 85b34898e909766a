//! The query index: what the API searches, derived from the log.
//!
//! Every row comes from an entry of the log (the canonical JSON is kept as
//! the log holds it), and the index records how many entries it covers, so
//! it can always catch up from the log or be rebuilt from it. It never holds
//! anything the log does not, except the latest witnessed checkpoint, which
//! the witnesses can give again.
//!
//! Two backends answer the same [`QueryIndex`] contract: [`SqliteIndex`]
//! (one file, an R*Tree for place and time: the embedded default) and
//! [`PgIndex`] (PostgreSQL with PostGIS and GiST indexes, shared by
//! every server of a deployment). The conformance tests run the same
//! searches against both and against a scan.

use truce_entry::EntryType;
use truce_entry::{Entry, Identifier, Sha256Hex};
use truce_log::Hash;

mod postgres;
mod sqlite;

pub use self::postgres::PgIndex;
pub use self::sqlite::SqliteIndex;

/// The query index of one log, behind which backend it is.
///
/// The guarantees every backend gives:
///
/// * **Derived.** Every row comes from an entry handed to
///   [`QueryIndex::apply`]; [`QueryIndex::clear`] forgets everything and the
///   server rebuilds it from the log.
/// * **Atomic groups.** An `apply` is one transaction: a reader sees all of
///   it or none of it, the entries together with the size and checkpoint
///   it records.
/// * **Read after write.** A read that starts after `apply` returned, on
///   any connection, sees it.
/// * **The same answers.** Both backends return the same rows in the same
///   order for the same calls (log order unless said otherwise): the
///   conformance tests compare them.
///
/// Read methods take `&self`; a connection that needs `&mut` for reads
/// (PostgreSQL's) keeps it in a cell. A connection is used by one thread
/// at a time; the server pools them.
pub trait QueryIndex: Send {
    /// How many entries of the log the index covers.
    fn indexed_size(&self) -> Result<u64, IndexError>;

    /// The latest checkpoint recorded by [`QueryIndex::apply`]: its tree
    /// size is at most [`QueryIndex::indexed_size`], so a reader that
    /// serves it only ever names entries the index holds.
    fn checkpoint(&self) -> Result<Option<Vec<u8>>, IndexError>;

    /// Records entries of the log, in order, in one transaction, and that
    /// the index now covers the first `covered` entries; with `checkpoint`,
    /// also that checkpoint (of size `covered` at most). Entries the server
    /// did not admit (another tool can append to a log) are left out, so
    /// indices may skip.
    fn apply(
        &mut self,
        entries: &[IndexedEntry<'_>],
        covered: u64,
        checkpoint: Option<&[u8]>,
    ) -> Result<(), IndexError>;

    /// Forgets everything, to be rebuilt from the log.
    fn clear(&mut self) -> Result<(), IndexError>;

    /// The latest checkpoint with its witnesses' cosignatures, as
    /// [`QueryIndex::set_witnessed`] last recorded it.
    fn witnessed(&self) -> Result<Option<Vec<u8>>, IndexError>;

    /// Records the latest witnessed checkpoint, for every server that reads
    /// this index.
    fn set_witnessed(&mut self, note: &[u8]) -> Result<(), IndexError>;

    /// The entry a source submitted with this local id (the idempotency
    /// key of reports, coverage and assessments), with its leaf hash.
    fn by_local_id(
        &self,
        source: &str,
        entry_type: EntryType,
        local_id: &str,
    ) -> Result<Option<(u64, Hash)>, IndexError>;

    /// One entry.
    fn entry(&self, index: u64) -> Result<Option<EntryRow>, IndexError>;

    /// The log indices of every source entry, in log order: enough to
    /// rebuild the source registry without reading the rest of the log.
    fn source_entries(&self) -> Result<Vec<u64>, IndexError>;

    /// Reports matching `filter`, in log order, at most `filter.limit`.
    fn reports(&self, filter: &ReportFilter) -> Result<Vec<EntryRow>, IndexError>;

    /// The entries with indices from `from` up to (not including) `to`,
    /// in log order, each with its source and JSON: what the assessment
    /// engine reads as the log grows.
    fn entries_between(&self, from: u64, to: u64)
    -> Result<Vec<(u64, String, String)>, IndexError>;

    /// The agreement entries that supersede no other: the first version of
    /// each agreement (the engine follows its later versions itself).
    fn agreement_roots(&self) -> Result<Vec<u64>, IndexError>;

    /// Entries of one type, in log order, after the cursor.
    fn entries_of_type(
        &self,
        entry_type: EntryType,
        after: Option<u64>,
        limit: u32,
    ) -> Result<Vec<EntryRow>, IndexError>;

    /// Every registered source, as the log's latest source entries say,
    /// ordered by identifier (bytewise).
    fn sources(&self) -> Result<Vec<SourceRow>, IndexError>;

    /// The evidence entries that name the file with this SHA-256 (its
    /// original logging, and any other source's), in log order.
    fn evidence(&self, sha256: &Sha256Hex) -> Result<Vec<EntryRow>, IndexError>;

    /// The bytes of evidence a source has logged, summed over its
    /// evidence entries: what its quota counts.
    fn evidence_bytes(&self, source: &str) -> Result<u64, IndexError>;
}

/// An error of the query index.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    /// SQLite failed.
    #[error("query index: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed.
    #[error("query index: {}", crate::pg::describe(.0))]
    Postgres(#[from] ::postgres::Error),
    /// The index belongs to another log.
    #[error("the query index holds the log {found:?}, not {expected:?}")]
    OtherLog {
        /// The origin of the log it holds.
        found: String,
        /// The origin of the log it was opened for.
        expected: String,
    },
    /// A reader found no index: the sequencer has not created it yet.
    #[error("there is no query index yet: the server that sequences the log creates it")]
    Missing,
    /// A reader found an index of another schema version: the sequencer of
    /// this version rebuilds it (a reader never does).
    #[error(
        "the query index is of schema version {found}, this server reads version {expected}: \
         the server that sequences the log rebuilds it"
    )]
    Version {
        /// The version found.
        found: i64,
        /// The version this server reads.
        expected: i64,
    },
    /// An entry was applied out of order.
    #[error("query index covers {covered} entries; entry {index} cannot come next")]
    OutOfOrder {
        /// Entries covered.
        covered: u64,
        /// The entry applied.
        index: u64,
    },
}

/// An entry of the log, as the index records it.
#[derive(Clone, Copy, Debug)]
pub struct IndexedEntry<'a> {
    /// Its log index.
    pub index: u64,
    /// Its leaf hash.
    pub leaf: Hash,
    /// The registered source whose signature admitted it.
    pub source: &'a Identifier,
    /// The entry.
    pub entry: &'a Entry,
    /// Its canonical JSON, as the log holds it (without the final newline).
    pub json: &'a str,
}

/// Which reports to list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportFilter {
    /// Reports whose time window overlaps `[from, to]`, Unix seconds.
    pub time: Option<(i64, i64)>,
    /// Reports located in `[min_lon, min_lat, max_lon, max_lat]`.
    pub bbox: Option<[f64; 4]>,
    /// Reports of this event kind.
    pub event: Option<String>,
    /// Reports by this source.
    pub source: Option<String>,
    /// Reports naming a target of this category.
    pub target: Option<String>,
    /// Reports attributing the event to this party.
    pub party: Option<String>,
    /// Only reports after this log index (the cursor).
    pub after: Option<u64>,
    /// At most this many.
    pub limit: u32,
}

/// A row of a listing: an entry with what the index knows of it.
#[derive(Clone, Debug, PartialEq)]
pub struct EntryRow {
    /// Its log index.
    pub index: u64,
    /// Its type.
    pub entry_type: String,
    /// The source that submitted it.
    pub source: String,
    /// Its leaf hash.
    pub leaf: Hash,
    /// Its canonical JSON.
    pub json: String,
    /// The log index of the later entry that supersedes it, if any.
    pub superseded_by: Option<u64>,
}

/// A registered source, as the latest source entries say.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceRow {
    /// Its identifier.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its role.
    pub role: String,
    /// Its organisation.
    pub organisation: String,
    /// The party it speaks for, for role `party`.
    pub party: Option<String>,
    /// Its default reliability.
    pub reliability: String,
    /// Its verifier key.
    pub key: String,
    /// The log index of its registration.
    pub registered_at: u64,
    /// The log index of its latest update.
    pub updated_at: u64,
    /// The log index of its revocation.
    pub revoked_at: Option<u64>,
}

fn to_i64(n: u64) -> i64 {
    // Log indices are below 2^53 (entries carry them as JSON numbers).
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Whether the index's recorded origin (`None`: none yet) is `origin`'s.
fn check_origin(found: Option<&[u8]>, origin: &str) -> Result<(), IndexError> {
    match found {
        Some(found) if found != origin.as_bytes() => Err(IndexError::OtherLog {
            found: String::from_utf8_lossy(found).into_owned(),
            expected: origin.to_owned(),
        }),
        _ => Ok(()),
    }
}

/// Whether the checkpoint note `new` is of a larger tree than `stored`
/// (or there is none): a witnessed checkpoint never goes back, whoever
/// records it late.
fn newer_note(stored: Option<&[u8]>, new: &[u8]) -> bool {
    match stored.map(truce_log::Checkpoint::size_unverified) {
        Some(Some(stored)) => {
            truce_log::Checkpoint::size_unverified(new).is_some_and(|new| new > stored)
        }
        _ => true,
    }
}
