//! The pure core of a transparency log: RFC 6962 Merkle trees, inclusion and
//! consistency proofs, and the C2SP [tlog-tiles] layout.
//!
//! Every entry of a Truce log is a leaf of one append-only Merkle tree, as
//! RFC 6962 section 2.1 defines it; a checkpoint commits to the tree's size
//! and root. This crate computes everything about that tree and checks
//! everything a log, a witness or an auditor is told about it:
//!
//! * [`Hash`], [`leaf_hash`], [`node_hash`] and [`EMPTY_ROOT`]: the hashing.
//! * [`TreeBuilder`]: appends leaves one at a time with `O(log n)` memory,
//!   gives the root at any moment and reports each node it completes, so a
//!   sequencer can write tiles and an auditor can recompute them.
//! * [`inclusion_proof`], [`consistency_proof`] and [`tree_root`] build
//!   proofs from any [`HashReader`], a narrow trait that reads the hashes of
//!   complete perfect subtrees ([`NodeId`]) in one batch per proof;
//!   [`verify_inclusion`] and [`verify_consistency`] check them.
//! * [`Policy`]: a C2SP tlog-policy (logs, witnesses, quorum) and the
//!   check that a checkpoint is signed by the log and cosigned by a quorum.
//! * [`TileId`], [`BundleId`] and [`TilePath`]: tile and entry bundle
//!   identities and their strict path syntax; [`tiles_for_size`] and
//!   [`new_tiles`] list the tiles of a tree; [`TileHashReader`] is a
//!   [`HashReader`] over any [`TileReader`]; [`encode_bundle`] and
//!   [`decode_bundle`] are the entry bundle codec.
//!
//! ```
//! use truce_log::{MemoryTree, inclusion_proof, leaf_hash, verify_inclusion};
//!
//! let mut tree = MemoryTree::new();
//! for entry in ["alpha", "bravo", "charlie", "delta", "echo"] {
//!     tree.append(leaf_hash(entry.as_bytes()))?;
//! }
//! let root = tree.root();
//!
//! let proof = inclusion_proof(2, 5, &tree)?;
//! verify_inclusion(&leaf_hash(b"charlie"), 2, 5, &proof, &root)?;
//! assert!(verify_inclusion(&leaf_hash(b"mallory"), 2, 5, &proof, &root).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **Invariant:** this crate does no I/O: no files, sockets or clocks.
//! Storage reaches it only through [`HashReader`], [`TileReader`],
//! [`LogStorage`] and [`DedupIndex`], which callers implement. (The
//! sequencer hashes a large batch on every core, with scoped threads: that
//! is computation, not I/O.)
//!
//! **Size 0:** RFC 6962 defines no consistency proof from the empty tree, and
//! [`verify_consistency`] and [`consistency_proof`] follow it strictly; C2SP
//! tlog-witness treats the empty tree as consistent with every tree, which
//! [`verify_consistency_allowing_empty`] implements. Each function's
//! documentation states its rule.
//!
//! [tlog-tiles]: https://c2sp.org/tlog-tiles
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod audit;
mod bundle;
mod checkpoint;
mod hash;
mod memory;
mod policy;
mod proof;
mod rotation;
mod sequencer;
mod storage;
mod tile;
mod tlog_proof;
mod tree;

pub use crate::audit::{AuditError, TreeAuditor};
pub use crate::checkpoint::{Checkpoint, CheckpointError, VerifiedCheckpoint};
pub use crate::rotation::{KEY_LINE, LogKeys, RotationError, key_line};
pub use crate::sequencer::{Logged, Sequencer, SequencerError, read_entry};
pub use crate::storage::{
    BatchedDedup, BoxError, CommitError, DedupBatch, DedupIndex, Journaled, LogStorage,
    MemoryDedup, StorageTiles, StorageTilesError, cut_to_width, full_version, read_objects,
};
pub use crate::tlog_proof::{TlogProof, TlogProofError};

pub use crate::bundle::{
    BundleError, BundleId, MAX_ENTRY_SIZE, bundles_for_size, decode_bundle, encode_bundle,
};
pub use crate::hash::{EMPTY_ROOT, HASH_SIZE, Hash, HashError, leaf_hash, node_hash};
pub use crate::memory::{MemoryTree, MissingNode};
pub use crate::policy::{Policy, PolicyError, WitnessedCheckpoint};
pub use crate::proof::{
    HashReader, ProofError, ProveError, consistency_proof, inclusion_proof,
    root_from_inclusion_proof, tree_root, verify_consistency, verify_consistency_allowing_empty,
    verify_inclusion,
};
pub use crate::tile::{
    MAX_TILE_LEVEL, NodeInTile, TILE_HEIGHT, TILE_WIDTH, TileError, TileHashReader, TileId,
    TilePath, TileReadError, TileReader, decode_tile, encode_tile, new_tiles, tiles_for_size,
};
pub use crate::tree::{NodeId, TreeBuilder, TreeError, right_edge_nodes, root_from_leaves};
