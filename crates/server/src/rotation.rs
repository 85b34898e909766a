//! Rotating the log's key (`truce rotate-key`): the operator's
//! `truce.log-key/v1` announcement and the key transition, appended by the
//! log's one writer while no server sequences it.
//!
//! The order of things makes an interruption harmless. The transition is
//! one commit: before it, nothing changed; after it, the log signs with the
//! new key. The key files of the data directory are replaced last; a server
//! started before that, with the retired key, refuses to start and names
//! the new key, and running the rotation again completes it without
//! appending anything.

use std::path::Path;

use serde_json::json;
use truce_entry::{Entry, EntryType, SignedEntry};
use truce_log::{LogKeys, LogStorage};
use truce_note::{Algorithm, KeyName, Signer, VerifierKey};
use truce_store::{EntryRow, QueryIndex};

use crate::data::DataDir;
use crate::ingest::Ingest;
use crate::state::Shared;
use crate::{Config, ServerError};

/// What a key rotation did.
#[derive(Clone, Debug)]
pub struct KeyRotation {
    /// The key the log signed with before.
    pub previous: VerifierKey,
    /// The key it signs with from `from_size` on.
    pub key: VerifierKey,
    /// The log index of the announcement.
    pub announcement: u64,
    /// The size of the transition checkpoint.
    pub from_size: u64,
    /// Whether the log had rotated to this key already (an interrupted
    /// rotation, run again): nothing was appended.
    pub resumed: bool,
    /// Whether the data directory's `keys/log.key` and `keys/log.vkey` now
    /// hold the new key. If not, the configuration's `log_key` (and
    /// `log_vkey`) must be changed before the server starts.
    pub key_files_replaced: bool,
}

/// Rotates the log's key to the key `new_key` names (a key file,
/// `env:NAME` or a PKCS#11 URI), with an announcement signed by
/// `operator`, an active operator of the log.
pub fn rotate_log_key(
    config: &Config,
    new_key: &str,
    operator: &dyn Signer,
    note: Option<&str>,
) -> Result<KeyRotation, ServerError> {
    let backends = config.backends()?;
    let storage = backends
        .open_reader()
        .map_err(|e| ServerError::Setup(format!("{}: {e}", backends.storage)))?;
    let origin = crate::stored_origin(storage.as_ref(), &backends)?;
    let name =
        KeyName::new(&origin).map_err(|e| ServerError::Setup(format!("the log's origin: {e}")))?;
    let signer = truce_store::open_signer(new_key, &name, Algorithm::Ed25519)
        .map_err(|e| ServerError::Setup(format!("--new-key: {e}")))?;
    let mut ingest = Ingest::for_rotation(config, &backends, &origin)?.ok_or_else(|| {
        ServerError::Setup(format!("a server is sequencing {}: stop it first", backends.storage))
    })?;
    let mut rotation = ingest.rotate_key(signer, operator, note)?;
    drop(ingest);
    rotation.key_files_replaced = replace_key_files(config, new_key, &rotation.key)?;
    Ok(rotation)
}

impl Ingest {
    /// Appends the announcement of a rotation to `new_key`, signed by
    /// `operator`, under the transition checkpoint, and indexes it.
    pub(crate) fn rotate_key(
        &mut self,
        new_key: Box<dyn Signer>,
        operator: &dyn Signer,
        note: Option<&str>,
    ) -> Result<KeyRotation, ServerError> {
        let key = new_key.verifier_key();
        let size = self.checkpoint().size();
        // The key the log signs with now: the new one already, if the
        // sequencer replayed this very rotation.
        let current = self.log_keys().current().clone();
        let resumed = current == key;
        let announcement = if resumed {
            // The log rotated to this key already; the sequencer takes it.
            Vec::new()
        } else {
            let mut json = json!({
                "type": "truce.log-key/v1",
                "origin": self.origin(),
                "previous": current.to_string(),
                "key": key.to_string(),
                "from_size": size + 1,
            });
            if let Some(note) = note {
                json["note"] = json!(note);
            }
            let entry = SignedEntry::sign_json(json.to_string().as_bytes(), &[operator])
                .map_err(|e| ServerError::Setup(format!("the announcement: {e}")))?;
            self.registry()
                .check(entry.as_bytes())
                .map_err(|e| ServerError::Setup(format!("--operator-key: {e}")))?;
            entry.as_bytes().to_vec()
        };
        let logged = self.append_rotation(&announcement, new_key)?;
        let previous = match resumed {
            true => self.previous_log_key(logged.index)?,
            false => current,
        };
        Ok(KeyRotation {
            previous,
            key,
            announcement: logged.index,
            from_size: logged.index + 1,
            resumed,
            key_files_replaced: false,
        })
    }
}

