//! The commit journal of a log directory: every commit is one record
//! appended to a preallocated segment and made durable with one
//! `fdatasync`, so that committing creates and deletes no file.
//!
//! ```text
//! DIR/journal/<N>    a segment whose first record starts at log index N
//! ```
//!
//! A segment is created at its full length, filled with zeros and fsynced
//! once, so that writing a record into it changes no file metadata and an
//! `fdatasync` flushes the record's own blocks only. Records follow one
//! another from the start of the segment:
//!
//! ```text
//! u32   length L of the body (big-endian; 0 ends the records)
//! u32   CRC-32 of the body
//! body  u64 log index of its first entry, u32 entry count,
//!       each entry as u16 length and bytes (as in an entry bundle),
//!       u32 length and bytes of the signed checkpoint
//! ```
//!
//! Reading the journal back (after a crash or not) follows the chain of
//! records from segment to segment: each record must start where the one
//! before ended, and the first record of a segment where its name says.
//! It stops at the first record that is torn (short, or its checksum does
//! not match) or that does not continue the chain. A torn record was never
//! acknowledged: a commit returns only once its record is durable.
//!
//! Segments are deleted once the tiles and the published checkpoint cover
//! every record in them; a new one is created when the current one is
//! full, which is once per [`SEGMENT_SIZE`] of entries, not per commit.

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::FileExt as _;
use std::path::{Path, PathBuf};

use truce_log::Journaled;

use super::{FsError, io_error, sync_dir};

/// The directory of the journal in a log directory.
pub(super) const JOURNAL: &str = "journal";

/// The size segments are created with (a record larger than that gets a
/// segment of its own size).
const SEGMENT_SIZE: u64 = 32 << 20;

/// The bytes before a record's body: its length and its checksum.
const HEADER: usize = 8;

/// Why a commit could not be appended.
#[derive(Debug)]
pub(super) enum AppendError {
    /// Nothing was written: the journal is as it was.
    NotWritten(FsError),
    /// The record may be in the journal, whole or torn: only reading it
    /// back tells.
    MaybeWritten(FsError),
}

/// A record read back from the journal.
#[derive(Debug)]
pub(super) struct Record {
    /// The log index of its first entry.
    pub(super) first: u64,
    /// The commit.
    pub(super) commit: Journaled,
}

impl Record {
    /// The tree size after the commit.
    pub(super) fn end(&self) -> u64 {
        self.first + self.commit.entries.len() as u64
    }
}

/// One segment: its first log index and its path.
#[derive(Debug)]
struct Segment {
    first: u64,
    path: PathBuf,
}

/// The journal, open for appending.
#[derive(Debug)]
pub(super) struct Journal {
    dir: PathBuf,
    /// Every segment, oldest first; the last is the one appended to.
    segments: Vec<Segment>,
    /// The segment appended to, its length and where the next record goes.
    current: Option<(File, u64, u64)>,
    /// The log index the next record must start at.
    end: u64,
    /// Set when an append failed after it may have written: the journal
    /// must be read back before anything more goes in.
    broken: bool,
}

impl Journal {
    /// Opens the journal of the log directory `log_dir`, whose published
    /// checkpoint has `published` entries, and returns with it the records
    /// beyond that size, in order.
    pub(super) fn open(log_dir: &Path, published: u64) -> Result<(Journal, Vec<Record>), FsError> {
        let dir = log_dir.join(JOURNAL);
        fs::create_dir_all(&dir).map_err(io_error("create directory", &dir))?;
        let mut segments = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io_error("list", &dir))? {
            let entry = entry.map_err(io_error("list", &dir))?;
            match entry.file_name().to_str().and_then(|name| name.parse::<u64>().ok()) {
                Some(first) => segments.push(Segment { first, path: entry.path() }),
                // A segment being created when the process stopped.
                None => fs::remove_file(entry.path()).map_err(io_error("remove", &entry.path()))?,
            }
        }
        segments.sort_by_key(|s| s.first);

