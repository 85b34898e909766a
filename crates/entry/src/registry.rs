//! The source registry: who may write which entries, as the log's own
//! `truce.source/v1` entries say.
//!
//! The registry is a pure function of a log prefix. The server admits a new
//! entry with it, and an auditor replays the whole log through it: both
//! apply the same rules, so an entry the server accepted is one the auditor
//! accepts.

use std::collections::{BTreeMap, HashMap};

use truce_note::{KeyId, KeyName, UnverifiedNote, VerifierKey, Verifiers};

use crate::common::Identifier;
use crate::entry::{Entry, EntryType};
use crate::signed::{EntryError, SignedEntry};
use crate::types::source::{Reliability, Role, Source, SourceAction};

/// A source as the registry knows it.
#[derive(Clone, Debug, PartialEq)]
pub struct RegisteredSource {
    /// The source's identifier.
    pub id: Identifier,
    /// Its current verifier key.
    pub key: VerifierKey,
    /// The keys it used before, oldest first: they stay valid for the
    /// entries they signed while current, so a verifier needs them.
    pub previous_keys: Vec<VerifierKey>,
    /// Its name for people.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// Its organisation.
    pub organisation: String,
    /// For role `party`, the party it speaks for.
    pub party: Option<Identifier>,
    /// Its default reliability.
    pub reliability: Reliability,
    /// The log index of the entry that registered it.
    pub registered_at: u64,
    /// The log index of the entry that revoked it, if any.
    pub revoked_at: Option<u64>,
}

impl RegisteredSource {
    /// Whether the source may still submit entries.
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// Why an entry may not enter the log.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AdmissionError {
    /// The entry is malformed, invalid, or its signatures do not verify.
    #[error(transparent)]
    Entry(#[from] EntryError),
    /// No signature is by a registered, active source.
    #[error("signed by no registered source (keys: {keys})")]
    UnknownSigner {
        /// The keys that signed, as `name+id`.
        keys: String,
    },
    /// The only known signer's key was revoked.
    #[error("signed by {signer}, whose key was revoked by entry {revoked_at}")]
    RevokedSigner {
        /// The source whose key it was.
        signer: Identifier,
        /// The log index of the revocation.
        revoked_at: u64,
    },
    /// The signer's role may not submit this type of entry.
    #[error("a source with role {role} may not submit {entry_type} entries (signed by {signer})")]
    RoleNotAllowed {
        /// The signing source.
        signer: Identifier,
        /// Its role.
        role: Role,
        /// The type of the entry.
        entry_type: EntryType,
    },
    /// The source entry does not fit the registry as it stands.
    #[error("{0}")]
    RegistryConflict(String),
}

/// The roles allowed to submit each type of entry.
pub fn allowed_roles(entry_type: EntryType) -> &'static [Role] {
    match entry_type {
        EntryType::Source | EntryType::Agreement | EntryType::Statement | EntryType::LogKey => {
            &[Role::Operator]
        }
        EntryType::Report | EntryType::Coverage | EntryType::Evidence => {
            &[Role::Monitor, Role::Sensor, Role::Party, Role::Osint, Role::Media]
        }
        EntryType::Assessment => &[Role::Analyst],
    }
}

/// An entry the registry admitted, with the source that signed it.
#[derive(Clone, Debug)]
pub struct Admitted {
    /// The entry.
    pub entry: SignedEntry,
    /// The registered source whose signature admitted it.
    pub source: Identifier,
}

/// The registry of sources at some point of the log.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    sources: BTreeMap<Identifier, RegisteredSource>,
    /// Active keys, by key name and key ID.
    active_keys: HashMap<(KeyName, KeyId), Identifier>,
    /// Keys that belonged to revoked sources or were replaced.
    retired_keys: HashMap<(KeyName, KeyId), (Identifier, u64)>,
}

impl Verifiers for Registry {
    fn get(&self, name: &str, id: KeyId) -> Option<&VerifierKey> {
        let name = KeyName::new(name).ok()?;
        let source = self.active_keys.get(&(name, id))?;
        self.sources.get(source).map(|s| &s.key)
    }
}

impl Registry {
    /// An empty registry: the one a log starts with.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// The registered sources, active or not, by identifier.
    pub fn sources(&self) -> impl Iterator<Item = &RegisteredSource> {
        self.sources.values()
    }

    /// The source with this identifier.
    pub fn source(&self, id: &Identifier) -> Option<&RegisteredSource> {
        self.sources.get(id)
    }

