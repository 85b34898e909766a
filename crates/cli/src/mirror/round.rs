//! One round of `truce mirror`: from the checkpoint the directory holds to
//! the one the log serves, each step verified before anything is stored
//! (the steps are those of the module above).

use std::collections::HashMap;
use std::sync::{Mutex, mpsc};

use anyhow::{Context as _, anyhow};
use indicatif::{ProgressBar, ProgressStyle};
use truce_log::{
    BundleId, EMPTY_ROOT, Hash, LogStorage as _, ProveError, StorageTiles, TILE_WIDTH,
    TileHashReader, TileId, TilePath, TileReadError, TileReader, VerifiedCheckpoint,
    consistency_proof, decode_bundle, decode_tile, leaf_hash, new_tiles, root_from_leaves,
    tree_root, verify_consistency,
};
use truce_store::FsStorage;

use super::{Mirror, Mirrored};
use crate::fetch::{FetchError, Source, required};
use crate::io::check_policy;

/// What a verified batch of objects may grow to before it is written
/// (beyond the published checkpoint): the memory a long round holds.
const FLUSH_BYTES: usize = 32 << 20;

/// What a round did.
pub(super) enum Outcome {
    /// The log serves the checkpoint the directory holds.
    UpToDate(u64),
    /// The log serves an older checkpoint, of the tree the directory holds.
    Older { served: u64, held: u64 },
    /// Same tree, other signatures (new cosignatures): stored.
    Recosigned(u64),
    /// The directory grew from one size to the other; `reused` entries
    /// were found in it, left by an interrupted round, and verified again.
    Advanced { from: u64, to: u64, reused: u64 },
}

/// Why a round stopped.
pub(super) enum RoundError {
    /// The log's checkpoint or its data failed a check: the mirror stops
    /// and keeps the evidence.
    Refused(Box<Refusal>),
    /// Anything else (the network, the disk, a missing quorum): a
    /// following mirror tries again.
    Failed(anyhow::Error),
}

impl From<anyhow::Error> for RoundError {
    fn from(error: anyhow::Error) -> RoundError {
        RoundError::Failed(error)
    }
}

impl RoundError {
    fn refused(reason: Reason, detail: String, proof: Option<ForkProof>) -> RoundError {
        RoundError::Refused(Box::new(Refusal { reason, detail, offending: Vec::new(), proof }))
    }

    /// Names the checkpoint refused, as received.
    fn offending(self, bytes: &[u8]) -> RoundError {
        match self {
            RoundError::Refused(mut refusal) => {
                refusal.offending = bytes.to_vec();
                RoundError::Refused(refusal)
            }
            failed => failed,
        }
    }
}

fn tampered(detail: String) -> RoundError {
    RoundError::refused(Reason::Tampered, detail, None)
}

/// A checkpoint refused, and why: what the evidence file records.
pub(super) struct Refusal {
    pub reason: Reason,
    pub detail: String,
    /// The checkpoint refused, verbatim as received.
    pub offending: Vec<u8>,
    /// For a fork of different sizes: the proof that one tree has another
    /// root at the other's size.
    pub proof: Option<ForkProof>,
}

#[derive(Clone, Copy)]
pub(super) enum Reason {
    /// The checkpoint does not verify with the log's key.
    BadSignature,
    /// The log signed a tree that does not extend the one mirrored.
    Fork,
    /// A tile or bundle does not match the checkpoint it should be under.
    Tampered,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::BadSignature => "bad-signature",
            Reason::Fork => "fork",
            Reason::Tampered => "tampered",
        }
    }
}

/// A consistency proof that verifies from (`from_size`, `from_root`) to
/// (`to_size`, `to_root`): the tree of the second root has the first root
/// at `from_size`, and a checkpoint of that size says otherwise.
pub(super) struct ForkProof {
    pub from_size: u64,
    pub from_root: Hash,
    pub to_size: u64,
    pub to_root: Hash,
    pub hashes: Vec<Hash>,
}

