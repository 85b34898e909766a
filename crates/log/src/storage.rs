//! The narrow traits through which the sequencer reaches storage: where the
//! tiles and the checkpoint live, and the index of entries already logged.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::bundle::BundleId;
use crate::hash::{HASH_SIZE, Hash};
use crate::tile::{TILE_WIDTH, TileId, TilePath, TileReader};

/// An error of a storage backend.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Where a log's tiles, entry bundles and checkpoint live: a directory, an
/// object store bucket.
///
/// The sequencer relies on these guarantees, which every backend must give:
///
/// * **Durable writes.** When [`LogStorage::write`] returns `Ok`, every
///   object it was given reads back the same after a crash or power loss
///   (files and their directories are fsynced).
/// * **Read after write.** A read that starts after a write returned sees
///   it.
/// * **Rewritable beyond the checkpoint.** `write` replaces an object at the
///   same path. Objects the published checkpoint covers are never written
///   with other contents (the sequencer only rewrites tiles that a crash
///   left behind, beyond the checkpoint); readers only ask for those.
/// * **One checkpoint, compare and swap.** [`LogStorage::publish_checkpoint`]
///   replaces the checkpoint atomically and durably, and only if the stored
///   one is still the one the sequencer last saw; otherwise it fails. With
///   exclusive access to the log (a file lock, a database row lock) this
///   also keeps a second sequencer from forking the log.
pub trait LogStorage {
    /// The published checkpoint, or `None` if the log was never created.
    fn read_checkpoint(&self) -> Result<Option<Vec<u8>>, BoxError>;

    /// Reads objects, in order; `None` for an object that does not exist.
    fn read(&self, paths: &[TilePath]) -> Result<Vec<Option<Vec<u8>>>, BoxError>;

    /// Writes objects durably, replacing any at the same path.
    fn write(&self, objects: &[(TilePath, Vec<u8>)]) -> Result<(), BoxError>;

    /// Replaces the checkpoint `old` (`None`: there is none yet) with `new`,
    /// of tree size `size`, atomically and durably; fails if the stored
    /// checkpoint is not `old`. The backend also keeps `new` in its history
    /// of checkpoints, so that proofs can be made against it later: at the
    /// latest durably with the next [`LogStorage::write`], and readable
    /// through [`LogStorage::read_checkpoint_at`] from now on.
    fn publish_checkpoint(&self, old: Option<&[u8]>, new: &[u8], size: u64)
    -> Result<(), BoxError>;

    /// A checkpoint of tree size `size` from the history, if it was kept.
    fn read_checkpoint_at(&self, size: u64) -> Result<Option<Vec<u8>>, BoxError>;

    /// The commits beyond the published checkpoint that the backend holds
    /// durably in a journal but has not yet written out as tiles and a
    /// published checkpoint, oldest first; none for a backend without a
    /// journal (the default).
    ///
    /// A sequencer that opens the log replays them before anything else:
    /// it appends each commit's entries, checks the journaled checkpoint
    /// against the tree they make, and [`LogStorage::commit`]s the same
    /// checkpoint again, which the backend takes as the journaled commit
    /// rather than a new one. Until then it refuses any other commit.
    fn journaled(&self) -> Result<Vec<Journaled>, BoxError> {
        Ok(Vec::new())
    }

    /// One commit: [`LogStorage::write`] the objects, then
    /// [`LogStorage::publish_checkpoint`]. A backend may overlap the two,
    /// or journal the commit (the directory backend appends the new
    /// entries and the checkpoint to a journal, and writes the objects out
    /// later), as long as neither a reader nor a crash can find the new
    /// checkpoint published without every object, or a journal that
    /// rebuilds them. `objects` are every bundle and tile that changed
    /// from `old` to `new`, as the sequencer makes them: the bundles hold
    /// every new entry.
    fn commit(
        &self,
        objects: &[(TilePath, Vec<u8>)],
        old: Option<&[u8]>,
        new: &[u8],
        size: u64,
    ) -> Result<(), CommitError> {
        self.write(objects).map_err(CommitError::NotPublished)?;
        self.publish_checkpoint(old, new, size).map_err(CommitError::MaybePublished)
    }
}

/// A commit held in a backend's journal: see [`LogStorage::journaled`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Journaled {
    /// The entries it appended, in order, ending at the checkpoint's size.
    pub entries: Vec<Vec<u8>>,
    /// The signed checkpoint it published.
    pub checkpoint: Vec<u8>,
}

