//! Signers: private keys that sign where they are kept. A
//! [`SigningKey`] holds its secret in memory; a key in a hardware token
//! (PKCS#11, in `truce-store`) never leaves the token and signs there.

use crate::NoteError;
use crate::key::{Algorithm, SigningKey, VerifierKey, cosignature_message};
use crate::note::{NoteSignature, check_text};

/// A private key that makes Ed25519 signatures of notes.
pub trait Signer: Send + Sync {
    /// The verifier key of its signatures: its name, signature type and
    /// public key.
    fn verifier_key(&self) -> VerifierKey;

    /// The Ed25519 signature (RFC 8032) of `message`.
    fn sign_message(&self, message: &[u8]) -> Result<[u8; 64], NoteError>;

    /// Whether its signatures need no check before they are used: true
    /// for a key in memory, whose deterministic Ed25519 cannot make one
    /// that fails. A signature from anywhere else is verified, strictly,
    /// before a note carries it: a log must never publish a signature an
    /// independent verifier rejects.
    fn signs_exactly(&self) -> bool {
        false
    }
}

impl Signer for SigningKey {
    fn verifier_key(&self) -> VerifierKey {
        SigningKey::verifier_key(self)
    }

    fn sign_message(&self, message: &[u8]) -> Result<[u8; 64], NoteError> {
        Ok(self.sign_bytes(message))
    }

    fn signs_exactly(&self) -> bool {
        true
    }
}

impl<S: Signer + ?Sized> Signer for Box<S> {
    fn verifier_key(&self) -> VerifierKey {
        (**self).verifier_key()
    }

    fn sign_message(&self, message: &[u8]) -> Result<[u8; 64], NoteError> {
        (**self).sign_message(message)
    }

    fn signs_exactly(&self) -> bool {
        (**self).signs_exactly()
    }
}

/// `signer`'s signature of a note's `text`, verified unless the signer
/// signs exactly; only Ed25519 (`0x01`) keys sign notes this way.
pub(crate) fn note_signature(signer: &dyn Signer, text: &str) -> Result<Vec<u8>, NoteError> {
    let key = signer.verifier_key();
    if key.algorithm() != Algorithm::Ed25519 {
        return Err(NoteError::WrongKeyType("a cosignature key signs only with a timestamp"));
    }
    let signature = signer.sign_message(text.as_bytes())?;
    if !signer.signs_exactly() && key.verify(text, &signature).is_err() {
        return Err(NoteError::Signer(format!(
            "{}+{} made a signature that does not verify with its public key",
            key.name(),
            key.id()
        )));
    }
    Ok(signature.to_vec())
}

/// A tlog-cosignature/v1 signature of a checkpoint body at `time`
/// (seconds since the Unix epoch), by a witness's cosignature (`0x04`)
/// key, verified unless the signer signs exactly.
pub fn cosign(
    signer: &dyn Signer,
    checkpoint_body: &str,
    time: u64,
) -> Result<NoteSignature, NoteError> {
    let key = signer.verifier_key();
    if key.algorithm() != Algorithm::CosignatureV1 {
        return Err(NoteError::WrongKeyType("cosignatures need a cosignature (0x04) key"));
    }
    // SPEC(tlog-cosignature): "the timestamp MUST NOT be zero" in a
    // witness's answer, and the checkpoint body must be a note text.
    if time == 0 {
        return Err(NoteError::InvalidText("a cosignature's timestamp must not be zero"));
    }
    check_text(checkpoint_body)?;
    let message = cosignature_message(time, checkpoint_body);
    let mut signature = Vec::with_capacity(72);
    signature.extend_from_slice(&time.to_be_bytes());
    signature.extend_from_slice(&signer.sign_message(message.as_bytes())?);
    if !signer.signs_exactly() && key.verify(checkpoint_body, &signature).is_err() {
        return Err(NoteError::Signer(format!(
            "{}+{} made a cosignature that does not verify with its public key",
            key.name(),
            key.id()
        )));
    }
    Ok(NoteSignature::new(key.name().as_str().to_owned(), key.id(), signature))
}
