//! Differential and structural checks not covered by `properties.rs`:
//! verification with a changed index or changed sizes agrees with RFC 9162's
//! independent algorithm, `new_tiles` agrees with a set difference, a tree
//! with full level 1 tiles proves the same through tiles, and each proof
//! reads its tiles in exactly one batch.

mod common;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use common::{MemoryTiles, leaves, rfc9162_verify_consistency, rfc9162_verify_inclusion};
use proptest::prelude::*;
use truce_log::{
    Hash, MemoryTree, TileHashReader, TileId, consistency_proof, inclusion_proof, new_tiles,
    tiles_for_size, tree_root, verify_consistency, verify_inclusion,
};

const MAX_SIZE: u64 = 2100;

/// One tree of `MAX_SIZE` leaves, shared: proofs for smaller sizes read its
/// complete nodes, which never change as the tree grows.
fn shared() -> &'static (Vec<Hash>, MemoryTree) {
    static TREE: OnceLock<(Vec<Hash>, MemoryTree)> = OnceLock::new();
    TREE.get_or_init(|| {
        let d = leaves(MAX_SIZE);
        let mut tree = MemoryTree::new();
        for leaf in &d {
            tree.append(*leaf).expect("not full");
        }
        (d, tree)
    })
}

fn root(size: u64) -> Hash {
    tree_root(size, &shared().1).expect("root")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// An inclusion proof does not bind the tree size by itself (the proof
    /// for leaf 0 of size 3 also verifies as one of size 4 against the same
    /// root: the checkpoint signature binds size and root). So a changed
    /// index or size must fail exactly when the RFC 9162 algorithm, written
    /// independently in the test, fails; a changed index in the same tree
    /// always fails.
    #[test]
    fn changed_index_or_size_agrees_with_rfc9162(
        size in 1..MAX_SIZE,
        index_seed in any::<u64>(),
        other_index_seed in any::<u64>(),
        other_size in 0..MAX_SIZE + 10,
    ) {
        let (d, tree) = shared();
        let index = index_seed % size;
        let leaf = d[index as usize];
        let proof = inclusion_proof(index, size, tree).expect("proves");
        let root = root(size);

        let other_index = other_index_seed % size;
        let same_tree = verify_inclusion(&leaf, other_index, size, &proof, &root);
        prop_assert_eq!(same_tree.is_ok(), other_index == index);

        for (i, s) in [(index, other_size), (other_index, other_size)] {
            let ours = verify_inclusion(&leaf, i, s, &proof, &root).is_ok();
            let theirs = rfc9162_verify_inclusion(i, s, &leaf, &proof, &root);
            prop_assert_eq!(ours, theirs, "index {} size {} (proof for {} in {})", i, s, index, size);
        }
    }

    /// Likewise for consistency proofs with either size changed.
    #[test]
    fn changed_sizes_agree_with_rfc9162(
        size2 in 2..MAX_SIZE,
        size1_seed in any::<u64>(),
        other1 in 0..MAX_SIZE,
        other2 in 0..MAX_SIZE + 10,
    ) {
        let tree = &shared().1;
        let size1 = 1 + size1_seed % (size2 - 1);
        let proof = consistency_proof(size1, size2, tree).expect("proves");
        let (root1, root2) = (root(size1), root(size2));
        for (s1, s2) in [(other1, size2), (size1, other2), (other1, other2)] {
            let ours = verify_consistency(s1, s2, &proof, &root1, &root2).is_ok();
            let theirs = if 0 < s1 && s1 < s2 {
                rfc9162_verify_consistency(s1, s2, &proof, &root1, &root2)
            } else {
                // RFC 9162's algorithm covers 0 < first < second only; the
                // other cases are rejected here because the proof is not
                // empty (equal sizes), or by the size rules.
                false
            };
            prop_assert_eq!(ours, theirs, "sizes {} -> {} (proof for {} -> {})", s1, s2, size1, size2);
        }
    }

    #[test]
    fn new_tiles_are_the_set_difference(old in 0u64..140_000, new in 0u64..140_000) {
        let tiles = |size| tiles_for_size(size).collect::<BTreeSet<TileId>>();
        let want: BTreeSet<_> = tiles(new).difference(&tiles(old)).copied().collect();
        let got: Vec<_> = new_tiles(old, new).collect();
        prop_assert_eq!(got.len(), want.len(), "no tile listed twice");
        prop_assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), want);
    }
}

#[test]
fn new_tiles_for_a_small_growth_rewrite_each_levels_partial_tile() {
    let listed: Vec<_> = new_tiles(65_535, 65_537).map(|t| t.path()).collect();
    // Level 0: tile 255 becomes full, tile 256 appears; level 1: tile 0
    // becomes full; level 2: a first, partial tile appears.
    assert_eq!(listed, ["tile/0/255", "tile/0/256.p/1", "tile/1/000", "tile/2/000.p/1"]);
    assert_eq!(new_tiles(70_000, 70_000).count(), 0);
}

/// The spec's example size: 273 full level 0 tiles and a partial one, a
/// full level 1 tile and a partial one, and a partial level 2 tile.
#[test]
fn a_tree_with_full_level_one_tiles_proves_the_same_through_tiles() {
    let size = 70_000;
    let d = leaves(size);
    let mut tree = MemoryTree::new();
    for leaf in &d {
        tree.append(*leaf).expect("not full");
    }
    let tiles = MemoryTiles::build(&d);
    let reader = TileHashReader::new(size, &tiles);

    let batch = |tiles: &MemoryTiles| tiles.batches.replace(0);
    assert_eq!(tree_root(size, &reader).expect("root"), tree.root());
    assert_eq!(batch(&tiles), 1, "one batch for the root");

    let indices = [0, 1, 255, 256, 65_535, 65_536, 65_537, 69_887, 69_888, 69_999];
    for index in indices {
        let through_tiles = inclusion_proof(index, size, &reader).expect("proves");
        assert_eq!(batch(&tiles), 1, "one batch for the inclusion proof of {index}");
        assert_eq!(Ok(through_tiles.clone()), inclusion_proof(index, size, &tree), "{index}");
        verify_inclusion(&d[index as usize], index, size, &through_tiles, &tree.root())
            .expect("verifies");

        let size1 = index + 1;
        let through_tiles = consistency_proof(size1, size, &reader).expect("proves");
        assert!(batch(&tiles) <= 1, "at most one batch for consistency from {size1}");
        assert_eq!(Ok(through_tiles), consistency_proof(size1, size, &tree));
        let root1 = tree_root(size1, &reader).expect("root");
        assert_eq!(Ok(root1), tree_root(size1, &tree), "root of {size1}");
        batch(&tiles);
    }
}

#[test]
fn a_tile_of_the_wrong_length_is_reported() {
    struct Short;
    impl truce_log::TileReader for Short {
        type Error = std::convert::Infallible;
        fn read_tiles(&self, tiles: &[TileId]) -> Result<Vec<Vec<u8>>, Self::Error> {
            Ok(tiles.iter().map(|t| vec![0; usize::from(t.width()) * 32 - 1]).collect())
        }
    }
    let err = inclusion_proof(0, 5, &TileHashReader::new(5, Short)).expect_err("short tile");
    assert_eq!(
        err.to_string(),
        "cannot read hashes: tile tile/0/000.p/5 has 159 bytes, not 160",
        "{err:?}"
    );
}
