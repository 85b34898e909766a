//! `ObjectStorage` against a real S3 server (Garage, started by
//! `scripts/services`): the `LogStorage` contract, a sequencer over it
//! giving the same bytes as over a directory, failures while committing,
//! and a sequencer that lost its lease.
//!
//! Each test takes a prefix of its own in the test bucket
//! (`truce_testkit::s3`) and skips when the servers do not run (unless
//! `TRUCE_TEST_SERVICES=required`).

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::Path as FsPath;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt as _, TryStreamExt as _};
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    ObjectStoreExt as _, PutMultipartOptions, PutOptions, PutPayload, PutResult,
};
use truce_log::{
    BundleId, Checkpoint, CommitError, Hash, LogStorage, MemoryDedup, Sequencer, TileId, TilePath,
    bundles_for_size, encode_bundle, encode_tile, read_objects, tiles_for_size,
};
use truce_note::{KeyName, SigningKey};
use truce_store::{
    FsStorage, Lease, ObjectStorage, PgLock, PublishError, SequencerLock, SqliteLock,
    StorageLocation, s3_store,
};

const ORIGIN: &str = "test.example/log";

fn key() -> SigningKey {
    SigningKey::from_seed(KeyName::new(ORIGIN).expect("name"), &[7; 32])
}

/// A signed checkpoint of `size` with a made-up root.
fn checkpoint(size: u64) -> Vec<u8> {
    Checkpoint::new(ORIGIN, size, Hash([size as u8; 32]))
        .and_then(|c| c.sign(&key()))
        .expect("signs")
        .to_bytes()
}

/// The bucket and a fresh prefix, if the S3 server runs.
fn place() -> Option<(String, String)> {
    let url = truce_testkit::s3()?;
    match url.parse::<StorageLocation>().expect("an s3:// location") {
        StorageLocation::S3 { bucket, prefix } => Some((bucket, prefix)),
        other => panic!("not a bucket: {other}"),
    }
}

/// A lock in a temporary SQLite file.
fn sqlite_lock(dir: &tempfile::TempDir) -> Arc<dyn SequencerLock> {
    Arc::new(SqliteLock::open(&dir.path().join("sequencer.sqlite")).expect("opens"))
}

fn lease(lock: &Arc<dyn SequencerLock>, holder: &str, ttl: Duration) -> Arc<Lease> {
    Arc::new(Lease::try_acquire(lock.clone(), holder, ttl).expect("asks").expect("free"))
}

const TTL: Duration = Duration::from_secs(30);

/// Every object under the prefix, read with a client of its own (its own
/// runtime, its own connections).
fn bucket_objects(bucket: &str, prefix: &str) -> BTreeMap<String, Vec<u8>> {
    let store = s3_store(bucket, prefix).expect("store");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
    runtime.block_on(async {
        let listed: Vec<ObjectMeta> = store.list(None).try_collect().await.expect("lists");
        let mut objects = BTreeMap::new();
        for meta in listed {
            let data = store.get(&meta.location).await.expect("gets").bytes().await.expect("body");
            objects.insert(meta.location.to_string(), data.to_vec());
        }
        objects
    })
}

/// One object of the prefix, read with a client of its own.
fn bucket_object(bucket: &str, prefix: &str, path: &str) -> Option<Vec<u8>> {
    let store = s3_store(bucket, prefix).expect("store");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
    runtime.block_on(async {
        match store.get(&Path::from(path)).await {
            Ok(found) => Some(found.bytes().await.expect("body").to_vec()),
            Err(object_store::Error::NotFound { .. }) => None,
            Err(e) => panic!("get {path}: {e}"),
        }
    })
}

/// Puts an object with a client of its own.
fn put_object(bucket: &str, prefix: &str, path: &str, data: &[u8]) {
    let store = s3_store(bucket, prefix).expect("store");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
    runtime.block_on(store.put(&Path::from(path), PutPayload::from(data.to_vec()))).expect("puts");
}

/// Every file under `dir` but the lock file, by its path relative to it.
fn dir_objects(dir: &FsPath) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &FsPath, dir: &FsPath, into: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("lists") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(root, &path, into);
            } else {
                let name = path.strip_prefix(root).expect("under").to_string_lossy().into_owned();
                // Not the layout: the lock, and the journal that a
                // directory commits to before it writes tiles out.
                if name != ".lock" && !name.starts_with("journal/") {
                    into.insert(name, std::fs::read(&path).expect("reads"));
                }
            }
        }
    }
    let mut objects = BTreeMap::new();
    walk(dir, dir, &mut objects);
    objects
}

fn bundle(index: u64, width: u16) -> TilePath {
    TilePath::Entries(BundleId::new(index, width).expect("id"))
}

fn tile(level: u8, index: u64, width: u16) -> TilePath {
    TilePath::Hashes(TileId::new(level, index, width).expect("id"))
}

