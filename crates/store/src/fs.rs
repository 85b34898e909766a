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
//! Durable writes: write every file, then `fsync` the files and every
//! directory that changed (and, for directories just created, their
//! parents), all in one round.
//!
//! * Tiles and bundles are written in place. That is safe because the
//!   sequencer only writes objects beyond the published checkpoint, which
//!   no reader asks for: a crash can leave one half-written, and the next
//!   commit writes it again.
//! * The checkpoint is replaced atomically: written to a temporary file
//!   next to it, fsynced (in a commit, in the same round as the tiles),
//!   renamed over it, and the directory fsynced. A crash leaves it whole
//!   and old, or whole and new; a temporary file left behind is deleted
//!   when a writer opens the log.
//! * A published checkpoint goes into `checkpoints/` with the objects of
//!   the next commit, in their round of fsyncs rather than a round of its
//!   own; until then it is `checkpoint` itself. (Written before it is
//!   published, a crash could leave there a signed tree the log never
//!   published, and then publish another of the same size.) A writer that
//!   opens the log records the checkpoint it finds with its first write.
//!
//! Once a full tile or bundle is durable, the partial versions of it are
//! deleted (C2SP tlog-tiles: a log "MAY delete any partial tile once the
//! corresponding full tile is ... available"); without that, a log that
//! commits one entry at a time would keep up to 255 copies of each bundle.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use truce_log::{BoxError, CommitError, LogStorage, TilePath};

/// The name of the checkpoint file.
pub const CHECKPOINT: &str = "checkpoint";
const LOCK: &str = ".lock";
const HISTORY: &str = "checkpoints";
/// What the names of temporary files continue with.
const TEMP: &str = ".tmp-";

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
    /// The published checkpoint, with its tree size, until the next write
    /// records it in the history.
    unrecorded: Mutex<Option<(u64, Vec<u8>)>>,
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
        let mut storage = FsStorage::open_reader(dir);
        storage.lock = Some(lock);
        // A crash can leave a temporary checkpoint behind, signed and never
        // published: it goes before this writer signs anything.
        let temporary = format!("{CHECKPOINT}{TEMP}");
        let entries = fs::read_dir(&storage.dir).map_err(io_error("list", &storage.dir))?;
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&temporary) {
                fs::remove_file(entry.path()).map_err(io_error("remove", &entry.path()))?;
            }
        }
        // The checkpoint a crash may have kept out of the history.
        let published = read_optional(&storage.dir.join(CHECKPOINT))?;
        *storage.unrecorded.get_mut().unwrap_or_else(|p| p.into_inner()) =
            published.and_then(|bytes| Some((crate::checkpoint_size(&bytes)?, bytes)));
        Ok(storage)
    }

    /// Opens `dir` for reading only.
    pub fn open_reader(dir: impl Into<PathBuf>) -> FsStorage {
        FsStorage {
            dir: dir.into(),
            lock: None,
            temp_counter: AtomicU64::new(0),
            unrecorded: Mutex::new(None),
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every tile and bundle in the directory, full and partial, whatever
    /// tree they belong to (orphans beyond the checkpoint included).
    pub fn tile_paths(&self) -> Result<Vec<TilePath>, FsError> {
        let mut paths = Vec::new();
        let mut dirs = vec![self.dir.join("tile")];
        while let Some(dir) = dirs.pop() {
            let entries = match fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io_error("list", &dir)(e)),
            };
            for entry in entries {
                let entry = entry.map_err(io_error("list", &dir))?;
                let path = entry.path();
                if entry.file_type().map_err(io_error("stat", &path))?.is_dir() {
                    dirs.push(path);
                } else if let Some(tile) = path
                    .strip_prefix(&self.dir)
                    .ok()
                    .and_then(|relative| relative.to_str())
                    .and_then(|relative| relative.parse::<TilePath>().ok())
                {
                    // Temporary files and anything else are not tiles.
                    paths.push(tile);
                }
            }
        }
        Ok(paths)
    }

    /// The tree sizes of the checkpoints in the history, in increasing
    /// order (the latest may not be there yet: it is `checkpoint`).
    pub fn history_sizes(&self) -> Result<Vec<u64>, FsError> {
        let dir = self.dir.join(HISTORY);
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error("list", &dir)(e)),
        };
        let mut sizes = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io_error("list", &dir))?;
            // Only names that are sizes: a temporary file is not history.
            if let Some(size) = entry.file_name().to_str().and_then(|n| n.parse::<u64>().ok()) {
                sizes.push(size);
            }
        }
        sizes.sort_unstable();
        Ok(sizes)
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

    /// A fresh temporary path next to `path`.
    fn temp_path(&self, path: &Path) -> PathBuf {
        let n = self.temp_counter.fetch_add(1, Ordering::Relaxed);
        let mut name = path.file_name().unwrap_or_default().to_owned();
        name.push(format!("{TEMP}{}-{n}", std::process::id()));
        path.with_file_name(name)
    }

    /// Writes tiles and bundles durably, with the checkpoint that awaits
    /// its place in the history and `extra`, in one round of fsyncs; then
    /// deletes the partial versions of the full tiles written.
    fn write_objects(
        &self,
        objects: &[(TilePath, Vec<u8>)],
        extra: Option<(PathBuf, &[u8])>,
    ) -> Result<(), FsError> {
        self.check_writer()?;
        let mut unrecorded = self.unrecorded.lock().unwrap_or_else(|p| p.into_inner());
        let mut files: Vec<(PathBuf, &[u8])> =
            objects.iter().map(|(path, data)| (self.path_of(path), data.as_slice())).collect();
        if let Some((size, checkpoint)) = unrecorded.as_ref() {
            // A new name, or a torn copy of the same bytes: in place.
            files.push((self.history_path(*size), checkpoint));
        }
        files.extend(extra);
        self.write_files(&files)?;
        *unrecorded = None;
        drop(unrecorded);
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

    /// Writes files durably: every file and every changed directory is
    /// fsynced before this returns. The fsyncs run on several threads at
    /// once: they wait on the disk, not the CPU, and a batch of tiles is
    /// dozens of files.
    fn write_files(&self, files: &[(PathBuf, &[u8])]) -> Result<(), FsError> {
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
        // Written first, then fsynced with the directories that now name
        // them: one round of fsyncs.
        let written = files
            .iter()
            .map(|(path, contents)| {
                let mut file = File::create(path).map_err(io_error("create", path))?;
                file.write_all(contents).map_err(io_error("write", path))?;
                Ok((file, path.as_path()))
            })
            .collect::<Result<Vec<_>, FsError>>()?;
        let syncs: Vec<ToSync<'_>> = written
            .iter()
            .map(|(f, p)| ToSync::File(f, p))
            .chain(dirs.into_iter().map(ToSync::Dir))
            .collect();
        in_parallel(&syncs, ToSync::run)
    }
}

