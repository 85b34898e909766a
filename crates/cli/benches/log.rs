//! The log's benchmarks, each printed beside the raw rate of the machine
//! measured in the same run:
//!
//! * durable append throughput of 1 KiB entries (group commit, fsync per
//!   batch) against the raw SHA-256 leaf-hashing rate;
//! * audit throughput against the raw SHA-256 rate;
//! * hashing a 1,000,000-leaf tree against Go's `sumdb/tlog` (when the Go
//!   toolchain and golang-golang-x-mod-dev are installed);
//! * with `TRUCE_BENCH_BIG=1`, a 10-million-entry log audited by
//!   `truce log audit`, with its peak RSS.
//!
//! Run with `cargo bench -p truce --bench log`.

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use truce_log::{
    BatchedDedup, LogStorage, Sequencer, TilePath, TreeAuditor, TreeBuilder, VerifiedCheckpoint,
    leaf_hash,
};
use truce_note::{KeyName, SigningKey};
use truce_store::{FsStorage, SqliteDedup};

const ORIGIN: &str = "bench.example/log";

fn key() -> SigningKey {
    SigningKey::from_seed(KeyName::new(ORIGIN).expect("name"), &[9; 32])
}

/// Distinct entries of `size` bytes.
fn entries(count: u64, size: usize, start: u64) -> Vec<Vec<u8>> {
    (start..start + count)
        .map(|i| {
            let mut entry = format!("{{\"entry\":{i},\"pad\":\"").into_bytes();
            entry.resize(size - 3, b'x');
            entry.extend_from_slice(b"\"}\n");
            entry
        })
        .collect()
}