#[test]
fn objects_read_back_and_missing_ones_are_none() {
    let Some((bucket, prefix)) = place() else { return };
    let dir = tempfile::tempdir().expect("dir");
    let lock = sqlite_lock(&dir);
    let store = s3_store(&bucket, &prefix).expect("store");
    let writer = ObjectStorage::open_writer(store.clone(), lease(&lock, "a", TTL)).expect("opens");
    let reader = ObjectStorage::open_reader(store, lock.clone());

    let (a, b) = (bundle(0, 2), tile(0, 0, 2));
    assert_eq!(writer.read(&[a, b]).expect("reads"), [None, None]);
    assert_eq!(writer.read_checkpoint().expect("reads"), None);
    assert_eq!(writer.read_checkpoint_at(0).expect("reads"), None);
    writer.write(&[(a, vec![0, 1, 7, 0, 1, 8])]).expect("writes");
    for storage in [&writer, &reader] {
        assert_eq!(storage.read(&[a, b]).expect("reads"), [Some(vec![0, 1, 7, 0, 1, 8]), None]);
    }
    // Beyond the checkpoint, an object may be written again.
    writer.write(&[(a, vec![0, 1, 9, 0, 1, 8]), (b, vec![3; 64])]).expect("writes");
    for storage in [&writer, &reader] {
        let read = storage.read(&[b, a]).expect("reads");
        assert_eq!(read, [Some(vec![3; 64]), Some(vec![0, 1, 9, 0, 1, 8])]);
    }
    // The layout is tlog-tiles'.
    let objects = bucket_objects(&bucket, &prefix);
    let names: Vec<&str> = objects.keys().map(String::as_str).collect();
    assert_eq!(names, ["tile/0/000.p/2", "tile/entries/000.p/2"]);

    // A reader cannot write.
    assert!(reader.write(&[(a, vec![1])]).is_err());
    assert!(reader.publish_checkpoint(None, &checkpoint(0), 0).is_err());
    assert_eq!(lock.checkpoint().expect("reads"), None);
}

#[test]
fn partial_tiles_go_once_the_full_tile_is_published_and_readers_fall_back_to_it() {
    let Some((bucket, prefix)) = place() else { return };
    let dir = tempfile::tempdir().expect("dir");
    let lock = sqlite_lock(&dir);
    let store = s3_store(&bucket, &prefix).expect("store");
    let writer = ObjectStorage::open_writer(store.clone(), lease(&lock, "a", TTL)).expect("opens");
    let reader = ObjectStorage::open_reader(store, lock);

    let entries: Vec<Vec<u8>> = (0..256u32).map(|i| format!("entry {i}").into_bytes()).collect();
    let hashes: Vec<Hash> = (0..256u32).map(|i| Hash([i as u8; 32])).collect();
    let partial_bundle = encode_bundle(&entries[..3]).expect("bundle");
    let partial_tile = encode_tile(&hashes[..5]);
    writer
        .write(&[(bundle(0, 3), partial_bundle.clone()), (tile(0, 0, 5), partial_tile.clone())])
        .expect("writes");
    writer.write(&[(bundle(0, 7), encode_bundle(&entries[..7]).expect("bundle"))]).expect("writes");
    let full = [
        (bundle(0, 256), encode_bundle(&entries).expect("bundle")),
        (tile(0, 0, 256), encode_tile(&hashes)),
    ];
    // Written but not published: the partial versions stay.
    writer.write(&full).expect("writes");
    writer.wait_for_cleanup().expect("waits");
    assert_eq!(bucket_objects(&bucket, &prefix).len(), 5, "nothing deleted yet");

    writer.commit(&full, None, &checkpoint(256), 256).expect("commits");
    writer.wait_for_cleanup().expect("waits");
    let names: Vec<String> = bucket_objects(&bucket, &prefix).into_keys().collect();
    assert_eq!(
        names,
        ["checkpoint", "tile/0/000", "tile/entries/000"],
        "the partial versions are gone"
    );
    assert_eq!(reader.read(&[bundle(0, 3), tile(0, 0, 5)]).expect("reads"), [None, None]);
    let cut = read_objects(&reader, &[bundle(0, 3), tile(0, 0, 5)]).expect("reads");
    assert_eq!(cut, [Some(partial_bundle), Some(partial_tile)]);
}

/// A lock that checks, whenever a checkpoint is published, that the
/// bucket already holds every tile and bundle of its tree and the history
/// object of the previous checkpoint.
struct CheckingLock {
    inner: Arc<dyn SequencerLock>,
    /// The tiles, read through a reader.
    tiles: ObjectStorage,
    /// The bucket, read with a client of its own.
    bucket: (String, String),
    publishes: Mutex<u64>,
}

