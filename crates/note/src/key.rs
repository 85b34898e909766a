//! Key names, key IDs, verifier keys and Ed25519 signing keys.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::Signer as _;
use sha2::{Digest, Sha256};

use crate::note::NoteSignature;
use crate::{KeyError, NoteError};

/// The name of a key, as it appears in verifier keys and signature lines.
///
/// SPEC(signed-note): "Key names MUST be non-empty and MUST NOT contain any
/// Unicode spaces or plus (U+002B) characters." Names also never contain
/// the ASCII control characters that no signed note may hold (below
/// U+0020); other characters, DEL and C1 controls included, are allowed,
/// as in Go's implementation (the differential test holds Truce to it).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyName(Box<str>);

impl KeyName {
    /// Checks `name` against the signed-note rules.
    pub fn new(name: &str) -> Result<KeyName, KeyError> {
        if is_valid_name(name) {
            Ok(KeyName(name.into()))
        } else {
            Err(KeyError::InvalidName(name.to_owned()))
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub(crate) fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c == '+' || c.is_whitespace() || c < ' ')
}

impl fmt::Display for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl AsRef<str> for KeyName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The 32-bit key ID that starts every signature.
///
/// Displayed as eight lower-case hex digits, as in verifier keys.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(pub u32);

impl KeyId {
    /// SPEC(signed-note): "key ID = SHA-256(key name || 0x0A || signature
    /// type || public key)[:4]".
    pub fn compute(name: &KeyName, algorithm: Algorithm, public_key: &[u8]) -> KeyId {
        let digest = Sha256::new()
            .chain_update(name.as_str())
            .chain_update([b'\n', algorithm.type_byte()])
            .chain_update(public_key)
            .finalize();
        KeyId(u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]))
    }

    /// Parses exactly eight lower-case hex digits.
    fn parse_hex(hex: &str) -> Option<KeyId> {
        let lower_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
        if hex.len() != 8 || !hex.bytes().all(lower_hex) {
            return None;
        }
        u32::from_str_radix(hex, 16).ok().map(KeyId)
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08x}", self.0)
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({:08x})", self.0)
    }
}

/// A signature type of the signed-note specification that Truce implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// `0x01`: Ed25519 over the note text (entries, checkpoints).
    Ed25519,
    /// `0x04`: timestamped Ed25519 checkpoint cosignatures
    /// (c2sp.org/tlog-cosignature), as made by witnesses.
    CosignatureV1,
}

impl Algorithm {
    /// The signature type identifier byte.
    pub fn type_byte(self) -> u8 {
        match self {
            Algorithm::Ed25519 => 0x01,
            Algorithm::CosignatureV1 => 0x04,
        }
    }

    fn from_type_byte(byte: u8) -> Result<Algorithm, KeyError> {
        match byte {
            0x01 => Ok(Algorithm::Ed25519),
            0x04 => Ok(Algorithm::CosignatureV1),
            other => Err(KeyError::UnsupportedAlgorithm(other)),
        }
    }
}

/// A public key that verifies signatures in notes, with its name and key ID.
///
/// Its text form is the signed-note verifier key
/// `<name>+<hex key ID>+<base64(type || public key)>`. Parsing recomputes the
/// key ID and refuses a key whose stated ID does not match, so a
/// `VerifierKey` always has a consistent name, ID and key.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: KeyName,
    id: KeyId,
    algorithm: Algorithm,
    key: ed25519_dalek::VerifyingKey,
}

impl VerifierKey {
    fn from_parts(name: KeyName, algorithm: Algorithm, key: ed25519_dalek::VerifyingKey) -> Self {
        let id = KeyId::compute(&name, algorithm, key.as_bytes());
        VerifierKey { name, id, algorithm, key }
    }

    /// The verifier key of the raw Ed25519 `public_key` under `name`, of
    /// signature type `algorithm` (a key held in a hardware token, whose
    /// public half the token gives).
    pub fn from_public_key(
        name: KeyName,
        algorithm: Algorithm,
        public_key: &[u8; 32],
    ) -> Result<VerifierKey, KeyError> {
        let key = ed25519_dalek::VerifyingKey::from_bytes(public_key)
            .map_err(|_| KeyError::InvalidPublicKey)?;
        Ok(VerifierKey::from_parts(name, algorithm, key))
    }

