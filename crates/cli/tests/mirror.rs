//! `truce mirror`, as processes: following a live server that grows while
//! it mirrors, resuming after being killed, and refusing a log that serves
//! a tampered tile or bundle, a forked checkpoint or a bad signature.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Rng, Serve, sign, text, truce};
use serde_json::{Value, json};
use truce_log::{Checkpoint, Hash, VerifiedCheckpoint, leaf_hash, root_from_leaves};
use truce_note::{KeyName, SigningKey, UnverifiedNote};

const ORIGIN: &str = "mirror.truce.example/log";

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{}\n{}", text(&out.stdout), text(&out.stderr));
    text(&out.stdout)
}

/// The stderr of a run that failed a check (exit 1).
fn refused(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "{}\n{}", text(&out.stdout), text(&out.stderr));
    text(&out.stderr)
}

fn get(url: &str) -> Vec<u8> {
    let mut response = ureq::get(url).call().expect("GET");
    response.body_mut().with_config().limit(64 << 20).read_to_vec().expect("body")
}

/// Starts `truce ARGS` in `dir`, its output in `name`.out and `name`.err.
fn spawn(dir: &Path, name: &str, args: &[&str]) -> Child {
    let file = |ext: &str| std::fs::File::create(dir.join(format!("{name}.{ext}"))).expect("file");
    Command::new(env!("CARGO_BIN_EXE_truce"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(file("out"))
        .stderr(file("err"))
        .spawn()
        .expect("truce runs")
}

// ---------------------------------------------------------------------------
// A live server.

/// Registers a monitor with the operator's key; returns the monitor's key.
fn register_monitor(url: &str, data: &Path) -> SigningKey {
    let operator = truce_store::read_key_file(&data.join("keys/operator.key")).expect("key");
    let monitor = SigningKey::from_seed(KeyName::new("omm-1").expect("name"), &[5; 32]);
    let registration = json!({
        "type": "truce.source/v1", "source": "omm-1", "action": "register",
        "key": monitor.verifier_key().to_string(), "name": "Monitor", "role": "monitor",
        "organisation": "Mission", "reliability": "A",
    });
    submit(url, &[sign(&registration, &operator)]);
    monitor
}

/// Reports `ids` signed by `monitor`, submitted in batches.
fn submit_reports(url: &str, monitor: &SigningKey, ids: std::ops::Range<u64>) {
    let notes: Vec<Vec<u8>> = ids
        .map(|n| {
            let mut report = common::report_fixture();
            report["id"] = json!(format!("r-{n}"));
            sign(&report, monitor)
        })
        .collect();
    for batch in notes.chunks(500) {
        submit(url, batch);
    }
}

fn submit(url: &str, notes: &[Vec<u8>]) {
    let strings: Vec<String> = notes.iter().map(|n| text(n)).collect();
    let mut response = ureq::post(format!("{url}/v1/entries"))
        .header("content-type", "application/json")
        .send(&serde_json::to_vec(&strings).expect("JSON")[..])
        .expect("POST");
    let body = response.body_mut().read_to_string().expect("body");
    let body: Value = serde_json::from_str(&body).expect("JSON");
    for result in body["results"].as_array().expect("results") {
        assert!(result["index"].is_u64(), "{result}");
    }
}

/// Waits until the mirror's checkpoint is the one the server serves.
fn wait_until_mirrored(dir: &Path, url: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let served = get(&format!("{url}/checkpoint"));
        if std::fs::read(dir.join("checkpoint")).ok().as_deref() == Some(&served[..]) {
            return;
        }
        assert!(Instant::now() < deadline, "the mirror did not catch up");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_mirror_follows_a_growing_server_and_resumes_after_being_killed() {
    let work = tempfile::tempdir().expect("dir");
    let dir = work.path();
    std::fs::write(dir.join("truce.toml"), "rate_per_second = 1000000.0\nrate_burst = 1000000.0\n")
        .expect("writes");
    let place = ["--data", "data", "--config", "truce.toml"];
    ok(&truce(dir, &["init", "--data", "data", "--config", "truce.toml", "--origin", ORIGIN], b""));
    let server = Serve::start(dir, &place);
    let url = server.url.clone();
    let log_vkey = std::fs::read_to_string(dir.join("data/keys/log.vkey")).expect("vkey");
    let monitor = register_monitor(&url, &dir.join("data"));
    submit_reports(&url, &monitor, 0..100);

    // First run: no key given, so the one the server states, trusted on
    // first use, said so, and kept.
    let once = ["mirror", "--from", &url, "--dir", "m", "--once"];
    let out = truce(dir, &once, b"");
    let summary = ok(&out);
    assert!(summary.starts_with("mirrored 102 entries: m holds 102 entries"), "{summary}");
    assert!(text(&out.stderr).contains("trusting the log key the server states"));
    assert_eq!(std::fs::read_to_string(dir.join("m/keys/log.vkey")).expect("kept"), log_vkey);
    assert_eq!(
        std::fs::read(dir.join("m/log/checkpoint")).expect("checkpoint"),
        get(&format!("{url}/checkpoint"))
    );
    // Up to date, and no second note; another key is refused.
    let out = truce(dir, &once, b"");
    assert_eq!(ok(&out), "m is up to date: 102 entries\n");
    assert!(!text(&out.stderr).contains("trusting"), "{}", text(&out.stderr));
    let stranger = SigningKey::from_seed(KeyName::new(ORIGIN).expect("name"), &[9; 32]);
    let out =
        truce(dir, &[&once[..], &["--vkey", &stranger.verifier_key().to_string()]].concat(), b"");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("is not the key m was mirrored with"));

    // Following: the log grows while the mirror polls.
    let mut follower =
        spawn(dir, "follow", &["mirror", "--from", &url, "--dir", "m", "--interval", "1"]);
    for round in 0..5 {
        submit_reports(&url, &monitor, 100 + round * 100..200 + round * 100);
        std::thread::sleep(Duration::from_millis(500));
    }
    wait_until_mirrored(&dir.join("m/log"), &url);
    assert!(follower.try_wait().expect("waits").is_none(), "it polls until killed");
    follower.kill().expect("kills");
    follower.wait().expect("waits");
    let followed = text(&std::fs::read(dir.join("follow.out")).expect("output"));
    assert!(followed.lines().count() >= 2, "several rounds: {followed}");

    // Killed mid-way through a long round, then resumed.
    submit_reports(&url, &monitor, 600..2100);
    let mut rng = Rng(0x6d69_7272_6f72);
    let mut killed = spawn(dir, "killed", &once);
    std::thread::sleep(Duration::from_millis(20 + rng.below(300)));
    let _ = killed.kill();
    killed.wait().expect("waits");
    let started = Instant::now();
    let summary = ok(&truce(dir, &once, b""));
    let elapsed = started.elapsed();
    // Up to date if it was killed too late, else it finished the round.
    assert!(summary.contains(" 2102 entries"), "{summary}");
    eprintln!("resumed mirror: {} in {elapsed:.2?} (debug build)", summary.trim());
    assert_eq!(
        std::fs::read(dir.join("m/log/checkpoint")).expect("checkpoint"),
        get(&format!("{url}/checkpoint"))
    );

    // The directory is the log: audited offline, and what a report reads
    // from it (a prefix: replaying entries is slow in a debug build) is
    // what it reads from the server.
    let vkey = log_vkey.trim();
    let audit = ok(&truce(dir, &["log", "audit", "--dir", "m/log", "--vkey", vkey], b""));
    assert!(audit.starts_with("verified 2102 entries"), "{audit}");
    let from_mirror =
        ok(&truce(dir, &["incidents", "--log", "m/log", "--vkey", vkey, "--at", "300"], b""));
    let from_server =
        ok(&truce(dir, &["incidents", "--log", &url, "--vkey", vkey, "--at", "300"], b""));
    assert_eq!(from_mirror, from_server);

    // And a server of it: indexed from the copy with only the log's
    // verifier key, `truce serve --read-only` answers as the log's server.
    ok(&truce(dir, &["reindex", "--data", "m"], b""));
    let replica = Serve::start(dir, &["--data", "m", "--read-only"]);
    for path in ["/checkpoint", "/v1/reports?limit=1000", "/v1/sources", "/tile/0/000"] {
        assert_eq!(get(&format!("{}{path}", replica.url)), get(&format!("{url}{path}")), "{path}");
    }
    drop(replica);

    // A fresh mirror of the whole log, timed.
    let started = Instant::now();
    let summary = ok(&truce(
        dir,
        &["mirror", "--from", &url, "--dir", "fresh", "--vkey", vkey, "--once"],
        b"",
    ));
    eprintln!("fresh mirror: {} in {:.2?} (debug build)", summary.trim(), started.elapsed());
}

// ---------------------------------------------------------------------------
// A log served by a small HTTP server that can lie.

/// What the test server serves: a log directory's files, with one byte of
/// one file flipped, or another checkpoint.
#[derive(Clone, Default)]
struct Serving {
    dir: PathBuf,
    flip: Option<String>,
    checkpoint: Option<Vec<u8>>,
}

struct FileServer {
    url: String,
    serving: Arc<Mutex<Serving>>,
    _runtime: tokio::runtime::Runtime,
}

impl FileServer {
    fn start(dir: &Path) -> FileServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let listener =
            runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("binds");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let serving = Arc::new(Mutex::new(Serving { dir: dir.to_owned(), ..Serving::default() }));
        let router = axum::Router::new()
            .route("/{*path}", axum::routing::get(serve_file))
            .with_state(serving.clone());
        runtime.spawn(async move { axum::serve(listener, router).await });
        FileServer { url, serving, _runtime: runtime }
    }

    fn serve(&self, serving: Serving) {
        *self.serving.lock().expect("lock") = serving;
    }
}

async fn serve_file(
    axum::extract::State(serving): axum::extract::State<Arc<Mutex<Serving>>>,
    axum::extract::Path(path): axum::extract::Path<String>,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let serving = serving.lock().expect("lock").clone();
    if let (Some(checkpoint), "checkpoint") = (serving.checkpoint, path.as_str()) {
        return checkpoint.into_response();
    }
    match std::fs::read(serving.dir.join(&path)) {
        Ok(mut bytes) => {
            if serving.flip.as_deref() == Some(path.as_str()) {
                let middle = bytes.len() / 2;
                bytes[middle] ^= 1;
            }
            bytes.into_response()
        }
        Err(_) => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}

/// Appends `lines` to the log in `dir` with `truce log append`.
fn append(work: &Path, log: &str, lines: impl Iterator<Item = String>) {
    let input: String = lines.map(|line| line + "\n").collect();
    ok(&truce(work, &["log", "append", "--dir", log, "--key", "log.key", "-"], input.as_bytes()));
}

/// Every file of the mirror but its evidence, with its contents.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_owned()];
    while let Some(current) = dirs.pop() {
        for entry in std::fs::read_dir(&current).expect("lists") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                if path != dir.join("evidence") {
                    dirs.push(path);
                }
            } else {
                let bytes = std::fs::read(&path).expect("reads");
                files.push((path.strip_prefix(dir).expect("inside").to_owned(), bytes));
            }
        }
    }
    files.sort();
    files
}

