//! A log in a local directory, laid out exactly as the C2SP tlog-tiles
//! paths, so that any static web server can serve it.
//!
//! ```text
//! DIR/checkpoint                  the latest checkpoint written out
//! DIR/tile/<L>/<N>[.p/<W>]        hash tiles
//! DIR/tile/entries/<N>[.p/<W>]    entry bundles
//! DIR/checkpoints/<N>             every checkpoint published, by tree size
//! DIR/journal/<N>                 the commit journal (see `journal.rs`)
//! DIR/.lock                       held by the one process that may write
//! ```
//!
//! A commit is one record appended to the journal and one `fdatasync`:
//! its entries and its signed checkpoint. When that returns, the commit is
//! durable and published to the readers of the same process (through
//! [`Unwritten`]), which is what a server serves. A thread writes the
//! commits out in bulk, every [`WRITE_OUT_INTERVAL`] or sooner when
//! [`WRITE_OUT_BYTES`] wait: the tiles and bundles of the newest tree
//! (never the intermediate versions of a partial tile), the checkpoints
//! into the history, and the checkpoint file, which other processes and a
//! static web server read. So no file is created or deleted per commit.
//!
//! Writing out, step by step, with what a crash at each point means:
//!
//! 1. Every tile and bundle changed, every checkpoint into `checkpoints/`,
//!    and the newest checkpoint into a temporary file, then one round of
//!    fsyncs (files and the directories that changed, in parallel).
//!    *Crash:* objects beyond the checkpoint file are orphans that the
//!    replay writes again; the journal holds every commit.
//! 2. The temporary file renamed over `checkpoint`, the directory fsynced.
//!    *Crash:* the checkpoint file is whole, old or new; either way the
//!    journal replays what it does not cover.
//! 3. The journal's segments that the checkpoint file now covers are
//!    deleted; the partial versions of full tiles too. *Crash:* nothing is
//!    lost; leftovers are deleted by the next round.
//!
//! Opening the directory for writing reads the journal back up to its
//! first torn record (a commit whose `fdatasync` never returned, so never
//! acknowledged). The sequencer replays the records beyond the checkpoint
//! file through [`LogStorage::journaled`] before it commits anything new,
//! checking each journaled checkpoint against the tree of its entries.
//!
//! Tiles and bundles are written in place: they are beyond the checkpoint
//! file, which no reader of the directory goes past. The checkpoint is
//! replaced atomically (written aside, fsynced, renamed). Readers in the
//! process of the writer are served the newest version of a partial tile
//! cut to the width they ask for; in the directory, a partial tile of a
//! width that was never written out is cut from a wider one (C2SP
//! tlog-tiles: the first `W` hashes of a wider tile are those of the
//! partial tile of width `W`).

mod journal;
mod unwritten;

use std::collections::{BTreeSet, VecDeque};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use truce_log::{
    BoxError, CommitError, Journaled, LogStorage, TILE_WIDTH, TilePath, cut_to_width, decode_bundle,
};

use self::journal::Journal;
use self::unwritten::Object;
pub use self::unwritten::Unwritten;

/// The name of the checkpoint file.
pub const CHECKPOINT: &str = "checkpoint";
const LOCK: &str = ".lock";
const HISTORY: &str = "checkpoints";
/// What the names of temporary files continue with.
const TEMP: &str = ".tmp-";

/// How often commits are written out as tiles and the checkpoint file.
pub const WRITE_OUT_INTERVAL: Duration = Duration::from_millis(500);
/// How many bytes of commits make a write-out start before its interval.
pub const WRITE_OUT_BYTES: usize = 8 << 20;
/// How many bytes of commits may wait to be written out before commits
/// are refused: writing out fails, or cannot keep up.
const MAX_UNWRITTEN: usize = 512 << 20;

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
    /// The journal or a commit does not hold together.
    #[error("{0}")]
    Corrupt(String),
    /// Too many commits wait to be written out.
    #[error(
        "{0} MiB of commits wait to be written out as tiles (the last write-out failed, or is \
         too slow): commits are refused until they are"
    )]
    Behind(usize),
}