/// A file or directory to fsync.
enum ToSync<'a> {
    File(&'a File, &'a Path),
    Dir(PathBuf),
}

impl ToSync<'_> {
    fn run(&self) -> Result<(), FsError> {
        match self {
            ToSync::File(file, path) => file.sync_all().map_err(io_error("fsync", path)),
            ToSync::Dir(dir) => sync_dir(dir),
        }
    }
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
        Ok(self.write_objects(objects, None)?)
    }

    fn publish_checkpoint(
        &self,
        old: Option<&[u8]>,
        new: &[u8],
        size: u64,
    ) -> Result<(), BoxError> {
        // A commit without objects.
        self.commit(&[], old, new, size).map_err(CommitError::into_inner)
    }

    /// The objects and the new checkpoint's temporary file in one round
    /// of fsyncs, then the rename that publishes it and the fsync of the
    /// directory: two rounds where a write and a publish take three.
    fn commit(
        &self,
        objects: &[(TilePath, Vec<u8>)],
        old: Option<&[u8]>,
        new: &[u8],
        size: u64,
    ) -> Result<(), CommitError> {
        let not_published = |e: FsError| CommitError::NotPublished(e.into());
        let path = self.dir.join(CHECKPOINT);
        let temp = self.temp_path(&path);
        self.write_objects(objects, Some((temp.clone(), new))).map_err(not_published)?;
        // The lock makes read-compare-rename atomic: no other writer runs.
        match read_optional(&path) {
            Ok(stored) if stored.as_deref() == old => {}
            Ok(_) => {
                let _ = fs::remove_file(&temp);
                return Err(not_published(FsError::Conflict(self.dir.clone())));
            }
            Err(e) => return Err(not_published(e)),
        }
        let maybe_published = |e: FsError| CommitError::MaybePublished(e.into());
        fs::rename(&temp, &path).map_err(io_error("rename", &path)).map_err(maybe_published)?;
        sync_dir(&self.dir).map_err(maybe_published)?;
        *self.unrecorded.lock().unwrap_or_else(|p| p.into_inner()) = Some((size, new.to_vec()));
        Ok(())
    }

    fn read_checkpoint_at(&self, size: u64) -> Result<Option<Vec<u8>>, BoxError> {
        let unrecorded = self.unrecorded.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, checkpoint)) = unrecorded.as_ref().filter(|(s, _)| *s == size) {
            return Ok(Some(checkpoint.clone()));
        }
        drop(unrecorded);
        match read_optional(&self.history_path(size))? {
            // A reader: the latest checkpoint is not in the history yet.
            None => Ok(read_optional(&self.dir.join(CHECKPOINT))?
                .filter(|bytes| crate::checkpoint_size(bytes) == Some(size))),
            found => Ok(found),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkpoint(size: u64) -> Vec<u8> {
        let key = truce_note::SigningKey::from_seed(
            truce_note::KeyName::new("test.example/log").expect("name"),
            &[7; 32],
        );
        let root = truce_log::Hash([size as u8; 32]);
        truce_log::Checkpoint::new("test.example/log", size, root)
            .and_then(|c| c.sign(&key))
            .expect("signs")
            .to_bytes()
    }

    #[test]
    fn a_commit_publishes_after_its_objects_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("dir");
        let names = || {
            let mut names: Vec<String> = fs::read_dir(dir.path())
                .expect("lists")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        let bundle = TilePath::Entries(truce_log::BundleId::new(0, 1).expect("id"));
        let storage = FsStorage::open_writer(dir.path()).expect("opens");
        storage.publish_checkpoint(None, &checkpoint(0), 0).expect("publishes");
        storage
            .commit(&[(bundle, vec![1])], Some(&checkpoint(0)), &checkpoint(1), 1)
            .expect("commits");
        assert_eq!(storage.read_checkpoint().expect("reads"), Some(checkpoint(1)));
        assert_eq!(storage.read(&[bundle]).expect("reads"), [Some(vec![1])]);
        assert_eq!(names(), [".lock", "checkpoint", "checkpoints", "tile"]);

        // Another checkpoint than the stored one: nothing is published.
        let refused = storage.commit(&[], Some(&checkpoint(0)), &checkpoint(2), 2);
        assert!(matches!(refused, Err(CommitError::NotPublished(_))), "{refused:?}");
        assert_eq!(storage.read_checkpoint().expect("reads"), Some(checkpoint(1)));
        assert_eq!(names(), [".lock", "checkpoint", "checkpoints", "tile"]);

        // A signed checkpoint that a crash left aside goes when a writer
        // opens the log.
        drop(storage);
        fs::write(dir.path().join("checkpoint.tmp-1-0"), checkpoint(2)).expect("writes");
        let _storage = FsStorage::open_writer(dir.path()).expect("opens");
        assert_eq!(names(), [".lock", "checkpoint", "checkpoints", "tile"]);
    }

    #[test]
    fn a_checkpoint_enters_the_history_with_the_next_write_and_is_readable_before() {
        let dir = tempfile::tempdir().expect("dir");
        let history = |size: u64| fs::read(dir.path().join(HISTORY).join(size.to_string())).ok();
        let tile =
            |n: u8| (TilePath::Entries(truce_log::BundleId::new(0, 1).expect("id")), vec![n]);
        let storage = FsStorage::open_writer(dir.path()).expect("opens");
        let reader = FsStorage::open_reader(dir.path());
        storage.publish_checkpoint(None, &checkpoint(1), 1).expect("publishes");
        assert_eq!(history(1), None, "not a round of its own");
        for s in [&storage, &reader] {
            assert_eq!(s.read_checkpoint_at(1).expect("reads"), Some(checkpoint(1)));
        }
        storage.write(&[tile(1)]).expect("writes");
        assert_eq!(history(1), Some(checkpoint(1)), "written with the next objects");
        storage.publish_checkpoint(Some(&checkpoint(1)), &checkpoint(2), 2).expect("publishes");
        assert_eq!(reader.read_checkpoint_at(2).expect("reads"), Some(checkpoint(2)));
        assert_eq!(reader.read_checkpoint_at(3).expect("reads"), None);

        // A writer that stops before the next write: the next writer
        // records the checkpoint with its first write.
        drop(storage);
        let storage = FsStorage::open_writer(dir.path()).expect("opens");
        assert_eq!(history(2), None);
        storage.write(&[tile(2)]).expect("writes");
        assert_eq!(history(2), Some(checkpoint(2)));
        assert_eq!(history(1), Some(checkpoint(1)));
    }

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
