//! Truce log entries: their types, their validation, their canonical JSON
//! and their signatures.
//!
//! Every entry of a Truce log is a [C2SP signed note] whose text is one line
//! of canonical JSON ([RFC 8785]) followed by a newline. The JSON object's
//! `type` says what it is:
//!
//! | type | signed by | what it holds |
//! | --- | --- | --- |
//! | `truce.source/v1` | the operator | a source registered, updated or revoked |
//! | `truce.agreement/v1` | the operator (parties may cosign) | parties, rules, zones, periods |
//! | `truce.report/v1` | a source | an observed or claimed event |
//! | `truce.coverage/v1` | a source | a gap in what the source could see |
//! | `truce.assessment/v1` | an analyst | credibility, attribution, links |
//! | `truce.statement/v1` | the operator | a published report's digest |
//! | `truce.log-key/v1` | the operator | the log's key changes (with a key transition) |
//!
//! Validation reports every problem at once, each at the JSON Pointer of the
//! value it is about, and refuses unknown members so that a typo cannot pass
//! silently:
//!
//! ```
//! use truce_entry::Entry;
//!
//! let problems = Entry::parse(br#"{
//!     "type": "truce.report/v1",
//!     "id": "r-1",
//!     "time": {"from": "2025-11-14T03:20:00Z", "to": "2025-11-14T03:10:00Z"},
//!     "location": {"lat": 91, "lon": 36.23, "uncertainty_m": 500},
//!     "event": "missile_strike",
//!     "observation": {"basis": "direct", "confidence": "high"},
//!     "sumary": "Two explosions."
//! }"#).unwrap_err();
//! let messages: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
//! assert_eq!(messages, [
//!     "/sumary: unknown field; did you mean \"summary\"?",
//!     "/time/to: must not be before from",
//!     "/location/lat: must be between -90 and 90",
//! ]);
//! ```
//!
//! Signing puts the entry in canonical form; opening checks the signatures,
//! then that the text is one line of canonical JSON holding a valid entry:
//!
//! ```
//! use truce_entry::{SignedEntry, EntryType};
//! use truce_note::SigningKey;
//!
//! let operator = SigningKey::generate("truce.example/operator")?;
//! let json = br#"{"type": "truce.source/v1", "source": "monitor-3", "action": "register",
//!     "key": "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
//!     "name": "Monitor team 3", "role": "monitor", "organisation": "Mission",
//!     "reliability": "A"}"#;
//! let signed = SignedEntry::sign_json(json, &[&operator])?;
//! let opened = SignedEntry::open(signed.as_bytes(), &operator.verifier_key())?;
//! assert_eq!(opened.entry().entry_type(), EntryType::Source);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Each type's JSON Schema ([`entry_schema`]) is derived from the same
//! declarations the validator reads. This crate does no I/O.
//!
//! [C2SP signed note]: https://c2sp.org/signed-note
//! [RFC 8785]: https://www.rfc-editor.org/rfc/rfc8785
#![deny(missing_docs)]
#![forbid(unsafe_code)]

#[doc(hidden)]
pub mod check;
mod common;
mod entry;
mod geometry;
mod json;
mod registry;
#[doc(hidden)]
pub mod schema;
mod signed;
mod types;

pub use crate::check::{NonEmpty, Problem, Problems};
pub use crate::common::{
    Base64Hash, Bearing, ByteSize, Count, Credibility, Date, Identifier, LanguageTag, Latitude,
    LogIndex, Longitude, MAX_TRANSLATIONS, MediaType, Meters, Prose, Sha256Hex, Text, Timestamp,
    Translations, VerifierKeyText,
};
pub use crate::entry::{Entry, EntryType, MAX_ENTRY_SIZE};
pub use crate::geometry::{Geometry, Position};
pub use crate::json::{MAX_SAFE_INTEGER, canonical, parse_strict, sorted};
pub use crate::registry::{AdmissionError, Admitted, RegisteredSource, Registry, allowed_roles};
pub use crate::schema::{entry_schema, published_schema};
pub use crate::signed::{EntryError, SignedEntry};
pub use crate::types::agreement::{Agreement, Parameters, Party, Period, Rule, Zone};
pub use crate::types::assessment::{Assessment, AssessmentAction};
pub use crate::types::coverage::{Area, Coverage, GapKind};
pub use crate::types::evidence::{
    CredentialState, Credentials, Derivation, DerivationMethod, EvidenceObject,
};
pub use crate::types::log_key::LogKey;
pub use crate::types::report::{
    Attribution, AttributionBasis, Casualties, Confidence, Damage, Direction, Disruption,
    EventKind, Evidence, Harm, Location, MAX_WINDOW_SECONDS, Observation, ObservationBasis,
    Occurrence, Report, Service, Target, TargetCategory, TimeWindow,
};
pub use crate::types::source::{Reliability, Role, Source, SourceAction};
pub use crate::types::statement::{CheckpointRef, Statement, StatementKind};
