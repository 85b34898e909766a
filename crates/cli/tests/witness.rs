//! A log and three witness processes on loopback, with a 2-of-3 witness
//! policy: normal operation gathers three cosignatures; with one witness
//! stopped the log goes on with two; a forked checkpoint gets no
//! cosignature from the witnesses that saw the other branch, and a client
//! with the policy refuses it; a witness that comes back is brought up to
//! date, also by a log restarted with no memory of the witnesses. A
//! witness that hangs, and one that answers garbage, are skipped and named
//! in the log's log, and cosign once real witnesses answer at their
//! addresses. A witness whose clock is set back (libfaketime) cosigns
//! nothing until its clock is past its latest cosignature, restarted or
//! not. A witness follows the rotation of a log's key, says so in its log,
//! and refuses the retired key after a restart.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{FakeClock, Process, free_port, monitor_source, start, start_with, text, truce};
use truce_log::{Checkpoint, MemoryTree, Policy, TlogProof, inclusion_proof, leaf_hash};
use truce_witness::AddCheckpoint;

const ORIGIN: &str = "test.example/witnessed";

fn witness(dir: &std::path::Path, n: usize, port: u16, log_vkey: &str) -> Process {
    let (key, state, listen) = (format!("w{n}.key"), format!("w{n}"), format!("127.0.0.1:{port}"));
    let log = format!("{ORIGIN}={log_vkey}");
    let args =
        ["witness", "serve", "--key", &key, "--state", &state, "--listen", &listen, "--log", &log];
    start(dir, &args, port)
}

