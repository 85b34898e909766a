//! C2SP tlog-tiles: tile identities, paths, which tiles a tree has, and a
//! [`HashReader`] over tiles.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use crate::bundle::BundleId;
use crate::hash::{EMPTY_ROOT, HASH_SIZE, Hash, node_hash};
use crate::proof::HashReader;
use crate::tree::NodeId;

/// The number of tree levels a tile spans: a tile at tile level `L` holds
/// hashes of tree level `8 * L`.
pub const TILE_HEIGHT: u8 = 8;

/// The number of hashes in a full tile.
///
/// SPEC(tlog-tiles): "Full tiles MUST be exactly 256 hashes wide, or 8,192
/// bytes."
pub const TILE_WIDTH: u16 = 256;

/// The largest tile level a path may carry.
///
/// SPEC(tlog-tiles): "`<L>` is the “level” of the tile, and MUST be a
/// decimal ASCII integer between 0 and 63". Only levels 0 to 7 can hold
/// anything in a tree whose size fits in a `u64`.
pub const MAX_TILE_LEVEL: u8 = 63;

/// An error about a tile: an invalid identity or path, or tile data that
/// does not fit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TileError {
    /// The tile level is above [`MAX_TILE_LEVEL`].
    #[error("tile level {0} is above {MAX_TILE_LEVEL}")]
    InvalidLevel(u8),
    /// The width is not between 1 and 256.
    #[error("tile width {0} is not between 1 and {TILE_WIDTH}")]
    InvalidWidth(u16),
    /// The text is not a strict C2SP tile or entry bundle path.
    #[error("invalid tile path {path:?}: {reason}")]
    InvalidPath {
        /// The path given.
        path: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The node is not complete in the tree, so no tile holds its hash.
    #[error("{node} is not complete in a tree of size {size}")]
    NodeNotInTree {
        /// The node.
        node: NodeId,
        /// The tree size.
        size: u64,
    },
    /// The tile data is not 32 bytes per hash of the tile's width.
    #[error("tile {tile} has {actual} bytes, not {expected}")]
    WrongLength {
        /// The tile.
        tile: TileId,
        /// 32 times the tile's width.
        expected: usize,
        /// The number of bytes read.
        actual: usize,
    },
}

/// A tile of Merkle tree hashes: `width` consecutive hashes of tree level
/// `8 * level`, from hash `256 * index`.
///
/// SPEC(tlog-tiles): "the *n*-th tile at level *l* [...] is the sequence of
/// the following Merkle Tree Hashes, with *i* from 0 to 255:
/// `MTH(D[(n * 256 + i) * 256**l : (n * 256 + i + 1) * 256**l])`". A
/// partial tile holds the first `width` of them.
///
/// Its [`Display`](fmt::Display) form is its path, `tile/<L>/<N>[.p/<W>]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TileId {
    level: u8,
    index: u64,
    width: u16,
}

impl TileId {
    /// The tile at tile `level` and `index` with `width` hashes (256 for a
    /// full tile).
    pub fn new(level: u8, index: u64, width: u16) -> Result<TileId, TileError> {
        if level > MAX_TILE_LEVEL {
            return Err(TileError::InvalidLevel(level));
        }
        check_width(width)?;
        Ok(TileId { level, index, width })
    }

    /// The tile at tile `level` and `index` as it is in a tree of `size`
    /// leaves: full, partial with the width the size implies, or `None`
    /// when the tree has no hash for it (empty tiles do not exist).
    pub fn in_tree(level: u8, index: u64, size: u64) -> Option<TileId> {
        let width = width_in_tree(level, index, size)?;
        Some(TileId { level, index, width })
    }

