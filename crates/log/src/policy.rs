//! Witness policies (C2SP tlog-policy): which logs to accept, which
//! witnesses to trust, and how many of them must have cosigned a
//! checkpoint for a client to believe it.
//!
//! A log could show one history to one party and another to the other;
//! witnesses that each cosign only checkpoints consistent with what they
//! saw before make that split view detectable, and a quorum of them makes
//! it impossible without their collusion.
//!
//! ```text
//! log mission.example/ceasefire+1a2b3c4d+AV...
//! witness un  un.example/witness+...+BA...  https://witness.un.example
//! witness osce osce.example/w1+...+BA...
//! witness uni uni.example/w+...+BA...
//! group majority 2 un osce uni
//! quorum majority
//! ```

use std::collections::BTreeMap;

use truce_note::{Algorithm, UnverifiedNote, VerifierKey, VerifierSet};

use crate::checkpoint::{CheckpointError, VerifiedCheckpoint};
use crate::rotation::LogKeys;

/// Why a policy file was refused, or a checkpoint failed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// A line of the policy file is wrong.
    #[error("policy line {line}: {message}")]
    Syntax {
        /// The line number, from 1.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The policy has no `quorum` line.
    #[error("policy: no quorum line")]
    NoQuorum,
    /// No log of the policy has the checkpoint's origin.
    #[error("the policy lists no log with origin {0:?}")]
    UnknownLog(String),
    /// The checkpoint is not signed by the log.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// A witness's cosignature did not verify.
    #[error("cosignature of witness {0}: invalid")]
    BadCosignature(String),
    /// Too few witnesses cosigned.
    #[error("cosigned by {cosigned:?}: not enough for the policy's quorum")]
    NoQuorumReached {
        /// The witnesses whose cosignatures verified.
        cosigned: Vec<String>,
    },
}

/// A member of a group: a witness or an earlier group.
#[derive(Clone, Debug)]
enum Member {
    Witness(VerifierKey),
    Group { threshold: usize, members: Vec<String> },
}

/// A parsed witness policy.
#[derive(Clone, Debug)]
pub struct Policy {
    logs: Vec<(VerifierKey, Option<String>)>,
    /// Witnesses and groups by name, in one namespace.
    names: BTreeMap<String, Member>,
    /// Witness URLs, for the log side.
    urls: BTreeMap<String, String>,
    /// `None` for `quorum none`.
    quorum: Option<String>,
}

/// A checkpoint signed by a log of the policy and cosigned by a quorum of
/// its witnesses.
#[derive(Clone, Debug)]
pub struct WitnessedCheckpoint {
    checkpoint: VerifiedCheckpoint,
    cosigned: Vec<(String, u64)>,
}

impl WitnessedCheckpoint {
    /// The checkpoint.
    pub fn checkpoint(&self) -> &VerifiedCheckpoint {
        &self.checkpoint
    }

    /// The witnesses whose cosignatures verified, by policy name, with the
    /// time each cosigned.
    pub fn cosigned(&self) -> &[(String, u64)] {
        &self.cosigned
    }
}

