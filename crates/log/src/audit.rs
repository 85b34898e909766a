//! Auditing a tiled log from scratch: every entry, every tile, every level,
//! the root; in one pass with memory that does not grow with the log.
//!
//! The [`TreeAuditor`] is fed the entry bundles in order, each with its
//! level 0 tile. It hashes the entries, checks them against the tile, and
//! rebuilds the tree; each node it completes at a tile boundary level is
//! checked against the tile above, which it asks for through a callback
//! when it first needs it. So every hash of every tile of the tree is
//! compared with one computed from the entries, and the final root with the
//! checkpoint's.

use crate::bundle::{BundleError, BundleId, decode_bundle};
use crate::hash::{Hash, leaf_hash};
use crate::tile::{TILE_HEIGHT, TILE_WIDTH, TileError, TileId, decode_tile};
use crate::tree::{NodeId, TreeBuilder, TreeError};

/// The first problem an audit found.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// An entry bundle is malformed.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// A tile is malformed (wrong length).
    #[error(transparent)]
    Tile(#[from] TileError),
    /// A hash in a tile is not the one computed from the entries.
    #[error(
        "{tile} position {position} ({node}): the tile says {found}, the entries give {computed}"
    )]
    TileMismatch {
        /// The tile.
        tile: TileId,
        /// The position in the tile.
        position: usize,
        /// The node whose hash differs.
        node: NodeId,
        /// The hash in the tile.
        found: Hash,
        /// The hash computed from the entries.
        computed: Hash,
    },
    /// The entries give another root than a checkpoint's.
    #[error("the entries give root {computed} at size {size}, the checkpoint says {expected}")]
    RootMismatch {
        /// The tree size.
        size: u64,
        /// The root hash of the checkpoint.
        expected: Hash,
        /// The root hash computed from the entries.
        computed: Hash,
    },
    /// A bundle was fed out of order.
    #[error("expected bundle {expected}, got {got}")]
    OutOfOrder {
        /// The index of the bundle expected next.
        expected: u64,
        /// The bundle fed.
        got: BundleId,
    },
    /// The tree cannot grow (2^64 - 1 entries).
    #[error(transparent)]
    Tree(#[from] TreeError),
    /// An earlier checkpoint is larger than the one audited: the log shrank.
    #[error(
        "the earlier checkpoint has size {earlier}, more than the {current} audited: the log shrank"
    )]
    Shrunk {
        /// The earlier checkpoint's size.
        earlier: u64,
        /// The audited checkpoint's size.
        current: u64,
    },
    /// The audit ended before the last entry.
    #[error("the audit stopped at {audited} of {size} entries")]
    Incomplete {
        /// Entries audited.
        audited: u64,
        /// Entries in the checkpoint.
        size: u64,
    },
    /// Fetching a tile failed.
    #[error("cannot fetch {tile}: {message}")]
    Fetch {
        /// The tile.
        tile: TileId,
        /// Why.
        message: String,
    },
}

/// Checks a tiled log of a given size against its root, bundle by bundle.
#[derive(Debug)]
pub struct TreeAuditor {
    size: u64,
    root: Hash,
    /// Earlier checkpoints (size, root) to check on the way, ascending.
    earlier: Vec<(u64, Hash)>,
    tree: TreeBuilder,
    /// For each tile level above 0, the tile being checked and its hashes.
    upper: Vec<Option<(TileId, Vec<Hash>)>>,
}

impl TreeAuditor {
    /// Audits the tree of `size` entries whose root should be `root`.
    pub fn new(size: u64, root: Hash) -> TreeAuditor {
        TreeAuditor { size, root, earlier: Vec::new(), tree: TreeBuilder::new(), upper: Vec::new() }
    }

    /// Also checks, on the way, that the tree had root `root` at `size`: the
    /// strongest consistency check there is between two checkpoints.
    pub fn expect_root_at(&mut self, size: u64, root: Hash) -> Result<(), AuditError> {
        if size > self.size {
            return Err(AuditError::Shrunk { earlier: size, current: self.size });
        }
        if size == 0 {
            // Checked now: no entry will be fed before it.
            let computed = crate::hash::EMPTY_ROOT;
            if root != computed {
                return Err(AuditError::RootMismatch { size, expected: root, computed });
            }
            return Ok(());
        }
        self.earlier.push((size, root));
        self.earlier.sort_by_key(|&(size, _)| std::cmp::Reverse(size));
        Ok(())
    }

