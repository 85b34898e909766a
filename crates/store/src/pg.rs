//! Connections to PostgreSQL, shared by the index, the dedup index and
//! the sequencer lock.

/// Connects to the database at `url` (a `postgres://` URL; its `options`
/// parameter can set a `search_path` to keep several logs apart in one
/// database).
pub(crate) fn connect(url: &str) -> Result<postgres::Client, postgres::Error> {
    let mut config: postgres::Config = url.parse()?;
    if config.get_application_name().is_none() {
        config.application_name("truce");
    }
    config.connect(postgres::NoTls)
}

/// What went wrong, in full: a database error's own message, detail and
/// hint (the client's `Display` says only "db error").
pub(crate) fn describe(error: &postgres::Error) -> String {
    let Some(db) = error.as_db_error() else { return error.to_string() };
    let mut text = db.message().to_owned();
    for extra in [db.detail(), db.hint()].into_iter().flatten() {
        text.push_str("; ");
        text.push_str(extra);
    }
    text
}
