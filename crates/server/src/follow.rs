//! Following the index: what a server that does not sequence serves.
//!
//! A read-only replica, or a standby, serves the checkpoint the query
//! index covers (recorded with each group the sequencer indexes) and the
//! latest witnessed checkpoint, both read from the index and verified with
//! the log's key. So a reader never sees a checkpoint the index does not
//! cover, on any server, and a client reads its own write from any server
//! once that server's checkpoint covers it. When the index covers less
//! than the checkpoint served (it is being rebuilt), the checkpoint stays
//! (it never goes back) and reads of the index are refused until the index
//! covers it again.
//!
//! It also never serves a checkpoint beyond the one the storage it reads
//! holds: a log directory's writer in another process publishes a commit
//! to the index as soon as its journal holds it, and writes the tiles and
//! the checkpoint file out a moment later.
//!
//! Checkpoints are verified with the log's key at their size. When the
//! log's key was rotated (`truce rotate-key`), the first checkpoint signed
//! by the new key does not verify with the key configured here: the
//! rotations the index lists are followed, each transition verified with
//! the key before it, and the server goes on with the new key.

use std::sync::Arc;

use truce_log::{LogKeys, LogStorage, VerifiedCheckpoint};
use truce_store::Backends;

use crate::config::Config;
use crate::rotation::follow_rotations;
use crate::state::Shared;
use crate::witnessing::Witnessed;
use crate::{ServerError, verified};

/// Follows the index until the server closes, while it does not sequence.
pub(crate) fn run(shared: Arc<Shared>) {
    let interval = shared.config.follow_interval();
    // Said once for as long as it stays the same, not four times a second.
    let mut said: Option<String> = None;
    while !shared.is_closed() {
        if !shared.is_sequencing() {
            match follow(&shared) {
                Ok(()) => said = None,
                Err(e) => {
                    let error = e.to_string();
                    if said.as_ref() != Some(&error) {
                        tracing::warn!(error, "cannot follow the index");
                        said = Some(error);
                    }
                }
            }
        }
        std::thread::sleep(interval);
    }
}

/// Publishes the index's checkpoint and witnessed checkpoint when newer,
/// and notes when the index covers less than the checkpoint served (it is
/// being rebuilt): the checkpoint never goes back, reads wait instead.
fn follow(shared: &Shared) -> Result<(), ServerError> {
    let (indexed, checkpoint, witnessed) =
        shared.with_any_index(|i| Ok((i.indexed_size()?, i.checkpoint()?, i.witnessed()?)))?;
    shared.set_index_behind(indexed < shared.checkpoint().size());
    let storage = shared.storage.as_ref();
    let mut keys = shared.log_keys();
    let servable = match servable(checkpoint.clone(), storage, &keys) {
        Err(e) => {
            let followed = shared
                .with_any_index(|index| Ok(follow_rotations(&mut keys, index, storage)))??;
            if !followed {
                return Err(e);
            }
            shared.set_log_keys(keys.clone());
            servable(checkpoint, storage, &keys)?
        }
        servable => servable?,
    };
    if let Some(checkpoint) = servable
        && checkpoint.size() > shared.checkpoint().size()
    {
        shared.set_checkpoint(Arc::new(checkpoint));
    }
    if let Some(note) = witnessed {
        let checkpoint = verified(&note, &keys)?;
        let newer = shared.witnessed().is_none_or(|w| w.size < checkpoint.size());
        if newer && checkpoint.size() <= shared.checkpoint().size() {
            shared.set_witnessed(Witnessed { size: checkpoint.size(), note });
        }
    }
    Ok(())
}

/// The checkpoint the index covers, once it covers one: a server that
/// starts before a sequencer created and filled the index waits for it.
pub(crate) fn first_checkpoint(
    config: &Config,
    backends: &Backends,
    origin: &str,
    keys: &mut LogKeys,
) -> Result<truce_log::VerifiedCheckpoint, ServerError> {
    let started = std::time::Instant::now();
    let mut said = None;
    loop {
        if let Some(checkpoint) = indexed_checkpoint(backends, origin, keys)? {
            return Ok(checkpoint);
        }
        // Said at once, then every half minute: a server waiting for a
        // sequencer that never comes should not look like one that hangs.
        let waited = started.elapsed().as_secs() / 30;
        if said != Some(waited) {
            tracing::warn!(
                waited_secs = started.elapsed().as_secs(),
                index = %backends.index,
                "waiting until a sequencing server indexes the log"
            );
            said = Some(waited);
        }
        std::thread::sleep(config.follow_interval());
    }
}

/// The checkpoint the index covers, if there is an index with one.
pub(crate) fn indexed_checkpoint(
    backends: &Backends,
    origin: &str,
    keys: &mut LogKeys,
) -> Result<Option<VerifiedCheckpoint>, ServerError> {
    let unavailable = |e: truce_store::IndexError| ServerError::Unavailable(e.to_string());
    let index = match backends.index.open_index_reader(origin) {
        Ok(index) => index,
        Err(truce_store::IndexError::Missing) => return Ok(None),
        Err(e) => return Err(unavailable(e)),
    };
    let storage = backends
        .open_reader()
        .map_err(|e| ServerError::Unavailable(format!("{}: {e}", backends.storage)))?;
    let indexed = index.checkpoint().map_err(unavailable)?;
    let found = servable(indexed.clone(), storage.as_ref(), keys);
    if found.is_err() && follow_rotations(keys, index.as_ref(), storage.as_ref())? {
        return servable(indexed, storage.as_ref(), keys);
    }
    found
}

/// The checkpoint the storage holds, verified: what a server that cannot
/// read the index serves (its tiles are there).
pub(crate) fn stored_checkpoint(
    storage: &dyn LogStorage,
    keys: &LogKeys,
) -> Result<VerifiedCheckpoint, ServerError> {
    let bytes = storage
        .read_checkpoint()
        .map_err(|e| ServerError::Unavailable(format!("the log's checkpoint: {e}")))?
        .ok_or_else(|| ServerError::Setup("the log has no checkpoint".into()))?;
    verified(&bytes, keys)
}

/// Of the checkpoint the index covers and the one the storage holds, the
/// smaller, verified: the checkpoint whose entries both the index and the
/// tiles have.
fn servable(
    indexed: Option<Vec<u8>>,
    storage: &dyn LogStorage,
    keys: &LogKeys,
) -> Result<Option<VerifiedCheckpoint>, ServerError> {
    let Some(indexed) = indexed else { return Ok(None) };
    let indexed = verified(&indexed, keys)?;
    let stored = storage
        .read_checkpoint()
        .map_err(|e| ServerError::Unavailable(format!("the log's checkpoint: {e}")))?;
    Ok(Some(match stored {
        Some(bytes) => {
            let stored = verified(&bytes, keys)?;
            if stored.size() < indexed.size() { stored } else { indexed }
        }
        None => indexed,
    }))
}
