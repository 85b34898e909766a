//! The sequencer lock in an SQLite file.
//!
//! Unlike the dedup and query indexes, the lock is authoritative: the
//! published checkpoint lives here and nowhere else for sure, and losing a
//! publish would let the log publish another tree of the same size. So it
//! is as durable as SQLite makes it: WAL journal with `synchronous = FULL`
//! (each commit is fsynced before it returns).
//!
//! Every change is one statement or one `BEGIN IMMEDIATE` transaction,
//! which takes the database's write lock when it begins: two processes
//! sharing the file run them one after the other (the busy timeout makes
//! the second wait rather than fail). Time is SQLite's own clock (the
//! machine's, the same for every process that can open the file), in
//! milliseconds since the Unix epoch.

use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode, OptionalExtension as _, TransactionBehavior, params};
use truce_log::BoxError;

use super::{PublishError, SequencerLock, check_publish};

/// A [`SequencerLock`] in an SQLite file: the processes of one machine
/// that share it exclude each other.
#[derive(Debug)]
pub struct SqliteLock {
    db: Mutex<Connection>,
}

/// How long a statement waits for another process's transaction.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// SQLite's clock, in milliseconds since the Unix epoch.
const NOW: &str = "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";

/// The one lease row (`expires` in milliseconds since the Unix epoch; 0
/// when released) and every checkpoint published, by tree size.
const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS lease (
        one INTEGER PRIMARY KEY CHECK (one = 1),
        holder TEXT NOT NULL,
        token INTEGER NOT NULL,
        expires INTEGER NOT NULL
    );
    INSERT OR IGNORE INTO lease (one, holder, token, expires) VALUES (1, '', 0, 0);
    CREATE TABLE IF NOT EXISTS checkpoints (
        size INTEGER PRIMARY KEY,
        token INTEGER NOT NULL,
        note BLOB NOT NULL,
        published INTEGER NOT NULL
    );
";

impl SqliteLock {
    /// Opens (or creates) the lock at `path`.
    pub fn open(path: &Path) -> Result<SqliteLock, rusqlite::Error> {
        // Processes that open a new file at once race to turn on WAL,
        // which SQLite refuses at once (no busy handler) to all but one:
        // the others try again.
        let started = Instant::now();
        loop {
            match SqliteLock::try_open(path) {
                Err(e) if is_busy(&e) && started.elapsed() < BUSY_TIMEOUT => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                result => return result,
            }
        }
    }

    fn try_open(path: &Path) -> Result<SqliteLock, rusqlite::Error> {
        let mut db = Connection::open(path)?;
        db.busy_timeout(BUSY_TIMEOUT)?;
        db.pragma_update(None, "journal_mode", "WAL")?;
        db.pragma_update(None, "synchronous", "FULL")?;
        // Two processes creating the tables at once: one after the other.
        let tx = db.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(SCHEMA)?;
        tx.commit()?;
        Ok(SqliteLock { db: Mutex::new(db) })
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Whether `error` says another connection holds a lock.
fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(error.sqlite_error_code(), Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}

/// A duration in whole milliseconds, for SQL.
fn millis(ttl: Duration) -> Result<i64, BoxError> {
    Ok(i64::try_from(ttl.as_millis())?)
}

impl SequencerLock for SqliteLock {
    fn try_acquire(&self, holder: &str, ttl: Duration) -> Result<Option<u64>, BoxError> {
        // One statement: it holds the write lock from its check to its
        // change.
        let token: Option<i64> = self
            .db()
            .query_row(
                &format!(
                    "UPDATE lease SET holder = ?1, token = token + 1, expires = {NOW} + ?2
                     WHERE one = 1 AND (expires <= {NOW} OR holder = ?1)
                     RETURNING token"
                ),
                params![holder, millis(ttl)?],
                |row| row.get(0),
            )
            .optional()?;
        Ok(token.map(u64::try_from).transpose()?)
    }

    fn renew(&self, token: u64, ttl: Duration) -> Result<bool, BoxError> {
        let changed = self.db().execute(
            &format!(
                "UPDATE lease SET expires = {NOW} + ?2
                 WHERE one = 1 AND token = ?1 AND expires > {NOW}"
            ),
            params![i64::try_from(token)?, millis(ttl)?],
        )?;
        Ok(changed == 1)
    }

    fn release(&self, token: u64) -> Result<(), BoxError> {
        self.db().execute(
            "UPDATE lease SET expires = 0 WHERE one = 1 AND token = ?1",
            params![i64::try_from(token)?],
        )?;
        Ok(())
    }

    fn checkpoint(&self) -> Result<Option<Vec<u8>>, BoxError> {
        Ok(self
            .db()
            .query_row("SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1", [], |row| {
                row.get(0)
            })
            .optional()?)
    }

    fn checkpoint_at(&self, size: u64) -> Result<Option<Vec<u8>>, BoxError> {
        Ok(self
            .db()
            .query_row(
                "SELECT note FROM checkpoints WHERE size = ?1",
                params![i64::try_from(size)?],
                |row| row.get(0),
            )
            .optional()?)
    }

    fn publish(
        &self,
        token: u64,
        old: Option<&[u8]>,
        new: &[u8],
        size: u64,
    ) -> Result<(), PublishError> {
        let unavailable = |e: rusqlite::Error| PublishError::Unavailable(e.into());
        let (token_sql, size_sql) = (sql_integer(token)?, sql_integer(size)?);
        let mut db = self.db();
        // BEGIN IMMEDIATE: the write lock from the first check to the
        // commit, so no other process changes the lease or the checkpoints
        // between them.
        let tx =
            db.transaction_with_behavior(TransactionBehavior::Immediate).map_err(unavailable)?;
        let current: bool = tx
            .query_row(
                &format!("SELECT token = ?1 AND expires > {NOW} FROM lease WHERE one = 1"),
                params![token_sql],
                |row| row.get(0),
            )
            .map_err(unavailable)?;
        if !current {
            return Err(PublishError::LeaseLost { token });
        }
        let latest: Option<(i64, Vec<u8>)> = tx
            .query_row("SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1", [], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()
            .map_err(unavailable)?;
        check_publish(
            latest.as_ref().map(|(s, note)| (s.unsigned_abs(), note.as_slice())),
            old,
            size,
        )?;
        let backend = |e: rusqlite::Error| PublishError::Backend(e.into());
        tx.execute(
            &format!(
                "INSERT INTO checkpoints (size, token, note, published)
                 VALUES (?1, ?2, ?3, {NOW})"
            ),
            params![size_sql, token_sql, new],
        )
        .map_err(backend)?;
        // Dropped without commit on any return above: rolled back.
        tx.commit().map_err(backend)
    }
}

/// A number as an SQL integer; none of a log's sizes or tokens is that
/// large, but a refusal is better than a wrapped one.
fn sql_integer(n: u64) -> Result<i64, PublishError> {
    i64::try_from(n).map_err(|e| PublishError::Unavailable(e.into()))
}
