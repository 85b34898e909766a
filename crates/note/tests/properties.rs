//! Property tests: signing and verifying round trips for any valid text and
//! any set of keys; any single-byte change is caught.

use proptest::prelude::*;
use truce_note::{KeyName, NoteError, SigningKey, UnverifiedNote, VerifiedNote, VerifierKey};

fn keys(seeds: &[u8]) -> Vec<SigningKey> {
    seeds
        .iter()
        .map(|&s| {
            let name = KeyName::new(&format!("signer.example/{s}")).expect("valid name");
            SigningKey::from_seed(name, &[s; 32])
        })
        .collect()
}

/// Note texts: any Unicode but control characters, lines ending in
/// newlines, empty lines allowed.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec("[^\\p{Cc}]{0,40}", 1..6).prop_map(|lines| {
        let mut text = lines.join("\n");
        text.push('\n');
        text
    })
}

proptest! {
    #[test]
    fn sign_then_verify_round_trips(text in text(), seeds in prop::collection::btree_set(any::<u8>(), 1..5)) {
        let seeds: Vec<u8> = seeds.into_iter().collect();
        let signers = keys(&seeds);
        let refs: Vec<&dyn truce_note::Signer> = signers.iter().map(|k| k as _).collect();
        let signed = VerifiedNote::sign(&text, &refs).expect("signs");
        let bytes = signed.to_bytes();
        let vkeys: Vec<VerifierKey> = signers.iter().map(SigningKey::verifier_key).collect();
        let verified = UnverifiedNote::parse(&bytes).expect("parses").verify(&vkeys).expect("verifies");
        prop_assert_eq!(verified.text(), text.as_str());
        prop_assert_eq!(&verified, &signed);
        // Any one of the keys alone is enough; the others are then unknown.
        let one = UnverifiedNote::parse(&bytes).expect("parses").verify(&vkeys[0]).expect("verifies");
        prop_assert_eq!(one.verified().len(), 1);
        prop_assert_eq!(one.unverified().count(), seeds.len() - 1);
    }

    #[test]
    fn a_changed_byte_never_verifies(text in text(), at in any::<prop::sample::Index>(), delta in 1u8..=255) {
        let signer = &keys(&[9])[0];
        let mut bytes = truce_note::sign(&text, &[signer]).expect("signs");
        let i = at.index(bytes.len());
        bytes[i] = bytes[i].wrapping_add(delta);
        let result = UnverifiedNote::parse(&bytes).and_then(|n| n.verify(&signer.verifier_key()));
        prop_assert!(result.is_err(), "byte {} + {} still verifies", i, delta);
    }
}

#[test]
fn texts_that_cannot_be_notes_are_refused_when_signing() {
    let signer = &keys(&[1])[0];
    for text in ["no final newline", "tab\there\n", ""] {
        assert!(
            matches!(truce_note::sign(text, &[signer]), Err(NoteError::InvalidText(_))),
            "{text:?}"
        );
    }
    assert_eq!(truce_note::sign("x\n", &[]), Err(NoteError::NoSigners));
}