fn io_error<'p>(action: &'static str, path: &'p Path) -> impl FnOnce(io::Error) -> FsError + 'p {
    move |source| FsError::Io { action, path: path.to_owned(), source }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// A log directory, opened for reading or for writing.
#[derive(Debug)]
pub struct FsStorage {
    dir: PathBuf,
    /// The commits not written out yet, shared with the writer of the
    /// same process.
    unwritten: Arc<Unwritten>,
    /// Set when the storage is open for writing.
    writer: Option<Writer>,
}

/// The writer's side: the lock, the journal and the thread that writes
/// commits out.
#[derive(Debug)]
struct Writer {
    shared: Arc<WriterState>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Debug)]
struct WriterState {
    dir: PathBuf,
    /// The lock file, held while the storage is open for writing.
    _lock: File,
    unwritten: Arc<Unwritten>,
    journal: Mutex<Journal>,
    /// Journaled commits the sequencer has not replayed yet, oldest first.
    replay: Mutex<VecDeque<journal::Record>>,
    /// The newest checkpoint committed, journaled or written out: what a
    /// commit compares with before it swaps.
    latest: Mutex<Option<Vec<u8>>>,
    /// Taken by whatever replaces the checkpoint file; holds the
    /// checkpoint published directly that awaits its place in the history.
    published: Mutex<Option<(u64, Vec<u8>)>>,
    temp_counter: AtomicU64,
    /// How often commits are written out.
    interval: Duration,
}

impl FsStorage {
    /// Opens `dir` for writing, creating it if needed, and takes its lock:
    /// only one writer at a time.
    pub fn open_writer(dir: impl Into<PathBuf>) -> Result<FsStorage, FsError> {
        FsStorage::open_writer_with(dir, Unwritten::new(), WRITE_OUT_INTERVAL)
    }

    /// [`FsStorage::open_writer`], sharing what is not written out yet with
    /// the readers opened with the same `unwritten`, and writing it out
    /// every `interval` (or sooner, when [`WRITE_OUT_BYTES`] wait).
    pub fn open_writer_with(
        dir: impl Into<PathBuf>,
        unwritten: Arc<Unwritten>,
        interval: Duration,
    ) -> Result<FsStorage, FsError> {
        let dir = dir.into();
        create_dirs(&dir)?;
        let lock_path = dir.join(LOCK);
        let lock_file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_error("open", &lock_path))?;
        match lock_file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(FsError::Locked(dir)),
            Err(fs::TryLockError::Error(e)) => return Err(io_error("lock", &lock_path)(e)),
        }
        // A crash can leave a temporary checkpoint behind, signed and never
        // published: it goes before this writer signs anything.
        let temporary = format!("{CHECKPOINT}{TEMP}");
        for entry in fs::read_dir(&dir).map_err(io_error("list", &dir))?.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&temporary) {
                fs::remove_file(entry.path()).map_err(io_error("remove", &entry.path()))?;
            }
        }
        let written = read_optional(&dir.join(CHECKPOINT))?;
        let written_size =
            written.as_deref().and_then(truce_log::Checkpoint::size_unverified).unwrap_or(0);
        let (journal, records) = Journal::open(&dir, written_size)?;
        let shared = Arc::new(WriterState {
            dir: dir.clone(),
            _lock: lock_file,
            unwritten: unwritten.clone(),
            journal: Mutex::new(journal),
            replay: Mutex::new(records.into()),
            latest: Mutex::new(written.clone()),
            // The checkpoint a crash may have kept out of the history.
            published: Mutex::new(written.map(|bytes| (written_size, bytes))),
            temp_counter: AtomicU64::new(0),
            interval,
        });
        unwritten.set_stopping(false);
        let thread = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("truce-write-out".into())
                .spawn(move || shared.write_out_loop())
                .map_err(io_error("start the write-out thread for", &dir))?
        };
        Ok(FsStorage { dir, unwritten, writer: Some(Writer { shared, thread: Some(thread) }) })
    }

    /// Opens `dir` for reading only.
    pub fn open_reader(dir: impl Into<PathBuf>) -> FsStorage {
        FsStorage::open_reader_with(dir, Unwritten::new())
    }

    /// [`FsStorage::open_reader`], seeing the commits of the writer opened
    /// with the same `unwritten` as soon as they are durable.
    pub fn open_reader_with(dir: impl Into<PathBuf>, unwritten: Arc<Unwritten>) -> FsStorage {
        FsStorage { dir: dir.into(), unwritten, writer: None }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes out every commit made so far: the tiles and the checkpoint
    /// file cover them when this returns. (The writer does this on its own
    /// every interval, and when it closes.)
    pub fn write_out(&self) -> Result<(), FsError> {
        match &self.writer {
            Some(writer) => writer.shared.write_out(),
            None => Ok(()),
        }
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

    fn writer(&self) -> Result<&WriterState, FsError> {
        match &self.writer {
            Some(writer) => Ok(&writer.shared),
            None => Err(FsError::Io {
                action: "write to",
                path: self.dir.clone(),
                source: io::Error::new(io::ErrorKind::PermissionDenied, "opened for reading"),
            }),
        }
    }

    /// The object at `path`: not written out yet, or in the directory; a
    /// partial tile or bundle never written out at that width is cut from
    /// a wider one.
    fn read_one(&self, path: &TilePath) -> Result<Option<Vec<u8>>, FsError> {
        if let Some(data) = self.unwritten.read(path) {
            return Ok(Some(data));
        }
        let file = path_of(&self.dir, path);
        if let Some(data) = read_optional(&file)? {
            return Ok(Some(data));
        }
        let width = match path {
            TilePath::Hashes(tile) if !tile.is_full() => tile.width(),
            TilePath::Entries(bundle) if !bundle.is_full() => bundle.width(),
            _ => return Ok(None),
        };
        let Some(partials) = file.parent() else { return Ok(None) };
        let entries = match fs::read_dir(partials) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error("list", partials)(e)),
        };
        let wider = entries
            .flatten()
            .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u16>().ok()))
            .filter(|&w| w > width)
            .min();
        let Some(wider) = wider else { return Ok(None) };
        let data = read_optional(&partials.join(wider.to_string()))?;
        Ok(data.and_then(|data| cut_to_width(path, data)))
    }
}

