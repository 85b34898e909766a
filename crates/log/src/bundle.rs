//! C2SP tlog-tiles entry bundles.
//!
//! SPEC(tlog-tiles): "Entry bundles are sequences of big-endian uint16
//! length-prefixed log entries."
//!
//! Zero-length entries are encoded and decoded like any other: the format
//! can express them, and RFC 6962 defines their leaf hash (the first leaf
//! of the transparency-dev test tree is empty). Whether a log accepts empty
//! entries is the entry format's decision, not this codec's.

use std::fmt;

use crate::tile::{TILE_WIDTH, TileError, TileId, check_width, write_index_and_width};

/// The largest entry a bundle can hold: its length must fit in a `u16`.
pub const MAX_ENTRY_SIZE: usize = u16::MAX as usize;

/// An entry bundle: the entries `256 * index` to `256 * index + width - 1`.
///
/// SPEC(tlog-tiles): "`<N>` and `.p/<W>` have the same meaning as in Merkle
/// Tree tile paths above." Its [`Display`](fmt::Display) form is its path,
/// `tile/entries/<N>[.p/<W>]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BundleId {
    index: u64,
    width: u16,
}

impl BundleId {
    /// The bundle at `index` with `width` entries (256 for a full bundle).
    pub fn new(index: u64, width: u16) -> Result<BundleId, TileError> {
        check_width(width)?;
        Ok(BundleId { index, width })
    }

    /// The bundle at `index` as it is in a tree of `size` leaves, or `None`
    /// when it would be empty. It has the width of the level 0 tile.
    pub fn in_tree(index: u64, size: u64) -> Option<BundleId> {
        let tile = TileId::in_tree(0, index, size)?;
        Some(BundleId { index, width: tile.width() })
    }

    /// The bundle holding entry `entry` in a tree of `size` leaves, and the
    /// entry's position in it; `None` if the entry is not in the tree.
    pub fn for_entry(entry: u64, size: u64) -> Option<(BundleId, usize)> {
        if entry >= size {
            return None;
        }
        let width = u64::from(TILE_WIDTH);
        let bundle = BundleId::in_tree(entry / width, size)?;
        Some((bundle, usize::try_from(entry % width).ok()?))
    }

    /// The index `N` of the bundle.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The number of entries: 256 for a full bundle.
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Whether the bundle holds all 256 entries.
    pub fn is_full(&self) -> bool {
        self.width == TILE_WIDTH
    }

    /// The level 0 tile holding the leaf hashes of this bundle's entries.
    ///
    /// SPEC(tlog-tiles): "Each entry in a bundle hashes to the corresponding
    /// entry in the corresponding “level 0” Merkle Tree tile."
    pub fn hash_tile(&self) -> TileId {
        TileId::level_zero(self.index, self.width)
    }

    /// The bundle's path, `tile/entries/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        self.to_string()
    }
}

/// Every entry bundle of a tree of `size` leaves, left to right: the full
/// bundles and at most one partial bundle.
pub fn bundles_for_size(size: u64) -> impl Iterator<Item = BundleId> {
    let count = size.div_ceil(u64::from(TILE_WIDTH));
    (0..count).filter_map(move |index| BundleId::in_tree(index, size))
}

impl fmt::Display for BundleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tile/entries/")?;
        write_index_and_width(f, self.index, self.width)
    }
}

/// Why an entry bundle cannot be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// An entry is longer than [`MAX_ENTRY_SIZE`].
    #[error("entry {position} of the bundle has {len} bytes, more than {MAX_ENTRY_SIZE}")]
    EntryTooLarge {
        /// The entry's position in the bundle.
        position: usize,
        /// Its length.
        len: usize,
    },
    /// A bundle must hold 1 to 256 entries.
    #[error("a bundle holds 1 to {TILE_WIDTH} entries, not {0}")]
    WrongEntryCount(usize),
    /// The data ends before an entry the bundle's width calls for.
    #[error("{bundle}: entry {position} is missing")]
    MissingEntry {
        /// The bundle.
        bundle: BundleId,
        /// The position of the first missing entry.
        position: usize,
    },
    /// The data ends inside an entry's length prefix or its bytes.
    #[error("{bundle}: entry {position} is truncated: {needed} bytes needed, {available} left")]
    Truncated {
        /// The bundle.
        bundle: BundleId,
        /// The position of the truncated entry.
        position: usize,
        /// The bytes the length prefix, or the entry it announces, needs.
        needed: usize,
        /// The bytes left.
        available: usize,
    },
    /// Bytes follow the bundle's last entry.
    #[error("{bundle}: {bytes} trailing byte(s) after entry {last_position}, the last one")]
    TrailingData {
        /// The bundle.
        bundle: BundleId,
        /// The position of the last entry.
        last_position: usize,
        /// The number of extra bytes.
        bytes: usize,
    },
}