impl CheckingLock {
    fn new(inner: Arc<dyn SequencerLock>, bucket: &str, prefix: &str) -> Arc<CheckingLock> {
        let store = s3_store(bucket, prefix).expect("store");
        let tiles = ObjectStorage::open_reader(store, inner.clone());
        let bucket = (bucket.to_owned(), prefix.to_owned());
        Arc::new(CheckingLock { inner, tiles, bucket, publishes: Mutex::new(0) })
    }
}

impl SequencerLock for CheckingLock {
    fn try_acquire(&self, holder: &str, ttl: Duration) -> Result<Option<u64>, truce_log::BoxError> {
        self.inner.try_acquire(holder, ttl)
    }
    fn renew(&self, token: u64, ttl: Duration) -> Result<bool, truce_log::BoxError> {
        self.inner.renew(token, ttl)
    }
    fn release(&self, token: u64) -> Result<(), truce_log::BoxError> {
        self.inner.release(token)
    }
    fn checkpoint(&self) -> Result<Option<Vec<u8>>, truce_log::BoxError> {
        self.inner.checkpoint()
    }
    fn checkpoint_at(&self, size: u64) -> Result<Option<Vec<u8>>, truce_log::BoxError> {
        self.inner.checkpoint_at(size)
    }
    fn publish(
        &self,
        token: u64,
        old: Option<&[u8]>,
        new: &[u8],
        size: u64,
    ) -> Result<(), PublishError> {
        let mut paths: Vec<TilePath> = tiles_for_size(size).map(TilePath::Hashes).collect();
        paths.extend(bundles_for_size(size).map(TilePath::Entries));
        let found = self.tiles.read(&paths).expect("reads");
        for (path, found) in paths.iter().zip(found) {
            assert!(found.is_some(), "{path} is not written before size {size} is published");
        }
        if let Some(old) = old {
            // The previous checkpoint enters the history with this
            // commit's objects.
            let path = format!("checkpoints/{}", size_of(old));
            let history = bucket_object(&self.bucket.0, &self.bucket.1, &path);
            assert_eq!(history.as_deref(), Some(old), "{path}");
        }
        *self.publishes.lock().expect("counter") += 1;
        self.inner.publish(token, old, new, size)
    }
}

/// The tree size of a checkpoint.
fn size_of(checkpoint: &[u8]) -> u64 {
    let note = truce_note::UnverifiedNote::parse(checkpoint).expect("note");
    Checkpoint::parse(note.text_unverified()).expect("checkpoint").size()
}

fn entries(range: Range<u32>) -> Vec<Vec<u8>> {
    // Sizes vary, so bundles are not all alike.
    range.map(|i| format!("entry {i} {}", "x".repeat((i % 97) as usize)).into_bytes()).collect()
}

/// A sequencer over a bucket writes, byte for byte, what one over a
/// directory writes, through batches and a reopening. (The directory
/// writes out only the newest width of a partial tile, when its journal is
/// written out; the bucket writes every commit's.)
fn sequencer_matches_a_directory(lock: Arc<dyn SequencerLock>) {
    let Some((bucket, prefix)) = place() else { return };
    let store = s3_store(&bucket, &prefix).expect("store");
    let checking = CheckingLock::new(lock, &bucket, &prefix);
    let lock: Arc<dyn SequencerLock> = checking.clone();
    let dir = tempfile::tempdir().expect("dir");
    let fs_storage = FsStorage::open_writer(dir.path()).expect("opens");
    let mut fs_log =
        Sequencer::create(fs_storage, MemoryDedup::default(), key(), ORIGIN).expect("creates");
    let mut append_both = |log: &mut Sequencer<&ObjectStorage, MemoryDedup>, batch: Range<u32>| {
        let batch = entries(batch);
        assert_eq!(log.append(&batch).expect("appends"), fs_log.append(&batch).expect("appends"));
        assert_eq!(log.checkpoint().to_bytes(), fs_log.checkpoint().to_bytes());
        fs_log.checkpoint().to_bytes()
    };

    let storage = ObjectStorage::open_writer(store.clone(), lease(&lock, "a", TTL)).expect("opens");
    let mut log =
        Sequencer::create(&storage, MemoryDedup::default(), key(), ORIGIN).expect("creates");
    for batch in [0..1, 1..3, 3..303, 303..304] {
        append_both(&mut log, batch);
    }
    drop(log);
    drop(storage);

    // Reopened, under a new lease: the same log.
    let storage = ObjectStorage::open_writer(store.clone(), lease(&lock, "b", TTL)).expect("opens");
    let mut log = Sequencer::open(&storage, MemoryDedup::default(), key(), ORIGIN).expect("opens");
    assert_eq!(log.checkpoint().size(), 304);
    let again = log.append(&entries(1..2)).expect("appends");
    assert!(again[0].duplicate && again[0].index == 1, "{again:?}");
    let mut last = Vec::new();
    for batch in [304..560, 560..1560, 1560..1567, 1567..1823] {
        last = append_both(&mut log, batch);
    }
    assert_eq!(log.checkpoint().size(), 1823);
    drop(log);
    storage.wait_for_cleanup().expect("waits");
    // Each publish was checked: creating, and the eight batches.
    assert_eq!(*checking.publishes.lock().expect("counter"), 9);

    drop(fs_log);
    let in_bucket = bucket_objects(&bucket, &prefix);
    let in_dir = dir_objects(dir.path());
    let only_in_bucket: Vec<&String> =
        in_bucket.keys().filter(|name| !in_dir.contains_key(*name)).collect();
    assert!(
        only_in_bucket.iter().all(|name| name.contains(".p/")),
        "only partial tiles of intermediate widths are not in the directory: {only_in_bucket:?}"
    );
    assert!(!only_in_bucket.is_empty(), "the bucket keeps every commit's partial tiles");
    for (name, data) in &in_dir {
        // The directory's write-out puts the latest checkpoint in the
        // history too; the bucket does with its next commit.
        if name == "checkpoints/1823" {
            assert_eq!(*data, last);
            continue;
        }
        assert!(in_bucket.get(name) == Some(data), "{name} differs");
    }
    // The history reads back through a reader.
    let reader = ObjectStorage::open_reader(store, lock.clone());
    for size in [0, 1, 3, 303, 1567, 1823] {
        let stored = reader.read_checkpoint_at(size).expect("reads").expect("kept");
        assert_eq!(size_of(&stored), size);
        if size < 1823 {
            assert_eq!(Some(&stored), in_dir.get(&format!("checkpoints/{size}")));
        }
    }
    assert_eq!(reader.read_checkpoint().expect("reads"), Some(last));
}

