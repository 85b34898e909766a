//! A log in an S3-compatible bucket (or any `object_store` backend), laid
//! out exactly as the C2SP tlog-tiles paths, so that any CDN in front of
//! the bucket serves it as a tlog-tiles log.
//!
//! ```text
//! PREFIX/checkpoint                  a copy of the latest published checkpoint
//! PREFIX/tile/<L>/<N>[.p/<W>]        hash tiles
//! PREFIX/tile/entries/<N>[.p/<W>]    entry bundles
//! PREFIX/checkpoints/<N>             every checkpoint published, by tree size
//! ```
//!
//! # Exclusion
//!
//! Object storage cannot be trusted to compare and swap (Garage ignores
//! `If-Match` and `If-None-Match`), so nothing here relies on conditional
//! writes. What must be exclusive is in a [`SequencerLock`]: a lease with a
//! fencing token, and the published checkpoints. The lock's checkpoint is
//! the authoritative one ([`LogStorage::read_checkpoint`] reads it); the
//! bucket's `checkpoint` object is a copy for static readers.
//!
//! A checkpoint is published by a transaction of the lock that checks the
//! writer's token, so a sequencer that lost its lease can never publish.
//! The objects are another matter: a PUT cannot be fenced. They are kept
//! safe by time alone. A writer starts a request (a PUT, a LIST, a DELETE)
//! only while more than a margin (half the lease's time to live) of its
//! lease is left, and abandons any request, retries included, that takes
//! longer than a timeout shorter than the margin (two fifths of the time
//! to live; see [`ObjectStorage::open_writer`]). The lease's
//! remaining time is estimated from before each renewal was asked, so it
//! is never more than the database gives; another sequencer takes over
//! only once the database says the lease expired. So every request of the
//! old sequencer ends, on its side, before the new one can start.
//!
//! # A commit, step by step
//!
//! 1. Wait for the deletions of partial tiles that the previous commit
//!    started (below), so that they do not pile up. *Crash:* nothing of
//!    this commit is written.
//! 2. Check that more than the margin of the lease is left; otherwise fail
//!    with nothing written or published.
//! 3. PUT, concurrently (at most [`CONCURRENCY`] at a time), the new
//!    bundles and tiles, and the previous published checkpoint as
//!    `checkpoints/<size>` if it is not there yet. Each is durable once S3
//!    acknowledges it. *Crash or failure:* the objects beyond the
//!    published checkpoint are orphans that no reader asks for; the next
//!    commit (of this sequencer or of the next) writes the same paths
//!    again. The history object holds a checkpoint that was published.
//!    Nothing is published.
//! 4. (Nothing: the deletion of partial tiles waits for the publish.)
//! 5. Check the margin again: if the writes ate the lease (a renewal
//!    failing meanwhile), give up now, with nothing published.
//! 6. Publish in the lock: one transaction checks the token, that the
//!    latest checkpoint is the one this commit extends and that the size
//!    is new, and records the checkpoint. *Crash before its commit:*
//!    nothing is published and step 3's objects are orphans, as above.
//!    *Crash after:* the checkpoint is published, durably; the sequencer
//!    did not acknowledge the entries; the bucket's copy is stale until
//!    the next writer opens the log (it repairs the copy) or commits. *A
//!    database error:* the sequencer cannot tell (it reopens the log,
//!    which reads the lock); this storage reads the lock's checkpoint
//!    again before its next write, to record the right one in the
//!    history.
//! 7. PUT the new checkpoint as the bucket's `checkpoint` (if the margin
//!    is still left). *Crash or failure:* the checkpoint is published but
//!    static readers see the previous one for now: an older tree of the
//!    same log, never a fork. The next commit writes its own copy, and a
//!    writer that opens the log repairs it.
//! 8. Start deleting, in the background, the partial versions of each
//!    full tile and bundle this commit wrote, now published. *Crash:*
//!    partial tiles are left behind; only space is lost, and the next full
//!    write tries again.
//! 9. The new checkpoint enters `checkpoints/<size>` with the next commit's
//!    objects (step 3), never before it is published: written earlier, a
//!    crash could leave in the history a signed tree that the log never
//!    published. Until then it is in the lock's history.
//!
//! # Partial tiles
//!
//! Once a full tile or bundle is published, its partial versions are
//! deleted in the background (C2SP tlog-tiles allows it; readers fall back
//! to the full tile). Only then: a deletion that ran before the publish,
//! for a commit that was never published, could remove a partial tile that
//! a later commit, which rewrote that tile's range with other entries,
//! publishes, and the readers' fallback would cut the stale full tile.
//! Once the full tile is published, no writer, of this sequencer or of the
//! next, writes its partial versions again, so a deletion is safe whenever
//! it lands, even after the lease ended. Deletions still run under the
//! lease and its margin, and a writer that is dropped abandons those that
//! still run.
//!
//! # What is left to chance
//!
//! * **A frozen process.** A sequencer frozen (a VM paused, a process
//!   stopped, a machine swapping) between its check of the lease and the
//!   end of a request, for longer than the margin, may have a PUT land
//!   after its lease expired and another sequencer took over. If the new
//!   sequencer has meanwhile published a tile of the same path, the stale
//!   PUT replaces it with other entries: the tiles no longer match the
//!   signed checkpoint. That is detected (`Sequencer::open` checks the
//!   right edge against the signed root; auditors and clients check
//!   proofs), not prevented, and it is never a fork: the lock refuses the
//!   frozen sequencer's checkpoint. The same holds for a request that S3
//!   (or a proxy in front of it) applies long after the client gave up.
//! * **One holder name, two processes.** A holder takes its own lease
//!   again at once (that is how a restarted sequencer resumes without
//!   waiting for the expiry). Two live processes with the same holder name
//!   therefore do not exclude each other in time: the older one's
//!   publishes are refused, but it goes on writing objects until its
//!   renewer learns that the lease is lost (within a fifth of the time to
//!   live). A holder name must name one process.
//! * **The database's clock.** Leases expire by the database's clock, the
//!   holder estimates by its own monotonic clock; a step forward of the
//!   database's clock shortens the lease under its holder by as much.
//! * **Durability of the bucket.** An object is as durable as the S3
//!   service makes an acknowledged PUT (AWS S3: durable; Garage: only
//!   with `data_fsync` and `metadata_fsync`).
//!
//! # Threads
//!
//! The trait is synchronous and is called from plain threads and from
//! tokio's blocking threads; requests run on one process-wide runtime of
//! two threads, made on first use, and the caller blocks on them. Never
//! call it from asynchronous code (a tokio worker thread): wrap the call
//! in `spawn_blocking`.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{StreamExt as _, TryStreamExt as _};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{
    BackoffConfig, ClientConfigKey, ObjectMeta, ObjectStore, ObjectStoreExt as _, PutPayload,
    RetryConfig,
};
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;
use truce_log::{BoxError, CommitError, LogStorage, TilePath};

