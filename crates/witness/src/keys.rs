//! The keys the witness trusts for one log, and the key transitions it
//! follows.
//!
//! The configured keys are the start of a log's chain of keys. A key
//! transition the witness cosigns (a checkpoint signed by a key it trusts
//! and by the key its `truce-log-key` line names, see
//! [`VerifiedCheckpoint::next_key`]) hands the log over to the named key:
//! from the transition's size on, that key alone signs. This is
//! [`truce_log::LogKeys`] for a witness, which may have been configured
//! with several keys for one log, where `LogKeys` starts from one.

use std::borrow::Cow;
use std::collections::BTreeMap;

use truce_log::{Checkpoint, CheckpointError, VerifiedCheckpoint};
use truce_note::VerifierKey;

use crate::AddError;
use crate::journal::Recorded;

/// A key transition the witness followed: from `size` on, the log's
/// checkpoints must be signed by `key`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyTransition {
    /// The size of the transition checkpoint.
    pub size: u64,
    /// The key it names.
    pub key: VerifierKey,
}

/// A checkpoint whose log signature verified, and the key it names if it
/// is a key transition.
pub(crate) struct Verified {
    pub(crate) checkpoint: VerifiedCheckpoint,
    /// Verified too: the key it names signed it.
    pub(crate) next_key: Option<VerifierKey>,
}

/// The keys the witness trusts for one log.
#[derive(Clone, Debug)]
pub(crate) struct TrustedKeys {
    origin: String,
    /// The keys the operator configured: trusted up to the first
    /// transition.
    configured: Vec<VerifierKey>,
    /// The transitions followed, in increasing order of size.
    followed: Vec<KeyTransition>,
}

impl TrustedKeys {
    /// The configured keys of `origin`, and the transitions the journal
    /// recorded for it, followed again in order. A recorded transition that
    /// does not follow from the configured keys (they were changed since)
    /// is not followed: the configured keys stand.
    pub(crate) fn replay(
        origin: &str,
        configured: Vec<VerifierKey>,
        recorded: Option<&BTreeMap<u64, Recorded>>,
    ) -> TrustedKeys {
        let mut keys = TrustedKeys { origin: origin.to_owned(), configured, followed: Vec::new() };
        for record in recorded.into_iter().flat_map(BTreeMap::values) {
            let followed =
                keys.verify(&record.note).and_then(|verified| keys.transition(&verified));
            match followed {
                Ok(Some(transition)) => {
                    tracing::info!(
                        origin = %origin,
                        size = transition.size,
                        key = %transition.key,
                        "following the log's key transition recorded in the witness's state"
                    );
                    keys.followed.push(transition);
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(
                    origin = %origin,
                    size = record.size,
                    "a recorded key transition does not follow from the configured keys, \
                     which stand: {e}"
                ),
            }
        }
        keys
    }

    /// The transitions followed, oldest first.
    pub(crate) fn followed(&self) -> &[KeyTransition] {
        &self.followed
    }

    /// The keys trusted to sign a checkpoint of `size`: the configured
    /// keys up to the first transition, then the key the last transition
    /// at or below `size` names. At a transition's own size the keys it
    /// retires are trusted too, as they signed it: the same transition can
    /// be cosigned again, and is recorded with both signatures.
    fn at(&self, size: u64) -> Cow<'_, [VerifierKey]> {
        let below = self.followed.partition_point(|t| t.size < size);
        let before = match below.checked_sub(1) {
            Some(last) => std::slice::from_ref(&self.followed[last].key),
            None => self.configured.as_slice(),
        };
        match self.followed.get(below) {
            Some(transition) if transition.size == size => {
                Cow::Owned(before.iter().chain([&transition.key]).cloned().collect())
            }
            _ => Cow::Borrowed(before),
        }
    }

    /// Verifies a checkpoint note with the keys trusted at its size, and
    /// reads the next key it names.
    ///
    /// SPEC(tlog-witness): a checkpoint with no valid signature by a
    /// trusted key is refused with 403. So is a key transition that the
    /// key it names did not sign, or whose `truce-log-key` line is
    /// malformed: the checkpoint and the request are well-formed, but the
    /// log's signatures do not hand it over to a key.
    pub(crate) fn verify(&self, note: &[u8]) -> Result<Verified, AddError> {
        // The size that chooses the keys is read before any signature is
        // checked; the keys it chooses must then have signed that size. A
        // note whose checkpoint cannot be read is refused by the checks
        // below, with the configured keys.
        let size = Checkpoint::size_unverified(note).unwrap_or(0);
        let checkpoint = VerifiedCheckpoint::verify_with(note, &*self.at(size), &self.origin)
            .map_err(|e| match e {
                CheckpointError::Note(e) => AddError::Forbidden(e.to_string()),
                e => AddError::BadRequest(e.to_string()),
            })?;
        let next_key = checkpoint.next_key().map_err(|e| AddError::Forbidden(e.to_string()))?;
        Ok(Verified { checkpoint, next_key })
    }

    /// The transition to follow once `verified` (verified with these keys)
    /// is cosigned: none if it names no key, or is the last transition
    /// followed, again.
    ///
    /// The retiring key vouches for its successor: a transition must be
    /// signed by a key trusted before it, not only by the key it names.
    /// The witness never goes back: a transition below or at the size of
    /// the last one followed, to another key, is refused (403).
    pub(crate) fn transition(
        &self,
        verified: &Verified,
    ) -> Result<Option<KeyTransition>, AddError> {
        let Some(key) = &verified.next_key else { return Ok(None) };
        let size = verified.checkpoint.size();
        if let Some(last) = self.followed.last()
            && last.size >= size
        {
            if last.size == size && last.key == *key {
                return Ok(None);
            }
            return Err(AddError::Forbidden(format!(
                "a key transition at size {size}: the log's key changed to {} at size {}",
                last.key, last.size
            )));
        }
        let retiring = verified.checkpoint.note().verified().iter().any(|s| s.key() != key);
        if !retiring {
            return Err(AddError::Forbidden(format!(
                "the key transition at size {size} to {key} is signed by no key it retires"
            )));
        }
        Ok(Some(KeyTransition { size, key: key.clone() }))
    }

    /// These keys, with `transition` followed.
    pub(crate) fn following(&self, transition: KeyTransition) -> TrustedKeys {
        let mut keys = self.clone();
        keys.followed.push(transition);
        keys
    }
}
