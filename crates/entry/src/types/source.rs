//! `truce.source/v1`: the registry of who may write to the log.

use serde_json::{Map, Value};

use crate::check::{Checker, Rules, require_members, str_member};
use crate::common::{Identifier, Prose, Text, VerifierKeyText};
use crate::{record, vocabulary};

record! {
    /// Registers, updates or revokes a source. Signed by the operator.
    ///
    /// `register` and `update` carry the whole record (an update replaces
    /// it: a new key, a new role, a new reliability); `revoke` carries only
    /// the source and, optionally, a note. Entries a source signed before its
    /// revocation stay in the log and keep their meaning.
    pub struct Source {
        /// The source's identifier, stable for its whole life in the log.
        pub source: Identifier,
        /// What this entry does to the registry.
        pub action: SourceAction,
        /// The Ed25519 verifier key the source signs its entries with.
        pub key: Option<VerifierKeyText>,
        /// The source's name for people, e.g. "OSCE-style monitor team 3".
        pub name: Option<Text<200>>,
        /// What kind of source it is; decides which entries it may submit.
        pub role: Option<Role>,
        /// The organisation the source belongs to. Sources of one
        /// organisation are not independent of each other.
        pub organisation: Option<Text<200>>,
        /// For role `party`: the party to the agreement it speaks for.
        pub party: Option<Identifier>,
        /// Default reliability of the source on the Admiralty scale.
        pub reliability: Option<Reliability>,
        /// Why the entry was made, for the record.
        pub note: Option<Prose<2000>>,
    }
}

impl Rules for Source {
    fn check_members(object: &Map<String, Value>, at: &mut Checker) {
        const RECORD: &[&str] = &["key", "name", "role", "organisation", "reliability"];
        match str_member(object, "action") {
            Some(action @ ("register" | "update")) => {
                require_members(object, at, RECORD, true, &format!("is required to {action}"));
                match (str_member(object, "role"), object.contains_key("party")) {
                    (Some("party"), false) => {
                        at.problem_at("party", "is required for a source with role \"party\"")
                    }
                    (Some(role), true) if role != "party" => at.problem_at(
                        "party",
                        "must be left out unless the role is \"party\" (name the organisation instead)",
                    ),
                    _ => {}
                }
            }
            Some("revoke") => {
                let message = "must be left out to revoke";
                require_members(object, at, RECORD, false, message);
                require_members(object, at, &["party"], false, message);
            }
            _ => {}
        }
    }
}

vocabulary! {
    /// What a source entry does.
    pub enum SourceAction {
        /// Adds a new source.
        Register = "register",
        /// Replaces the record of a registered source.
        Update = "update",
        /// Ends a source's right to submit entries.
        Revoke = "revoke",
    }
}

vocabulary! {
    /// The role of a source.
    pub enum Role {
        /// A monitoring mission's team: direct observation on the ground.
        Monitor = "monitor",
        /// A fixed sensor (camera, acoustic, seismic, radar).
        Sensor = "sensor",
        /// A liaison officer speaking for a party to the agreement.
        Party = "party",
        /// An open-source investigation organisation.
        Osint = "osint",
        /// A news organisation.
        Media = "media",
        /// An analyst who assesses reports.
        Analyst = "analyst",
        /// The operator of the log.
        Operator = "operator",
    }
}

vocabulary! {
    /// Source reliability on the Admiralty (NATO AJP-2.1) scale.
    pub enum Reliability {
        /// Completely reliable.
        A = "A",
        /// Usually reliable.
        B = "B",
        /// Fairly reliable.
        C = "C",
        /// Not usually reliable.
        D = "D",
        /// Unreliable.
        E = "E",
        /// Reliability cannot be judged.
        F = "F",
    }
}