    /// The active source whose current key is `key`.
    pub fn source_of_key(&self, key: &VerifierKey) -> Option<&RegisteredSource> {
        let id = self.active_keys.get(&(key.name().clone(), key.id()))?;
        self.sources.get(id).filter(|source| source.key == *key)
    }

    /// Checks that the signed entry `note` may be the next entry of the
    /// log, without changing the registry.
    pub fn check(&self, note: &[u8]) -> Result<Admitted, AdmissionError> {
        let entry = self.verify(note)?;
        let source = self.permitted_signer(&entry)?;
        if let Entry::Source(change) = entry.entry() {
            self.clone().apply_source(change, u64::MAX)?;
        }
        Ok(Admitted { entry, source })
    }

    /// Admits the signed entry `note` as the entry at `index` of the log:
    /// [`Registry::verify`], then [`Registry::admit_verified`].
    pub fn admit(&mut self, index: u64, note: &[u8]) -> Result<Admitted, AdmissionError> {
        let entry = self.verify(note)?;
        self.admit_verified(index, entry)
    }

    /// Admits an entry that [`Registry::verify`] opened, perhaps against an
    /// earlier state of this registry, as the entry at `index`: a signer
    /// must still be an active source whose role may submit the entry's
    /// type; a source entry must fit the registry, and changes it.
    ///
    /// This is the cheap half of admission: the signatures are not checked
    /// again, so a server can verify entries on every core and admit them
    /// in log order on one.
    pub fn admit_verified(
        &mut self,
        index: u64,
        entry: SignedEntry,
    ) -> Result<Admitted, AdmissionError> {
        let source = self.permitted_signer(&entry)?;
        if let Entry::Source(change) = entry.entry() {
            let mut next = self.clone();
            next.apply_source(change, index)?;
            *self = next;
        }
        Ok(Admitted { entry, source })
    }

    /// Opens the signed entry `note` and verifies its signatures against
    /// the active keys of the registry (for the first entry of a log, the
    /// key it registers). The expensive half of admission; changes nothing.
    pub fn verify(&self, note: &[u8]) -> Result<SignedEntry, AdmissionError> {
        if self.sources.is_empty() {
            // The first entry registers the operator with its own key: it
            // is checked against the key it carries.
            return self.open_genesis(note);
        }
        match SignedEntry::open(note, self) {
            Err(EntryError::Note(truce_note::NoteError::NoVerifiableSignatures)) => {
                Err(self.unknown_signer(note))
            }
            other => Ok(other?),
        }
    }

    fn open_genesis(&self, note: &[u8]) -> Result<SignedEntry, AdmissionError> {
        let genesis = || {
            AdmissionError::RegistryConflict(
                "the first entry of a log must register the operator, signed with its own key"
                    .into(),
            )
        };
        let unverified = UnverifiedNote::parse(note).map_err(EntryError::Note)?;
        let text = unverified.text_unverified().trim_end();
        let Ok(Entry::Source(source)) = Entry::parse(text.as_bytes()) else {
            return Err(genesis());
        };
        let key = match (&source.action, source.role, &source.key) {
            (SourceAction::Register, Some(Role::Operator), Some(key)) => key.0.clone(),
            _ => return Err(genesis()),
        };
        Ok(SignedEntry::open(note, &key)?)
    }

    fn unknown_signer(&self, note: &[u8]) -> AdmissionError {
        let Ok(unverified) = UnverifiedNote::parse(note) else {
            return AdmissionError::UnknownSigner { keys: String::new() };
        };
        let signatures = unverified.signatures();
        for sig in signatures {
            let Ok(name) = KeyName::new(sig.name()) else { continue };
            if let Some((source, revoked_at)) = self.retired_keys.get(&(name, sig.id())) {
                return AdmissionError::RevokedSigner {
                    signer: source.clone(),
                    revoked_at: *revoked_at,
                };
            }
        }
        let keys: Vec<String> =
            signatures.iter().map(|s| format!("{}+{}", s.name(), s.id())).collect();
        AdmissionError::UnknownSigner { keys: keys.join(", ") }
    }