impl Drop for FsStorage {
    /// The writer writes out what is left before it lets the lock go.
    fn drop(&mut self) {
        if let Some(mut writer) = self.writer.take() {
            self.unwritten.set_stopping(true);
            if let Some(thread) = writer.thread.take() {
                let _ = thread.join();
            }
        }
    }
}

impl WriterState {
    /// The write-out thread: a round every interval, or sooner when enough
    /// waits; a last round when the writer closes.
    fn write_out_loop(&self) {
        loop {
            let stopping = self.unwritten.wait(self.interval, WRITE_OUT_BYTES);
            if let Err(e) = self.write_out() {
                // The journal still holds every commit; the next round
                // tries again, and commits stop once too much waits.
                tracing::error!(error = %e, dir = %self.dir.display(), "writing the log out");
                if !stopping {
                    std::thread::sleep(self.interval);
                }
            }
            if stopping {
                break;
            }
        }
    }

    /// One round of writing out: what waited when it started is in the
    /// tiles, the history and the checkpoint file when it returns `Ok`.
    fn write_out(&self) -> Result<(), FsError> {
        let mut published = lock(&self.published);
        let Some(snapshot) = self.unwritten.snapshot() else { return Ok(()) };
        let (size, checkpoint) = snapshot.latest();
        let mut files: Vec<(PathBuf, &[u8])> = snapshot
            .objects
            .iter()
            .map(|object| (path_of(&self.dir, &object.0), object.1.as_slice()))
            .collect();
        if let Some((size, checkpoint)) = published.as_ref() {
            files.push((history_path(&self.dir, *size), checkpoint));
        }
        for (size, checkpoint) in &snapshot.checkpoints {
            files.push((history_path(&self.dir, *size), checkpoint));
        }
        let path = self.dir.join(CHECKPOINT);
        let temp = self.temp_path(&path);
        files.push((temp.clone(), checkpoint));
        if let Err(e) = write_files(&self.dir, &files) {
            let _ = fs::remove_file(&temp);
            return Err(e);
        }
        fs::rename(&temp, &path).map_err(io_error("rename", &path))?;
        sync_dir(&self.dir)?;
        *published = None;
        drop(published);
        self.unwritten.written(&snapshot);
        remove_partials(&self.dir, snapshot.objects.iter().map(|o| &o.0));
        lock(&self.journal).forget(size)
    }

