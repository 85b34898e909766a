//! The sequencer lock in PostgreSQL.
//!
//! Two tables in the connection's current schema (the first of its
//! `search_path`, so several logs can share a database):
//! `sequencer_lease`, one row, and `sequencer_checkpoints`, every
//! checkpoint published. The lease changes in single `UPDATE` statements
//! whose `WHERE` is checked again on the newest row when another
//! transaction changed it first (PostgreSQL's rule for `UPDATE` under
//! READ COMMITTED); a publish is one transaction that holds the lease row
//! locked (`SELECT ... FOR UPDATE`) from its checks to its insert, and
//! every publish takes that lock, so publishes never interleave.
//!
//! Time is the server's `clock_timestamp()`, the time of the statement's
//! evaluation, not `now()`, the start of the transaction: a publish that
//! waited for the row lock judges the lease by the time it got it.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use postgres::Client;
use truce_log::BoxError;

use super::{PublishError, SequencerLock, check_publish};
use crate::pg::PgError;

/// A [`SequencerLock`] in a PostgreSQL database: every machine of a
/// deployment shares it.
pub struct PgLock {
    db: Mutex<Client>,
    /// To connect again when the connection breaks: the renewer must be
    /// able to go on after a restart of the server.
    url: String,
}

impl std::fmt::Debug for PgLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgLock").finish_non_exhaustive()
    }
}

/// The lease (`expires` is `-infinity` when released) and the published
/// checkpoints, by tree size.
const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS sequencer_lease (
        one boolean PRIMARY KEY CHECK (one),
        holder text NOT NULL,
        token bigint NOT NULL,
        expires timestamptz NOT NULL
    );
    INSERT INTO sequencer_lease (one, holder, token, expires)
        VALUES (true, '', 0, '-infinity')
        ON CONFLICT (one) DO NOTHING;
    CREATE TABLE IF NOT EXISTS sequencer_checkpoints (
        size bigint PRIMARY KEY,
        token bigint NOT NULL,
        note bytea NOT NULL,
        published timestamptz NOT NULL
    );
";

/// `clock_timestamp()` plus `$2` seconds.
const EXPIRY: &str = "clock_timestamp() + make_interval(secs => $2::float8)";

/// The lock's session: nothing it does waits long. A sequencer frozen in
/// the middle of a publish (its transaction open, the lease row locked)
/// loses its session after `idle_in_transaction_session_timeout`, so a
/// standby waits for the row no longer than that; each wait for a row is
/// bounded too, and tried again by the caller.
const SESSION: &str = "SET lock_timeout = '2s'; SET statement_timeout = '5s';
     SET idle_in_transaction_session_timeout = '3s'";

impl PgLock {
    /// Connects to the lock at `url`, creating its tables if needed.
    pub fn connect(url: &str) -> Result<PgLock, PgError> {
        let mut db = connect(url)?;
        let mut tx = db.transaction()?;
        crate::pg::take_turns(&mut tx, "sequencer lock")?;
        tx.batch_execute(SCHEMA)?;
        tx.commit()?;
        Ok(PgLock { db: Mutex::new(db), url: url.to_owned() })
    }

    /// Connects to the lock at `url` to read it only: a read-only replica
    /// reads the published checkpoints and changes nothing, not even the
    /// schema (its database role may not be allowed to).
    pub fn connect_reader(url: &str) -> Result<PgLock, PgError> {
        Ok(PgLock { db: Mutex::new(connect(url)?), url: url.to_owned() })
    }

    /// The connection, connected again if it broke.
    fn db(&self) -> Result<MutexGuard<'_, Client>, PgError> {
        let mut db = self.db.lock().unwrap_or_else(|p| p.into_inner());
        if db.is_closed() {
            *db = connect(&self.url)?;
        }
        Ok(db)
    }
}

/// A row read from the lock; none when a reader finds no tables (no
/// sequencer created them: nothing was published).
fn unless_missing(
    row: Result<Option<postgres::Row>, postgres::Error>,
) -> Result<Option<postgres::Row>, PgError> {
    match row {
        Err(e) if e.code() == Some(&postgres::error::SqlState::UNDEFINED_TABLE) => Ok(None),
        other => Ok(other?),
    }
}

