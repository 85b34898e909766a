//! The public signed-note and cosignature vectors in `testdata/vectors/`.

use std::path::Path;

use serde::Deserialize;
use truce_note::{
    Algorithm, KeyError, KeyName, MalformedNote, NoteError, SigningKey, UnverifiedNote,
    VerifierKey, sign,
};

fn vector(name: &str) -> String {
    let path = Path::new("../../testdata/vectors/signed-note").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[derive(Deserialize)]
struct GoNote {
    keys: GoKeys,
    text: String,
    signed_note_peter: String,
    signed_note_peter_and_enoch: String,
    malformed_notes_must_reject: Vec<String>,
    bad_vkeys_must_reject: Vec<String>,
}

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct GoKeys {
    PeterNeumann: GoKey,
    EnochRoot: GoKey,
}

#[derive(Deserialize)]
struct GoKey {
    vkey: String,
    skey: Option<String>,
    key_id_hex: String,
}

fn go() -> GoNote {
    serde_json::from_str(&vector("go-sumdb-note.json")).expect("vector parses")
}

fn vkey(text: &str) -> VerifierKey {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn go_signing_reproduces_the_note_byte_for_byte() {
    let v = go();
    let skey: SigningKey =
        v.keys.PeterNeumann.skey.as_deref().expect("skey").parse().expect("parses");
    assert_eq!(skey.id().to_string(), v.keys.PeterNeumann.key_id_hex);
    assert_eq!(skey.verifier_key().to_string(), v.keys.PeterNeumann.vkey);
    assert_eq!(skey.to_private_key_string(), v.keys.PeterNeumann.skey.expect("skey"));
    let note = sign(&v.text, &[&skey]).expect("signs");
    assert_eq!(String::from_utf8(note).expect("utf-8"), v.signed_note_peter);
}

#[test]
fn go_note_verifies_with_one_known_key_and_one_unknown() {
    let v = go();
    let peter = vkey(&v.keys.PeterNeumann.vkey);
    let note = UnverifiedNote::parse(v.signed_note_peter_and_enoch.as_bytes()).expect("parses");
    let verified = note.verify(&[peter.clone()][..]).expect("verifies");
    assert_eq!(verified.text(), v.text);
    assert_eq!(verified.verified().len(), 1);
    assert_eq!(verified.verified()[0].key(), &peter);
    let unverified: Vec<_> = verified.unverified().map(|s| s.name().to_owned()).collect();
    assert_eq!(unverified, ["EnochRoot"]);
    assert_eq!(verified.to_bytes(), v.signed_note_peter_and_enoch.as_bytes());
}

#[test]
fn go_note_verifies_with_both_keys() {
    let v = go();
    let keys = vec![vkey(&v.keys.PeterNeumann.vkey), vkey(&v.keys.EnochRoot.vkey)];
    assert_eq!(v.keys.EnochRoot.key_id_hex, keys[1].id().to_string());
    assert!(v.keys.EnochRoot.skey.is_none());
    let note = UnverifiedNote::parse(v.signed_note_peter_and_enoch.as_bytes()).expect("parses");
    let verified = note.verify(&keys).expect("verifies");
    let names: Vec<_> = verified.verified().iter().map(|s| s.key().name().as_str()).collect();
    assert_eq!(names, ["PeterNeumann", "EnochRoot"]);
    assert_eq!(verified.unverified().count(), 0);
}

#[test]
fn go_note_without_known_keys_is_rejected() {
    let v = go();
    let note = UnverifiedNote::parse(v.signed_note_peter_and_enoch.as_bytes()).expect("parses");
    assert_eq!(note.verify(&Vec::new()), Err(NoteError::NoVerifiableSignatures));
}

#[test]
fn too_many_signatures_are_rejected_but_sixteen_and_a_hundred_are_accepted() {
    let v = go();
    let peter = vkey(&v.keys.PeterNeumann.vkey);
    let sig_line =
        v.signed_note_peter.strip_prefix(&v.text).expect("prefix").trim_start_matches('\n');
    for (count, ok) in [(16, true), (100, true), (101, false)] {
        let note = format!("{}\n{}", v.text, sig_line.repeat(count));
        let parsed = UnverifiedNote::parse(note.as_bytes());
        if ok {
            let verified = parsed.expect("parses").verify(&peter).expect("verifies");
            // The same key signing many times counts once.
            assert_eq!(verified.verified().len(), 1, "{count} signatures");
        } else {
            assert_eq!(parsed, Err(NoteError::Malformed(MalformedNote::TooManySignatures)));
        }
    }
}

#[test]
fn corrupted_signature_of_a_known_key_rejects_the_note() {
    let v = go();
    let peter = vkey(&v.keys.PeterNeumann.vkey);
    let mut corrupt = v.signed_note_peter.clone();
    let at = corrupt.char_indices().nth(60).expect("60 chars").0;
    corrupt.insert_str(at, "ABCD");
    // Insertion at char 60 lands in the text (the Go test's intent): the
    // signature no longer matches the text.
    let note = UnverifiedNote::parse(corrupt.as_bytes()).expect("still well-formed");
    assert_eq!(
        note.verify(&peter).map(|_| ()),
        Err(NoteError::InvalidSignature { name: "PeterNeumann".into(), id: peter.id() })
    );
    // Flip one bit inside the signature itself.
    let mut bytes = v.signed_note_peter.clone().into_bytes();
    let sig_at = bytes.len() - 10;
    bytes[sig_at] = if bytes[sig_at] == b'A' { b'B' } else { b'A' };
    let note = UnverifiedNote::parse(&bytes).expect("well-formed");
    assert!(matches!(note.verify(&peter), Err(NoteError::InvalidSignature { .. })));
}

#[test]
fn every_malformed_go_note_is_rejected() {
    let v = go();
    for (i, note) in v.malformed_notes_must_reject.iter().enumerate() {
        let parsed = UnverifiedNote::parse(note.as_bytes());
        assert!(
            matches!(parsed, Err(NoteError::Malformed(_))),
            "case {i}: {note:?} gave {parsed:?}"
        );
    }
    // The one the JSON cannot hold: a note starting with the byte 0xff.
    let mut bytes = vec![0xff];
    bytes.extend_from_slice(v.signed_note_peter.as_bytes());
    assert_eq!(
        UnverifiedNote::parse(&bytes),
        Err(NoteError::Malformed(MalformedNote::NotUtf8 { offset: 0 }))
    );
}

#[test]
fn every_bad_go_vkey_is_rejected() {
    let v = go();
    for bad in &v.bad_vkeys_must_reject {
        assert!(bad.parse::<VerifierKey>().is_err(), "{bad} was accepted");
    }
}

#[test]
fn every_proper_substring_and_byte_increment_of_a_vkey_is_rejected() {
    // As Go's TestNewVerifier does.
    let good = go().keys.PeterNeumann.vkey;
    assert!(good.parse::<VerifierKey>().is_ok());
    for start in 0..good.len() {
        for end in start..=good.len() {
            if (start, end) == (0, good.len()) {
                continue;
            }
            let sub = &good[start..end];
            assert!(sub.parse::<VerifierKey>().is_err(), "substring {sub:?} was accepted");
        }
    }
    for i in 0..good.len() {
        let mut bytes = good.clone().into_bytes();
        bytes[i] = bytes[i].wrapping_add(1);
        if let Ok(text) = String::from_utf8(bytes) {
            assert!(
                text.parse::<VerifierKey>().is_err(),
                "increment at {i}: {text:?} was accepted"
            );
        }
    }
}

#[test]
fn c2sp_example_verifies() {
    #[derive(Deserialize)]
    struct Example {
        vkey: String,
        signed_note: String,
        note_text: String,
    }
    let ex: Example =
        serde_json::from_str(&vector("c2sp-signed-note-example.json")).expect("parses");
    let key = vkey(&ex.vkey);
    let verified = UnverifiedNote::parse(ex.signed_note.as_bytes())
        .expect("parses")
        .verify(&key)
        .expect("verifies");
    assert_eq!(verified.text(), ex.note_text);
}

#[derive(Deserialize)]
struct VKeys {
    valid: Vec<ValidVKey>,
    private_keys_for_the_above: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct ValidVKey {
    vkey: String,
    alg: u8,
}

#[test]
fn every_valid_vkey_parses_with_its_key_id_and_round_trips() {
    let vkeys: VKeys = serde_json::from_str(&vector("vkeys.json")).expect("parses");
    assert_eq!(vkeys.valid.len(), 13);
    for v in &vkeys.valid {
        let key = vkey(&v.vkey);
        assert_eq!(key.algorithm().type_byte(), v.alg, "{}", v.vkey);
        assert_eq!(key.to_string(), v.vkey);
    }
}

#[test]
fn every_private_key_matches_its_vkey() {
    let vkeys: VKeys = serde_json::from_str(&vector("vkeys.json")).expect("parses");
    let valid: Vec<&str> = vkeys.valid.iter().map(|v| v.vkey.as_str()).collect();
    let mut matched = 0;
    for skey in vkeys.private_keys_for_the_above.keys() {
        let key: SigningKey = skey.parse().unwrap_or_else(|e| panic!("{skey}: {e}"));
        assert_eq!(&key.to_private_key_string(), skey);
        let vkey = key.verifier_key().to_string();
        assert!(valid.contains(&vkey.as_str()), "{vkey} is not among the valid vkeys");
        matched += 1;
    }
    assert_eq!(matched, 6);
}

#[test]
fn mldsa_key_with_a_wrong_key_id_is_rejected() {
    let text = vector("mldsa44-vkey-bad-keyid.txt");
    let text = text.trim();
    assert!(text.contains('+'), "the vector is a vkey");
    // ML-DSA-44 (0x06) is not a type Truce implements; whatever the reason,
    // the key must not parse.
    assert_eq!(text.parse::<VerifierKey>().err(), Some(KeyError::UnsupportedAlgorithm(0x06)));
}

#[test]
fn type_04_key_ids_use_their_own_type_byte() {
    let key = vkey("witness.example.org+b8a2cf20+BFLN3yikSfFkVAJtrnh/CiY3Zozkoy7clp+P7XB28qUN");
    assert_eq!(key.algorithm(), Algorithm::CosignatureV1);
    // The same public key as a 0x01 key has another ID.
    let ed = truce_note::KeyId::compute(key.name(), Algorithm::Ed25519, key.public_key());
    assert_ne!(ed, key.id());
}

fn cosignature_vector(name: &str) -> serde_json::Value {
    let path = Path::new("../../testdata/vectors/cosignature").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("vector")).expect("JSON")
}

fn hex32(text: &str) -> [u8; 32] {
    let bytes: Vec<u8> = (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect();
    bytes.try_into().expect("32 bytes")
}

#[test]
fn the_generated_cosignature_is_reproduced_byte_for_byte() {
    let v = cosignature_vector("generated-ed25519-cosignature-v1.json");
    let text = |k: &str| v[k].as_str().expect(k).to_owned();
    let name = KeyName::new(&text("cosigner_name")).expect("name");
    let key = SigningKey::from_seed_for(
        name,
        Algorithm::CosignatureV1,
        &hex32(&text("ed25519_seed_hex")),
    );
    assert_eq!(key.verifier_key().to_string(), text("vkey"));
    assert_eq!(format!("{:08x}", key.id().0), text("key_id_hex_type04"));
    let time = v["timestamp"].as_u64().expect("timestamp");
    let cosignature = key.cosign(&text("checkpoint_body"), time).expect("cosigns");
    assert_eq!(cosignature.to_line(), format!("{}\n", text("signature_line")));

    // The line verifies under the vkey, with its timestamp, as part of a
    // note over the checkpoint body; a private key string round-trips.
    let note = format!("{}\n{}", text("checkpoint_body"), cosignature.to_line());
    let vkey: VerifierKey = text("vkey").parse().expect("vkey");
    let verified =
        UnverifiedNote::parse(note.as_bytes()).expect("parses").verify(&vkey).expect("verifies");
    assert_eq!(verified.verified()[0].timestamp(), Some(time));
    let again: SigningKey = key.to_private_key_string().parse().expect("parses");
    assert_eq!(again.verifier_key(), key.verifier_key());

    // A cosignature key does not make plain signatures, nor a zero time.
    assert!(
        UnverifiedNote::parse(note.as_bytes()).expect("parses").add_signatures(&[&key]).is_err()
    );
    assert!(key.cosign(&text("checkpoint_body"), 0).is_err());
}

#[test]
fn cosignatures_sign_the_sigsum_message_bytes() {
    let v = cosignature_vector("sigsum-cosigned-message.json");
    let body = v["checkpoint_body"].as_str().expect("body");
    let time = v["timestamp"].as_u64().expect("timestamp");
    let message = v["cosigned_message"].as_str().expect("message");
    let key = SigningKey::from_seed_for(
        KeyName::new("witness.example/w").expect("name"),
        Algorithm::CosignatureV1,
        &[9; 32],
    );
    let cosignature = key.cosign(body, time).expect("cosigns");
    let (stamp, signature) = cosignature.signature().split_at(8);
    assert_eq!(stamp, time.to_be_bytes());
    let public =
        ed25519_dalek::VerifyingKey::from_bytes(key.verifier_key().public_key()).expect("key");
    let signature = ed25519_dalek::Signature::from_slice(signature).expect("64 bytes");
    public
        .verify_strict(message.as_bytes(), &signature)
        .expect("signs exactly the vector's message");
}
