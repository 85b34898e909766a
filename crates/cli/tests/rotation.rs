//! Rotating the log's key, end to end: `truce rotate-key` with the server
//! stopped, then a witness, `submit`, `log audit` and `mirror` that trust
//! only the old key follow the rotation; an announcement cannot be
//! submitted on its own.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{Serve, get, post, sign, start, text, truce};
use truce_log::{LogKeys, VerifiedCheckpoint};
use truce_note::VerifierKey;

const ORIGIN: &str = "cli.example/rotation";
const WITNESS: &str = "w1.example/witness";

fn ok(out: &std::process::Output) -> String {
    assert!(out.status.success(), "stdout: {}\nstderr: {}", text(&out.stdout), text(&out.stderr));
    text(&out.stdout)
}

fn read_vkey(path: &Path) -> VerifierKey {
    std::fs::read_to_string(path).expect("reads").trim().parse().expect("a verifier key")
}

/// The served checkpoint, once it is at least `size` and cosigned by the
/// witness; verified with the log's keys as `keys` knows them.
fn witnessed(url: &str, keys: &LogKeys, witness: &VerifierKey, size: u64) -> VerifiedCheckpoint {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, body) = get(&format!("{url}/checkpoint"));
        if let Ok(checkpoint) = keys.verify(body.as_bytes())
            && checkpoint.size() >= size
            && truce_note::UnverifiedNote::parse(body.as_bytes())
                .and_then(|n| n.verify(witness))
                .is_ok()
        {
            return checkpoint;
        }
        assert!(Instant::now() < deadline, "not cosigned at size {size}: {body}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn witnesses_and_clients_that_trust_the_old_key_follow_a_rotation() {
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    let out =
        truce(dir, &["key", "generate", "--cosigner", "--name", WITNESS, "--out", "w1.key"], b"");
    let witness_vkey: VerifierKey = ok(&out).trim().parse().expect("vkey");
    let witness_port = common::free_port();
    std::fs::write(
        dir.join("truce.toml"),
        format!(
            "[[witness]]\nname = \"w1\"\nurl = \"http://127.0.0.1:{witness_port}\"\nvkey = \"{witness_vkey}\"\n"
        ),
    )
    .expect("writes");
    let place = ["--data", "data", "--config", "truce.toml"];
    ok(&truce(dir, &[&["init"][..], &place, &["--origin", ORIGIN]].concat(), b""));
    let old_vkey = read_vkey(&dir.join("data/keys/log.vkey"));
    let old = old_vkey.to_string();

    // A witness that was told the old key, and nothing else.
    let listen = format!("127.0.0.1:{witness_port}");
    let log = format!("{ORIGIN}={old}");
    let witness_args = [
        "witness", "serve", "--key", "w1.key", "--state", "w1", "--listen", &listen, "--log", &log,
    ];
    let _witness = start(dir, &witness_args, witness_port);

    let server = Serve::start(dir, &place);
    // A read-only server of the same log, which runs through the rotation.
    let replica = Serve::start(dir, &[&place[..], &["--read-only"]].concat());
    let first = common::monitor_source(dir, 1);
    let submit = |url: &str, file: &str| {
        let args =
            ["submit", "--url", url, "--key", "data/keys/operator.key", "--log-vkey", &old, file];
        ok(&truce(dir, &args, b""))
    };
    assert_eq!(submit(&server.url, &first), format!("{first}: 1, proved in tree of size 2\n"));
    let old_keys = LogKeys::new(old_vkey.clone(), ORIGIN);
    witnessed(&server.url, &old_keys, &witness_vkey, 2);
    // `witness monitor`, given the old key, keeping what it saw.
    let witness_url = format!("http://{listen}");
    let monitor = |url: &str| {
        let args = [
            "witness",
            "monitor",
            "--log",
            url,
            "--vkey",
            &old,
            "--witness",
            &witness_url,
            "--state",
            "monitor.txt",
            "--once",
        ];
        ok(&truce(dir, &args, b""))
    };
    monitor(&server.url);
    ok(&truce(
        dir,
        &["mirror", "--from", &server.url, "--dir", "m", "--vkey", &old, "--once"],
        b"",
    ));

    // An announcement is refused unless it comes with its transition.
    let operator = truce_store::read_key_file(&dir.join("data/keys/operator.key")).expect("key");
    let forged = serde_json::json!({
        "type": "truce.log-key/v1", "origin": ORIGIN, "previous": old,
        "key": truce_note::SigningKey::generate(ORIGIN).expect("key").verifier_key().to_string(),
        "from_size": 3,
    });
    let (status, body) = post(&server.url, &sign(&forged, &operator));
    let refused = body.to_string();
    assert!(status == 422 || status == 400, "{status}: {refused}");
    assert!(refused.contains("rotate-key"), "{refused}");
    drop(server);
    std::fs::copy(dir.join("data/keys/log.key"), dir.join("old.key")).expect("copies");

    // The rotation, with the server stopped; run again, it changes nothing.
    let new_vkey: VerifierKey =
        ok(&truce(dir, &["key", "generate", "--name", ORIGIN, "--out", "new.key"], b""))
            .trim()
            .parse()
            .expect("vkey");
    let rotate =
        [&["rotate-key"][..], &place, &["--new-key", "new.key", "--note", "yearly"]].concat();
    let said = ok(&truce(dir, &rotate, b""));
    assert!(said.contains("rotated its key at entry 2: checkpoints from size 3 on"), "{said}");
    assert!(said.contains(&new_vkey.to_string()), "{said}");
    assert_eq!(read_vkey(&dir.join("data/keys/log.vkey")), new_vkey);
    let again = ok(&truce(dir, &rotate, b""));
    assert!(again.contains("had rotated its key at entry 2"), "{again}");
    // The retired key no longer runs the log.
    let config = std::fs::read_to_string(dir.join("truce.toml")).expect("reads");
    std::fs::write(dir.join("old.toml"), format!("log_key = \"old.key\"\n{config}"))
        .expect("writes");
    let out = truce(
        dir,
        &["serve", "--data", "data", "--config", "old.toml", "--listen", "127.0.0.1:0"],
        b"",
    );
    let said = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        said.contains(&format!(
            "the log's key was rotated at size 3: it signs with {new_vkey} now"
        )),
        "{said}"
    );

    let server = Serve::start(dir, &place);
    let (_, history) = get(&format!("{}/v1/log/keys", server.url));
    let history: serde_json::Value = serde_json::from_str(&history).expect("json");
    let keys = history["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 2, "{history}");
    assert_eq!(keys[0]["key"], old);
    assert_eq!(
        (keys[1]["from_size"].as_u64(), keys[1]["announcement"].as_u64()),
        (Some(3), Some(2))
    );
    let mut followed = LogKeys::new(old_vkey.clone(), ORIGIN);
    followed
        .follow(keys[1]["transition"].as_str().expect("transition").as_bytes())
        .expect("the old key vouches for the new one");
    assert_eq!(followed.current(), &new_vkey);

    // Submitting with the old key follows the rotation to check the proof.
    let second = common::monitor_source(dir, 2);
    let said = submit(&server.url, &second);
    assert_eq!(said, format!("{second}: 3, proved in tree of size 4\n"));
    // The witness cosigns the transition first, then the new key's tree.
    let checkpoint = witnessed(&server.url, &followed, &witness_vkey, 4);
    assert!(
        VerifiedCheckpoint::verify(&checkpoint.to_bytes(), &old_vkey, ORIGIN).is_err(),
        "the old key signs no more"
    );

    // The read-only server, started with the old key, follows the
    // rotation through the index and serves the new key's checkpoints.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, body) = get(&format!("{}/checkpoint", replica.url));
        if followed.verify(body.as_bytes()).is_ok_and(|c| c.size() >= 4) {
            break;
        }
        assert!(Instant::now() < deadline, "the replica serves {body}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let (_, info) = get(&format!("{}/v1/log", replica.url));
    assert!(info.contains(&new_vkey.to_string()), "{info}");

    // The auditor, the witness monitor and the mirror, given the old key,
    // follow it too.
    assert!(monitor(&server.url).contains("at size 4"));
    let audit = ["log", "audit", "--url", &server.url, "--vkey", &old, "--entries"];
    assert!(ok(&truce(dir, &audit, b"")).starts_with("verified 4 entries"));
    let mirrored = ok(&truce(dir, &["mirror", "--from", &server.url, "--dir", "m", "--once"], b""));
    assert!(mirrored.starts_with("mirrored 2 entries: m holds 4 entries"), "{mirrored}");
    assert!(dir.join("m/keys/transitions/3").exists());
    let mirrored = ok(&truce(dir, &["mirror", "--from", &server.url, "--dir", "m", "--once"], b""));
    assert!(mirrored.starts_with("m is up to date"), "{mirrored}");

    // A witness policy written before the rotation names the old key: it
    // stands for the keys that key vouched for.
    std::fs::write(
        dir.join("policy.txt"),
        format!("log {old}\nwitness w1 {witness_vkey}\nquorum w1\n"),
    )
    .expect("writes");
    let third = common::monitor_source(dir, 3);
    let args = [
        "submit",
        "--url",
        &server.url,
        "--key",
        "data/keys/operator.key",
        "--witness-policy",
        "policy.txt",
        "--witness-wait",
        "20",
        &third,
    ];
    assert_eq!(ok(&truce(dir, &args, b"")), format!("{third}: 4, proved in tree of size 5\n"));
    let audit =
        ["log", "audit", "--url", &server.url, "--vkey", &old, "--witness-policy", "policy.txt"];
    assert!(ok(&truce(dir, &audit, b"")).contains("the checkpoint is cosigned by w1"));
}
