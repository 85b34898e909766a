//! The sequencer: appends batches of entries to a tiled log, durably, and
//! signs the checkpoints that cover them.
//!
//! One commit, step by step, with what a crash at each point means:
//!
//! 1. Hash the batch, look its entries up in the [`DedupIndex`] and give
//!    resubmitted entries their original index. Nothing is written yet.
//! 2. Extend the tree in memory: new entry bundles, new tiles at every
//!    level. Nothing is written yet.
//! 3. Sign the new checkpoint, and hand it to storage with every new
//!    bundle and tile ([`LogStorage::commit`]): the objects are written
//!    durably, then the checkpoint is published with compare-and-swap.
//!    *Crash before it is published:* the objects beyond the published
//!    checkpoint are orphans; the next commit rewrites the same paths. No
//!    entry was acknowledged, and the signed checkpoint is gone (a backend
//!    that wrote it aside deletes it when the log opens), so the log never
//!    publishes two different trees of one size.
//! 4. *Crash after:* the batch is in the log; its submitters may not have
//!    heard. Storage keeps the checkpoint in its history too.
//! 5. Record the new entries in the dedup index. *Crash:* the dedup index
//!    catches up from the log when the log is opened again.
//! 6. Acknowledge: return the indices.
//!
//! A backend with a journal (the directory backend) makes step 3 one
//! durable append: the new entries and the signed checkpoint in one
//! record, one `fdatasync`. *Crash before the record is whole on disk:*
//! the torn record is dropped when the log opens; no entry was
//! acknowledged and nobody saw its checkpoint. *Crash after:* opening the
//! log replays the record into the same bundles, tiles and checkpoint,
//! byte for byte. The backend writes the tiles and its checkpoint file out
//! later, in bulk; a crash there leaves objects beyond the checkpoint
//! file, which the replay writes again. See [`LogStorage::journaled`].
//!
//! Opening a log (after a crash or not) goes through one path,
//! [`Sequencer::open`]: read and verify the checkpoint, rebuild the right
//! edge of the tree from the tiles and check it gives the signed root,
//! replay the commits the backend's journal holds beyond it (each
//! journaled checkpoint checked against the tree its entries make), bring
//! the dedup index up to date.
//!
//! [`Sequencer::rotate_key`] changes the log's key: it appends the
//! operator's announcement alone and publishes a transition checkpoint
//! signed by both keys (see [`crate::LogKeys`]). A sequencer opened with
//! the retired key after that (its configuration not yet changed, or a
//! rotation interrupted after its commit) opens, to read, but refuses to
//! append, naming the key the log now signs with.

use std::collections::{HashMap, HashSet};

use truce_note::{Algorithm, Signer, VerifierKey};

use crate::bundle::{BundleId, MAX_ENTRY_SIZE, decode_bundle, encode_bundle};
use crate::checkpoint::{Checkpoint, CheckpointError, VerifiedCheckpoint};
use crate::hash::{EMPTY_ROOT, Hash, leaf_hash};
use crate::proof::HashReader as _;
use crate::rotation::{LogKeys, RotationError};
use crate::storage::{
    BoxError, CommitError, DedupIndex, Journaled, LogStorage, StorageTiles, read_objects,
};
use crate::tile::{
    TILE_HEIGHT, TILE_WIDTH, TileHashReader, TileId, TilePath, decode_tile, encode_tile,
};
use crate::tree::{TreeBuilder, right_edge_nodes};

const WIDTH: usize = TILE_WIDTH as usize;

