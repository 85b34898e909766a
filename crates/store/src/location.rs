//! Where a log and its indexes live, as configuration names them, and
//! opening them.
//!
//! ```text
//! storage = "file:DIR"             tiles in a directory (the default)
//!         | "s3://BUCKET/PREFIX"   tiles in an S3-compatible bucket
//! index   = "sqlite:FILE"          query index in an SQLite file (the default)
//!         | "postgres://..."       query index in PostgreSQL with PostGIS
//! ```
//!
//! Beside an SQLite index `FILE` live its siblings: the dedup index
//! (`FILE` with the extension `dedup.sqlite`) and, for a log in a bucket,
//! the sequencer lock (extension `sequencer.sqlite`). In PostgreSQL they
//! are tables of the same database. The bucket's endpoint and credentials
//! come from the standard `AWS_*` environment variables
//! (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_REGION`, `AWS_ALLOW_HTTP`).
//!
//! Who may write: a directory is locked by the one process that holds its
//! lock file; a bucket by the one sequencer that holds the lease in the
//! sequencer lock. [`Backends::open_writer`] takes one or the other, or
//! says that someone else holds it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use truce_log::{BatchedDedup, BoxError, DedupBatch, DedupIndex, Hash, LogStorage};

use crate::index::{IndexError, PgIndex, QueryIndex, SqliteIndex};
use crate::lock::{Lease, PgLock, SequencerLock, SqliteLock};
use crate::object::ObjectStorage;
use crate::{FsError, FsStorage, PgDedup, SqliteDedup, Unwritten};

/// Where a log's tiles, bundles and checkpoints are.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StorageLocation {
    /// A directory in the tlog-tiles layout (`file:DIR`).
    Dir(PathBuf),
    /// A bucket of an S3-compatible store, under a prefix
    /// (`s3://BUCKET/PREFIX`).
    S3 {
        /// The bucket.
        bucket: String,
        /// The prefix of every object, without slashes around it; empty
        /// for the bucket's root.
        prefix: String,
    },
}

/// Where a log's query index, dedup index and sequencer lock are.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IndexLocation {
    /// An SQLite file (`sqlite:FILE`), with its siblings.
    Sqlite(PathBuf),
    /// A PostgreSQL database (`postgres://...` or `postgresql://...`).
    Postgres(String),
}

/// A location that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LocationError {
    /// The text is not a location this field takes.
    #[error("{field}: {message}")]
    Invalid {
        /// The configuration field (`storage`, `index`).
        field: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl FromStr for StorageLocation {
    type Err = LocationError;

    fn from_str(text: &str) -> Result<StorageLocation, LocationError> {
        let invalid = |message: String| LocationError::Invalid { field: "storage", message };
        if let Some(dir) = text.strip_prefix("file:") {
            if dir.is_empty() {
                return Err(invalid("file: needs a directory, e.g. file:/srv/truce/log".into()));
            }
            return Ok(StorageLocation::Dir(PathBuf::from(dir)));
        }
        if let Some(rest) = text.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(invalid("s3:// needs a bucket, e.g. s3://truce-log/mission".into()));
            }
            return Ok(StorageLocation::S3 {
                bucket: bucket.to_owned(),
                prefix: prefix.trim_matches('/').to_owned(),
            });
        }
        Err(invalid(format!("{text:?} is neither file:DIR nor s3://BUCKET/PREFIX")))
    }
}

impl fmt::Display for StorageLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageLocation::Dir(dir) => write!(f, "file:{}", dir.display()),
            StorageLocation::S3 { bucket, prefix } if prefix.is_empty() => {
                write!(f, "s3://{bucket}")
            }
            StorageLocation::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

impl FromStr for IndexLocation {
    type Err = LocationError;

    fn from_str(text: &str) -> Result<IndexLocation, LocationError> {
        let invalid = |message: String| LocationError::Invalid { field: "index", message };
        if let Some(file) = text.strip_prefix("sqlite:") {
            if file.is_empty() {
                return Err(invalid(
                    "sqlite: needs a file, e.g. sqlite:/srv/truce/index.sqlite".into(),
                ));
            }
            return Ok(IndexLocation::Sqlite(PathBuf::from(file)));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            text.parse::<postgres::Config>().map_err(|e| {
                let cause =
                    std::error::Error::source(&e).map(|c| format!(": {c}")).unwrap_or_default();
                invalid(format!(
                    "{}: not a PostgreSQL connection URL: {e}{cause}",
                    redact_password(text)
                ))
            })?;
            return Ok(IndexLocation::Postgres(text.to_owned()));
        }
        Err(invalid("neither sqlite:FILE nor postgres://...".into()))
    }
}

/// Without the password: locations end up in logs and error messages.
impl fmt::Display for IndexLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndexLocation::Sqlite(file) => write!(f, "sqlite:{}", file.display()),
            IndexLocation::Postgres(url) => f.write_str(&redact_password(url)),
        }
    }
}

