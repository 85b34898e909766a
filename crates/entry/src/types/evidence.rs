//! `truce.evidence/v1`: a photo, a video, a recording or a document, by
//! its digest.
//!
//! The log holds the digest, never the bytes: an entry proves that the
//! file existed, unchanged, no later than the checkpoint that first
//! included it (and its witnesses' cosignatures date that). The bytes are
//! kept content-addressed beside the log, and reports cite them by the
//! same digest.

use crate::check::{Checker, Rules};
use crate::common::{ByteSize, MediaType, Prose, Sha256Hex, Text, Timestamp};
use crate::types::report::Location;
use crate::{record, vocabulary};

record! {
    /// A file of evidence held by a source. Signed by the source.
    ///
    /// `captured` and `place` are what the capturing device claims; the
    /// log dates only the digest. A copy made for publication (location
    /// and device metadata removed, faces blurred) is an entry of its own
    /// whose `derived_from` names the original's digest.
    pub struct EvidenceObject {
        /// SHA-256 of the file's bytes.
        pub sha256: Sha256Hex,
        /// The file's size in bytes.
        pub size: ByteSize,
        /// The file's media type, e.g. image/jpeg.
        pub media_type: MediaType,
        /// When the device says it captured the file.
        pub captured: Option<Timestamp>,
        /// Where the device says it captured the file.
        pub place: Option<Location>,
        /// Who holds the original (a team, a person, an evidence locker).
        pub custodian: Text<200>,
        /// What it shows.
        pub description: Option<Prose<2000>>,
        /// The original this file was derived from, and how.
        pub derived_from: Option<Derivation>,
        /// What the file's C2PA content credentials said when it was taken
        /// in.
        pub credentials: Credentials,
        /// SHA-256 of the signed entry the same device made just before
        /// this one: a chain that fixes the order in which the device
        /// signed its entries, even offline.
        pub follows: Option<Sha256Hex>,
    }
}

impl Rules for EvidenceObject {
    fn check_rules(&self, at: &mut Checker) {
        if self.size.0 == 0 {
            at.problem_at("size", "must be more than 0: an empty file is not evidence");
        }
        if self.derived_from.as_ref().is_some_and(|d| d.sha256 == self.sha256) {
            at.at_key("derived_from", |at| at.problem_at("sha256", "must differ from sha256"));
        }
    }
}

record! {
    /// How a derivative was made from its original.
    pub struct Derivation {
        /// SHA-256 of the original, logged in its own evidence entry.
        pub sha256: Sha256Hex,
        /// What was done to it.
        pub method: DerivationMethod,
    }
}

impl Rules for Derivation {}

vocabulary! {
    /// What was done to an original to make a derivative.
    pub enum DerivationMethod {
        /// Location and device metadata removed; the content unchanged.
        MetadataRemoved = "metadata_removed",
        /// Parts blurred or cut out (faces, positions).
        Redacted = "redacted",
        /// Converted to another format or size.
        Transcoded = "transcoded",
    }
}

record! {
    /// The outcome of reading a file's C2PA content credentials.
    ///
    /// The codes are kept beside the state: a certificate's validity is
    /// judged against the time of reading, so the same manifest can read
    /// valid today and invalid once its certificate expired, and the codes
    /// say which check changed.
    pub struct Credentials {
        /// The overall outcome.
        pub state: CredentialState,
        /// Who signed the manifest, as its certificate names them.
        pub signer: Option<Text<500>>,
        /// Who issued the signer's certificate.
        pub issuer: Option<Text<500>>,
        /// When the manifest was signed, as it says.
        pub signed_at: Option<Text<64>>,
        /// The software that made the manifest.
        pub claim_generator: Option<Text<500>>,
        /// The title the manifest gives the file.
        pub title: Option<Text<500>>,
        /// The actions the manifest records (`c2pa.created`,
        /// `c2pa.edited`, ...).
        pub actions: Vec<Text<100>>,
        /// Whether the manifest's hash of the file matches its bytes.
        pub bytes_match: Option<bool>,
        /// The validation status codes (C2PA 2.x, section 15), failures
        /// first.
        pub codes: Vec<Text<200>>,
    }
}

impl Rules for Credentials {
    fn check_rules(&self, at: &mut Checker) {
        let absent = self.state == CredentialState::Absent;
        if absent && (self.signer.is_some() || self.bytes_match.is_some()) {
            at.problem_at("state", "is absent, so signer and bytes_match must be left out");
        }
        if self.state != CredentialState::Invalid && self.bytes_match == Some(false) {
            at.problem_at("state", "must be invalid when bytes_match is false");
        }
    }
}

vocabulary! {
    /// What a file's content credentials came to.
    pub enum CredentialState {
        /// The file has no C2PA manifest (or one in a format not read).
        Absent = "absent",
        /// The manifest is well-formed, signed and matches the bytes; its
        /// signer is not on a trust list.
        Valid = "valid",
        /// Valid, and its signer chains to a trusted certificate.
        Trusted = "trusted",
        /// The manifest failed a check: see the codes.
        Invalid = "invalid",
    }
}