/// Why the sequencer refused a batch or could not open a log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SequencerError {
    /// There is no log in this storage yet.
    #[error("the log has no checkpoint: create it first")]
    NotCreated,
    /// A log already exists in this storage.
    #[error("a log already exists here")]
    AlreadyCreated,
    /// The stored checkpoint does not verify with the log's key and origin.
    #[error("the stored checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// The stored tiles or bundles disagree with the signed checkpoint.
    #[error("the stored log is corrupt: {0}")]
    Corrupt(String),
    /// Storage failed.
    #[error("storage: {0}")]
    Storage(#[source] BoxError),
    /// The dedup index failed.
    #[error("dedup index: {0}")]
    Dedup(#[source] BoxError),
    /// An entry of the batch is empty.
    #[error("entry {position} of the batch is empty")]
    EmptyEntry {
        /// Its position in the batch.
        position: usize,
    },
    /// An entry of the batch is too large for a bundle.
    #[error(
        "entry {position} of the batch is {size} bytes; an entry holds at most {MAX_ENTRY_SIZE}"
    )]
    EntryTooLarge {
        /// Its position in the batch.
        position: usize,
        /// Its size.
        size: usize,
    },
    /// The log's key was rotated away from the key this sequencer holds.
    #[error(
        "the log's key was rotated at size {size}: it signs with {key} now; open it with that key"
    )]
    KeyRetired {
        /// The key the log signs with now.
        key: Box<VerifierKey>,
        /// The size of the transition checkpoint.
        size: u64,
    },
    /// A key rotation was refused.
    #[error("key rotation: {0}")]
    Rotation(String),
    /// A commit failed after it may have published its checkpoint; the
    /// sequencer must be opened again to learn the state of the log.
    #[error("a commit failed while publishing; open the log again")]
    Poisoned,
}

/// What became of one entry of a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Logged {
    /// Its index in the log.
    pub index: u64,
    /// Its leaf hash.
    pub leaf: Hash,
    /// Whether the entry was already logged (at `index`) before this batch
    /// or earlier in it.
    pub duplicate: bool,
}

/// Appends entries to a tiled log in [`LogStorage`], signing checkpoints
/// with the log's key.
///
/// Only one sequencer may write to a log at a time; the storage's
/// compare-and-swap on the checkpoint stops a second one from forking it.
pub struct Sequencer<S, D> {
    storage: S,
    dedup: D,
    dedup_stale: bool,
    /// The log's key: in memory, or in a hardware token.
    key: Box<dyn Signer>,
    /// Its verifier key.
    signer: VerifierKey,
    origin: String,
    /// The keys of the log: the one it was opened with, and any transition
    /// its journal replayed.
    keys: LogKeys,
    checkpoint: VerifiedCheckpoint,
    tree: TreeBuilder,
    /// The hashes in the rightmost, incomplete tile of each tile level.
    partial_tiles: Vec<Vec<Hash>>,
    /// The entries in the rightmost, incomplete bundle.
    partial_bundle: Vec<Vec<u8>>,
    /// The leaves the last [`Sequencer::find`] found absent, and the log
    /// size it looked at: an `append` at that size need not ask the dedup
    /// index about them again.
    absent: Option<(u64, HashSet<Hash>)>,
    poisoned: bool,
}

impl<S: LogStorage, D: DedupIndex> Sequencer<S, D> {
    /// Creates an empty log with the given origin, signed by `key`.
    pub fn create(
        storage: S,
        dedup: D,
        key: impl Signer + 'static,
        origin: &str,
    ) -> Result<Sequencer<S, D>, SequencerError> {
        if storage.read_checkpoint().map_err(SequencerError::Storage)?.is_some() {
            return Err(SequencerError::AlreadyCreated);
        }
        let empty = Checkpoint::new(origin, 0, EMPTY_ROOT)?.sign(&key)?;
        storage.publish_checkpoint(None, &empty.to_bytes(), 0).map_err(SequencerError::Storage)?;
        Sequencer::open(storage, dedup, key, origin)
    }

    /// Opens an existing log: the one way to start, after a clean stop or a
    /// crash alike.
    pub fn open(
        storage: S,
        dedup: D,
        key: impl Signer + 'static,
        origin: &str,
    ) -> Result<Sequencer<S, D>, SequencerError> {
        let key: Box<dyn Signer> = Box::new(key);
        let bytes = storage.read_checkpoint().map_err(SequencerError::Storage)?;
        let bytes = bytes.ok_or(SequencerError::NotCreated)?;
        let signer = key.verifier_key();
        let checkpoint = VerifiedCheckpoint::verify(&bytes, &signer, origin)?;
        let size = checkpoint.size();

        let tree = load_right_edge(&storage, size)?;
        if tree.root() != checkpoint.root() {
            return Err(SequencerError::Corrupt(format!(
                "the tiles give root {} for size {size}, the checkpoint says {}",
                tree.root(),
                checkpoint.root()
            )));
        }
        let partial_tiles = load_partial_tiles(&storage, size)?;
        let partial_bundle = load_partial_bundle(&storage, size)?;
        let leaves: Vec<Hash> = partial_bundle.iter().map(|e| leaf_hash(e)).collect();
        if partial_tiles.first().map_or(&[][..], Vec::as_slice) != leaves.as_slice() {
            return Err(SequencerError::Corrupt(format!(
                "the last entry bundle of size {size} does not match its tile"
            )));
        }

        let mut keys = LogKeys::new(signer.clone(), origin);
        if checkpoint.next_key().map_err(rotation)?.is_some_and(|k| k != signer) {
            keys.follow(&bytes).map_err(rotation)?;
        }
        let mut sequencer = Sequencer {
            storage,
            dedup,
            dedup_stale: true,
            keys,
            key,
            signer,
            origin: origin.to_owned(),
            checkpoint,
            tree,
            partial_tiles,
            partial_bundle,
            absent: None,
            poisoned: false,
        };
        for commit in sequencer.storage.journaled().map_err(SequencerError::Storage)? {
            sequencer.replay(commit)?;
        }
        sequencer.catch_up_dedup()?;
        Ok(sequencer)
    }

