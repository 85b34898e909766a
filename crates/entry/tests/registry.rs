//! The source registry: genesis, roles, key rotation, revocation.

mod common;

use serde_json::{Value, json};
use truce_entry::{AdmissionError, Entry, Registry, Role, SignedEntry};
use truce_note::{KeyName, SigningKey};

fn key(name: &str) -> SigningKey {
    let seed = name.bytes().fold([0u8; 32], |mut seed, b| {
        seed.rotate_left(1);
        seed[0] ^= b;
        seed
    });
    SigningKey::from_seed(KeyName::new(name).expect("valid"), &seed)
}

fn source(id: &str, action: &str, key: &SigningKey, role: &str) -> Value {
    let mut value = json!({
        "type": "truce.source/v1",
        "source": id,
        "action": action,
        "key": key.verifier_key().to_string(),
        "name": id,
        "role": role,
        "organisation": "Mission",
        "reliability": "B",
    });
    if role == "party" {
        value["party"] = json!("ua");
    }
    value
}

fn sign(value: &Value, signers: &[&dyn truce_note::Signer]) -> Vec<u8> {
    let entry = Entry::from_value(value).unwrap_or_else(|p| panic!("{p}"));
    SignedEntry::sign(&entry, signers).expect("signs").into_bytes()
}

/// A registry with an operator (index 0) and a monitor (index 1).
fn registry() -> (Registry, SigningKey, SigningKey) {
    let (operator, monitor) = (key("operator"), key("monitor"));
    let mut registry = Registry::new();
    registry
        .admit(0, &sign(&source("op", "register", &operator, "operator"), &[&operator]))
        .expect("genesis");
    registry
        .admit(1, &sign(&source("m1", "register", &monitor, "monitor"), &[&operator]))
        .expect("monitor");
    (registry, operator, monitor)
}

#[test]
fn the_first_entry_must_register_the_operator_with_its_own_key() {
    let (operator, other) = (key("operator"), key("other"));
    let registry = Registry::new();
    let conflict =
        |r: Result<_, AdmissionError>| matches!(r, Err(AdmissionError::RegistryConflict(_)));
    // A monitor first: refused.
    assert!(conflict(
        registry.check(&sign(&source("m", "register", &other, "monitor"), &[&other]))
    ));
    // An operator, signed by another key: refused.
    let by_other = sign(&source("op", "register", &operator, "operator"), &[&other]);
    assert!(registry.check(&by_other).is_err());
    // A report first: refused.
    assert!(conflict(registry.check(&sign(&common::valid("report-kharkiv"), &[&operator]))));
    let mut registry = registry;
    let admitted =
        registry.admit(0, &sign(&source("op", "register", &operator, "operator"), &[&operator]));
    assert_eq!(admitted.expect("genesis").source.as_str(), "op");
    assert_eq!(registry.sources().count(), 1);
}

#[test]
fn roles_decide_what_a_source_may_submit() {
    let (mut registry, operator, monitor) = registry();
    let report = sign(&common::valid("report-kharkiv"), &[&monitor]);
    assert_eq!(registry.check(&report).expect("monitors report").source.as_str(), "m1");
    // The operator does not report; a monitor does not register sources or assess.
    assert!(matches!(
        registry.check(&sign(&common::valid("report-kharkiv"), &[&operator])),
        Err(AdmissionError::RoleNotAllowed { role: Role::Operator, .. })
    ));
    assert!(matches!(
        registry.check(&sign(&source("x", "register", &key("x"), "media"), &[&monitor])),
        Err(AdmissionError::RoleNotAllowed { role: Role::Monitor, .. })
    ));
    assert!(matches!(
        registry.check(&sign(&common::valid("assessment-credibility"), &[&monitor])),
        Err(AdmissionError::RoleNotAllowed { role: Role::Monitor, .. })
    ));
    let analyst = key("analyst");
    registry
        .admit(2, &sign(&source("a1", "register", &analyst, "analyst"), &[&operator]))
        .expect("analyst");
    registry
        .check(&sign(&common::valid("assessment-credibility"), &[&analyst]))
        .expect("analysts assess");
    // An agreement cosigned by a party's key is admitted for the operator's signature.
    let agreement = sign(&common::valid("agreement-moratorium"), &[&operator, &key("ua-cosigner")]);
    assert_eq!(registry.check(&agreement).expect("admitted").source.as_str(), "op");
}

