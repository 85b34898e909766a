//! `truce field`: entries signed and evidence hashed with no server
//! running, synced later into a real log, each once even when a sync is
//! killed half-way; evidence bytes uploaded and a changed file refused;
//! invalid input refused naming the JSON Pointer, the outbox unchanged.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Serve, failed, get, ok, png, text, truce};
use serde_json::{Value, json};

const ORIGIN: &str = "field.test/log";

/// A data directory whose log registers the monitor `m1` (key in
/// `m1.key`); the server that registered it is stopped again, so that the
/// field work happens offline.
fn mission(dir: &Path) {
    ok(&truce(dir, &["init", "--data", "data", "--origin", ORIGIN], b""));
    let server = Serve::start(dir, &["--data", "data"]);
    let source = common::monitor_source(dir, 1);
    let args = ["submit", "--url", &server.url, "--key", "data/keys/operator.key", &source];
    ok(&truce(dir, &args, b""));
}

fn log_vkey(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("data/keys/log.vkey")).unwrap().trim().to_owned()
}

/// `truce field status`, as `name: value` lines.
fn status(dir: &Path) -> BTreeMap<String, String> {
    let out = ok(&truce(dir, &["field", "status", "--outbox", "outbox"], b""));
    out.lines()
        .filter_map(|line| line.split_once(": "))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

fn log_size(url: &str) -> u64 {
    let (code, body) = get(&format!("{url}/v1/log"));
    assert_eq!(code, 200, "{body}");
    serde_json::from_str::<Value>(&body).unwrap()["size"].as_u64().unwrap()
}

/// The outbox's notes, in capture order.
fn outbox_notes(dir: &Path) -> Vec<Vec<u8>> {
    let mut names: Vec<_> = std::fs::read_dir(dir.join("outbox/entries"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".note"))
        .collect();
    names.sort();
    names.iter().map(|name| std::fs::read(dir.join("outbox/entries").join(name)).unwrap()).collect()
}

/// The entry JSON of a signed note.
fn entry_of(note: &[u8]) -> Value {
    let text = text(note);
    serde_json::from_str(text.split_once('\n').unwrap().0).unwrap()
}

/// Every note of the log, in index order, read from its tlog-tiles entry
/// bundles.
fn log_notes(url: &str) -> Vec<Vec<u8>> {
    let size = log_size(url);
    let mut notes = Vec::new();
    for n in 0..size.div_ceil(256) {
        // SPEC(tlog-tiles): the index in groups of three digits, all but
        // the last prefixed with x; a partial bundle ends in .p/WIDTH.
        let digits = format!("{n:03}");
        let groups: Vec<String> = digits
            .as_bytes()
            .rchunks(3)
            .rev()
            .map(|g| String::from_utf8(g.to_vec()).unwrap())
            .collect();
        let mut path = groups
            .iter()
            .enumerate()
            .map(|(i, g)| if i + 1 < groups.len() { format!("x{g}") } else { g.clone() })
            .collect::<Vec<_>>()
            .join("/");
        let width = (size - n * 256).min(256);
        if width < 256 {
            path.push_str(&format!(".p/{width}"));
        }
        let (code, bundle) = common::get_bytes(&format!("{url}/tile/entries/{path}"));
        assert_eq!(code, 200, "{path}");
        let mut at = 0;
        while at < bundle.len() {
            let len = usize::from(u16::from_be_bytes([bundle[at], bundle[at + 1]]));
            notes.push(bundle[at + 2..at + 2 + len].to_vec());
            at += 2 + len;
        }
    }
    assert_eq!(notes.len() as u64, size);
    // One read through the API, for good measure.
    let last = size - 1;
    let (code, note) = common::get_bytes(&format!("{url}/v1/entries/{last}/note"));
    assert_eq!(code, 200);
    assert!(notes[last as usize] == note, "the bundles and the API agree");
    notes
}

/// Each note's `follows` is the SHA-256 of the note before it (absent for
/// the first), for the types that have the member.
fn assert_chained(notes: &[Vec<u8>]) {
    for (i, note) in notes.iter().enumerate() {
        let entry = entry_of(note);
        let has_member =
            matches!(entry["type"].as_str(), Some("truce.report/v1" | "truce.evidence/v1"));
        let expected = match i {
            0 => Value::Null,
            _ => json!(common::sha256_hex(&notes[i - 1])),
        };
        if has_member {
            assert_eq!(entry["follows"], expected, "entry {} of the outbox: {entry}", i + 1);
        }
    }
}

#[test]
fn an_outbox_of_1000_entries_made_offline_syncs_once_each_even_after_a_sigkill() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    mission(dir);
    let dead = format!("http://127.0.0.1:{}", common::free_port());
    ok(&truce(
        dir,
        &["field", "init", "--outbox", "outbox", "--key", "m1.key", "--url", &dead],
        b"",
    ));

    // A thousand reports captured offline, in four sittings.
    std::fs::create_dir(dir.join("reports")).unwrap();
    let mut report = common::report_fixture();
    let files: Vec<String> = (0..1000)
        .map(|i| {
            report["id"] = json!(format!("field-{i:04}"));
            let file = format!("reports/{i:04}.json");
            std::fs::write(dir.join(&file), report.to_string()).unwrap();
            file
        })
        .collect();
    for sitting in files.chunks(250) {
        let args = [
            &["field", "add", "--outbox", "outbox"][..],
            &sitting.iter().map(String::as_str).collect::<Vec<_>>(),
        ]
        .concat();
        ok(&truce(dir, &args, b""));
    }
    let added = started.elapsed();
    let notes = outbox_notes(dir);
    assert_eq!(notes.len(), 1000);
    assert_chained(&notes);

    // No server: the sync fails cleanly (exit 2) and changes nothing.
    let before = snapshot(&dir.join("outbox"));
    let out = truce(dir, &["field", "sync", "--outbox", "outbox"], b"");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("sync stopped"), "{}", text(&out.stderr));
    assert!(snapshot(&dir.join("outbox")) == before, "a failed sync changed the outbox");
    let counts = status(dir);
    assert_eq!((counts["waiting"].as_str(), counts["logged"].as_str()), ("1000", "0"));

    // The connection appears; the sync is killed half-way.
    let server = Serve::start(dir, &["--data", "data"]);
    let url = server.url.clone();
    let base = log_size(&url);
    let vkey = log_vkey(dir);
    let sync = [
        "field",
        "sync",
        "--outbox",
        "outbox",
        "--url",
        &url,
        "--log-vkey",
        &vkey,
        "--batch",
        "20",
    ];
    let mut child = Command::new(env!("CARGO_BIN_EXE_truce"))
        .args(sync)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut rng = common::Rng(0x5eed ^ u64::from(std::process::id()));
    let kill_at = base + 200 + rng.below(500);
    let deadline = Instant::now() + Duration::from_secs(60);
    while log_size(&url) < kill_at {
        assert!(Instant::now() < deadline, "the sync did not get going");
        assert!(child.try_wait().unwrap().is_none(), "the sync ended before the kill");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let in_log = log_size(&url) - base;
    let counts = status(dir);
    let logged: usize = counts["logged"].parse().unwrap();
    assert!(in_log < 1000, "the kill landed after the sync was done");
    assert!(logged as u64 <= in_log, "{logged} recorded logged, {in_log} in the log");
    assert_eq!(counts["waiting"].parse::<usize>().unwrap(), 1000 - logged);

    // The next sync finishes: what the log already held is answered with
    // its index, the rest logged.
    let out = ok(&truce(dir, &["field", "sync", "--outbox", "outbox", "--url", &url], b""));
    let summary = out.lines().last().unwrap();
    let numbers: Vec<usize> =
        summary.split(", ").map(|part| part.split(' ').next().unwrap().parse().unwrap()).collect();
    assert_eq!(numbers[0] + numbers[1], 1000 - logged, "{summary}");
    assert_eq!(numbers[0] as u64, 1000 - in_log, "{summary}");
    assert_eq!(numbers[3], 0, "{summary}");

    // Every note in the log exactly once, in capture order, chained.
    let logged_notes = log_notes(&url);
    assert_eq!(logged_notes.len() as u64, base + 1000);
    let mut counts_in_log: HashMap<&[u8], usize> = HashMap::new();
    for note in &logged_notes {
        *counts_in_log.entry(note.as_slice()).or_default() += 1;
    }
    for (i, note) in notes.iter().enumerate() {
        assert_eq!(counts_in_log.get(note.as_slice()), Some(&1), "outbox entry {}", i + 1);
    }
    assert!(logged_notes[base as usize..] == notes[..], "the log holds them in capture order");
    assert_chained(&logged_notes[base as usize..]);
    let counts = status(dir);
    assert_eq!(counts["logged"], "1000");
    assert_eq!(counts["waiting"], "0");
    assert!(counts["chain"].starts_with("intact"), "{counts:?}");
    assert_eq!(counts["log key"], vkey, "the first sync pinned the log's key");

    // A third sync has nothing to send.
    let out = ok(&truce(dir, &["field", "sync", "--outbox", "outbox", "--url", &url], b""));
    assert!(out.contains("0 logged, 0 already logged, 0 uploaded, 0 refused"), "{out}");
    assert_eq!(log_size(&url), base + 1000);
    eprintln!("added 1000 entries in {added:?}; whole test {:?}", started.elapsed());
}