    /// Commits again a commit the backend's journal holds: its entries
    /// extend the tree, and its checkpoint must be signed by the log's key
    /// at that size and state exactly that tree (and, for a key
    /// transition, the next key, which then signs what follows).
    fn replay(&mut self, commit: Journaled) -> Result<(), SequencerError> {
        let mut next = self.next_state();
        let leaves = leaf_hashes(&commit.entries);
        for (entry, leaf) in commit.entries.iter().zip(leaves) {
            next.push(entry, leaf)?;
        }
        next.finish()?;
        let checkpoint = self.keys.verify(&commit.checkpoint)?;
        let mut expected = Checkpoint::new(&self.origin, next.tree.size(), next.tree.root())?;
        if let Some(key) = checkpoint.next_key().map_err(rotation)? {
            self.keys.follow(&commit.checkpoint).map_err(rotation)?;
            expected = expected.with_next_key(&key);
        }
        if *checkpoint.checkpoint() != expected {
            return Err(SequencerError::Corrupt(format!(
                "the journaled commit up to size {} does not give its signed checkpoint",
                next.tree.size()
            )));
        }
        self.commit(next, checkpoint)
    }

    /// Rotates the log's key to `new_key`: appends `announcement` (the
    /// operator's signed entry saying so) alone, under a transition
    /// checkpoint signed by the current key and by `new_key`, which signs
    /// every checkpoint after it. Returns where the announcement went.
    ///
    /// If the log already rotated to `new_key` (a rotation that was
    /// interrupted after its commit, run again), nothing is appended: the
    /// sequencer takes the key and returns the transition's last entry.
    pub fn rotate_key(
        &mut self,
        announcement: &[u8],
        new_key: impl Signer + 'static,
    ) -> Result<Logged, SequencerError> {
        let new_key: Box<dyn Signer> = Box::new(new_key);
        if self.poisoned {
            return Err(SequencerError::Poisoned);
        }
        let new_vkey = new_key.verifier_key();
        if let Some(next) = self.checkpoint.next_key().map_err(rotation)?
            && next == new_vkey
        {
            self.key = new_key;
            self.signer = new_vkey;
            let index = self.checkpoint.size() - 1;
            let entry = read_entry(&self.storage, index, self.checkpoint.size())?
                .ok_or_else(|| SequencerError::Corrupt(format!("entry {index} is missing")))?;
            return Ok(Logged { index, leaf: leaf_hash(&entry), duplicate: true });
        }
        self.check_current_key()?;
        let refuse = |problem: String| Err(SequencerError::Rotation(problem));
        if new_vkey.name().as_str() != self.origin {
            return refuse(format!(
                "the new key is named {}, not {}",
                new_vkey.name(),
                self.origin
            ));
        }
        if new_vkey.algorithm() != Algorithm::Ed25519 {
            return refuse("the new key is not an Ed25519 signing key".into());
        }
        if new_vkey == self.signer {
            return refuse("the new key is the log's current key".into());
        }
        match announcement.len() {
            0 => return Err(SequencerError::EmptyEntry { position: 0 }),
            size if size > MAX_ENTRY_SIZE => {
                return Err(SequencerError::EntryTooLarge { position: 0, size });
            }
            _ => {}
        }
        if self.dedup_stale {
            self.catch_up_dedup()?;
        }
        let leaf = leaf_hash(announcement);
        if self.logged_indices(&[announcement], &[leaf])?[0].is_some() {
            return refuse("the announcement is already in the log".into());
        }

        let mut next = self.next_state();
        let index = next.push(announcement, leaf)?;
        next.finish()?;
        let size = next.tree.size();
        let checkpoint = Checkpoint::new(&self.origin, size, next.tree.root())?
            .with_next_key(&new_vkey)
            .sign_by(&[self.key.as_ref(), new_key.as_ref()])?;
        self.commit(next, checkpoint)?;
        self.keys.follow(&self.checkpoint.to_bytes()).map_err(rotation)?;
        self.key = new_key;
        self.signer = new_vkey;
        if self.dedup.insert(&[(leaf, index)], size).is_err() {
            self.dedup_stale = true;
        }
        Ok(Logged { index, leaf, duplicate: false })
    }