fn connect(url: &str) -> Result<Client, postgres::Error> {
    let mut db = crate::pg::connect(url)?;
    db.batch_execute(SESSION)?;
    Ok(db)
}

impl SequencerLock for PgLock {
    fn try_acquire(&self, holder: &str, ttl: Duration) -> Result<Option<u64>, BoxError> {
        let row = self
            .db()?
            .query_opt(
                &format!(
                    "UPDATE sequencer_lease SET holder = $1, token = token + 1, expires = {EXPIRY}
                     WHERE one AND (expires <= clock_timestamp() OR holder = $1)
                     RETURNING token"
                ),
                &[&holder, &ttl.as_secs_f64()],
            )
            .map_err(PgError)?;
        Ok(row.map(|r| u64::try_from(r.get::<_, i64>(0))).transpose()?)
    }

    fn renew(&self, token: u64, ttl: Duration) -> Result<bool, BoxError> {
        let changed = self
            .db()?
            .execute(
                &format!(
                    "UPDATE sequencer_lease SET expires = {EXPIRY}
                     WHERE one AND token = $1 AND expires > clock_timestamp()"
                ),
                &[&i64::try_from(token)?, &ttl.as_secs_f64()],
            )
            .map_err(PgError)?;
        Ok(changed == 1)
    }

    fn release(&self, token: u64) -> Result<(), BoxError> {
        self.db()?
            .execute(
                "UPDATE sequencer_lease SET expires = '-infinity' WHERE one AND token = $1",
                &[&i64::try_from(token)?],
            )
            .map_err(PgError)?;
        Ok(())
    }

    fn checkpoint(&self) -> Result<Option<Vec<u8>>, BoxError> {
        let row = self
            .db()?
            .query_opt("SELECT note FROM sequencer_checkpoints ORDER BY size DESC LIMIT 1", &[]);
        Ok(unless_missing(row)?.map(|r| r.get(0)))
    }

    fn checkpoint_at(&self, size: u64) -> Result<Option<Vec<u8>>, BoxError> {
        let row = self.db()?.query_opt(
            "SELECT note FROM sequencer_checkpoints WHERE size = $1",
            &[&i64::try_from(size)?],
        );
        Ok(unless_missing(row)?.map(|r| r.get(0)))
    }

    fn publish(
        &self,
        token: u64,
        old: Option<&[u8]>,
        new: &[u8],
        size: u64,
    ) -> Result<(), PublishError> {
        let unavailable = |e: postgres::Error| PublishError::Unavailable(PgError(e).into());
        let as_sql = |n: u64| i64::try_from(n).map_err(|e| PublishError::Unavailable(e.into()));
        let (token_sql, size_sql) = (as_sql(token)?, as_sql(size)?);
        let mut db = self.db().map_err(|e| PublishError::Unavailable(e.into()))?;
        let mut tx = db.transaction().map_err(unavailable)?;
        // The lease row stays locked until the commit: a takeover, a
        // renewal or another publish waits for this one.
        let current: bool = tx
            .query_one(
                "SELECT token = $1 AND expires > clock_timestamp()
                 FROM sequencer_lease WHERE one FOR UPDATE",
                &[&token_sql],
            )
            .map_err(unavailable)?
            .get(0);
        if !current {
            return Err(PublishError::LeaseLost { token });
        }
        let latest = tx
            .query_opt(
                "SELECT size, note FROM sequencer_checkpoints ORDER BY size DESC LIMIT 1",
                &[],
            )
            .map_err(unavailable)?
            .map(|row| (row.get::<_, i64>(0), row.get::<_, Vec<u8>>(1)));
        check_publish(
            latest.as_ref().map(|(s, note)| (s.unsigned_abs(), note.as_slice())),
            old,
            size,
        )?;
        let backend = |e: postgres::Error| PublishError::Backend(PgError(e).into());
        tx.execute(
            "INSERT INTO sequencer_checkpoints (size, token, note, published)
             VALUES ($1, $2, $3, clock_timestamp())",
            &[&size_sql, &token_sql, &new],
        )
        .map_err(backend)?;
        // Dropped without commit on any return above: rolled back.
        tx.commit().map_err(backend)
    }
}
