//! Read replicas: one `truce serve` sequences a log in a bucket with its
//! index in PostgreSQL; two `truce serve --read-only` serve the same
//! storage and index without the log's private key. A client reads its
//! own acknowledged write from either replica as soon as that replica's
//! checkpoint covers it, and the replicas never write.

mod common;

use std::time::{Duration, Instant};

use common::{Serve, get, post, sign, truce};
use serde_json::{Value, json};
use truce_log::{TlogProof, VerifiedCheckpoint};
use truce_note::{KeyName, SigningKey, VerifierKey};

const ORIGIN: &str = "replicas.truce.example/log";

/// The size of the checkpoint `url` serves.
fn served_size(url: &str, log_key: &VerifierKey) -> u64 {
    let (status, body) = get(&format!("{url}/checkpoint"));
    assert_eq!(status, 200, "{body}");
    VerifiedCheckpoint::verify(body.as_bytes(), log_key, ORIGIN).expect("verifies").size()
}

#[test]
fn a_client_reads_its_own_write_from_either_replica() {
    let (Some(storage), Some(index)) = (truce_testkit::s3(), truce_testkit::postgres()) else {
        return;
    };
    let work = tempfile::tempdir().expect("dir");
    let dir = work.path();
    let config = format!("storage = {storage:?}\nindex = {index:?}\nfollow_interval_ms = 20\n");
    std::fs::write(dir.join("truce.toml"), config).expect("writes");
    let out =
        truce(dir, &["init", "--data", "data", "--config", "truce.toml", "--origin", ORIGIN], b"");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // A replica holds no private key: only the log's verifier key.
    std::fs::create_dir_all(dir.join("replica/keys")).expect("dir");
    std::fs::copy(dir.join("data/keys/log.vkey"), dir.join("replica/keys/log.vkey"))
        .expect("copies");
    let log_key: VerifierKey = std::fs::read_to_string(dir.join("replica/keys/log.vkey"))
        .expect("reads")
        .trim()
        .parse()
        .expect("a key");

    let writer = Serve::start(dir, &["--data", "data", "--config", "truce.toml"]);
    let replica_args = ["--data", "replica", "--config", "truce.toml", "--read-only"];
    let replicas = [Serve::start(dir, &replica_args), Serve::start(dir, &replica_args)];
    for replica in &replicas {
        let (_, health) = get(&format!("{}/healthz", replica.url));
        assert!(health.contains("\"role\":\"read-only\""), "{health}");
    }

    let operator = truce_store::read_key_file(&dir.join("data/keys/operator.key")).expect("key");
    let monitor = SigningKey::from_seed(KeyName::new("omm-1").expect("name"), &[3; 32]);
    let registration = json!({
        "type": "truce.source/v1", "source": "omm-1", "action": "register",
        "key": monitor.verifier_key().to_string(), "name": "Monitor", "role": "monitor",
        "organisation": "Mission", "reliability": "A",
    });
    let (status, body) = post(&writer.url, &sign(&registration, &operator));
    assert_eq!(status, 201, "{body}");

    for n in 0..10 {
        let mut report = common::report_fixture();
        report["id"] = json!(format!("r-{n}"));
        let note = sign(&report, &monitor);
        let (status, ack) = post(&writer.url, &note);
        assert_eq!(status, 201, "{ack}");
        let index = ack["index"].as_u64().expect("index");
        let acked = VerifiedCheckpoint::verify(
            ack["checkpoint"].as_str().expect("checkpoint").as_bytes(),
            &log_key,
            ORIGIN,
        )
        .expect("the acknowledgement's checkpoint verifies");

        // Read it back from each replica, once its checkpoint covers it.
        let replica = &replicas[n % 2];
        let deadline = Instant::now() + Duration::from_secs(10);
        while served_size(&replica.url, &log_key) < acked.size() {
            assert!(Instant::now() < deadline, "the replica did not follow the log");
            std::thread::sleep(Duration::from_millis(10));
        }
        let (status, entry) = get(&format!("{}/v1/reports/{index}", replica.url));
        assert_eq!(status, 200, "{entry}");
        let entry: Value = serde_json::from_str(&entry).expect("JSON");
        assert_eq!(entry["entry"]["id"], json!(format!("r-{n}")), "{entry}");
        let (status, proof) = get(&format!("{}/v1/proof/{index}", replica.url));
        assert_eq!(status, 200, "{proof}");
        TlogProof::parse(proof.as_bytes())
            .expect("a tlog-proof")
            .verify(&note, &log_key, ORIGIN)
            .expect("the replica's proof verifies");
    }

    // Replicas never write: a submission is refused, and changes nothing.
    let before = served_size(&writer.url, &log_key);
    let mut report = common::report_fixture();
    report["id"] = json!("to-a-replica");
    let (status, problem) = post(&replicas[0].url, &sign(&report, &monitor));
    assert_eq!(status, 503, "{problem}");
    assert!(problem["detail"].as_str().is_some_and(|d| d.contains("read-only")), "{problem}");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(served_size(&writer.url, &log_key), before);
    // The incidents and the dashboard data a replica serves are the
    // writer's.
    for path in ["/v1/incidents", "/v1/sources", "/v1/dashboard"] {
        let (_, from_writer) = get(&format!("{}{path}", writer.url));
        let (status, from_replica) = get(&format!("{}{path}", replicas[1].url));
        assert_eq!(status, 200, "{path}");
        assert_eq!(from_replica, from_writer, "{path}");
    }
}