fn evidence_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("evidence"))
        .map(|entries| entries.map(|e| e.expect("entry").path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

/// Runs the mirror against what `server` serves now and checks the
/// refusal: exit 1, the reason and `detail` printed, nothing stored, one
/// new evidence file holding both checkpoints verbatim. Returns the
/// evidence.
fn expect_refusal(
    work: &Path,
    server: &FileServer,
    vkey: &str,
    reason: &str,
    detail: &str,
) -> String {
    let mirror = work.join("m");
    let before = snapshot(&mirror);
    let evidence_before = evidence_files(&mirror).len();
    let last_good = std::fs::read(mirror.join("log/checkpoint")).expect("checkpoint");
    let out = truce(
        work,
        &["mirror", "--from", &server.url, "--dir", "m", "--vkey", vkey, "--once"],
        b"",
    );
    let stderr = refused(&out);
    assert!(stderr.contains(&format!("refused the log's checkpoint: {reason}: ")), "{stderr}");
    assert!(stderr.contains(detail), "{detail:?} in {stderr}");
    assert!(snapshot(&mirror) == before, "{reason} ({detail}): the mirror changed");

    let evidence = evidence_files(&mirror);
    assert_eq!(evidence.len(), evidence_before + 1, "one evidence file more");
    let path = evidence
        .iter()
        .find(|p| stderr.contains(&*p.file_name().expect("name").to_string_lossy()))
        .expect("the evidence named");
    let name = path.file_name().expect("name").to_string_lossy().into_owned();
    assert!(name.ends_with(&format!("-{reason}.txt")), "{name}");
    let bytes = std::fs::read(path).expect("evidence");
    let received = get(&format!("{}/checkpoint", server.url));
    let serving = server.serving.lock().expect("lock").clone();
    let offending = serving.checkpoint.unwrap_or(received);
    for checkpoint in [&last_good, &offending] {
        let found = bytes.windows(checkpoint.len()).any(|w| w == &checkpoint[..]);
        assert!(found, "the evidence holds both checkpoints verbatim:\n{}", text(&bytes));
    }
    text(&bytes)
}

/// The consistency proof in a fork's evidence.
fn proof_in(evidence: &str) -> Vec<Hash> {
    let (_, hashes) = evidence.split_once("one a line:\n").expect("a proof");
    hashes.lines().map(|line| line.parse().expect("a hash")).collect()
}

#[test]
fn a_mirror_refuses_tampered_tiles_forks_and_bad_signatures_and_keeps_the_evidence() {
    let work = tempfile::tempdir().expect("dir");
    let work = work.path();
    let vkey = ok(&truce(work, &["key", "generate", "--name", ORIGIN, "--out", "log.key"], b""));
    let vkey = vkey.trim();
    ok(&truce(work, &["log", "init", "--dir", "a", "--key", "log.key"], b""));
    append(work, "a", (0..1000).map(|i| format!("entry {i}")));
    let server = FileServer::start(&work.join("a"));
    let mirror = ["mirror", "--from", &server.url, "--dir", "m", "--vkey", vkey, "--once"];
    ok(&truce(work, &mirror, b""));

    // The log grows from 1000 to 2000 entries: level-0 tiles 3 (full now)
    // to 6 and 7.p/208, level-1 tile 0.p/7 are new; one of them, served
    // with one byte flipped, is refused.
    append(work, "a", (1000..2000).map(|i| format!("entry {i}")));
    let clean = Serving { dir: work.join("a"), ..Serving::default() };
    for (flip, detail) in [
        ("tile/0/005", "tile/0/005 hashes to"),
        ("tile/0/003", "tile/0/003"),
        ("tile/entries/004", "tile/entries/004"),
        ("tile/entries/007.p/208", "tile/entries/007.p/208"),
        ("tile/0/007.p/208", "tile/0/007.p/208"),
        ("tile/1/000.p/7", "tile/1/000.p/7"),
    ] {
        server.serve(Serving { flip: Some(flip.into()), ..clean.clone() });
        expect_refusal(work, &server, vkey, "tampered", detail);
    }

    // A fork: the same key signs another tree, of the size mirrored, then
    // a larger one.
    ok(&truce(work, &["log", "init", "--dir", "b", "--key", "log.key"], b""));
    append(work, "b", (0..1000).map(|i| format!("forked entry {i}")));
    server.serve(Serving { dir: work.join("b"), ..Serving::default() });
    expect_refusal(work, &server, vkey, "fork", "two trees of one size");
    append(work, "b", (1000..1500).map(|i| format!("forked entry {i}")));
    let evidence = expect_refusal(work, &server, vkey, "fork", "at size 1000");
    // The evidence proves it to anyone: its proof leads from the root of
    // the forked tree at 1000 to the forked checkpoint's root.
    let forked_leaves: Vec<Hash> =
        (0..1000).map(|i| leaf_hash(format!("forked entry {i}").as_bytes())).collect();
    let forked = std::fs::read(work.join("b/checkpoint")).expect("checkpoint");
    let forked =
        VerifiedCheckpoint::verify(&forked, &vkey.parse().expect("vkey"), ORIGIN).expect("signed");
    let proof = proof_in(&evidence);
    truce_log::verify_consistency(
        1000,
        1500,
        &proof,
        &root_from_leaves(&forked_leaves),
        &forked.root(),
    )
    .expect("the evidence's proof verifies");

    // A checkpoint signed by another key of the same name.
    let served = std::fs::read(work.join("a/checkpoint")).expect("checkpoint");
    let note = UnverifiedNote::parse(&served).expect("a note");
    let body = Checkpoint::parse(note.text_unverified()).expect("a checkpoint");
    let impostor = SigningKey::from_seed(KeyName::new(ORIGIN).expect("name"), &[7; 32]);
    let forged = Checkpoint::new(ORIGIN, body.size(), body.root())
        .and_then(|c| c.sign(&impostor))
        .expect("signs")
        .to_bytes();
    server.serve(Serving { checkpoint: Some(forged), ..clean.clone() });
    expect_refusal(work, &server, vkey, "bad-signature", "does not verify with the log's key");

    // A round interrupted after it wrote bundles and tiles beyond the
    // checkpoint (one of them torn since): the next takes those that verify
    // and fetches the rest.
    for path in ["tile/entries/004", "tile/0/004", "tile/entries/005", "tile/0/005"] {
        let target = work.join("m/log").join(path);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("dir");
        std::fs::copy(work.join("a").join(path), &target).expect("copies");
    }
    std::fs::write(work.join("m/log/tile/entries/005"), b"torn").expect("writes");

    // Served honestly again, the log mirrors from where it stopped.
    server.serve(clean.clone());
    let out = truce(work, &mirror, b"");
    let summary = ok(&out);
    assert!(summary.starts_with("mirrored 1000 entries: m holds 2000 entries"), "{summary}");
    assert!(text(&out.stderr).contains("256 of them were in m already"), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(work.join("m/log/checkpoint")).expect("checkpoint"), served);
    let audit = ok(&truce(work, &["log", "audit", "--dir", "m/log", "--vkey", vkey], b""));
    assert!(audit.starts_with("verified 2000 entries"), "{audit}");

    // An older checkpoint of the same tree (a stale cache) is no fork.
    let older = std::fs::read(work.join("a/checkpoints/1000")).expect("history");
    server.serve(Serving { checkpoint: Some(older), ..clean });
    let out = truce(work, &mirror, b"");
    ok(&out);
    assert!(text(&out.stderr).contains("older checkpoint (size 1000)"), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(work.join("m/log/checkpoint")).expect("checkpoint"), served);

    // An older checkpoint of another tree is a fork, proved from the
    // mirror's own tiles.
    let forked_older = std::fs::read(work.join("b/checkpoints/1000")).expect("history");
    server.serve(Serving { checkpoint: Some(forked_older), ..Serving::default() });
    let evidence = expect_refusal(work, &server, vkey, "fork", "at that size");
    let leaves: Vec<Hash> = (0..1000).map(|i| leaf_hash(format!("entry {i}").as_bytes())).collect();
    let mirrored =
        VerifiedCheckpoint::verify(&served, &vkey.parse().expect("vkey"), ORIGIN).expect("signed");
    truce_log::verify_consistency(
        1000,
        2000,
        &proof_in(&evidence),
        &root_from_leaves(&leaves),
        &mirrored.root(),
    )
    .expect("the evidence's proof verifies");
}
