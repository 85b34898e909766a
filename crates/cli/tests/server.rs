//! `truce init`, `truce serve`, `truce submit` and `truce demo`, as
//! processes talking HTTP on loopback.

mod common;

use common::{Serve, text, truce};

#[test]
fn init_serve_and_submit_with_proofs() {
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    let out = truce(dir, &["init", "--data", "data", "--origin", "cli.example/served"], b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("log key:      cli.example/served+"));
    let again = truce(dir, &["init", "--data", "data", "--origin", "cli.example/served"], b"");
    assert_eq!(again.status.code(), Some(2), "a second init is refused");

    let server = Serve::start(dir, &["--data", "data"]);
    let url = server.url.clone();

    // The operator registers a monitor, with truce submit.
    common::monitor_source(dir, 1);
    let log_vkey = text(&truce(dir, &["key", "public", "--key", "data/keys/log.key"], b"").stdout);
    let out = truce(
        dir,
        &[
            "submit",
            "--url",
            &url,
            "--key",
            "data/keys/operator.key",
            "--log-vkey",
            log_vkey.trim(),
            "m1.json",
        ],
        b"",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "m1.json: 1, proved in tree of size 2\n");

    // The monitor submits a JSON report (signed by submit) and a signed one.
    let report = std::fs::read(common::REPORT_FIXTURE).expect("the report fixture");
    std::fs::write(dir.join("report.json"), &report).expect("writes");
    let mut other = String::from_utf8(report).expect("utf-8");
    other = other.replace("omm-t3-2025-11-14-001", "omm-t3-2025-11-14-009");
    std::fs::write(dir.join("other.json"), other).expect("writes");
    let signed = truce(dir, &["entry", "sign", "--key", "m1.key", "other.json"], b"");
    std::fs::write(dir.join("other.note"), &signed.stdout).expect("writes");
    let out =
        truce(dir, &["submit", "--url", &url, "--key", "m1.key", "report.json", "other.note"], b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "report.json: 2, proved in tree of size 4\nother.note: 3, proved in tree of size 4\n"
    );
    assert!(text(&out.stderr).contains("checking proofs with the key the server states"));

    // A refused entry: exit 1, the problem and its pointers.
    let bad = std::fs::read_to_string(dir.join("report.json"))
        .expect("reads")
        .replace("\"lat\": 49.9935", "\"lat\": 99");
    std::fs::write(dir.join("bad.json"), bad).expect("writes");
    let signed = truce(dir, &["entry", "sign", "--key", "m1.key", "bad.json"], b"");
    assert_eq!(signed.status.code(), Some(1), "entry sign refuses it first");
    let stranger = truce(dir, &["key", "generate", "--name", "stranger", "--out", "s.key"], b"");
    assert!(stranger.status.success());
    let out = truce(dir, &["submit", "--url", &url, "--key", "s.key", "other.json"], b"");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("other.json: refused: signed by no registered source"),
        "{}",
        text(&out.stderr)
    );

    // The served log audits, entries and all.
    let out =
        truce(dir, &["log", "audit", "--url", &url, "--vkey", log_vkey.trim(), "--entries"], b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("verified 4 entries"));
}

#[test]
fn the_demo_loads_the_sample_scenario_through_the_api() {
    let dir = tempfile::tempdir().expect("dir");
    let out = truce(
        dir.path(),
        &["demo", "--listen", "127.0.0.1:0", "--data", "demo", "--no-serve"],
        b"",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("62 entries of the sample scenario"), "{stdout}");
    let log_vkey =
        text(&truce(dir.path(), &["key", "public", "--key", "demo/keys/log.key"], b"").stdout);
    let out = truce(
        dir.path(),
        &["log", "audit", "--dir", "demo/log", "--vkey", log_vkey.trim(), "--entries"],
        b"",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("verified 62 entries"));
    // The demo wants a fresh directory.
    let again = truce(
        dir.path(),
        &["demo", "--listen", "127.0.0.1:0", "--data", "demo", "--no-serve"],
        b"",
    );
    assert_eq!(again.status.code(), Some(2));
}