impl Mirror {
    /// Mirrors the log up to the checkpoint it serves now.
    pub(super) fn round(&mut self) -> Result<Outcome, RoundError> {
        let bytes = self.source.get("checkpoint")?.context("the log serves no checkpoint")?;
        self.round_to(&bytes).map_err(|e| e.offending(&bytes))
    }

    fn round_to(&mut self, bytes: &[u8]) -> Result<Outcome, RoundError> {
        let last = self.last.clone();
        if let Some(last) = &last
            && last.bytes == bytes
        {
            return Ok(Outcome::UpToDate(last.checkpoint.size()));
        }
        let new = match self.keys.verify(bytes) {
            Ok(new) => new,
            Err(_) => self.follow_rotation(bytes)?,
        };
        if let Some(policy) = &self.policy {
            check_policy(&policy.following(&self.keys), bytes, &self.origin)?;
        }
        let (held, held_root) =
            last.as_ref().map_or((0, EMPTY_ROOT), |l| (l.checkpoint.size(), l.checkpoint.root()));
        let (size, root) = (new.size(), new.root());
        if size < held {
            return self.older(&new, held, held_root);
        }
        if size == held {
            if root != held_root {
                let detail = format!(
                    "it has size {size} and root {root}; the checkpoint of that size mirrored \
                     before has root {held_root}: two trees of one size"
                );
                return Err(RoundError::refused(Reason::Fork, detail, None));
            }
            // The same tree (other cosignatures, or the first, empty one):
            // a commit without objects.
            self.store(&Frame::default(), new, bytes)?;
            return Ok(match last {
                Some(_) => Outcome::Recosigned(size),
                None => Outcome::Advanced { from: 0, to: 0, reused: 0 },
            });
        }
        let remote = RemoteTiles { source: self.source.as_ref(), fetched: Mutex::default() };
        let frame = Frame::authenticate(&remote, held, &new)?;
        if held > 0 {
            check_consistency(&remote, &frame, held, held_root, &new)?;
        }
        let reused = self.store(&frame, new, bytes)?;
        self.check_transitions(size)?;
        Ok(Outcome::Advanced { from: held, to: size, reused })
    }

    /// Each key transition followed is a checkpoint of the tree stored:
    /// a retired key that signed another tree forked the log.
    fn check_transitions(&self, size: u64) -> Result<(), RoundError> {
        let tiles = TileHashReader::new(size, StorageTiles(&self.storage));
        for transition in self.keys.transitions().filter(|t| t.size() <= size) {
            let at = transition.size();
            let ours = tree_root(at, &tiles)
                .map_err(|e| anyhow!("reading {}: {e}", self.dir().display()))?;
            if ours != transition.root() {
                let detail = format!(
                    "the key transition at size {at} has root {}; the tree mirrored has root \
                     {ours} at that size",
                    transition.root()
                );
                return Err(RoundError::refused(Reason::Fork, detail, None));
            }
        }
        Ok(())
    }

