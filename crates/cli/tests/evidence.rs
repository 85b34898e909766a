//! `truce evidence`: files logged by digest, their bytes uploaded and
//! served, proofs that verify offline and fail when one byte of the file,
//! the proof or a cosignature changes, the limits of `[evidence]`, and
//! content credentials recorded as they read: on the embedded default and,
//! when the services run, on S3 and PostgreSQL.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Cursor;
use std::path::Path;
use std::process::Output;

use c2pa::{Builder, Context, EphemeralSigner};
use common::{Serve, failed, get, ok, png, start, truce};
use serde_json::Value;

const ORIGIN: &str = "evidence.test/log";
const WITNESS: &str = "witness.evidence.test";

/// `png` signed with c2pa's own ephemeral test signer.
fn signed(png: &[u8]) -> Vec<u8> {
    let definition = r#"{
        "title": "crater.png",
        "claim_generator_info": [{"name": "truce-evidence-test", "version": "1"}],
        "assertions": [{"label": "c2pa.actions", "data": {"actions": [{
            "action": "c2pa.created",
            "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"
        }]}}]
    }"#;
    let signer = EphemeralSigner::new("camera.evidence.test").unwrap();
    let mut builder = Builder::from_context(Context::new()).with_definition(definition).unwrap();
    let mut out = Cursor::new(Vec::new());
    builder.sign(&signer, "image/png", &mut Cursor::new(png), &mut out).unwrap();
    out.into_inner()
}

/// A log server with one witness, and a registered monitor `m1` whose key
/// is in `m1.key`; `extra` is added to the configuration.
struct Mission {
    server: Serve,
    _witness: common::Process,
    log_vkey: String,
    witness_vkey: String,
}

fn mission(dir: &Path, extra: &str) -> Mission {
    let out =
        truce(dir, &["key", "generate", "--cosigner", "--name", WITNESS, "--out", "w1.key"], b"");
    let witness_vkey = ok(&out).trim().to_owned();
    let port = common::free_port();
    let config = format!(
        "witness_timeout_ms = 2000\n{extra}\n[[witness]]\nname = \"w1\"\n\
         url = \"http://127.0.0.1:{port}\"\nvkey = \"{witness_vkey}\"\n"
    );
    std::fs::write(dir.join("truce.toml"), config).unwrap();
    let place = ["--data", "data", "--config", "truce.toml"];
    ok(&truce(dir, &[&["init"][..], &place, &["--origin", ORIGIN]].concat(), b""));
    let log_vkey =
        std::fs::read_to_string(dir.join("data/keys/log.vkey")).unwrap().trim().to_owned();
    let listen = format!("127.0.0.1:{port}");
    let log = format!("{ORIGIN}={log_vkey}");
    let witness = start(
        dir,
        &[
            "witness", "serve", "--key", "w1.key", "--state", "w1", "--listen", &listen, "--log",
            &log,
        ],
        port,
    );
    let server = Serve::start(dir, &place);
    let source = common::monitor_source(dir, 1);
    let args = ["submit", "--url", &server.url, "--key", "data/keys/operator.key", &source];
    ok(&truce(dir, &args, b""));
    std::fs::write(
        dir.join("policy.txt"),
        format!("log {log_vkey}\nwitness w1 {witness_vkey}\nquorum w1\n"),
    )
    .unwrap();
    Mission { server, _witness: witness, log_vkey, witness_vkey }
}

fn add(dir: &Path, url: &str, files: &[&str], extra: &[&str]) -> Output {
    let args = [
        &["evidence", "add", "--url", url, "--key", "m1.key", "--custodian", "Monitor team 1"][..],
        extra,
        files,
    ]
    .concat();
    truce(dir, &args, b"")
}

/// The evidence entries the log holds for `file`, as JSON.
fn entries_for(url: &str, dir: &Path, file: &str) -> Vec<Value> {
    let bytes = std::fs::read(dir.join(file)).unwrap();
    let sha = common::sha256_hex(&bytes);
    let (status, body) = get(&format!("{url}/v1/evidence/{sha}/status"));
    assert_eq!(status, 200, "{body}");
    let status: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status["stored"], true, "{status}");
    assert_eq!(status["size"], bytes.len(), "{status}");
    let (code, served) = common::get_bytes(&format!("{url}/v1/evidence/{sha}"));
    assert_eq!(code, 200);
    assert!(served == bytes, "the server gives back the bytes logged");
    status["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let (_, item) = get(&format!("{url}/v1/entries/{}", i.as_u64().unwrap()));
            serde_json::from_str::<Value>(&item).unwrap()["entry"].clone()
        })
        .collect()
}

