//! The dedup index in PostgreSQL.
//!
//! It is derived from the log (the sequencer rebuilds what it lacks when it
//! opens the log). Its tables live in the connection's current schema,
//! named `dedup_*`, beside the query index and the sequencer lock. A batch
//! is one statement each way: the sequencer looks up and records thousands
//! of leaves at a time, and a round trip per leaf would cost more than the
//! lookups themselves.

use std::cell::{RefCell, RefMut};
use std::collections::HashMap;

use truce_log::{BoxError, DedupIndex, Hash};

use super::prefix;
use crate::pg::{Conn, PgError};

/// A [`DedupIndex`] in a PostgreSQL database.
pub struct PgDedup {
    /// The connection, in a cell: lookups take `&self`, and the client
    /// needs `&mut` for every query.
    db: RefCell<Conn>,
}

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS dedup_leaves (
        leaf_prefix bigint PRIMARY KEY,
        idx bigint NOT NULL
    );
    CREATE TABLE IF NOT EXISTS dedup_covered (
        one boolean PRIMARY KEY DEFAULT true CHECK (one),
        size bigint NOT NULL
    );
";

const LOOKUP: &str =
    "SELECT leaf_prefix, idx FROM dedup_leaves WHERE leaf_prefix = ANY($1::int8[])";

// The first index of an entry is the one resubmissions get: a leaf already
// there keeps its index.
const INSERT: &str = "INSERT INTO dedup_leaves (leaf_prefix, idx)
     SELECT * FROM unnest($1::int8[], $2::int8[])
     ON CONFLICT (leaf_prefix) DO NOTHING";

// Never backwards: a sequencer that lost its lease may record late.
const SET_COVERED: &str = "INSERT INTO dedup_covered (one, size) VALUES (true, $1)
     ON CONFLICT (one) DO UPDATE SET size = GREATEST(dedup_covered.size, excluded.size)";

const COVERED: &str = "SELECT size FROM dedup_covered";

impl std::fmt::Debug for PgDedup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgDedup").finish_non_exhaustive()
    }
}

impl PgDedup {
    /// Connects to the dedup index at `url`, creating its tables if needed.
    pub fn connect(url: &str) -> Result<PgDedup, PgError> {
        let mut db = Conn::open(url, "")?;
        let mut tx = db.client()?.transaction()?;
        crate::pg::take_turns(&mut tx, "dedup index")?;
        tx.batch_execute(SCHEMA)?;
        tx.commit()?;
        Ok(PgDedup { db: RefCell::new(db) })
    }
}

impl DedupIndex for PgDedup {
    fn lookup(&self, leaves: &[Hash]) -> Result<Vec<Option<u64>>, BoxError> {
        if leaves.is_empty() {
            return Ok(Vec::new());
        }
        let mut keys: Vec<i64> = leaves.iter().map(prefix).collect();
        keys.sort_unstable();
        keys.dedup();
        let mut db: RefMut<'_, Conn> = self.db.borrow_mut();
        let lookup = db.statement(LOOKUP).map_err(PgError)?;
        let mut found = HashMap::with_capacity(keys.len());
        for row in db.client().map_err(PgError)?.query(&lookup, &[&keys]).map_err(PgError)? {
            let (key, index): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
            found.insert(key, u64::try_from(index)?);
        }
        Ok(leaves.iter().map(|leaf| found.get(&prefix(leaf)).copied()).collect())
    }

    fn insert(&mut self, entries: &[(Hash, u64)], new_size: u64) -> Result<(), BoxError> {
        // In key order, each key once with its first index: the statement
        // then walks the B-tree's pages once, and never meets a key twice.
        let mut rows = entries
            .iter()
            .map(|(leaf, index)| Ok((prefix(leaf), i64::try_from(*index)?)))
            .collect::<Result<Vec<(i64, i64)>, BoxError>>()?;
        rows.sort_unstable();
        rows.dedup_by_key(|row| row.0);
        let (keys, indices): (Vec<i64>, Vec<i64>) = rows.into_iter().unzip();
        let new_size = i64::try_from(new_size)?;
        let mut db = self.db.borrow_mut();
        let (insert, set_covered) =
            (db.statement(INSERT).map_err(PgError)?, db.statement(SET_COVERED).map_err(PgError)?);
        let written = (|| {
            let mut tx = db.client()?.transaction()?;
            if !keys.is_empty() {
                tx.execute(&insert, &[&keys, &indices])?;
            }
            tx.execute(&set_covered, &[&new_size])?;
            tx.commit()
        })();
        Ok(written.map_err(PgError)?)
    }

    fn covered_size(&self) -> Result<u64, BoxError> {
        let mut db = self.db.borrow_mut();
        let covered = db.statement(COVERED).map_err(PgError)?;
        let row = db.client().map_err(PgError)?.query_opt(&covered, &[]).map_err(PgError)?;
        let size: Option<i64> = row.map(|r| r.try_get(0)).transpose().map_err(PgError)?;
        Ok(u64::try_from(size.unwrap_or(0))?)
    }

    fn clear(&mut self) -> Result<(), BoxError> {
        let mut db = self.db.borrow_mut();
        Ok(db.client()?.batch_execute("TRUNCATE dedup_leaves, dedup_covered").map_err(PgError)?)
    }
}
