//! Crash safety: a child `truce log append` appends under load and is
//! killed with SIGKILL at random moments, again and again, with its commits
//! in the journal, or while it writes them out as tiles. Every other time,
//! the next writer is killed too, while it replays the journal. After each
//! round, once a writer has opened the log and closed it: `truce log audit`
//! passes, every index a child acknowledged holds the bytes it was given
//! and no entry is there twice, and the checkpoint never went backwards.

mod common;

use std::collections::HashSet;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use truce_log::{Checkpoint, LogStorage};
use truce_note::UnverifiedNote;
use truce_store::FsStorage;

use common::Rng;

const KILLS: usize = 50;

fn truce() -> Command {
    Command::new(env!("CARGO_BIN_EXE_truce"))
}

fn checkpoint_size(dir: &Path) -> u64 {
    let bytes = FsStorage::open_reader(dir).read_checkpoint().expect("reads").expect("exists");
    let note = UnverifiedNote::parse(&bytes).expect("a note");
    Checkpoint::parse(note.text_unverified()).expect("a checkpoint").size()
}

/// Every entry of the log of `size` entries, read bundle by bundle.
fn all_entries(dir: &Path, size: u64) -> Vec<Vec<u8>> {
    let storage = FsStorage::open_reader(dir);
    let mut entries = Vec::new();
    for bundle in truce_log::bundles_for_size(size) {
        let data = storage.read(&[truce_log::TilePath::Entries(bundle)]).expect("reads");
        let data = data.into_iter().next().flatten().expect("the bundle exists");
        let decoded = truce_log::decode_bundle(bundle, &data).expect("decodes");
        entries.extend(decoded.into_iter().map(<[u8]>::to_vec));
    }
    entries
}

#[test]
fn sigkill_at_random_moments_loses_no_acknowledged_entry() {
    let work = tempfile::tempdir().expect("temp dir");
    let (dir, key) = (work.path().join("log"), work.path().join("log.key"));
    let vkey = truce()
        .args(["key", "generate", "--name", "crash.example/log", "--out"])
        .arg(&key)
        .output()
        .expect("runs");
    let vkey = String::from_utf8(vkey.stdout).expect("utf-8").trim().to_owned();
    let init = truce().args(["log", "init", "--dir"]).arg(&dir).arg("--key").arg(&key).output();
    assert!(init.expect("runs").status.success());

    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut acknowledged: Vec<(u64, Vec<u8>)> = Vec::new();
    let mut last_size = 0;
    let (mut killed_mid_batch, mut killed_writing_out, mut killed_replaying) = (0, 0, 0);
    let mut replays = 0;
    let writer = |stdin: Stdio, stdout: Stdio| {
        truce()
            .args(["log", "append", "--write-out-ms", "50", "--dir"])
            .arg(&dir)
            .arg("--key")
            .arg(&key)
            .arg("-")
            .stdin(stdin)
            .stdout(stdout)
            .stderr(Stdio::null())
            .spawn()
            .expect("spawns")
    };
    for run in 0..KILLS {
        let mut child = writer(Stdio::piped(), Stdio::piped());
        let mut stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");

        // The child's acknowledgements, read as they come.
        let (acks, received) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let index = line.split(' ').next().and_then(|n| n.parse::<u64>().ok());
                if acks.send(index.expect("an index")).is_err() {
                    break;
                }
            }
        });

        // Feed entries as fast as the pipe takes them, and kill the child
        // at a random moment.
        let kill_at = Instant::now() + Duration::from_millis(5 + rng.below(300));
        let mut sent: Vec<Vec<u8>> = Vec::new();
        while Instant::now() < kill_at {
            let line =
                format!("run {run} entry {} {}", sent.len(), "x".repeat(rng.below(200) as usize));
            if stdin.write_all(format!("{line}\n").as_bytes()).is_err() {
                break;
            }
            sent.push(line.into_bytes());
        }
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        drop(stdin);
        reader.join().expect("reader");
        let indices: Vec<u64> = received.try_iter().collect();
        if indices.len() < sent.len() {
            killed_mid_batch += 1;
        }
        // The i-th acknowledgement is for the i-th line sent.
        for (index, bytes) in indices.into_iter().zip(sent) {
            acknowledged.push((index, bytes));
        }

        // The directory as the kill left it: tiles beyond the checkpoint
        // file were being written out; acknowledged entries beyond it are
        // in the journal only.
        let written = checkpoint_size(&dir);
        let tiles = FsStorage::open_reader(&dir).tile_paths().expect("lists");
        if tiles.iter().any(|tile| !tile.within(written)) {
            killed_writing_out += 1;
        }
        let replay_due = acknowledged.iter().any(|(index, _)| *index >= written);
        replays += usize::from(replay_due);

        // Every other round, the next writer dies too, early: opening the
        // log, replaying the journal, writing it out.
        if rng.below(2) == 0 {
            let mut next = writer(Stdio::null(), Stdio::null());
            std::thread::sleep(Duration::from_millis(rng.below(40)));
            let finished = next.try_wait().expect("polls").is_some();
            next.kill().expect("SIGKILL");
            next.wait().expect("reaped");
            if replay_due && !finished {
                killed_replaying += 1;
            }
        }

        // Recovery: a writer opens the log and closes it.
        let recovered = writer(Stdio::null(), Stdio::null()).wait().expect("runs");
        assert!(recovered.success(), "run {run}: recovery failed");

        // The log after the crash.
        let size = checkpoint_size(&dir);
        assert!(
            size >= last_size,
            "run {run}: the checkpoint went back from {last_size} to {size}"
        );
        last_size = size;
        let audit = truce()
            .args(["log", "audit", "--dir"])
            .arg(&dir)
            .args(["--vkey", &vkey])
            .output()
            .expect("runs");
        assert!(
            audit.status.success(),
            "run {run}: audit failed: {}",
            String::from_utf8_lossy(&audit.stderr)
        );
        let logged = all_entries(&dir, size);
        for (index, bytes) in &acknowledged {
            assert!(*index < size, "run {run}: acknowledged entry {index} is beyond size {size}");
            assert_eq!(&logged[*index as usize], bytes, "run {run}: entry {index}");
        }
        let distinct: HashSet<&Vec<u8>> = logged.iter().collect();
        assert_eq!(distinct.len(), logged.len(), "run {run}: an entry is logged twice");
    }
    assert!(acknowledged.len() > 1000, "only {} entries acknowledged", acknowledged.len());
    eprintln!(
        "{KILLS} kills under load ({killed_mid_batch} mid-stream, {killed_writing_out} while \
         writing out, {replays} with acknowledged entries in the journal only), \
         {killed_replaying} kills of the next writer with a replay due; {} entries \
         acknowledged, final size {last_size}",
        acknowledged.len()
    );
    assert!(killed_mid_batch > KILLS / 2, "the kills did not land mid-stream");
    assert!(replays > KILLS / 4, "the kills did not leave commits in the journal");
    assert!(killed_writing_out > 0, "no kill landed while tiles were written out");
    assert!(killed_replaying > 0, "no kill landed while the journal was replayed");
}
