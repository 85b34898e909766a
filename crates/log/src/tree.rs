//! Node addressing and the streaming tree builder.

use std::fmt;
use std::ops::Range;

use crate::hash::{EMPTY_ROOT, Hash, node_hash};

/// A node of the Merkle tree that is the root of a *perfect* subtree: the
/// `2^level` leaves starting at leaf `index * 2^level`.
///
/// Level 0 nodes are the leaves. Only perfect subtrees have an identity that
/// does not change as the tree grows, which is why proofs are assembled from
/// them (the addressing of Go's `golang.org/x/mod/sumdb/tlog`, and of
/// tlog-tiles).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId {
    /// The height of the subtree: 0 for a leaf.
    pub level: u8,
    /// The position of the node among the nodes of its level, from the left.
    pub index: u64,
}

impl NodeId {
    /// The node at `level` and `index`.
    pub const fn new(level: u8, index: u64) -> NodeId {
        NodeId { level, index }
    }

    /// The leaf at `index`.
    pub const fn leaf(index: u64) -> NodeId {
        NodeId { level: 0, index }
    }

    /// The leaves the node covers, or `None` if they do not all have `u64`
    /// indices (such a node is in no tree).
    pub fn leaves(&self) -> Option<Range<u64>> {
        let width = 1u64.checked_shl(u32::from(self.level))?;
        let start = self.index.checked_mul(width)?;
        let end = start.checked_add(width)?;
        Some(start..end)
    }

    /// Whether every leaf under the node is in a tree of `size` leaves, so
    /// that its hash is fixed forever.
    pub fn is_complete_in(&self, size: u64) -> bool {
        self.leaves().is_some_and(|leaves| leaves.end <= size)
    }

    /// The parent of a node, which has a level below 63 in any real tree.
    fn parent(self) -> NodeId {
        NodeId { level: self.level + 1, index: self.index / 2 }
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "node {}/{}", self.level, self.index)
    }
}

/// An error from the tree builder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TreeError {
    /// The tree already holds the largest number of leaves a `u64` counts.
    #[error("the tree is full: it already holds 2^64 - 1 leaves")]
    Full,
    /// The right-edge hashes given do not match the tree size.
    #[error("a tree of size {size} has {expected} right-edge subtrees, not {actual}")]
    RightEdgeLength {
        /// The tree size.
        size: u64,
        /// The number of perfect subtrees on its right edge.
        expected: usize,
        /// The number of hashes given.
        actual: usize,
    },
}

/// Builds a tree one leaf at a time with `O(log n)` memory.
///
/// The builder keeps only the right edge of the tree: the roots of the
/// perfect subtrees that make up the leaves seen so far, one for each bit set
/// in the size, largest (leftmost) first. From them it gives the root of the
/// current tree at any moment, and each append reports every node it
/// completes, so a sequencer can write tiles and an auditor can check them.
///
/// ```
/// use truce_log::{NodeId, TreeBuilder, leaf_hash};
///
/// let mut tree = TreeBuilder::new();
/// let mut completed = Vec::new();
/// for entry in [&b"a"[..], b"b", b"c"] {
///     tree.append_with(leaf_hash(entry), |node, _hash| completed.push(node))?;
/// }
/// assert_eq!(tree.size(), 3);
/// assert_eq!(completed, [NodeId::leaf(0), NodeId::leaf(1), NodeId::new(1, 0), NodeId::leaf(2)]);
/// # Ok::<(), truce_log::TreeError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TreeBuilder {
    size: u64,
    /// The perfect subtrees whose leaves are, in order, all the leaves so
    /// far; their levels strictly decrease.
    right_edge: Vec<(NodeId, Hash)>,
}

impl TreeBuilder {
    /// An empty tree.
    pub fn new() -> TreeBuilder {
        TreeBuilder::default()
    }

    /// Resumes a tree of `size` leaves from the hashes of the nodes
    /// [`right_edge_nodes`]`(size)` lists, in that order.
    ///
    /// The hashes are trusted: a sequencer reads them from its own storage.
    pub fn from_right_edge(size: u64, hashes: &[Hash]) -> Result<TreeBuilder, TreeError> {
        let nodes = right_edge_nodes(size);
        if nodes.len() != hashes.len() {
            return Err(TreeError::RightEdgeLength {
                size,
                expected: nodes.len(),
                actual: hashes.len(),
            });
        }
        Ok(TreeBuilder {
            size,
            right_edge: nodes.into_iter().zip(hashes.iter().copied()).collect(),
        })
    }

    /// The number of leaves appended so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The root of the tree of the leaves appended so far.
    pub fn root(&self) -> Hash {
        fold_subtree_hashes(self.right_edge.iter().map(|(_, hash)| *hash))
    }

    /// The perfect subtrees that make up the tree, largest (leftmost) first.
    pub fn right_edge(&self) -> &[(NodeId, Hash)] {
        &self.right_edge
    }

    /// Appends a leaf hash.
    pub fn append(&mut self, leaf: Hash) -> Result<(), TreeError> {
        self.append_with(leaf, |_, _| {})
    }

    /// Appends a leaf hash and calls `on_node` with each node this completes:
    /// the leaf itself, then each new ancestor from the bottom up.
    pub fn append_with(
        &mut self,
        leaf: Hash,
        on_node: impl FnMut(NodeId, &Hash),
    ) -> Result<(), TreeError> {
        if self.size == u64::MAX {
            return Err(TreeError::Full);
        }
        self.push(leaf, on_node);
        Ok(())
    }

