//! Checkpoints (C2SP tlog-checkpoint): the signed statement of a log's size
//! and root hash.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use truce_note::{NoteError, Signer, UnverifiedNote, VerifiedNote, VerifierKey, Verifiers};

use crate::hash::Hash;

/// Why a checkpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The note text is not a checkpoint body.
    #[error("malformed checkpoint: {0}")]
    Malformed(&'static str),
    /// The note is malformed, or not signed by the log's key.
    #[error("checkpoint signature: {0}")]
    Note(#[from] NoteError),
    /// The checkpoint is for another log.
    #[error("checkpoint origin is {found:?}, expected {expected:?}")]
    WrongOrigin {
        /// The origin the checkpoint names.
        found: String,
        /// The origin of the log being checked.
        expected: String,
    },
}

/// The body of a checkpoint: the log's origin, the tree size, the root hash
/// and any extension lines. Not signed, not verified: a value.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Checkpoint {
    origin: String,
    size: u64,
    root: Hash,
    extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    pub fn new(origin: &str, size: u64, root: Hash) -> Result<Checkpoint, CheckpointError> {
        check_line(origin).map_err(|_| CheckpointError::Malformed("invalid origin line"))?;
        Ok(Checkpoint { origin: origin.to_owned(), size, root, extensions: Vec::new() })
    }

    /// Parses a checkpoint body strictly.
    ///
    /// SPEC(tlog-checkpoint): "a sequence of at least three non-empty
    /// lines": the origin (non-empty), the tree size ("ASCII decimal ...
    /// with no leading zeroes"), the root hash (base64 of an RFC 6962
    /// SHA-256 root, so exactly 32 bytes), then extension lines, which
    /// "MUST be non-empty". Every line ends in a newline.
    pub fn parse(body: &str) -> Result<Checkpoint, CheckpointError> {
        let malformed = CheckpointError::Malformed;
        let lines = body.strip_suffix('\n').ok_or(malformed("the body must end in a newline"))?;
        let mut lines = lines.split('\n');
        let origin = lines.next().filter(|l| !l.is_empty()).ok_or(malformed("empty origin"))?;
        check_line(origin).map_err(|_| malformed("invalid origin line"))?;
        let size = lines.next().ok_or(malformed("missing tree size"))?;
        let size = parse_size(size).ok_or(malformed("tree size must be a decimal number"))?;
        let root = lines.next().ok_or(malformed("missing root hash"))?;
        let root = BASE64
            .decode(root)
            .ok()
            .and_then(|bytes| Hash::from_slice(&bytes).ok())
            .ok_or(malformed("root hash must be 32 bytes in base64"))?;
        let mut extensions = Vec::new();
        for line in lines {
            if line.is_empty() {
                return Err(malformed("extension lines must not be empty"));
            }
            check_line(line).map_err(|_| malformed("invalid extension line"))?;
            extensions.push(line.to_owned());
        }
        Ok(Checkpoint { origin: origin.to_owned(), size, root, extensions })
    }

    /// The tree size a signed checkpoint note states, if it parses, before
    /// any signature is checked: for choosing the keys to verify it with,
    /// or ordering stored notes, never for trusting.
    pub fn size_unverified(note: &[u8]) -> Option<u64> {
        let note = UnverifiedNote::parse(note).ok()?;
        Some(Checkpoint::parse(note.text_unverified()).ok()?.size())
    }

    /// The origin line: the log's identity.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The tree size: the number of entries.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The root hash of the tree of that size.
    pub fn root(&self) -> Hash {
        self.root
    }

    /// The extension lines.
    pub fn extensions(&self) -> &[String] {
        &self.extensions
    }

    /// The checkpoint body, the text of its note.
    pub fn body(&self) -> String {
        let mut body = format!("{}\n{}\n{}\n", self.origin, self.size, BASE64.encode(self.root.0));
        for line in &self.extensions {
            body.push_str(line);
            body.push('\n');
        }
        body
    }

    /// Signs the checkpoint with the log's key.
    pub fn sign(self, key: &dyn Signer) -> Result<VerifiedCheckpoint, CheckpointError> {
        self.sign_by(&[key])
    }

    /// Signs the checkpoint with several keys: the retiring and the new key
    /// of a key transition.
    pub fn sign_by(self, keys: &[&dyn Signer]) -> Result<VerifiedCheckpoint, CheckpointError> {
        let note = VerifiedNote::sign(&self.body(), keys)?;
        Ok(VerifiedCheckpoint { checkpoint: self, note })
    }

    /// Adds an extension line (checked by the caller: no newline, not
    /// empty).
    pub(crate) fn push_extension(&mut self, line: String) {
        debug_assert!(check_line(&line).is_ok());
        self.extensions.push(line);
    }
}

