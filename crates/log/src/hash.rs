//! SHA-256 hashes and the RFC 6962 leaf and node hash functions.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};

/// The size of a hash in bytes.
pub const HASH_SIZE: usize = 32;

/// A SHA-256 hash: a leaf hash, an interior node hash or a tree root.
///
/// Displayed (and parsed) as standard base64 with padding, the encoding that
/// checkpoints, proofs and the transparency-dev vectors use.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hash(pub [u8; HASH_SIZE]);

/// The root of the empty tree.
///
/// SPEC(RFC 6962 2.1): "The hash of an empty list is the hash of an empty
/// string: MTH({}) = SHA-256()."
pub const EMPTY_ROOT: Hash = Hash([
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
]);

/// Why bytes or text are not a hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HashError {
    /// The bytes are not exactly 32 long.
    #[error("a hash is {HASH_SIZE} bytes, not {0}")]
    WrongLength(usize),
    /// The text is not standard, padded base64.
    #[error("a hash must be standard base64")]
    NotBase64,
}

impl Hash {
    /// Copies a hash out of a slice that must be exactly 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Result<Hash, HashError> {
        <[u8; HASH_SIZE]>::try_from(bytes)
            .map(Hash)
            .map_err(|_| HashError::WrongLength(bytes.len()))
    }

    /// The hash's bytes.
    pub fn as_bytes(&self) -> &[u8; HASH_SIZE] {
        &self.0
    }
}

impl From<[u8; HASH_SIZE]> for Hash {
    fn from(bytes: [u8; HASH_SIZE]) -> Hash {
        Hash(bytes)
    }
}

impl From<Hash> for [u8; HASH_SIZE] {
    fn from(hash: Hash) -> [u8; HASH_SIZE] {
        hash.0
    }
}

impl TryFrom<&[u8]> for Hash {
    type Error = HashError;

    fn try_from(bytes: &[u8]) -> Result<Hash, HashError> {
        Hash::from_slice(bytes)
    }
}

impl AsRef<[u8]> for Hash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // 32 bytes are 44 base64 characters: encode on the stack, as hashes
        // are printed in logs and error messages on hot-ish paths.
        let mut buf = [0u8; 44];
        let written = BASE64.encode_slice(self.0, &mut buf).map_err(|_| fmt::Error)?;
        let text = std::str::from_utf8(&buf[..written]).map_err(|_| fmt::Error)?;
        f.write_str(text)
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({self})")
    }
}

impl FromStr for Hash {
    type Err = HashError;

    /// Parses standard, padded base64 of exactly 32 bytes.
    fn from_str(text: &str) -> Result<Hash, HashError> {
        let bytes = BASE64.decode(text).map_err(|_| HashError::NotBase64)?;
        Hash::from_slice(&bytes)
    }
}

/// The prefix that separates leaf hashes from node hashes, so that no leaf
/// can be passed off as an interior node (a second-preimage attack).
const LEAF_PREFIX: u8 = 0x00;
const NODE_PREFIX: u8 = 0x01;

/// The hash of a log entry.
///
/// SPEC(RFC 6962 2.1): "MTH({d(0)}) = SHA-256(0x00 || d(0))."
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let digest = Sha256::new().chain_update([LEAF_PREFIX]).chain_update(entry).finalize();
    Hash(digest.into())
}

/// The hash of an interior node from the hashes of its two children.
///
/// SPEC(RFC 6962 2.1): "MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) ||
/// MTH(D[k:n]))".
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    // One stack buffer and one call: the 65 bytes fill exactly two SHA-256
    // blocks with the padding, with no allocation and no buffering copies
    // beyond this one.
    let mut input = [0u8; 1 + 2 * HASH_SIZE];
    input[0] = NODE_PREFIX;
    input[1..=HASH_SIZE].copy_from_slice(&left.0);
    input[1 + HASH_SIZE..].copy_from_slice(&right.0);
    Hash(Sha256::digest(input).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(EMPTY_ROOT.0, <[u8; 32]>::from(Sha256::digest(b"")));
    }

    #[test]
    fn display_and_parse_round_trip() {
        let hash = leaf_hash(b"x");
        assert_eq!(hash.to_string().parse::<Hash>(), Ok(hash));
        assert_eq!(EMPTY_ROOT.to_string(), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        assert_eq!(format!("{EMPTY_ROOT:?}"), "Hash(47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=)");
    }

    #[test]
    fn wrong_lengths_and_bad_base64_are_rejected() {
        assert_eq!(Hash::from_slice(&[0; 31]), Err(HashError::WrongLength(31)));
        assert_eq!(Hash::from_slice(&[0; 33]), Err(HashError::WrongLength(33)));
        assert_eq!("ZG9uJ3QgY2FyZSAy".parse::<Hash>(), Err(HashError::WrongLength(12)));
        assert_eq!("not base64!".parse::<Hash>(), Err(HashError::NotBase64));
        // Unpadded base64 is not the standard encoding.
        assert_eq!(
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU".parse::<Hash>(),
            Err(HashError::NotBase64)
        );
    }

    #[test]
    fn node_hash_matches_the_streaming_definition() {
        let (l, r) = (leaf_hash(b"l"), leaf_hash(b"r"));
        let streamed = Sha256::new().chain_update([1]).chain_update(l.0).chain_update(r.0);
        assert_eq!(node_hash(&l, &r).0, <[u8; 32]>::from(streamed.finalize()));
    }
}