use crate::fs::CHECKPOINT;
use crate::lock::{Lease, SequencerLock};

/// Where the history of checkpoints is, as in a log directory.
const HISTORY: &str = "checkpoints";

/// How many requests of one read or write run at once.
const CONCURRENCY: usize = 16;

/// The S3 client's limits: a request's attempts start within
/// [`RETRY_TIME`] of the first, each lasts at most [`ATTEMPT_TIMEOUT`],
/// with at most a second of backoff before it, so a request gives up
/// within 8 seconds, [`ObjectStorage::REQUEST_TIMEOUT`].
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// See [`CONNECT_TIMEOUT`].
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
/// See [`CONNECT_TIMEOUT`].
const RETRY_TIME: Duration = Duration::from_secs(2);
/// See [`CONNECT_TIMEOUT`].
const MAX_RETRIES: usize = 3;

/// An error of the object storage backend.
#[derive(Debug, thiserror::Error)]
enum ObjectError {
    /// A request failed.
    #[error("{action} {path}: {source}")]
    Store { action: &'static str, path: Path, source: object_store::Error },
    /// A request took too long and was abandoned.
    #[error("{action} {path}: no answer within {after:?}")]
    Timeout { action: &'static str, path: Path, after: Duration },
    /// Too little of the lease is left to start a write.
    #[error(
        "the sequencer lease has {remaining:?} left, not more than the margin of {margin:?}: \
         stopped before {step}"
    )]
    LeaseEnding { remaining: Duration, margin: Duration, step: &'static str },
    /// The sequencer lock failed.
    #[error("sequencer lock: {0}")]
    Lock(BoxError),
    /// The lock's checkpoint does not parse.
    #[error("the sequencer lock's latest checkpoint is not a checkpoint")]
    NotACheckpoint,
    /// The storage was opened for reading.
    #[error("the log in object storage is open for reading only")]
    ReadOnly,
    /// The runtime that runs the requests could not start.
    #[error("cannot start the object storage runtime: {0}")]
    Runtime(std::io::Error),
}

/// The process-wide runtime on which every request runs. A connection
/// pool belongs to the runtime that made its connections, so there is one
/// runtime, made once, rather than one per call.
fn runtime() -> Result<&'static Runtime, ObjectError> {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    if let Some(runtime) = RUNTIME.get() {
        return Ok(runtime);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("truce-object-store")
        .enable_all()
        .build()
        .map_err(ObjectError::Runtime)?;
    // Two threads may both have built one: the first set is kept, the
    // other, never used, dropped.
    Ok(RUNTIME.get_or_init(|| runtime))
}