    /// The keys of the log this sequencer knows: the one it was opened
    /// with and the transitions since.
    pub fn keys(&self) -> &LogKeys {
        &self.keys
    }

    /// Refuses to sign if the log has rotated away from this sequencer's
    /// key.
    fn check_current_key(&self) -> Result<(), SequencerError> {
        let current = self.keys.current();
        if *current != self.signer {
            let size = self.keys.transitions().last().map_or(0, VerifiedCheckpoint::size);
            return Err(SequencerError::KeyRetired { key: Box::new(current.clone()), size });
        }
        Ok(())
    }

    /// The state a batch extends: the tree as it is, nothing written yet.
    fn next_state(&self) -> NextState {
        NextState {
            tree: self.tree.clone(),
            partial_tiles: self.partial_tiles.clone(),
            partial_bundle: self.partial_bundle.clone(),
            objects: Vec::new(),
            dirty_levels: Vec::new(),
        }
    }

    /// Steps 3 and 4: the new objects durable, then `checkpoint` published;
    /// then the extended tree is the sequencer's. A failure once publishing
    /// may have started leaves the log in a state only a fresh open can
    /// tell.
    fn commit(
        &mut self,
        next: NextState,
        checkpoint: VerifiedCheckpoint,
    ) -> Result<(), SequencerError> {
        let new_bytes = checkpoint.to_bytes();
        let old_bytes = self.checkpoint.to_bytes();
        match self.storage.commit(&next.objects, Some(&old_bytes), &new_bytes, checkpoint.size()) {
            Ok(()) => {}
            Err(CommitError::NotPublished(e)) => return Err(SequencerError::Storage(e)),
            Err(CommitError::MaybePublished(e)) => {
                self.poisoned = true;
                return Err(SequencerError::Storage(e));
            }
        }
        self.checkpoint = checkpoint;
        self.tree = next.tree;
        self.partial_tiles = next.partial_tiles;
        self.partial_bundle = next.partial_bundle;
        Ok(())
    }

    /// The latest published checkpoint.
    pub fn checkpoint(&self) -> &VerifiedCheckpoint {
        &self.checkpoint
    }

    /// The storage.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// The dedup index.
    pub fn dedup(&self) -> &D {
        &self.dedup
    }

    /// Appends a batch of entries, publishes a checkpoint that covers them,
    /// and returns what became of each, in order.
    ///
    /// It returns only once the entries are durable and the checkpoint is
    /// published. An entry already in the log (or earlier in the batch) is
    /// not appended again: it gets its original index. If every entry was a
    /// duplicate, no checkpoint is published.
    pub fn append<E: AsRef<[u8]> + Sync>(
        &mut self,
        entries: &[E],
    ) -> Result<Vec<Logged>, SequencerError> {
        if self.poisoned {
            return Err(SequencerError::Poisoned);
        }
        self.check_current_key()?;
        for (position, entry) in entries.iter().enumerate() {
            match entry.as_ref().len() {
                0 => return Err(SequencerError::EmptyEntry { position }),
                size if size > MAX_ENTRY_SIZE => {
                    return Err(SequencerError::EntryTooLarge { position, size });
                }
                _ => {}
            }
        }
        if self.dedup_stale {
            self.catch_up_dedup()?;
        }

        // 1. Hashes and duplicates.
        let leaves = leaf_hashes(entries);
        let known = self.logged_indices(entries, &leaves)?;

        // 2. The extended tree, tiles and bundles, in memory.
        let mut next = self.next_state();
        let mut in_batch: HashMap<Hash, u64> = HashMap::new();
        let mut logged = Vec::with_capacity(entries.len());
        let mut added = Vec::new();
        for ((entry, leaf), known) in entries.iter().zip(&leaves).zip(known) {
            if let Some(index) = known.or_else(|| in_batch.get(leaf).copied()) {
                logged.push(Logged { index, leaf: *leaf, duplicate: true });
                continue;
            }
            let index = next.push(entry.as_ref(), *leaf)?;
            in_batch.insert(*leaf, index);
            added.push((*leaf, index));
            logged.push(Logged { index, leaf: *leaf, duplicate: false });
        }
        if added.is_empty() {
            return Ok(logged);
        }
        next.finish()?;

        // 3-4. Durable objects beyond the checkpoint, then the new
        // checkpoint.
        let new_size = next.tree.size();
        let checkpoint =
            Checkpoint::new(&self.origin, new_size, next.tree.root())?.sign(self.key.as_ref())?;
        self.commit(next, checkpoint)?;

        // 5. Derived state; losing it costs time, not correctness.
        if self.dedup.insert(&added, new_size).is_err() {
            self.dedup_stale = true;
        }

        // 6. Acknowledge.
        Ok(logged)
    }