        // Follow the chain of records; keep those beyond `published`.
        let mut records = Vec::new();
        let mut chain: Option<u64> = None;
        for segment in &segments {
            if chain.is_some_and(|end| end != segment.first) {
                break;
            }
            let data = fs::read(&segment.path).map_err(io_error("read", &segment.path))?;
            let mut end = segment.first;
            for record in (Records { data: &data, offset: 0 }) {
                if record.first != end {
                    break;
                }
                end = record.end();
                if record.first >= published {
                    records.push(record);
                }
            }
            chain = Some(end);
        }
        let end = match (records.first(), chain) {
            (Some(first), _) if first.first != published => {
                return Err(FsError::Corrupt(format!(
                    "the journal in {} starts at entry {}, the published checkpoint ends at {published}",
                    dir.display(),
                    first.first
                )));
            }
            (_, Some(end)) if end > published => end,
            _ => published,
        };
        Ok((Journal { dir, segments, current: None, end, broken: false }, records))
    }

    /// Appends one commit, the entries from log index `first` and the
    /// checkpoint that covers them, durably.
    pub(super) fn append(
        &mut self,
        first: u64,
        entries: &[&[u8]],
        checkpoint: &[u8],
    ) -> Result<(), AppendError> {
        if self.broken {
            return Err(AppendError::NotWritten(FsError::Corrupt(
                "an append to the journal failed: the log must be opened again".into(),
            )));
        }
        if first != self.end {
            return Err(AppendError::NotWritten(FsError::Corrupt(format!(
                "a commit from entry {first} after the journal's end at {}",
                self.end
            ))));
        }
        let record = encode(first, entries, checkpoint).map_err(AppendError::NotWritten)?;
        let needed = record.len() as u64 + HEADER as u64;
        if self.current.as_ref().is_none_or(|(_, len, at)| at + needed > *len) {
            self.start_segment(needed).map_err(AppendError::NotWritten)?;
        }
        let (Some((file, _, at)), Some(segment)) = (self.current.as_mut(), self.segments.last())
        else {
            unreachable!("a segment was just started");
        };
        // Once written, the record may be read back after a crash, whether
        // or not the sync returns.
        let written = file
            .write_all_at(&record, *at)
            .and_then(|()| file.sync_data())
            .map_err(io_error("write and fdatasync", &segment.path));
        if let Err(e) = written {
            // Nothing more goes after a record that may be torn.
            self.broken = true;
            return Err(AppendError::MaybeWritten(e));
        }
        *at += record.len() as u64;
        self.end = first + entries.len() as u64;
        Ok(())
    }

    /// Starts a segment at the journal's end, with room for at least
    /// `needed` bytes, and makes it durable before any record goes in.
    fn start_segment(&mut self, needed: u64) -> Result<(), FsError> {
        let len = needed.max(SEGMENT_SIZE);
        let path = self.dir.join(self.end.to_string());
        // Created aside and renamed, so that a crash never leaves a
        // segment of that name shorter than its records.
        let temp = self.dir.join(format!("{}.new", self.end));
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(&temp)
            .map_err(io_error("create", &temp))?;
        let zeros = vec![0u8; 1 << 20];
        let mut written = 0;
        while written < len {
            let chunk = (len - written).min(zeros.len() as u64) as usize;
            file.write_all(&zeros[..chunk]).map_err(io_error("write", &temp))?;
            written += chunk as u64;
        }
        file.sync_all().map_err(io_error("fsync", &temp))?;
        fs::rename(&temp, &path).map_err(io_error("rename", &path))?;
        sync_dir(&self.dir)?;
        // A segment of that name left by an earlier writer held no record
        // of the chain (else the chain would not end at its start).
        self.segments.retain(|s| s.first != self.end);
        self.segments.push(Segment { first: self.end, path });
        self.current = Some((file, len, 0));
        Ok(())
    }

    /// Deletes the segments whose every record is within the first
    /// `written` entries, which the tiles and the published checkpoint now
    /// hold. The segment appended to stays.
    pub(super) fn forget(&mut self, written: u64) -> Result<(), FsError> {
        let mut deleted = false;
        while self.segments.len() > 1 && self.segments[1].first <= written {
            let segment = self.segments.remove(0);
            fs::remove_file(&segment.path).map_err(io_error("remove", &segment.path))?;
            deleted = true;
        }
        if deleted {
            sync_dir(&self.dir)?;
        }
        Ok(())
    }
}

/// A record's bytes, header included.
fn encode(first: u64, entries: &[&[u8]], checkpoint: &[u8]) -> Result<Vec<u8>, FsError> {
    let too_large = |what: &str| FsError::Corrupt(format!("{what} is too large for the journal"));
    let body_len =
        8 + 4 + entries.iter().map(|e| 2 + e.len()).sum::<usize>() + 4 + checkpoint.len();
    let mut record = Vec::with_capacity(HEADER + body_len);
    record.extend_from_slice(
        &u32::try_from(body_len).map_err(|_| too_large("a commit"))?.to_be_bytes(),
    );
    record.extend_from_slice(&[0; 4]);
    record.extend_from_slice(&first.to_be_bytes());
    record.extend_from_slice(
        &u32::try_from(entries.len()).map_err(|_| too_large("a commit"))?.to_be_bytes(),
    );
    for entry in entries {
        let len = u16::try_from(entry.len()).map_err(|_| too_large("an entry"))?;
        record.extend_from_slice(&len.to_be_bytes());
        record.extend_from_slice(entry);
    }
    let len = u32::try_from(checkpoint.len()).map_err(|_| too_large("a checkpoint"))?;
    record.extend_from_slice(&len.to_be_bytes());
    record.extend_from_slice(checkpoint);
    let crc = crc32fast::hash(&record[HEADER..]);
    record[4..HEADER].copy_from_slice(&crc.to_be_bytes());
    Ok(record)
}

/// The whole records at the start of a segment's bytes, up to the first
/// torn one or the end of the records.
struct Records<'a> {
    data: &'a [u8],
    offset: usize,
}

