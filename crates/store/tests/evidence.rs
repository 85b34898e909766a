//! The evidence store, in a directory and in a real S3 server (Garage,
//! started by `scripts/services`; skipped when it does not run, unless
//! `TRUCE_TEST_SERVICES=required`): one upload, uploads resumed after a
//! cut, bytes that do not hash to their name, and too many bytes.

use bytes::Bytes;
use futures_util::{StreamExt as _, TryStreamExt as _};
use sha2::{Digest as _, Sha256};
use truce_entry::Sha256Hex;
use truce_store::{EvidenceError, EvidenceStore, StorageLocation, Upload};

/// Every store the tests run against: a directory, and a bucket if the
/// S3 server runs.
fn stores(dir: &tempfile::TempDir) -> Vec<(&'static str, EvidenceStore)> {
    let mut stores =
        vec![("dir", EvidenceStore::in_dir(&dir.path().join("evidence")).expect("a directory"))];
    if let Some(url) = truce_testkit::s3() {
        let location: StorageLocation = url.parse().expect("an s3:// location");
        stores.push(("s3", EvidenceStore::open(&location).expect("a bucket")));
    }
    stores
}

/// A file of `size` bytes that differ from position to position.
fn file(size: usize, seed: u8) -> Vec<u8> {
    (0..size).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 8) as u8).collect()
}

fn digest(bytes: &[u8]) -> Sha256Hex {
    Sha256Hex(Sha256::digest(bytes).into())
}

