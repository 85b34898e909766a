//! The litewitness request sequence (`testdata/vectors/witness/`), against
//! the witness directly and over HTTP: every status as the C2SP spec gives
//! it (where the 2025 litewitness differs, the spec wins: 404 for an
//! unknown log), cosignatures that verify, and the state after a restart.

use std::sync::Arc;

use base64::Engine as _;
use serde_json::Value;
use truce_log::Checkpoint;
use truce_note::{Algorithm, KeyName, SigningKey, UnverifiedNote, VerifierKey};
use truce_witness::{AddError, Witness, origin_hash_hex};

struct Case {
    body: Vec<u8>,
    status: u16,
    contains: Option<String>,
    equals: Option<String>,
    content_type: Option<String>,
}

fn vectors() -> (VerifierKey, Vec<Case>) {
    let path = "../../testdata/vectors/witness/litewitness-add-checkpoint.json";
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("vectors")).expect("JSON");
    let log = &v["log"];
    let public: Vec<u8> = (0..32)
        .map(|i| {
            let hex = &log["ed25519_public_key_hex"].as_str().expect("key")[2 * i..2 * i + 2];
            u8::from_str_radix(hex, 16).expect("hex")
        })
        .collect();
    let mut raw = vec![0x01];
    raw.extend(public);
    let origin = log["origin"].as_str().expect("origin");
    let vkey = format!(
        "{origin}+{}+{}",
        log["key_id_hex"].as_str().expect("id"),
        base64::engine::general_purpose::STANDARD.encode(raw)
    );
    let text = |c: &Value, k: &str| c[k].as_str().map(str::to_owned);
    let cases = v["cases_in_order"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| Case {
            body: c["request_body"].as_str().expect("body").as_bytes().to_vec(),
            status: c["current_spec_status"].as_u64().expect("status") as u16,
            contains: text(c, "body_contains"),
            equals: text(c, "body_equals"),
            content_type: text(c, "content_type"),
        })
        .collect();
    (vkey.parse().expect("the log's vkey"), cases)
}

fn witness_key() -> SigningKey {
    let name = KeyName::new("example.com/witness").expect("name");
    SigningKey::from_seed_for(name, Algorithm::CosignatureV1, &[42; 32])
}

/// The checkpoint of a request body, with the cosignature lines appended,
/// verified with the witness's key.
fn check_cosignature(body: &[u8], lines: &str) {
    let text = std::str::from_utf8(body).expect("UTF-8");
    let (_, checkpoint) = text.split_once("\n\n").expect("checkpoint");
    let note = format!("{checkpoint}{lines}");
    let verified = UnverifiedNote::parse(note.as_bytes())
        .expect("parses")
        .verify(&witness_key().verifier_key())
        .expect("the cosignature verifies");
    assert!(verified.verified()[0].timestamp().is_some_and(|t| t > 1_700_000_000));
}

#[test]
fn the_litewitness_sequence_gets_the_spec_statuses() {
    let (log_key, cases) = vectors();
    let dir = tempfile::tempdir().expect("dir");
    let witness = Witness::open(witness_key(), [log_key.clone()], dir.path()).expect("opens");
    for (n, case) in cases.iter().enumerate() {
        let result = witness.add_checkpoint(&case.body);
        let status = result.as_ref().map_or_else(|e| e.status(), |_| 200);
        assert_eq!(status, case.status, "case {}: {result:?}", n + 1);
        match &result {
            Ok(lines) => {
                assert!(lines.contains(case.contains.as_deref().unwrap_or("—")), "case {}", n + 1);
                check_cosignature(&case.body, lines);
            }
            Err(AddError::Conflict(size)) => {
                assert_eq!(Some(format!("{size}\n")), case.equals, "case {}", n + 1);
            }
            Err(_) => assert_eq!(case.equals, None, "case {}", n + 1),
        }
    }
    // The state survives a restart: size 5, as witnessctl list-logs says.
    drop(witness);
    let witness = Witness::open(witness_key(), [log_key.clone()], dir.path()).expect("reopens");
    let origin = log_key.name().as_str();
    let latest = witness.latest_of(origin).expect("a state");
    assert_eq!(latest.size, 5);
    assert_eq!(witness.latest(&origin_hash_hex(origin)), Some(latest.clone()));
    let note = UnverifiedNote::parse(&latest.note).expect("parses");
    assert_eq!(Checkpoint::parse(note.text_unverified()).expect("checkpoint").size(), 5);
    note.verify(&witness_key().verifier_key()).expect("cosigned by the witness");
}

#[test]
fn the_litewitness_sequence_over_http() {
    let (log_key, cases) = vectors();
    let dir = tempfile::tempdir().expect("dir");
    let witness =
        Arc::new(Witness::open(witness_key(), [log_key.clone()], dir.path()).expect("opens"));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("binds");
    let address = listener.local_addr().expect("address");
    runtime.spawn(async move { axum::serve(listener, truce_witness::router(witness)).await });

    let agent: ureq::Agent =
        ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let url = format!("http://{address}/add-checkpoint");
    for (n, case) in cases.iter().enumerate() {
        let mut response = agent.post(&url).send(&case.body[..]).expect("answers");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response.body_mut().read_to_string().expect("body");
        assert_eq!(status, case.status, "case {}: {body}", n + 1);
        if let Some(wanted) = &case.contains
            && status == 200
        {
            assert!(body.contains(wanted.as_str()), "case {}: {body}", n + 1);
            check_cosignature(&case.body, &body);
        }
        if let Some(wanted) = &case.equals {
            assert_eq!(body, *wanted, "case {}", n + 1);
        }
        if let Some(wanted) = &case.content_type {
            assert_eq!(content_type, *wanted, "case {}", n + 1);
        }
    }
    let origin = log_key.name().as_str();
    let mut monitored = agent
        .get(&format!("http://{address}/{}/checkpoint", origin_hash_hex(origin)))
        .call()
        .expect("answers");
    assert_eq!(monitored.status().as_u16(), 200);
    let note = monitored.body_mut().read_to_vec().expect("body");
    let monitored = UnverifiedNote::parse(&note).expect("parses");
    // Only the log's signature and the witness's cosignature: nothing the
    // witness did not check.
    assert_eq!(monitored.signatures().len(), 2);
    monitored.verify(&log_key).expect("the log's signature");
    let missing = agent
        .get(&format!("http://{address}/{}/checkpoint", "0".repeat(64)))
        .call()
        .expect("answers");
    assert_eq!(missing.status().as_u16(), 404);
}
