//! RFC 6962 inclusion and consistency proofs: generation and verification.
//!
//! Both directions follow the recursive definitions of RFC 6962 section
//! 2.1.1 (`PATH`) and 2.1.2 (`PROOF`/`SUBPROOF`) literally. Generation first
//! plans which leaf ranges the proof commits to, turns each range into the
//! perfect subtrees whose hashes determine it, reads all of those in one
//! batch, then folds them. Verification walks the same recursion, taking
//! proof hashes in the order the definition emits them.

use std::ops::Range;

use crate::hash::{EMPTY_ROOT, Hash, node_hash};
use crate::tree::{NodeId, fold_subtree_hashes, range_nodes};

/// Reads the hashes of complete perfect subtrees, many at a time.
///
/// Proof generation asks for every node it needs in a single call, so a
/// reader backed by tiles or a database can fetch them together.
///
/// An implementation must return exactly one hash per requested node, in the
/// order requested. Every requested node is complete in the tree size the
/// caller asked about; it is never asked for an empty batch.
pub trait HashReader {
    /// The error when hashes cannot be read.
    type Error: std::error::Error + 'static;

    /// The hashes of `nodes`, in order.
    fn read_hashes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, Self::Error>;
}

impl<R: HashReader + ?Sized> HashReader for &R {
    type Error = R::Error;

    fn read_hashes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, Self::Error> {
        (**self).read_hashes(nodes)
    }
}

/// An error from generating a proof or a root from a [`HashReader`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProveError<E> {
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexOutOfRange {
        /// The leaf index asked for.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// The old tree is larger than the new one.
    #[error("old tree size {size1} is larger than new tree size {size2}")]
    SizeOrder {
        /// The old tree size.
        size1: u64,
        /// The new tree size.
        size2: u64,
    },
    /// RFC 6962 defines no consistency proof from the empty tree.
    #[error("there is no consistency proof from the empty tree")]
    EmptyOldTree,
    /// The reader failed.
    #[error("cannot read hashes: {0}")]
    Read(E),
    /// The reader did not return one hash per node.
    #[error("asked for {requested} hashes, the reader returned {returned}")]
    HashCount {
        /// The number of nodes asked for.
        requested: usize,
        /// The number of hashes returned.
        returned: usize,
    },
}

/// Why a proof does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The leaf index is not below the tree size (every index, for size 0).
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexOutOfRange {
        /// The leaf index.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// The old tree is larger than the new one.
    #[error("old tree size {size1} is larger than new tree size {size2}")]
    SizeOrder {
        /// The old tree size.
        size1: u64,
        /// The new tree size.
        size2: u64,
    },
    /// The strict RFC 6962 rule: no consistency proof exists from size 0.
    #[error("there is no consistency proof from the empty tree")]
    EmptyOldTree,
    /// The proof does not have the number of hashes that the sizes (and
    /// index) determine.
    #[error("the proof has {actual} hashes, {expected} expected")]
    WrongProofLength {
        /// The length the sizes determine.
        expected: usize,
        /// The length of the proof given.
        actual: usize,
    },
    /// An inclusion proof leads to another root.
    #[error("the proof leads to root {computed}, not {expected}")]
    RootMismatch {
        /// The root recomputed from the leaf and the proof.
        computed: Hash,
        /// The root the proof was checked against.
        expected: Hash,
    },
    /// A consistency proof leads to another old root.
    #[error("the proof leads to old root {computed}, not {expected}")]
    OldRootMismatch {
        /// The old root recomputed from the proof.
        computed: Hash,
        /// The old root the proof was checked against.
        expected: Hash,
    },
    /// A consistency proof leads to another new root.
    #[error("the proof leads to new root {computed}, not {expected}")]
    NewRootMismatch {
        /// The new root recomputed from the proof.
        computed: Hash,
        /// The new root the proof was checked against.
        expected: Hash,
    },
    /// Two trees of the same size have different roots.
    #[error("two trees of size {size} have different roots")]
    DifferentRootsSameSize {
        /// The size of both trees.
        size: u64,
    },
    /// A tree of size 0 is claimed to have a root other than [`EMPTY_ROOT`].
    #[error("a tree of size 0 has root {EMPTY_ROOT}, not {0}")]
    NotEmptyRoot(Hash),
}

/// The largest power of two smaller than `n`, for `n >= 2`: RFC 6962's `k`.
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    // The highest bit of n - 1 is a power of two below n, and twice it is
    // at least n.
    1 << (n - 1).ilog2()
}