/// Flips one bit of the byte at `at` of a copy of `file`, kept printable
/// in a text file (a base64 letter stays a base64 letter).
fn altered(dir: &Path, file: &str, at: usize, out: &str) {
    let mut bytes = std::fs::read(dir.join(file)).unwrap();
    bytes[at] = match bytes[at] {
        b'A' => b'B',
        b'0'..=b'8' => bytes[at] + 1,
        b'9' => b'0',
        c if c.is_ascii_alphabetic() => c ^ 0x20,
        c => c ^ 1,
    };
    std::fs::write(dir.join(out), bytes).unwrap();
}

fn evidence_is_logged_proved_and_verified_offline(config: &str) {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let limits = "[evidence]\nmax_bytes = 1000000\nquota_bytes = 1500000\n";
    let m = mission(dir, &format!("{config}\n{limits}"));
    let url = m.server.url.clone();

    std::fs::write(dir.join("crater.png"), png(64, 3)).unwrap();
    let out = ok(&add(dir, &url, &["crater.png"], &["--public-copy", "--log-vkey", &m.log_vkey]));
    assert!(out.contains("crater.png: ") && out.contains("crater.public.png: "), "{out}");
    let original = entries_for(&url, dir, "crater.png");
    assert_eq!(original.len(), 1);
    assert_eq!(original[0]["credentials"]["state"], "absent", "{}", original[0]);
    assert_eq!(original[0]["custodian"], "Monitor team 1");
    // The public copy: without the location text, citing its original.
    let public = std::fs::read(dir.join("crater.public.png")).unwrap();
    assert!(!public.windows(8).any(|w| w == b"Location"), "the copy keeps no location");
    let copy = entries_for(&url, dir, "crater.public.png");
    assert_eq!(copy[0]["derived_from"]["sha256"], original[0]["sha256"]);
    assert_eq!(copy[0]["derived_from"]["method"], "metadata_removed");

    // The proof, once the witness cosigned.
    let prove = [
        "evidence",
        "prove",
        "crater.png",
        "--url",
        &url,
        "--witness-policy",
        "policy.txt",
        "--log-vkey",
        &m.log_vkey,
    ];
    let out = ok(&truce(dir, &prove, b""));
    assert!(out.contains("1 witness cosignature(s)"), "{out}");
    let verify = |proof: &str, file: &str| {
        let args = [
            "evidence",
            "verify",
            proof,
            "--file",
            file,
            "--log-vkey",
            &m.log_vkey,
            "--witness-vkey",
            &m.witness_vkey,
        ];
        truce(dir, &args, b"")
    };
    let out = ok(&verify("crater.png.tlog-proof", "crater.png"));
    assert!(out.contains("it was in the log no later than 20"), "{out}");
    assert!(out.contains("cosigned by witness.evidence.test at"), "{out}");
    // Offline: the same check with a policy file instead of keys.
    let args = [
        "evidence",
        "verify",
        "crater.png.tlog-proof",
        "--file",
        "crater.png",
        "--log-vkey",
        &m.log_vkey,
        "--witness-policy",
        "policy.txt",
    ];
    ok(&truce(dir, &args, b""));

    // One byte of the file.
    let size = std::fs::metadata(dir.join("crater.png")).unwrap().len() as usize;
    altered(dir, "crater.png", size / 2, "edited.png");
    let error = failed(&verify("crater.png.tlog-proof", "edited.png"));
    assert!(error.contains("the file's SHA-256 is"), "{error}");

    // One byte of the proof: in the entry it carries, in a hash of the
    // inclusion proof, in the checkpoint's root.
    let proof = std::fs::read_to_string(dir.join("crater.png.tlog-proof")).unwrap();
    let line_at = |prefix: &str| {
        let mut at = 0;
        for line in proof.split_inclusive('\n') {
            if line.starts_with(prefix) {
                return at;
            }
            at += line.len();
        }
        panic!("no line {prefix:?} in {proof}");
    };
    let index_line = line_at("index ");
    let hash_line = index_line + proof[index_line..].find('\n').unwrap() + 1;
    let root_line = line_at(ORIGIN) + ORIGIN.len() + 1;
    let root_line = root_line + proof[root_line..].find('\n').unwrap() + 1;
    let cosignature = line_at(&format!("— {WITNESS} "));
    let alterations = [
        ("entry", line_at("extra ") + 30),
        ("proof hash", hash_line + 5),
        ("root", root_line + 5),
        ("cosignature", cosignature + format!("— {WITNESS} ").len() + 40),
    ];
    for (what, at) in alterations {
        altered(dir, "crater.png.tlog-proof", at, "altered.tlog-proof");
        let error = failed(&verify("altered.tlog-proof", "crater.png"));
        assert!(!error.is_empty(), "{what}");
        if what == "cosignature" {
            assert!(error.contains("signature"), "{what}: {error}");
        }
    }
    // The witness's key is needed to say when: a wrong one fails.
    let other = ok(&truce(
        dir,
        &["key", "generate", "--cosigner", "--name", WITNESS, "--out", "other.key"],
        b"",
    ));
    let args = [
        "evidence",
        "verify",
        "crater.png.tlog-proof",
        "--log-vkey",
        &m.log_vkey,
        "--witness-vkey",
        other.trim(),
    ];
    failed(&truce(dir, &args, b""));

    // The limits of [evidence], each refused by name, nothing logged.
    std::fs::write(dir.join("big.png"), png(90_000, 5)).unwrap();
    let error = failed(&add(dir, &url, &["big.png"], &[]));
    assert!(error.contains("this log takes files of at most 1000000 bytes"), "{error}");
    std::fs::write(dir.join("notes.txt"), b"not a photo").unwrap();
    let error = failed(&add(dir, &url, &["notes.txt"], &["--media-type", "text/plain"]));
    assert!(error.contains("this log does not take text/plain files"), "{error}");
    for seed in [7, 9] {
        std::fs::write(dir.join(format!("wide-{seed}.png")), png(75_000, seed)).unwrap();
    }
    ok(&add(dir, &url, &["wide-7.png"], &[]));
    let error = failed(&add(dir, &url, &["wide-9.png"], &[]));
    assert!(error.contains("would pass its quota of 1500000 bytes"), "{error}");
    let sha = common::sha256_hex(&std::fs::read(dir.join("wide-9.png")).unwrap());
    let (status, _) = get(&format!("{url}/v1/evidence/{sha}/status"));
    assert_eq!(status, 404, "a refused file is not logged");
}

