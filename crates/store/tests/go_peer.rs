//! An independent peer agrees: Go's own `golang.org/x/mod/sumdb/note` and
//! `sumdb/tlog` check a log that Truce wrote (checkpoint signature, every
//! tile, every entry, inclusion and consistency proofs, a tlog-proof file).
//!
//! Needs the Go toolchain and Debian's `golang-golang-x-mod-dev`, which
//! `scripts/setup test` installs. Without them the test fails: it is not
//! skipped.

use std::path::Path;
use std::process::Command;

use truce_log::{Sequencer, StorageTiles, TileHashReader, TlogProof, inclusion_proof};
use truce_note::{KeyName, SigningKey};
use truce_store::{FsStorage, SqliteDedup};

const GOPATH: &str = "/usr/share/gocode";

#[test]
fn go_sumdb_verifies_a_truce_log() {
    assert!(
        Path::new(GOPATH).join("src/golang.org/x/mod/sumdb/tlog").is_dir(),
        "Go's sumdb packages are missing: run scripts/setup test \
         (apt-get install golang-go golang-golang-x-mod-dev)"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let key = SigningKey::from_seed(KeyName::new("truce.example/go-peer").expect("name"), &[3; 32]);
    let storage = FsStorage::open_writer(dir.path()).expect("opens");
    let dedup = SqliteDedup::in_memory().expect("dedup");
    let mut log =
        Sequencer::create(storage, dedup, key.clone(), "truce.example/go-peer").expect("creates");
    // Past the second tile level (65,536 entries), in uneven batches.
    let total = 66_000u64;
    let entries: Vec<Vec<u8>> =
        (0..total).map(|i| format!("{{\"entry\":{i}}}\n").into_bytes()).collect();
    for batch in entries.chunks(9_999) {
        log.append(batch).expect("appends");
    }
    assert_eq!(log.checkpoint().size(), total);

    // A tlog-proof for one entry, against the latest checkpoint.
    let index = 65_537;
    let size = log.checkpoint().size();
    let reader = TileHashReader::new(size, StorageTiles(log.storage()));
    let proof = inclusion_proof(index, size, &reader).expect("proves");
    let proof = TlogProof::new(index, proof, log.checkpoint());
    std::fs::write(dir.path().join("proof"), proof.to_bytes()).expect("writes");
    std::fs::write(dir.path().join("entry"), &entries[index as usize]).expect("writes");
    // Closed: the journal is written out, and Go reads the directory as
    // any other process does.
    drop(log);

    let program = Path::new("tests/go_peer/main.go");
    let output = Command::new("go")
        .arg("run")
        .arg(program)
        .arg("-dir")
        .arg(dir.path())
        .arg("-vkey")
        .arg(key.verifier_key().to_string())
        .arg("-proof")
        .arg(dir.path().join("proof"))
        .arg("-entry")
        .arg(dir.path().join("entry"))
        .env("GO111MODULE", "off")
        .env("GOPATH", GOPATH)
        .env("GOFLAGS", "-mod=mod")
        .output()
        .expect("the go command runs (install golang-go)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "go peer failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains(&format!("verified: {total} entries")), "{stdout}");
    assert!(
        stdout.contains(&format!("tlog-proof for entry {index} at size {total} verified")),
        "{stdout}"
    );
}
