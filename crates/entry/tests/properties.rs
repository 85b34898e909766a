//! Property tests: signing round trips, the canonical form is a fixed
//! point, and no single-byte change to a signed entry survives
//! verification.

mod common;

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use truce_entry::{Entry, SignedEntry, canonical, parse_strict};
use truce_note::{KeyName, SigningKey};

fn key(seed: u8) -> SigningKey {
    let name = KeyName::new(&format!("source.example/{seed}")).expect("valid name");
    SigningKey::from_seed(name, &[seed; 32])
}

/// Any JSON value that strict parsing accepts: finite numbers, integers
/// within ±2^53, any Unicode in strings and member names.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-(1i64 << 53) + 1..(1i64 << 53)).prop_map(|i| json!(i)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        ".*".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(".*", inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A valid report with varied contents.
fn any_report() -> impl Strategy<Value = Value> {
    (
        "[a-z0-9][a-z0-9-]{0,20}",
        -90.0f64..=90.0,
        -180.0f64..=180.0,
        0u32..100_000,
        0u32..3600 * 24 * 31,
        0u64..1_000_000_000,
        prop::option::of(0u32..1000),
        prop::option::of("[A-Za-z][A-Za-z ,.'-]{0,60}[a-z]"),
        prop::sample::select(vec!["missile_strike", "drone_strike", "artillery", "mlrs"]),
    )
        .prop_map(|(id, lat, lon, uncertainty, span, start, killed, summary, event)| {
            let from =
                jiff::Timestamp::from_second(1_700_000_000 + start as i64).expect("in range");
            let to = from + jiff::SignedDuration::from_secs(i64::from(span));
            let mut report = common::valid("report-kharkiv");
            report["id"] = json!(id);
            report["location"]["lat"] = json!(lat);
            report["location"]["lon"] = json!(lon);
            report["location"]["uncertainty_m"] = json!(uncertainty);
            report["time"] = json!({"from": from.to_string(), "to": to.to_string()});
            report["event"] = json!(event);
            match killed {
                Some(k) => report["harm"]["killed"]["civilian"] = json!(k),
                None => {
                    report.as_object_mut().expect("object").remove("harm");
                }
            }
            if let Some(summary) = summary {
                report["summary"] = json!(summary);
            }
            report
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn canonical_form_is_idempotent(value in any_json()) {
        let once = canonical(&value);
        let reparsed = parse_strict(&once).expect("canonical JSON parses");
        prop_assert_eq!(canonical(&reparsed), once);
    }

    #[test]
    fn sign_then_open_gives_back_the_entry(report in any_report(), seed in any::<u8>()) {
        let signer = key(seed);
        let entry = Entry::from_value(&report).expect("valid report");
        let signed = SignedEntry::sign(&entry, &[&signer]).expect("signs");
        let opened = SignedEntry::open(signed.as_bytes(), &signer.verifier_key()).expect("opens");
        prop_assert_eq!(opened.entry(), &entry);
        prop_assert_eq!(opened.as_bytes(), signed.as_bytes());
        // The written form reads back to the same entry and the same bytes.
        let again = Entry::from_value(&entry.to_value()).expect("valid");
        prop_assert_eq!(again.to_canonical_json(), entry.to_canonical_json());
        // Pretty-printed input signs to the same bytes as canonical input.
        let pretty = serde_json::to_vec_pretty(&report).expect("serializes");
        let from_pretty = SignedEntry::sign_json(&pretty, &[&signer]).expect("signs");
        prop_assert_eq!(from_pretty.as_bytes(), signed.as_bytes());
    }

    #[test]
    fn any_single_byte_change_fails_verification(
        report in any_report(),
        position in any::<prop::sample::Index>(),
        delta in 1u8..=255,
    ) {
        let signer = key(7);
        let entry = Entry::from_value(&report).expect("valid report");
        let signed = SignedEntry::sign(&entry, &[&signer]).expect("signs");
        let mut bytes = signed.as_bytes().to_vec();
        let i = position.index(bytes.len());
        bytes[i] = bytes[i].wrapping_add(delta);
        prop_assert!(
            SignedEntry::open(&bytes, &signer.verifier_key()).is_err(),
            "byte {} changed by {} still verifies", i, delta
        );
    }
}

#[test]
fn cosigned_entries_verify_with_either_key() {
    let (operator, party) = (key(1), key(2));
    let entry = Entry::from_value(&common::valid("agreement-moratorium")).expect("valid");
    let signed = SignedEntry::sign(&entry, &[&operator, &party]).expect("signs");
    for key in [&operator, &party] {
        let opened = SignedEntry::open(signed.as_bytes(), &key.verifier_key()).expect("opens");
        assert_eq!(opened.signers().count(), 1);
    }
    let both = vec![operator.verifier_key(), party.verifier_key()];
    assert_eq!(SignedEntry::open(signed.as_bytes(), &both).expect("opens").signers().count(), 2);
}

#[test]
fn non_canonical_and_multi_line_texts_are_refused() {
    let signer = key(3);
    let canonical_text =
        Entry::from_value(&common::valid("source-monitor")).expect("valid").to_canonical_json();
    let spaced = canonical_text.replacen(':', ": ", 1) + "\n";
    let note = truce_note::sign(&spaced, &[&signer]).expect("signs");
    assert_eq!(
        SignedEntry::open(&note, &signer.verifier_key()).err(),
        Some(truce_entry::EntryError::NotCanonical)
    );
    let two_lines = format!("{canonical_text}\n{canonical_text}\n");
    let note = truce_note::sign(&two_lines, &[&signer]).expect("signs");
    assert_eq!(
        SignedEntry::open(&note, &signer.verifier_key()).err(),
        Some(truce_entry::EntryError::NotOneLine)
    );
}

#[test]
fn signed_entries_over_the_limit_are_refused() {
    let signer = key(4);
    // A report whose text fits in an entry, but not with its signature.
    let mut report = common::valid("report-kharkiv");
    let evidence = report["evidence"][0].clone();
    let per_item = canonical(&evidence).len() + 1;
    let items = (65_535 - 3_500 - canonical(&report).len()) / per_item;
    report["evidence"] = Value::Array(vec![evidence; items]);
    let text_len = |r: &Value| canonical(r).len() + 1;
    let padding = 65_535 - 20 - text_len(&report);
    let summary = report["summary"].as_str().expect("summary").to_owned();
    report["summary"] = json!(format!("{summary}{}", "x".repeat(padding)));
    assert_eq!(text_len(&report), 65_535 - 20);
    let entry = Entry::from_value(&report).expect("valid: the text fits");
    match SignedEntry::sign(&entry, &[&signer]) {
        Err(truce_entry::EntryError::TooLarge { size }) => assert!(size > 65_535),
        Err(other) => panic!("expected TooLarge, got {other}"),
        Ok(signed) => panic!("expected TooLarge, signed {} bytes", signed.as_bytes().len()),
    }
}
