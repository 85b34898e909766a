//! A log in a local directory, laid out exactly as the C2SP tlog-tiles
//! paths, so that any static web server can serve it.
//!
//! ```text
//! DIR/checkpoint                  the latest signed checkpoint
//! DIR/tile/<L>/<N>[.p/<W>]        hash tiles
//! DIR/tile/entries/<N>[.p/<W>]    entry bundles
//! DIR/checkpoints/<N>             every checkpoint published, by tree size
//! DIR/.lock                       held by the one process that may write
//! ```
//!
//! Durable writes: write each file, `fsync` it, then `fsync` every directory
//! that changed (and, for directories just created, their parents).
//!
//! * Tiles and bundles are written in place. That is safe because the
//!   sequencer only writes objects beyond the published checkpoint, which
//!   no reader asks for: a crash can leave one half-written, and the next
//!   commit writes it again.
//! * The checkpoint is replaced atomically: written to a temporary file
//!   next to it, fsynced, renamed over it, and the directory fsynced. A
//!   crash leaves it whole and old, or whole and new.
//!
//! Once a full tile or bundle is durable, the partial versions of it are
//! deleted (C2SP tlog-tiles: a log "MAY delete any partial tile once the
//! corresponding full tile is ... available"); without that, a log that
//! commits one entry at a time would keep up to 255 copies of each bundle.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use truce_log::{BoxError, LogStorage, TilePath};

/// The name of the checkpoint file.
pub const CHECKPOINT: &str = "checkpoint";
const LOCK: &str = ".lock";
const HISTORY: &str = "checkpoints";

/// An error of the directory backend.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FsError {
    /// An I/O operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// Another process holds the log's lock.
    #[error("another process is writing the log in {0}")]
    Locked(PathBuf),
    /// The checkpoint changed under the sequencer.
    #[error("the checkpoint in {0} is not the one the sequencer last published")]
    Conflict(PathBuf),
}

fn io_error<'p>(action: &'static str, path: &'p Path) -> impl FnOnce(io::Error) -> FsError + 'p {
    move |source| FsError::Io { action, path: path.to_owned(), source }
}

/// A log directory, opened for reading or for writing.
#[derive(Debug)]
pub struct FsStorage {
    dir: PathBuf,
    /// The lock file, held while the storage is open for writing.
    lock: Option<File>,
    temp_counter: AtomicU64,
}

impl FsStorage {
    /// Opens `dir` for writing, creating it if needed, and takes its lock:
    /// only one writer at a time.
    pub fn open_writer(dir: impl Into<PathBuf>) -> Result<FsStorage, FsError> {
        let dir = dir.into();
        create_dirs(&dir)?;
        let lock_path = dir.join(LOCK);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_error("open", &lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(FsError::Locked(dir)),
            Err(fs::TryLockError::Error(e)) => return Err(io_error("lock", &lock_path)(e)),
        }
        Ok(FsStorage { dir, lock: Some(lock), temp_counter: AtomicU64::new(0) })
    }

