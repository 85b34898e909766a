//! Parsing, signing and verifying signed notes.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::key::{KeyId, KeyName, VerifierKey, is_valid_name};
use crate::signer::{Signer, note_signature};
use crate::{MalformedNote, NoteError};

/// The most signatures a note may carry.
///
/// SPEC(signed-note): verifiers "MUST accept at least up to 16 signatures".
/// Go's `sumdb/note` stops at 100; so do we, so that both accept the same
/// notes.
pub const MAX_SIGNATURES: usize = 100;

const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// One signature line of a note, not yet checked against any key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    name: String,
    id: KeyId,
    signature: Vec<u8>,
}

impl NoteSignature {
    pub(crate) fn new(name: String, id: KeyId, signature: Vec<u8>) -> NoteSignature {
        NoteSignature { name, id, signature }
    }

    /// The signature line, `— <name> <base64(key ID || signature)>`, with
    /// its newline: what a witness answers to `add-checkpoint`.
    pub fn to_line(&self) -> String {
        let mut line = String::with_capacity(self.name.len() + 110);
        self.write_line(&mut line);
        line
    }

    /// The key name on the signature line.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID: the first four bytes of the signature.
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// The signature bytes after the key ID.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    fn write_line(&self, out: &mut String) {
        let mut blob = Vec::with_capacity(4 + self.signature.len());
        blob.extend_from_slice(&self.id.0.to_be_bytes());
        blob.extend_from_slice(&self.signature);
        out.push_str(SIGNATURE_PREFIX);
        out.push_str(&self.name);
        out.push(' ');
        BASE64.encode_string(&blob, out);
        out.push('\n');
    }
}

/// A note that parsed, but whose signatures have not been checked.
///
/// SPEC(signed-note): "The text MUST be ignored unless the note is signed by a
/// trusted key and the signature has been verified." So the text of an
/// `UnverifiedNote` is only reachable through [`UnverifiedNote::verify`] or
/// the deliberately named [`UnverifiedNote::text_unverified`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnverifiedNote {
    text: String,
    signatures: Vec<NoteSignature>,
}

/// Looks up the verifier key for a signature line's key name and key ID.
///
/// SPEC(signed-note): "Verifiers MUST ignore signatures from unknown keys,
/// even if they share a name or ID (but not both) with a known key": an
/// implementation must match on both.
pub trait Verifiers {
    /// The key with this name and ID, if it is known.
    fn get(&self, name: &str, id: KeyId) -> Option<&VerifierKey>;
}

impl Verifiers for [VerifierKey] {
    fn get(&self, name: &str, id: KeyId) -> Option<&VerifierKey> {
        self.iter().find(|k| k.id() == id && k.name().as_str() == name)
    }
}

impl Verifiers for Vec<VerifierKey> {
    fn get(&self, name: &str, id: KeyId) -> Option<&VerifierKey> {
        Verifiers::get(self.as_slice(), name, id)
    }
}

impl Verifiers for VerifierKey {
    fn get(&self, name: &str, id: KeyId) -> Option<&VerifierKey> {
        (self.id() == id && self.name().as_str() == name).then_some(self)
    }
}

/// A set of verifier keys indexed by name and key ID, for many keys.
#[derive(Clone, Debug, Default)]
pub struct VerifierSet {
    keys: HashMap<(KeyName, KeyId), VerifierKey>,
}

impl VerifierSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a key, replacing one with the same name and ID.
    pub fn insert(&mut self, key: VerifierKey) {
        self.keys.insert((key.name().clone(), key.id()), key);
    }

    /// Removes the key with this name and ID.
    pub fn remove(&mut self, name: &KeyName, id: KeyId) -> Option<VerifierKey> {
        self.keys.remove(&(name.clone(), id))
    }

    /// How many keys the set holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl FromIterator<VerifierKey> for VerifierSet {
    fn from_iter<I: IntoIterator<Item = VerifierKey>>(iter: I) -> Self {
        let mut set = VerifierSet::new();
        iter.into_iter().for_each(|k| set.insert(k));
        set
    }
}

impl Verifiers for VerifierSet {
    fn get(&self, name: &str, id: KeyId) -> Option<&VerifierKey> {
        // Names in the set are valid; an invalid name cannot be in it.
        let name = KeyName::new(name).ok()?;
        self.keys.get(&(name, id))
    }
}

impl<T: Verifiers + ?Sized> Verifiers for &T {
    fn get(&self, name: &str, id: KeyId) -> Option<&VerifierKey> {
        (**self).get(name, id)
    }
}