    /// A checkpoint the key trusted now does not verify: the log may have
    /// rotated its key. The transitions it lists are followed (each one
    /// verified with the key before it) and recorded, and the checkpoint
    /// must then verify with the key at its size. That each transition is
    /// a checkpoint of this very tree is checked once its tiles are stored.
    fn follow_rotation(&mut self, bytes: &[u8]) -> Result<VerifiedCheckpoint, RoundError> {
        let refused = |detail: String| RoundError::refused(Reason::BadSignature, detail, None);
        let mut keys = self.keys.clone();
        crate::fetch::follow_log_keys(self.source.as_ref(), &mut keys, bytes)
            .map_err(|e| refused(format!("{e:#}")))?;
        let new = keys.verify(bytes).map_err(|e| {
            refused(format!("it does not verify with the log's key {}: {e}", keys.current()))
        })?;
        let dir = truce_server::DataDir::new(&self.root).log_key_transitions();
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let known = self.keys.transitions().count();
        for transition in keys.transitions().skip(known) {
            let path = dir.join(transition.size().to_string());
            truce_store::replace_file(&path, &transition.to_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        self.keys = keys;
        Ok(new)
    }

    /// A checkpoint smaller than the one held: a stale copy if our tree
    /// has its root at its size, else a fork.
    fn older(
        &self,
        new: &VerifiedCheckpoint,
        held: u64,
        held_root: Hash,
    ) -> Result<Outcome, RoundError> {
        let (size, root) = (new.size(), new.root());
        let tiles = TileHashReader::new(held, StorageTiles(&self.storage));
        let local = |e: ProveError<_>| anyhow!("reading {}: {e}", self.dir().display());
        let ours = tree_root(size, &tiles).map_err(local)?;
        if ours == root {
            return Ok(Outcome::Older { served: size, held });
        }
        let hashes = if size == 0 {
            Vec::new()
        } else {
            consistency_proof(size, held, &tiles).map_err(local)?
        };
        // Our own tiles could be damaged since they were stored: accuse the
        // log only with a proof that our verified root vouches for.
        if size > 0 && verify_consistency(size, held, &hashes, &ours, &held_root).is_err() {
            let dir = self.dir().display();
            return Err(anyhow!(
                "{dir}: its tiles do not match its checkpoint; run truce log audit --dir"
            )
            .into());
        }
        let detail = format!(
            "it has size {size} and root {root}; the tree of the checkpoint of size {held} \
             mirrored before has root {ours} at that size"
        );
        let proof = ForkProof {
            from_size: size,
            from_root: ours,
            to_size: held,
            to_root: held_root,
            hashes,
        };
        Err(RoundError::refused(Reason::Fork, detail, Some(proof)))
    }

    /// Fetches, verifies and stores the bundles and level-0 tiles of the
    /// new tree, then commits the frame's tiles and the checkpoint. Returns
    /// how many new entries were already in the directory.
    fn store(
        &mut self,
        frame: &Frame,
        new: VerifiedCheckpoint,
        bytes: &[u8],
    ) -> Result<u64, RoundError> {
        let held = self.last.as_ref().map_or(0, |l| l.checkpoint.size());
        let size = new.size();
        let width = u64::from(TILE_WIDTH);
        // Same size: nothing to fetch. Else the bundles from the one the
        // held tree ends in.
        let first = if size == held { size.div_ceil(width) } else { held / width };
        let bundles: Vec<BundleId> = (first..size.div_ceil(width))
            .filter_map(|index| BundleId::in_tree(index, size))
            .collect();
        let progress = ProgressBar::new(size - held).with_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} entries, {per_sec}, eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let mut pending = Pending::default();
        let mut reused = 0;
        let (storage, source) = (&self.storage, self.source.as_ref());
        // One thread fetches ahead of the one that checks and stores.
        std::thread::scope(|scope| -> Result<(), RoundError> {
            let (sender, receiver) = mpsc::sync_channel::<anyhow::Result<Pair>>(32);
            scope.spawn(move || {
                for bundle in bundles {
                    let fetched = fetch_pair(storage, source, frame, bundle);
                    let stop = fetched.is_err();
                    if sender.send(fetched).is_err() || stop {
                        return;
                    }
                }
            });
            for fetched in receiver {
                let pair = fetched?;
                let pair = match frame.check_pair(&pair) {
                    Ok(()) => pair,
                    // Left by an interrupted round and damaged since: the
                    // log's copy decides.
                    Err(RoundError::Refused(_)) if pair.local => {
                        let again = fetch_remote(source, frame, pair.bundle)?;
                        frame.check_pair(&again)?;
                        again
                    }
                    Err(e) => return Err(e),
                };
                let (start, end) = pair.entries();
                progress.inc(end - start.max(held));
                if pair.local {
                    reused += end - start.max(held);
                }
                pending.push(pair);
                if pending.bytes >= FLUSH_BYTES {
                    // Beyond the published checkpoint: no reader asks for
                    // these paths until the commit below.
                    storage.write(&pending.take()).map_err(anyhow::Error::from_boxed)?;
                }
            }
            Ok(())
        })?;
        progress.finish_and_clear();
        let mut objects = pending.take();
        objects.extend(frame.upper_tiles());
        let old = self.last.as_ref().map(|l| l.bytes.as_slice());
        // Objects, then the checkpoint that covers them: a copy publishes
        // directly, not through the journal, which holds the entries of
        // the commits a sequencer makes.
        self.storage
            .write(&objects)
            .and_then(|()| self.storage.publish_checkpoint(old, bytes, size))
            .map_err(|e| anyhow!("storing size {size} in {}: {e}", self.dir().display()))?;
        self.last = Some(Mirrored { checkpoint: new, bytes: bytes.to_vec() });
        Ok(reused)
    }
}

/// Checks that the tree of `new` extends the one held, with a consistency
/// proof made from the log's tiles.
fn check_consistency(
    remote: &RemoteTiles<'_>,
    frame: &Frame,
    held: u64,
    held_root: Hash,
    new: &VerifiedCheckpoint,
) -> Result<(), RoundError> {
    let (size, root) = (new.size(), new.root());
    let tiles = TileHashReader::new(size, remote);
    let proof = consistency_proof(held, size, &tiles).map_err(proving)?;
    let Err(error) = verify_consistency(held, size, &proof, &held_root, &root) else {
        return Ok(());
    };
    // The log's tree, or the tiles served for it? If the same proof leads
    // from the root the tiles give at the old size to the new root, the
    // tiles are the new tree's, and that tree is not the one mirrored.
    let theirs = tree_root(held, &tiles).map_err(proving)?;
    if verify_consistency(held, size, &proof, &theirs, &root).is_ok() {
        let detail = format!(
            "its tree (size {size}, root {root}) has root {theirs} at size {held}; the \
             checkpoint of size {held} mirrored before has root {held_root}"
        );
        let proof = ForkProof {
            from_size: held,
            from_root: theirs,
            to_size: size,
            to_root: root,
            hashes: proof,
        };
        return Err(RoundError::refused(Reason::Fork, detail, Some(proof)));
    }
    // Not a fork: a tile the proof was made from is not the log's. Name it
    // if the frame can (a new full tile), else name them all.
    let used = remote.fetched();
    for (tile, data) in &used {
        if let (true, Ok(hashes)) = (tile.is_full(), decode_tile(*tile, data))
            && frame.hash_above(*tile).is_some()
        {
            frame.check_full(*tile, &hashes)?;
        }
    }
    let names: Vec<String> = used.iter().map(|(tile, _)| tile.to_string()).collect();
    Err(tampered(format!(
        "the tiles the log serves do not match its checkpoint of size {size}: the consistency \
         proof from size {held} made from {}: {error}",
        names.join(", ")
    )))
}

/// A failure to compute a proof or a root from the log's tiles: a malformed
/// tile is the log's, a failed fetch is a reason to try again.
fn proving(error: ProveError<TileReadError<FetchError>>) -> RoundError {
    match error {
        ProveError::Read(TileReadError::Read(FetchError(e))) => RoundError::Failed(anyhow!(e)),
        ProveError::Read(TileReadError::Tile(e)) => tampered(e.to_string()),
        e => RoundError::Failed(anyhow!("{e}")),
    }
}

/// The log's tiles, each fetched once: a [`TileReader`] for proofs and
/// roots over the new tree.
struct RemoteTiles<'s> {
    source: &'s dyn Source,
    fetched: Mutex<HashMap<TileId, Vec<u8>>>,
}