    /// The key name.
    pub fn name(&self) -> &KeyName {
        &self.name
    }

    /// The key ID.
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// The signature type this key verifies.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The raw 32-byte Ed25519 public key.
    pub fn public_key(&self) -> &[u8; 32] {
        self.key.as_bytes()
    }

    /// Verifies `signature` (the bytes after the 4-byte key ID) over a note's
    /// `text`, and returns the cosignature timestamp if the key is a
    /// cosignature key.
    pub(crate) fn verify(&self, text: &str, signature: &[u8]) -> Result<Option<u64>, ()> {
        match self.algorithm {
            Algorithm::Ed25519 => {
                let sig = ed25519_dalek::Signature::from_slice(signature).map_err(|_| ())?;
                self.key.verify_strict(text.as_bytes(), &sig).map_err(|_| ())?;
                Ok(None)
            }
            Algorithm::CosignatureV1 => {
                // SPEC(tlog-cosignature): the signature is a big-endian
                // uint64 timestamp followed by an Ed25519 signature over
                // "cosignature/v1\ntime <timestamp>\n" || checkpoint body.
                let (time, sig) = signature.split_first_chunk::<8>().ok_or(())?;
                let time = u64::from_be_bytes(*time);
                let sig = ed25519_dalek::Signature::from_slice(sig).map_err(|_| ())?;
                let message = cosignature_message(time, text);
                self.key.verify_strict(message.as_bytes(), &sig).map_err(|_| ())?;
                Ok(Some(time))
            }
        }
    }
}

/// The message a cosignature/v1 signature covers.
pub(crate) fn cosignature_message(time: u64, checkpoint_body: &str) -> String {
    format!("cosignature/v1\ntime {time}\n{checkpoint_body}")
}

impl FromStr for VerifierKey {
    type Err = KeyError;

    fn from_str(vkey: &str) -> Result<VerifierKey, KeyError> {
        // Base64 may itself contain '+': split at most twice.
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(hex), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(KeyError::Malformed("expected <name>+<hex key ID>+<base64 key>"));
        };
        let name = KeyName::new(name)?;
        let stated = KeyId::parse_hex(hex)
            .ok_or(KeyError::Malformed("key ID must be 8 lower-case hex digits"))?;
        let raw = BASE64
            .decode(b64)
            .map_err(|_| KeyError::Malformed("key material is not valid base64"))?;
        let (&type_byte, public) =
            raw.split_first().ok_or(KeyError::Malformed("key material is empty"))?;
        let algorithm = Algorithm::from_type_byte(type_byte)?;
        let public: &[u8; 32] = public
            .try_into()
            .map_err(|_| KeyError::Malformed("an Ed25519 public key is 32 bytes"))?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(public)
            .map_err(|_| KeyError::InvalidPublicKey)?;
        let parsed = VerifierKey::from_parts(name, algorithm, key);
        if parsed.id != stated {
            return Err(KeyError::IdMismatch { stated, computed: parsed.id });
        }
        Ok(parsed)
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut raw = [0u8; 33];
        raw[0] = self.algorithm.type_byte();
        raw[1..].copy_from_slice(self.key.as_bytes());
        write!(f, "{}+{}+{}", self.name, self.id, BASE64.encode(raw))
    }
}

impl fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifierKey({self})")
    }
}

/// An Ed25519 private key with its name: it signs notes with signature type
/// `0x01`.
///
/// Its text form is the one of Go's `sumdb/note`:
/// `PRIVATE+KEY+<name>+<hex key ID>+base64(0x01 || 32-byte seed)`. The
/// `Debug` form never shows the secret.
#[derive(Clone)]
pub struct SigningKey {
    name: KeyName,
    id: KeyId,
    algorithm: Algorithm,
    key: ed25519_dalek::SigningKey,
}

const PRIVATE_KEY_PREFIX: &str = "PRIVATE+KEY+";