    /// The leaf hash of each entry, with its log index if it is already in
    /// the log (confirmed against the log's bytes).
    pub fn find<E: AsRef<[u8]> + Sync>(
        &mut self,
        entries: &[E],
    ) -> Result<Vec<(Hash, Option<u64>)>, SequencerError> {
        if self.poisoned {
            return Err(SequencerError::Poisoned);
        }
        if self.dedup_stale {
            self.catch_up_dedup()?;
        }
        let leaves = leaf_hashes(entries);
        let known = self.logged_indices(entries, &leaves)?;
        let absent = leaves.iter().zip(&known).filter(|(_, k)| k.is_none()).map(|(l, _)| *l);
        self.absent = Some((self.checkpoint.size(), absent.collect()));
        Ok(leaves.into_iter().zip(known).collect())
    }

    /// The log index of each of `entries` (with their `leaves`) that is
    /// already in the log. Leaves the last [`Sequencer::find`] found absent
    /// at this size are not asked about again.
    fn logged_indices<E: AsRef<[u8]>>(
        &mut self,
        entries: &[E],
        leaves: &[Hash],
    ) -> Result<Vec<Option<u64>>, SequencerError> {
        let size = self.checkpoint.size();
        let absent = self.absent.take().filter(|(at, _)| *at == size).map(|(_, a)| a);
        let unknown: Vec<usize> = (0..leaves.len())
            .filter(|&i| absent.as_ref().is_none_or(|a| !a.contains(&leaves[i])))
            .collect();
        let asked: Vec<Hash> = unknown.iter().map(|&i| leaves[i]).collect();
        let found = self.dedup.lookup(&asked).map_err(SequencerError::Dedup)?;
        let mut known = vec![None; leaves.len()];
        for (i, index) in unknown.into_iter().zip(found) {
            known[i] = index;
        }
        self.confirm_duplicates(entries, &mut known)?;
        Ok(known)
    }

    /// A dedup hit is trusted only once the log holds the same bytes at
    /// that index: a stale or damaged index, or a collision of the short
    /// keys an index may use, must not make the log answer an entry with
    /// another entry's index. A hit that does not hold up is no hit.
    fn confirm_duplicates<E: AsRef<[u8]>>(
        &self,
        entries: &[E],
        known: &mut [Option<u64>],
    ) -> Result<(), SequencerError> {
        let size = self.checkpoint.size();
        for (entry, index) in entries.iter().zip(known.iter_mut()) {
            let Some(candidate) = *index else { continue };
            let stored = read_entry(&self.storage, candidate, size)?;
            if stored.as_deref() != Some(entry.as_ref()) {
                *index = None;
            }
        }
        Ok(())
    }

