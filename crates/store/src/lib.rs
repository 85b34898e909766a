//! Storage backends of Truce logs.
//!
//! * [`FsStorage`]: a log in a local directory, in the C2SP tlog-tiles
//!   layout, with durable writes and an exclusive writer lock. It
//!   implements [`truce_log::LogStorage`].
//! * [`SqliteDedup`]: the index from leaf hashes to log indices that lets
//!   the sequencer answer a resubmitted entry with its original index. It
//!   implements [`truce_log::DedupIndex`].
//! * [`QueryIndex`]: what the API searches (reports by time, place, kind,
//!   source, target, party; sources; agreements; local ids), in SQLite with
//!   an R*Tree, derived from the log and rebuildable from it.
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
mod fs;
mod index;
mod keys;

pub use crate::dedup::SqliteDedup;
pub use crate::fs::{CHECKPOINT, FsError, FsStorage, replace_file};
pub use crate::index::{EntryRow, IndexError, IndexedEntry, QueryIndex, ReportFilter, SourceRow};
pub use crate::keys::{KeyFileError, read_key_file, write_key_file};