impl Iterator for Records<'_> {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        let header = self.data.get(self.offset..self.offset + HEADER)?;
        let len = u32::from_be_bytes(header[..4].try_into().ok()?) as usize;
        let crc = u32::from_be_bytes(header[4..].try_into().ok()?);
        let start = self.offset + HEADER;
        let body = self.data.get(start..start.checked_add(len)?)?;
        if len == 0 || crc32fast::hash(body) != crc {
            return None;
        }
        let record = decode(body)?;
        self.offset = start + len;
        Some(record)
    }
}

/// A record's body; `None` if it does not parse (which its checksum makes
/// a matter of a bug, not of a crash).
fn decode(body: &[u8]) -> Option<Record> {
    let mut reader = Reader(body);
    let first = u64::from_be_bytes(reader.take(8)?.try_into().ok()?);
    let count = u32::from_be_bytes(reader.take(4)?.try_into().ok()?);
    let mut entries = Vec::with_capacity(count.min(1 << 16) as usize);
    for _ in 0..count {
        let len = u16::from_be_bytes(reader.take(2)?.try_into().ok()?);
        entries.push(reader.take(usize::from(len))?.to_vec());
    }
    let len = u32::from_be_bytes(reader.take(4)?.try_into().ok()?);
    let checkpoint = reader.take(len as usize)?.to_vec();
    (reader.0.is_empty() && !entries.is_empty())
        .then_some(Record { first, commit: Journaled { entries, checkpoint } })
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (taken, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(taken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(journal: &mut Journal, first: u64, count: usize) {
        let entries: Vec<Vec<u8>> = (0..count).map(|i| vec![i as u8; 10 + i]).collect();
        let refs: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
        let checkpoint = format!("checkpoint {}", first + count as u64);
        journal.append(first, &refs, checkpoint.as_bytes()).expect("appends");
    }

    #[test]
    fn records_read_back_up_to_a_torn_one() {
        let dir = tempfile::tempdir().expect("dir");
        let (mut journal, records) = Journal::open(dir.path(), 0).expect("opens");
        assert!(records.is_empty());
        commit(&mut journal, 0, 3);
        commit(&mut journal, 3, 1);
        commit(&mut journal, 4, 2);
        drop(journal);

        let (_, records) = Journal::open(dir.path(), 3).expect("opens");
        let ends: Vec<u64> = records.iter().map(Record::end).collect();
        assert_eq!(ends, [4, 6], "the records beyond the published size");
        assert_eq!(records[1].commit.checkpoint, b"checkpoint 6");
        assert_eq!(records[1].commit.entries[1], vec![1; 11]);

        // Tear the last record: it is gone, the ones before stay.
        let segment = dir.path().join(JOURNAL).join("0");
        let mut data = fs::read(&segment).expect("reads");
        let last = data.iter().rposition(|&b| b != 0).expect("records");
        data[last] ^= 0xff;
        fs::write(&segment, &data).expect("writes");
        let (mut journal, records) = Journal::open(dir.path(), 3).expect("opens");
        assert_eq!(records.iter().map(Record::end).collect::<Vec<_>>(), [4]);

        // The next writer starts a segment at the chain's end.
        commit(&mut journal, 4, 5);
        drop(journal);
        let (_, records) = Journal::open(dir.path(), 0).expect("opens");
        assert_eq!(records.iter().map(Record::end).collect::<Vec<_>>(), [3, 4, 9]);
    }

    #[test]
    fn a_journal_that_starts_beyond_the_published_checkpoint_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let (mut journal, _) = Journal::open(dir.path(), 5).expect("opens");
        commit(&mut journal, 5, 2);
        drop(journal);
        let error = Journal::open(dir.path(), 3).expect_err("entries 3 and 4 are missing");
        assert!(error.to_string().contains("starts at entry 5"), "{error}");
    }

    #[test]
    fn segments_covered_by_the_tiles_are_deleted() {
        let dir = tempfile::tempdir().expect("dir");
        let (mut journal, _) = Journal::open(dir.path(), 0).expect("opens");
        commit(&mut journal, 0, 2);
        // A record larger than a segment gets its own.
        let big = vec![7u8; 60_000];
        let entries: Vec<&[u8]> = (0..600).map(|_| big.as_slice()).collect();
        journal.append(2, &entries, b"checkpoint 602").expect("appends");
        commit(&mut journal, 602, 1);
        let names = || {
            let mut names: Vec<String> = fs::read_dir(dir.path().join(JOURNAL))
                .expect("lists")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        assert_eq!(names(), ["0", "2", "602"]);
        journal.forget(2).expect("forgets");
        assert_eq!(names(), ["2", "602"]);
        journal.forget(700).expect("forgets");
        assert_eq!(names(), ["602"], "the current segment stays");
        drop(journal);
        let (_, records) = Journal::open(dir.path(), 602).expect("opens");
        assert_eq!(records.iter().map(Record::end).collect::<Vec<_>>(), [603]);
    }
}