impl fmt::Debug for IndexLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IndexLocation({self})")
    }
}

/// `scheme://user:secret@host/...?password=secret` with `***` for each
/// secret.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    let path = match path.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => path.to_owned(),
    };
    format!("{scheme}://{authority}{path}")
}

impl IndexLocation {
    /// The SQLite file of a sibling of the index (`dedup`, `sequencer`).
    fn sibling(file: &Path, name: &str) -> PathBuf {
        file.with_extension(format!("{name}.sqlite"))
    }

    /// Opens a connection to the query index of the log `origin` for the
    /// server that sequences it: the tables are created, or rebuilt if of
    /// another version.
    pub fn open_index(&self, origin: &str) -> Result<Box<dyn QueryIndex>, IndexError> {
        Ok(match self {
            IndexLocation::Sqlite(file) => Box::new(SqliteIndex::open(file, origin)?),
            IndexLocation::Postgres(url) => Box::new(PgIndex::connect(url, origin)?),
        })
    }

    /// Opens a connection to the query index of the log `origin` to read
    /// it: nothing is created or dropped, and an index of another version
    /// or log is refused.
    pub fn open_index_reader(&self, origin: &str) -> Result<Box<dyn QueryIndex>, IndexError> {
        Ok(match self {
            IndexLocation::Sqlite(file) => Box::new(SqliteIndex::open_reader(file, origin)?),
            IndexLocation::Postgres(url) => Box::new(PgIndex::connect_reader(url, origin)?),
        })
    }

    /// Opens the dedup index.
    pub fn open_dedup(&self) -> Result<Box<dyn DedupIndex + Send>, BoxError> {
        Ok(match self {
            IndexLocation::Sqlite(file) => {
                Box::new(SqliteDedup::open(&IndexLocation::sibling(file, "dedup"))?)
            }
            IndexLocation::Postgres(url) => Box::new(PgDedup::connect(url)?),
        })
    }

    /// Opens the sequencer lock.
    pub fn open_lock(&self) -> Result<Arc<dyn SequencerLock>, BoxError> {
        Ok(match self {
            IndexLocation::Sqlite(file) => {
                Arc::new(SqliteLock::open(&IndexLocation::sibling(file, "sequencer"))?)
            }
            IndexLocation::Postgres(url) => Arc::new(PgLock::connect(url)?),
        })
    }

    /// Opens the sequencer lock to read the published checkpoints only
    /// (PostgreSQL: without creating anything).
    pub fn open_lock_reader(&self) -> Result<Arc<dyn SequencerLock>, BoxError> {
        Ok(match self {
            IndexLocation::Sqlite(_) => self.open_lock()?,
            IndexLocation::Postgres(url) => Arc::new(PgLock::connect_reader(url)?),
        })
    }

    /// Deletes the query index (not the dedup index or the lock), to be
    /// rebuilt from the log.
    pub fn drop_index(&self, origin: &str) -> Result<(), IndexError> {
        match self {
            IndexLocation::Sqlite(file) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut path = file.clone().into_os_string();
                    path.push(suffix);
                    let _ = std::fs::remove_file(path);
                }
                Ok(())
            }
            IndexLocation::Postgres(url) => PgIndex::connect(url, origin)?.clear(),
        }
    }
}

/// A log's storage and indexes together: what a server opens.
#[derive(Clone)]
pub struct Backends {
    /// Where the tiles are.
    pub storage: StorageLocation,
    /// Where the indexes and the sequencer lock are.
    pub index: IndexLocation,
    /// The sequencer lock, once opened: a standby asks it for the lease
    /// again and again, over one connection.
    lock: Arc<Mutex<Option<Arc<dyn SequencerLock>>>>,
    /// What the writer of a log directory committed and has not written
    /// out yet, which the readers opened here see at once.
    unwritten: Arc<Unwritten>,
    /// The entries the writer's dedup index holds in memory.
    dedup_batch: DedupBatch,
}

impl fmt::Debug for Backends {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Backends")
            .field("storage", &self.storage)
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

/// How many entries the dedup index of a writer holds in memory before it
/// writes them out, in key order (see [`BatchedDedup`]).
pub const DEDUP_BATCH: usize = 65_536;

/// What a writer holds: the storage, open for writing, the dedup index,
/// and the lease when the storage is a bucket.
pub struct Writer {
    /// The storage, open for writing.
    pub storage: Box<dyn LogStorage + Send + Sync>,
    /// The dedup index.
    pub dedup: Box<dyn DedupIndex + Send>,
    /// The lease that lets it write a bucket; `None` for a directory,
    /// which its lock file protects.
    pub lease: Option<Arc<Lease>>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").field("lease", &self.lease).finish_non_exhaustive()
    }
}

