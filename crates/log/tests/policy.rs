//! Witness policies (C2SP tlog-policy): parsing, and checkpoints that do
//! or do not reach the quorum.

use truce_log::{Checkpoint, Hash, Policy, PolicyError};
use truce_note::{Algorithm, KeyName, SigningKey, UnverifiedNote};

const ORIGIN: &str = "mission.example/log";

fn log_key() -> SigningKey {
    SigningKey::from_seed(KeyName::new(ORIGIN).expect("name"), &[1; 32])
}

fn witness(n: u8) -> SigningKey {
    let name = KeyName::new(&format!("w{n}.example/witness")).expect("name");
    SigningKey::from_seed_for(name, Algorithm::CosignatureV1, &[10 + n; 32])
}

fn policy_text(quorum: &str) -> String {
    let mut text = format!("# three witnesses\nlog {}\n", log_key().verifier_key());
    for n in 1..=3 {
        text.push_str(&format!(
            "witness w{n}\t{} http://127.0.0.1:{n}\n",
            witness(n).verifier_key()
        ));
    }
    text.push_str(quorum);
    text
}

/// A checkpoint of size 10 signed by the log and cosigned by `witnesses`.
fn cosigned(witnesses: &[u8]) -> Vec<u8> {
    let checkpoint = Checkpoint::new(ORIGIN, 10, Hash([3; 32])).expect("valid");
    let body = checkpoint.body();
    let signed = checkpoint.sign(&log_key()).expect("signs");
    let mut note = signed.note().clone().into_unverified();
    for &n in witnesses {
        note.add_signature(
            witness(n).cosign(&body, 1_700_000_000 + u64::from(n)).expect("cosigns"),
        )
        .expect("adds");
    }
    note.to_bytes()
}

#[test]
fn a_quorum_of_two_of_three() {
    let policy = Policy::parse(&policy_text("group two 2 w1 w2 w3\nquorum two\n")).expect("parses");
    let ok = policy.verify(&cosigned(&[1, 3]), Some(ORIGIN)).expect("two of three");
    let names: Vec<&str> = ok.cosigned().iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["w1", "w3"]);
    assert_eq!(ok.checkpoint().size(), 10);
    assert!(policy.verify(&cosigned(&[1, 2, 3]), None).is_ok());
    assert_eq!(
        policy.verify(&cosigned(&[2]), None).map(|_| ()),
        Err(PolicyError::NoQuorumReached { cosigned: vec!["w2".into()] })
    );
    assert!(matches!(
        policy.verify(&cosigned(&[]), None),
        Err(PolicyError::NoQuorumReached { .. })
    ));
    // A cosignature by an unknown witness counts for nothing.
    let stranger = SigningKey::from_seed_for(
        KeyName::new("w9.example/witness").expect("name"),
        Algorithm::CosignatureV1,
        &[99; 32],
    );
    let mut note = UnverifiedNote::parse(&cosigned(&[1])).expect("parses");
    let body = Checkpoint::new(ORIGIN, 10, Hash([3; 32])).expect("valid").body();
    note.add_signature(stranger.cosign(&body, 5).expect("cosigns")).expect("adds");
    assert!(matches!(
        policy.verify(&note.to_bytes(), None),
        Err(PolicyError::NoQuorumReached { .. })
    ));
}

#[test]
fn a_bad_cosignature_or_log_signature_is_refused() {
    let policy = Policy::parse(&policy_text("quorum w1\n")).expect("parses");
    // w1's cosignature over another checkpoint body, moved onto this one.
    let other = Checkpoint::new(ORIGIN, 11, Hash([4; 32])).expect("valid").body();
    let mut note = UnverifiedNote::parse(&cosigned(&[])).expect("parses");
    note.add_signature(witness(1).cosign(&other, 7).expect("cosigns")).expect("adds");
    assert_eq!(
        policy.verify(&note.to_bytes(), None).map(|_| ()),
        Err(PolicyError::BadCosignature("w1.example/witness".into()))
    );
    // Another log's checkpoint.
    assert!(matches!(
        policy.verify(&cosigned(&[1]), Some("other.example/log")),
        Err(PolicyError::UnknownLog(_))
    ));
    // No cosignature needed.
    let none = Policy::parse(&policy_text("quorum none\n")).expect("parses");
    assert!(none.verify(&cosigned(&[]), None).is_ok());
}

#[test]
fn malformed_policies_name_the_line() {
    let log = log_key().verifier_key().to_string();
    let w1 = witness(1).verifier_key().to_string();
    for (text, line, wanted) in [
        (format!("witness a {w1}\ngroup g 2 a\nquorum g\n"), 2, "threshold"),
        (format!("witness a {w1}\ngroup g any b\nquorum g\n"), 2, "not defined"),
        (
            format!("witness a {w1}\nwitness a {}\nquorum a\n", witness(2).verifier_key()),
            2,
            "twice",
        ),
        (format!("witness a {w1}\nwitness b {w1}\nquorum a\n"), 2, "duplicates"),
        (format!("witness a {log}\nquorum a\n"), 1, "cosignature (0x04)"),
        (format!("log {w1}\nquorum none\n"), 1, "Ed25519 (0x01)"),
        (format!("witness none {w1}\nquorum none\n"), 1, "reserved"),
        ("quorum none\nquorum none\n".to_owned(), 2, "second quorum"),
        ("quorum x\n".to_owned(), 1, "not defined"),
        ("cosigner x\nquorum none\n".to_owned(), 1, "cannot read"),
        (format!("witness a {w1}\ngroup g 01 a\nquorum g\n"), 2, "threshold"),
    ] {
        match Policy::parse(&text) {
            Err(PolicyError::Syntax { line: l, message }) => {
                assert_eq!(l, line, "{text}: {message}");
                assert!(message.contains(wanted), "{text}: {message}");
            }
            other => panic!("{text}: {other:?}"),
        }
    }
    assert!(matches!(Policy::parse("log x\n"), Err(PolicyError::Syntax { line: 1, .. })));
    assert_eq!(Policy::parse("# nothing\n").err(), Some(PolicyError::NoQuorum));
}
