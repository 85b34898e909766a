//! A transparency log witness (C2SP [tlog-witness]).
//!
//! A witness keeps, for each log it follows, the latest checkpoint it
//! cosigned. It cosigns a new checkpoint only if the log signed it and a
//! consistency proof shows that it extends that latest one: so no two
//! parties can be shown different histories, each cosigned by the same
//! witness. Cosignatures are Ed25519 [tlog-cosignature]/v1.
//!
//! A witness follows a log's key rotation by itself. When it cosigns a key
//! transition (a checkpoint with a `truce-log-key` line, signed by the key
//! it trusts and by the key it names), it trusts only the named key for
//! larger trees from then on, across restarts ([`Witness::key_transitions`]).
//! That is safe because the retiring key vouches for its successor, and the
//! witness never goes back: a retired key, stolen or not, cannot get it to
//! cosign a larger tree.
//!
//! [`Witness::add_checkpoint`] is the whole protocol; [`router`] serves it
//! over HTTP (`POST /add-checkpoint`, and `GET /<origin hash>/checkpoint`
//! for monitors). The state is written durably before any reply, and the
//! check of the old size and the update of the state are one step under a
//! lock, so concurrent requests cannot roll a log back.
//!
//! ```no_run
//! use truce_note::SigningKey;
//! use truce_witness::Witness;
//!
//! let key = SigningKey::generate_cosigner("witness.example/w1")?;
//! let log_key = "mission.example/log+1a2b3c4d+AV...".parse()?;
//! let witness = Witness::open(key, [log_key], "/var/lib/witness".as_ref())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [tlog-witness]: https://c2sp.org/tlog-witness
//! [tlog-cosignature]: https://c2sp.org/tlog-cosignature
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod http;
mod journal;
mod keys;
mod request;

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use truce_log::{EMPTY_ROOT, verify_consistency_allowing_empty};
use truce_note::{
    MalformedNote, NoteError, NoteSignature, Signer, UnverifiedNote, VerifierKey, VerifierSet,
};

use crate::keys::{TrustedKeys, Verified};

pub use crate::http::router;
pub use crate::journal::{JournalError, Recorded};
pub use crate::keys::KeyTransition;
pub use crate::request::{AddCheckpoint, MAX_PROOF_LINES};

/// Why a checkpoint was not cosigned, with the HTTP status the protocol
/// gives it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AddError {
    /// 400: the body is malformed, or the old size is above the
    /// checkpoint's.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 404: the witness does not follow this log.
    #[error("unknown log {0:?}")]
    UnknownOrigin(String),
    /// 403: no valid signature by a key the witness trusts for the log at
    /// the checkpoint's size, or an invalid one; or a key transition that
    /// the key it names did not sign, that names no key the log can sign
    /// with, that no retiring key signed, or that goes back.
    #[error("invalid signature: {0}")]
    Forbidden(String),
    /// 409: the old size is not the size the witness last cosigned.
    #[error("the witness last cosigned size {0}")]
    Conflict(u64),
    /// 422: the consistency proof does not verify, or a size-0 checkpoint
    /// has a root other than the empty tree's.
    #[error("inconsistent: {0}")]
    Unprocessable(String),
    /// 500: the state could not be written; nothing was cosigned.
    #[error("witness state: {0}")]
    Storage(#[from] std::io::Error),
    /// 503: the clock reads earlier than the latest cosignature: a
    /// timestamp now would claim the log was seen earlier than it was.
    #[error(
        "the witness's clock reads {now}, earlier than its latest cosignature at {latest}: \
         it cosigns again once its clock is past that"
    )]
    ClockBehind {
        /// What the clock reads, in Unix seconds.
        now: u64,
        /// The latest timestamp in a cosignature, in Unix seconds.
        latest: u64,
    },
}

impl AddError {
    /// The HTTP status code of the tlog-witness protocol.
    pub fn status(&self) -> u16 {
        match self {
            AddError::BadRequest(_) => 400,
            AddError::UnknownOrigin(_) => 404,
            AddError::Forbidden(_) => 403,
            AddError::Conflict(_) => 409,
            AddError::Unprocessable(_) => 422,
            AddError::Storage(_) => 500,
            AddError::ClockBehind { .. } => 503,
        }
    }
}

/// A witness: its key, the logs it follows, and its durable state.
pub struct Witness {
    /// Its cosignature key: in memory, or in a PKCS#11 token.
    key: Box<dyn Signer>,
    /// The keys trusted for each log the witness follows. Requests verify
    /// with a snapshot, outside the state's lock; a transition replaces
    /// the snapshot under that lock, and a request that verified with an
    /// older one verifies again under it.
    logs: BTreeMap<String, RwLock<Arc<TrustedKeys>>>,
    state: Mutex<State>,
    /// The journal, for syncing outside the lock.
    syncer: File,
    /// Set when a write or sync failed: what is on disk is then unknown,
    /// and the witness cosigns nothing more until it is reopened.
    broken: AtomicBool,
}

