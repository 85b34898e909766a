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

use std::sync::Arc;

use truce_log::{LogStorage, VerifiedCheckpoint};
use truce_note::VerifierKey;
use truce_store::Backends;

use crate::config::Config;
use crate::state::Shared;
use crate::witnessing::Witnessed;
use crate::{ServerError, verified};

/// Follows the index until the server closes, while it does not sequence.
pub(crate) fn run(shared: Arc<Shared>) {
    let interval = shared.config.follow_interval();
    while !shared.is_closed() {
        if !shared.is_sequencing()
            && let Err(e) = follow(&shared)
        {
            tracing::warn!(error = %e, "cannot follow the index");
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
    let servable = servable(checkpoint, shared.storage.as_ref(), &shared.log_key, &shared.origin)?;
    if let Some(checkpoint) = servable
        && checkpoint.size() > shared.checkpoint().size()
    {
        shared.set_checkpoint(Arc::new(checkpoint));
    }
    if let Some(note) = witnessed {
        let checkpoint = verified(&note, &shared.log_key, &shared.origin)?;
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
    log_key: &VerifierKey,
) -> Result<truce_log::VerifiedCheckpoint, ServerError> {
    let unavailable = |e: truce_store::IndexError| ServerError::Unavailable(e.to_string());
    let started = std::time::Instant::now();
    let mut said = None;
    loop {
        match backends.index.open_index_reader(origin) {
            Ok(index) => {
                let storage = backends
                    .open_reader()
                    .map_err(|e| ServerError::Unavailable(format!("{}: {e}", backends.storage)))?;
                let indexed = index.checkpoint().map_err(unavailable)?;
                if let Some(checkpoint) = servable(indexed, storage.as_ref(), log_key, origin)? {
                    return Ok(checkpoint);
                }
            }
            Err(truce_store::IndexError::Missing) => {}
            Err(e) => return Err(unavailable(e)),
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

/// Of the checkpoint the index covers and the one the storage holds, the
/// smaller, verified: the checkpoint whose entries both the index and the
/// tiles have.
fn servable(
    indexed: Option<Vec<u8>>,
    storage: &dyn LogStorage,
    log_key: &VerifierKey,
    origin: &str,
) -> Result<Option<VerifiedCheckpoint>, ServerError> {
    let Some(indexed) = indexed else { return Ok(None) };
    let indexed = verified(&indexed, log_key, origin)?;
    let stored = storage
        .read_checkpoint()
        .map_err(|e| ServerError::Unavailable(format!("the log's checkpoint: {e}")))?;
    Ok(Some(match stored {
        Some(bytes) => {
            let stored = verified(&bytes, log_key, origin)?;
            if stored.size() < indexed.size() { stored } else { indexed }
        }
        None => indexed,
    }))
}
