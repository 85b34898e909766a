//! The dedup index: leaf hash to log index, derived from the log.
//!
//! It lets the sequencer answer a resubmitted entry with its original
//! index. It keys entries by the first 8 bytes of their leaf hash, an
//! integer key that databases store and find much faster than a 32-byte
//! one; the sequencer confirms every hit against the log's bytes, so a
//! collision of those 8 bytes (about one in 10^12 for ten million entries)
//! costs at most a second copy of an entry, never a wrong index.

use truce_log::Hash;

mod postgres;
mod sqlite;

pub use self::postgres::PgDedup;
pub use self::sqlite::SqliteDedup;

/// The key of a leaf hash: its first 8 bytes.
fn prefix(leaf: &Hash) -> i64 {
    let [a, b, c, d, e, f, g, h, ..] = leaf.0;
    i64::from_be_bytes([a, b, c, d, e, f, g, h])
}
