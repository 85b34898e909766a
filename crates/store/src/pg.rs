//! Connections to PostgreSQL, shared by the index, the dedup index and
//! the sequencer lock.

use std::collections::HashMap;
use std::time::Duration;

use postgres::{Client, Statement};

/// Connects to the database at `url` (a `postgres://` URL; its `options`
/// parameter can set a `search_path` to keep several logs apart in one
/// database). A connection that cannot be made, or a peer that stops
/// answering, fails in seconds rather than hanging: a sequencer blocked on
/// a dead connection could neither renew its lease nor stop.
pub(crate) fn connect(url: &str) -> Result<Client, postgres::Error> {
    let mut config: postgres::Config = url.parse()?;
    if config.get_application_name().is_none() {
        config.application_name("truce");
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    config
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(10))
        .keepalives_interval(Duration::from_secs(2))
        .keepalives_retries(3)
        .tcp_user_timeout(Duration::from_secs(15));
    let mut client = config.connect(postgres::NoTls)?;
    // `CREATE TABLE IF NOT EXISTS` of tables that exist is the usual case,
    // not news for the server's log.
    client.batch_execute("SET client_min_messages = warning")?;
    Ok(client)
}

/// Creates a backend's tables with `schema`, in the current schema, if
/// needed. `CREATE TABLE IF NOT EXISTS` fails when two sessions create the
/// same table at once, so they take turns under an advisory lock named
/// after `what` and the schema, held until the transaction ends.
pub(crate) fn take_turns(
    tx: &mut postgres::Transaction<'_>,
    what: &str,
) -> Result<(), postgres::Error> {
    tx.execute(
        "SELECT pg_advisory_xact_lock(
             hashtextextended('truce ' || $1::text || ' ' || coalesce(current_schema(), ''), 0))",
        &[&what],
    )?;
    Ok(())
}

/// A connection with the statements prepared on it, connected again when
/// the server closed it (a restart of the database then costs one failed
/// call, not the server).
pub(crate) struct Conn {
    url: String,
    /// Run on each new connection: session settings.
    setup: &'static str,
    client: Client,
    statements: HashMap<String, Statement>,
}

impl Conn {
    /// Connects to `url` and runs `setup` (settings, SQL) on the session.
    pub(crate) fn open(url: &str, setup: &'static str) -> Result<Conn, postgres::Error> {
        let mut client = connect(url)?;
        client.batch_execute(setup)?;
        Ok(Conn { url: url.to_owned(), setup, client, statements: HashMap::new() })
    }

    /// The client, connected again if it was closed.
    pub(crate) fn client(&mut self) -> Result<&mut Client, postgres::Error> {
        if self.client.is_closed() {
            *self = Conn::open(&self.url, self.setup)?;
        }
        Ok(&mut self.client)
    }

    /// The statement `sql`, prepared once per connection.
    pub(crate) fn statement(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client()?.prepare(sql)?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

/// A PostgreSQL error that says what went wrong (the client's own
/// `Display` says only "db error" or "error connecting to server").
#[derive(Debug, thiserror::Error)]
#[error("{}", describe(.0))]
pub struct PgError(#[source] pub(crate) postgres::Error);

impl From<postgres::Error> for PgError {
    fn from(e: postgres::Error) -> PgError {
        PgError(e)
    }
}

/// What went wrong, in full: a database error's own message, detail and
/// hint, or the client's error with its causes (a refused connection, a
/// timeout).
pub(crate) fn describe(error: &postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        let mut text = db.message().to_owned();
        for extra in [db.detail(), db.hint()].into_iter().flatten() {
            text.push_str("; ");
            text.push_str(extra);
        }
        return text;
    }
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}