/// Replaces the data directory's key files with the new key, if the
/// configuration reads the log's key from them and the new key is a file.
fn replace_key_files(
    config: &Config,
    new_key: &str,
    key: &VerifierKey,
) -> Result<bool, ServerError> {
    let data = DataDir::new(&config.data);
    let default_layout = config.log_key.is_none() && config.log_vkey.is_none();
    let is_file = !truce_store::Pkcs11Uri::is_one(new_key) && !new_key.starts_with("env:");
    if !default_layout || !is_file {
        return Ok(false);
    }
    let setup = |what: &Path, e: &dyn std::fmt::Display| {
        ServerError::Setup(format!("{}: {e}", what.display()))
    };
    if Path::new(new_key) != data.log_key() {
        let signing = DataDir::read_key(Path::new(new_key))?;
        let aside = data.log_key().with_extension("key.new");
        let _ = std::fs::remove_file(&aside);
        truce_store::write_key_file(&aside, &signing).map_err(|e| setup(&aside, &e))?;
        std::fs::rename(&aside, data.log_key()).map_err(|e| setup(&data.log_key(), &e))?;
    }
    truce_store::replace_file(&data.log_vkey(), format!("{key}\n").as_bytes())
        .map_err(|e| setup(&data.log_vkey(), &e))?;
    Ok(true)
}

/// One key of the log's history.
#[derive(Clone, Debug)]
pub(crate) struct KeyPeriod {
    /// The key.
    pub(crate) key: VerifierKey,
    /// The first tree size it signs.
    pub(crate) from_size: u64,
    /// The announcement and the transition checkpoint that began its
    /// period (none for the log's first key).
    pub(crate) transition: Option<(u64, Vec<u8>)>,
}

/// The keys the log has signed with, oldest first, as its
/// `truce.log-key/v1` entries and their transition checkpoints say. The
/// server vouches for nothing here: a reader verifies each transition with
/// the key before it ([`truce_log::LogKeys::follow`]).
pub(crate) fn key_history(shared: &Shared) -> Result<Vec<KeyPeriod>, ServerError> {
    let rows = shared.with_index(announcements)?;
    history(rows, shared.storage.as_ref(), shared.log_key())
}

/// Follows the rotations the log's index lists after the key `keys` holds
/// now, each verified with the key before it. Whether any was followed.
pub(crate) fn follow_rotations(
    keys: &mut LogKeys,
    index: &dyn QueryIndex,
    storage: &dyn LogStorage,
) -> Result<bool, ServerError> {
    let rows = announcements(index).map_err(|e| ServerError::Unavailable(e.to_string()))?;
    let history = history(rows, storage, keys.current().clone())?;
    let Some(start) = history.iter().position(|period| period.key == *keys.current()) else {
        return Ok(false);
    };
    let mut followed = false;
    for (_, transition) in history[start + 1..].iter().filter_map(|p| p.transition.as_ref()) {
        let key = keys
            .follow(transition)
            .map_err(|e| ServerError::Setup(format!("the log's key history does not hold: {e}")))?;
        tracing::info!(key = %key, "followed a rotation of the log's key");
        followed = true;
    }
    Ok(followed)
}

/// The log's `truce.log-key/v1` entries.
fn announcements(index: &dyn QueryIndex) -> Result<Vec<EntryRow>, truce_store::IndexError> {
    index.entries_of_type(EntryType::LogKey, None, MAX_ROTATIONS)
}

/// The key periods the announcements make, with their transition
/// checkpoints from the storage's history; a log without any has only
/// `key`.
fn history(
    rows: Vec<EntryRow>,
    storage: &dyn LogStorage,
    key: VerifierKey,
) -> Result<Vec<KeyPeriod>, ServerError> {
    let unavailable = |e: &dyn std::fmt::Display| ServerError::Unavailable(e.to_string());
    let mut history = Vec::with_capacity(rows.len() + 1);
    for row in rows {
        let Ok(Entry::LogKey(announcement)) = Entry::parse(row.json.as_bytes()) else {
            return Err(ServerError::Setup(format!("entry {} is not a log key", row.index)));
        };
        let from_size = announcement.from_size.0;
        let transition = storage
            .read_checkpoint_at(from_size)
            .map_err(|e| unavailable(&e))?
            .ok_or_else(|| unavailable(&format!("the checkpoint of size {from_size} is gone")))?;
        if history.is_empty() {
            history.push(KeyPeriod {
                key: announcement.previous.0,
                from_size: 0,
                transition: None,
            });
        }
        history.push(KeyPeriod {
            key: announcement.key.0,
            from_size,
            transition: Some((row.index, transition)),
        });
    }
    if history.is_empty() {
        history.push(KeyPeriod { key, from_size: 0, transition: None });
    }
    Ok(history)
}

/// More rotations than any log makes; a page of the index.
const MAX_ROTATIONS: u32 = 1000;