#[test]
fn a_sequencer_over_a_bucket_and_sqlite_writes_what_one_over_a_directory_writes() {
    let dir = tempfile::tempdir().expect("dir");
    sequencer_matches_a_directory(sqlite_lock(&dir));
}

#[test]
fn a_sequencer_over_a_bucket_and_postgres_writes_what_one_over_a_directory_writes() {
    let Some(url) = truce_testkit::postgres() else { return };
    sequencer_matches_a_directory(Arc::new(PgLock::connect(&url).expect("connects")));
}

#[test]
fn the_history_of_a_migrated_log_is_read_from_the_bucket() {
    let Some((bucket, prefix)) = place() else { return };
    let dir = tempfile::tempdir().expect("dir");
    let lock = sqlite_lock(&dir);
    let store = s3_store(&bucket, &prefix).expect("store");
    put_object(&bucket, &prefix, "checkpoints/7", &checkpoint(7));
    let reader = ObjectStorage::open_reader(store.clone(), lock.clone());
    assert_eq!(reader.read_checkpoint_at(7).expect("reads"), Some(checkpoint(7)));
    assert_eq!(reader.read_checkpoint_at(8).expect("reads"), None);

    // A bucket with a log the lock does not know: a writer would fork it.
    put_object(&bucket, &prefix, "checkpoint", &checkpoint(8));
    let refused = ObjectStorage::open_writer(store.clone(), lease(&lock, "a", TTL));
    let error = refused.expect_err("refused").to_string();
    assert!(error.contains("no checkpoint"), "{error}");
    // Once imported into the lock, it is the log's.
    let importer = lease(&lock, "a", TTL);
    lock.publish(importer.token(), None, &checkpoint(8), 8).expect("imports");
    drop(importer);
    let writer = ObjectStorage::open_writer(store, lease(&lock, "a", TTL)).expect("opens");
    assert_eq!(writer.read_checkpoint().expect("reads"), Some(checkpoint(8)));
    assert_eq!(writer.read_checkpoint_at(7).expect("reads"), Some(checkpoint(7)));
}

#[test]
fn a_writer_that_opens_repairs_a_stale_checkpoint_copy() {
    let Some((bucket, prefix)) = place() else { return };
    let dir = tempfile::tempdir().expect("dir");
    let lock = sqlite_lock(&dir);
    let store = s3_store(&bucket, &prefix).expect("store");
    let writer = ObjectStorage::open_writer(store.clone(), lease(&lock, "a", TTL)).expect("opens");
    writer.publish_checkpoint(None, &checkpoint(0), 0).expect("publishes");
    writer.publish_checkpoint(Some(&checkpoint(0)), &checkpoint(2), 2).expect("publishes");
    assert_eq!(bucket_object(&bucket, &prefix, "checkpoint"), Some(checkpoint(2)));
    // What a sequencer that stopped between the publish and the copy
    // leaves.
    put_object(&bucket, &prefix, "checkpoint", &checkpoint(0));
    drop(writer);
    let _writer = ObjectStorage::open_writer(store, lease(&lock, "b", TTL)).expect("opens");
    assert_eq!(bucket_object(&bucket, &prefix, "checkpoint"), Some(checkpoint(2)));
}

