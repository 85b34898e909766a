//! The commits a log directory's writer made durable in its journal and
//! has not written out yet: the newest version of each tile and bundle
//! they changed, and their checkpoints. Readers in the same process look
//! here before the directory, so they see a commit as soon as it is
//! durable.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use truce_log::{TilePath, cut_to_width};

/// A tile or bundle, whatever its width.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum TileKey {
    Hashes { level: u8, index: u64 },
    Entries { index: u64 },
}

impl TileKey {
    /// The key of a tile or bundle, and its width.
    fn of(path: &TilePath) -> Option<(TileKey, u16)> {
        match path {
            TilePath::Hashes(tile) => {
                Some((TileKey::Hashes { level: tile.level(), index: tile.index() }, tile.width()))
            }
            TilePath::Entries(bundle) => {
                Some((TileKey::Entries { index: bundle.index() }, bundle.width()))
            }
            _ => None,
        }
    }
}

/// A tile or bundle with its path.
pub(super) type Object = (TilePath, Vec<u8>);

/// The commits not written out yet, shared by a writer and the readers of
/// the same log in one process (see [`crate::Backends`]).
#[derive(Debug, Default)]
pub struct Unwritten {
    state: Mutex<State>,
    /// Signalled when enough is waiting to be written out, or the writer
    /// stops.
    wake: Condvar,
}

#[derive(Debug, Default)]
struct State {
    /// The newest version of every tile and bundle changed.
    objects: HashMap<TileKey, Arc<Object>>,
    /// The checkpoints, oldest first, with the bytes of their commits.
    checkpoints: Vec<(u64, Arc<[u8]>, usize)>,
    /// The bytes of the commits not written out.
    bytes: usize,
    /// Set when the writer stops.
    stopping: bool,
}

/// What one round of writing out takes: the objects and checkpoints up to
/// the newest checkpoint at the time.
#[derive(Debug)]
pub(super) struct Snapshot {
    pub(super) objects: Vec<Arc<Object>>,
    pub(super) checkpoints: Vec<(u64, Arc<[u8]>)>,
}

impl Snapshot {
    /// The newest checkpoint, with its size.
    pub(super) fn latest(&self) -> (u64, &[u8]) {
        let (size, checkpoint) = self.checkpoints.last().expect("a snapshot has a checkpoint");
        (*size, checkpoint)
    }
}

impl Unwritten {
    /// Nothing unwritten.
    pub fn new() -> Arc<Unwritten> {
        Arc::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a durable commit of `bytes` bytes: its objects and checkpoint.
    /// Wakes the writer-out once `wake_at` bytes are waiting.
    pub(super) fn insert(
        &self,
        objects: &[Object],
        size: u64,
        checkpoint: &[u8],
        bytes: usize,
        wake_at: usize,
    ) {
        let mut state = self.state();
        for object in objects {
            if let Some((key, _)) = TileKey::of(&object.0) {
                state.objects.insert(key, Arc::new(object.clone()));
            }
        }
        if state.checkpoints.last().is_none_or(|(last, _, _)| *last < size) {
            state.checkpoints.push((size, checkpoint.into(), bytes));
            state.bytes += bytes;
        }
        if state.bytes >= wake_at {
            self.wake.notify_all();
        }
    }

    /// The object at `path`, cut from a wider version of it if need be.
    pub(super) fn read(&self, path: &TilePath) -> Option<Vec<u8>> {
        let (key, width) = TileKey::of(path)?;
        let object = self.state().objects.get(&key)?.clone();
        let (held, data) = &*object;
        match TileKey::of(held)?.1 {
            w if w == width => Some(data.clone()),
            w if w > width => cut_to_width(path, data.clone()),
            _ => None,
        }
    }

    /// The checkpoint of tree size `size`, if it is not written out yet.
    pub(super) fn checkpoint_at(&self, size: u64) -> Option<Vec<u8>> {
        let state = self.state();
        let found = state.checkpoints.binary_search_by_key(&size, |(s, _, _)| *s).ok()?;
        Some(state.checkpoints[found].1.to_vec())
    }

    /// The bytes of the commits waiting to be written out.
    pub(super) fn bytes(&self) -> usize {
        self.state().bytes
    }

    /// Everything waiting, if anything is.
    pub(super) fn snapshot(&self) -> Option<Snapshot> {
        let state = self.state();
        if state.checkpoints.is_empty() {
            return None;
        }
        Some(Snapshot {
            objects: state.objects.values().cloned().collect(),
            checkpoints: state.checkpoints.iter().map(|(s, c, _)| (*s, c.clone())).collect(),
        })
    }

    /// Forgets what `snapshot` held, now written out: the objects that were
    /// not replaced since, and its checkpoints.
    pub(super) fn written(&self, snapshot: &Snapshot) {
        let (size, _) = snapshot.latest();
        let mut state = self.state();
        for object in &snapshot.objects {
            let Some((key, _)) = TileKey::of(&object.0) else { continue };
            if state.objects.get(&key).is_some_and(|held| Arc::ptr_eq(held, object)) {
                state.objects.remove(&key);
            }
        }
        let done = state.checkpoints.partition_point(|(s, _, _)| *s <= size);
        let freed: usize = state.checkpoints.drain(..done).map(|(_, _, bytes)| bytes).sum();
        state.bytes -= freed;
    }

    /// Waits up to `timeout` for `wake_at` bytes to be waiting or the
    /// writer to stop; says whether it is stopping.
    pub(super) fn wait(&self, timeout: Duration, wake_at: usize) -> bool {
        let state = self.state();
        let (state, _) = self
            .wake
            .wait_timeout_while(state, timeout, |s| !s.stopping && s.bytes < wake_at)
            .unwrap_or_else(|p| p.into_inner());
        state.stopping
    }

    /// Tells the writer-out to stop (`true`), or that a writer starts.
    pub(super) fn set_stopping(&self, stopping: bool) {
        self.state().stopping = stopping;
        self.wake.notify_all();
    }
}