impl RemoteTiles<'_> {
    /// The tiles fetched so far, in order.
    fn fetched(&self) -> Vec<(TileId, Vec<u8>)> {
        let fetched = self.fetched.lock().unwrap_or_else(|p| p.into_inner());
        let mut tiles: Vec<_> = fetched.iter().map(|(&t, data)| (t, data.clone())).collect();
        tiles.sort_by_key(|(t, _)| (t.level(), t.index()));
        tiles
    }

    fn tile(&self, tile: TileId) -> Result<Vec<u8>, FetchError> {
        let cached = |fetched: &Mutex<HashMap<TileId, Vec<u8>>>| {
            fetched.lock().unwrap_or_else(|p| p.into_inner()).get(&tile).cloned()
        };
        if let Some(data) = cached(&self.fetched) {
            return Ok(data);
        }
        let data = required(self.source, TilePath::Hashes(tile))
            .map_err(|e| FetchError(format!("{e:#}")))?;
        self.fetched.lock().unwrap_or_else(|p| p.into_inner()).insert(tile, data.clone());
        Ok(data)
    }
}

impl TileReader for RemoteTiles<'_> {
    type Error = FetchError;

    fn read_tiles(&self, tiles: &[TileId]) -> Result<Vec<Vec<u8>>, FetchError> {
        tiles.iter().map(|&tile| self.tile(tile)).collect()
    }
}

