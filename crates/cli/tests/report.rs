//! `truce report` and `truce incidents` on the sample scenario's log: the
//! same bytes from two processes with different hash seeds and thread
//! counts, and a published statement that checks.

mod common;

use std::process::Command;

use common::{text, truce};

/// The demo's log, in `dir/demo`.
fn demo(dir: &std::path::Path) -> String {
    let out = truce(dir, &["demo", "--listen", "127.0.0.1:0", "--data", "demo", "--no-serve"], b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&truce(dir, &["key", "public", "--key", "demo/keys/log.key"], b"").stdout)
        .trim()
        .to_owned()
}

/// Runs `truce` pinned to one CPU (so it sees one core), or not.
fn truce_on(dir: &std::path::Path, one_cpu: bool, args: &[&str]) -> Vec<u8> {
    let mut command = if one_cpu && Command::new("taskset").arg("--version").output().is_ok() {
        let mut c = Command::new("taskset");
        c.args(["-c", "0", env!("CARGO_BIN_EXE_truce")]);
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_truce"))
    };
    let out = command.args(args).current_dir(dir).output().expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    out.stdout
}

#[test]
fn reports_are_byte_identical_across_processes_and_statements_check() {
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    let vkey = demo(dir);
    let args = [
        "report",
        "--log",
        "demo/log",
        "--agreement",
        "13",
        "--agreement",
        "14",
        "--date",
        "2025-11-14",
        "--vkey",
        &vkey,
    ];
    // Each process has its own random hash seed; one sees one core.
    let one = truce_on(dir, true, &args);
    let two = truce_on(dir, false, &args);
    assert_eq!(one, two, "two processes disagree");
    let report: serde_json::Value = serde_json::from_slice(&one).expect("JSON");
    assert_eq!(report["format"], "truce.daily-report/v2");
    assert_eq!(report["provenance"]["checkpoint_size"], 62);
    let incidents = ["incidents", "--log", "demo/log", "--agreement", "13", "--agreement", "14"];
    assert_eq!(truce_on(dir, true, &incidents), truce_on(dir, false, &incidents));
    // Rendered in each language, byte for byte the same by any process;
    // the JSON is the same in every language.
    for format in ["html", "md"] {
        let mut english = None;
        for lang in ["en", "uk", "ru"] {
            let mut with_format = args.to_vec();
            with_format.extend(["--format", format, "--lang", lang]);
            let rendered = truce_on(dir, true, &with_format);
            assert_eq!(rendered, truce_on(dir, false, &with_format), "{format}, {lang}");
            match &english {
                None => english = Some(rendered),
                Some(english) => assert_ne!(&rendered, english, "{format}, {lang}"),
            }
        }
    }
    let mut in_ukrainian = args.to_vec();
    in_ukrainian.extend(["--lang", "uk-UA"]);
    assert_eq!(truce_on(dir, true, &in_ukrainian), one, "the JSON has no language");
    let mut unknown = args.to_vec();
    unknown.extend(["--format", "md", "--lang", "de"]);
    let refused = truce(dir, &unknown, b"");
    assert!(!refused.status.success());
    let stderr = text(&refused.stderr);
    assert!(stderr.contains("--lang") && stderr.contains("not one of en, uk, ru"), "{stderr}");

    // The operator publishes the digest; anyone checks it.
    let mut statement_args = args.to_vec();
    statement_args.extend(["--format", "statement"]);
    std::fs::write(dir.join("statement.json"), truce_on(dir, false, &statement_args))
        .expect("writes");
    let signed =
        truce(dir, &["entry", "sign", "--key", "demo/keys/operator.key", "statement.json"], b"");
    std::fs::write(dir.join("statement.note"), &signed.stdout).expect("writes");
    let appended = truce(
        dir,
        &["log", "append", "--dir", "demo/log", "--key", "demo/keys/log.key", "statement.note"],
        b"",
    );
    assert_eq!(text(&appended.stdout), "62\n");
    let check = truce(dir, &["report", "--log", "demo/log", "--check", "62"], b"");
    assert!(check.status.success(), "{}", text(&check.stderr));
    assert!(text(&check.stdout).starts_with("statement 62 matches"), "{}", text(&check.stdout));

    // A statement whose digest is not the report's does not check.
    let forged = std::fs::read_to_string(dir.join("statement.json"))
        .expect("reads")
        .replace("\"date\": \"2025-11-14\"", "\"date\": \"2025-11-13\"");
    std::fs::write(dir.join("forged.json"), forged).expect("writes");
    let signed =
        truce(dir, &["entry", "sign", "--key", "demo/keys/operator.key", "forged.json"], b"");
    std::fs::write(dir.join("forged.note"), &signed.stdout).expect("writes");
    truce(
        dir,
        &["log", "append", "--dir", "demo/log", "--key", "demo/keys/log.key", "forged.note"],
        b"",
    );
    let check = truce(dir, &["report", "--log", "demo/log", "--check", "63"], b"");
    assert_eq!(check.status.code(), Some(1));
    assert!(
        text(&check.stderr).contains("the recomputed report's digest is"),
        "{}",
        text(&check.stderr)
    );
}

#[test]
fn bad_report_requests_are_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    demo(dir);
    let not_an_agreement = truce(
        dir,
        &["report", "--log", "demo/log", "--agreement", "20", "--date", "2025-11-14"],
        b"",
    );
    assert_eq!(not_an_agreement.status.code(), Some(2));
    assert!(text(&not_an_agreement.stderr).contains("entry 20 is not an agreement"));
    let beyond = truce(dir, &["incidents", "--log", "demo/log", "--at", "100"], b"");
    assert_eq!(beyond.status.code(), Some(2));
    let zone = truce(
        dir,
        &[
            "report",
            "--log",
            "demo/log",
            "--agreement",
            "13",
            "--date",
            "2025-11-14",
            "--time-zone",
            "Mars/Olympus",
        ],
        b"",
    );
    assert_eq!(zone.status.code(), Some(2));
    assert!(text(&zone.stderr).contains("unknown time zone"), "{}", text(&zone.stderr));
}

#[test]
fn a_simulated_log_is_assessed_identically_on_one_core_and_on_all() {
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    let simulate = ["simulate", "--seed", "3", "--reports", "4000", "--days", "10", "--out", "sim"];
    let out = truce(dir, &simulate, b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let args = ["incidents", "--log", "sim/log", "--agreement", "26", "--agreement", "27"];
    let one = truce_on(dir, true, &args);
    let all = truce_on(dir, false, &args);
    let incidents: serde_json::Value = serde_json::from_slice(&all).expect("JSON");
    let count = incidents["incidents"].as_array().map_or(0, Vec::len);
    // Enough incidents that they are judged on several threads.
    assert!(count > 256, "{count} incidents");
    assert!(one == all, "one core and all cores disagree");
}