    /// Where the hash of `node` comes from in a tree of `size` leaves: the
    /// tile at tile level `node.level / 8`, as it is in that tree, and the
    /// `2^(node.level % 8)` hashes in it under the node.
    ///
    /// Tiles store only every eighth tree level; as in Go's
    /// `golang.org/x/mod/sumdb/tlog`, the levels in between are recomputed
    /// from the tile below them.
    pub fn for_node(node: NodeId, size: u64) -> Result<NodeInTile, TileError> {
        let not_in_tree = || TileError::NodeNotInTree { node, size };
        if !node.is_complete_in(size) {
            return Err(not_in_tree());
        }
        let level = node.level / TILE_HEIGHT;
        let height_in_tile = node.level % TILE_HEIGHT;
        // The node is the root of 2^height_in_tile consecutive hashes of the
        // tile's level, the first of which has this index. No overflow: the
        // node is complete, so its leaves, and these hashes, have u64
        // indices.
        let first = node.index << height_in_tile;
        let tile =
            TileId::in_tree(level, first / u64::from(TILE_WIDTH), size).ok_or_else(not_in_tree)?;
        let start = usize::try_from(first % u64::from(TILE_WIDTH)).map_err(|_| not_in_tree())?;
        Ok(NodeInTile { tile, start, len: 1 << height_in_tile })
    }

    /// The level 0 tile at `index` with `width` hashes, for a width already
    /// checked to be between 1 and 256.
    pub(crate) fn level_zero(index: u64, width: u16) -> TileId {
        debug_assert!(check_width(width).is_ok());
        TileId { level: 0, index, width }
    }

    /// The tile level `L`.
    pub fn level(&self) -> u8 {
        self.level
    }

    /// The index `N` of the tile within its level.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The number of hashes: 256 for a full tile.
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Whether the tile holds all 256 hashes.
    pub fn is_full(&self) -> bool {
        self.width == TILE_WIDTH
    }

    /// The tile's path, `tile/<L>/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for TileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tile/{}/", self.level)?;
        write_index_and_width(f, self.index, self.width)
    }
}

/// Where a node's hash comes from: the Merkle tree hash of the hashes
/// `start..start + len` of `tile` (`len` is a power of two up to 128).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeInTile {
    /// The tile.
    pub tile: TileId,
    /// The position of the first hash under the node.
    pub start: usize,
    /// The number of hashes under the node.
    pub len: usize,
}

/// The width of tile `level`/`index` in a tree of `size` leaves, if the tile
/// is not empty.
///
/// SPEC(tlog-tiles): "The partial tile at level *l* for a tree of size *s*
/// has `floor(s / 256**l) mod 256` entries. Empty tiles MUST NOT be served."
fn width_in_tree(level: u8, index: u64, size: u64) -> Option<u16> {
    let hashes = hashes_at_level(level, size);
    let full_tiles = hashes / u64::from(TILE_WIDTH);
    let partial_width = hashes % u64::from(TILE_WIDTH);
    if index < full_tiles {
        Some(TILE_WIDTH)
    } else if index == full_tiles && partial_width > 0 {
        u16::try_from(partial_width).ok()
    } else {
        None
    }
}

/// The number of hashes tile level `level` has in a tree of `size` leaves:
/// `floor(size / 256^level)`, the number of complete nodes at tree level
/// `8 * level`.
fn hashes_at_level(level: u8, size: u64) -> u64 {
    size.checked_shr(u32::from(level) * u32::from(TILE_HEIGHT)).unwrap_or(0)
}

/// The number of tiles (full and partial) at tile `level` in a tree of
/// `size` leaves.
fn tiles_at_level(level: u8, size: u64) -> u64 {
    hashes_at_level(level, size).div_ceil(u64::from(TILE_WIDTH))
}

/// Every tile of a tree of `size` leaves, level by level from level 0, each
/// level left to right: the full tiles and at most one partial tile.
pub fn tiles_for_size(size: u64) -> impl Iterator<Item = TileId> {
    levels_in_tree(size).flat_map(move |level| {
        (0..tiles_at_level(level, size))
            .filter_map(move |index| TileId::in_tree(level, index, size))
    })
}

/// The tiles of a tree of `new_size` leaves that a tree of `old_size` leaves
/// does not have (with the same width): what a log writes when it grows from
/// `old_size` to `new_size`.
pub fn new_tiles(old_size: u64, new_size: u64) -> impl Iterator<Item = TileId> {
    levels_in_tree(new_size).flat_map(move |level| {
        // Tiles left of the shorter tree's partial tile are full in both.
        let shared = hashes_at_level(level, old_size.min(new_size)) / u64::from(TILE_WIDTH);
        (shared..tiles_at_level(level, new_size)).filter_map(move |index| {
            let tile = TileId::in_tree(level, index, new_size)?;
            (TileId::in_tree(level, index, old_size) != Some(tile)).then_some(tile)
        })
    })
}

