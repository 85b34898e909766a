//! The dedup index in SQLite.
//!
//! It is derived from the log (the sequencer rebuilds what it lacks when it
//! opens the log), so it trades durability for speed: WAL journal,
//! `synchronous = NORMAL`.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension as _, params};
use truce_log::{BoxError, DedupIndex, Hash};

use super::prefix;

/// A [`DedupIndex`] in an SQLite database file.
#[derive(Debug)]
pub struct SqliteDedup {
    db: Connection,
}

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS dedup (
        leaf_prefix INTEGER PRIMARY KEY,
        idx INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS covered (
        one INTEGER PRIMARY KEY CHECK (one = 1),
        size INTEGER NOT NULL
    );
";

impl SqliteDedup {
    /// Opens (or creates) the index at `path`.
    pub fn open(path: &Path) -> Result<SqliteDedup, rusqlite::Error> {
        let db = Connection::open(path)?;
        db.pragma_update(None, "journal_mode", "WAL")?;
        db.pragma_update(None, "synchronous", "NORMAL")?;
        db.execute_batch(SCHEMA)?;
        Ok(SqliteDedup { db })
    }

    /// An index in memory.
    pub fn in_memory() -> Result<SqliteDedup, rusqlite::Error> {
        let db = Connection::open_in_memory()?;
        db.execute_batch(SCHEMA)?;
        Ok(SqliteDedup { db })
    }
}

impl DedupIndex for SqliteDedup {
    fn lookup(&self, leaves: &[Hash]) -> Result<Vec<Option<u64>>, BoxError> {
        let mut query = self.db.prepare_cached("SELECT idx FROM dedup WHERE leaf_prefix = ?1")?;
        // In key order, the lookups walk the B-tree's pages once.
        let mut order: Vec<(i64, usize)> =
            leaves.iter().enumerate().map(|(i, leaf)| (prefix(leaf), i)).collect();
        order.sort_unstable();
        let mut found = vec![None; leaves.len()];
        for (key, position) in order {
            let index: Option<i64> = query.query_row(params![key], |row| row.get(0)).optional()?;
            found[position] = index.map(u64::try_from).transpose()?;
        }
        Ok(found)
    }

    fn insert(&mut self, entries: &[(Hash, u64)], new_size: u64) -> Result<(), BoxError> {
        let tx = self.db.transaction()?;
        {
            // The first index of an entry is the one resubmissions get.
            let mut insert = tx
                .prepare_cached("INSERT OR IGNORE INTO dedup (leaf_prefix, idx) VALUES (?1, ?2)")?;
            // In key order, the inserts walk the B-tree's pages once.
            let mut rows: Vec<(i64, u64)> = entries.iter().map(|(l, i)| (prefix(l), *i)).collect();
            rows.sort_unstable();
            for (key, index) in rows {
                insert.execute(params![key, i64::try_from(index)?])?;
            }
            tx.execute(
                "INSERT INTO covered (one, size) VALUES (1, ?1)
                 ON CONFLICT (one) DO UPDATE SET size = excluded.size",
                params![i64::try_from(new_size)?],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn covered_size(&self) -> Result<u64, BoxError> {
        let size: Option<i64> =
            self.db.query_row("SELECT size FROM covered", [], |row| row.get(0)).optional()?;
        Ok(u64::try_from(size.unwrap_or(0))?)
    }

    fn clear(&mut self) -> Result<(), BoxError> {
        self.db.execute_batch("DELETE FROM dedup; DELETE FROM covered;")?;
        Ok(())
    }
}
