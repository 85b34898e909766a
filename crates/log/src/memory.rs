//! A whole tree in memory, for tests and small tools.

use crate::hash::Hash;
use crate::proof::HashReader;
use crate::tree::{NodeId, TreeBuilder, TreeError};

/// Every complete perfect-subtree hash of a tree, kept in memory: about two
/// hashes per leaf.
///
/// It answers [`HashReader`] requests for this tree and for every smaller
/// size, since complete nodes never change as the tree grows.
#[derive(Clone, Debug, Default)]
pub struct MemoryTree {
    builder: TreeBuilder,
    /// `levels[l][i]` is the hash of node `l/i`.
    levels: Vec<Vec<Hash>>,
}

/// A node a [`MemoryTree`] does not hold: it is not complete in the tree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not complete in the tree")]
pub struct MissingNode(pub NodeId);

impl MemoryTree {
    /// An empty tree.
    pub fn new() -> MemoryTree {
        MemoryTree::default()
    }

    /// Appends a leaf hash.
    pub fn append(&mut self, leaf: Hash) -> Result<(), TreeError> {
        let levels = &mut self.levels;
        self.builder.append_with(leaf, |node, hash| {
            let level = usize::from(node.level);
            if levels.len() <= level {
                levels.resize_with(level + 1, Vec::new);
            }
            // Nodes of a level complete from left to right, so the index of
            // the new node is the number of nodes already at its level.
            levels[level].push(*hash);
        })
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.builder.size()
    }

    /// The root of the whole tree.
    pub fn root(&self) -> Hash {
        self.builder.root()
    }

    /// The hash of a complete node.
    pub fn hash(&self, node: NodeId) -> Option<Hash> {
        let index = usize::try_from(node.index).ok()?;
        self.levels.get(usize::from(node.level))?.get(index).copied()
    }
}

impl HashReader for MemoryTree {
    type Error = MissingNode;

    fn read_hashes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, MissingNode> {
        nodes.iter().map(|&node| self.hash(node).ok_or(MissingNode(node))).collect()
    }
}