/// A signature that verified against a known key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedSignature {
    key: VerifierKey,
    timestamp: Option<u64>,
}

impl VerifiedSignature {
    /// The key that made the signature.
    pub fn key(&self) -> &VerifierKey {
        &self.key
    }

    /// For a cosignature (type `0x04`), the time it states, in seconds since
    /// the Unix epoch.
    pub fn timestamp(&self) -> Option<u64> {
        self.timestamp
    }
}

/// A note with at least one signature verified against a trusted key, and no
/// signature from a known key that failed.
///
/// The only way to make one is [`UnverifiedNote::verify`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedNote {
    note: UnverifiedNote,
    verified: Vec<VerifiedSignature>,
    unverified: Vec<usize>,
}

impl VerifiedNote {
    /// The note text, ending in a newline.
    pub fn text(&self) -> &str {
        &self.note.text
    }

    /// The signatures that verified, in the order of the note.
    pub fn verified(&self) -> &[VerifiedSignature] {
        &self.verified
    }

    /// The signatures from keys that were not known, in the order of the note.
    pub fn unverified(&self) -> impl Iterator<Item = &NoteSignature> {
        self.unverified.iter().map(|&i| &self.note.signatures[i])
    }

    /// Every signature line of the note.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.note.signatures
    }

    /// The note back in its encoded form.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.note.to_bytes()
    }

    /// The note without the verification.
    pub fn into_unverified(self) -> UnverifiedNote {
        self.note
    }
}

impl UnverifiedNote {
    /// Parses a signed note.
    ///
    /// SPEC(signed-note): the note must be valid UTF-8 with no control
    /// characters but newline; the text ends in a newline and is separated
    /// from the signature lines by the last blank line; each signature line
    /// is an em dash, a space, a valid key name, a space and the base64 of a
    /// 4-byte key ID and the signature.
    pub fn parse(note: &[u8]) -> Result<UnverifiedNote, NoteError> {
        let note = std::str::from_utf8(note).map_err(|e| {
            NoteError::Malformed(MalformedNote::NotUtf8 { offset: e.valid_up_to() })
        })?;
        if let Some(offset) = note.bytes().position(|b| b < 0x20 && b != b'\n') {
            return Err(NoteError::Malformed(MalformedNote::ControlCharacter { offset }));
        }
        let split =
            note.rfind("\n\n").ok_or(NoteError::Malformed(MalformedNote::NoSignatureBlock))?;
        let (text, lines) = (&note[..split + 1], &note[split + 2..]);
        if lines.is_empty() {
            return Err(NoteError::Malformed(MalformedNote::NoSignatures));
        }
        let lines = lines
            .strip_suffix('\n')
            .ok_or(NoteError::Malformed(MalformedNote::MissingFinalNewline))?;
        let mut signatures = Vec::new();
        for (number, line) in lines.split('\n').enumerate() {
            if signatures.len() == MAX_SIGNATURES {
                return Err(NoteError::Malformed(MalformedNote::TooManySignatures));
            }
            let signature = parse_signature_line(line).ok_or(NoteError::Malformed(
                MalformedNote::BadSignatureLine { line: number + 1 },
            ))?;
            signatures.push(signature);
        }
        Ok(UnverifiedNote { text: text.to_owned(), signatures })
    }

    /// The signature lines.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// The text, before any signature has been checked: for diagnostics and
    /// for finding which keys to verify with, never for trusting.
    pub fn text_unverified(&self) -> &str {
        &self.text
    }

    /// Checks the signatures with `verifiers`.
    ///
    /// Succeeds if at least one signature verifies and none from a known key
    /// fails. SPEC(signed-note): unknown keys are ignored; "If a signature
    /// from a known key fails to verify, clients SHOULD reject the whole
    /// note"; we do. A key that signed twice is counted once.
    pub fn verify<V: Verifiers + ?Sized>(self, verifiers: &V) -> Result<VerifiedNote, NoteError> {
        let mut verified: Vec<VerifiedSignature> = Vec::new();
        let mut unverified = Vec::new();
        for (i, sig) in self.signatures.iter().enumerate() {
            match verifiers.get(&sig.name, sig.id) {
                Some(key) => {
                    let timestamp = key.verify(&self.text, &sig.signature).map_err(|()| {
                        NoteError::InvalidSignature { name: sig.name.clone(), id: sig.id }
                    })?;
                    if !verified.iter().any(|v| v.key == *key) {
                        verified.push(VerifiedSignature { key: key.clone(), timestamp });
                    }
                }
                None => unverified.push(i),
            }
        }
        if verified.is_empty() {
            return Err(NoteError::NoVerifiableSignatures);
        }
        Ok(VerifiedNote { note: self, verified, unverified })
    }