/// The requests of one storage: the store, the deadline of each request
/// and, for a writer, its lease and margin.
#[derive(Clone)]
struct Client {
    store: Arc<dyn ObjectStore>,
    timeout: Duration,
    lease: Option<(Arc<Lease>, Duration)>,
}

impl Client {
    /// Whether `step`, a write, may start now: only while more than the
    /// margin of the lease is left.
    fn may(&self, step: &'static str) -> Result<(), ObjectError> {
        let Some((lease, margin)) = &self.lease else { return Err(ObjectError::ReadOnly) };
        let remaining = lease.remaining();
        if remaining <= *margin {
            return Err(ObjectError::LeaseEnding { remaining, margin: *margin, step });
        }
        Ok(())
    }

    /// Runs `request`, abandoning it after the timeout.
    async fn within<T>(
        &self,
        action: &'static str,
        path: &Path,
        request: impl Future<Output = object_store::Result<T>>,
    ) -> Result<T, ObjectError> {
        match tokio::time::timeout(self.timeout, request).await {
            Ok(result) => {
                result.map_err(|source| ObjectError::Store { action, path: path.clone(), source })
            }
            Err(_) => Err(ObjectError::Timeout { action, path: path.clone(), after: self.timeout }),
        }
    }

    /// The object at `path`, or `None` if there is none.
    async fn get(&self, path: &Path) -> Result<Option<Bytes>, ObjectError> {
        let request = async { self.store.get(path).await?.bytes().await };
        match self.within("read", path, request).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(ObjectError::Store { source: object_store::Error::NotFound { .. }, .. }) => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Writes `data` at `path`, if the lease allows a write.
    async fn put(&self, path: &Path, data: Bytes) -> Result<(), ObjectError> {
        self.may("writing")?;
        self.within("write", path, self.store.put(path, PutPayload::from(data))).await?;
        Ok(())
    }

    /// Writes every object, several at a time; the first error stops the
    /// others.
    async fn put_all(&self, objects: &[(Path, Bytes)]) -> Result<(), ObjectError> {
        futures_util::stream::iter(objects)
            .map(|(path, data)| self.put(path, data.clone()))
            .buffer_unordered(CONCURRENCY)
            .try_collect()
            .await
    }

    /// Whether any tile or bundle is there: a bucket whose `checkpoint` copy
    /// was lost may still hold a log.
    async fn holds_tiles(&self) -> Result<bool, ObjectError> {
        let tiles = Path::from("tile");
        let first = self.store.list(Some(&tiles)).take(1).try_collect::<Vec<ObjectMeta>>();
        Ok(!self.within("list", &tiles, first).await?.is_empty())
    }

    /// Deletes the partial versions of the full tile or bundle at `full`.
    ///
    /// SPEC(tlog-tiles): "logs MAY delete any partial tile once the
    /// corresponding full tile is either available".
    async fn delete_partials(&self, full: &TilePath) -> Result<(), ObjectError> {
        let partials = Path::from(format!("{full}.p"));
        self.may("listing")?;
        let listed: Vec<ObjectMeta> =
            self.within("list", &partials, self.store.list(Some(&partials)).try_collect()).await?;
        if listed.is_empty() {
            return Ok(());
        }
        self.may("deleting")?;
        let locations = futures_util::stream::iter(listed.into_iter().map(|o| Ok(o.location)));
        let deleted = self.store.delete_stream(locations.boxed()).try_collect::<Vec<Path>>();
        self.within("delete", &partials, deleted).await?;
        Ok(())
    }
}

/// A log in object storage, opened for reading or for writing.
pub struct ObjectStorage {
    client: Client,
    lock: Arc<dyn SequencerLock>,
    /// What a writer still owes the bucket; `None` for a reader.
    writer: Option<Mutex<WriterState>>,
}

/// What a writer owes the bucket.
#[derive(Default)]
struct WriterState {
    /// The latest published checkpoint and its tree size, as this writer
    /// knows it (while its lease runs, nobody else publishes).
    published: Option<(u64, Vec<u8>)>,
    /// Whether `published` is in the history objects.
    recorded: bool,
    /// Whether a publish failed in a way that leaves `published` unsure:
    /// the next write reads it from the lock again.
    unsure: bool,
    /// Deletions of partial tiles that may still run.
    cleanups: Vec<JoinHandle<()>>,
}

impl Drop for ObjectStorage {
    /// Abandons the deletions of partial tiles that still run: they are
    /// best effort, and safe whenever they land (see the module's
    /// documentation).
    fn drop(&mut self) {
        if let Some(state) = &self.writer {
            let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
            for cleanup in state.cleanups.drain(..) {
                cleanup.abort();
            }
        }
    }
}

impl std::fmt::Debug for ObjectStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectStorage")
            .field("store", &self.client.store.to_string())
            .field("writer", &self.writer.is_some())
            .finish_non_exhaustive()
    }
}