#[test]
fn evidence_on_the_embedded_default() {
    evidence_is_logged_proved_and_verified_offline("");
}

#[test]
fn evidence_on_s3_and_postgres() {
    let (Some(storage), Some(index)) = (truce_testkit::s3(), truce_testkit::postgres()) else {
        return;
    };
    evidence_is_logged_proved_and_verified_offline(&format!(
        "storage = {storage:?}\nindex = {index:?}\n"
    ));
}

#[test]
fn content_credentials_are_recorded_as_they_read() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let m = mission(dir, "");
    let url = m.server.url.clone();
    let original = signed(&png(16, 11));
    std::fs::write(dir.join("signed.png"), &original).unwrap();
    // The same manifest over one changed pixel: the pixels' hash in the
    // manifest no longer matches.
    let mut edited = original.clone();
    let idat = edited.windows(4).position(|w| w == b"IDAT").unwrap();
    // The stored zlib block starts 7 bytes into IDAT's data; flip a pixel
    // and fix the chunk's CRC, so the PNG stays well-formed.
    let len = u32::from_be_bytes(edited[idat - 4..idat].try_into().unwrap()) as usize;
    edited[idat + 4 + 7 + 21] ^= 0x40;
    let mut crc = crc32fast::Hasher::new();
    crc.update(&edited[idat..idat + 4 + len]);
    let crc = crc.finalize().to_be_bytes();
    edited[idat + 4 + len..idat + 8 + len].copy_from_slice(&crc);
    assert_ne!(edited, original);
    std::fs::write(dir.join("edited.png"), &edited).unwrap();

    ok(&add(dir, &url, &["signed.png", "edited.png"], &[]));
    let valid = &entries_for(&url, dir, "signed.png")[0]["credentials"];
    assert_eq!(valid["state"], "valid", "{valid}");
    assert_eq!(valid["bytes_match"], true, "{valid}");
    assert_eq!(valid["signer"], "camera.evidence.test", "{valid}");
    assert!(valid["actions"].as_array().unwrap().contains(&"c2pa.created".into()), "{valid}");
    let invalid = &entries_for(&url, dir, "edited.png")[0]["credentials"];
    assert_eq!(invalid["state"], "invalid", "{invalid}");
    assert_eq!(invalid["bytes_match"], false, "{invalid}");
    assert!(
        invalid["codes"].as_array().unwrap().contains(&"assertion.dataHash.mismatch".into()),
        "{invalid}"
    );
}
