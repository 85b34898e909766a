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
//! Durable writes follow one sequence: write a temporary file in the target
//! directory, `fsync` it, `rename` it over the target, then `fsync` every
//! directory that changed (and, for directories just created, their
//! parents). A crash leaves each file either whole and old, or whole and
//! new.

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
        let mut file = File::create(&temp).map_err(io_error("create", &temp))?;
        file.write_all(contents).map_err(io_error("write", &temp))?;
        file.sync_all().map_err(io_error("fsync", &temp))?;
        Ok(temp)
    }

    /// Writes files durably: every file, then every changed directory, is
    /// fsynced before this returns.
    fn write_files(&self, files: &[(PathBuf, &[u8])]) -> Result<(), FsError> {
        let mut dirs = BTreeSet::new();
        for (path, contents) in files {
            let parent = path.parent().unwrap_or(&self.dir);
            if !parent.is_dir() {
                // New directories must reach the disk too: fsync the
                // parents of every directory created.
                let mut ancestor = parent.to_path_buf();
                while !ancestor.is_dir() {
                    if let Some(up) = ancestor.parent() {
                        dirs.insert(up.to_path_buf());
                        ancestor = up.to_path_buf();
                    } else {
                        break;
                    }
                }
                create_dirs(parent)?;
            }
            let temp = self.write_temp(path, contents)?;
            fs::rename(&temp, path).map_err(io_error("rename", path))?;
            dirs.insert(parent.to_path_buf());
        }
        for dir in &dirs {
            sync_dir(dir)?;
        }
        Ok(())
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
        Ok(self.write_files(&files)?)
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
        self.write_files(&[(path, new)])?;
        self.write_files(&[(self.history_path(size), new)])?;
        Ok(())
    }

    fn read_checkpoint_at(&self, size: u64) -> Result<Option<Vec<u8>>, BoxError> {
        Ok(read_optional(&self.history_path(size))?)
    }
}