impl ObjectStorage {
    /// How long a reader's request may take, retries included, before it
    /// is abandoned.
    pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(8);

    /// Opens the log in `store` for reading; its checkpoints are in `lock`.
    pub fn open_reader(store: Arc<dyn ObjectStore>, lock: Arc<dyn SequencerLock>) -> ObjectStorage {
        let client = Client { store, timeout: ObjectStorage::REQUEST_TIMEOUT, lease: None };
        ObjectStorage { client, lock, writer: None }
    }

    /// Opens the log in `store` for writing under `lease`, and makes the
    /// bucket's `checkpoint` the lock's. The margin is half the lease's
    /// time to live (renewed every third of it, a lease whose renewals
    /// succeed never falls below it) and a request is abandoned after two
    /// fifths of it: a sequencer whose renewals fail stops writing, and
    /// its last request ends, before the lease can expire.
    pub fn open_writer(
        store: Arc<dyn ObjectStore>,
        lease: Arc<Lease>,
    ) -> Result<ObjectStorage, BoxError> {
        let ttl = lease.ttl();
        ObjectStorage::open_writer_with_timeouts(store, lease, ttl / 2, ttl * 2 / 5)
    }

    /// [`ObjectStorage::open_writer`] with another margin and request
    /// timeout (shorter than the margin), e.g. for short leases in tests.
    pub fn open_writer_with_timeouts(
        store: Arc<dyn ObjectStore>,
        lease: Arc<Lease>,
        margin: Duration,
        request_timeout: Duration,
    ) -> Result<ObjectStorage, BoxError> {
        if request_timeout >= margin {
            return Err(format!(
                "the request timeout ({request_timeout:?}) must be shorter than the margin \
                 ({margin:?})"
            )
            .into());
        }
        if lease.ttl() < 2 * margin {
            return Err(format!(
                "a sequencer lease of {:?} is too short for object storage: writes stop {margin:?} \
                 before it ends, so it needs at least {:?}",
                lease.ttl(),
                2 * margin
            )
            .into());
        }
        let lock = lease.lock().clone();
        let client = Client { store, timeout: request_timeout, lease: Some((lease, margin)) };
        let runtime = runtime()?;
        let copy = runtime.block_on(client.get(&Path::from(CHECKPOINT)))?;
        let published = latest(lock.as_ref())?;
        let published = match published {
            Some(published) => Some(published),
            // Signing an empty tree here would fork that log.
            None if copy.is_some() || runtime.block_on(client.holds_tiles())? => {
                return Err("the bucket holds a log but the sequencer lock has no checkpoint: \
                            publish the bucket's checkpoint in the lock first"
                    .into());
            }
            None => None,
        };
        // A takeover repairs the copy that the previous sequencer left
        // stale (it stopped between publishing and copying).
        match &published {
            Some((_, bytes)) if copy.as_deref() != Some(bytes.as_slice()) => {
                let bytes = Bytes::copy_from_slice(bytes);
                runtime.block_on(client.put(&Path::from(CHECKPOINT), bytes))?;
            }
            _ => {}
        }
        let state = WriterState { published, ..WriterState::default() };
        Ok(ObjectStorage { client, lock, writer: Some(Mutex::new(state)) })
    }