struct State {
    /// What the checks go by: the latest checkpoint cosigned (durable, or
    /// about to be synced by the request that cosigned it).
    latest: BTreeMap<String, Recorded>,
    /// What monitors see: only records known to be durable, so that no
    /// cosignature leaves before its state is safe.
    durable: BTreeMap<String, Recorded>,
    journal: journal::Journal,
    /// The latest timestamp the witness put in a cosignature, for any log:
    /// a cosignature never claims an earlier time than one before it, as a
    /// clock set back would make it (and a timestamp is a claim that the
    /// checkpoint existed by then).
    latest_time: u64,
}

impl Witness {
    /// Opens a witness with key `key` (a cosignature key, in memory or in
    /// a token), following the
    /// logs of `log_keys` (each key's name is its log's origin; a log may
    /// have several), with its state in `state_dir`. The key transitions
    /// it cosigned are followed again from the configured keys.
    pub fn open(
        key: impl Signer + 'static,
        log_keys: impl IntoIterator<Item = VerifierKey>,
        state_dir: &Path,
    ) -> Result<Witness, JournalError> {
        let key: Box<dyn Signer> = Box::new(key);
        let mut configured: BTreeMap<String, Vec<VerifierKey>> = BTreeMap::new();
        for log_key in log_keys {
            let keys = configured.entry(log_key.name().as_str().to_owned()).or_default();
            if !keys.contains(&log_key) {
                keys.push(log_key);
            }
        }
        let journal::Contents { journal, latest, transitions } = journal::Journal::open(state_dir)?;
        let logs = configured
            .into_iter()
            .map(|(origin, keys)| {
                let trusted = TrustedKeys::replay(&origin, keys, transitions.get(&origin));
                (origin, RwLock::new(Arc::new(trusted)))
            })
            .collect();
        let syncer = journal.syncer()?;
        let latest_time = latest_timestamp(&key.verifier_key(), latest.values());
        let state = State { durable: latest.clone(), latest, journal, latest_time };
        Ok(Witness { key, logs, state: Mutex::new(state), syncer, broken: AtomicBool::new(false) })
    }

    /// The witness's verifier key.
    pub fn verifier_key(&self) -> VerifierKey {
        self.key.verifier_key()
    }

    /// Handles an `add-checkpoint` request body: checks it, records the
    /// checkpoint durably, and returns the cosignature lines. A key
    /// transition is followed once it is recorded.
    pub fn add_checkpoint(&self, body: &[u8]) -> Result<String, AddError> {
        let request = AddCheckpoint::parse(body).map_err(|e| AddError::BadRequest(e.to_owned()))?;
        let note = UnverifiedNote::parse(&request.checkpoint).map_err(|e| match e {
            // A signature line that cannot be decoded is a signature that
            // does not verify (a spec vector has one with a flipped bit).
            NoteError::Malformed(MalformedNote::BadSignatureLine { .. }) => {
                AddError::Forbidden(e.to_string())
            }
            e => AddError::BadRequest(e.to_string()),
        })?;
        let origin = note.text_unverified().lines().next().unwrap_or_default().to_owned();
        let log = self.logs.get(&origin).ok_or_else(|| AddError::UnknownOrigin(origin.clone()))?;
        let keys = Arc::clone(&log.read().unwrap_or_else(|p| p.into_inner()));
        let mut verified = keys.verify(&request.checkpoint)?;
        let (size, root) = (verified.checkpoint.size(), verified.checkpoint.root());
        if request.old > size {
            return Err(AddError::BadRequest(format!(
                "old size {} is larger than the checkpoint's size {size}",
                request.old
            )));
        }

        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if self.broken.load(Ordering::SeqCst) {
            return Err(AddError::Storage(std::io::Error::other(
                "an earlier write failed: restart the witness",
            )));
        }
        // Transitions are followed under this lock, so the keys read now
        // stay current until it is released.
        let current = Arc::clone(&log.read().unwrap_or_else(|p| p.into_inner()));
        if !Arc::ptr_eq(&current, &keys) {
            verified = current.verify(&request.checkpoint)?;
        }
        let (known_size, known_root) =
            state.latest.get(&origin).map_or((0, EMPTY_ROOT), |r| (r.size, r.root));
        if request.old != known_size {
            return Err(AddError::Conflict(known_size));
        }
        if size == 0 && root != EMPTY_ROOT {
            return Err(AddError::Unprocessable(
                "a size-0 checkpoint must have the empty root".into(),
            ));
        }
        // SPEC(tlog-witness): from old size 0 only an empty proof; at the
        // same size, the same root (an empty proof then proves that).
        verify_consistency_allowing_empty(known_size, size, &request.proof, &known_root, &root)
            .map_err(|e| AddError::Unprocessable(format!("consistency proof: {e}")))?;
        let transition = current.transition(&verified)?;

        let time = now();
        if time < state.latest_time {
            return Err(AddError::ClockBehind { now: time, latest: state.latest_time });
        }
        let body = verified.checkpoint.checkpoint().body();
        let cosignature = truce_note::cosign(self.key.as_ref(), &body, time)
            .map_err(|e| AddError::BadRequest(e.to_string()))?;
        let recorded =
            Recorded { size, root, note: recorded_note(&verified, cosignature.clone())? };
        if let Err(e) = state.journal.append(&recorded.note) {
            self.broken.store(true, Ordering::SeqCst);
            return Err(e.into());
        }
        if let Some(transition) = transition {
            tracing::info!(
                origin = %origin,
                size = transition.size,
                key = %transition.key,
                "followed the log's key transition: larger checkpoints must be signed by the new key"
            );
            *log.write().unwrap_or_else(|p| p.into_inner()) =
                Arc::new(current.following(transition));
        }
        state.latest.insert(origin.clone(), recorded.clone());
        state.latest_time = time;
        drop(state);
        // Durable before the reply. A later request may already have
        // checked against this state: its reply waits for its own sync,
        // which covers this record too. If the sync fails, the process
        // cannot know what is on disk: it must stop and reopen the journal.
        if let Err(e) = self.syncer.sync_data() {
            self.broken.store(true, Ordering::SeqCst);
            return Err(e.into());
        }
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.durable.get(&origin).is_none_or(|d| d.size <= size) {
            state.durable.insert(origin, recorded);
        }
        Ok(cosignature.to_line())
    }