/// `bytes` as a request body of pieces of `piece` bytes.
fn body(
    bytes: &[u8],
    piece: usize,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + use<> {
    let pieces: Vec<_> = bytes.chunks(piece).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    futures_util::stream::iter(pieces)
}

/// `bytes`, then the connection drops.
fn cut_body(
    bytes: &[u8],
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + use<> {
    body(bytes, 64 << 10)
        .chain(futures_util::stream::once(async { Err(std::io::Error::other("connection reset")) }))
}

async fn read_all(store: &EvidenceStore, digest: &Sha256Hex) -> Option<Vec<u8>> {
    let read = store.read(digest).await.expect("reads")?;
    let bytes: Vec<Bytes> = read.bytes.try_collect().await.expect("streams");
    let bytes = bytes.concat();
    assert_eq!(bytes.len() as u64, read.size);
    Some(bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_is_stored_under_its_digest_once_its_bytes_hash_to_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, store) in stores(&dir) {
        // Larger than a part, so that it is written in several.
        let bytes = file(20 << 20 | 12345, 1);
        let sha = digest(&bytes);
        let size = bytes.len() as u64;
        assert_eq!(store.status(&sha).await.expect(name), Upload::Partial { received: 0 });
        assert!(read_all(&store, &sha).await.is_none(), "{name}");

        let stored = store.append(&sha, size, 0, body(&bytes, 100_000)).await.expect(name);
        assert_eq!(stored, Upload::Stored { size }, "{name}");
        assert_eq!(store.status(&sha).await.expect(name), Upload::Stored { size }, "{name}");
        assert!(read_all(&store, &sha).await.expect(name) == bytes, "{name}: the bytes read back");

        // Sent again: nothing changes, the body is not even read.
        let never = futures_util::stream::once(async {
            Err::<Bytes, _>(std::io::Error::other("must not be read"))
        });
        assert_eq!(store.append(&sha, size, 0, never).await.expect(name), stored, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_that_hash_to_another_digest_are_dropped() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, store) in stores(&dir) {
        let bytes = file(300_000, 2);
        let sha = digest(&bytes);
        let mut changed = bytes.clone();
        changed[123_456] ^= 1;
        let error =
            store.append(&sha, bytes.len() as u64, 0, body(&changed, 4096)).await.expect_err(name);
        match error {
            EvidenceError::Mismatch { actual, size } => {
                assert_eq!(actual, digest(&changed), "{name}");
                assert_eq!(size, bytes.len() as u64, "{name}");
            }
            other => panic!("{name}: {other}"),
        }
        assert_eq!(store.status(&sha).await.expect(name), Upload::Partial { received: 0 });
        assert!(read_all(&store, &sha).await.is_none(), "{name}: nothing stored");

        // Too many bytes: refused, nothing kept.
        let mut longer = bytes.clone();
        longer.push(0);
        let error =
            store.append(&sha, bytes.len() as u64, 0, body(&longer, 4096)).await.expect_err(name);
        assert!(matches!(error, EvidenceError::TooLong { .. }), "{name}: {error}");
        assert_eq!(store.status(&sha).await.expect(name), Upload::Partial { received: 0 });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_cut_short_resumes_where_it_stopped() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, store) in stores(&dir) {
        let bytes = file(9 << 20 | 777, 3);
        let sha = digest(&bytes);
        let size = bytes.len() as u64;
        let first = 3_000_000;
        let second = 7_500_000;

        let error = store.append(&sha, size, 0, cut_body(&bytes[..first])).await.expect_err(name);
        match error {
            EvidenceError::Interrupted { received, .. } => assert_eq!(received, first as u64),
            other => panic!("{name}: {other}"),
        }
        assert_eq!(
            store.status(&sha).await.expect(name),
            Upload::Partial { received: first as u64 },
            "{name}"
        );
        assert!(read_all(&store, &sha).await.is_none(), "{name}: not stored yet");

        // A piece that does not start where the upload stands is refused.
        let error = store.append(&sha, size, 10, body(&bytes[10..], 4096)).await.expect_err(name);
        assert!(
            matches!(error, EvidenceError::Offset { expected } if expected == first as u64),
            "{name}: {error}"
        );

        let middle = store
            .append(&sha, size, first as u64, body(&bytes[first..second], 65536))
            .await
            .expect(name);
        assert_eq!(middle, Upload::Partial { received: second as u64 }, "{name}");
        let done = store
            .append(&sha, size, second as u64, body(&bytes[second..], 65536))
            .await
            .expect(name);
        assert_eq!(done, Upload::Stored { size }, "{name}");
        assert!(read_all(&store, &sha).await.expect(name) == bytes, "{name}: joined in order");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumed_upload_of_the_wrong_bytes_is_dropped_and_can_start_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, store) in stores(&dir) {
        let bytes = file(1 << 20, 4);
        let sha = digest(&bytes);
        let size = bytes.len() as u64;
        let half = bytes.len() / 2;
        let mut wrong = bytes.clone();
        wrong[half + 10] ^= 0x80;
        store.append(&sha, size, 0, cut_body(&bytes[..half])).await.expect_err(name);
        let error = store
            .append(&sha, size, half as u64, body(&wrong[half..], 4096))
            .await
            .expect_err(name);
        assert!(matches!(error, EvidenceError::Mismatch { .. }), "{name}: {error}");
        assert_eq!(store.status(&sha).await.expect(name), Upload::Partial { received: 0 });

        let stored = store.append(&sha, size, 0, body(&bytes, 4096)).await.expect(name);
        assert_eq!(stored, Upload::Stored { size }, "{name}");
    }
}

#[test]
fn evidence_goes_beside_the_log() {
    let dir: StorageLocation = "file:/srv/truce/log".parse().expect("location");
    assert_eq!(EvidenceStore::beside(&dir).to_string(), "file:/srv/truce/evidence");
    let bucket: StorageLocation = "s3://truce/mission-a".parse().expect("location");
    assert_eq!(EvidenceStore::beside(&bucket).to_string(), "s3://truce/mission-a/evidence");
    let root: StorageLocation = "s3://truce".parse().expect("location");
    assert_eq!(EvidenceStore::beside(&root).to_string(), "s3://truce/evidence");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_uploads_never_store_bytes_that_do_not_hash_to_the_digest() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, store) in stores(&dir) {
        for seed in 10..16 {
            let bytes = file(2 << 20, seed);
            let sha = digest(&bytes);
            let size = bytes.len() as u64;
            let mut wrong = bytes.clone();
            wrong[size as usize / 3] ^= 1;
            // Both at once, in small frames so that they interleave.
            let (right, bad) = tokio::join!(
                store.append(&sha, size, 0, body(&bytes, 8192)),
                store.append(&sha, size, 0, body(&wrong, 8192)),
            );
            assert!(!matches!(bad, Err(EvidenceError::Offset { .. })), "{name}: {bad:?}");
            if let Ok(upload) = right {
                assert_eq!(upload, Upload::Stored { size }, "{name}");
            }
            // Whatever won, only the right bytes are ever under the digest.
            if store.status(&sha).await.expect(name) != (Upload::Stored { size }) {
                store.append(&sha, size, 0, body(&bytes, 65536)).await.expect(name);
            }
            assert!(read_all(&store, &sha).await.expect(name) == bytes, "{name}: seed {seed}");
        }
    }
}
