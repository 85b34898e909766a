//! Checkpoints: the strict C2SP parser against the public vectors in
//! `testdata/vectors/checkpoint/`, and signing and verifying.

mod common;

use serde::Deserialize;
use truce_log::{Checkpoint, CheckpointError, EMPTY_ROOT, Hash, VerifiedCheckpoint};
use truce_note::{KeyName, SigningKey};

#[derive(Deserialize)]
struct Vectors {
    unmarshal: Vec<Case>,
    extra_strict_cases_derived_from_spec_text_not_upstream: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    #[serde(default)]
    desc: String,
    #[serde(rename = "in")]
    input: String,
    #[serde(default)]
    want_err: bool,
    #[serde(default)]
    strict_c2sp_reject: bool,
}

#[test]
fn the_strict_parser_rejects_every_case_a_strict_c2sp_parser_must() {
    let path = common::vectors_dir().join("checkpoint/formats-checkpoint-parse.json");
    let vectors: Vectors =
        serde_json::from_str(&std::fs::read_to_string(path).expect("reads")).expect("parses");
    let cases: Vec<&Case> = vectors
        .unmarshal
        .iter()
        .chain(&vectors.extra_strict_cases_derived_from_spec_text_not_upstream)
        .collect();
    assert_eq!(cases.len(), 13);
    for case in cases {
        let reject = case.want_err || case.strict_c2sp_reject;
        let parsed = Checkpoint::parse(&case.input);
        assert_eq!(parsed.is_err(), reject, "{}: {:?} gave {parsed:?}", case.desc, case.input);
        if let Ok(checkpoint) = parsed {
            assert_eq!(checkpoint.body(), case.input, "the body round-trips");
        }
    }
}

#[test]
fn signed_checkpoints_verify_only_with_their_key_and_origin() {
    let key = SigningKey::from_seed(KeyName::new("example.com/log").expect("name"), &[1; 32]);
    let signed = Checkpoint::new("example.com/log", 0, EMPTY_ROOT)
        .expect("valid")
        .sign(&key)
        .expect("signs");
    let bytes = signed.to_bytes();
    let verified = VerifiedCheckpoint::verify(&bytes, &key.verifier_key(), "example.com/log")
        .expect("verifies");
    assert_eq!((verified.size(), verified.root()), (0, EMPTY_ROOT));
    assert!(matches!(
        VerifiedCheckpoint::verify(&bytes, &key.verifier_key(), "example.com/other"),
        Err(CheckpointError::WrongOrigin { .. })
    ));
    let other = SigningKey::from_seed(KeyName::new("example.com/log").expect("name"), &[2; 32]);
    assert!(matches!(
        VerifiedCheckpoint::verify(&bytes, &other.verifier_key(), "example.com/log"),
        Err(CheckpointError::Note(_))
    ));
    // A validly signed note that is not a checkpoint.
    let note = truce_note::sign("example.com/log\nnot a size\n", &[&key]).expect("signs");
    assert!(matches!(
        VerifiedCheckpoint::verify(&note, &key.verifier_key(), "example.com/log"),
        Err(CheckpointError::Malformed(_))
    ));
    // Extension lines survive.
    let with_extension =
        "example.com/log\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nextra line\n";
    let checkpoint = Checkpoint::parse(with_extension).expect("parses");
    assert_eq!(checkpoint.extensions(), ["extra line"]);
    assert_eq!(checkpoint.root(), Hash([0; 32]));
}