impl Backends {
    /// The storage at `storage` with its indexes at `index`.
    pub fn new(storage: StorageLocation, index: IndexLocation) -> Backends {
        Backends {
            storage,
            index,
            lock: Arc::default(),
            unwritten: Unwritten::new(),
            dedup_batch: DedupBatch::default(),
        }
    }

    /// The log index of an entry by its leaf hash, if the writer opened
    /// here logged it and holds it in its dedup index's batch, not yet in
    /// the index (a reader of the index looks here first).
    pub fn batched_dedup(&self, leaf: &Hash) -> Option<u64> {
        self.dedup_batch.lock().unwrap_or_else(|p| p.into_inner()).get(leaf).copied()
    }

    /// The storage, for reading only.
    pub fn open_reader(&self) -> Result<Box<dyn LogStorage + Send + Sync>, BoxError> {
        Ok(match &self.storage {
            StorageLocation::Dir(dir) => {
                Box::new(FsStorage::open_reader_with(dir, self.unwritten.clone()))
            }
            StorageLocation::S3 { bucket, prefix } => {
                let lock = self.index.open_lock_reader().map_err(|e| self.lock_error(e))?;
                Box::new(ObjectStorage::open_reader(s3_store(bucket, prefix)?, lock))
            }
        })
    }

    /// The sequencer lock, opened once.
    fn lock(&self) -> Result<Arc<dyn SequencerLock>, BoxError> {
        let mut lock = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(lock) = lock.as_ref() {
            return Ok(lock.clone());
        }
        let opened = self.index.open_lock().map_err(|e| self.lock_error(e))?;
        *lock = Some(opened.clone());
        Ok(opened)
    }

    /// An error of the sequencer lock, saying which it is: it lives with
    /// the index, not the storage the caller named.
    fn lock_error(&self, e: BoxError) -> BoxError {
        format!("the sequencer lock in {}: {e}", self.index).into()
    }

    /// The storage for writing, if this process can take it now: `None`
    /// while another process holds the directory's lock or the bucket's
    /// lease (of `ttl`, held for `holder`).
    pub fn open_writer(&self, holder: &str, ttl: Duration) -> Result<Option<Writer>, BoxError> {
        let (storage, lease): (Box<dyn LogStorage + Send + Sync>, _) = match &self.storage {
            StorageLocation::Dir(dir) => match FsStorage::open_writer_with(
                dir,
                self.unwritten.clone(),
                crate::WRITE_OUT_INTERVAL,
            ) {
                Ok(storage) => (Box::new(storage), None),
                Err(FsError::Locked(_)) => return Ok(None),
                Err(e) => return Err(e.into()),
            },
            StorageLocation::S3 { bucket, prefix } => {
                let store = s3_store(bucket, prefix)?;
                let lock = self.lock()?;
                let Some(lease) =
                    Lease::try_acquire(lock, holder, ttl).map_err(|e| self.lock_error(e))?
                else {
                    return Ok(None);
                };
                let lease = Arc::new(lease);
                (Box::new(ObjectStorage::open_writer(store, lease.clone())?), Some(lease))
            }
        };
        let dedup = self
            .index
            .open_dedup()
            .map_err(|e| format!("the dedup index in {}: {e}", self.index))?;
        let dedup = Box::new(BatchedDedup::sharing(dedup, DEDUP_BATCH, self.dedup_batch.clone()));
        Ok(Some(Writer { storage, dedup, lease }))
    }
}

/// The object store of an S3 bucket, configured from the `AWS_*`
/// environment variables, under `prefix`.
pub fn s3_store(
    bucket: &str,
    prefix: &str,
) -> Result<Arc<dyn object_store::ObjectStore>, BoxError> {
    crate::object::s3_store(bucket, prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse_and_print_back() {
        let cases = [
            ("file:/srv/truce/log", "file:/srv/truce/log"),
            ("s3://truce-log/mission/a/", "s3://truce-log/mission/a"),
            ("s3://truce-log", "s3://truce-log"),
        ];
        for (text, shown) in cases {
            let location: StorageLocation = text.parse().expect(text);
            assert_eq!(location.to_string(), shown);
        }
        let index: IndexLocation =
            "postgres://truce:secret@db.example:5432/truce".parse().expect("url");
        assert_eq!(index.to_string(), "postgres://truce:***@db.example:5432/truce");
        assert_eq!(
            "sqlite:/srv/index.sqlite".parse::<IndexLocation>().expect("file"),
            IndexLocation::Sqlite("/srv/index.sqlite".into())
        );
        for (text, field) in [("/srv/log", "storage"), ("s3:///x", "storage"), ("file:", "storage")]
        {
            let error = text.parse::<StorageLocation>().expect_err(text);
            assert!(error.to_string().starts_with(&format!("{field}: ")), "{error}");
        }
        for text in ["mysql://x", "sqlite:", "postgres://host:notaport/db"] {
            let error = text.parse::<IndexLocation>().expect_err(text);
            assert!(error.to_string().starts_with("index: "), "{error}");
        }
    }
}