    /// Appends a leaf to a tree that is not full.
    fn push(&mut self, leaf: Hash, mut on_node: impl FnMut(NodeId, &Hash)) {
        let mut node = NodeId::leaf(self.size);
        let mut hash = leaf;
        on_node(node, &hash);
        // The new subtree completes its parent whenever the last subtree on
        // the right edge has the same height: that one is its left sibling.
        while let Some(&(last, left)) = self.right_edge.last() {
            if last.level != node.level {
                break;
            }
            self.right_edge.pop();
            hash = node_hash(&left, &hash);
            node = node.parent();
            on_node(node, &hash);
        }
        self.right_edge.push((node, hash));
        self.size += 1;
    }
}

/// The root of the tree of `leaves`, through a [`TreeBuilder`].
pub fn root_from_leaves(leaves: &[Hash]) -> Hash {
    let mut tree = TreeBuilder::new();
    for leaf in leaves {
        // `push` needs a tree that is not full: a slice of 32-byte hashes is
        // far shorter than 2^64 - 1.
        tree.push(*leaf, |_, _| {});
    }
    tree.root()
}

/// The perfect subtrees that make up a tree of `size` leaves, largest first:
/// one for each bit set in `size`.
pub fn right_edge_nodes(size: u64) -> Vec<NodeId> {
    range_nodes(0..size).collect()
}

/// The perfect subtrees, largest first, whose hashes determine the RFC 6962
/// hash of the leaves in `range`.
///
/// The range must be one that the RFC 6962 recursion produces: its start is
/// a multiple of the largest power of two not above its length. Then the
/// greedy split below yields subtrees of strictly decreasing size, and
/// [`fold_subtree_hashes`] of their hashes is the hash of the range.
pub(crate) fn range_nodes(range: Range<u64>) -> impl Iterator<Item = NodeId> {
    let Range { mut start, end } = range;
    std::iter::from_fn(move || {
        if start >= end {
            return None;
        }
        // The largest subtree that starts at `start` (its size divides
        // `start`; every size divides 0) and fits in what is left.
        let fits = (end - start).ilog2();
        let aligned = start.trailing_zeros();
        let level = fits.min(aligned);
        let node = NodeId::new(level as u8, start >> level);
        start += 1 << level;
        Some(node)
    })
}

/// Combines the hashes of consecutive perfect subtrees of strictly
/// decreasing size into the hash of all their leaves, or the empty root.
///
/// SPEC(RFC 6962 2.1): "MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) ||
/// MTH(D[k:n]))", where k, the largest power of two below n, is the size of
/// the first subtree: the rest hangs to its right, so the hashes are
/// combined from the right.
pub(crate) fn fold_subtree_hashes(hashes: impl DoubleEndedIterator<Item = Hash>) -> Hash {
    let mut from_right = hashes.rev();
    let Some(last) = from_right.next() else {
        return EMPTY_ROOT;
    };
    from_right.fold(last, |right, left| node_hash(&left, &right))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    #[test]
    fn range_nodes_split_by_the_bits_of_the_length() {
        let nodes: Vec<_> = range_nodes(0..13).collect();
        assert_eq!(nodes, [NodeId::new(3, 0), NodeId::new(2, 2), NodeId::new(0, 12)]);
        let nodes: Vec<_> = range_nodes(8..14).collect();
        assert_eq!(nodes, [NodeId::new(2, 2), NodeId::new(1, 6)]);
        assert_eq!(range_nodes(5..5).count(), 0);
        assert_eq!(right_edge_nodes(u64::MAX).len(), 64);
    }

    #[test]
    fn node_leaves_and_completeness() {
        assert_eq!(NodeId::new(2, 3).leaves(), Some(12..16));
        assert!(NodeId::new(2, 3).is_complete_in(16));
        assert!(!NodeId::new(2, 3).is_complete_in(15));
        assert_eq!(NodeId::new(64, 0).leaves(), None);
        assert_eq!(NodeId::new(63, 1).leaves(), None);
        assert!(!NodeId::leaf(u64::MAX).is_complete_in(u64::MAX));
    }

    #[test]
    fn resuming_from_the_right_edge_continues_the_same_tree() {
        let leaves: Vec<_> = (0..23u8).map(|i| leaf_hash(&[i])).collect();
        let mut whole = TreeBuilder::new();
        for leaf in &leaves[..13] {
            whole.append(*leaf).expect("not full");
        }
        let edge: Vec<_> = whole.right_edge().iter().map(|(_, h)| *h).collect();
        let mut resumed = TreeBuilder::from_right_edge(13, &edge).expect("right length");
        assert_eq!(resumed, whole);
        for leaf in &leaves[13..] {
            resumed.append(*leaf).expect("not full");
        }
        assert_eq!(resumed.root(), root_from_leaves(&leaves));
        assert_eq!(
            TreeBuilder::from_right_edge(12, &edge),
            Err(TreeError::RightEdgeLength { size: 12, expected: 2, actual: 3 })
        );
    }

    #[test]
    fn a_full_tree_refuses_more_leaves() {
        let mut full = TreeBuilder::from_right_edge(u64::MAX, &[EMPTY_ROOT; 64]).expect("64 bits");
        assert_eq!(full.append(EMPTY_ROOT), Err(TreeError::Full));
    }
}