/// What a [`Faulty`] store does to the next write of a path.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// Fails and writes nothing.
    Lose,
    /// Writes, then fails.
    Keep,
}

/// An object store that fails writes on demand, once per fault, and
/// lists slowly on demand.
#[derive(Debug)]
struct Faulty {
    inner: Arc<dyn ObjectStore>,
    faults: Mutex<Vec<(String, Fault)>>,
    list_delay: Mutex<Duration>,
}

impl Faulty {
    fn new(inner: Arc<dyn ObjectStore>) -> Arc<Faulty> {
        Arc::new(Faulty { inner, faults: Mutex::new(Vec::new()), list_delay: Mutex::default() })
    }

    fn fail_next(&self, path: &str, fault: Fault) {
        self.faults.lock().expect("faults").push((path.to_owned(), fault));
    }

    fn take(&self, location: &Path) -> Option<Fault> {
        let mut faults = self.faults.lock().expect("faults");
        let at = faults.iter().position(|(path, _)| *path == location.to_string())?;
        Some(faults.remove(at).1)
    }
}

impl fmt::Display for Faulty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Faulty({})", self.inner)
    }
}

fn injected() -> object_store::Error {
    object_store::Error::Generic { store: "faulty", source: "injected failure".into() }
}

// `ObjectStore` is an `async_trait`: its methods, written out.
impl ObjectStore for Faulty {
    fn put_opts<'a, 'b, 'c>(
        &'a self,
        location: &'b Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> BoxFuture<'c, object_store::Result<PutResult>>
    where
        'a: 'c,
        'b: 'c,
        Self: 'c,
    {
        Box::pin(async move {
            match self.take(location) {
                Some(Fault::Lose) => Err(injected()),
                Some(Fault::Keep) => {
                    self.inner.put_opts(location, payload, opts).await?;
                    Err(injected())
                }
                None => self.inner.put_opts(location, payload, opts).await,
            }
        })
    }

    fn put_multipart_opts<'a, 'b, 'c>(
        &'a self,
        location: &'b Path,
        opts: PutMultipartOptions,
    ) -> BoxFuture<'c, object_store::Result<Box<dyn MultipartUpload>>>
    where
        'a: 'c,
        'b: 'c,
        Self: 'c,
    {
        self.inner.put_multipart_opts(location, opts)
    }

    fn get_opts<'a, 'b, 'c>(
        &'a self,
        location: &'b Path,
        options: GetOptions,
    ) -> BoxFuture<'c, object_store::Result<GetResult>>
    where
        'a: 'c,
        'b: 'c,
        Self: 'c,
    {
        self.inner.get_opts(location, options)
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        let delay = *self.list_delay.lock().expect("delay");
        let wait = futures_util::stream::once(tokio::time::sleep(delay));
        wait.filter_map(|()| async { None }).chain(self.inner.list(prefix)).boxed()
    }

    fn list_with_delimiter<'a, 'b, 'c>(
        &'a self,
        prefix: Option<&'b Path>,
    ) -> BoxFuture<'c, object_store::Result<ListResult>>
    where
        'a: 'c,
        'b: 'c,
        Self: 'c,
    {
        self.inner.list_with_delimiter(prefix)
    }

    fn copy_opts<'a, 'b, 'c, 'd>(
        &'a self,
        from: &'b Path,
        to: &'c Path,
        options: CopyOptions,
    ) -> BoxFuture<'d, object_store::Result<()>>
    where
        'a: 'd,
        'b: 'd,
        'c: 'd,
        Self: 'd,
    {
        self.inner.copy_opts(from, to, options)
    }
}

#[test]
fn a_failed_write_publishes_nothing_and_a_failed_copy_is_written_again() {
    let Some((bucket, prefix)) = place() else { return };
    let dir = tempfile::tempdir().expect("dir");
    let lock = sqlite_lock(&dir);
    let faulty = Faulty::new(s3_store(&bucket, &prefix).expect("store"));
    let storage =
        ObjectStorage::open_writer(faulty.clone(), lease(&lock, "a", TTL)).expect("opens");
    let mut log =
        Sequencer::create(&storage, MemoryDedup::default(), key(), ORIGIN).expect("creates");
    log.append(&entries(0..1)).expect("appends");
    let published = |size: u64| {
        let bytes = lock.checkpoint().expect("reads").expect("created");
        assert_eq!(size_of(&bytes), size);
        bytes
    };

    // An object lost: nothing published; the same append again succeeds.
    faulty.fail_next("tile/entries/000.p/2", Fault::Lose);
    let failed = log.append(&entries(1..2));
    assert!(failed.is_err(), "{failed:?}");
    published(1);
    assert_eq!(bucket_object(&bucket, &prefix, "tile/entries/000.p/2"), None);
    // An object written but its answer lost: the same.
    faulty.fail_next("tile/0/000.p/2", Fault::Keep);
    assert!(log.append(&entries(1..2)).is_err());
    published(1);
    assert_eq!(log.append(&entries(1..2)).expect("appends")[0].index, 1);
    published(2);

    // The copy lost: the checkpoint is published all the same, the copy
    // is stale, and the next commit writes its own.
    let two = published(2);
    faulty.fail_next("checkpoint", Fault::Lose);
    log.append(&entries(2..3)).expect("appends");
    let three = published(3);
    assert_eq!(bucket_object(&bucket, &prefix, "checkpoint"), Some(two));
    log.append(&entries(3..4)).expect("appends");
    let four = published(4);
    assert_eq!(bucket_object(&bucket, &prefix, "checkpoint"), Some(four));
    assert_eq!(bucket_object(&bucket, &prefix, "checkpoints/3"), Some(three));
    assert_eq!(
        bucket_object(&bucket, &prefix, "checkpoints/4"),
        None,
        "not before the next commit"
    );

    // The publish refused by the lock: nothing published, not poisoned.
    let stale = storage.commit(&[], Some(&checkpoint(1)), &checkpoint(9), 9);
    assert!(matches!(stale, Err(CommitError::NotPublished(_))), "{stale:?}");
    published(4);
}