    /// The first signer, among the active sources, whose role may submit
    /// the entry's type.
    fn permitted_signer(&self, entry: &SignedEntry) -> Result<Identifier, AdmissionError> {
        let entry_type = entry.entry().entry_type();
        if self.sources.is_empty() {
            // The genesis entry must be signed by the operator it registers.
            return match entry.entry() {
                Entry::Source(Source { source, key: Some(key), .. })
                    if entry.signers().any(|k| *k == key.0) =>
                {
                    Ok(source.clone())
                }
                _ => Err(AdmissionError::RegistryConflict(
                    "the first entry of a log must register the operator, signed with its own key"
                        .into(),
                )),
            };
        }
        // A signer counts only with the very key its source has now.
        let signers: Vec<&RegisteredSource> =
            entry.signers().filter_map(|key| self.source_of_key(key)).collect();
        let allowed = allowed_roles(entry_type);
        if let Some(source) = signers.iter().find(|s| allowed.contains(&s.role)) {
            return Ok(source.id.clone());
        }
        match signers.first() {
            Some(s) => Err(AdmissionError::RoleNotAllowed {
                signer: s.id.clone(),
                role: s.role,
                entry_type,
            }),
            None => Err(self.unknown_signer(entry.as_bytes())),
        }
    }

    fn apply_source(&mut self, change: &Source, index: u64) -> Result<(), AdmissionError> {
        let conflict = |message: String| Err(AdmissionError::RegistryConflict(message));
        let id = &change.source;
        let existing = self.sources.get(id);
        match change.action {
            SourceAction::Register | SourceAction::Update => {
                match (change.action, existing) {
                    (SourceAction::Register, Some(_)) => {
                        return conflict(format!("source {id} is already registered"));
                    }
                    (SourceAction::Update, None) => {
                        return conflict(format!("source {id} is not registered"));
                    }
                    (SourceAction::Update, Some(s)) if !s.is_active() => {
                        return conflict(format!("source {id} was revoked"));
                    }
                    _ => {}
                }
                let (Some(key), Some(name), Some(role), Some(organisation), Some(reliability)) = (
                    &change.key,
                    &change.name,
                    change.role,
                    &change.organisation,
                    change.reliability,
                ) else {
                    // Validation requires them all to register or update.
                    return conflict(format!("source {id}: incomplete record"));
                };
                let key = key.0.clone();
                let key_ref = (key.name().clone(), key.id());
                if let Some(owner) = self.active_keys.get(&key_ref)
                    && owner != id
                {
                    return conflict(format!("the key {key} already belongs to source {owner}"));
                }
                if self.retired_keys.contains_key(&key_ref) {
                    return conflict(format!("the key {key} was retired and cannot be used again"));
                }
                // Every check before any change: a refused entry leaves the
                // registry as it was.
                let was_operator = existing.is_some_and(|s| s.role == Role::Operator);
                if was_operator && role != Role::Operator && !self.has_other_operator(id) {
                    return conflict(format!("source {id} is the last operator and must stay one"));
                }
                let mut previous_keys = existing.map_or_else(Vec::new, |s| s.previous_keys.clone());
                if let Some(old) = existing {
                    let old_ref = (old.key.name().clone(), old.key.id());
                    if old_ref != key_ref {
                        self.active_keys.remove(&old_ref);
                        self.retired_keys.insert(old_ref, (id.clone(), index));
                        previous_keys.push(old.key.clone());
                    }
                }
                let registered_at = existing.map_or(index, |s| s.registered_at);
                self.active_keys.insert(key_ref, id.clone());
                self.sources.insert(
                    id.clone(),
                    RegisteredSource {
                        id: id.clone(),
                        key,
                        previous_keys,
                        name: name.as_str().to_owned(),
                        role,
                        organisation: organisation.as_str().to_owned(),
                        party: change.party.clone(),
                        reliability,
                        registered_at,
                        revoked_at: None,
                    },
                );
            }
            SourceAction::Revoke => {
                let Some(source) = existing else {
                    return conflict(format!("source {id} is not registered"));
                };
                if !source.is_active() {
                    return conflict(format!("source {id} is already revoked"));
                }
                if source.role == Role::Operator && !self.has_other_operator(id) {
                    return conflict(format!(
                        "source {id} is the last operator and cannot be revoked"
                    ));
                }
                let key_ref = (source.key.name().clone(), source.key.id());
                self.active_keys.remove(&key_ref);
                self.retired_keys.insert(key_ref, (id.clone(), index));
                if let Some(source) = self.sources.get_mut(id) {
                    source.revoked_at = Some(index);
                }
            }
        }
        Ok(())
    }

    /// Whether an active operator other than `id` exists.
    fn has_other_operator(&self, id: &Identifier) -> bool {
        self.sources.values().any(|s| &s.id != id && s.role == Role::Operator && s.is_active())
    }
}