// ---------------------------------------------------------------------------
// Plans: which leaf ranges a proof commits to, in proof order.

/// The leaf ranges whose hashes form the inclusion proof of leaf `index` in
/// a tree of `size` leaves (`index < size`), in proof order.
fn inclusion_ranges(index: u64, size: u64) -> Vec<Range<u64>> {
    let mut ranges = Vec::new();
    audit_path(index, 0..size, &mut ranges);
    ranges
}

/// SPEC(RFC 6962 2.1.1): "PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) for
/// m < k; and PATH(m, D[n]) = PATH(m - k, D[k:n]) : MTH(D[0:k]) for m >= k",
/// with "PATH(0, {d(0)}) = {}". Indices here are absolute, not relative to
/// the start of the range.
fn audit_path(index: u64, range: Range<u64>, out: &mut Vec<Range<u64>>) {
    let n = range.end - range.start;
    if n == 1 {
        return;
    }
    let mid = range.start + split_point(n);
    if index < mid {
        audit_path(index, range.start..mid, out);
        out.push(mid..range.end);
    } else {
        audit_path(index, mid..range.end, out);
        out.push(range.start..mid);
    }
}

/// The leaf ranges whose hashes form the consistency proof from `size1` to
/// `size2` (`0 < size1 < size2`), in proof order.
fn consistency_ranges(size1: u64, size2: u64) -> Vec<Range<u64>> {
    let mut ranges = Vec::new();
    subproof(size1, 0..size2, true, &mut ranges);
    ranges
}

/// SPEC(RFC 6962 2.1.2): "SUBPROOF(m, D[m], true) = {}", "SUBPROOF(m, D[m],
/// false) = {MTH(D[m])}"; for m < n, "SUBPROOF(m, D[n], b) = SUBPROOF(m,
/// D[0:k], b) : MTH(D[k:n])" if m <= k, and "SUBPROOF(m, D[n], b) =
/// SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])" if m > k.
///
/// `old_end` is the absolute old size; `old_known` is `b`: whether the
/// verifier already holds the hash of `range` (the old root itself).
fn subproof(old_end: u64, range: Range<u64>, old_known: bool, out: &mut Vec<Range<u64>>) {
    if old_end == range.end {
        if !old_known {
            out.push(range);
        }
        return;
    }
    let mid = range.start + split_point(range.end - range.start);
    if old_end <= mid {
        subproof(old_end, range.start..mid, old_known, out);
        out.push(mid..range.end);
    } else {
        subproof(old_end, mid..range.end, false, out);
        out.push(range.start..mid);
    }
}

// ---------------------------------------------------------------------------
// Generation.

/// The inclusion proof (RFC 6962 audit path) of leaf `index` in the tree of
/// `size` leaves that `reader` holds.
pub fn inclusion_proof<R: HashReader + ?Sized>(
    index: u64,
    size: u64,
    reader: &R,
) -> Result<Vec<Hash>, ProveError<R::Error>> {
    if index >= size {
        return Err(ProveError::IndexOutOfRange { index, size });
    }
    hashes_of_ranges(&inclusion_ranges(index, size), reader)
}

/// The consistency proof from the tree of `size1` leaves to the tree of
/// `size2` leaves that `reader` holds.
///
/// Size-0 rule: strict RFC 6962, which defines proofs only for
/// `0 < size1 <= size2`, so `size1 == 0` is [`ProveError::EmptyOldTree`]
/// (even for `size2 == 0`). For `size1 == size2` the proof is empty.
pub fn consistency_proof<R: HashReader + ?Sized>(
    size1: u64,
    size2: u64,
    reader: &R,
) -> Result<Vec<Hash>, ProveError<R::Error>> {
    if size1 > size2 {
        return Err(ProveError::SizeOrder { size1, size2 });
    }
    if size1 == 0 {
        return Err(ProveError::EmptyOldTree);
    }
    if size1 == size2 {
        return Ok(Vec::new());
    }
    hashes_of_ranges(&consistency_ranges(size1, size2), reader)
}

/// The root of the tree of `size` leaves that `reader` holds;
/// [`EMPTY_ROOT`] for size 0, without reading anything.
pub fn tree_root<R: HashReader + ?Sized>(
    size: u64,
    reader: &R,
) -> Result<Hash, ProveError<R::Error>> {
    let hashes = hashes_of_ranges(std::slice::from_ref(&(0..size)), reader)?;
    Ok(hashes.first().copied().unwrap_or(EMPTY_ROOT))
}