/// A regression test: a commit that wrote a full tile and was not
/// published must not delete the partial versions of that tile: a later
/// commit over the same range, with other entries, publishes one of them,
/// and a deletion landing after it would leave readers cutting the stale
/// full tile. Partial tiles go only once their full tile is published.
#[test]
fn an_unpublished_full_tile_deletes_no_partial_tile() {
    let Some((bucket, prefix)) = place() else { return };
    let dir = tempfile::tempdir().expect("dir");
    let lock = sqlite_lock(&dir);
    let faulty = Faulty::new(s3_store(&bucket, &prefix).expect("store"));
    let storage =
        ObjectStorage::open_writer(faulty.clone(), lease(&lock, "a", TTL)).expect("opens");
    let entries: Vec<Vec<u8>> = (0..256u32).map(|i| format!("entry {i}").into_bytes()).collect();
    let three = encode_bundle(&entries[..3]).expect("bundle");
    storage.write(&[(bundle(0, 3), three.clone())]).expect("writes");
    *faulty.list_delay.lock().expect("delay") = Duration::from_millis(500);
    let stale = [(bundle(0, 256), encode_bundle(&entries).expect("bundle"))];
    let refused = storage.commit(&stale, Some(&checkpoint(1)), &checkpoint(256), 256);
    assert!(matches!(refused, Err(CommitError::NotPublished(_))), "{refused:?}");
    let other: Vec<Vec<u8>> = (0..5u32).map(|i| format!("other {i}").into_bytes()).collect();
    let rewritten = encode_bundle(&other).expect("bundle");
    storage.commit(&[(bundle(0, 5), rewritten.clone())], None, &checkpoint(5), 5).expect("commits");
    storage.wait_for_cleanup().expect("waits");
    assert_eq!(
        storage.read(&[bundle(0, 3), bundle(0, 5)]).expect("reads"),
        [Some(three), Some(rewritten)]
    );
}

/// A lock whose renewals fail on demand, as when the sequencer is cut
/// off from the database, and whose next publish fails on demand.
struct Unreliable {
    inner: Arc<dyn SequencerLock>,
    cut: AtomicBool,
    publish_fault: Mutex<Option<Fault>>,
}

impl Unreliable {
    fn new(inner: Arc<dyn SequencerLock>) -> Arc<Unreliable> {
        Arc::new(Unreliable { inner, cut: AtomicBool::new(false), publish_fault: Mutex::new(None) })
    }
}

impl SequencerLock for Unreliable {
    fn try_acquire(&self, holder: &str, ttl: Duration) -> Result<Option<u64>, truce_log::BoxError> {
        self.inner.try_acquire(holder, ttl)
    }
    fn renew(&self, token: u64, ttl: Duration) -> Result<bool, truce_log::BoxError> {
        if self.cut.load(Ordering::SeqCst) {
            return Err("cut off".into());
        }
        self.inner.renew(token, ttl)
    }
    fn release(&self, token: u64) -> Result<(), truce_log::BoxError> {
        self.inner.release(token)
    }
    fn checkpoint(&self) -> Result<Option<Vec<u8>>, truce_log::BoxError> {
        self.inner.checkpoint()
    }
    fn checkpoint_at(&self, size: u64) -> Result<Option<Vec<u8>>, truce_log::BoxError> {
        self.inner.checkpoint_at(size)
    }
    fn publish(
        &self,
        token: u64,
        old: Option<&[u8]>,
        new: &[u8],
        size: u64,
    ) -> Result<(), PublishError> {
        match self.publish_fault.lock().expect("fault").take() {
            None => self.inner.publish(token, old, new, size),
            Some(Fault::Lose) => Err(PublishError::Backend("connection lost".into())),
            Some(Fault::Keep) => {
                self.inner.publish(token, old, new, size)?;
                Err(PublishError::Backend("connection lost after the commit".into()))
            }
        }
    }
}