impl SigningKey {
    /// Generates a fresh key from the operating system's random source.
    pub fn generate(name: &str) -> Result<SigningKey, KeyError> {
        let name = KeyName::new(name)?;
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(SigningKey::from_seed(name, &seed))
    }

    /// Builds the key from a 32-byte Ed25519 seed (RFC 8032 private key).
    pub fn from_seed(name: KeyName, seed: &[u8; 32]) -> SigningKey {
        SigningKey::from_seed_for(name, Algorithm::Ed25519, seed)
    }

    /// Generates a fresh witness key, which makes timestamped
    /// cosignatures (type `0x04`) with [`SigningKey::cosign`].
    pub fn generate_cosigner(name: &str) -> Result<SigningKey, KeyError> {
        let mut key = SigningKey::generate(name)?;
        key.algorithm = Algorithm::CosignatureV1;
        key.id = KeyId::compute(&key.name, key.algorithm, key.key.verifying_key().as_bytes());
        Ok(key)
    }

    /// Builds a key of either signature type from a 32-byte Ed25519 seed.
    pub fn from_seed_for(name: KeyName, algorithm: Algorithm, seed: &[u8; 32]) -> SigningKey {
        let key = ed25519_dalek::SigningKey::from_bytes(seed);
        let id = KeyId::compute(&name, algorithm, key.verifying_key().as_bytes());
        SigningKey { name, id, algorithm, key }
    }

    /// The signature type this key makes.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// A tlog-cosignature/v1 signature of a checkpoint body at `time`
    /// (seconds since the Unix epoch), by a witness key.
    pub fn cosign(&self, checkpoint_body: &str, time: u64) -> Result<NoteSignature, NoteError> {
        crate::signer::cosign(self, checkpoint_body, time)
    }

    /// The key name.
    pub fn name(&self) -> &KeyName {
        &self.name
    }

    /// The key ID.
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// The verifier key that checks this key's signatures.
    pub fn verifier_key(&self) -> VerifierKey {
        VerifierKey::from_parts(self.name.clone(), self.algorithm, self.key.verifying_key())
    }

    /// The private key in `PRIVATE+KEY+...` form. Keep it secret.
    pub fn to_private_key_string(&self) -> String {
        let mut raw = [0u8; 33];
        raw[0] = self.algorithm.type_byte();
        raw[1..].copy_from_slice(self.key.as_bytes());
        format!("{PRIVATE_KEY_PREFIX}{}+{}+{}", self.name, self.id, BASE64.encode(raw))
    }

    pub(crate) fn sign_bytes(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

impl FromStr for SigningKey {
    type Err = KeyError;

    /// Parses a `PRIVATE+KEY+<name>+<hex id>+<base64>` string; surrounding
    /// white space (a trailing newline in a key file) is ignored.
    fn from_str(text: &str) -> Result<SigningKey, KeyError> {
        let rest = text
            .trim()
            .strip_prefix(PRIVATE_KEY_PREFIX)
            .ok_or(KeyError::Malformed("a private key starts with PRIVATE+KEY+"))?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(hex), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(KeyError::Malformed(
                "expected PRIVATE+KEY+<name>+<hex key ID>+<base64 key>",
            ));
        };
        let name = KeyName::new(name)?;
        let stated = KeyId::parse_hex(hex)
            .ok_or(KeyError::Malformed("key ID must be 8 lower-case hex digits"))?;
        let raw = BASE64
            .decode(b64)
            .map_err(|_| KeyError::Malformed("key material is not valid base64"))?;
        let (&type_byte, seed) =
            raw.split_first().ok_or(KeyError::Malformed("key material is empty"))?;
        let algorithm = Algorithm::from_type_byte(type_byte)?;
        let seed: &[u8; 32] = seed
            .try_into()
            .map_err(|_| KeyError::Malformed("an Ed25519 private key is a 32-byte seed"))?;
        let key = SigningKey::from_seed_for(name, algorithm, seed);
        if key.id != stated {
            return Err(KeyError::IdMismatch { stated, computed: key.id });
        }
        Ok(key)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({}+{}, secret elided)", self.name, self.id)
    }
}