impl Policy {
    /// Parses a policy file.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let mut policy = Policy {
            logs: Vec::new(),
            names: BTreeMap::new(),
            urls: BTreeMap::new(),
            quorum: None,
        };
        let mut quorum_seen = false;
        for (number, line) in text.lines().enumerate() {
            let line_no = number + 1;
            let fail = |message: String| PolicyError::Syntax { line: line_no, message };
            // SPEC(tlog-policy): whitespace is ASCII space and tab only.
            let words: Vec<&str> = line.split([' ', '\t']).filter(|w| !w.is_empty()).collect();
            let Some((&keyword, args)) = words.split_first() else { continue };
            if keyword.starts_with('#') {
                continue;
            }
            match (keyword, args) {
                ("log", [vkey, rest @ ..]) if rest.len() <= 1 => {
                    let key = policy.key(vkey, Algorithm::Ed25519).map_err(fail)?;
                    policy.logs.push((key, rest.first().map(|u| (*u).to_owned())));
                }
                ("witness", [name, vkey, rest @ ..]) if rest.len() <= 1 => {
                    policy.fresh_name(name).map_err(fail)?;
                    let key = policy.key(vkey, Algorithm::CosignatureV1).map_err(fail)?;
                    policy.names.insert((*name).to_owned(), Member::Witness(key));
                    if let Some(url) = rest.first() {
                        policy.urls.insert((*name).to_owned(), (*url).to_owned());
                    }
                }
                ("group", [name, threshold, members @ ..]) if !members.is_empty() => {
                    policy.fresh_name(name).map_err(fail)?;
                    for member in members {
                        if !policy.names.contains_key(*member) {
                            return Err(fail(format!("{member:?} is not defined above")));
                        }
                    }
                    let n = members.len();
                    let threshold = match *threshold {
                        "all" => n,
                        "any" => 1,
                        text => match text.parse::<usize>() {
                            Ok(k) if (1..=n).contains(&k) && !text.starts_with('0') => k,
                            _ => {
                                return Err(fail(format!(
                                    "threshold {text:?}: must be all, any or 1 to {n}"
                                )));
                            }
                        },
                    };
                    let members = members.iter().map(|m| (*m).to_owned()).collect();
                    policy.names.insert((*name).to_owned(), Member::Group { threshold, members });
                }
                ("quorum", [name]) => {
                    if quorum_seen {
                        return Err(fail("a second quorum line".into()));
                    }
                    quorum_seen = true;
                    if *name != "none" {
                        if !policy.names.contains_key(*name) {
                            return Err(fail(format!("{name:?} is not defined above")));
                        }
                        policy.quorum = Some((*name).to_owned());
                    }
                }
                _ => return Err(fail(format!("cannot read {line:?}"))),
            }
        }
        if !quorum_seen {
            return Err(PolicyError::NoQuorum);
        }
        Ok(policy)
    }

    fn fresh_name(&self, name: &str) -> Result<(), String> {
        if name == "none" {
            return Err("\"none\" is reserved".into());
        }
        if self.names.contains_key(name) {
            return Err(format!("{name:?} is defined twice"));
        }
        Ok(())
    }

    fn key(&self, vkey: &str, algorithm: Algorithm) -> Result<VerifierKey, String> {
        let key: VerifierKey = vkey.parse().map_err(|e| format!("{vkey:?}: {e}"))?;
        if key.algorithm() != algorithm {
            let what = match algorithm {
                Algorithm::CosignatureV1 => "a witness key must be a cosignature (0x04) key",
                _ => "a log key must be an Ed25519 (0x01) key",
            };
            return Err(what.into());
        }
        // SPEC(tlog-policy): keys that wrap the same public key are
        // duplicates, whatever their names.
        let witnesses = self.names.values().filter_map(|m| match m {
            Member::Witness(k) => Some(k),
            Member::Group { .. } => None,
        });
        if self
            .logs
            .iter()
            .map(|(k, _)| k)
            .chain(witnesses)
            .any(|k| k.public_key() == key.public_key())
        {
            return Err(format!("{vkey:?} duplicates a key above"));
        }
        Ok(key)
    }

    /// The policy, with the key a log signs with now in place of the key
    /// it names, if `keys` followed that log's rotations from the key the
    /// policy names: the policy's key vouched for each of them.
    pub fn following(&self, keys: &LogKeys) -> Policy {
        let mut policy = self.clone();
        for (key, _) in &mut policy.logs {
            if key == keys.first() {
                *key = keys.current().clone();
            }
        }
        policy
    }

    /// The logs' verifier keys.
    pub fn logs(&self) -> impl Iterator<Item = &VerifierKey> {
        self.logs.iter().map(|(k, _)| k)
    }

    /// The witnesses: (name, verifier key, submission URL if given).
    pub fn witnesses(&self) -> impl Iterator<Item = (&str, &VerifierKey, Option<&str>)> {
        self.names.iter().filter_map(|(name, m)| match m {
            Member::Witness(key) => {
                Some((name.as_str(), key, self.urls.get(name).map(String::as_str)))
            }
            Member::Group { .. } => None,
        })
    }

    /// Verifies a signed checkpoint: signed by a log of the policy whose
    /// key name is the checkpoint's origin (and `origin`, if given), with
    /// valid cosignatures from a quorum of witnesses. Cosignatures by
    /// unknown keys are ignored; one by a known witness that fails to
    /// verify refuses the checkpoint.
    pub fn verify(
        &self,
        note: &[u8],
        origin: Option<&str>,
    ) -> Result<WitnessedCheckpoint, PolicyError> {
        let parsed = UnverifiedNote::parse(note).map_err(CheckpointError::from)?;
        let claimed = parsed.text_unverified().lines().next().unwrap_or_default().to_owned();
        let origin = origin.unwrap_or(&claimed);
        let logs: VerifierSet =
            self.logs().filter(|k| k.name().as_str() == origin).cloned().collect();
        if logs.is_empty() {
            return Err(PolicyError::UnknownLog(origin.to_owned()));
        }
        let checkpoint = VerifiedCheckpoint::verify_with(note, &logs, origin)?;

        let witnesses: VerifierSet = self.witnesses().map(|(_, key, _)| key.clone()).collect();
        let mut cosigned = Vec::new();
        match parsed.verify(&witnesses) {
            Ok(verified) => {
                for signature in verified.verified() {
                    let name = self.witnesses().find(|(_, k, _)| *k == signature.key());
                    if let (Some((name, ..)), Some(time)) = (name, signature.timestamp()) {
                        cosigned.push((name.to_owned(), time));
                    }
                }
            }
            Err(truce_note::NoteError::NoVerifiableSignatures) => {}
            Err(truce_note::NoteError::InvalidSignature { name, .. }) => {
                return Err(PolicyError::BadCosignature(name));
            }
            Err(e) => return Err(CheckpointError::from(e).into()),
        }
        cosigned.sort();
        let names: Vec<&str> = cosigned.iter().map(|(n, _)| n.as_str()).collect();
        if let Some(quorum) = &self.quorum
            && !self.witnessed(quorum, &names)
        {
            let cosigned = names.iter().map(|n| (*n).to_owned()).collect();
            return Err(PolicyError::NoQuorumReached { cosigned });
        }
        Ok(WitnessedCheckpoint { checkpoint, cosigned })
    }

    /// Whether the witness or group `name` witnessed, given the witnesses
    /// that cosigned. Groups only name earlier names, so this ends.
    fn witnessed(&self, name: &str, cosigned: &[&str]) -> bool {
        match self.names.get(name) {
            Some(Member::Witness(_)) => cosigned.contains(&name),
            Some(Member::Group { threshold, members }) => {
                members.iter().filter(|m| self.witnessed(m, cosigned)).count() >= *threshold
            }
            None => false,
        }
    }
}