/// How far a failed [`LogStorage::commit`] got.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// The checkpoint was not replaced: the log is as it was.
    #[error("{0}")]
    NotPublished(#[source] BoxError),
    /// The checkpoint may have been replaced: only reading it back tells.
    #[error("{0}")]
    MaybePublished(#[source] BoxError),
}

impl CommitError {
    /// The error, however far the commit got: for a caller that only
    /// reports it (publishing a checkpoint is a commit without objects).
    pub fn into_inner(self) -> BoxError {
        match self {
            CommitError::NotPublished(e) | CommitError::MaybePublished(e) => e,
        }
    }
}

/// A storage behind a pointer is that storage: `&S`, `Box<S>`, `Arc<S>`,
/// and trait objects in them (a server picks its backend at run time).
macro_rules! forward_log_storage {
    ($($pointer:ty),*) => {$(
        impl<S: LogStorage + ?Sized> LogStorage for $pointer {
            fn read_checkpoint(&self) -> Result<Option<Vec<u8>>, BoxError> {
                (**self).read_checkpoint()
            }
            fn read(&self, paths: &[TilePath]) -> Result<Vec<Option<Vec<u8>>>, BoxError> {
                (**self).read(paths)
            }
            fn write(&self, objects: &[(TilePath, Vec<u8>)]) -> Result<(), BoxError> {
                (**self).write(objects)
            }
            fn publish_checkpoint(
                &self,
                old: Option<&[u8]>,
                new: &[u8],
                size: u64,
            ) -> Result<(), BoxError> {
                (**self).publish_checkpoint(old, new, size)
            }
            fn read_checkpoint_at(&self, size: u64) -> Result<Option<Vec<u8>>, BoxError> {
                (**self).read_checkpoint_at(size)
            }
            fn journaled(&self) -> Result<Vec<Journaled>, BoxError> {
                (**self).journaled()
            }
            fn commit(
                &self,
                objects: &[(TilePath, Vec<u8>)],
                old: Option<&[u8]>,
                new: &[u8],
                size: u64,
            ) -> Result<(), CommitError> {
                (**self).commit(objects, old, new, size)
            }
        }
    )*};
}

forward_log_storage!(&S, Box<S>, std::sync::Arc<S>);

/// Reads objects from `storage`; a partial tile or bundle that is gone is
/// cut from the full one.
///
/// SPEC(tlog-tiles): a log "MAY delete any partial tile once the
/// corresponding full tile is either available"; clients "MAY fetch the full
/// tile ... as a fallback in case the partial tile is not available
/// anymore". The first `W` hashes or entries of the full tile are those of
/// the partial tile of width `W`.
pub fn read_objects<S: LogStorage + ?Sized>(
    storage: &S,
    paths: &[TilePath],
) -> Result<Vec<Option<Vec<u8>>>, BoxError> {
    let mut objects = storage.read(paths)?;
    for (object, path) in objects.iter_mut().zip(paths) {
        if object.is_some() {
            continue;
        }
        let Some(full) = full_version(path) else { continue };
        let Some(data) = storage.read(&[full])?.into_iter().next().flatten() else { continue };
        *object = cut_to_width(path, data);
    }
    Ok(objects)
}

/// The full tile or bundle a partial one is the start of.
pub fn full_version(path: &TilePath) -> Option<TilePath> {
    match *path {
        TilePath::Hashes(t) if !t.is_full() => {
            TileId::new(t.level(), t.index(), TILE_WIDTH).ok().map(TilePath::Hashes)
        }
        TilePath::Entries(b) if !b.is_full() => {
            BundleId::new(b.index(), TILE_WIDTH).ok().map(TilePath::Entries)
        }
        _ => None,
    }
}

/// The bytes of the partial tile or bundle `path` at the start of the full
/// one, `data`; `None` if `data` is too short to hold them.
pub fn cut_to_width(path: &TilePath, mut data: Vec<u8>) -> Option<Vec<u8>> {
    match path {
        TilePath::Hashes(tile) => {
            let len = usize::from(tile.width()) * HASH_SIZE;
            (data.len() >= len).then(|| {
                data.truncate(len);
                data
            })
        }
        TilePath::Entries(bundle) => {
            // Walk the length prefixes of the first `width` entries.
            let mut end = 0usize;
            for _ in 0..bundle.width() {
                let prefix = data.get(end..end + 2)?;
                end += 2 + usize::from(u16::from_be_bytes([prefix[0], prefix[1]]));
            }
            (data.len() >= end).then(|| {
                data.truncate(end);
                data
            })
        }
    }
}

/// A [`TileReader`] over a [`LogStorage`], with the partial-tile fallback
/// of [`read_objects`]; a missing tile is an error.
#[derive(Clone, Copy, Debug)]
pub struct StorageTiles<S>(pub S);

/// An error reading tiles from storage.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageTilesError {
    /// The tile is not in storage.
    #[error("{0} is missing")]
    Missing(TilePath),
    /// Storage failed.
    #[error(transparent)]
    Storage(BoxError),
}

