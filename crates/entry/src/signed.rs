//! Entries as signed notes: the bytes that go into the log.

use truce_note::{NoteError, Signer, UnverifiedNote, VerifiedNote, VerifierKey, Verifiers};

use crate::check::Problems;
use crate::entry::{Entry, MAX_ENTRY_SIZE};
use crate::json::{canonical, parse_strict};

/// Why a signed entry was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EntryError {
    /// The entry's JSON breaks the rules; every problem is listed.
    #[error("{0}")]
    Invalid(Problems),
    /// The signed entry is longer than an entry may be.
    #[error("the signed entry is {size} bytes; an entry holds at most {MAX_ENTRY_SIZE}")]
    TooLarge {
        /// Its size in bytes.
        size: usize,
    },
    /// The signed note is malformed, or its signatures do not verify.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// The note text is not one line followed by a newline.
    #[error("the entry text must be one line of JSON followed by a newline")]
    NotOneLine,
    /// The JSON is valid but not in its canonical form (RFC 8785), so two
    /// byte strings could mean one entry.
    #[error("the entry JSON is not in canonical form (RFC 8785); sign it with `truce entry sign`")]
    NotCanonical,
}

/// An entry whose signatures verified against known keys, with the exact
/// bytes that the log holds.
///
/// Made by [`SignedEntry::sign`] or [`SignedEntry::open`]; both check that
/// the text is one line of canonical JSON that is a valid entry.
#[derive(Clone, Debug)]
pub struct SignedEntry {
    bytes: Vec<u8>,
    note: VerifiedNote,
    entry: Entry,
}

impl SignedEntry {
    /// Signs `entry` with every key in `signers`: keys in memory, or
    /// held in a token.
    pub fn sign(entry: &Entry, signers: &[&dyn Signer]) -> Result<SignedEntry, EntryError> {
        let mut text = entry.to_canonical_json();
        text.push('\n');
        let note = VerifiedNote::sign(&text, signers)?;
        let bytes = note.to_bytes();
        if bytes.len() > MAX_ENTRY_SIZE {
            return Err(EntryError::TooLarge { size: bytes.len() });
        }
        Ok(SignedEntry { bytes, note, entry: entry.clone() })
    }

    /// Reads JSON text in any layout, checks it is a valid entry, and signs
    /// its canonical form.
    pub fn sign_json(json: &[u8], signers: &[&dyn Signer]) -> Result<SignedEntry, EntryError> {
        let entry = Entry::parse(json).map_err(EntryError::Invalid)?;
        SignedEntry::sign(&entry, signers)
    }

    /// Opens a signed entry: checks its size, its signatures against
    /// `verifiers`, and that its text is one line of canonical JSON that is
    /// a valid entry.
    pub fn open<V: Verifiers + ?Sized>(
        bytes: &[u8],
        verifiers: &V,
    ) -> Result<SignedEntry, EntryError> {
        if bytes.len() > MAX_ENTRY_SIZE {
            return Err(EntryError::TooLarge { size: bytes.len() });
        }
        let note = UnverifiedNote::parse(bytes)?.verify(verifiers)?;
        let entry = entry_of_text(note.text())?;
        Ok(SignedEntry { bytes: bytes.to_vec(), note, entry })
    }

    /// The entry.
    pub fn entry(&self) -> &Entry {
        &self.entry
    }

    /// The signed note, as the log holds it.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The signed note, as the log holds it.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The verified note.
    pub fn note(&self) -> &VerifiedNote {
        &self.note
    }

    /// The keys whose signatures verified.
    pub fn signers(&self) -> impl Iterator<Item = &VerifierKey> {
        self.note.verified().iter().map(|s| s.key())
    }
}

/// The entry that a note text holds: one line of canonical JSON and a
/// newline.
fn entry_of_text(text: &str) -> Result<Entry, EntryError> {
    let json = text.strip_suffix('\n').ok_or(EntryError::NotOneLine)?;
    if json.contains('\n') {
        return Err(EntryError::NotOneLine);
    }
    let value = parse_strict(json)
        .map_err(|e| EntryError::Invalid(Problems::whole(format!("invalid JSON: {e}"))))?;
    let entry = Entry::from_value(&value).map_err(EntryError::Invalid)?;
    if canonical(&value) != json {
        return Err(EntryError::NotCanonical);
    }
    Ok(entry)
}