/// The lock fails while publishing, having published or not: the
/// sequencer reopens the log, and the storage records the right
/// checkpoint in the history.
#[test]
fn a_publish_that_may_have_failed_is_read_back_from_the_lock() {
    let Some((bucket, prefix)) = place() else { return };
    let dir = tempfile::tempdir().expect("dir");
    let unreliable = Unreliable::new(sqlite_lock(&dir));
    let lock: Arc<dyn SequencerLock> = unreliable.clone();
    let store = s3_store(&bucket, &prefix).expect("store");
    let storage = ObjectStorage::open_writer(store, lease(&lock, "a", TTL)).expect("opens");
    let mut log =
        Sequencer::create(&storage, MemoryDedup::default(), key(), ORIGIN).expect("creates");
    log.append(&entries(0..1)).expect("appends");

    // One new entry a round: published and lost, not published, and
    // published and lost again.
    for (n, fault, size_after) in [(1, Fault::Keep, 2), (2, Fault::Lose, 2), (2, Fault::Keep, 3)] {
        *unreliable.publish_fault.lock().expect("fault") = Some(fault);
        assert!(log.append(&entries(n..n + 1)).is_err(), "{fault:?}");
        let refused = log.append(&entries(100..101)).expect_err("poisoned");
        assert!(refused.to_string().contains("open the log again"), "{refused}");
        log = Sequencer::open(&storage, MemoryDedup::default(), key(), ORIGIN).expect("opens");
        assert_eq!(log.checkpoint().size(), size_after, "{fault:?}");
    }
    // Every checkpoint published is in the history once the next commit
    // wrote it, the ones the lock lost the answer of too.
    log.append(&entries(3..4)).expect("appends");
    let history = bucket_objects(&bucket, &prefix);
    for size in 0..4 {
        let stored = history.get(&format!("checkpoints/{size}"));
        assert_eq!(stored, lock.checkpoint_at(size).expect("reads").as_ref(), "{size}");
        assert!(stored.is_some(), "{size}");
    }
}

#[test]
fn a_writer_whose_lease_was_taken_over_cannot_publish() {
    let Some((bucket, prefix)) = place() else { return };
    let dir = tempfile::tempdir().expect("dir");
    let lock = sqlite_lock(&dir);
    let store = s3_store(&bucket, &prefix).expect("store");
    let (ttl, margin, timeout) =
        (Duration::from_millis(1500), Duration::from_millis(600), Duration::from_millis(500));
    let open = |lease: Arc<Lease>| {
        ObjectStorage::open_writer_with_timeouts(store.clone(), lease, margin, timeout)
            .expect("opens")
    };
    let lease_a = lease(&lock, "seq", ttl);
    let a = open(lease_a.clone());
    let mut log_a = Sequencer::create(&a, MemoryDedup::default(), key(), ORIGIN).expect("creates");
    log_a.append(&entries(0..1)).expect("appends");

    // The same holder takes over at once (a restarted process): the old
    // lease's publish is refused by the lock. (Its objects were written:
    // the same holder must never run twice.)
    let b = open(lease(&lock, "seq", ttl));
    // (Or, if A's renewer learnt it first, A stops before writing.)
    let failed = log_a.append(&entries(100..101)).expect_err("refused").to_string();
    let refused = failed.contains("not current") || failed.contains("stopped before writing");
    assert!(refused, "{failed}");
    assert_eq!(lock.checkpoint().expect("reads").map(|c| size_of(&c)), Some(1));
    let mut log_b = Sequencer::open(&b, MemoryDedup::default(), key(), ORIGIN).expect("opens");
    assert_eq!(log_b.checkpoint().size(), 1);
    log_b.append(&entries(1..3)).expect("appends");
    assert_eq!(log_b.checkpoint().size(), 3);
    let published = bucket_object(&bucket, &prefix, "tile/entries/000.p/3");

    // Once A's renewal is refused, A writes nothing at all: its two
    // entries would have replaced B's published bundle of 3.
    let deadline = Instant::now() + Duration::from_secs(5);
    while lease_a.remaining() > Duration::ZERO && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(lease_a.remaining(), Duration::ZERO, "the renewer saw the lease lost");
    let failed = log_a.append(&entries(100..102)).expect_err("refused");
    assert!(failed.to_string().contains("stopped before writing"), "{failed}");
    assert_eq!(bucket_object(&bucket, &prefix, "tile/entries/000.p/3"), published);
    assert_eq!(lock.checkpoint().expect("reads"), Some(log_b.checkpoint().to_bytes()));
}