/// Every file under `dir` and its bytes, but the locks.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(at) = stack.pop() {
        for found in std::fs::read_dir(&at).unwrap() {
            let path = found.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if !path.file_name().unwrap().to_string_lossy().ends_with("lock") {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                files.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

#[test]
fn evidence_logged_offline_is_uploaded_at_sync_and_a_changed_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    mission(dir);
    ok(&truce(dir, &["field", "init", "--outbox", "outbox", "--key", "m1.key"], b""));
    std::fs::write(dir.join("crater.png"), png(1, 3)).unwrap();
    std::fs::write(dir.join("convoy.png"), png(1, 9)).unwrap();
    let mut report = common::report_fixture();
    report["id"] = json!("field-before");
    std::fs::write(dir.join("before.json"), report.to_string()).unwrap();
    std::fs::copy("../entry/tests/data/valid/coverage-access.json", dir.join("gap.json")).unwrap();
    report["id"] = json!("field-after");
    std::fs::write(dir.join("after.json"), report.to_string()).unwrap();
    // Valid as it stands, refused by the log: it corrects an entry of
    // another source (the operator's registration).
    report["id"] = json!("field-foreign");
    report["supersedes"] = json!(0);
    std::fs::write(dir.join("foreign.json"), report.to_string()).unwrap();

    // Offline: a report, a coverage gap (no `follows` member: chained in
    // the outbox's record), two files, a report, a report the log refuses.
    ok(&truce(dir, &["field", "add", "--outbox", "outbox", "before.json", "gap.json"], b""));
    let evidence = [
        "field",
        "evidence",
        "--outbox",
        "outbox",
        "--custodian",
        "Monitor team 1",
        "--captured",
        "2025-11-14T03:41:00+02:00",
        "--place",
        "49.9935,36.2304,50",
        "crater.png",
        "convoy.png",
    ];
    let out = ok(&truce(dir, &evidence, b""));
    assert!(out.contains("crater.png: entry 00000003.note (truce.evidence/v1)"), "{out}");
    ok(&truce(dir, &["field", "add", "--outbox", "outbox", "after.json", "foreign.json"], b""));
    let notes = outbox_notes(dir);
    assert_eq!(notes.len(), 6);
    assert_chained(&notes);
    let crater = entry_of(&notes[2]);
    assert_eq!(crater["sha256"], common::sha256_hex(&png(1, 3)));
    assert_eq!(crater["place"]["uncertainty_m"], 50);
    let counts = status(dir);
    assert_eq!((counts["waiting"].as_str(), counts["evidence files"].as_str()), ("6", "2"));

    // The convoy photo is edited before the connection appears.
    std::fs::write(dir.join("convoy.png"), png(1, 10)).unwrap();
    let server = Serve::start(dir, &["--data", "data"]);
    let url = server.url.clone();
    let out = truce(dir, &["field", "sync", "--outbox", "outbox", "--url", &url], b"");
    let error = failed(&out);
    assert!(error.contains("convoy.png: refused: the file changed since it was added"), "{error}");
    assert!(error.contains("00000006.note") && error.contains("refused"), "{error}");
    assert!(
        text(&out.stdout).contains("5 logged, 0 already logged, 1 uploaded, 2 refused"),
        "{}",
        text(&out.stdout)
    );

    let status_of = |bytes: &[u8]| {
        let (code, body) = get(&format!("{url}/v1/evidence/{}/status", common::sha256_hex(bytes)));
        (code, serde_json::from_str::<Value>(&body).unwrap_or_default())
    };
    let (code, crater_status) = status_of(&png(1, 3));
    assert_eq!(code, 200);
    assert_eq!(crater_status["stored"], true, "{crater_status}");
    let (code, served) =
        common::get_bytes(&format!("{url}/v1/evidence/{}", common::sha256_hex(&png(1, 3))));
    assert_eq!(code, 200);
    assert!(served == png(1, 3));
    // The convoy's entry is in the log (the chain stays whole); its bytes
    // are not.
    let (_, convoy_status) = status_of(&png(1, 9));
    assert_ne!(convoy_status["stored"], true, "{convoy_status}");
    let counts = status(dir);
    assert_eq!(counts["logged"], "5");
    assert_eq!(counts["refused"], "1");
    assert_eq!(counts["uploaded"], "1");
    assert!(counts["00000006.note"].starts_with("refused"), "{counts:?}");
    let logged = log_notes(&url);
    assert_chained(&logged[logged.len() - 5..]);

    // The original put back, the next sync uploads it; the refused report
    // still stands refused (exit 1) and is not sent again.
    std::fs::write(dir.join("convoy.png"), png(1, 9)).unwrap();
    let out = truce(dir, &["field", "sync", "--outbox", "outbox", "--url", &url], b"");
    failed(&out);
    assert!(
        text(&out.stdout).contains("0 logged, 0 already logged, 1 uploaded, 0 refused"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(status_of(&png(1, 9)).1["stored"], true);
    assert_eq!(status(dir)["uploaded"], "2");
}

#[test]
fn invalid_input_is_refused_by_pointer_and_the_outbox_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    common::monitor_source(dir, 1);
    std::fs::create_dir(dir.join("busy")).unwrap();
    std::fs::write(dir.join("busy/notes.txt"), "mine").unwrap();
    let out = truce(dir, &["field", "init", "--outbox", "busy", "--key", "m1.key"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not empty and not an outbox"), "{}", text(&out.stderr));
    ok(&truce(dir, &["field", "init", "--outbox", "outbox", "--key", "m1.key"], b""));
    let out = truce(dir, &["field", "init", "--outbox", "outbox", "--key", "m1.key"], b"");
    assert!(text(&out.stderr).contains("is an outbox already"), "{}", text(&out.stderr));

    let mut report = common::report_fixture();
    report["id"] = json!("good-1");
    std::fs::write(dir.join("good.json"), report.to_string()).unwrap();
    ok(&truce(dir, &["field", "add", "--outbox", "outbox", "good.json"], b""));
    let before = snapshot(&dir.join("outbox"));

    report["id"] = json!("good-2");
    std::fs::write(dir.join("good2.json"), report.to_string()).unwrap();
    let mut bad = report.clone();
    bad["location"]["lat"] = json!(91);
    std::fs::write(dir.join("bad.json"), bad.to_string()).unwrap();
    let mut forked = report.clone();
    forked["follows"] = json!("00".repeat(32));
    std::fs::write(dir.join("forked.json"), forked.to_string()).unwrap();
    std::fs::write(dir.join("broken.json"), "{\"type\": ").unwrap();
    let args = [
        "field",
        "add",
        "--outbox",
        "outbox",
        "good2.json",
        "bad.json",
        "forked.json",
        "broken.json",
    ];
    let error = failed(&truce(dir, &args, b""));
    assert!(error.contains("bad.json: /location/lat: "), "{error}");
    assert!(error.contains("forked.json: /follows: is 0000"), "{error}");
    assert!(error.contains("broken.json: invalid JSON"), "{error}");
    assert!(error.contains("nothing was added"), "{error}");
    assert!(snapshot(&dir.join("outbox")) == before, "a refused add changed the outbox");
    let counts = status(dir);
    assert_eq!((counts["entries"].as_str(), counts["waiting"].as_str()), ("1", "1"));

    // A note altered on disk breaks the chain: status says so (exit 1).
    let note = dir.join("outbox/entries/00000001.note");
    let mut bytes = std::fs::read(&note).unwrap();
    let at = bytes.iter().position(|b| *b == b'4').unwrap();
    bytes[at] = b'5';
    std::fs::write(&note, bytes).unwrap();
    let error = failed(&truce(dir, &["field", "status", "--outbox", "outbox"], b""));
    assert!(error.contains("chain: broken") && error.contains("00000001.note"), "{error}");
}