    /// The key transitions the witness followed for `origin`, oldest
    /// first: from each one's size on, only the key it names signs.
    pub fn key_transitions(&self, origin: &str) -> Vec<KeyTransition> {
        self.logs.get(origin).map_or_else(Vec::new, |log| {
            log.read().unwrap_or_else(|p| p.into_inner()).followed().to_vec()
        })
    }

    /// What the witness last cosigned for the log whose origin hashes (by
    /// SHA-256, in lower-case hex) to `origin_hash`: for monitors.
    pub fn latest(&self, origin_hash: &str) -> Option<Recorded> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state
            .durable
            .iter()
            .find(|(origin, _)| origin_hash_hex(origin) == origin_hash)
            .map(|(_, r)| r.clone())
    }

    /// What the witness last cosigned, durably, for `origin`.
    pub fn latest_of(&self, origin: &str) -> Option<Recorded> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.durable.get(origin).cloned()
    }
}

/// The lower-case hex SHA-256 of an origin: its path on a witness's
/// monitoring prefix.
pub fn origin_hash_hex(origin: &str) -> String {
    Sha256::digest(origin.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The checkpoint as the witness records it and shows monitors: the log's
/// signatures that verified (for a key transition, with the signature of
/// the key it names, which [`truce_log::VerifiedCheckpoint::next_key`]
/// verified, so that the transition verifies again when the witness
/// reopens) and the witness's cosignature; nothing unchecked.
fn recorded_note(verified: &Verified, cosignature: NoteSignature) -> Result<Vec<u8>, AddError> {
    let checked: Vec<&VerifierKey> = (verified.checkpoint.note().verified().iter())
        .map(|s| s.key())
        .chain(&verified.next_key)
        .collect();
    let mut note = verified.checkpoint.note().clone().into_unverified();
    note.retain_signatures(|s| {
        checked.iter().any(|key| key.name().as_str() == s.name() && key.id() == s.id())
    });
    note.add_signature(cosignature).map_err(|e| AddError::BadRequest(e.to_string()))?;
    Ok(note.to_bytes())
}

/// The latest timestamp of `key`'s cosignatures in `recorded` notes; 0 if
/// there are none.
fn latest_timestamp<'r>(key: &VerifierKey, recorded: impl Iterator<Item = &'r Recorded>) -> u64 {
    let mut own = VerifierSet::new();
    own.insert(key.clone());
    recorded
        .filter_map(|r| UnverifiedNote::parse(&r.note).ok()?.verify(&own).ok())
        .filter_map(|note| note.verified().iter().filter_map(|s| s.timestamp()).max())
        .max()
        .unwrap_or(0)
}

/// Seconds since the Unix epoch; never 0, which a cosignature may not
/// carry.
fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(1, |d| d.as_secs().max(1))
}