#[test]
fn unknown_and_revoked_keys_are_refused() {
    let (mut registry, operator, monitor) = registry();
    let stranger = key("stranger");
    assert!(matches!(
        registry.check(&sign(&common::valid("report-kharkiv"), &[&stranger])),
        Err(AdmissionError::UnknownSigner { .. })
    ));
    let revoke = json!({"type": "truce.source/v1", "source": "m1", "action": "revoke"});
    registry.admit(2, &sign(&revoke, &[&operator])).expect("revoked");
    assert_eq!(
        registry.check(&sign(&common::valid("report-kharkiv"), &[&monitor])).err(),
        Some(AdmissionError::RevokedSigner { signer: "m1".parse_id(), revoked_at: 2 })
    );
    // A revoked source is not updated again, nor revoked twice.
    assert!(
        registry
            .check(&sign(&source("m1", "update", &key("new"), "monitor"), &[&operator]))
            .is_err()
    );
    assert!(registry.check(&sign(&revoke, &[&operator])).is_err());
}

#[test]
fn key_rotation_retires_the_old_key() {
    let (mut registry, operator, monitor) = registry();
    let new_key = key("monitor-2026");
    registry
        .admit(2, &sign(&source("m1", "update", &new_key, "monitor"), &[&operator]))
        .expect("rotated");
    registry.check(&sign(&common::valid("report-kharkiv"), &[&new_key])).expect("new key works");
    assert!(matches!(
        registry.check(&sign(&common::valid("report-kharkiv"), &[&monitor])),
        Err(AdmissionError::RevokedSigner { revoked_at: 2, .. })
    ));
    // The retired key cannot come back, and a key belongs to one source.
    assert!(
        registry
            .check(&sign(&source("m2", "register", &monitor, "monitor"), &[&operator]))
            .is_err()
    );
    assert!(
        registry
            .check(&sign(&source("m3", "register", &new_key, "monitor"), &[&operator]))
            .is_err()
    );
    assert_eq!(registry.source(&"m1".parse_id()).map(|s| s.registered_at), Some(1));
}

#[test]
fn the_registry_keeps_an_operator_and_unique_ids() {
    let (registry, operator, monitor) = registry();
    let revoke_op = json!({"type": "truce.source/v1", "source": "op", "action": "revoke"});
    assert!(matches!(
        registry.check(&sign(&revoke_op, &[&operator])),
        Err(AdmissionError::RegistryConflict(_))
    ));
    let demote = source("op", "update", &operator, "monitor");
    assert!(matches!(
        registry.check(&sign(&demote, &[&operator])),
        Err(AdmissionError::RegistryConflict(_))
    ));
    let again = source("m1", "register", &key("fresh"), "monitor");
    assert!(matches!(
        registry.check(&sign(&again, &[&operator])),
        Err(AdmissionError::RegistryConflict(_))
    ));
    let update_unknown = source("nobody", "update", &key("fresh"), "monitor");
    assert!(registry.check(&sign(&update_unknown, &[&operator])).is_err());
    // `check` changes nothing.
    assert_eq!(registry.sources().count(), 2);
    let _ = monitor;
}

trait ParseId {
    fn parse_id(&self) -> truce_entry::Identifier;
}

impl ParseId for str {
    fn parse_id(&self) -> truce_entry::Identifier {
        truce_entry::Identifier::new(self).expect("valid identifier")
    }
}

#[test]
fn an_entry_verified_before_a_revocation_is_not_admitted_after_it() {
    let (mut registry, operator, monitor) = registry();
    // Verified on one core against the registry as it was...
    let report =
        registry.verify(&sign(&common::valid("report-kharkiv"), &[&monitor])).expect("verifies");
    // ...while the sequencer admits a revocation first.
    let revoke = json!({"type": "truce.source/v1", "source": "m1", "action": "revoke"});
    registry.admit(2, &sign(&revoke, &[&operator])).expect("revoked");
    assert_eq!(
        registry.admit_verified(3, report).err(),
        Some(AdmissionError::RevokedSigner { signer: "m1".parse_id(), revoked_at: 2 })
    );
}

#[test]
fn a_refused_update_changes_nothing_and_rotations_keep_the_old_keys() {
    let (mut registry, operator, monitor) = registry();
    // The last operator may not stop being one, even with a new key: the
    // refusal must leave its old key in force.
    let demote_and_rotate = source("op", "update", &key("new-operator"), "monitor");
    assert!(matches!(
        registry.admit(2, &sign(&demote_and_rotate, &[&operator])),
        Err(AdmissionError::RegistryConflict(_))
    ));
    let rotate_monitor = source("m1", "update", &key("monitor-2"), "monitor");
    registry.admit(2, &sign(&rotate_monitor, &[&operator])).expect("the operator still signs");
    let m1 = registry.source(&"m1".parse_id()).expect("m1");
    assert_eq!(m1.key, key("monitor-2").verifier_key());
    assert_eq!(m1.previous_keys, [monitor.verifier_key()]);
    assert!(registry.source(&"op".parse_id()).expect("op").previous_keys.is_empty());
}