/// The hash of each range (none for an empty one), from one batch read of
/// the perfect subtrees that make them up.
fn hashes_of_ranges<R: HashReader + ?Sized>(
    ranges: &[Range<u64>],
    reader: &R,
) -> Result<Vec<Hash>, ProveError<R::Error>> {
    let mut nodes = Vec::new();
    let mut nodes_per_range = Vec::with_capacity(ranges.len());
    for range in ranges.iter().filter(|range| !range.is_empty()) {
        let before = nodes.len();
        nodes.extend(range_nodes(range.clone()));
        nodes_per_range.push(nodes.len() - before);
    }
    if nodes.is_empty() {
        return Ok(Vec::new());
    }
    let hashes = reader.read_hashes(&nodes).map_err(ProveError::Read)?;
    let wrong_count = || ProveError::HashCount { requested: nodes.len(), returned: hashes.len() };
    if hashes.len() != nodes.len() {
        return Err(wrong_count());
    }
    let mut rest = &hashes[..];
    let mut out = Vec::with_capacity(nodes_per_range.len());
    for count in nodes_per_range {
        let (subtrees, tail) = rest.split_at_checked(count).ok_or_else(wrong_count)?;
        out.push(fold_subtree_hashes(subtrees.iter().copied()));
        rest = tail;
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Verification.

/// Checks that `proof` proves leaf `leaf` at `index` is in the tree of `size`
/// leaves with root `root`.
///
/// Size-0 rule: a tree of size 0 has no leaves, so every index is
/// [`ProofError::IndexOutOfRange`].
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    let computed = root_from_inclusion_proof(leaf, index, size, proof)?;
    if computed != *root {
        return Err(ProofError::RootMismatch { computed, expected: *root });
    }
    Ok(())
}

/// The root of the tree of `size` leaves in which `proof` proves that `leaf`
/// is at `index`. The result means nothing until compared with a trusted
/// root; [`verify_inclusion`] does that.
pub fn root_from_inclusion_proof(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
) -> Result<Hash, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let expected = inclusion_ranges(index, size).len();
    check_length(expected, proof)?;
    let mut hashes = ProofHashes { proof, used: 0 };
    root_from_audit_path(leaf, index, 0..size, &mut hashes)
}

/// The hash of `range` recomputed from the leaf and the audit path, along
/// the recursion of [`audit_path`].
fn root_from_audit_path(
    leaf: &Hash,
    index: u64,
    range: Range<u64>,
    proof: &mut ProofHashes<'_>,
) -> Result<Hash, ProofError> {
    let n = range.end - range.start;
    if n == 1 {
        return Ok(*leaf);
    }
    let mid = range.start + split_point(n);
    if index < mid {
        let left = root_from_audit_path(leaf, index, range.start..mid, proof)?;
        Ok(node_hash(&left, &proof.next()?))
    } else {
        let right = root_from_audit_path(leaf, index, mid..range.end, proof)?;
        Ok(node_hash(&proof.next()?, &right))
    }
}

/// Checks that `proof` proves the tree of `size1` leaves with root `root1`
/// is a prefix of the tree of `size2` leaves with root `root2`.
///
/// Size-0 rule: strict RFC 6962, as the transparency-dev/merkle vectors
/// expect. RFC 6962 defines consistency proofs only for `0 < size1`, so
/// `size1 == 0` is [`ProofError::EmptyOldTree`], even `0 -> 0` with an empty
/// proof. See [`verify_consistency_allowing_empty`] for the tlog-witness
/// rule.
///
/// Equal sizes (`size1 == size2 > 0`): the proof must be empty and the roots
/// equal.
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    proof: &[Hash],
    root1: &Hash,
    root2: &Hash,
) -> Result<(), ProofError> {
    if size1 > size2 {
        return Err(ProofError::SizeOrder { size1, size2 });
    }
    if size1 == 0 {
        return Err(ProofError::EmptyOldTree);
    }
    if size1 == size2 {
        // SPEC(RFC 6962 2.1.2): "SUBPROOF(m, D[m], true) = {}".
        check_length(0, proof)?;
        if root1 != root2 {
            return Err(ProofError::DifferentRootsSameSize { size: size1 });
        }
        return Ok(());
    }
    check_length(consistency_ranges(size1, size2).len(), proof)?;
    let mut hashes = ProofHashes { proof, used: 0 };
    let (old, new) = roots_from_subproof(size1, 0..size2, true, root1, &mut hashes)?;
    if old != *root1 {
        return Err(ProofError::OldRootMismatch { computed: old, expected: *root1 });
    }
    if new != *root2 {
        return Err(ProofError::NewRootMismatch { computed: new, expected: *root2 });
    }
    Ok(())
}

