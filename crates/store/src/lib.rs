//! Storage backends of Truce logs: the embedded default (a directory and
//! SQLite files) and the distributed engines (an S3-compatible bucket and
//! PostgreSQL with PostGIS), behind the same traits.
//!
//! * [`FsStorage`] and [`ObjectStorage`]: a log in a local directory or in
//!   a bucket, in the C2SP tlog-tiles layout, with durable writes. They
//!   implement [`truce_log::LogStorage`].
//! * [`SqliteDedup`] and [`PgDedup`]: the index from leaf hashes to log
//!   indices that lets the sequencer answer a resubmitted entry with its
//!   original index. They implement [`truce_log::DedupIndex`].
//! * [`QueryIndex`], implemented by [`SqliteIndex`] (with an R*Tree) and
//!   [`PgIndex`] (with PostGIS and GiST): what the API searches (reports by
//!   time, place, kind, source, target, party; sources; agreements; local
//!   ids), derived from the log and rebuildable from it.
//! * [`SequencerLock`], implemented by [`SqliteLock`] and [`PgLock`], and
//!   [`Lease`]: one sequencer at a time for a log in a bucket, and its
//!   authoritative checkpoint, since object storage cannot compare and
//!   swap.
//! * [`EvidenceStore`]: evidence files (photos, videos), content-addressed
//!   beside the log in a directory or a bucket, stored only once their
//!   bytes hash to their name; uploads resume where they were cut.
//! * [`Backends`]: the locations configuration names (`file:DIR`,
//!   `s3://BUCKET/PREFIX`, `sqlite:FILE`, `postgres://...`), opened.
//!
//! ```
//! use truce_log::{LogStorage, Sequencer};
//! use truce_note::SigningKey;
//! use truce_store::{FsStorage, SqliteDedup};
//!
//! let dir = tempfile::tempdir()?;
//! let key = SigningKey::generate("log.example/truce")?;
//! let storage = FsStorage::open_writer(dir.path())?;
//! let dedup = SqliteDedup::in_memory()?;
//! let mut log = Sequencer::create(storage, dedup, key, "log.example/truce")?;
//! let logged = log.append(&[b"first entry".to_vec(), b"second".to_vec()])?;
//! assert_eq!(logged[1].index, 1);
//! assert_eq!(log.checkpoint().size(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! This crate is a shell: it does the I/O that `truce-log` leaves out.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod dedup;
mod evidence;
mod fault;
mod fs;
mod index;
mod keys;
mod location;
mod lock;
mod object;
mod pg;
mod pkcs11;

pub use crate::dedup::{PgDedup, SqliteDedup};
pub use crate::evidence::{EvidenceError, EvidenceRead, EvidenceStore, Upload};
pub use crate::fault::Fault;
pub use crate::fs::{
    CHECKPOINT, FsError, FsStorage, Unwritten, WRITE_OUT_BYTES, WRITE_OUT_INTERVAL, replace_file,
};
pub use crate::index::{
    EntryRow, IndexError, IndexedEntry, PgIndex, QueryIndex, ReportFilter, SourceRow, SqliteIndex,
};
pub use crate::keys::{KeyFileError, read_key_file, read_secret, write_key_file};
pub use crate::location::{
    Backends, DEDUP_BATCH, IndexLocation, LocationError, StorageLocation, Writer, s3_store,
};
pub use crate::lock::{Lease, PgLock, PublishError, SequencerLock, SqliteLock, holder_name};
pub use crate::object::ObjectStorage;
pub use crate::pkcs11::{Pkcs11Error, Pkcs11Key, Pkcs11Uri, open_named_signer, open_signer};

pub use crate::pg::PgError;
