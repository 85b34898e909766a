//! Private keys: a key file that others than its owner may read is
//! refused, by every command and by the server, with the fix in the
//! message; a key may come from an environment variable instead
//! (`env:NAME`, and `TRUCE_LOG_KEY` for the server's log key); and no key
//! appears in anything Truce prints or logs.

mod common;

use std::os::unix::fs::PermissionsExt as _;

use common::{Serve, get, text, truce, truce_with_env};

fn chmod(path: &std::path::Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// The base64 material of a private key file: what must never be shown.
fn secret_of(key_file: &str) -> String {
    key_file.trim().rsplit('+').next().expect("a private key").to_owned()
}

#[test]
fn a_key_file_others_may_read_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    let out = truce(dir, &["key", "generate", "--name", "m1", "--out", "m1.key"], b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let vkey = text(&out.stdout);
    let secret = secret_of(&std::fs::read_to_string(dir.join("m1.key")).expect("reads"));

    for mode in [0o644, 0o640, 0o604] {
        chmod(&dir.join("m1.key"), mode);
        let out = truce(dir, &["key", "public", "--key", "m1.key"], b"");
        assert_eq!(out.status.code(), Some(2), "mode {mode:o}: {}", text(&out.stdout));
        let stderr = text(&out.stderr);
        assert!(stderr.contains("chmod 600 m1.key"), "mode {mode:o}: {stderr}");
        assert!(!stderr.contains(&secret), "the key was printed: {stderr}");
    }
    chmod(&dir.join("m1.key"), 0o600);
    let out = truce(dir, &["key", "public", "--key", "m1.key"], b"");
    assert_eq!(text(&out.stdout), vkey);

    // From a variable: the same key; a variable that is not set is named.
    let key_text = std::fs::read_to_string(dir.join("m1.key")).expect("reads");
    let env = [("M1_KEY", key_text.trim())];
    let out = truce_with_env(dir, &["key", "public", "--key", "env:M1_KEY"], b"", &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), vkey);
    let out = truce(dir, &["key", "public", "--key", "env:NOT_SET_ANYWHERE"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("NOT_SET_ANYWHERE"), "{}", text(&out.stderr));
    // A variable holding something else: named, its content not shown.
    let out = truce_with_env(
        dir,
        &["key", "public", "--key", "env:M1_KEY"],
        b"",
        &[("M1_KEY", "PRIVATE+KEY+m1+00000000+c2VjcmV0IHRoYXQgaXMgbm90IGEga2V5")],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(!text(&out.stderr).contains("c2VjcmV0"), "{}", text(&out.stderr));
}

#[test]
fn the_server_takes_its_log_key_from_a_variable_and_never_logs_it() {
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    let out = truce(dir, &["init", "--data", "data", "--origin", "keys.example/log"], b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let log_key_file = dir.join("data/keys/log.key");
    let key_text = std::fs::read_to_string(&log_key_file).expect("reads");
    let secret = secret_of(&key_text);

    // An exposed key file: the server does not start, and says why.
    chmod(&log_key_file, 0o644);
    let out = truce(dir, &["serve", "--data", "data", "--listen", "127.0.0.1:0"], b"");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("chmod 600"), "{}", text(&out.stderr));

    // The key moved to a variable, the file gone: it sequences, signing
    // with that key.
    std::fs::remove_file(&log_key_file).expect("removes");
    let env = [("TRUCE_LOG_KEY", "env:LOG_PRIVATE_KEY"), ("LOG_PRIVATE_KEY", key_text.trim())];
    let server = Serve::start_with_env(dir, &["--data", "data"], &env);
    let (status, health) = get(&format!("{}/healthz", server.url));
    assert_eq!(status, 200);
    assert!(health.contains("\"role\":\"sequencer\""), "{health}");
    let vkey: truce_note::VerifierKey = std::fs::read_to_string(dir.join("data/keys/log.vkey"))
        .expect("the vkey")
        .trim()
        .parse()
        .expect("a key");
    let (_, checkpoint) = get(&format!("{}/checkpoint", server.url));
    truce_log::VerifiedCheckpoint::verify(checkpoint.as_bytes(), &vkey, "keys.example/log")
        .expect("signed with the key from the variable");
    drop(server);

    // Nothing the server logged holds the key.
    for entry in std::fs::read_dir(dir).expect("lists") {
        let path = entry.expect("an entry").path();
        if path.extension().is_some_and(|e| e == "log") {
            let log = std::fs::read_to_string(&path).expect("reads");
            assert!(!log.contains(&secret), "{} holds the key", path.display());
        }
    }
}