/// [`verify_consistency`] with the C2SP tlog-witness rule for the empty
/// tree: from size 0, only an empty proof is accepted, and it is accepted
/// whatever `size2` and `root2` are, provided every tree of size 0 has root
/// [`EMPTY_ROOT`]. Sizes above 0 follow [`verify_consistency`] exactly.
pub fn verify_consistency_allowing_empty(
    size1: u64,
    size2: u64,
    proof: &[Hash],
    root1: &Hash,
    root2: &Hash,
) -> Result<(), ProofError> {
    if size1 != 0 {
        return verify_consistency(size1, size2, proof, root1, root2);
    }
    // SPEC(tlog-witness): "If the old size is zero, the consistency proof
    // MUST be empty, because the empty tree is consistent with any tree".
    check_length(0, proof)?;
    // SPEC(tlog-witness): "A checkpoint of size zero MUST have the root hash
    // of the empty tree".
    for (size, root) in [(size1, root1), (size2, root2)] {
        if size == 0 && *root != EMPTY_ROOT {
            return Err(ProofError::NotEmptyRoot(*root));
        }
    }
    Ok(())
}

/// The hashes of the old tree's leaves within `range` and of all of
/// `range` in the new tree, recomputed along the recursion of [`subproof`].
///
/// Where the definition omits the old root (`old_known`), `root1` stands in
/// for it: it is then checked through the new root it leads to.
fn roots_from_subproof(
    old_end: u64,
    range: Range<u64>,
    old_known: bool,
    root1: &Hash,
    proof: &mut ProofHashes<'_>,
) -> Result<(Hash, Hash), ProofError> {
    if old_end == range.end {
        let hash = if old_known { *root1 } else { proof.next()? };
        return Ok((hash, hash));
    }
    let mid = range.start + split_point(range.end - range.start);
    if old_end <= mid {
        // The old leaves all lie left of `mid`; the right part is new.
        let (old, new_left) =
            roots_from_subproof(old_end, range.start..mid, old_known, root1, proof)?;
        Ok((old, node_hash(&new_left, &proof.next()?)))
    } else {
        // The left part is complete in both trees, so both hang from it.
        let (old_right, new_right) =
            roots_from_subproof(old_end, mid..range.end, false, root1, proof)?;
        let left = proof.next()?;
        Ok((node_hash(&left, &old_right), node_hash(&left, &new_right)))
    }
}

fn check_length(expected: usize, proof: &[Hash]) -> Result<(), ProofError> {
    if proof.len() != expected {
        return Err(ProofError::WrongProofLength { expected, actual: proof.len() });
    }
    Ok(())
}

/// The proof hashes not yet consumed by a verification walk.
struct ProofHashes<'a> {
    proof: &'a [Hash],
    used: usize,
}

impl ProofHashes<'_> {
    /// The next hash. The length is checked before each walk, so running
    /// out means the plan and the walk disagree: reported, never a panic.
    fn next(&mut self) -> Result<Hash, ProofError> {
        let hash = self.proof.get(self.used).copied().ok_or(ProofError::WrongProofLength {
            expected: self.used + 1,
            actual: self.proof.len(),
        })?;
        self.used += 1;
        Ok(hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_point_is_the_largest_power_of_two_below() {
        for (n, k) in [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (u64::MAX, 1 << 63)] {
            assert_eq!(split_point(n), k, "n = {n}");
        }
    }

    #[test]
    fn plans_match_rfc_6962_examples() {
        // RFC 6962 2.1.3: "The audit path for d0 is [b, h, l]" in the
        // seven-leaf tree; for d3 it is [c, g, l]; for d4, [f, j, k].
        assert_eq!(inclusion_ranges(0, 7), [1..2, 2..4, 4..7]);
        assert_eq!(inclusion_ranges(3, 7), [2..3, 0..2, 4..7]);
        assert_eq!(inclusion_ranges(4, 7), [5..6, 6..7, 0..4]);
        // "The consistency proof between hash0 and hash is PROOF(3, D[7]) =
        // [c, d, g, l]"; "between hash1 and hash ... PROOF(4, D[7]) = [l]";
        // "between hash2 and hash ... PROOF(6, D[7]) = [i, j, k]".
        assert_eq!(consistency_ranges(3, 7), [2..3, 3..4, 0..2, 4..7]);
        assert_eq!(consistency_ranges(4, 7), vec![(4..7)]);
        assert_eq!(consistency_ranges(6, 7), [4..6, 6..7, 0..4]);
    }
}
