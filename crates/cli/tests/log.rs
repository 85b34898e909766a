//! `truce log`: init, append, proof, verify-proof and audit, as a user runs
//! them, including the failures each must catch.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::truce;

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn failed(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A log of `count` entries `entry 0` ... in `dir/log`; returns its vkey.
fn log_with(dir: &Path, count: usize) -> String {
    let vkey =
        ok(&truce(dir, &["key", "generate", "--name", "cli.example/log", "--out", "log.key"], b""));
    ok(&truce(dir, &["log", "init", "--dir", "log", "--key", "log.key"], b""));
    let lines: String = (0..count).map(|i| format!("entry {i}\n")).collect();
    let indices = ok(&truce(
        dir,
        &["log", "append", "--dir", "log", "--key", "log.key", "-"],
        lines.as_bytes(),
    ));
    assert_eq!(indices.lines().count(), count);
    vkey.trim().to_owned()
}

#[test]
fn append_proof_and_verify_round_trip() {
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    let vkey = log_with(dir, 300);
    // Files are entries too; a resubmitted entry keeps its index.
    std::fs::write(dir.join("e"), "entry 7").expect("writes");
    std::fs::write(dir.join("new"), "a new entry").expect("writes");
    let out =
        ok(&truce(dir, &["log", "append", "--dir", "log", "--key", "log.key", "new", "e"], b""));
    assert_eq!(out, "300\n7 (already logged)\n");
    let out =
        ok(&truce(dir, &["log", "append", "--dir", "log", "--key", "log.key", "-"], b"entry 7\n"));
    assert_eq!(out, "7 (already logged)\n");

    let proof = ok(&truce(dir, &["log", "proof", "--dir", "log", "--index", "300"], b""));
    assert!(proof.starts_with("c2sp.org/tlog-proof@v1\nindex 300\n"), "{proof}");
    std::fs::write(dir.join("300.tlog-proof"), &proof).expect("writes");
    let out = ok(&truce(
        dir,
        &["log", "verify-proof", "--vkey", &vkey, "--proof", "300.tlog-proof", "--entry", "new"],
        b"",
    ));
    assert!(out.starts_with("entry 300 is in cli.example/log at tree size 301"), "{out}");
    // The proof of entry 300 does not prove another entry.
    let err = failed(&truce(
        dir,
        &["log", "verify-proof", "--vkey", &vkey, "--proof", "300.tlog-proof", "--entry", "e"],
        b"",
    ));
    assert!(err.starts_with("refused: inclusion proof"), "{err}");
    // Nor does it verify under another log's key.
    let other = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    let err = failed(&truce(
        dir,
        &[
            "log",
            "verify-proof",
            "--vkey",
            other,
            "--origin",
            "cli.example/log",
            "--proof",
            "300.tlog-proof",
            "--entry",
            "new",
        ],
        b"",
    ));
    assert!(err.contains("no verifiable signatures"), "{err}");

    // A proof against an earlier checkpoint, from the history.
    let proof =
        ok(&truce(dir, &["log", "proof", "--dir", "log", "--index", "5", "--size", "300"], b""));
    assert!(proof.contains("\ncli.example/log\n300\n"), "{proof}");
    std::fs::write(dir.join("5.tlog-proof"), &proof).expect("writes");
    std::fs::write(dir.join("5"), "entry 5").expect("writes");
    ok(&truce(
        dir,
        &["log", "verify-proof", "--vkey", &vkey, "--proof", "5.tlog-proof", "--entry", "5"],
        b"",
    ));
    let out = truce(dir, &["log", "proof", "--dir", "log", "--index", "5", "--size", "17"], b"");
    assert_eq!(out.status.code(), Some(2), "no checkpoint of size 17 was published");
}

#[test]
fn audit_passes_on_a_good_log_and_names_the_first_problem() {
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    let vkey = log_with(dir, 600);
    let out = ok(&truce(dir, &["log", "audit", "--dir", "log", "--vkey", &vkey], b""));
    assert!(out.starts_with("verified 600 entries, root "), "{out}");
    std::fs::copy(dir.join("log/checkpoint"), dir.join("cp600")).expect("copies");

    // A consistent later log passes with --from-checkpoint.
    ok(&truce(dir, &["log", "append", "--dir", "log", "--key", "log.key", "-"], b"more\n"));
    let out = ok(&truce(
        dir,
        &["log", "audit", "--dir", "log", "--vkey", &vkey, "--from-checkpoint", "cp600"],
        b"",
    ));
    assert!(out.starts_with("verified 601 entries"), "{out}");

    // A changed entry.
    let bundle = dir.join("log/tile/entries/001");
    let original = std::fs::read(&bundle).expect("reads");
    let mut changed = original.clone();
    let at = changed.len() - 2;
    changed[at] ^= 1;
    std::fs::write(&bundle, &changed).expect("writes");
    let err = failed(&truce(dir, &["log", "audit", "--dir", "log", "--vkey", &vkey], b""));
    assert!(err.starts_with("audit failed: tile/0/001 position 255 (node 0/511)"), "{err}");
    std::fs::write(&bundle, &original).expect("writes");

    // A changed hash in a level 1 tile.
    let tile = dir.join("log/tile/1/000.p/2");
    let mut data = std::fs::read(&tile).expect("reads");
    data[40] ^= 1;
    std::fs::write(&tile, &data).expect("writes");
    let err = failed(&truce(dir, &["log", "audit", "--dir", "log", "--vkey", &vkey], b""));
    assert!(err.starts_with("audit failed: tile/1/000.p/2 position 1"), "{err}");
    data[40] ^= 1;
    std::fs::write(&tile, &data).expect("writes");

    // A missing bundle.
    std::fs::rename(&bundle, dir.join("moved")).expect("moves");
    let err = failed(&truce(dir, &["log", "audit", "--dir", "log", "--vkey", &vkey], b""));
    assert!(err.contains("tile/entries/001 is missing"), "{err}");
    std::fs::rename(dir.join("moved"), &bundle).expect("moves back");

    // Another key, and an earlier checkpoint from a fork.
    let other = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    let err = failed(&truce(
        dir,
        &["log", "audit", "--dir", "log", "--vkey", other, "--origin", "cli.example/log"],
        b"",
    ));
    assert!(err.starts_with("audit failed: checkpoint"), "{err}");
    let fork = tempfile::tempdir().expect("dir");
    std::fs::copy(dir.join("log.key"), fork.path().join("log.key")).expect("copies");
    ok(&truce(fork.path(), &["log", "init", "--dir", "log", "--key", "log.key"], b""));
    let lines: String = (0..600).map(|i| format!("forked {i}\n")).collect();
    ok(&truce(
        fork.path(),
        &["log", "append", "--dir", "log", "--key", "log.key", "-"],
        lines.as_bytes(),
    ));
    std::fs::copy(fork.path().join("log/checkpoint"), dir.join("fork600")).expect("copies");
    let err = failed(&truce(
        dir,
        &["log", "audit", "--dir", "log", "--vkey", &vkey, "--from-checkpoint", "fork600"],
        b"",
    ));
    assert!(err.starts_with("audit failed: the entries give root"), "{err}");
    assert!(err.contains("at size 600"), "{err}");
    ok(&truce(dir, &["log", "audit", "--dir", "log", "--vkey", &vkey], b""));
}

#[test]
fn audit_with_entries_replays_the_registry() {
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    let vkey =
        ok(&truce(dir, &["key", "generate", "--name", "cli.example/log", "--out", "log.key"], b""));
    ok(&truce(dir, &["key", "generate", "--name", "operator", "--out", "op.key"], b""));
    ok(&truce(dir, &["log", "init", "--dir", "log", "--key", "log.key"], b""));
    let op_vkey = ok(&truce(dir, &["key", "public", "--key", "op.key"], b""));
    let genesis = format!(
        r#"{{"type":"truce.source/v1","source":"op","action":"register","key":"{}","name":"Operator","role":"operator","organisation":"Mission","reliability":"A"}}"#,
        op_vkey.trim()
    );
    let signed = ok(&truce(dir, &["entry", "sign", "--key", "op.key"], genesis.as_bytes()));
    std::fs::write(dir.join("genesis"), &signed).expect("writes");
    ok(&truce(dir, &["log", "append", "--dir", "log", "--key", "log.key", "genesis"], b""));
    let out =
        ok(&truce(dir, &["log", "audit", "--dir", "log", "--vkey", vkey.trim(), "--entries"], b""));
    assert!(out.starts_with("verified 1 entries"), "{out}");

    // A report signed by a key nobody registered: the log is well formed,
    // but not a valid Truce log.
    ok(&truce(dir, &["key", "generate", "--name", "stranger", "--out", "s.key"], b""));
    let report = std::fs::read("../entry/tests/data/valid/report-kharkiv.json").expect("fixture");
    let signed = ok(&truce(dir, &["entry", "sign", "--key", "s.key"], &report));
    std::fs::write(dir.join("report"), &signed).expect("writes");
    ok(&truce(dir, &["log", "append", "--dir", "log", "--key", "log.key", "report"], b""));
    ok(&truce(dir, &["log", "audit", "--dir", "log", "--vkey", vkey.trim()], b""));
    let err = failed(&truce(
        dir,
        &["log", "audit", "--dir", "log", "--vkey", vkey.trim(), "--entries"],
        b"",
    ));
    assert!(err.starts_with("audit failed: entry 1: signed by no registered source"), "{err}");
}

#[test]
fn audit_reads_a_log_over_http() {
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    let vkey = log_with(dir, 700);
    // Any static web server serves a log directory: here, Python's.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut server = Command::new("python3")
        .args(["-m", "http.server", "--bind", "127.0.0.1", &port.to_string(), "--directory", "log"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 runs");
    let url = format!("http://127.0.0.1:{port}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "the HTTP server did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = truce(dir, &["log", "audit", "--url", &url, "--vkey", &vkey], b"");
    let missing =
        truce(dir, &["log", "audit", "--url", &format!("{url}/nothing"), "--vkey", &vkey], b"");
    server.kill().expect("stops");
    server.wait().expect("reaped");
    assert!(ok(&out).starts_with("verified 700 entries, root "));
    assert!(failed(&missing).contains("the log has no checkpoint"));
}