impl<S: LogStorage> TileReader for StorageTiles<S> {
    type Error = StorageTilesError;

    fn read_tiles(&self, tiles: &[TileId]) -> Result<Vec<Vec<u8>>, StorageTilesError> {
        let paths: Vec<TilePath> = tiles.iter().map(|&t| TilePath::Hashes(t)).collect();
        let objects = read_objects(&self.0, &paths).map_err(StorageTilesError::Storage)?;
        objects
            .into_iter()
            .zip(paths)
            .map(|(object, path)| object.ok_or(StorageTilesError::Missing(path)))
            .collect()
    }
}

/// The index from entries' leaf hashes to their log indices, with which the
/// sequencer gives a resubmitted entry its original index.
///
/// The index is derived from the log: it covers the entries below
/// [`DedupIndex::covered_size`], and the sequencer brings it up to date from
/// the log when it opens. Its answers are candidates: the sequencer checks
/// each against the bytes in the log before it trusts it, so an index may
/// key entries by a short prefix of their hash.
pub trait DedupIndex {
    /// The log index of each leaf hash, if it is logged.
    fn lookup(&self, leaves: &[Hash]) -> Result<Vec<Option<u64>>, BoxError>;

    /// Records `(leaf hash, index)` pairs for the entries from the covered
    /// size up to `new_size`, and that the index now covers `new_size`
    /// entries. Durable or not: what is lost is rebuilt from the log.
    fn insert(&mut self, entries: &[(Hash, u64)], new_size: u64) -> Result<(), BoxError>;

    /// How many entries of the log the index covers.
    fn covered_size(&self) -> Result<u64, BoxError>;

    /// Forgets everything (the index is ahead of the log it serves, e.g.
    /// after the log was restored from a backup).
    fn clear(&mut self) -> Result<(), BoxError>;
}

/// A dedup index in a box is that index (a server picks its backend at
/// run time).
impl<D: DedupIndex + ?Sized> DedupIndex for Box<D> {
    fn lookup(&self, leaves: &[Hash]) -> Result<Vec<Option<u64>>, BoxError> {
        (**self).lookup(leaves)
    }
    fn insert(&mut self, entries: &[(Hash, u64)], new_size: u64) -> Result<(), BoxError> {
        (**self).insert(entries, new_size)
    }
    fn covered_size(&self) -> Result<u64, BoxError> {
        (**self).covered_size()
    }
    fn clear(&mut self) -> Result<(), BoxError> {
        (**self).clear()
    }
}

/// A [`DedupIndex`] in memory, for tests and short-lived logs.
#[derive(Clone, Debug, Default)]
pub struct MemoryDedup {
    indices: HashMap<Hash, u64>,
    covered: u64,
}

impl DedupIndex for MemoryDedup {
    fn lookup(&self, leaves: &[Hash]) -> Result<Vec<Option<u64>>, BoxError> {
        Ok(leaves.iter().map(|leaf| self.indices.get(leaf).copied()).collect())
    }

    fn insert(&mut self, entries: &[(Hash, u64)], new_size: u64) -> Result<(), BoxError> {
        for &(leaf, index) in entries {
            // The first index of an entry is the one resubmissions get.
            self.indices.entry(leaf).or_insert(index);
        }
        self.covered = new_size;
        Ok(())
    }

    fn covered_size(&self) -> Result<u64, BoxError> {
        Ok(self.covered)
    }

    fn clear(&mut self) -> Result<(), BoxError> {
        *self = MemoryDedup::default();
        Ok(())
    }
}

/// A [`DedupIndex`] in front of another that holds the newest entries in
/// memory and writes them to the other in batches of `batch`, in key
/// order.
///
/// A durable index written once per commit rewrites, for every few
/// entries, pages that random leaf hashes scatter over the whole index;
/// written once per batch, each page is written once for many entries.
/// What the batch holds is lost with the process, which the contract of
/// [`DedupIndex`] allows: the index then covers fewer entries, and the
/// sequencer reads them from the log again when it opens. Readers of the
/// durable index in the same process look in the batch first
/// ([`BatchedDedup::sharing`]).
#[derive(Debug)]
pub struct BatchedDedup<D: DedupIndex> {
    inner: D,
    pending: DedupBatch,
    /// The size the index covers with the batch, once it holds any.
    covered: Option<u64>,
    batch: usize,
}