    /// Brings the dedup index up to the checkpoint, reading the entries it
    /// lacks from the log.
    fn catch_up_dedup(&mut self) -> Result<(), SequencerError> {
        let size = self.checkpoint.size();
        let mut covered = self.dedup.covered_size().map_err(SequencerError::Dedup)?;
        if covered > size {
            self.dedup.clear().map_err(SequencerError::Dedup)?;
            covered = 0;
        }
        const BUNDLES_PER_READ: u64 = 64;
        while covered < size {
            let first = covered / TILE_WIDTH as u64;
            let last = ((size - 1) / TILE_WIDTH as u64).min(first + BUNDLES_PER_READ - 1);
            let bundles: Vec<BundleId> =
                (first..=last).filter_map(|n| BundleId::in_tree(n, size)).collect();
            let paths: Vec<TilePath> = bundles.iter().map(|&b| TilePath::Entries(b)).collect();
            let data = read_objects(&self.storage, &paths).map_err(SequencerError::Storage)?;
            let mut pairs = Vec::new();
            for (bundle, data) in bundles.iter().zip(data) {
                let data = data.ok_or_else(|| missing(TilePath::Entries(*bundle)))?;
                let entries = decode_bundle(*bundle, &data)
                    .map_err(|e| SequencerError::Corrupt(e.to_string()))?;
                let start = bundle.index() * TILE_WIDTH as u64;
                for (i, entry) in entries.iter().enumerate() {
                    let index = start + i as u64;
                    if index >= covered {
                        pairs.push((leaf_hash(entry), index));
                    }
                }
            }
            let new_covered = (last + 1) * TILE_WIDTH as u64;
            let new_covered = new_covered.min(size);
            self.dedup.insert(&pairs, new_covered).map_err(SequencerError::Dedup)?;
            covered = new_covered;
        }
        self.dedup_stale = false;
        Ok(())
    }
}

/// The tree, tiles and bundles a batch is building, before they are
/// committed.
struct NextState {
    tree: TreeBuilder,
    partial_tiles: Vec<Vec<Hash>>,
    partial_bundle: Vec<Vec<u8>>,
    objects: Vec<(TilePath, Vec<u8>)>,
    dirty_levels: Vec<bool>,
}

impl NextState {
    /// Appends one entry and returns its index.
    fn push(&mut self, entry: &[u8], leaf: Hash) -> Result<u64, SequencerError> {
        let index = self.tree.size();
        let mut full_tiles = Vec::new();
        let (partial_tiles, dirty) = (&mut self.partial_tiles, &mut self.dirty_levels);
        self.tree
            .append_with(leaf, |node, hash| {
                // A tile at tile level L holds the nodes of tree level 8 L.
                if node.level % TILE_HEIGHT != 0 {
                    return;
                }
                let level = usize::from(node.level / TILE_HEIGHT);
                if partial_tiles.len() <= level {
                    partial_tiles.resize(level + 1, Vec::new());
                }
                if dirty.len() <= level {
                    dirty.resize(level + 1, false);
                }
                partial_tiles[level].push(*hash);
                dirty[level] = true;
                if partial_tiles[level].len() == WIDTH {
                    let hashes = std::mem::take(&mut partial_tiles[level]);
                    full_tiles.push((level, node.index / WIDTH as u64, hashes));
                }
            })
            .map_err(|e| SequencerError::Corrupt(e.to_string()))?;
        for (level, tile_index, hashes) in full_tiles {
            let tile = tile_id(level, tile_index, TILE_WIDTH)?;
            self.objects.push((TilePath::Hashes(tile), encode_tile(&hashes)));
        }
        self.partial_bundle.push(entry.to_vec());
        if self.partial_bundle.len() == WIDTH {
            let bundle = BundleId::new(index / WIDTH as u64, TILE_WIDTH).map_err(corrupt)?;
            let data = encode_bundle(&self.partial_bundle).map_err(corrupt)?;
            self.objects.push((TilePath::Entries(bundle), data));
            self.partial_bundle.clear();
        }
        Ok(index)
    }

    /// Adds the partial tiles and bundle that the batch changed.
    fn finish(&mut self) -> Result<(), SequencerError> {
        let size = self.tree.size();
        for (level, hashes) in self.partial_tiles.iter().enumerate() {
            if !self.dirty_levels.get(level).copied().unwrap_or(false) || hashes.is_empty() {
                continue;
            }
            let nodes = size >> (TILE_HEIGHT as usize * level);
            let tile = tile_id(level, nodes / WIDTH as u64, hashes.len() as u16)?;
            self.objects.push((TilePath::Hashes(tile), encode_tile(hashes)));
        }
        if !self.partial_bundle.is_empty() {
            let width = self.partial_bundle.len() as u16;
            let bundle = BundleId::new(size / WIDTH as u64, width).map_err(corrupt)?;
            let data = encode_bundle(&self.partial_bundle).map_err(corrupt)?;
            self.objects.push((TilePath::Entries(bundle), data));
        }
        Ok(())
    }
}