/// The tile levels that have at least one hash in a tree of `size` leaves.
fn levels_in_tree(size: u64) -> impl Iterator<Item = u8> {
    (0..=MAX_TILE_LEVEL).take_while(move |&level| hashes_at_level(level, size) > 0)
}

/// Checks that tile data holds `tile.width()` hashes and splits it.
pub fn decode_tile(tile: TileId, data: &[u8]) -> Result<Vec<Hash>, TileError> {
    let expected = usize::from(tile.width) * HASH_SIZE;
    if data.len() != expected {
        return Err(TileError::WrongLength { tile, expected, actual: data.len() });
    }
    data.chunks_exact(HASH_SIZE)
        .map(|chunk| {
            Hash::from_slice(chunk).map_err(|_| TileError::WrongLength {
                tile,
                expected,
                actual: data.len(),
            })
        })
        .collect()
}

/// The bytes of a tile: its hashes, concatenated.
pub fn encode_tile(hashes: &[Hash]) -> Vec<u8> {
    hashes.iter().flat_map(|hash| hash.0).collect()
}

/// The Merkle tree hash of a power-of-two number of consecutive hashes that
/// form a perfect subtree.
fn perfect_subtree_hash(hashes: &[Hash]) -> Hash {
    match hashes {
        [] => EMPTY_ROOT,
        [one] => *one,
        _ => {
            let (left, right) = hashes.split_at(hashes.len() / 2);
            node_hash(&perfect_subtree_hash(left), &perfect_subtree_hash(right))
        }
    }
}

/// Reads tiles, many at a time.
///
/// An implementation must return the bytes of each requested tile, in the
/// order requested. Partial tiles are asked for with the width of the tree
/// size the caller works with; the reader may serve them from a wider tile
/// only by cutting it to that width.
pub trait TileReader {
    /// The error when tiles cannot be read.
    type Error: std::error::Error + 'static;

    /// The bytes of `tiles`, in order.
    fn read_tiles(&self, tiles: &[TileId]) -> Result<Vec<Vec<u8>>, Self::Error>;
}

impl<R: TileReader + ?Sized> TileReader for &R {
    type Error = R::Error;

    fn read_tiles(&self, tiles: &[TileId]) -> Result<Vec<Vec<u8>>, Self::Error> {
        (**self).read_tiles(tiles)
    }
}

/// An error from a [`TileHashReader`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TileReadError<E> {
    /// The tile reader failed.
    #[error("cannot read tiles: {0}")]
    Read(E),
    /// A node is not in the tree, or a tile has the wrong length.
    #[error(transparent)]
    Tile(TileError),
    /// The tile reader did not return one tile per request.
    #[error("asked for {requested} tiles, the reader returned {returned}")]
    TileCount {
        /// The number of tiles asked for.
        requested: usize,
        /// The number of tiles returned.
        returned: usize,
    },
}

/// A [`HashReader`] for the tree of a given size, backed by its tiles.
///
/// The tiles are not authenticated here: a proof built from them means
/// something only once verified against a trusted root.
#[derive(Clone, Debug)]
pub struct TileHashReader<R> {
    size: u64,
    tiles: R,
}

impl<R: TileReader> TileHashReader<R> {
    /// Reads hashes of the tree of `size` leaves from `tiles`.
    pub fn new(size: u64, tiles: R) -> TileHashReader<R> {
        TileHashReader { size, tiles }
    }

    /// The tree size whose tiles are read.
    pub fn size(&self) -> u64 {
        self.size
    }
}

impl<R: TileReader> HashReader for TileHashReader<R> {
    type Error = TileReadError<R::Error>;

