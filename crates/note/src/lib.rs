//! Signed notes as specified by [C2SP signed-note]: keys, key IDs, verifier
//! keys, and the signing and verification of notes.
//!
//! A note is a text signed by one or more keys. Every Truce log entry and
//! every checkpoint is one, so a single signature format and a single key
//! format serve the whole system. The format is byte-compatible with Go's
//! `golang.org/x/mod/sumdb/note`.
//!
//! ```
//! use truce_note::{SigningKey, UnverifiedNote, sign};
//!
//! let key = SigningKey::generate("monitor.example/team-3")?;
//! let note = sign("Shelling reported near Kharkiv.\n", &[&key])?;
//!
//! let verified = UnverifiedNote::parse(&note)?.verify(&key.verifier_key())?;
//! assert_eq!(verified.text(), "Shelling reported near Kharkiv.\n");
//! assert_eq!(verified.verified()[0].key().name().as_str(), "monitor.example/team-3");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Parsing and verifying are two steps with two types: an [`UnverifiedNote`]
//! only gives its text to callers who ask for it by a name that says so, and a
//! [`VerifiedNote`] can only be made by [`UnverifiedNote::verify`].
//!
//! Signature types `0x01` (Ed25519) and `0x04` (tlog-cosignature/v1, for
//! witnesses' cosignatures) are supported. Ed25519 signatures are checked
//! with `verify_strict` (RFC 8032 with canonical `S`, and no small-order
//! `R` or public key): honest signers never produce what it refuses.
//!
//! This crate does no I/O except reading the operating system's random source
//! in [`SigningKey::generate`].
//!
//! [C2SP signed-note]: https://c2sp.org/signed-note
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod key;
mod note;
mod signer;

pub use crate::key::{Algorithm, KeyId, KeyName, SigningKey, VerifierKey};
pub use crate::note::{
    MAX_SIGNATURES, NoteSignature, UnverifiedNote, VerifiedNote, VerifiedSignature, VerifierSet,
    Verifiers, sign,
};
pub use crate::signer::{Signer, cosign};

/// An error about a key or a key's text form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key name is empty or holds a space, a plus sign or a control
    /// character.
    #[error(
        "invalid key name {0:?}: it must be non-empty, with no spaces, '+' or control characters"
    )]
    InvalidName(String),
    /// The text is not a key of the expected form.
    #[error("malformed key: {0}")]
    Malformed(&'static str),
    /// The key ID in the text does not match the one computed from the key.
    #[error("key ID {stated} does not match the key (computed {computed})")]
    IdMismatch {
        /// The key ID written in the key.
        stated: KeyId,
        /// The key ID computed from the name, type and public key.
        computed: KeyId,
    },
    /// The signature type byte is not one Truce implements.
    #[error("unsupported signature type 0x{0:02x}")]
    UnsupportedAlgorithm(u8),
    /// The public key is not a valid Ed25519 point.
    #[error("the public key is not a valid Ed25519 point")]
    InvalidPublicKey,
    /// The operating system's random source failed.
    #[error("cannot read random bytes: {0}")]
    Random(String),
}

/// An error from parsing, signing or verifying a note.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    /// The bytes are not a well-formed signed note.
    #[error("malformed note: {0}")]
    Malformed(MalformedNote),
    /// A signature from a known key did not verify.
    #[error("invalid signature for key {name}+{id}")]
    InvalidSignature {
        /// The key name on the signature line.
        name: String,
        /// The key ID on the signature line.
        id: KeyId,
    },
    /// No signature was from a known key.
    #[error("note has no verifiable signatures")]
    NoVerifiableSignatures,
    /// The text to sign is not a valid note text.
    #[error("invalid note text: {0}")]
    InvalidText(&'static str),
    /// Signing was asked for with no key.
    #[error("no key to sign with")]
    NoSigners,
    /// The key cannot make this kind of signature.
    #[error("wrong key type: {0}")]
    WrongKeyType(&'static str),
    /// A signer outside memory (a hardware token) failed, or made a
    /// signature that does not verify.
    #[error("signer: {0}")]
    Signer(String),
}

/// Why a note is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MalformedNote {
    /// The note is not valid UTF-8.
    #[error("not valid UTF-8 (at byte {offset})")]
    NotUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// The note holds a control character other than newline.
    #[error("control character at byte {offset}")]
    ControlCharacter {
        /// Offset of the character.
        offset: usize,
    },
    /// No blank line separates text and signatures.
    #[error("no blank line before the signatures")]
    NoSignatureBlock,
    /// The blank line is followed by nothing.
    #[error("no signature lines")]
    NoSignatures,
    /// The last signature line does not end in a newline.
    #[error("the last signature line does not end in a newline")]
    MissingFinalNewline,
    /// A signature line is not `— <name> <base64>`.
    #[error("signature line {line} is not '\u{2014} <key name> <base64 signature>'")]
    BadSignatureLine {
        /// The 1-based number of the line among the signature lines.
        line: usize,
    },
    /// The note has more than [`MAX_SIGNATURES`] signatures.
    #[error("more than {MAX_SIGNATURES} signatures")]
    TooManySignatures,
}