#[test]
fn a_writer_cut_off_from_the_lock_stops_writing_before_another_can_take_over() {
    let Some((bucket, prefix)) = place() else { return };
    let dir = tempfile::tempdir().expect("dir");
    let inner = sqlite_lock(&dir);
    let partitioned = Unreliable::new(inner.clone());
    let store = s3_store(&bucket, &prefix).expect("store");
    let (ttl, margin, timeout) =
        (Duration::from_millis(1500), Duration::from_millis(600), Duration::from_millis(500));
    let lease_a = lease(&(partitioned.clone() as Arc<dyn SequencerLock>), "a", ttl);
    let a =
        ObjectStorage::open_writer_with_timeouts(store.clone(), lease_a.clone(), margin, timeout)
            .expect("opens");
    let mut log_a = Sequencer::create(&a, MemoryDedup::default(), key(), ORIGIN).expect("creates");
    log_a.append(&entries(0..1)).expect("appends");

    partitioned.cut.store(true, Ordering::SeqCst);
    // B waits for A's lease to expire in the database.
    let started = Instant::now();
    let lease_b = Lease::acquire(inner.clone(), "b", ttl, || started.elapsed() > ttl * 4)
        .expect("asks")
        .expect("takes over once A's lease expired");
    // By then A had stopped writing, with time to spare.
    assert!(lease_a.remaining() < margin, "{:?}", lease_a.remaining());
    assert!(lease_b.token() > lease_a.token());
    let failed = log_a.append(&entries(100..101)).expect_err("refused");
    assert!(failed.to_string().contains("stopped before writing"), "{failed}");
    assert_eq!(bucket_object(&bucket, &prefix, "tile/entries/000.p/2"), None);
    let refused =
        inner.publish(lease_a.token(), Some(&log_a.checkpoint().to_bytes()), &checkpoint(2), 2);
    assert!(matches!(refused, Err(PublishError::LeaseLost { .. })), "{refused:?}");

    let b = ObjectStorage::open_writer_with_timeouts(store, Arc::new(lease_b), margin, timeout)
        .expect("opens");
    let mut log_b = Sequencer::open(&b, MemoryDedup::default(), key(), ORIGIN).expect("opens");
    log_b.append(&entries(1..2)).expect("appends");
    assert_eq!(log_b.checkpoint().size(), 2);
}

#[test]
fn a_lease_too_short_for_the_margin_is_refused() {
    let Some((bucket, prefix)) = place() else { return };
    let dir = tempfile::tempdir().expect("dir");
    let lock = sqlite_lock(&dir);
    let store = s3_store(&bucket, &prefix).expect("store");
    let short = lease(&lock, "a", Duration::from_secs(5));
    let margin = Duration::from_secs(3);
    let error = ObjectStorage::open_writer_with_timeouts(store.clone(), short, margin, margin / 2)
        .expect_err("too short");
    assert!(error.to_string().contains("too short"), "{error}");
    let long = lease(&lock, "a", Duration::from_secs(5));
    let error = ObjectStorage::open_writer_with_timeouts(
        store.clone(),
        long,
        Duration::from_secs(1),
        Duration::from_secs(1),
    )
    .expect_err("a timeout as long as the margin");
    assert!(error.to_string().contains("shorter than the margin"), "{error}");
    // The margins derived from the lease itself always fit it.
    let derived = lease(&lock, "a", Duration::from_millis(1500));
    ObjectStorage::open_writer(store, derived).expect("half the lease is the margin");
}

/// Commit latency to the bucket: `cargo test -p truce-store --test object
/// -- --ignored --nocapture commit_latency`.
#[test]
#[ignore = "a measurement"]
fn commit_latency() {
    let Some((bucket, prefix)) = place() else { return };
    let dir = tempfile::tempdir().expect("dir");
    let mut locks: Vec<(&str, Arc<dyn SequencerLock>)> = vec![("sqlite", sqlite_lock(&dir))];
    if let Some(url) = truce_testkit::postgres() {
        locks.push(("postgres", Arc::new(PgLock::connect(&url).expect("connects"))));
    }
    for (name, lock) in locks {
        let store = s3_store(&bucket, &format!("{prefix}/{name}")).expect("store");
        let storage = ObjectStorage::open_writer(store, lease(&lock, "a", TTL)).expect("opens");
        let mut log =
            Sequencer::create(&storage, MemoryDedup::default(), key(), ORIGIN).expect("creates");
        let mut next = 0u32;
        for batch in [1u32, 1000] {
            let rounds = if batch == 1 { 200 } else { 30 };
            let mut times = Vec::new();
            for _ in 0..rounds {
                let entries = entries(next..next + batch);
                next += batch;
                let started = Instant::now();
                log.append(&entries).expect("appends");
                times.push(started.elapsed());
            }
            times.sort();
            println!(
                "{name} lock, {batch} entries a commit: median {:?}, p90 {:?}, max {:?}",
                times[times.len() / 2],
                times[times.len() * 9 / 10],
                times[times.len() - 1]
            );
        }
    }
}