    /// The note in its encoded form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = String::with_capacity(self.text.len() + 1 + 100 * self.signatures.len());
        out.push_str(&self.text);
        out.push('\n');
        for sig in &self.signatures {
            sig.write_line(&mut out);
        }
        out.into_bytes()
    }

    /// Adds signatures by `signers` to the note, replacing any earlier
    /// signature by the same key name and ID. The earlier signatures are not
    /// checked.
    ///
    /// Cosignature keys are refused: a cosignature needs a timestamp (see
    /// [`SigningKey::cosign`] and [`UnverifiedNote::add_signature`]).
    pub fn add_signatures(&mut self, signers: &[&dyn Signer]) -> Result<(), NoteError> {
        if self.signatures.len() + signers.len() > MAX_SIGNATURES {
            return Err(NoteError::Malformed(MalformedNote::TooManySignatures));
        }
        // Every signature is made before any is added: a signer that
        // fails leaves the note as it was.
        let mut made = Vec::with_capacity(signers.len());
        for signer in signers {
            let key = signer.verifier_key();
            made.push((
                key.name().as_str().to_owned(),
                key.id(),
                note_signature(*signer, &self.text)?,
            ));
        }
        for (name, id, signature) in made {
            self.signatures.retain(|s| !(s.id == id && s.name == name));
            self.signatures.push(NoteSignature { name, id, signature });
        }
        Ok(())
    }
}

impl UnverifiedNote {
    /// Keeps only the signatures for which `keep` is true: to republish a
    /// note with only the signatures one checked, say.
    pub fn retain_signatures(&mut self, keep: impl FnMut(&NoteSignature) -> bool) {
        self.signatures.retain(keep);
    }

    /// Adds a signature made elsewhere (a witness's cosignature, say),
    /// replacing any earlier one by the same key name and ID. It is not
    /// checked here.
    pub fn add_signature(&mut self, signature: NoteSignature) -> Result<(), NoteError> {
        self.signatures.retain(|s| !(s.id == signature.id && s.name == signature.name));
        if self.signatures.len() == MAX_SIGNATURES {
            return Err(NoteError::Malformed(MalformedNote::TooManySignatures));
        }
        self.signatures.push(signature);
        Ok(())
    }
}

fn parse_signature_line(line: &str) -> Option<NoteSignature> {
    let rest = line.strip_prefix(SIGNATURE_PREFIX)?;
    let (name, b64) = rest.split_once(' ')?;
    if !is_valid_name(name) || b64.is_empty() {
        return None;
    }
    let blob = BASE64.decode(b64).ok()?;
    if blob.len() < 5 {
        return None;
    }
    let (id, signature) = blob.split_first_chunk::<4>()?;
    Some(NoteSignature {
        name: name.to_owned(),
        id: KeyId(u32::from_be_bytes(*id)),
        signature: signature.to_vec(),
    })
}

/// Signs `text` with every key in `signers` and returns the signed note.
///
/// The text must end in a newline and hold no control character but
/// newline: exactly the texts that [`UnverifiedNote::parse`] gives back.
pub fn sign(text: &str, signers: &[&dyn Signer]) -> Result<Vec<u8>, NoteError> {
    VerifiedNote::sign(text, signers).map(|note| note.to_bytes())
}

impl VerifiedNote {
    /// Signs `text` with every key in `signers`.
    ///
    /// The note counts as verified by the signers' own verifier keys: a
    /// key in memory signs with deterministic Ed25519, which cannot make
    /// a signature that fails under the same key, and any other signer's
    /// signatures are verified as they are made.
    pub fn sign(text: &str, signers: &[&dyn Signer]) -> Result<VerifiedNote, NoteError> {
        check_text(text)?;
        if signers.is_empty() {
            return Err(NoteError::NoSigners);
        }
        let mut note = UnverifiedNote { text: text.to_owned(), signatures: Vec::new() };
        note.add_signatures(signers)?;
        let mut verified: Vec<VerifiedSignature> = Vec::new();
        for signer in signers {
            let key = signer.verifier_key();
            if !verified.iter().any(|v| v.key == key) {
                verified.push(VerifiedSignature { key, timestamp: None });
            }
        }
        Ok(VerifiedNote { note, verified, unverified: Vec::new() })
    }
}

pub(crate) fn check_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::InvalidText("the text must end in a newline"));
    }
    if text.bytes().any(|b| b < 0x20 && b != b'\n') {
        return Err(NoteError::InvalidText("the text must not hold control characters"));
    }
    Ok(())
}
