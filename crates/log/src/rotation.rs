//! Rotating a log's key: transition checkpoints, and the chain of keys they
//! make.
//!
//! A log changes its key with one *transition checkpoint*: an ordinary
//! checkpoint with one extension line, `truce-log-key <verifier key>`,
//! signed by the key it retires and by the key it names. The old key's
//! signature says "from this size on, my successor is that key"; the new
//! key's signature shows the log holds it. Every later checkpoint is signed
//! by the new key alone.
//!
//! Whoever trusts the old key can therefore follow the rotation with
//! nothing but the transition checkpoint, without trusting the server that
//! hands it over: a witness does so when it is asked to cosign one, a client
//! when it meets a checkpoint its key cannot verify ([`LogKeys::follow`]).
//! A checkpoint is verified with the key current at its size
//! ([`LogKeys::verify`]): once a log has rotated, the retired key cannot
//! sign a larger tree that the followers accept, stolen or not.
//!
//! SPEC(tlog-checkpoint): extension lines are opaque to clients that do not
//! know them, so a client of any other implementation that was told the new
//! key verifies every checkpoint as usual.

use truce_note::{Algorithm, NoteError, UnverifiedNote, VerifierKey};

use crate::checkpoint::{Checkpoint, CheckpointError, VerifiedCheckpoint};

/// The first word of the extension line that names a log's next key.
pub const KEY_LINE: &str = "truce-log-key";

/// The extension line of a transition checkpoint to `key`.
pub fn key_line(key: &VerifierKey) -> String {
    format!("{KEY_LINE} {key}")
}

/// Why a key transition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RotationError {
    /// The checkpoint does not verify with the key current at its size.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The checkpoint names no next key.
    #[error("the checkpoint of size {size} is not a key transition")]
    NotATransition {
        /// Its size.
        size: u64,
    },
    /// The `truce-log-key` line is malformed, repeated, or names a key that
    /// cannot sign for the log.
    #[error("the key transition at size {size}: {problem}")]
    BadTransition {
        /// The size of the transition checkpoint.
        size: u64,
        /// What is wrong.
        problem: String,
    },
    /// The checkpoint is older than the last transition followed.
    #[error("the key transition at size {size} is before the one at size {latest}")]
    OutOfOrder {
        /// Its size.
        size: u64,
        /// The size of the last transition followed.
        latest: u64,
    },
}

impl VerifiedCheckpoint {
    /// The next key this checkpoint names, if it is a key transition: the
    /// `truce-log-key` line's key, which must have signed the checkpoint
    /// too (strictly, like every signature).
    pub fn next_key(&self) -> Result<Option<VerifierKey>, RotationError> {
        let checkpoint = self.checkpoint();
        let bad =
            |problem: String| RotationError::BadTransition { size: checkpoint.size(), problem };
        let mut lines = checkpoint
            .extensions()
            .iter()
            .filter_map(|line| line.strip_prefix(KEY_LINE)?.strip_prefix(' '));
        let Some(text) = lines.next() else { return Ok(None) };
        if lines.next().is_some() {
            return Err(bad(format!("more than one {KEY_LINE} line")));
        }
        let key: VerifierKey = text.parse().map_err(|e| bad(format!("{e}")))?;
        if key.name().as_str() != checkpoint.origin() {
            return Err(bad(format!("the key {key} is not named for the log's origin")));
        }
        if key.algorithm() != Algorithm::Ed25519 {
            return Err(bad(format!("the key {key} is not an Ed25519 signing key")));
        }
        let signed_by_new = UnverifiedNote::parse(&self.to_bytes())
            .and_then(|note| note.verify(std::slice::from_ref(&key)));
        match signed_by_new {
            Ok(_) => Ok(Some(key)),
            Err(NoteError::NoVerifiableSignatures) => {
                Err(bad(format!("the key {key} did not sign the checkpoint")))
            }
            Err(e) => Err(bad(format!("the key {key}'s signature: {e}"))),
        }
    }
}

impl Checkpoint {
    /// The same checkpoint with the extension line of a transition to
    /// `key`.
    pub fn with_next_key(mut self, key: &VerifierKey) -> Checkpoint {
        self.push_extension(key_line(key));
        self
    }
}

/// The keys a log has signed with, as far as one reader knows: the key it
/// trusted first, and each transition it has followed since.
#[derive(Clone, Debug)]
pub struct LogKeys {
    origin: String,
    first: VerifierKey,
    /// The transitions followed, in order of size, with the key each names.
    transitions: Vec<(VerifiedCheckpoint, VerifierKey)>,
}

impl LogKeys {
    /// A reader that trusts `key` for the log `origin`.
    pub fn new(key: VerifierKey, origin: &str) -> LogKeys {
        LogKeys { origin: origin.to_owned(), first: key, transitions: Vec::new() }
    }

    /// The log's origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The key this reader trusted first.
    pub fn first(&self) -> &VerifierKey {
        &self.first
    }

    /// The key the log signs with now, as far as this reader knows.
    pub fn current(&self) -> &VerifierKey {
        self.transitions.last().map_or(&self.first, |(_, key)| key)
    }

    /// The key that signs checkpoints of `size`: the key named by the last
    /// transition at or below it (whose checkpoint both keys signed).
    pub fn key_at(&self, size: u64) -> &VerifierKey {
        self.transitions
            .iter()
            .rev()
            .find(|(checkpoint, _)| checkpoint.size() <= size)
            .map_or(&self.first, |(_, key)| key)
    }

    /// The transition checkpoints followed, oldest first.
    pub fn transitions(&self) -> impl Iterator<Item = &VerifiedCheckpoint> {
        self.transitions.iter().map(|(checkpoint, _)| checkpoint)
    }

    /// Verifies a checkpoint of the log with the key current at its size.
    pub fn verify(&self, note: &[u8]) -> Result<VerifiedCheckpoint, CheckpointError> {
        let size = Checkpoint::size_unverified(note).unwrap_or(0);
        VerifiedCheckpoint::verify(note, self.key_at(size), &self.origin)
    }

    /// Follows a transition checkpoint: it must be signed by the current key
    /// and by the key it names, at a size beyond the last transition. The
    /// named key is current from then on. Following the last transition
    /// again changes nothing.
    pub fn follow(&mut self, note: &[u8]) -> Result<&VerifierKey, RotationError> {
        let checkpoint = VerifiedCheckpoint::verify(note, self.current(), &self.origin)?;
        let size = checkpoint.size();
        let next = checkpoint.next_key()?.ok_or(RotationError::NotATransition { size })?;
        match self.transitions.last() {
            Some((last, key)) if last.size() == size && *key == next => return Ok(self.current()),
            Some((last, _)) if last.size() >= size => {
                return Err(RotationError::OutOfOrder { size, latest: last.size() });
            }
            _ => {}
        }
        if next == *self.current() {
            return Err(RotationError::BadTransition {
                size,
                problem: "it names the key it retires".into(),
            });
        }
        self.transitions.push((checkpoint, next));
        Ok(self.current())
    }
}
