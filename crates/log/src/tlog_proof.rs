//! Offline-verifiable proofs of inclusion (C2SP tlog-proof):
//! `c2sp.org/tlog-proof@v1`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use truce_note::VerifierKey;

use crate::checkpoint::{CheckpointError, VerifiedCheckpoint};
use crate::hash::{Hash, leaf_hash};
use crate::proof::{ProofError, verify_inclusion};

const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// Why a tlog-proof was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TlogProofError {
    /// The text is not a tlog-proof.
    #[error("malformed tlog-proof: {0}")]
    Malformed(&'static str),
    /// The checkpoint in the proof does not verify.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The inclusion proof does not bind the entry to the checkpoint.
    #[error("inclusion proof: {0}")]
    Inclusion(#[from] ProofError),
}

/// A proof that an entry is in a log: its index, the inclusion proof and the
/// signed checkpoint it is proved against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlogProof {
    extra: Option<Vec<u8>>,
    index: u64,
    proof: Vec<Hash>,
    checkpoint: Vec<u8>,
}

impl TlogProof {
    /// A proof for the entry at `index`, against the signed `checkpoint`.
    pub fn new(index: u64, proof: Vec<Hash>, checkpoint: &VerifiedCheckpoint) -> TlogProof {
        TlogProof { extra: None, index, proof, checkpoint: checkpoint.to_bytes() }
    }

    /// A proof from its parts, with the checkpoint as stored: nothing is
    /// checked until [`TlogProof::verify`].
    pub fn from_parts(index: u64, proof: Vec<Hash>, checkpoint: Vec<u8>) -> TlogProof {
        TlogProof { extra: None, index, proof, checkpoint }
    }

    /// The proof carrying `extra`: data of the application's that the
    /// proof does not authenticate (Truce puts the entry there, so that
    /// one file holds what a verifier needs).
    pub fn with_extra(mut self, extra: Vec<u8>) -> TlogProof {
        self.extra = Some(extra);
        self
    }

    /// Parses a proof.
    ///
    /// SPEC(tlog-proof): the header line, an optional `extra <base64>` line,
    /// `index <decimal>`, zero or more base64 hash lines, an empty line, then
    /// the checkpoint verbatim.
    pub fn parse(text: &[u8]) -> Result<TlogProof, TlogProofError> {
        let malformed = TlogProofError::Malformed;
        let text = std::str::from_utf8(text).map_err(|_| malformed("not UTF-8"))?;
        let (head, checkpoint) =
            text.split_once("\n\n").ok_or(malformed("no empty line before the checkpoint"))?;
        let mut lines = head.split('\n');
        if lines.next() != Some(HEADER) {
            return Err(malformed("the first line must be c2sp.org/tlog-proof@v1"));
        }
        let mut line = lines.next().ok_or(malformed("missing index line"))?;
        let mut extra = None;
        if let Some(b64) = line.strip_prefix("extra ") {
            extra = Some(BASE64.decode(b64).map_err(|_| malformed("extra is not base64"))?);
            line = lines.next().ok_or(malformed("missing index line"))?;
        }
        let index = line.strip_prefix("index ").ok_or(malformed("missing index line"))?;
        let canonical = index == "0" || !index.starts_with('0');
        let index = index
            .parse::<u64>()
            .ok()
            .filter(|_| canonical && index.bytes().all(|b| b.is_ascii_digit()))
            .ok_or(malformed("index must be a decimal number without leading zeroes"))?;
        let proof = lines
            .map(|line| {
                BASE64
                    .decode(line)
                    .ok()
                    .and_then(|bytes| Hash::from_slice(&bytes).ok())
                    .ok_or(malformed("a proof line is not a base64 SHA-256 hash"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TlogProof { extra, index, proof, checkpoint: checkpoint.as_bytes().to_vec() })
    }

    /// The proof in its text form (to be stored as `.tlog-proof`).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = String::from(HEADER);
        out.push('\n');
        if let Some(extra) = &self.extra {
            out.push_str("extra ");
            BASE64.encode_string(extra, &mut out);
            out.push('\n');
        }
        out.push_str(&format!("index {}\n", self.index));
        for hash in &self.proof {
            BASE64.encode_string(hash.0, &mut out);
            out.push('\n');
        }
        out.push('\n');
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.checkpoint);
        bytes
    }

    /// The index of the entry.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The inclusion proof hashes, from the leaf's sibling up.
    pub fn proof(&self) -> &[Hash] {
        &self.proof
    }

    /// The unauthenticated extra data, if any. Never trust it.
    pub fn extra(&self) -> Option<&[u8]> {
        self.extra.as_deref()
    }

    /// The signed checkpoint, verbatim.
    pub fn checkpoint_bytes(&self) -> &[u8] {
        &self.checkpoint
    }

    /// Verifies that `entry` is at the proof's index in the log with key
    /// `log_key` and origin `origin`, and returns the verified checkpoint
    /// (for the caller's witness policy).
    ///
    /// SPEC(tlog-proof) steps 1, 2 and 4: compute the leaf hash, check the
    /// checkpoint's origin and signature, check the inclusion proof.
    pub fn verify(
        &self,
        entry: &[u8],
        log_key: &VerifierKey,
        origin: &str,
    ) -> Result<VerifiedCheckpoint, TlogProofError> {
        let leaf = leaf_hash(entry);
        let checkpoint = VerifiedCheckpoint::verify(&self.checkpoint, log_key, origin)?;
        verify_inclusion(&leaf, self.index, checkpoint.size(), &self.proof, &checkpoint.root())?;
        Ok(checkpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proof_text(index_line: &str, hashes: &[&str]) -> Vec<u8> {
        let mut text = format!("{HEADER}\n{index_line}\n");
        for h in hashes {
            text.push_str(h);
            text.push('\n');
        }
        text.push_str("\nexample.com/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— example.com/log AAAA\n");
        text.into_bytes()
    }

    #[test]
    fn proofs_round_trip_with_and_without_extra() {
        let hash = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        for text in [proof_text("index 0", &[]), proof_text("index 73894", &[hash, hash])] {
            let proof = TlogProof::parse(&text).expect("parses");
            assert_eq!(proof.to_bytes(), text);
        }
        let mut with_extra = TlogProof::parse(&proof_text("index 5", &[hash])).expect("parses");
        with_extra.extra = Some(b"opaque".to_vec());
        let again = TlogProof::parse(&with_extra.to_bytes()).expect("parses");
        assert_eq!(again.extra(), Some(&b"opaque"[..]));
        assert_eq!(again, with_extra);
    }

    #[test]
    fn malformed_proofs_are_refused() {
        let hash = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        for text in [
            proof_text("index 01", &[]),
            proof_text("index -1", &[]),
            proof_text("index", &[]),
            proof_text("idx 1", &[]),
            proof_text("index 1", &["YmFuYW5hcw=="]),
            proof_text("index 1", &["not base64!"]),
            String::from_utf8(proof_text("index 1", &[hash]))
                .expect("utf-8")
                .replacen("tlog-proof@v1", "tlog-proof@v2", 1)
                .into_bytes(),
            format!("{HEADER}\nindex 1\n").into_bytes(),
            vec![0xff, 0xfe],
        ] {
            assert!(TlogProof::parse(&text).is_err(), "{:?}", String::from_utf8_lossy(&text));
        }
    }
}