    /// The bundles to feed, in order.
    pub fn bundles(&self) -> impl Iterator<Item = BundleId> + use<> {
        crate::bundle::bundles_for_size(self.size)
    }

    /// The number of entries checked so far.
    pub fn audited(&self) -> u64 {
        self.tree.size()
    }

    /// Checks the next bundle against its level 0 tile, and the nodes it
    /// completes against the tiles above, which `fetch_tile` provides.
    /// Returns the entries, for the caller's own checks.
    pub fn check_bundle<'d>(
        &mut self,
        bundle: BundleId,
        data: &'d [u8],
        level_zero: &[u8],
        mut fetch_tile: impl FnMut(TileId) -> Result<Vec<u8>, String>,
    ) -> Result<Vec<&'d [u8]>, AuditError> {
        let expected = self.tree.size() / u64::from(TILE_WIDTH);
        if bundle.index() != expected || !self.tree.size().is_multiple_of(u64::from(TILE_WIDTH)) {
            return Err(AuditError::OutOfOrder { expected, got: bundle });
        }
        let entries = decode_bundle(bundle, data)?;
        let tile = bundle.hash_tile();
        let tile_hashes = decode_tile(tile, level_zero)?;
        for (position, (entry, found)) in entries.iter().zip(&tile_hashes).enumerate() {
            let leaf = leaf_hash(entry);
            if leaf != *found {
                let node = NodeId::leaf(self.tree.size());
                return Err(AuditError::TileMismatch {
                    tile,
                    position,
                    node,
                    found: *found,
                    computed: leaf,
                });
            }
            let mut completed = Vec::new();
            self.tree.append_with(leaf, |node, hash| {
                if node.level > 0 && node.level % TILE_HEIGHT == 0 {
                    completed.push((node, *hash));
                }
            })?;
            for (node, hash) in completed {
                self.check_upper_node(node, hash, &mut fetch_tile)?;
            }
            self.check_earlier_root()?;
        }
        Ok(entries)
    }

    fn check_upper_node(
        &mut self,
        node: NodeId,
        computed: Hash,
        fetch_tile: &mut impl FnMut(TileId) -> Result<Vec<u8>, String>,
    ) -> Result<(), AuditError> {
        let level = usize::from(node.level / TILE_HEIGHT);
        let width = u64::from(TILE_WIDTH);
        let tile_index = node.index / width;
        if self.upper.len() <= level {
            self.upper.resize(level + 1, None);
        }
        let loaded = matches!(&self.upper[level], Some((t, _)) if t.index() == tile_index);
        if !loaded {
            let tile = TileId::in_tree(level as u8, tile_index, self.size)
                .ok_or(AuditError::Tile(TileError::NodeNotInTree { node, size: self.size }))?;
            let data = fetch_tile(tile).map_err(|message| AuditError::Fetch { tile, message })?;
            self.upper[level] = Some((tile, decode_tile(tile, &data)?));
        }
        let position = (node.index % width) as usize;
        let not_in_tile = AuditError::Tile(TileError::NodeNotInTree { node, size: self.size });
        let (tile, hashes) = self.upper[level].as_ref().ok_or(not_in_tile)?;
        // The tile holds every complete node of its span: `decode_tile`
        // checked its width, and `node` is complete.
        let found = *hashes
            .get(position)
            .ok_or(AuditError::Tile(TileError::NodeNotInTree { node, size: self.size }))?;
        if found != computed {
            return Err(AuditError::TileMismatch { tile: *tile, position, node, found, computed });
        }
        Ok(())
    }

    fn check_earlier_root(&mut self) -> Result<(), AuditError> {
        while let Some(&(size, expected)) = self.earlier.last() {
            if size != self.tree.size() {
                break;
            }
            self.earlier.pop();
            let computed = self.tree.root();
            if computed != expected {
                return Err(AuditError::RootMismatch { size, expected, computed });
            }
        }
        Ok(())
    }

    /// Ends the audit: every entry was fed, and the root is the
    /// checkpoint's. Returns the root.
    pub fn finish(self) -> Result<Hash, AuditError> {
        if self.tree.size() != self.size {
            return Err(AuditError::Incomplete { audited: self.tree.size(), size: self.size });
        }
        let computed = self.tree.root();
        if computed != self.root {
            return Err(AuditError::RootMismatch {
                size: self.size,
                expected: self.root,
                computed,
            });
        }
        Ok(computed)
    }
}
