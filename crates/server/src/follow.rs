//! Following the index: what a server that does not sequence serves.
//!
//! A read-only replica, or a standby, serves the checkpoint the query
//! index covers (recorded with each group the sequencer indexes) and the
//! latest witnessed checkpoint, both read from the index and verified with
//! the log's key. So a reader never sees a checkpoint the index does not
//! cover, on any server, and a client reads its own write from any server
//! once that server's checkpoint covers it.

use std::sync::Arc;

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

/// Publishes the index's checkpoint and witnessed checkpoint when newer.
fn follow(shared: &Shared) -> Result<(), ServerError> {
    let (checkpoint, witnessed) = shared.with_index(|i| Ok((i.checkpoint()?, i.witnessed()?)))?;
    if let Some(bytes) = checkpoint {
        let checkpoint = verified(&bytes, &shared.log_key, &shared.origin)?;
        if checkpoint.size() > shared.checkpoint().size() {
            shared.set_checkpoint(Arc::new(checkpoint));
        }
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
/// starts before the sequencer indexed anything waits for it.
pub(crate) fn first_checkpoint(
    config: &Config,
    backends: &Backends,
    origin: &str,
    log_key: &VerifierKey,
) -> Result<truce_log::VerifiedCheckpoint, ServerError> {
    let unavailable = |e: truce_store::IndexError| ServerError::Unavailable(e.to_string());
    let index = backends.index.open_index(origin).map_err(unavailable)?;
    let mut waited = false;
    loop {
        if let Some(bytes) = index.checkpoint().map_err(unavailable)? {
            return verified(&bytes, log_key, origin);
        }
        if !waited {
            tracing::info!("waiting until the sequencer indexed the log");
            waited = true;
        }
        std::thread::sleep(config.follow_interval());
    }
}
