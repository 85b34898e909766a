//! The witness's durable record: the latest checkpoint it cosigned for
//! each log, and the key transitions it cosigned, as an append-only
//! journal.
//!
//! Each record is one line, the base64 of a cosigned checkpoint note; the
//! last record of an origin is its state. Appending a line and syncing the
//! file is one small write and one `fdatasync`, and concurrent requests
//! share syncs, where replacing a file per log would cost a rename and two
//! syncs each. The journal is compacted when it is opened: rewritten,
//! atomically, with each log's key transitions (the last record of each
//! size), from which the witness follows them again, and then its latest
//! record.
//!
//! Forgetting a record would let the witness cosign a fork of that log, so
//! a journal that cannot be read is an error, never an empty state. Only a
//! torn last line, a write that a crash cut short before it was synced and
//! so before any reply, is dropped.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use truce_log::{Checkpoint, Hash, KEY_LINE};
use truce_note::UnverifiedNote;

const JOURNAL: &str = "witness.journal";

/// What the witness last cosigned for one log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// The tree size.
    pub size: u64,
    /// The root hash.
    pub root: Hash,
    /// The checkpoint as cosigned: the log's signatures and the witness's
    /// cosignature.
    pub note: Vec<u8>,
}

/// Why the journal cannot be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// Reading or writing failed.
    #[error("witness state: {0}")]
    Io(#[from] io::Error),
    /// A record is not a cosigned checkpoint.
    #[error(
        "witness state {path}: record {record} is unreadable; refusing to forget a log's state"
    )]
    Corrupt {
        /// The journal.
        path: PathBuf,
        /// The record number, from 1.
        record: usize,
    },
}

/// The open journal.
pub(crate) struct Journal {
    file: File,
}

/// The open journal and what it holds.
pub(crate) struct Contents {
    pub(crate) journal: Journal,
    /// The latest checkpoint cosigned for each log: its state.
    pub(crate) latest: BTreeMap<String, Recorded>,
    /// The key transitions cosigned for each log, by size. They are not
    /// verified here: the witness verifies them when it follows them again.
    pub(crate) transitions: BTreeMap<String, BTreeMap<u64, Recorded>>,
}

impl Journal {
    /// Opens (or creates) the journal in `dir`, compacts it, and returns
    /// what it holds.
    pub(crate) fn open(dir: &Path) -> Result<Contents, JournalError> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(JOURNAL);
        let text = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        // A last line with no newline was never synced: drop it.
        let complete = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let mut latest = BTreeMap::new();
        let mut transitions: BTreeMap<String, BTreeMap<u64, Recorded>> = BTreeMap::new();
        for (n, line) in
            text[..complete].split(|&b| b == b'\n').filter(|l| !l.is_empty()).enumerate()
        {
            let corrupt = || JournalError::Corrupt { path: path.clone(), record: n + 1 };
            let note = BASE64.decode(line).map_err(|_| corrupt())?;
            let record = read_record(note).ok_or_else(corrupt)?;
            if record.names_a_key {
                let recorded = record.recorded.clone();
                transitions
                    .entry(record.origin.clone())
                    .or_default()
                    .insert(recorded.size, recorded);
            }
            latest.insert(record.origin, record.recorded);
        }
        // Compact: each log's transitions, then its latest record, written
        // aside and renamed over.
        let fresh = dir.join(format!("{JOURNAL}.new"));
        let mut out = File::create(&fresh)?;
        let mut buffer = Vec::new();
        for (origin, state) in &latest {
            let kept = transitions.get(origin).into_iter().flat_map(BTreeMap::values);
            for recorded in kept.filter(|&t| t != state).chain([state]) {
                buffer.extend_from_slice(record_line(&recorded.note).as_bytes());
            }
        }
        out.write_all(&buffer)?;
        out.sync_all()?;
        std::fs::rename(&fresh, &path)?;
        File::open(dir)?.sync_all()?;
        let file = OpenOptions::new().append(true).open(&path)?;
        Ok(Contents { journal: Journal { file }, latest, transitions })
    }

    /// Writes a record; it is durable once [`Journal::sync`] returns.
    pub(crate) fn append(&mut self, note: &[u8]) -> io::Result<()> {
        (&self.file).write_all(record_line(note).as_bytes())
    }

    /// A handle to sync the journal with, outside the state's lock.
    pub(crate) fn syncer(&self) -> io::Result<File> {
        self.file.try_clone()
    }
}

fn record_line(note: &[u8]) -> String {
    let mut line = BASE64.encode(note);
    line.push('\n');
    line
}

/// What one record holds.
struct Record {
    origin: String,
    recorded: Recorded,
    /// Whether the checkpoint has a `truce-log-key` line: a key
    /// transition, which the witness verifies again before it follows it.
    names_a_key: bool,
}

/// The origin and state a cosigned checkpoint records.
fn read_record(note: Vec<u8>) -> Option<Record> {
    let parsed = UnverifiedNote::parse(&note).ok()?;
    let checkpoint = Checkpoint::parse(parsed.text_unverified()).ok()?;
    let names_a_key = checkpoint
        .extensions()
        .iter()
        .any(|line| line.strip_prefix(KEY_LINE).is_some_and(|rest| rest.starts_with(' ')));
    let recorded = Recorded { size: checkpoint.size(), root: checkpoint.root(), note };
    Some(Record { origin: checkpoint.origin().to_owned(), recorded, names_a_key })
}