impl fmt::Debug for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Checkpoint({} size {} root {})", self.origin, self.size, self.root)
    }
}

/// A line of a checkpoint: no control characters (the note forbids them)
/// and no newline.
fn check_line(line: &str) -> Result<(), ()> {
    if line.is_empty() || line.chars().any(char::is_control) { Err(()) } else { Ok(()) }
}

fn parse_size(text: &str) -> Option<u64> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let canonical = text == "0" || !text.starts_with('0');
    if digits && canonical { text.parse().ok() } else { None }
}

/// A checkpoint whose signature by the log's key verified, and whose origin
/// is the log's.
///
/// Made only by [`VerifiedCheckpoint::verify`] or [`Checkpoint::sign`]: a
/// function that takes one knows the signature was checked.
#[derive(Clone, Debug)]
pub struct VerifiedCheckpoint {
    checkpoint: Checkpoint,
    note: VerifiedNote,
}

impl VerifiedCheckpoint {
    /// Verifies a signed checkpoint from the log with key `log_key` and
    /// origin `origin`.
    ///
    /// Other signatures (witness cosignatures) are kept but not checked here.
    pub fn verify(
        note: &[u8],
        log_key: &VerifierKey,
        origin: &str,
    ) -> Result<VerifiedCheckpoint, CheckpointError> {
        VerifiedCheckpoint::verify_with(note, log_key, origin)
    }

    /// Like [`VerifiedCheckpoint::verify`], with any set of keys trusted to
    /// sign for the log (during a key rotation, say).
    pub fn verify_with<V: Verifiers + ?Sized>(
        note: &[u8],
        log_keys: &V,
        origin: &str,
    ) -> Result<VerifiedCheckpoint, CheckpointError> {
        let note = UnverifiedNote::parse(note)?.verify(log_keys)?;
        let checkpoint = Checkpoint::parse(note.text())?;
        if checkpoint.origin != origin {
            return Err(CheckpointError::WrongOrigin {
                found: checkpoint.origin,
                expected: origin.to_owned(),
            });
        }
        Ok(VerifiedCheckpoint { checkpoint, note })
    }

    /// The checkpoint.
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// The tree size.
    pub fn size(&self) -> u64 {
        self.checkpoint.size
    }

    /// The root hash.
    pub fn root(&self) -> Hash {
        self.checkpoint.root
    }

    /// The signed note, with every signature it carries.
    pub fn note(&self) -> &VerifiedNote {
        &self.note
    }

    /// The signed checkpoint as served at `/checkpoint`.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.note.to_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_round_trips() {
        let checkpoint =
            Checkpoint::new("example.com/log", 20852163, Hash([7; 32])).expect("valid");
        assert_eq!(Checkpoint::parse(&checkpoint.body()), Ok(checkpoint));
    }

    #[test]
    fn sizes_are_canonical_decimals() {
        for (text, want) in
            [("0", Some(0)), ("10", Some(10)), ("010", None), ("", None), ("+1", None)]
        {
            assert_eq!(parse_size(text), want, "{text:?}");
        }
        assert_eq!(parse_size("18446744073709551616"), None, "beyond u64");
    }
}
