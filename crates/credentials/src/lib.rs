//! The C2PA content credentials of a media file, read and checked, for the
//! evidence intake of Truce.
//!
//! A photo or video submitted as evidence may carry a [C2PA] manifest: a
//! signed statement of who made it, with what, and what was done to it,
//! bound to the file's bytes by a hash. [`inspect`] reads that manifest from
//! a stream with the `c2pa` crate, checks it, and reduces the outcome to a
//! [`Credentials`] value that can be recorded beside the evidence.
//!
//! ```
//! use std::io::Cursor;
//! use truce_credentials::{CredentialState, inspect};
//!
//! // Declared a PNG, but not one: malformed, which is not an error.
//! let got = inspect("image/png", &mut Cursor::new(b"not a png".to_vec()))?;
//! assert_eq!(got.state, CredentialState::Invalid);
//! assert_eq!(got.codes, ["general.error"]);
//!
//! // A type c2pa cannot read is reported, not refused.
//! let got = inspect("text/plain", &mut Cursor::new(b"hello".to_vec()))?;
//! assert_eq!(got.state, CredentialState::Absent);
//! assert_eq!(got.codes, ["truce.unsupportedFormat"]);
//! # Ok::<(), truce_credentials::CredentialsError>(())
//! ```
//!
//! # Why codes and not only a state
//!
//! The state is a conclusion drawn *today*: without a time-stamp authority's
//! token in the manifest, c2pa checks the signing certificate's validity
//! against the current time, so the same bytes that are `valid` now become
//! `invalid` (`signingCredential.expired`) once the certificate expires, and
//! would become `trusted` if a trust list were configured. The ledger must
//! stay recomputable, so [`Credentials::codes`] keeps the C2PA status codes
//! the state was drawn from (failures first, then successes): a reader can
//! see *why* a file was `invalid` (a hash mismatch means the bytes were
//! changed after signing; an expired credential does not), and a later
//! re-check can be compared code by code instead of state by state.
//!
//! # Limits
//!
//! * No trust list is configured, so a manifest is at best
//!   [`CredentialState::Valid`] (`signingCredential.untrusted` among the
//!   failures); [`CredentialState::Trusted`] is mapped but not reached yet.
//! * No network: remote manifests are not fetched
//!   (`truce.remoteManifestNotFetched`, state absent) and OCSP is not asked.
//! * Only the active manifest's failure and success codes are kept
//!   (informational ones do not bear on the state); a failure in an
//!   ingredient's manifest shows as `truce.ingredientFailure`.
//! * [`Credentials::signed_at`] comes only from a time-stamp token; a
//!   manifest signed without a time-stamp authority has none.
//! * c2pa sniffs the container from the leading bytes and reads *that*,
//!   whatever media type was declared; the declared type only has to be one
//!   c2pa can read ([`supported`]) and is the fallback when sniffing fails.
//! * JPEG and some other formats are read into memory whole; PNG and BMFF
//!   (MP4, HEIC) are streamed. Callers should cap the size of what they pass.
//! * `c2pa` is pre-1.0 and parses hostile input: a panic inside it is caught
//!   and reported as `truce.readerPanic` (state invalid), not propagated.
//!
//! # What the device says, and a copy without it
//!
//! Beside the manifest, a photo carries what its device wrote in EXIF:
//! when and where it was taken, and with what. [`device_claims`] reads
//! those claims for the evidence entry's `captured` and `place`, inferring
//! nothing (no guessed time zone, no half position). The same metadata
//! must not reach the public: [`strip_metadata`] makes the copy for
//! publication, a JPEG or PNG without EXIF, XMP, IPTC, comments, text
//! chunks or the C2PA manifest, its pixel data byte for byte the
//! original's.
//!
//! This crate does no I/O of its own besides reading the stream it is given.
//!
//! [C2PA]: https://c2pa.org/specifications/
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod claims;
mod read;
mod strip;

pub use crate::claims::{DeviceClaims, device_claims};
pub use crate::read::{inspect, supported};
pub use crate::strip::{StripError, Stripped, can_strip, strip_metadata};

/// What a file's content credentials say, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The outcome of validation, as c2pa draws it (see the crate docs for
    /// why it may change over time).
    pub state: CredentialState,
    /// Who signed: the signing certificate's subject common name, or its
    /// organisation when it has no common name, as c2pa reports them.
    pub signer: Option<String>,
    /// The organisation of the signing certificate's subject, which c2pa
    /// calls the claim's issuer. It is *not* the certificate authority that
    /// issued the certificate: c2pa does not report that.
    pub issuer: Option<String>,
    /// When the manifest was signed, in RFC 3339, if a time-stamp gives it.
    pub signed_at: Option<String>,
    /// The software that made the manifest: the claim generator string, or
    /// the first claim generator info as `name/version`.
    pub claim_generator: Option<String>,
    /// The manifest's title, usually the file name when it was signed.
    pub title: Option<String>,
    /// The action names of the active manifest's `c2pa.actions`
    /// assertions, in order (`c2pa.created`, `c2pa.edited`, ...).
    pub actions: Vec<String>,
    /// Whether the manifest's hard binding (data hash, BMFF hash or boxes
    /// hash) matches the file's bytes; `None` when c2pa did not say.
    pub bytes_match: Option<bool>,
    /// The status codes behind [`Credentials::state`]: failure codes first,
    /// then success codes, each group sorted and without duplicates. Codes
    /// of C2PA's own start with a lower-case part (`assertion.`,
    /// `claimSignature.`, ...); the few Truce adds start with `truce.`.
    pub codes: Vec<String>,
}

impl Credentials {
    /// Credentials of a file that has none, with the reason as a code.
    fn absent(codes: Vec<String>) -> Self {
        Credentials {
            state: CredentialState::Absent,
            signer: None,
            issuer: None,
            signed_at: None,
            claim_generator: None,
            title: None,
            actions: Vec::new(),
            bytes_match: None,
            codes,
        }
    }

    /// Credentials that could not be read, with the reason as codes.
    fn invalid(codes: Vec<String>) -> Self {
        Credentials { state: CredentialState::Invalid, ..Credentials::absent(codes) }
    }
}

/// The outcome of checking a file's content credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialState {
    /// The file has no manifest (or one that could not be read here, such
    /// as a remote one), or is of a type c2pa cannot read.
    Absent,
    /// The manifest is well-formed, its signature verifies, its certificate
    /// is within its validity and its bindings match, but the signer is not
    /// on a trust list.
    Valid,
    /// Valid, and the signer's certificate chains to a trust list.
    Trusted,
    /// There is a manifest, or what claims to be one, and it fails a check:
    /// [`Credentials::codes`] says which.
    Invalid,
}

impl CredentialState {
    /// The state's name in lower case, as recorded: `absent`, `valid`,
    /// `trusted` or `invalid`.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialState::Absent => "absent",
            CredentialState::Valid => "valid",
            CredentialState::Trusted => "trusted",
            CredentialState::Invalid => "invalid",
        }
    }
}

impl std::fmt::Display for CredentialState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error that kept the credentials from being checked at all.
///
/// A malformed file is not an error: it is [`CredentialState::Invalid`]
/// with codes. Only the stream failing is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// Reading or seeking the stream failed.
    #[error("reading the media stream: {0}")]
    Io(#[from] std::io::Error),
}