    /// Appends a commit to the journal, or takes the journaled commit the
    /// sequencer replays.
    fn commit(
        &self,
        objects: &[Object],
        old: Option<&[u8]>,
        new: &[u8],
        size: u64,
    ) -> Result<(), CommitError> {
        let not_published = |e: FsError| CommitError::NotPublished(e.into());
        let mut latest = lock(&self.latest);
        let mut replay = lock(&self.replay);
        if let Some(record) = replay.front() {
            if record.end() != size || record.commit.checkpoint != new {
                return Err(not_published(FsError::Corrupt(format!(
                    "a commit of size {size} while the journal holds one of size {} to replay",
                    record.end()
                ))));
            }
            replay.pop_front();
            self.unwritten.insert(objects, size, new, 0, WRITE_OUT_BYTES);
            *latest = Some(new.to_vec());
            return Ok(());
        }
        drop(replay);
        if latest.as_deref() != old {
            return Err(not_published(FsError::Conflict(self.dir.clone())));
        }
        let waiting = self.unwritten.bytes();
        if waiting > MAX_UNWRITTEN {
            return Err(not_published(FsError::Behind(waiting >> 20)));
        }
        let first = old.and_then(truce_log::Checkpoint::size_unverified).unwrap_or(0);
        let entries = new_entries(objects, first, size).map_err(not_published)?;
        let bytes = entries.iter().map(|e| e.len()).sum::<usize>() + new.len();
        lock(&self.journal).append(first, &entries, new).map_err(|e| match e {
            journal::AppendError::NotWritten(e) => not_published(e),
            journal::AppendError::MaybeWritten(e) => CommitError::MaybePublished(e.into()),
        })?;
        self.unwritten.insert(objects, size, new, bytes, WRITE_OUT_BYTES);
        *latest = Some(new.to_vec());
        Ok(())
    }

    /// Publishes a checkpoint directly, without the journal, once every
    /// journaled commit is written out: creating a log, copying one in
    /// (its objects written before with [`LogStorage::write`]).
    fn publish(&self, old: Option<&[u8]>, new: &[u8], size: u64) -> Result<(), CommitError> {
        let not_published = |e: FsError| CommitError::NotPublished(e.into());
        if !lock(&self.replay).is_empty() {
            return Err(not_published(FsError::Corrupt(
                "the journal holds commits to replay first".into(),
            )));
        }
        self.write_out().map_err(not_published)?;
        let mut latest = lock(&self.latest);
        let mut published = lock(&self.published);
        let path = self.dir.join(CHECKPOINT);
        let temp = self.temp_path(&path);
        self.write_objects(&mut published, &[], Some((temp.clone(), new)))
            .map_err(not_published)?;
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
        *published = Some((size, new.to_vec()));
        *latest = Some(new.to_vec());
        Ok(())
    }

    /// Writes tiles and bundles durably, with the checkpoint that awaits
    /// its place in the history and `extra`, in one round of fsyncs; then
    /// deletes the partial versions of the full tiles written.
    fn write_objects(
        &self,
        published: &mut Option<(u64, Vec<u8>)>,
        objects: &[Object],
        extra: Option<(PathBuf, &[u8])>,
    ) -> Result<(), FsError> {
        let mut files: Vec<(PathBuf, &[u8])> = objects
            .iter()
            .map(|(path, data)| (path_of(&self.dir, path), data.as_slice()))
            .collect();
        if let Some((size, checkpoint)) = published.as_ref() {
            // A new name, or a torn copy of the same bytes: in place.
            files.push((history_path(&self.dir, *size), checkpoint));
        }
        files.extend(extra);
        write_files(&self.dir, &files)?;
        *published = None;
        remove_partials(&self.dir, objects.iter().map(|o| &o.0));
        Ok(())
    }