    /// Records checkpoints published before the log came to this bucket
    /// (a migrated log) in its history, `checkpoints/<size>`, where
    /// [`LogStorage::read_checkpoint_at`] finds them. Only checkpoints
    /// smaller than the latest published one belong there; the caller
    /// verified them.
    pub fn write_history(&self, checkpoints: &[(u64, Vec<u8>)]) -> Result<(), BoxError> {
        let _state = self.writer_state()?;
        self.client.may("writing the history")?;
        let files: Vec<(Path, Bytes)> = checkpoints
            .iter()
            .map(|(size, note)| (history_path(*size), Bytes::copy_from_slice(note)))
            .collect();
        Ok(runtime()?.block_on(self.client.put_all(&files))?)
    }

    /// Waits until the deletions of partial tiles that earlier writes
    /// started have ended (deleted, or given up: they are best effort).
    pub fn wait_for_cleanup(&self) -> Result<(), BoxError> {
        if let Some(state) = &self.writer {
            let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
            finish_cleanups(runtime()?, &mut state);
        }
        Ok(())
    }

    fn writer_state(&self) -> Result<MutexGuard<'_, WriterState>, ObjectError> {
        let state = self.writer.as_ref().ok_or(ObjectError::ReadOnly)?;
        Ok(state.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Steps 1 to 3 of a commit: the objects, with the history object the
    /// writer owes.
    fn write_objects(
        &self,
        runtime: &Runtime,
        state: &mut WriterState,
        objects: &[(TilePath, Vec<u8>)],
    ) -> Result<(), ObjectError> {
        // 1. A deletion left running could remove a partial tile written
        // below.
        finish_cleanups(runtime, state);
        if state.unsure {
            state.published = latest(self.lock.as_ref())?;
            state.recorded = false;
            state.unsure = false;
        }
        // 2.
        self.client.may("writing")?;
        // 3.
        // SPEC(tlog-tiles): tiles at `<prefix>/tile/<L>/<N>[.p/<W>]`,
        // bundles at `<prefix>/tile/entries/<N>[.p/<W>]`.
        let mut files: Vec<(Path, Bytes)> = objects
            .iter()
            .map(|(path, data)| (Path::from(path.to_string()), Bytes::copy_from_slice(data)))
            .collect();
        if let Some((size, checkpoint)) = state.published.as_ref().filter(|_| !state.recorded) {
            files.push((history_path(*size), Bytes::copy_from_slice(checkpoint)));
        }
        runtime.block_on(self.client.put_all(&files))?;
        state.recorded = true;
        Ok(())
    }
}

/// Waits for the deletions of partial tiles still running. Each request
/// of theirs has a deadline, so this ends.
fn finish_cleanups(runtime: &Runtime, state: &mut WriterState) {
    for cleanup in state.cleanups.drain(..) {
        // A deletion that panicked deleted nothing more: nothing to do.
        let _ = runtime.block_on(cleanup);
    }
}

/// The lock's latest checkpoint, with its tree size.
fn latest(lock: &dyn SequencerLock) -> Result<Option<(u64, Vec<u8>)>, ObjectError> {
    let Some(bytes) = lock.checkpoint().map_err(ObjectError::Lock)? else { return Ok(None) };
    let size = truce_log::Checkpoint::size_unverified(&bytes).ok_or(ObjectError::NotACheckpoint)?;
    Ok(Some((size, bytes)))
}

/// The history object of the checkpoint of tree size `size`.
fn history_path(size: u64) -> Path {
    Path::from(format!("{HISTORY}/{size}"))
}

fn is_full(path: &TilePath) -> bool {
    match path {
        TilePath::Hashes(tile) => tile.is_full(),
        TilePath::Entries(bundle) => bundle.is_full(),
        _ => false,
    }
}

/// The object store of an S3 bucket, configured from the `AWS_*`
/// environment variables, under `prefix`: every request gives up within
/// [`ObjectStorage::REQUEST_TIMEOUT`], retries included.
pub(crate) fn s3_store(bucket: &str, prefix: &str) -> Result<Arc<dyn ObjectStore>, BoxError> {
    s3_store_with(bucket, prefix, ATTEMPT_TIMEOUT)
}

/// [`s3_store`] with another limit on each attempt of a request, for
/// objects larger than the log's.
pub(crate) fn s3_store_with(
    bucket: &str,
    prefix: &str,
    attempt_timeout: Duration,
) -> Result<Arc<dyn ObjectStore>, BoxError> {
    let millis = |d: Duration| format!("{}ms", d.as_millis());
    let s3 = AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .with_config(
            AmazonS3ConfigKey::Client(ClientConfigKey::ConnectTimeout),
            millis(CONNECT_TIMEOUT),
        )
        .with_config(AmazonS3ConfigKey::Client(ClientConfigKey::Timeout), millis(attempt_timeout))
        .with_retry(RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(1),
                base: 2.0,
            },
            max_retries: MAX_RETRIES,
            retry_timeout: RETRY_TIME,
        })
        .build()?;
    let prefix = prefix.trim_matches('/');
    Ok(if prefix.is_empty() { Arc::new(s3) } else { Arc::new(PrefixStore::new(s3, prefix)) })
}