/// Raw SHA-256 leaf hashes per second over `size`-byte inputs, one core.
fn raw_sha256_rate(size: usize) -> f64 {
    let data = vec![7u8; size + 1];
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(1) {
        for _ in 0..1000 {
            black_box(Sha256::digest(black_box(&data)));
        }
        n += 1000;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn build_log(dir: &Path, total: u64, entry_size: usize, batch: u64) -> Duration {
    let storage = FsStorage::open_writer(dir).expect("opens");
    let dedup = SqliteDedup::open(&dir.join(".dedup.sqlite")).expect("dedup");
    // As `truce log append` and the server open it.
    let dedup = BatchedDedup::new(dedup, truce_store::DEDUP_BATCH);
    let mut log = Sequencer::create(storage, dedup, key(), ORIGIN).expect("creates");
    let mut elapsed = Duration::ZERO;
    let mut next = 0;
    while next < total {
        let count = batch.min(total - next);
        let batch = entries(count, entry_size, next);
        let start = Instant::now();
        log.append(&batch).expect("appends");
        elapsed += start.elapsed();
        next += count;
    }
    elapsed
}

/// Audits the log in `dir` in-process, as `truce log audit --dir` does.
fn audit(dir: &Path) -> (u64, u64, Duration) {
    let start = Instant::now();
    let storage = FsStorage::open_reader(dir);
    let bytes = storage.read_checkpoint().expect("reads").expect("exists");
    let checkpoint =
        VerifiedCheckpoint::verify(&bytes, &key().verifier_key(), ORIGIN).expect("verifies");
    let mut auditor = TreeAuditor::new(checkpoint.size(), checkpoint.root());
    let mut data_bytes = 0u64;
    let read = |path: TilePath| {
        storage.read(&[path]).expect("reads").into_iter().next().flatten().expect("exists")
    };
    for bundle in auditor.bundles().collect::<Vec<_>>() {
        let data = read(TilePath::Entries(bundle));
        let tile = read(TilePath::Hashes(bundle.hash_tile()));
        data_bytes += data.len() as u64;
        auditor
            .check_bundle(bundle, &data, &tile, |t| Ok(read(TilePath::Hashes(t))))
            .expect("audits");
    }
    auditor.finish().expect("root matches");
    (checkpoint.size(), data_bytes, start.elapsed())
}

/// Go's sumdb/tlog hashing a tree of `leaves` records, in seconds.
fn go_tree_hash_seconds(leaves: u64, entry_size: usize) -> Option<f64> {
    let gopath = "/usr/share/gocode";
    if !Path::new(gopath).join("src/golang.org/x/mod/sumdb/tlog").is_dir() {
        return None;
    }
    let program = Path::new("benches/go_tree_hash/main.go");
    let output = Command::new("go")
        .arg("run")
        .arg(program)
        .args([leaves.to_string(), entry_size.to_string()])
        .env("GO111MODULE", "off")
        .env("GOPATH", gopath)
        .output()
        .ok()?;
    String::from_utf8_lossy(&output.stdout).trim().parse().ok()
}

/// The same work in Rust: hash every record, build every stored node.
fn rust_tree_hash_seconds(leaves: u64, entry_size: usize) -> f64 {
    let records = entries(leaves, entry_size, 0);
    let start = Instant::now();
    let mut tree = TreeBuilder::new();
    let mut stored = Vec::with_capacity(2 * leaves as usize);
    for record in &records {
        tree.append_with(leaf_hash(record), |_, hash| stored.push(*hash)).expect("appends");
    }
    black_box(tree.root());
    black_box(stored.len());
    start.elapsed().as_secs_f64()
}

/// Peak resident memory of `command`, in MiB, polled from /proc.
fn run_with_peak_rss(command: &mut Command) -> (bool, f64, Duration) {
    let start = Instant::now();
    let mut child = command.spawn().expect("spawns");
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_path) {
            let hwm = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
            peak_kib = peak_kib.max(hwm.unwrap_or(0));
        }
        if let Some(status) = child.try_wait().expect("waits") {
            return (status.success(), peak_kib as f64 / 1024.0, start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn main() {
    let scale: u64 =
        std::env::var("TRUCE_BENCH_ENTRIES").ok().and_then(|v| v.parse().ok()).unwrap_or(500_000);
    let work =
        tempfile::tempdir_in(std::env::var("TRUCE_BENCH_DIR").unwrap_or_else(|_| "/tmp".into()))
            .expect("temp dir");
    let entry_size = 1024;

    let raw = raw_sha256_rate(entry_size);
    println!(
        "raw SHA-256 (sha2), one core: {raw:.0} leaf hashes/s of {entry_size} B ({:.0} MB/s)",
        raw * entry_size as f64 / 1e6
    );
    println!();
    println!("durable append of {scale} entries of {entry_size} B, fsync per batch:");
    for batch in [1u64, 16, 256, 4096, 16_384] {
        let dir = work.path().join(format!("append-{batch}"));
        // Small commits are slow: a shorter log measures them.
        let count = if batch < 256 { scale.min(20_000) } else { scale };
        let elapsed = build_log(&dir, count, entry_size, batch);
        let rate = count as f64 / elapsed.as_secs_f64();
        println!(
            "  batches of {batch:>6}: {rate:>9.0} entries/s, {:>6.1} MB/s, {:.2}x of the raw hash rate",
            rate * entry_size as f64 / 1e6,
            rate / raw
        );
    }
    println!();
    let (size, bytes, elapsed) = audit(&work.path().join("append-16384"));
    let rate = size as f64 / elapsed.as_secs_f64();
    println!(
        "audit of {size} entries: {rate:.0} entries/s, {:.0} MB/s; the raw hash rate is {:.2}x faster",
        bytes as f64 / elapsed.as_secs_f64() / 1e6,
        raw / rate
    );
    println!();
    let leaves = 1_000_000;
    let rust = rust_tree_hash_seconds(leaves, 64);
    match go_tree_hash_seconds(leaves, 64) {
        Some(go) => println!(
            "tree of {leaves} leaves of 64 B: truce-log {rust:.3} s, Go sumdb/tlog {go:.3} s: {:.2}x",
            go / rust
        ),
        None => {
            println!("tree of {leaves} leaves of 64 B: truce-log {rust:.3} s (Go not installed)")
        }
    }

    if std::env::var_os("TRUCE_BENCH_BIG").is_some() {
        let big = 10_000_000;
        let dir = work.path().join("big");
        let elapsed = build_log(&dir, big, 100, 16_384);
        println!();
        println!("built a {big}-entry log of 100 B entries in {:.1} s", elapsed.as_secs_f64());
        let vkey = key().verifier_key().to_string();
        let (ok, peak, elapsed) = run_with_peak_rss(
            Command::new(env!("CARGO_BIN_EXE_truce"))
                .args(["log", "audit", "--dir"])
                .arg(&dir)
                .args(["--vkey", &vkey]),
        );
        assert!(ok, "the audit failed");
        println!(
            "truce log audit of {big} entries: {:.1} s, {:.0} entries/s, peak RSS {peak:.1} MiB",
            elapsed.as_secs_f64(),
            big as f64 / elapsed.as_secs_f64()
        );
    }
}
