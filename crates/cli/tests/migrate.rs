//! `truce migrate`: the sample scenario's log moves from its directory and
//! SQLite index to a bucket and PostgreSQL; the copy audits, the indexes
//! agree, a server serves it from there with the same answers, proofs
//! against older checkpoints included, and a second migration into the
//! same place is refused.

mod common;

use common::{Serve, text, truce};

#[test]
fn a_log_moves_from_files_to_a_bucket_and_postgres_and_checks_out() {
    let (Some(storage), Some(index)) = (truce_testkit::s3(), truce_testkit::postgres()) else {
        return;
    };
    let work = tempfile::tempdir().expect("dir");
    let dir = work.path();
    let out = truce(dir, &["demo", "--listen", "127.0.0.1:0", "--data", "demo", "--no-serve"], b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let before = Serve::start(dir, &["--data", "demo"]);
    // A photo logged as evidence, its bytes in the data directory: they
    // move to the bucket with the log.
    let source = common::monitor_source(dir, 1);
    let register = ["submit", "--url", &before.url, "--key", "demo/keys/operator.key", &source];
    assert!(truce(dir, &register, b"").status.success());
    let photo: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(dir.join("photo.jpg"), &photo).expect("writes");
    let add = [
        "evidence",
        "add",
        "--url",
        &before.url,
        "--key",
        "m1.key",
        "--custodian",
        "Team 1",
        "--media-type",
        "image/jpeg",
        "photo.jpg",
    ];
    let out = truce(dir, &add, b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sha = common::sha256_hex(&photo);
    let answers = |url: &str| -> Vec<String> {
        ["/v1/log", "/v1/incidents", "/v1/sources", "/v1/reports?limit=1000"]
            .iter()
            .map(|path| {
                let mut response = ureq::get(format!("{url}{path}")).call().expect("GET");
                let body = response.body_mut().read_to_string().expect("body");
                // The role and the witnessed checkpoint may differ; the log
                // and its findings may not.
                body.replace("\"role\":\"sequencer\"", "")
            })
            .collect()
    };
    let expected = answers(&before.url);
    drop(before);

    let out = truce(
        dir,
        &["migrate", "--data", "demo", "--to-storage", &storage, "--to-index", &index],
        b"",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("audited the copy: 64 entries"), "{stdout}");
    assert!(stdout.contains("the indexes agree: 64 entries"), "{stdout}");
    assert!(stdout.contains("copied 1 evidence files (300000 bytes)"), "{stdout}");
    assert!(text(&out.stderr).contains("checkpoints to s3://"), "{}", text(&out.stderr));

    // Served from its new place: the same log, the same findings.
    let after = Serve::start(dir, &["--data", "demo", "--storage", &storage, "--index", &index]);
    assert_eq!(answers(&after.url), expected);
    let (status, served) = common::get_bytes(&format!("{}/v1/evidence/{sha}", after.url));
    assert_eq!(status, 200);
    assert!(served == photo, "the evidence file moved with the log");
    // A proof against a checkpoint of the old history, copied with it.
    let mut response = ureq::get(format!("{}/v1/proof/3?size=10", after.url)).call().expect("GET");
    let proof = response.body_mut().read_to_string().expect("body");
    let proof = truce_log::TlogProof::parse(proof.as_bytes()).expect("a tlog-proof");
    let vkey: truce_note::VerifierKey = std::fs::read_to_string(dir.join("demo/keys/log.vkey"))
        .expect("reads")
        .trim()
        .parse()
        .expect("key");
    let entry = {
        let mut response =
            ureq::get(format!("{}/v1/entries/3/note", after.url)).call().expect("GET");
        response.body_mut().read_to_vec().expect("body")
    };
    proof.verify(&entry, &vkey, vkey.name().as_str()).expect("the old checkpoint's proof verifies");
    drop(after);

    // Once there, a log is not migrated over.
    let again = truce(
        dir,
        &["migrate", "--data", "demo", "--to-storage", &storage, "--to-index", &index],
        b"",
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("already holds a log"), "{}", text(&again.stderr));
}