/// The witnesses (by policy name) that cosigned the served checkpoint,
/// once its size is at least `size`.
fn cosigned_at_least(url: &str, policy: &Policy, size: u64, wanted: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let note = ureq::get(format!("{url}/checkpoint"))
            .call()
            .expect("checkpoint")
            .body_mut()
            .read_to_vec()
            .expect("body");
        let quorum_none = Policy::parse(&policy_without_quorum(policy)).expect("parses");
        let witnessed = quorum_none.verify(&note, Some(ORIGIN)).expect("the log's checkpoint");
        let names: Vec<String> = witnessed.cosigned().iter().map(|(n, _)| n.clone()).collect();
        if witnessed.checkpoint().size() >= size && names.len() == wanted {
            return names;
        }
        assert!(Instant::now() < deadline, "size {size} with {wanted} cosignatures: got {names:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The same logs and witnesses, with no quorum: to read who cosigned.
fn policy_without_quorum(policy: &Policy) -> String {
    let mut text: String = policy.logs().map(|k| format!("log {k}\n")).collect();
    for (name, key, _) in policy.witnesses() {
        text.push_str(&format!("witness {name} {key}\n"));
    }
    text + "quorum none\n"
}

fn register(dir: &std::path::Path, url: &str, log_vkey: &str, n: usize) -> std::process::Output {
    let file = monitor_source(dir, n);
    let args = [
        "submit",
        "--url",
        url,
        "--key",
        "data/keys/operator.key",
        "--log-vkey",
        log_vkey,
        "--witness-policy",
        "policy.txt",
        "--witness-wait",
        "20",
        &file,
    ];
    truce(dir, &args, b"")
}

/// A log in `DIR/data` and the keys of three witnesses (`w1.key`...):
/// writes `policy.txt` (the log, the witnesses, then `quorum`, the policy's
/// group and quorum lines) and `truce.toml` (the witnesses, each asked with
/// `timeout_ms`, on a free port); returns the log's verifier key, the
/// witnesses' ports and the policy.
fn log_and_witness_keys(
    dir: &std::path::Path,
    timeout_ms: u64,
    quorum: &str,
) -> (String, Vec<u16>, Policy) {
    let out = truce(dir, &["init", "--data", "data", "--origin", ORIGIN], b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let log_vkey = text(&truce(dir, &["key", "public", "--key", "data/keys/log.key"], b"").stdout)
        .trim()
        .to_owned();
    let mut ports = Vec::new();
    let mut policy = format!("log {log_vkey}\n");
    let mut config = format!("witness_timeout_ms = {timeout_ms}\n");
    for n in 1..=3 {
        let name = format!("w{n}.example/witness");
        let out = truce(
            dir,
            &["key", "generate", "--cosigner", "--name", &name, "--out", &format!("w{n}.key")],
            b"",
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let vkey = text(&out.stdout).trim().to_owned();
        let port = free_port();
        policy.push_str(&format!("witness w{n} {vkey}\n"));
        config.push_str(&format!(
            "[[witness]]\nname = \"w{n}\"\nurl = \"http://127.0.0.1:{port}\"\nvkey = \"{vkey}\"\n"
        ));
        ports.push(port);
    }
    policy.push_str(quorum);
    std::fs::write(dir.join("policy.txt"), &policy).expect("writes");
    std::fs::write(dir.join("truce.toml"), &config).expect("writes");
    (log_vkey, ports, Policy::parse(&policy).expect("parses"))
}

/// `truce serve` of `DIR/data` with `truce.toml`, on `port`.
fn serve_log(dir: &std::path::Path, port: u16) -> Process {
    let listen = format!("127.0.0.1:{port}");
    start(dir, &["serve", "--data", "data", "--listen", &listen, "--config", "truce.toml"], port)
}

#[test]
fn three_witnesses_a_quorum_of_two_and_a_fork() {
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    let (log_vkey, ports, policy) =
        log_and_witness_keys(dir, 2000, "group two-of-three 2 w1 w2 w3\nquorum two-of-three\n");
    let mut witnesses: Vec<Option<Process>> =
        (1..=3).zip(&ports).map(|(n, &port)| Some(witness(dir, n, port, &log_vkey))).collect();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let server = serve_log(dir, port);

    // Normal operation: every witness cosigns.
    let out = register(dir, &url, &log_vkey, 1);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(cosigned_at_least(&url, &policy, 2, 3), ["w1", "w2", "w3"]);
    let audit = truce(
        dir,
        &["log", "audit", "--url", &url, "--vkey", &log_vkey, "--witness-policy", "policy.txt"],
        b"",
    );
    assert!(audit.status.success(), "{}", text(&audit.stderr));
    assert!(
        text(&audit.stdout).contains("the checkpoint is cosigned by w1, w2, w3"),
        "{}",
        text(&audit.stdout)
    );

    // One witness down: the log goes on, cosigned by two, which the
    // policy accepts.
    witnesses[2] = None;
    let out = register(dir, &url, &log_vkey, 2);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(cosigned_at_least(&url, &policy, 3, 2), ["w1", "w2"]);

    // A fork: the log's key signs another tree of the same size, then a
    // larger one, then a smaller one. The witnesses that saw the real
    // branch cosign none of them.
    let log_key =
        truce_store::read_key_file(&dir.join("data/keys/log.key")).expect("the log's key");
    let size = 3;
    let mut fork = MemoryTree::new();
    for i in 0..size + 3 {
        fork.append(leaf_hash(format!("forged {i}").as_bytes())).expect("appends");
    }
    let forged = |n: u64| {
        let root = truce_log::tree_root(n, &fork).expect("root");
        Checkpoint::new(ORIGIN, n, root).expect("valid").sign(&log_key).expect("signs")
    };
    let agent: ureq::Agent =
        ureq::Agent::config_builder().http_status_as_error(false).build().into();
    for &witness_port in &ports[..2] {
        let post = |body: AddCheckpoint| {
            agent
                .post(format!("http://127.0.0.1:{witness_port}/add-checkpoint"))
                .send(&body.to_bytes()[..])
                .expect("answers")
                .status()
                .as_u16()
        };
        let same_size =
            AddCheckpoint { old: size, proof: vec![], checkpoint: forged(size).to_bytes() };
        assert_eq!(post(same_size), 422, "same size, another root");
        let proof = truce_log::consistency_proof(size, size + 3, &fork).expect("proof");
        let larger = AddCheckpoint { old: size, proof, checkpoint: forged(size + 3).to_bytes() };
        assert_eq!(post(larger), 422, "a larger tree that does not extend the one seen");
        let smaller = AddCheckpoint { old: size, proof: vec![], checkpoint: forged(1).to_bytes() };
        assert_eq!(post(smaller), 400, "a smaller tree");
    }
    // A client given the forged checkpoint: its inclusion proof is sound,
    // its log signature is genuine, and only the policy stops it.
    let entry = b"forged 0";
    let proof = TlogProof::new(0, inclusion_proof(0, size, &fork).expect("proof"), &forged(size));
    std::fs::write(dir.join("forged.proof"), proof.to_bytes()).expect("writes");
    std::fs::write(dir.join("forged.entry"), entry).expect("writes");
    let verify = [
        "log",
        "verify-proof",
        "--vkey",
        &log_vkey,
        "--proof",
        "forged.proof",
        "--entry",
        "forged.entry",
    ];
    assert!(truce(dir, &verify, b"").status.success(), "without a policy, a fork is undetectable");
    let mut with_policy = verify.to_vec();
    with_policy.extend(["--witness-policy", "policy.txt"]);
    let refused = truce(dir, &with_policy, b"");
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains("witness policy"), "{}", text(&refused.stderr));

    // A monitor following the log and the witnesses sees one history; one
    // that remembers the forged checkpoint reports the split view, with
    // both signed checkpoints.
    let (w1, w2) =
        (format!("http://127.0.0.1:{}", ports[0]), format!("http://127.0.0.1:{}", ports[1]));
    let monitor = ["witness", "monitor", "--log", &url, "--vkey", &log_vkey, "--once"];
    let mut with_witnesses = monitor.to_vec();
    with_witnesses.extend(["--witness", &w1, "--witness", &w2]);
    let out = truce(dir, &with_witnesses, b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with(&format!("consistent: {ORIGIN} at size 3")));
    std::fs::write(dir.join("seen.checkpoint"), forged(size).to_bytes()).expect("writes");
    let mut remembering = monitor.to_vec();
    remembering.extend(["--state", "seen.checkpoint"]);
    let out = truce(dir, &remembering, b"");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let evidence = text(&out.stderr);
    assert!(evidence.contains("SPLIT VIEW"), "{evidence}");
    assert_eq!(evidence.matches(&format!("{ORIGIN}\n3\n")).count(), 2, "{evidence}");

    // The third witness comes back, behind: the log brings it up to date.
    witnesses[2] = Some(witness(dir, 3, ports[2], &log_vkey));
    let out = register(dir, &url, &log_vkey, 3);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(cosigned_at_least(&url, &policy, 4, 3), ["w1", "w2", "w3"]);

    // A restarted log knows no witness's size: each answers 409 with its
    // own, and is asked again from there.
    drop(server);
    let _server = serve_log(dir, port);
    let out = register(dir, &url, &log_vkey, 4);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(cosigned_at_least(&url, &policy, 5, 3), ["w1", "w2", "w3"]);
}

/// A witness that is not one, on `port` until the flag is set: it accepts
/// connections and holds them without a word (`Fake::Hangs`), or answers
/// every request with 200 and bytes that are no cosignature
/// (`Fake::Garbage`).
#[derive(Clone, Copy)]
enum Fake {
    Hangs,
    Garbage,
}

fn fake_witness(port: u16, fake: Fake) -> (Arc<AtomicBool>, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("binds");
    listener.set_nonblocking(true).expect("non-blocking");
    let stop = Arc::new(AtomicBool::new(false));
    let stopping = stop.clone();
    let thread = std::thread::spawn(move || {
        let mut held = Vec::new();
        while !stopping.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((mut stream, _)) => match fake {
                    Fake::Hangs => held.push(stream),
                    Fake::Garbage => {
                        use std::io::{Read as _, Write as _};
                        let _ = stream.set_nonblocking(false);
                        let mut request = [0u8; 65536];
                        let _ = stream.read(&mut request);
                        let _ = stream.write_all(
                            b"HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n\xff\x00not a cosignature",
                        );
                    }
                },
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    });
    (stop, thread)
}

#[test]
fn a_hanging_and_a_lying_witness_are_skipped_named_and_replaced() {
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    let (log_vkey, ports, policy) =
        log_and_witness_keys(dir, 1000, "group any 1 w1 w2 w3\nquorum any\n");
    let w1 = witness(dir, 1, ports[0], &log_vkey);
    let hanging = fake_witness(ports[1], Fake::Hangs);
    let lying = fake_witness(ports[2], Fake::Garbage);
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let server = serve_log(dir, port);

    // The log goes on, cosigned by the one witness that is one.
    let started = Instant::now();
    let out = register(dir, &url, &log_vkey, 1);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(started.elapsed() < Duration::from_secs(10), "the log waited: {:?}", started.elapsed());
    assert_eq!(cosigned_at_least(&url, &policy, 2, 1), ["w1"]);
    let log = std::fs::read_to_string(dir.join(format!("{port}.log"))).expect("the log's log");
    let named = |name: &str, what: &str| {
        log.lines().any(|l| l.contains(&format!("witness {name}")) && l.contains(what))
    };
    assert!(
        named("w2", "timeout") || named("w2", "timed out"),
        "nothing says w2 timed out:\n{log}"
    );
    assert!(named("w3", "no valid cosignature"), "nothing says w3 lied:\n{log}");

    // Real witnesses at their addresses: the next checkpoint has all three.
    for (stop, thread) in [hanging, lying] {
        stop.store(true, Ordering::SeqCst);
        thread.join().expect("the fake witness stops");
    }
    let (_w2, _w3) = (witness(dir, 2, ports[1], &log_vkey), witness(dir, 3, ports[2], &log_vkey));
    let out = register(dir, &url, &log_vkey, 2);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(cosigned_at_least(&url, &policy, 3, 3), ["w1", "w2", "w3"]);
    drop((server, w1));
}

#[test]
fn a_witness_whose_clock_is_set_back_cosigns_no_earlier_time() {
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    let log_key = truce_note::SigningKey::from_seed(
        truce_note::KeyName::new(ORIGIN).expect("a name"),
        &[8; 32],
    );
    let name = "w1.example/witness";
    let out =
        truce(dir, &["key", "generate", "--cosigner", "--name", name, "--out", "w1.key"], b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let witness_key: truce_note::VerifierKey = text(&out.stdout).trim().parse().expect("a key");

    // The witness's wall clock, set by the test.
    let clock = FakeClock::new(dir);
    let env = clock.env();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let log = format!("{ORIGIN}={}", log_key.verifier_key());
    let args = [
        "witness", "serve", "--key", "w1.key", "--state", "w1", "--listen", &listen, "--log", &log,
    ];
    let mut witness = start_with(dir, &args, port, &env);

    let mut tree = MemoryTree::new();
    for n in 0..10 {
        tree.append(leaf_hash(format!("entry {n}").as_bytes())).expect("appends");
    }
    let agent: ureq::Agent =
        ureq::Agent::config_builder().http_status_as_error(false).build().into();
    // Asks the witness to cosign the tree at `size`, from `old`: the
    // status, and the cosignature's timestamp if it cosigned.
    let ask = |old: u64, size: u64| -> (u16, Option<u64>, String) {
        let root = truce_log::tree_root(size, &tree).expect("root");
        let checkpoint =
            Checkpoint::new(ORIGIN, size, root).expect("valid").sign(&log_key).expect("signs");
        let proof = if old == 0 {
            vec![]
        } else {
            truce_log::consistency_proof(old, size, &tree).expect("proof")
        };
        let body = AddCheckpoint { old, proof, checkpoint: checkpoint.to_bytes() }.to_bytes();
        let mut response = agent
            .post(format!("http://127.0.0.1:{port}/add-checkpoint"))
            .send(&body[..])
            .expect("answers");
        let status = response.status().as_u16();
        let answer = response.body_mut().read_to_string().unwrap_or_default();
        let timestamp = (status == 200).then(|| {
            let mut note = checkpoint.to_bytes();
            note.extend_from_slice(answer.as_bytes());
            let mut keys = truce_note::VerifierSet::new();
            keys.insert(witness_key.clone());
            let note = truce_note::UnverifiedNote::parse(&note).expect("parses");
            let verified = note.verify(&keys).expect("the cosignature verifies");
            verified.verified()[0].timestamp().expect("a timestamp")
        });
        (status, timestamp, answer)
    };

    let (status, first, answer) = ask(0, 1);
    assert_eq!(status, 200, "{answer}");
    let first = first.expect("a timestamp");

    // Set back a day: no cosignature, 503, and the witness's log says why.
    clock.set("-1d");
    let (status, _, answer) = ask(1, 2);
    assert_eq!(status, 503, "{answer}");
    assert!(answer.contains("earlier than its latest cosignature"), "{answer}");
    let witness_log = std::fs::read_to_string(dir.join(format!("{port}.log"))).expect("its log");
    assert!(witness_log.contains("earlier than its latest cosignature"), "{witness_log}");

    // Restarted with the clock still behind: its state remembers.
    drop(witness);
    witness = start_with(dir, &args, port, &env);
    let (status, _, answer) = ask(1, 2);
    assert_eq!(status, 503, "after a restart: {answer}");

    // The clock right again: it cosigns, no earlier than before.
    clock.set("+0");
    let (status, second, answer) = ask(1, 2);
    assert_eq!(status, 200, "{answer}");
    assert!(second.expect("a timestamp") >= first);
    drop(witness);
}

/// The lines of a process's log (`DIR/PORT.log`) from byte `from` on, with
/// the terminal's colour codes taken out.
fn log_lines(dir: &std::path::Path, port: u16, from: usize) -> Vec<String> {
    let log = std::fs::read_to_string(dir.join(format!("{port}.log"))).expect("its log");
    let mut plain = String::new();
    let mut chars = log[from..].chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            chars.by_ref().find(|&c| c == 'm');
        } else {
            plain.push(c);
        }
    }
    plain.lines().map(str::to_owned).collect()
}

#[test]
fn a_witness_follows_a_log_key_rotation_and_says_so_across_a_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    let log_key = |seed: u8| {
        truce_note::SigningKey::from_seed(
            truce_note::KeyName::new(ORIGIN).expect("a name"),
            &[seed; 32],
        )
    };
    let (old_key, new_key) = (log_key(1), log_key(2));
    let name = "w1.example/witness";
    let out =
        truce(dir, &["key", "generate", "--cosigner", "--name", name, "--out", "w1.key"], b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let log = format!("{ORIGIN}={}", old_key.verifier_key());
    let args = [
        "witness", "serve", "--key", "w1.key", "--state", "w1", "--listen", &listen, "--log", &log,
    ];
    let witness = start(dir, &args, port);

    let mut tree = MemoryTree::new();
    for n in 0..10 {
        tree.append(leaf_hash(format!("entry {n}").as_bytes())).expect("appends");
    }
    let agent: ureq::Agent =
        ureq::Agent::config_builder().http_status_as_error(false).build().into();
    // Asks the witness to cosign `checkpoint`, signed by `signers`, from
    // `old`: the status and the answer.
    let ask = |old: u64, checkpoint: Checkpoint, signers: &[&dyn truce_note::Signer]| {
        let size = checkpoint.size();
        let proof = if old == 0 {
            vec![]
        } else {
            truce_log::consistency_proof(old, size, &tree).expect("proof")
        };
        let note = checkpoint.sign_by(signers).expect("signs").to_bytes();
        let body = AddCheckpoint { old, proof, checkpoint: note }.to_bytes();
        let mut response = agent
            .post(format!("http://127.0.0.1:{port}/add-checkpoint"))
            .send(&body[..])
            .expect("answers");
        (response.status().as_u16(), response.body_mut().read_to_string().unwrap_or_default())
    };
    let at = |size: u64| {
        Checkpoint::new(ORIGIN, size, truce_log::tree_root(size, &tree).expect("root"))
            .expect("valid")
    };

    assert_eq!(ask(0, at(3), &[&old_key]).0, 200);
    let transition = at(4).with_next_key(&new_key.verifier_key());
    let (status, answer) = ask(3, transition, &[&old_key, &new_key]);
    assert_eq!(status, 200, "{answer}");
    let new_vkey = new_key.verifier_key().to_string();
    let says = |lines: &[String], what: &str| {
        lines.iter().any(|l| {
            l.contains(what)
                && l.contains(&format!("origin={ORIGIN}"))
                && l.contains("size=4")
                && l.contains(&format!("key={new_vkey}"))
        })
    };
    let lines = log_lines(dir, port, 0);
    assert!(says(&lines, "followed the log's key transition"), "{}", lines.join("\n"));

    // The retired key is refused beyond the transition; the new key is not.
    let (status, answer) = ask(4, at(5), &[&old_key]);
    assert_eq!(status, 403, "{answer}");
    assert_eq!(ask(4, at(5), &[&new_key]).0, 200);

    // Restarted, it follows the recorded transition again, and says so.
    let before = std::fs::metadata(dir.join(format!("{port}.log"))).expect("its log").len();
    drop(witness);
    let _witness = start(dir, &args, port);
    let lines = log_lines(dir, port, before as usize);
    assert!(says(&lines, "recorded in the witness's state"), "{}", lines.join("\n"));
    let (status, answer) = ask(5, at(6), &[&old_key]);
    assert_eq!(status, 403, "{answer}");
    assert_eq!(ask(5, at(6), &[&new_key]).0, 200);
}