    fn read_hashes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, Self::Error> {
        let spans = nodes
            .iter()
            .map(|&node| TileId::for_node(node, self.size))
            .collect::<Result<Vec<_>, _>>()
            .map_err(TileReadError::Tile)?;

        // Each tile once, in order of first use.
        let mut tiles = Vec::new();
        let mut tile_position = HashMap::new();
        for span in &spans {
            tile_position.entry(span.tile).or_insert_with(|| {
                tiles.push(span.tile);
                tiles.len() - 1
            });
        }

        let data = self.tiles.read_tiles(&tiles).map_err(TileReadError::Read)?;
        if data.len() != tiles.len() {
            return Err(TileReadError::TileCount { requested: tiles.len(), returned: data.len() });
        }
        let decoded = tiles
            .iter()
            .zip(&data)
            .map(|(&tile, bytes)| decode_tile(tile, bytes))
            .collect::<Result<Vec<_>, _>>()
            .map_err(TileReadError::Tile)?;

        spans
            .iter()
            .zip(nodes)
            .map(|(span, &node)| {
                // Both lookups succeed: every span's tile was read, and
                // decoding checked it holds `width` hashes, which cover the
                // complete node. A failure is reported, not a panic.
                let hashes = tile_position
                    .get(&span.tile)
                    .and_then(|&i| decoded.get(i))
                    .and_then(|hashes| hashes.get(span.start..span.start + span.len))
                    .ok_or(TileReadError::Tile(TileError::NodeNotInTree {
                        node,
                        size: self.size,
                    }))?;
                Ok(perfect_subtree_hash(hashes))
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------
// Paths.

/// A resource path of a tiled log: a tile of hashes or an entry bundle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TilePath {
    /// `tile/<L>/<N>[.p/<W>]`.
    Hashes(TileId),
    /// `tile/entries/<N>[.p/<W>]`.
    Entries(BundleId),
}

impl TilePath {
    /// Whether a tree of `size` leaves has this tile or bundle, or had it
    /// at a smaller size (the partial tiles of earlier checkpoints): every
    /// hash or entry in it is one of the tree's.
    pub fn within(&self, size: u64) -> bool {
        let (level, index, width) = match self {
            TilePath::Hashes(t) => (u32::from(t.level()), t.index(), u64::from(t.width())),
            TilePath::Entries(b) => (0, b.index(), u64::from(b.width())),
        };
        // The leaves the tile's last hash covers end at this leaf count; a
        // tile of level 8 or more spans more leaves than any tree holds.
        let Some(span) = 1u128.checked_shl(u32::from(TILE_HEIGHT) * level) else { return false };
        let end =
            (u128::from(index) * u128::from(TILE_WIDTH) + u128::from(width)).saturating_mul(span);
        end <= u128::from(size)
    }
}

impl fmt::Display for TilePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TilePath::Hashes(tile) => tile.fmt(f),
            TilePath::Entries(bundle) => bundle.fmt(f),
        }
    }
}

impl FromStr for TilePath {
    type Err = TileError;

    /// Parses a path relative to the log prefix, strictly: only the one
    /// canonical C2SP spelling of each tile is accepted, so Go sumdb's
    /// `tile/<H>/<L>/<N>` paths and `tile/<H>/data/<N>` are rejected.
    fn from_str(path: &str) -> Result<TilePath, TileError> {
        let invalid = |reason| TileError::InvalidPath { path: path.to_owned(), reason };
        let rest = path.strip_prefix("tile/").ok_or_else(|| invalid("it must start with tile/"))?;
        let (kind, rest) = rest.split_once('/').ok_or_else(|| invalid("it has no tile index"))?;
        let (index, width) = match rest.split_once(".p/") {
            Some((index, width)) => (index, parse_partial_width(width).map_err(invalid)?),
            None => (rest, TILE_WIDTH),
        };
        let index = parse_index(index).map_err(invalid)?;
        if kind == "entries" {
            return Ok(TilePath::Entries(BundleId::new(index, width)?));
        }
        let level = parse_decimal(kind)
            .and_then(|level| u8::try_from(level).ok())
            .filter(|&level| level <= MAX_TILE_LEVEL)
            .ok_or_else(|| {
                invalid("the level must be a decimal from 0 to 63 with no leading zeros")
            })?;
        Ok(TilePath::Hashes(TileId::new(level, index, width)?))
    }
}

pub(crate) fn check_width(width: u16) -> Result<(), TileError> {
    if width == 0 || width > TILE_WIDTH {
        return Err(TileError::InvalidWidth(width));
    }
    Ok(())
}

