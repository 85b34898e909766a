//! Independent oracles for the tests: the RFC 6962 definitions written as
//! naively as possible, RFC 9162's bit-walking verifiers (a differently
//! shaped algorithm from the crate's), and in-memory tiles.

#![allow(dead_code)]

use std::cell::Cell;
use std::collections::HashMap;
use std::path::PathBuf;

use truce_log::{EMPTY_ROOT, Hash, TileId, TileReader, TreeBuilder, leaf_hash, node_hash};

pub fn vectors_dir() -> PathBuf {
    PathBuf::from("../../testdata/vectors")
}

pub fn hex(text: &str) -> Vec<u8> {
    assert!(text.len().is_multiple_of(2), "odd hex {text:?}");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

pub fn hex_hash(text: &str) -> Hash {
    Hash::from_slice(&hex(text)).expect("32-byte hex hash")
}

/// Deterministic, distinct leaves.
pub fn leaves(count: u64) -> Vec<Hash> {
    (0..count).map(|i| leaf_hash(&i.to_be_bytes())).collect()
}

/// The largest power of two strictly below `n` (n >= 2), by counting.
fn k_below(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// RFC 6962 2.1: MTH, literally.
pub fn mth(d: &[Hash]) -> Hash {
    match d.len() {
        0 => EMPTY_ROOT,
        1 => d[0],
        n => {
            let k = k_below(n);
            node_hash(&mth(&d[..k]), &mth(&d[k..]))
        }
    }
}

/// RFC 6962 2.1.1: PATH(m, D[n]), literally.
pub fn path(m: usize, d: &[Hash]) -> Vec<Hash> {
    let n = d.len();
    if n == 1 {
        return Vec::new();
    }
    let k = k_below(n);
    if m < k {
        let mut p = path(m, &d[..k]);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = path(m - k, &d[k..]);
        p.push(mth(&d[..k]));
        p
    }
}

/// RFC 6962 2.1.2: PROOF(m, D[n]) = SUBPROOF(m, D[n], true), literally.
pub fn proof(m: usize, d: &[Hash]) -> Vec<Hash> {
    subproof(m, d, true)
}

fn subproof(m: usize, d: &[Hash], b: bool) -> Vec<Hash> {
    let n = d.len();
    if m == n {
        return if b { Vec::new() } else { vec![mth(d)] };
    }
    let k = k_below(n);
    if m <= k {
        let mut p = subproof(m, &d[..k], b);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = subproof(m - k, &d[k..], false);
        p.push(mth(&d[..k]));
        p
    }
}

/// RFC 9162 2.1.3.2, step by step.
pub fn rfc9162_verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    path: &[Hash],
    root: &Hash,
) -> bool {
    if index >= size {
        return false;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && r == *root
}

/// RFC 9162 2.1.4.2, step by step, for 0 < first < second.
pub fn rfc9162_verify_consistency(
    first: u64,
    second: u64,
    path: &[Hash],
    first_hash: &Hash,
    second_hash: &Hash,
) -> bool {
    assert!(0 < first && first < second);
    if path.is_empty() {
        return false;
    }
    let mut path = path.to_vec();
    if first.is_power_of_two() {
        path.insert(0, *first_hash);
    }
    let (mut f, mut s) = (first - 1, second - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    fr == *first_hash && sr == *second_hash && s == 0
}

pub fn flip_bit(hash: &Hash, bit: usize) -> Hash {
    let mut bytes = hash.0;
    bytes[bit / 8 % 32] ^= 1 << (bit % 8);
    Hash(bytes)
}

/// The tiles of one tree size, built only from the nodes a [`TreeBuilder`]
/// emits, that refuses any tile the tree does not have and counts batches.
pub struct MemoryTiles {
    pub size: u64,
    /// Hashes of tree level 8 * L, by tile level L.
    stored: Vec<Vec<Hash>>,
    pub batches: Cell<usize>,
}

impl MemoryTiles {
    pub fn build(leaves: &[Hash]) -> MemoryTiles {
        let mut tree = TreeBuilder::new();
        let mut stored: Vec<Vec<Hash>> = Vec::new();
        for leaf in leaves {
            tree.append_with(*leaf, |node, hash| {
                if node.level % 8 == 0 {
                    let level = usize::from(node.level / 8);
                    if stored.len() <= level {
                        stored.resize_with(level + 1, Vec::new);
                    }
                    assert_eq!(stored[level].len() as u64, node.index, "nodes emitted in order");
                    stored[level].push(*hash);
                }
            })
            .expect("not full");
        }
        MemoryTiles { size: tree.size(), stored, batches: Cell::new(0) }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("no tile {0} in a tree of this size")]
pub struct NoSuchTile(pub TileId);

impl TileReader for MemoryTiles {
    type Error = NoSuchTile;

    fn read_tiles(&self, tiles: &[TileId]) -> Result<Vec<Vec<u8>>, NoSuchTile> {
        self.batches.set(self.batches.get() + 1);
        let mut seen = HashMap::new();
        tiles
            .iter()
            .map(|&tile| {
                assert!(seen.insert(tile, ()).is_none(), "tile {tile} asked for twice");
                if TileId::in_tree(tile.level(), tile.index(), self.size) != Some(tile) {
                    return Err(NoSuchTile(tile));
                }
                let start = usize::try_from(tile.index() * 256).expect("small");
                let hashes = &self.stored[usize::from(tile.level())]
                    [start..start + usize::from(tile.width())];
                Ok(truce_log::encode_tile(hashes))
            })
            .collect()
    }
}