/// The new tiles above level 0 and the new partial tiles, authenticated
/// against the new checkpoint's root: what each level-0 tile is checked
/// against.
#[derive(Default)]
struct Frame {
    size: u64,
    tiles: HashMap<TileId, Authenticated>,
}

struct Authenticated {
    data: Vec<u8>,
    hashes: Vec<Hash>,
}

impl Frame {
    fn authenticate(
        remote: &RemoteTiles<'_>,
        held: u64,
        new: &VerifiedCheckpoint,
    ) -> Result<Frame, RoundError> {
        let size = new.size();
        let mut tiles = HashMap::new();
        for tile in new_tiles(held, size).filter(|t| t.level() > 0 || !t.is_full()) {
            let data = remote.tile(tile).map_err(|e| anyhow!(e))?;
            let hashes = decode_tile(tile, &data).map_err(|e| tampered(e.to_string()))?;
            tiles.insert(tile, Authenticated { data, hashes });
        }
        // The partial tiles by the root: all their hashes are on the right
        // edge of the tree, which gives the root.
        let computed = tree_root(size, &TileHashReader::new(size, remote)).map_err(proving)?;
        if computed != new.root() {
            let partial: Vec<String> = remote
                .fetched()
                .into_iter()
                .filter(|(t, _)| !t.is_full())
                .map(|(t, _)| t.to_string())
                .collect();
            return Err(tampered(format!(
                "the partial tiles ({}) give root {computed} for size {size}, the checkpoint \
                 says {}",
                partial.join(", "),
                new.root()
            )));
        }
        // Each full tile by its hash in the tile above, which is new too
        // (the tile was not full before), and so authenticated the same way
        // up to a partial one.
        let frame = Frame { size, tiles };
        for (&tile, authenticated) in &frame.tiles {
            if tile.is_full() {
                frame.check_full(tile, &authenticated.hashes)?;
            }
        }
        Ok(frame)
    }

    /// The tile above a full tile, if it is in the frame, and the hash of
    /// `tile` it holds.
    fn hash_above(&self, tile: TileId) -> Option<(TileId, Hash)> {
        let width = u64::from(TILE_WIDTH);
        let above = TileId::in_tree(tile.level() + 1, tile.index() / width, self.size)?;
        let position = usize::try_from(tile.index() % width).ok()?;
        Some((above, *self.tiles.get(&above)?.hashes.get(position)?))
    }

    /// Checks a full tile's hashes against its hash in the tile above.
    fn check_full(&self, tile: TileId, hashes: &[Hash]) -> Result<(), RoundError> {
        // The tile above a new full tile is always new: not finding it is
        // a bug here, not the log's doing.
        let (above, expected) = self
            .hash_above(tile)
            .ok_or_else(|| anyhow!("no authenticated tile above {tile} (a bug)"))?;
        let computed = root_from_leaves(hashes);
        if computed != expected {
            return Err(tampered(format!("{tile} hashes to {computed}; {above} says {expected}")));
        }
        Ok(())
    }

    /// Checks a bundle and its level-0 tile: the tile against the frame,
    /// the entries against the tile.
    fn check_pair(&self, pair: &Pair) -> Result<(), RoundError> {
        let tile = pair.bundle.hash_tile();
        match self.tiles.get(&tile) {
            Some(authenticated) if authenticated.data != pair.tile => {
                return Err(tampered(format!("{tile} is not the one that gives the root")));
            }
            Some(_) => {}
            None => {
                let hashes = decode_tile(tile, &pair.tile).map_err(|e| tampered(e.to_string()))?;
                self.check_full(tile, &hashes)?;
            }
        }
        check_bundle(pair.bundle, &pair.data, &pair.tile).map_err(tampered)
    }