impl LogStorage for ObjectStorage {
    fn read_checkpoint(&self) -> Result<Option<Vec<u8>>, BoxError> {
        self.lock.checkpoint()
    }

    fn read(&self, paths: &[TilePath]) -> Result<Vec<Option<Vec<u8>>>, BoxError> {
        let paths: Vec<Path> = paths.iter().map(|p| Path::from(p.to_string())).collect();
        let found: Vec<Option<Bytes>> = runtime()?.block_on(
            futures_util::stream::iter(&paths)
                .map(|path| self.client.get(path))
                .buffered(CONCURRENCY)
                .try_collect(),
        )?;
        Ok(found.into_iter().map(|o| o.map(Vec::from)).collect())
    }

    fn write(&self, objects: &[(TilePath, Vec<u8>)]) -> Result<(), BoxError> {
        let mut state = self.writer_state()?;
        Ok(self.write_objects(runtime()?, &mut state, objects)?)
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

    fn read_checkpoint_at(&self, size: u64) -> Result<Option<Vec<u8>>, BoxError> {
        if let Some(checkpoint) = self.lock.checkpoint_at(size)? {
            return Ok(Some(checkpoint));
        }
        // A log migrated into the bucket has its older history there only.
        Ok(runtime()?.block_on(self.client.get(&history_path(size)))?.map(Vec::from))
    }

    fn commit(
        &self,
        objects: &[(TilePath, Vec<u8>)],
        old: Option<&[u8]>,
        new: &[u8],
        size: u64,
    ) -> Result<(), CommitError> {
        let not_published = |e: ObjectError| CommitError::NotPublished(e.into());
        let mut state = self.writer_state().map_err(not_published)?;
        let runtime = runtime().map_err(not_published)?;
        // 1-3.
        self.write_objects(runtime, &mut state, objects).map_err(not_published)?;
        // 5.
        self.client.may("publishing").map_err(not_published)?;
        // 6.
        let Some((lease, _)) = &self.client.lease else {
            return Err(not_published(ObjectError::ReadOnly));
        };
        match self.lock.publish(lease.token(), old, new, size) {
            Ok(()) => {}
            Err(e) if e.not_published() => return Err(CommitError::NotPublished(e.into())),
            Err(e) => {
                state.unsure = true;
                return Err(CommitError::MaybePublished(e.into()));
            }
        }
        state.published = Some((size, new.to_vec()));
        state.recorded = false;
        // 7. The checkpoint is published whatever happens now.
        // SPEC(tlog-tiles): the checkpoint at `<prefix>/checkpoint`.
        let copy = Bytes::copy_from_slice(new);
        if let Err(e) = runtime.block_on(self.client.put(&Path::from(CHECKPOINT), copy)) {
            tracing::warn!(
                size,
                error = %e,
                "the checkpoint is published but the bucket's copy is stale until the next commit"
            );
        }
        // 8.
        for (path, _) in objects.iter().filter(|(path, _)| is_full(path)) {
            let (client, path) = (self.client.clone(), *path);
            state.cleanups.push(runtime.spawn(async move {
                // Best effort: a partial tile left behind is only wasted
                // space, and the next full write of it tries again.
                if let Err(e) = client.delete_partials(&path).await {
                    tracing::debug!(error = %e, "partial tiles of {path} not deleted");
                }
                // The lease is released by its last holder, which may be
                // this task: not on a worker thread, where a lock's
                // blocking client cannot run.
                drop(tokio::task::spawn_blocking(move || drop(client)));
            }));
        }
        Ok(())
    }
}