    /// Opens `dir` for reading only.
    pub fn open_reader(dir: impl Into<PathBuf>) -> FsStorage {
        FsStorage { dir: dir.into(), lock: None, temp_counter: AtomicU64::new(0) }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_of(&self, path: &TilePath) -> PathBuf {
        self.dir.join(path.to_string())
    }

    fn history_path(&self, size: u64) -> PathBuf {
        self.dir.join(HISTORY).join(size.to_string())
    }

    fn check_writer(&self) -> Result<(), FsError> {
        if self.lock.is_none() {
            return Err(FsError::Io {
                action: "write to",
                path: self.dir.clone(),
                source: io::Error::new(io::ErrorKind::PermissionDenied, "opened for reading"),
            });
        }
        Ok(())
    }

    /// Writes `contents` to a temporary file next to `path` and fsyncs it;
    /// returns the temporary path, to be renamed.
    fn write_temp(&self, path: &Path, contents: &[u8]) -> Result<PathBuf, FsError> {
        let n = self.temp_counter.fetch_add(1, Ordering::Relaxed);
        let mut name = path.file_name().unwrap_or_default().to_owned();
        name.push(format!(".tmp-{}-{n}", std::process::id()));
        let temp = path.with_file_name(name);
        write_synced(&temp, contents)?;
        Ok(temp)
    }

    /// Writes files durably: every file, then every changed directory, is
    /// fsynced before this returns. The files are written by several
    /// threads at once: fsync waits on the disk, not the CPU, and a batch of
    /// tiles is dozens of files.
    fn write_files(&self, files: &[(PathBuf, &[u8])], replace: Replace) -> Result<(), FsError> {
        let mut dirs = BTreeSet::new();
        for (path, _) in files {
            let parent = path.parent().unwrap_or(&self.dir);
            if !parent.is_dir() {
                // New directories must reach the disk too: fsync the
                // parents of every directory created.
                let mut ancestor = parent;
                while !ancestor.is_dir() {
                    let Some(up) = ancestor.parent() else { break };
                    dirs.insert(up.to_path_buf());
                    ancestor = up;
                }
                create_dirs(parent)?;
            }
            dirs.insert(parent.to_path_buf());
        }
        in_parallel(files, |(path, contents)| match replace {
            Replace::InPlace => write_synced(path, contents),
            Replace::Atomically => {
                let temp = self.write_temp(path, contents)?;
                fs::rename(&temp, path).map_err(io_error("rename", path))
            }
        })?;
        let dirs: Vec<PathBuf> = dirs.into_iter().collect();
        in_parallel(&dirs, |dir| sync_dir(dir))
    }
}

/// How [`FsStorage::write_files`] replaces a file.
#[derive(Clone, Copy)]
enum Replace {
    /// Write over it: for objects no reader asks for yet.
    InPlace,
    /// Write a temporary file and rename it over the target.
    Atomically,
}

/// Replaces the file at `path` with `contents` durably and atomically: a
/// reader sees the old file or the new one, never part of either, and the
/// new one survives a crash once this returns (written aside, fsynced,
/// renamed over, directory fsynced).
pub fn replace_file(path: &Path, contents: &[u8]) -> Result<(), FsError> {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(format!(".tmp-{}", std::process::id()));
    let temp = path.with_file_name(name);
    write_synced(&temp, contents)?;
    fs::rename(&temp, path).map_err(io_error("rename", path))?;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    sync_dir(dir)
}

fn write_synced(path: &Path, contents: &[u8]) -> Result<(), FsError> {
    let mut file = File::create(path).map_err(io_error("create", path))?;
    file.write_all(contents).map_err(io_error("write", path))?;
    file.sync_all().map_err(io_error("fsync", path))
}

/// How many threads write files at once.
const WRITERS: usize = 8;

/// Runs `work` on every item, on up to [`WRITERS`] threads; the first error
/// wins.
fn in_parallel<T: Sync>(
    items: &[T],
    work: impl Fn(&T) -> Result<(), FsError> + Sync,
) -> Result<(), FsError> {
    if items.len() <= 1 {
        return items.iter().try_for_each(work);
    }
    let threads = items.len().min(WRITERS);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let work = &work;
                scope.spawn(move || items.iter().skip(t).step_by(threads).try_for_each(work))
            })
            .collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    })
}

fn is_full(path: &TilePath) -> bool {
    match path {
        TilePath::Hashes(tile) => tile.is_full(),
        TilePath::Entries(bundle) => bundle.is_full(),
        _ => false,
    }
}

fn create_dirs(dir: &Path) -> Result<(), FsError> {
    fs::create_dir_all(dir).map_err(io_error("create directory", dir))
}

fn sync_dir(dir: &Path) -> Result<(), FsError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io_error("fsync directory", dir))
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, FsError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error("read", path)(e)),
    }
}

impl LogStorage for FsStorage {
    fn read_checkpoint(&self) -> Result<Option<Vec<u8>>, BoxError> {
        Ok(read_optional(&self.dir.join(CHECKPOINT))?)
    }

    fn read(&self, paths: &[TilePath]) -> Result<Vec<Option<Vec<u8>>>, BoxError> {
        Ok(paths.iter().map(|p| read_optional(&self.path_of(p))).collect::<Result<_, _>>()?)
    }

    fn write(&self, objects: &[(TilePath, Vec<u8>)]) -> Result<(), BoxError> {
        self.check_writer()?;
        let files: Vec<(PathBuf, &[u8])> =
            objects.iter().map(|(path, data)| (self.path_of(path), data.as_slice())).collect();
        self.write_files(&files, Replace::InPlace)?;
        for (path, _) in objects {
            if is_full(path) {
                // Best effort: a partial tile left behind is only wasted
                // space, and a later full write tries again.
                let mut partials = self.path_of(path).into_os_string();
                partials.push(".p");
                let _ = fs::remove_dir_all(partials);
            }
        }
        Ok(())
    }

    fn publish_checkpoint(
        &self,
        old: Option<&[u8]>,
        new: &[u8],
        size: u64,
    ) -> Result<(), BoxError> {
        self.check_writer()?;
        // The lock makes read-compare-rename atomic: no other writer runs.
        let path = self.dir.join(CHECKPOINT);
        if read_optional(&path)?.as_deref() != old {
            return Err(FsError::Conflict(self.dir.clone()).into());
        }
        self.write_files(&[(path, new)], Replace::Atomically)?;
        self.write_files(&[(self.history_path(size), new)], Replace::Atomically)?;
        Ok(())
    }

    fn read_checkpoint_at(&self, size: u64) -> Result<Option<Vec<u8>>, BoxError> {
        Ok(read_optional(&self.history_path(size))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_file_holds_the_new_bytes_and_nothing_is_left_aside() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("witnessed-checkpoint");
        replace_file(&path, b"first").expect("writes");
        replace_file(&path, b"second").expect("replaces");
        assert_eq!(fs::read(&path).expect("reads"), b"second");
        let names: Vec<_> = fs::read_dir(dir.path())
            .expect("lists")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["witnessed-checkpoint"]);
    }
}