/// Writes `<N>[.p/<W>]`.
///
/// SPEC(tlog-tiles): "`<N>` [...] MUST be a non-negative integer encoded
/// into zero-padded 3-digit path elements. All but the last path element
/// MUST begin with an `x`."
pub(crate) fn write_index_and_width(
    f: &mut fmt::Formatter<'_>,
    index: u64,
    width: u16,
) -> fmt::Result {
    // A u64 has at most 20 decimal digits: 7 groups of three.
    let mut groups = [0u64; 7];
    let mut count = 0;
    let mut rest = index;
    loop {
        groups[count] = rest % 1000;
        count += 1;
        rest /= 1000;
        if rest == 0 {
            break;
        }
    }
    for (i, group) in groups[..count].iter().rev().enumerate() {
        let prefix = if i + 1 < count { "x" } else { "" };
        let separator = if i + 1 < count { "/" } else { "" };
        write!(f, "{prefix}{group:03}{separator}")?;
    }
    if width != TILE_WIDTH {
        write!(f, ".p/{width}")?;
    }
    Ok(())
}

/// Parses `<N>`, accepting only its canonical encoding: no group of leading
/// zeros (`x000/001` is not 1), so that each tile has exactly one path.
fn parse_index(text: &str) -> Result<u64, &'static str> {
    let (prefix_groups, last) = match text.rsplit_once('/') {
        Some((prefix, last)) => (Some(prefix), last),
        None => (None, text),
    };
    let mut index: u64 = 0;
    let mut push_group = |digits: &str| -> Result<(), &'static str> {
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err("index groups must be three digits, all but the last prefixed with x");
        }
        let group = u64::from(digits.as_bytes()[0] - b'0') * 100
            + u64::from(digits.as_bytes()[1] - b'0') * 10
            + u64::from(digits.as_bytes()[2] - b'0');
        index = index
            .checked_mul(1000)
            .and_then(|i| i.checked_add(group))
            .ok_or("the index does not fit in 64 bits")?;
        Ok(())
    };
    if let Some(prefix_groups) = prefix_groups {
        for (i, group) in prefix_groups.split('/').enumerate() {
            let digits = group
                .strip_prefix('x')
                .ok_or("index groups must be three digits, all but the last prefixed with x")?;
            if i == 0 && digits == "000" {
                return Err("the index has a leading group of zeros");
            }
            push_group(digits)?;
        }
    }
    push_group(last)?;
    Ok(index)
}

/// Parses `<W>` of `.p/<W>`.
///
/// SPEC(tlog-tiles): "`<W>` is the width of the tile, a decimal ASCII
/// integer between 1 and 255, with no additional leading zeroes."
fn parse_partial_width(text: &str) -> Result<u16, &'static str> {
    parse_decimal(text)
        .and_then(|width| u16::try_from(width).ok())
        .filter(|width| (1..TILE_WIDTH).contains(width))
        .ok_or("a partial width must be a decimal from 1 to 255 with no leading zeros")
}