    /// A fresh temporary path next to `path`.
    fn temp_path(&self, path: &Path) -> PathBuf {
        let n = self.temp_counter.fetch_add(1, Ordering::Relaxed);
        let mut name = path.file_name().unwrap_or_default().to_owned();
        name.push(format!("{TEMP}{}-{n}", std::process::id()));
        path.with_file_name(name)
    }
}

/// The entries from index `first` up to `size` in a commit's bundles.
fn new_entries(objects: &[Object], first: u64, size: u64) -> Result<Vec<&[u8]>, FsError> {
    let mut entries = Vec::with_capacity(size.saturating_sub(first) as usize);
    for (path, data) in objects {
        let TilePath::Entries(bundle) = path else { continue };
        let decoded =
            decode_bundle(*bundle, data).map_err(|e| FsError::Corrupt(format!("{path}: {e}")))?;
        let start = bundle.index() * u64::from(TILE_WIDTH);
        for (index, entry) in (start..).zip(decoded) {
            if index == first + entries.len() as u64 {
                entries.push(entry);
            }
        }
    }
    if first + entries.len() as u64 != size {
        return Err(FsError::Corrupt(format!(
            "a commit from size {first} to {size} whose bundles hold {} of its entries",
            entries.len()
        )));
    }
    Ok(entries)
}

/// Deletes the partial versions of the full tiles among `paths`, best
/// effort: a partial tile left behind is only wasted space, and a later
/// full write tries again.
fn remove_partials<'a>(dir: &Path, paths: impl Iterator<Item = &'a TilePath>) {
    for path in paths {
        if is_full(path) {
            let mut partials = path_of(dir, path).into_os_string();
            partials.push(".p");
            let _ = fs::remove_dir_all(partials);
        }
    }
}

fn path_of(dir: &Path, path: &TilePath) -> PathBuf {
    dir.join(path.to_string())
}

fn history_path(dir: &Path, size: u64) -> PathBuf {
    dir.join(HISTORY).join(size.to_string())
}

/// Writes files durably: every file and every changed directory is
/// fsynced before this returns. The fsyncs run on several threads at
/// once: they wait on the disk, not the CPU, and a round of tiles is
/// dozens of files.
fn write_files(root: &Path, files: &[(PathBuf, &[u8])]) -> Result<(), FsError> {
    let mut dirs = BTreeSet::new();
    for (path, _) in files {
        let parent = path.parent().unwrap_or(root);
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
        Ok(paths.iter().map(|p| self.read_one(p)).collect::<Result<_, _>>()?)
    }

    fn write(&self, objects: &[(TilePath, Vec<u8>)]) -> Result<(), BoxError> {
        let writer = self.writer()?;
        let mut published = lock(&writer.published);
        Ok(writer.write_objects(&mut published, objects, None)?)
    }

    fn publish_checkpoint(
        &self,
        old: Option<&[u8]>,
        new: &[u8],
        size: u64,
    ) -> Result<(), BoxError> {
        let writer = self.writer()?;
        writer.publish(old, new, size).map_err(CommitError::into_inner)
    }

    /// One record in the journal, one `fdatasync`; the objects are written
    /// out later. `objects` must hold the bundles of every new entry, as a
    /// sequencer's commits do.
    fn commit(
        &self,
        objects: &[(TilePath, Vec<u8>)],
        old: Option<&[u8]>,
        new: &[u8],
        size: u64,
    ) -> Result<(), CommitError> {
        let writer = self.writer().map_err(|e| CommitError::NotPublished(e.into()))?;
        writer.commit(objects, old, new, size)
    }

    fn read_checkpoint_at(&self, size: u64) -> Result<Option<Vec<u8>>, BoxError> {
        if let Some(checkpoint) = self.unwritten.checkpoint_at(size) {
            return Ok(Some(checkpoint));
        }
        if let Some(writer) = &self.writer {
            let published = lock(&writer.shared.published);
            if let Some((_, checkpoint)) = published.as_ref().filter(|(s, _)| *s == size) {
                return Ok(Some(checkpoint.clone()));
            }
        }
        match read_optional(&history_path(&self.dir, size))? {
            // The latest checkpoint may not be in the history yet.
            None => Ok(read_optional(&self.dir.join(CHECKPOINT))?
                .filter(|bytes| truce_log::Checkpoint::size_unverified(bytes) == Some(size))),
            found => Ok(found),
        }
    }

    fn journaled(&self) -> Result<Vec<Journaled>, BoxError> {
        let Some(writer) = &self.writer else { return Ok(Vec::new()) };
        Ok(lock(&writer.shared.replay).iter().map(|r| r.commit.clone()).collect())
    }
}