/// The leaf hashes of a batch, computed on every core for a large batch:
/// hashing the entries is most of the sequencer's own work.
fn leaf_hashes<E: AsRef<[u8]> + Sync>(entries: &[E]) -> Vec<Hash> {
    const PER_THREAD: usize = 1024;
    if entries.len() < 2 * PER_THREAD {
        return entries.iter().map(|e| leaf_hash(e.as_ref())).collect();
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = entries.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = entries
            .chunks(chunk)
            .map(|part| {
                scope.spawn(|| part.iter().map(|e| leaf_hash(e.as_ref())).collect::<Vec<_>>())
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|p| p.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}

fn tile_id(level: usize, index: u64, width: u16) -> Result<TileId, SequencerError> {
    let level = u8::try_from(level).map_err(|_| SequencerError::Corrupt("tree too tall".into()))?;
    TileId::new(level, index, width).map_err(corrupt)
}

fn rotation(e: RotationError) -> SequencerError {
    SequencerError::Rotation(e.to_string())
}

fn corrupt(e: impl std::fmt::Display) -> SequencerError {
    SequencerError::Corrupt(e.to_string())
}

fn missing(path: TilePath) -> SequencerError {
    SequencerError::Corrupt(format!("{path} is missing"))
}

/// The tree of `size` leaves, resumed from the hashes of its right edge.
fn load_right_edge(storage: &impl LogStorage, size: u64) -> Result<TreeBuilder, SequencerError> {
    let nodes = right_edge_nodes(size);
    let hashes = if nodes.is_empty() {
        Vec::new()
    } else {
        TileHashReader::new(size, StorageTiles(storage)).read_hashes(&nodes).map_err(corrupt)?
    };
    TreeBuilder::from_right_edge(size, &hashes).map_err(corrupt)
}

/// The hashes of the rightmost incomplete tile of every tile level.
fn load_partial_tiles(
    storage: &impl LogStorage,
    size: u64,
) -> Result<Vec<Vec<Hash>>, SequencerError> {
    let mut tiles = Vec::new();
    let mut level = 0u8;
    while level < 8 && size >> (TILE_HEIGHT as u32 * u32::from(level)) > 0 {
        let nodes = size >> (TILE_HEIGHT as u32 * u32::from(level));
        let hashes = match TileId::in_tree(level, nodes / WIDTH as u64, size) {
            Some(tile) if !tile.is_full() => {
                let data = read_objects(storage, &[TilePath::Hashes(tile)])
                    .map_err(SequencerError::Storage)?;
                let data = data
                    .into_iter()
                    .next()
                    .flatten()
                    .ok_or_else(|| missing(TilePath::Hashes(tile)))?;
                decode_tile(tile, &data).map_err(corrupt)?
            }
            _ => Vec::new(),
        };
        tiles.push(hashes);
        level += 1;
    }
    Ok(tiles)
}

/// The entries of the rightmost incomplete bundle.
fn load_partial_bundle(
    storage: &impl LogStorage,
    size: u64,
) -> Result<Vec<Vec<u8>>, SequencerError> {
    match BundleId::in_tree(size / WIDTH as u64, size) {
        Some(bundle) if !bundle.is_full() => {
            let path = TilePath::Entries(bundle);
            let data = read_objects(storage, &[path]).map_err(SequencerError::Storage)?;
            let data = data.into_iter().next().flatten().ok_or_else(|| missing(path))?;
            let entries = decode_bundle(bundle, &data).map_err(corrupt)?;
            Ok(entries.into_iter().map(<[u8]>::to_vec).collect())
        }
        _ => Ok(Vec::new()),
    }
}

/// The entry at `index` of the tree of `size` leaves, if storage has it.
pub fn read_entry(
    storage: &impl LogStorage,
    index: u64,
    size: u64,
) -> Result<Option<Vec<u8>>, SequencerError> {
    let Some((bundle, position)) = BundleId::for_entry(index, size) else {
        return Ok(None);
    };
    let data =
        read_objects(storage, &[TilePath::Entries(bundle)]).map_err(SequencerError::Storage)?;
    let Some(data) = data.into_iter().next().flatten() else { return Ok(None) };
    let entries = decode_bundle(bundle, &data).map_err(corrupt)?;
    Ok(entries.get(position).map(|e| e.to_vec()))
}
