//! Property tests: for random tree sizes, every inclusion and consistency
//! proof is the one RFC 6962 defines and verifies, a flipped bit anywhere
//! fails, and tiles give the same hashes as the tree.

mod common;

use common::{MemoryTiles, flip_bit, leaves, mth, path, proof};
use proptest::prelude::*;
use truce_log::{
    BundleId, MemoryTree, TileHashReader, bundles_for_size, consistency_proof, inclusion_proof,
    leaf_hash, tiles_for_size, tree_root, verify_consistency, verify_inclusion,
};

fn memory_tree(leaves: &[truce_log::Hash]) -> MemoryTree {
    let mut tree = MemoryTree::new();
    for leaf in leaves {
        tree.append(*leaf).expect("not full");
    }
    tree
}

/// A tree size and an index in it.
fn size_and_index() -> impl Strategy<Value = (u64, u64)> {
    (1u64..2100).prop_flat_map(|size| (Just(size), 0..size))
}

/// Two tree sizes, the first at most the second, the first not 0.
fn size_pair() -> impl Strategy<Value = (u64, u64)> {
    (1u64..2100).prop_flat_map(|size2| (1..=size2, Just(size2)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn inclusion_proofs_verify_and_every_flipped_bit_fails(
        (size, index) in size_and_index(),
        bit in 0usize..256,
    ) {
        let d = leaves(size);
        let tree = memory_tree(&d);
        let root = tree.root();
        prop_assert_eq!(root, mth(&d));
        let p = inclusion_proof(index, size, &tree).expect("proves");
        prop_assert_eq!(&p, &path(index as usize, &d), "the RFC 6962 audit path");
        let leaf = d[index as usize];
        prop_assert!(verify_inclusion(&leaf, index, size, &p, &root).is_ok());
        prop_assert!(common::rfc9162_verify_inclusion(index, size, &leaf, &p, &root));

        for i in 0..p.len() {
            let mut bad = p.clone();
            bad[i] = flip_bit(&bad[i], bit);
            prop_assert!(verify_inclusion(&leaf, index, size, &bad, &root).is_err());
        }
        prop_assert!(verify_inclusion(&flip_bit(&leaf, bit), index, size, &p, &root).is_err());
        prop_assert!(verify_inclusion(&leaf, index, size, &p, &flip_bit(&root, bit)).is_err());
        let other = if index + 1 < size { index + 1 } else { index.wrapping_sub(1) };
        if other < size {
            prop_assert!(verify_inclusion(&leaf, other, size, &p, &root).is_err());
        }
        // A proof one hash short, or one too long, fails.
        if !p.is_empty() {
            prop_assert!(verify_inclusion(&leaf, index, size, &p[1..], &root).is_err());
        }
        let mut long = p.clone();
        long.push(root);
        prop_assert!(verify_inclusion(&leaf, index, size, &long, &root).is_err());
    }

    #[test]
    fn consistency_proofs_verify_and_every_flipped_bit_fails(
        (size1, size2) in size_pair(),
        bit in 0usize..256,
    ) {
        let d = leaves(size2);
        let tree = memory_tree(&d);
        let (root1, root2) = (mth(&d[..size1 as usize]), mth(&d));
        prop_assert_eq!(tree_root(size1, &tree).expect("root"), root1);
        let p = consistency_proof(size1, size2, &tree).expect("proves");
        prop_assert_eq!(&p, &proof(size1 as usize, &d), "the RFC 6962 consistency proof");
        prop_assert!(verify_consistency(size1, size2, &p, &root1, &root2).is_ok());
        if size1 < size2 {
            prop_assert!(common::rfc9162_verify_consistency(size1, size2, &p, &root1, &root2));
        }
        for i in 0..p.len() {
            let mut bad = p.clone();
            bad[i] = flip_bit(&bad[i], bit);
            prop_assert!(verify_consistency(size1, size2, &bad, &root1, &root2).is_err());
        }
        prop_assert!(verify_consistency(size1, size2, &p, &flip_bit(&root1, bit), &root2).is_err());
        prop_assert!(verify_consistency(size1, size2, &p, &root1, &flip_bit(&root2, bit)).is_err());
        if size1 < size2 {
            // Two roots that are not consistent: a forked tree of size2.
            let mut forked = d.clone();
            forked[(size1 - 1) as usize] = leaf_hash(b"forked");
            prop_assert!(verify_consistency(size1, size2, &p, &root1, &mth(&forked)).is_err());
        }
    }

    #[test]
    fn tiles_give_the_same_roots_and_proofs_as_the_tree((size, index) in size_and_index()) {
        let d = leaves(size);
        let tree = memory_tree(&d);
        let tiles = MemoryTiles::build(&d);
        let reader = TileHashReader::new(size, &tiles);
        prop_assert_eq!(tree_root(size, &reader).expect("root"), tree.root());
        prop_assert_eq!(
            inclusion_proof(index, size, &reader).expect("proves"),
            inclusion_proof(index, size, &tree).expect("proves")
        );
        let size1 = index + 1;
        prop_assert_eq!(
            consistency_proof(size1, size, &reader).expect("proves"),
            consistency_proof(size1, size, &tree).expect("proves")
        );
    }

    #[test]
    fn tile_lists_agree_with_a_count_by_hand(size in 0u64..200_000) {
        // Level L holds the hashes of tree level 8 L: size >> 8 L of them.
        let mut want = Vec::new();
        let mut hashes = size;
        let mut level = 0u8;
        while hashes > 0 {
            for index in 0..hashes / 256 {
                want.push((level, index, 256u16));
            }
            if hashes % 256 > 0 {
                want.push((level, hashes / 256, (hashes % 256) as u16));
            }
            hashes >>= 8;
            level += 1;
        }
        let got: Vec<_> =
            tiles_for_size(size).map(|t| (t.level(), t.index(), t.width())).collect();
        prop_assert_eq!(got, want);
        let bundles: Vec<BundleId> = bundles_for_size(size).collect();
        prop_assert_eq!(bundles.len() as u64, size.div_ceil(256));
        let covered: u64 = bundles.iter().map(|b| u64::from(b.width())).sum();
        prop_assert_eq!(covered, size);
    }
}