    /// The frame's tiles above level 0, to store (the level-0 ones go with
    /// their bundles).
    fn upper_tiles(&self) -> impl Iterator<Item = (TilePath, Vec<u8>)> + '_ {
        self.tiles
            .iter()
            .filter(|(tile, _)| tile.level() > 0)
            .map(|(&tile, a)| (TilePath::Hashes(tile), a.data.clone()))
    }
}

/// Checks each entry of a bundle against its level-0 tile.
pub(super) fn check_bundle(bundle: BundleId, data: &[u8], tile: &[u8]) -> Result<(), String> {
    let tile_id = bundle.hash_tile();
    let hashes = decode_tile(tile_id, tile).map_err(|e| e.to_string())?;
    let entries = decode_bundle(bundle, data).map_err(|e| e.to_string())?;
    if entries.len() != hashes.len() {
        return Err(format!("{bundle} has {} entries, {tile_id} {}", entries.len(), hashes.len()));
    }
    let first = bundle.index() * u64::from(TILE_WIDTH);
    for (i, (entry, expected)) in entries.iter().zip(&hashes).enumerate() {
        let computed = leaf_hash(entry);
        if computed != *expected {
            return Err(format!(
                "{bundle}: entry {} hashes to {computed}; {tile_id} says {expected}",
                first + i as u64
            ));
        }
    }
    Ok(())
}

/// A bundle and its level-0 tile, as fetched.
struct Pair {
    bundle: BundleId,
    data: Vec<u8>,
    tile: Vec<u8>,
    /// Read from the directory, where an interrupted round left it.
    local: bool,
}

impl Pair {
    /// The indices of its first entry and of the entry after its last.
    fn entries(&self) -> (u64, u64) {
        let start = self.bundle.index() * u64::from(TILE_WIDTH);
        (start, start + u64::from(self.bundle.width()))
    }
}

/// A bundle and its tile: from the directory if an interrupted round
/// stored them (checked like any other), else from the log.
fn fetch_pair(
    storage: &FsStorage,
    source: &dyn Source,
    frame: &Frame,
    bundle: BundleId,
) -> anyhow::Result<Pair> {
    let paths = [TilePath::Entries(bundle), TilePath::Hashes(bundle.hash_tile())];
    if let Ok(found) = storage.read(&paths) {
        let mut found = found.into_iter();
        if let (Some(Some(data)), Some(Some(tile))) = (found.next(), found.next()) {
            return Ok(Pair { bundle, data, tile, local: true });
        }
    }
    fetch_remote(source, frame, bundle)
}

fn fetch_remote(source: &dyn Source, frame: &Frame, bundle: BundleId) -> anyhow::Result<Pair> {
    let data = required(source, TilePath::Entries(bundle))?;
    let tile = match frame.tiles.get(&bundle.hash_tile()) {
        Some(authenticated) => authenticated.data.clone(),
        None => required(source, TilePath::Hashes(bundle.hash_tile()))?,
    };
    Ok(Pair { bundle, data, tile, local: false })
}

/// Verified objects waiting to be written.
#[derive(Default)]
struct Pending {
    objects: Vec<(TilePath, Vec<u8>)>,
    bytes: usize,
}

impl Pending {
    /// Queues a verified pair, unless it is already stored.
    fn push(&mut self, pair: Pair) {
        if pair.local {
            return;
        }
        self.bytes += pair.data.len() + pair.tile.len();
        self.objects.push((TilePath::Entries(pair.bundle), pair.data));
        self.objects.push((TilePath::Hashes(pair.bundle.hash_tile()), pair.tile));
    }

    fn take(&mut self) -> Vec<(TilePath, Vec<u8>)> {
        self.bytes = 0;
        std::mem::take(&mut self.objects)
    }
}