/// Parses a decimal with no sign and no leading zeros (but `0` itself).
fn parse_decimal(text: &str) -> Option<u64> {
    let digits_only = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = text.len() > 1 && text.starts_with('0');
    if !digits_only || leading_zero {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tile_is_within_a_tree_that_has_or_had_it() {
        let tile = |p: &str| p.parse::<TilePath>().expect("a path");
        assert!(tile("tile/0/000").within(256));
        assert!(!tile("tile/0/000").within(255));
        assert!(tile("tile/0/000.p/7").within(300));
        assert!(tile("tile/entries/001.p/44").within(300));
        assert!(!tile("tile/entries/001.p/45").within(300));
        assert!(tile("tile/1/000.p/1").within(256));
        assert!(!tile("tile/1/000.p/2").within(511));
        assert!(!tile("tile/16/000").within(u64::MAX), "no overflow");
        assert!(!tile("tile/63/000.p/1").within(u64::MAX));
    }

    fn tile(level: u8, index: u64, width: u16) -> TileId {
        TileId::new(level, index, width).expect("valid tile")
    }

    #[test]
    fn paths_follow_the_spec_examples() {
        assert_eq!(tile(1, 1_234_067, 256).path(), "tile/1/x001/x234/067");
        assert_eq!(tile(0, 0, 256).path(), "tile/0/000");
        assert_eq!(tile(0, 1, 44).path(), "tile/0/001.p/44");
        assert_eq!(tile(2, 1000, 256).path(), "tile/2/x001/000");
        assert_eq!(
            tile(63, u64::MAX, 255).path(),
            "tile/63/x018/x446/x744/x073/x709/x551/615.p/255"
        );
    }

    #[test]
    fn strict_parsing_rejects_non_canonical_paths() {
        for bad in [
            "tile/00/000",
            "tile/01/000",
            "tile/64/000",
            "tile/+1/000",
            "tile/0/0",
            "tile/0/0000",
            "tile/0/x000/001",
            "tile/0/001/x002",
            "tile/0/y001/002",
            "tile/0/x001/002/",
            "tile/0//001",
            "tile/0/001.p/0",
            "tile/0/001.p/256",
            "tile/0/001.p/05",
            "tile/0/001.p/",
            "tile/0/001.p/5/6",
            "tile/0/001.p",
            "tile/0/x018/x446/x744/x073/x709/x551/616",
            "tile/0/x001/x018/x446/x744/x073/x709/x551/615",
            "tile/entries/01",
            "tile/entries/001.p/256",
            "tile/data/000",
            "/tile/0/000",
            "tile/0/000 ",
            "tile/0/-01",
            "tile/0/00a",
            "tile/0/٠٠١",
        ] {
            assert!(bad.parse::<TilePath>().is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn widths_follow_the_spec_examples() {
        // SPEC(tlog-tiles): "a tree of size 70,000 will be represented by 273
        // full level 0 tiles, one partial level 0 tile of width 112, one full
        // level 1 tile, one partial level 1 tile of width 17, and one partial
        // level 2 tile of width 1."
        let tiles: Vec<_> = tiles_for_size(70_000).collect();
        assert_eq!(tiles.len(), 273 + 1 + 1 + 1 + 1);
        assert!(tiles[..273].iter().all(|t| t.level() == 0 && t.is_full()));
        assert_eq!(
            tiles[273..],
            [tile(0, 273, 112), tile(1, 0, 256), tile(1, 1, 17), tile(2, 0, 1)]
        );
        // "a tree of size 256 will be represented by a full level 0 tile and
        // a partial level 1 tile of width 1."
        assert_eq!(tiles_for_size(256).collect::<Vec<_>>(), [tile(0, 0, 256), tile(1, 0, 1)]);
        assert_eq!(tiles_for_size(0).count(), 0);
        // The largest tree has 8 tile levels; the top one holds 255 hashes.
        // (Counted without listing its 2^56 level 0 tiles.)
        assert_eq!(levels_in_tree(u64::MAX).count(), 8);
        assert_eq!(tiles_at_level(7, u64::MAX), 1);
        assert_eq!(TileId::in_tree(7, 0, u64::MAX).map(|t| t.width()), Some(255));
    }

    #[test]
    fn nodes_map_to_tile_slices() {
        let at = |level, index, size| TileId::for_node(NodeId::new(level, index), size);
        assert_eq!(at(0, 5, 6), Ok(NodeInTile { tile: tile(0, 0, 6), start: 5, len: 1 }));
        assert_eq!(at(3, 33, 300), Ok(NodeInTile { tile: tile(0, 1, 44), start: 8, len: 8 }));
        assert_eq!(at(8, 0, 300), Ok(NodeInTile { tile: tile(1, 0, 1), start: 0, len: 1 }));
        assert_eq!(at(7, 1, 256), Ok(NodeInTile { tile: tile(0, 0, 256), start: 128, len: 128 }));
        assert_eq!(at(1, 2, 5), Err(TileError::NodeNotInTree { node: NodeId::new(1, 2), size: 5 }));
    }

    #[test]
    fn tile_data_must_match_the_width() {
        let t = tile(0, 0, 2);
        assert_eq!(decode_tile(t, &[0; 64]), Ok(vec![Hash([0; 32]); 2]));
        assert_eq!(
            decode_tile(t, &[0; 65]),
            Err(TileError::WrongLength { tile: t, expected: 64, actual: 65 })
        );
    }
}