#[cfg(test)]
mod tests {
    use truce_log::{
        BundleId, MemoryDedup, Sequencer, SequencerError, TileId, VerifiedCheckpoint,
        encode_bundle, read_entry,
    };
    use truce_note::{KeyName, SigningKey};

    use super::*;

    const ORIGIN: &str = "test.example/log";

    fn key() -> SigningKey {
        SigningKey::from_seed(KeyName::new(ORIGIN).expect("name"), &[7; 32])
    }

    fn checkpoint(size: u64) -> Vec<u8> {
        let root = truce_log::Hash([size as u8; 32]);
        truce_log::Checkpoint::new(ORIGIN, size, root)
            .and_then(|c| c.sign(&key()))
            .expect("signs")
            .to_bytes()
    }

    /// A writer that writes out only when told (or when it closes).
    fn paused_writer(dir: &Path, unwritten: Arc<Unwritten>) -> FsStorage {
        FsStorage::open_writer_with(dir, unwritten, Duration::from_secs(3600)).expect("opens")
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("lists")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// A copy of a directory as a crash would leave it: what is on disk.
    fn copy_dir(from: &Path, to: &Path) {
        fs::create_dir_all(to).expect("creates");
        for entry in fs::read_dir(from).expect("lists") {
            let entry = entry.expect("entry");
            let target = to.join(entry.file_name());
            if entry.file_type().expect("type").is_dir() {
                copy_dir(&entry.path(), &target);
            } else {
                fs::copy(entry.path(), target).expect("copies");
            }
        }
    }

    fn bundle(index: u64, entries: &[&[u8]]) -> Object {
        let id = BundleId::new(index, entries.len() as u16).expect("id");
        (TilePath::Entries(id), encode_bundle(entries).expect("encodes"))
    }

    #[test]
    fn a_commit_is_durable_in_the_journal_and_written_out_later() {
        let dir = tempfile::tempdir().expect("dir");
        let unwritten = Unwritten::new();
        let storage = paused_writer(dir.path(), unwritten.clone());
        let same_process = FsStorage::open_reader_with(dir.path(), unwritten);
        let other_process = FsStorage::open_reader(dir.path());
        storage.publish_checkpoint(None, &checkpoint(0), 0).expect("publishes");
        let (path, data) = bundle(0, &[b"first", b"second"]);
        let tile = TilePath::Hashes(TileId::new(0, 0, 2).expect("id"));
        let objects = [(path, data.clone()), (tile, vec![9; 64])];
        storage.commit(&objects, Some(&checkpoint(0)), &checkpoint(2), 2).expect("commits");

        // Published to the process at once; the directory follows later.
        assert_eq!(same_process.read(&[path]).expect("reads"), [Some(data.clone())]);
        assert_eq!(same_process.read_checkpoint_at(2).expect("reads"), Some(checkpoint(2)));
        assert_eq!(other_process.read(&[path]).expect("reads"), [None]);
        assert_eq!(other_process.read_checkpoint().expect("reads"), Some(checkpoint(0)));
        assert_eq!(names(dir.path()), [".lock", "checkpoint", "journal"]);

        storage.write_out().expect("writes out");
        assert_eq!(other_process.read(&[path]).expect("reads"), [Some(data)]);
        assert_eq!(other_process.read_checkpoint().expect("reads"), Some(checkpoint(2)));
        assert_eq!(other_process.read_checkpoint_at(2).expect("reads"), Some(checkpoint(2)));
        assert_eq!(other_process.read_checkpoint_at(0).expect("reads"), Some(checkpoint(0)));
        assert_eq!(names(dir.path()), [".lock", "checkpoint", "checkpoints", "journal", "tile"]);

        // Another checkpoint than the latest: nothing is committed.
        let (path, data) = bundle(0, &[b"first", b"second", b"third"]);
        let refused = storage.commit(&[(path, data)], Some(&checkpoint(0)), &checkpoint(3), 3);
        assert!(matches!(refused, Err(CommitError::NotPublished(_))), "{refused:?}");
        storage.write_out().expect("writes out");
        assert_eq!(other_process.read_checkpoint().expect("reads"), Some(checkpoint(2)));

        // A signed checkpoint that a crash left aside goes when a writer
        // opens the log.
        drop(storage);
        fs::write(dir.path().join("checkpoint.tmp-1-0"), checkpoint(5)).expect("writes");
        let _storage = FsStorage::open_writer(dir.path()).expect("opens");
        assert_eq!(names(dir.path()), [".lock", "checkpoint", "checkpoints", "journal", "tile"]);
    }

    #[test]
    fn a_partial_tile_never_written_out_at_its_width_is_cut_from_a_wider_one() {
        let dir = tempfile::tempdir().expect("dir");
        let storage = paused_writer(dir.path(), Unwritten::new());
        storage.publish_checkpoint(None, &checkpoint(0), 0).expect("publishes");
        let entries: [&[u8]; 3] = [b"a", b"bb", b"ccc"];
        for size in 1..=3u64 {
            let object = bundle(0, &entries[..size as usize]);
            let old = checkpoint(size - 1);
            storage.commit(&[object], Some(&old), &checkpoint(size), size).expect("commits");
        }
        storage.write_out().expect("writes out");
        assert_eq!(names(&dir.path().join("tile/entries/000.p")), ["3"]);
        let reader = FsStorage::open_reader(dir.path());
        for size in 1..=3usize {
            let (path, data) = bundle(0, &entries[..size]);
            assert_eq!(reader.read(&[path]).expect("reads"), [Some(data)], "width {size}");
        }
        let (wider, _) = bundle(0, &[b"a", b"b", b"c", b"d"]);
        assert_eq!(reader.read(&[wider]).expect("reads"), [None]);
    }

    #[test]
    fn a_crash_before_writing_out_is_replayed_by_the_next_sequencer() {
        let work = tempfile::tempdir().expect("dir");
        let (live, crashed) = (work.path().join("live"), work.path().join("crashed"));
        let storage = paused_writer(&live, Unwritten::new());
        let mut log =
            Sequencer::create(storage, MemoryDedup::default(), key(), ORIGIN).expect("creates");
        let entries: Vec<Vec<u8>> = (0..600).map(|i| format!("entry {i}").into_bytes()).collect();
        for batch in entries.chunks(150) {
            log.append(batch).expect("appends");
        }
        // What the disk holds if the process dies now: the journal only.
        copy_dir(&live, &crashed);
        drop(log);
        let empty = truce_log::Checkpoint::new(ORIGIN, 0, truce_log::EMPTY_ROOT)
            .and_then(|c| c.sign(&key()))
            .expect("signs");
        assert_eq!(
            FsStorage::open_reader(&crashed).read_checkpoint().expect("reads"),
            Some(empty.to_bytes()),
            "nothing was written out"
        );
        let tampered = work.path().join("tampered");
        copy_dir(&crashed, &tampered);

        let storage = FsStorage::open_writer(&crashed).expect("opens");
        assert_eq!(storage.journaled().expect("reads").len(), 4);
        let mut log =
            Sequencer::open(storage, MemoryDedup::default(), key(), ORIGIN).expect("opens");
        assert_eq!(log.checkpoint().size(), 600);
        let last = read_entry(log.storage(), 599, 600).expect("reads");
        assert_eq!(last, Some(entries[599].clone()));
        // Resubmitted entries are found: the dedup index caught up.
        let again = log.append(&entries[10..12]).expect("appends");
        assert!(again.iter().all(|l| l.duplicate), "{again:?}");
        drop(log);
        // Written out on close: the directory alone opens at 600, its
        // tiles giving the signed root.
        let stored = FsStorage::open_reader(&crashed).read_checkpoint().expect("reads");
        let stored = stored.expect("exists");
        let stored =
            VerifiedCheckpoint::verify(&stored, &key().verifier_key(), ORIGIN).expect("verifies");
        assert_eq!(stored.size(), 600);
        let storage = FsStorage::open_writer(&crashed).expect("opens");
        assert!(storage.journaled().expect("reads").is_empty());
        let log = Sequencer::open(storage, MemoryDedup::default(), key(), ORIGIN).expect("opens");
        assert_eq!(log.checkpoint().size(), 600);

        // A journaled entry changed, its record's checksum made to match:
        // the journaled checkpoint does not hold, and the log does not open.
        let segment = tampered.join(journal::JOURNAL).join("0");
        let mut data = fs::read(&segment).expect("reads");
        let at = data.windows(9).position(|w| w == b"entry 300").expect("the entry");
        data[at + 6] = b'9';
        let mut offset = 0;
        loop {
            let len = u32::from_be_bytes(data[offset..offset + 4].try_into().expect("4")) as usize;
            if len == 0 {
                break;
            }
            let crc = crc32fast::hash(&data[offset + 8..offset + 8 + len]);
            data[offset + 4..offset + 8].copy_from_slice(&crc.to_be_bytes());
            offset += 8 + len;
        }
        fs::write(&segment, &data).expect("writes");
        let storage = FsStorage::open_writer(&tampered).expect("opens");
        let error =
            Sequencer::open(storage, MemoryDedup::default(), key(), ORIGIN).err().expect("refused");
        assert!(error.to_string().contains("does not give its signed checkpoint"), "{error}");
    }

    #[test]
    fn a_journaled_key_rotation_is_replayed_and_the_old_key_may_no_longer_sign() {
        let work = tempfile::tempdir().expect("dir");
        let (live, crashed) = (work.path().join("live"), work.path().join("crashed"));
        let new_key = SigningKey::from_seed(KeyName::new(ORIGIN).expect("name"), &[8; 32]);
        let mut log = Sequencer::create(
            paused_writer(&live, Unwritten::new()),
            MemoryDedup::default(),
            key(),
            ORIGIN,
        )
        .expect("creates");
        log.append(&[b"before".to_vec()]).expect("appends");
        log.rotate_key(b"announcement", new_key.clone()).expect("rotates");
        log.append(&[b"after".to_vec()]).expect("appends");
        let signed = log.checkpoint().to_bytes();
        copy_dir(&live, &crashed);
        drop(log);

        // The process died with three commits in the journal, one signed by
        // the old key, the transition by both, one by the new key. Opened
        // with the old key (the configuration not changed yet), the log
        // replays them all, then refuses to sign.
        let storage = FsStorage::open_writer(&crashed).expect("opens");
        assert_eq!(storage.journaled().expect("reads").len(), 3);
        let mut log = Sequencer::open(storage, MemoryDedup::default(), key(), ORIGIN)
            .expect("opens with the old key");
        assert_eq!(log.checkpoint().to_bytes(), signed);
        assert_eq!(log.keys().current(), &new_key.verifier_key());
        let refused = log.append(&[b"late".to_vec()]).expect_err("refused");
        assert!(matches!(refused, SequencerError::KeyRetired { size: 2, .. }), "{refused}");
        drop(log);

        let storage = FsStorage::open_writer(&crashed).expect("opens");
        let mut log = Sequencer::open(storage, MemoryDedup::default(), new_key, ORIGIN)
            .expect("opens with the new key");
        assert_eq!(log.append(&[b"later".to_vec()]).expect("appends")[0].index, 3);
    }

    #[test]
    fn a_checkpoint_enters_the_history_with_the_next_write_and_is_readable_before() {
        let dir = tempfile::tempdir().expect("dir");
        let history = |size: u64| fs::read(dir.path().join(HISTORY).join(size.to_string())).ok();
        let tile = |n: u8| (TilePath::Entries(BundleId::new(0, 1).expect("id")), vec![n]);
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
