//! The body of an `add-checkpoint` request.

use truce_log::Hash;

/// SPEC(tlog-witness): "The client MUST NOT send more than 63 consistency
/// proof lines."
pub const MAX_PROOF_LINES: usize = 63;

/// A parsed `add-checkpoint` body: the size the client believes the
/// witness last cosigned, a consistency proof from it, and the signed
/// checkpoint (not yet verified).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The old size.
    pub old: u64,
    /// The consistency proof from `old` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note.
    pub checkpoint: Vec<u8>,
}

impl AddCheckpoint {
    /// Parses a request body.
    ///
    /// SPEC(tlog-witness): an old size line (`old <decimal>`, no leading
    /// zeroes), zero or more base64 proof lines, an empty line, then the
    /// checkpoint; every line ends in a newline.
    pub fn parse(body: &[u8]) -> Result<AddCheckpoint, &'static str> {
        let text = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8")?;
        let (first, mut rest) = text.split_once('\n').ok_or("no old size line")?;
        let digits = first.strip_prefix("old ").ok_or("the first line must be `old <size>`")?;
        let canonical = digits == "0" || !digits.starts_with('0');
        let old = match digits.parse::<u64>() {
            Ok(old) if canonical && digits.bytes().all(|b| b.is_ascii_digit()) => old,
            _ => return Err("the old size must be a decimal with no leading zeroes"),
        };
        let mut proof = Vec::new();
        loop {
            let (line, after) =
                rest.split_once('\n').ok_or("no empty line before the checkpoint")?;
            rest = after;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_LINES {
                return Err("more than 63 consistency proof lines");
            }
            proof.push(line.parse().map_err(|_| "a proof line is not a base64 hash")?);
        }
        Ok(AddCheckpoint { old, proof, checkpoint: rest.as_bytes().to_vec() })
    }

    /// The request body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut body = format!("old {}\n", self.old);
        for hash in &self.proof {
            body.push_str(&hash.to_string());
            body.push('\n');
        }
        body.push('\n');
        let mut body = body.into_bytes();
        body.extend_from_slice(&self.checkpoint);
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_round_trip_and_malformed_ones_are_refused() {
        let request = AddCheckpoint {
            old: 3,
            proof: vec![Hash([1; 32]), Hash([2; 32])],
            checkpoint: b"o\n5\nAA==\n\n- sig\n".to_vec(),
        };
        assert_eq!(AddCheckpoint::parse(&request.to_bytes()), Ok(request));
        for bad in [
            "old 01\n\nx",
            "old -1\n\nx",
            "old +1\n\nx",
            "new 1\n\nx",
            "old 1\nnot base64\n\nx",
            "old 1\nAAAA\n\nx",
            "old 1",
            "old 1\n",
        ] {
            assert!(AddCheckpoint::parse(bad.as_bytes()).is_err(), "{bad:?}");
        }
        let long = format!("old 1\n{}\nx", format!("{}\n", Hash([0; 32])).repeat(64));
        assert_eq!(
            AddCheckpoint::parse(long.as_bytes()),
            Err("more than 63 consistency proof lines")
        );
    }
}
