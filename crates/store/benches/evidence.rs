//! Hashing and storing evidence: a file of 1 GiB (`TRUCE_BENCH_EVIDENCE_MIB`
//! to change it) taken in by [`EvidenceStore::append`] as one request's
//! body, in a directory on this machine's disk, durably (fsync), against
//! the raw SHA-256 of the same bytes and a raw write of them with fsync,
//! both measured in the same run.
//!
//! The store hashes on the request's task while its parts are written on
//! the blocking threads, so it takes about as long as the slower of the
//! two raw rates. The target is 1.5x the raw SHA-256 time; on a disk
//! slower than SHA-256, the disk is the bound and the second ratio says
//! how close the store comes to it.
//!
//! It runs twice: on the disk of `TRUCE_BENCH_DIR` (default: the current
//! directory), and in memory (`/dev/shm`, when there is one), where no
//! disk bounds it and the ratio to raw SHA-256 is the store's own cost.
//!
//! Run with `cargo bench -p truce-store --bench evidence`.

use std::io::Write as _;
use std::time::{Duration, Instant};

use bytes::Bytes;
use sha2::{Digest as _, Sha256};
use truce_entry::Sha256Hex;
use truce_store::{EvidenceStore, Upload};

/// The size of the body's frames, as an HTTP server hands them over.
const FRAME: usize = 1 << 20;

fn main() {
    let mib: usize =
        std::env::var("TRUCE_BENCH_EVIDENCE_MIB").ok().and_then(|v| v.parse().ok()).unwrap_or(1024);
    let size = mib << 20;
    // Bytes that do not compress and differ from run to run of the disk's
    // cache: a counter through a cheap mixer.
    let mut data = vec![0u8; size];
    for (i, word) in data.chunks_exact_mut(8).enumerate() {
        let x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        word.copy_from_slice(&(x ^ (x >> 29)).to_le_bytes());
    }
    let data = Bytes::from(data);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");

    let mut places = vec![std::env::var("TRUCE_BENCH_DIR").unwrap_or_else(|_| ".".into())];
    if std::path::Path::new("/dev/shm").is_dir() {
        places.push("/dev/shm".into());
    }
    for place in places {
        let dir = tempfile::Builder::new()
            .prefix("truce-evidence-bench")
            .tempdir_in(&place)
            .expect("a directory in the place under test");
        println!("evidence: {mib} MiB, one request, stored durably in {}", dir.path().display());
        rounds(&runtime, &data, &dir);
    }
}

/// Three rounds of the raw rates and the store, in `dir`.
fn rounds(runtime: &tokio::runtime::Runtime, data: &Bytes, dir: &tempfile::TempDir) {
    let size = data.len();
    let mib = size >> 20;
    for round in 1..=3 {
        let started = Instant::now();
        let mut hasher = Sha256::new();
        for frame in data.chunks(FRAME) {
            hasher.update(frame);
        }
        let sha = Sha256Hex(hasher.finalize().into());
        let raw_sha = started.elapsed();

        let path = dir.path().join(format!("raw-{round}"));
        let started = Instant::now();
        let mut file = std::fs::File::create(&path).expect("creates");
        for frame in data.chunks(FRAME) {
            file.write_all(frame).expect("writes");
        }
        file.sync_all().expect("syncs");
        let raw_write = started.elapsed();
        std::fs::remove_file(&path).expect("removes");

        let store =
            EvidenceStore::in_dir(&dir.path().join(format!("store-{round}"))).expect("opens");
        let frames: Vec<Result<Bytes, std::io::Error>> =
            (0..size).step_by(FRAME).map(|at| Ok(data.slice(at..(at + FRAME).min(size)))).collect();
        let started = Instant::now();
        let stored = runtime
            .block_on(store.append(&sha, size as u64, 0, futures_util::stream::iter(frames)))
            .expect("stores");
        let took = started.elapsed();
        assert_eq!(stored, Upload::Stored { size: size as u64 });

        let rate = |d: Duration| format!("{:>7.0} MiB/s", mib as f64 / d.as_secs_f64());
        println!(
            "round {round}: raw SHA-256 {} ({:.2} s), raw write+fsync {} ({:.2} s), \
             store {} ({:.2} s): {:.2}x raw SHA-256 (target 1.5x), {:.2}x the slower raw rate",
            rate(raw_sha),
            raw_sha.as_secs_f64(),
            rate(raw_write),
            raw_write.as_secs_f64(),
            rate(took),
            took.as_secs_f64(),
            took.as_secs_f64() / raw_sha.as_secs_f64(),
            took.as_secs_f64() / raw_sha.max(raw_write).as_secs_f64(),
        );
        std::fs::remove_dir_all(dir.path().join(format!("store-{round}"))).expect("removes");
    }
}