/// Encodes a bundle of 1 to 256 entries.
pub fn encode_bundle<E: AsRef<[u8]>>(entries: &[E]) -> Result<Vec<u8>, BundleError> {
    if entries.is_empty() || entries.len() > usize::from(TILE_WIDTH) {
        return Err(BundleError::WrongEntryCount(entries.len()));
    }
    let total: usize = entries.iter().map(|entry| 2 + entry.as_ref().len()).sum();
    let mut out = Vec::with_capacity(total);
    for (position, entry) in entries.iter().enumerate() {
        let entry = entry.as_ref();
        let len = u16::try_from(entry.len())
            .map_err(|_| BundleError::EntryTooLarge { position, len: entry.len() })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(entry);
    }
    Ok(out)
}

/// Decodes `bundle`'s data into exactly `bundle.width()` entries, borrowed
/// from `data`. Anything short of that, or anything after, is an error that
/// names the entry where it happens.
pub fn decode_bundle(bundle: BundleId, data: &[u8]) -> Result<Vec<&[u8]>, BundleError> {
    let width = usize::from(bundle.width);
    let mut entries = Vec::with_capacity(width);
    let mut rest = data;
    for position in 0..width {
        if rest.is_empty() {
            return Err(BundleError::MissingEntry { bundle, position });
        }
        let truncated =
            |needed, available| BundleError::Truncated { bundle, position, needed, available };
        let (prefix, after_prefix) =
            rest.split_first_chunk::<2>().ok_or(truncated(2, rest.len()))?;
        let len = usize::from(u16::from_be_bytes(*prefix));
        let (entry, after_entry) =
            after_prefix.split_at_checked(len).ok_or(truncated(len, after_prefix.len()))?;
        entries.push(entry);
        rest = after_entry;
    }
    if !rest.is_empty() {
        return Err(BundleError::TrailingData {
            bundle,
            last_position: width - 1,
            bytes: rest.len(),
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(index: u64, width: u16) -> BundleId {
        BundleId::new(index, width).expect("valid bundle")
    }

    #[test]
    fn round_trip_including_empty_and_largest_entries() {
        let big = vec![7u8; MAX_ENTRY_SIZE];
        let entries: Vec<&[u8]> = vec![b"", b"a", &big, b""];
        let data = encode_bundle(&entries).expect("encodes");
        assert_eq!(&data[..5], [0, 0, 0, 1, b'a']);
        assert_eq!(decode_bundle(bundle(0, 4), &data), Ok(entries));
    }

    #[test]
    fn encoding_rejects_what_a_bundle_cannot_hold() {
        let too_big = vec![0u8; MAX_ENTRY_SIZE + 1];
        assert_eq!(
            encode_bundle(&[&b"ok"[..], &too_big]),
            Err(BundleError::EntryTooLarge { position: 1, len: MAX_ENTRY_SIZE + 1 })
        );
        assert_eq!(encode_bundle::<&[u8]>(&[]), Err(BundleError::WrongEntryCount(0)));
        assert_eq!(encode_bundle(&[b""; 257]), Err(BundleError::WrongEntryCount(257)));
    }

    #[test]
    fn decoding_is_strict_and_names_the_entry() {
        let b = bundle(3, 2);
        let data = encode_bundle(&[&b"ab"[..], b"c"]).expect("encodes");
        assert_eq!(decode_bundle(b, &data), Ok(vec![&b"ab"[..], b"c"]));
        assert_eq!(
            decode_bundle(b, &data[..4]),
            Err(BundleError::MissingEntry { bundle: b, position: 1 })
        );
        assert_eq!(
            decode_bundle(b, &data[..5]),
            Err(BundleError::Truncated { bundle: b, position: 1, needed: 2, available: 1 })
        );
        assert_eq!(
            decode_bundle(b, &data[..6]),
            Err(BundleError::Truncated { bundle: b, position: 1, needed: 1, available: 0 })
        );
        let mut long = data.clone();
        long.push(0);
        assert_eq!(
            decode_bundle(b, &long),
            Err(BundleError::TrailingData { bundle: b, last_position: 1, bytes: 1 })
        );
        assert_eq!(
            decode_bundle(bundle(3, 3), &data),
            Err(BundleError::MissingEntry { bundle: bundle(3, 3), position: 2 })
        );
        let message = decode_bundle(b, &long).expect_err("trailing byte").to_string();
        assert_eq!(message, "tile/entries/003.p/2: 1 trailing byte(s) after entry 1, the last one");
    }

    #[test]
    fn bundles_in_a_tree() {
        assert_eq!(BundleId::in_tree(1, 300), Some(bundle(1, 44)));
        assert_eq!(BundleId::in_tree(1, 256), None);
        assert_eq!(BundleId::for_entry(299, 300), Some((bundle(1, 44), 43)));
        assert_eq!(BundleId::for_entry(300, 300), None);
        assert_eq!(bundle(1, 44).hash_tile().path(), "tile/0/001.p/44");
        assert_eq!(bundle(1_234_067, 256).path(), "tile/entries/x001/x234/067");
    }
}
