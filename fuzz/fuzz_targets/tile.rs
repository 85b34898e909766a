//! C2SP tlog-tiles: tile paths (what a client asks a server for) and tile
//! bodies (what a mirror or an auditor reads from a server). Parse or
//! refuse, never panic; a parsed path prints back as read, a decoded tile
//! encodes back to its bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use truce_log::{TileId, TilePath, decode_tile, encode_tile};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the level, the second the width; the rest is
    // the tile, or, as text, a path.
    if let [level, width, body @ ..] = data {
        if let Ok(tile) = TileId::new(level % 64, 0, u16::from(*width) + 1) {
            if let Ok(hashes) = decode_tile(tile, body) {
                assert_eq!(encode_tile(&hashes), body);
            }
        }
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(path) = text.parse::<TilePath>() {
        assert_eq!(path.to_string(), text);
    }
});