/// The entries a [`BatchedDedup`] holds in memory, by leaf hash.
pub type DedupBatch = Arc<Mutex<HashMap<Hash, u64>>>;

impl<D: DedupIndex> BatchedDedup<D> {
    /// `inner`, written to every `batch` entries (and when dropped).
    pub fn new(inner: D, batch: usize) -> BatchedDedup<D> {
        BatchedDedup::sharing(inner, batch, DedupBatch::default())
    }

    /// [`BatchedDedup::new`], keeping its batch in `pending`, where
    /// readers of the same process look too.
    pub fn sharing(inner: D, batch: usize, pending: DedupBatch) -> BatchedDedup<D> {
        BatchedDedup { inner, pending, covered: None, batch }
    }

    fn pending(&self) -> MutexGuard<'_, HashMap<Hash, u64>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes the batch to the index behind (and only then takes it out
    /// of memory, so that a reader finds each entry in one or the other).
    pub fn flush(&mut self) -> Result<(), BoxError> {
        let Some(covered) = self.covered else { return Ok(()) };
        let mut entries: Vec<(Hash, u64)> = self.pending().iter().map(|(h, i)| (*h, *i)).collect();
        entries.sort_unstable();
        self.inner.insert(&entries, covered)?;
        self.pending().clear();
        self.covered = None;
        Ok(())
    }
}

impl<D: DedupIndex> DedupIndex for BatchedDedup<D> {
    fn lookup(&self, leaves: &[Hash]) -> Result<Vec<Option<u64>>, BoxError> {
        let batched: Vec<Option<u64>> = {
            let pending = self.pending();
            leaves.iter().map(|leaf| pending.get(leaf).copied()).collect()
        };
        let asked: Vec<Hash> =
            leaves.iter().zip(&batched).filter(|(_, b)| b.is_none()).map(|(l, _)| *l).collect();
        let mut found = self.inner.lookup(&asked)?.into_iter();
        Ok(batched.into_iter().map(|b| b.or_else(|| found.next().flatten())).collect())
    }

    fn insert(&mut self, entries: &[(Hash, u64)], new_size: u64) -> Result<(), BoxError> {
        let held = {
            let mut pending = self.pending();
            for &(leaf, index) in entries {
                pending.entry(leaf).or_insert(index);
            }
            pending.len()
        };
        self.covered = Some(new_size);
        if held >= self.batch {
            return self.flush();
        }
        Ok(())
    }

    fn covered_size(&self) -> Result<u64, BoxError> {
        match self.covered {
            Some(covered) => Ok(covered),
            None => self.inner.covered_size(),
        }
    }

    fn clear(&mut self) -> Result<(), BoxError> {
        self.pending().clear();
        self.covered = None;
        self.inner.clear()
    }
}

impl<D: DedupIndex> Drop for BatchedDedup<D> {
    /// Writes the batch, if it can: if not, it is read from the log again.
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(n: u8) -> Hash {
        Hash([n; 32])
    }

    #[test]
    fn a_batched_dedup_answers_from_its_batch_and_writes_it_in_batches() {
        let mut dedup = BatchedDedup::new(MemoryDedup::default(), 3);
        dedup.insert(&[(leaf(1), 0), (leaf(2), 1)], 2).expect("inserts");
        assert_eq!(dedup.inner.covered_size().expect("size"), 0, "not written yet");
        assert_eq!(dedup.covered_size().expect("size"), 2);
        assert_eq!(
            dedup.lookup(&[leaf(2), leaf(9), leaf(1)]).expect("looks"),
            [Some(1), None, Some(0)]
        );

        // The third entry fills the batch: written, in one insert.
        dedup.insert(&[(leaf(3), 2)], 3).expect("inserts");
        assert_eq!(dedup.inner.covered_size().expect("size"), 3);
        assert!(dedup.pending().is_empty());
        dedup.insert(&[(leaf(4), 3)], 4).expect("inserts");
        assert_eq!(
            dedup.lookup(&[leaf(3), leaf(4), leaf(5)]).expect("looks"),
            [Some(2), Some(3), None]
        );

        // What a crash would keep: the index behind covers 3, and the
        // sequencer reads the fourth entry from the log again.
        assert_eq!(dedup.inner.covered_size().expect("size"), 3);
        assert_eq!(dedup.inner.lookup(&[leaf(4)]).expect("looks"), [None]);
        // Written on demand (and when dropped).
        dedup.flush().expect("flushes");
        assert_eq!(dedup.inner.covered_size().expect("size"), 4);
        assert_eq!(dedup.inner.lookup(&[leaf(4)]).expect("looks"), [Some(3)]);
    }
}
