//! The published JSON Schemas: in sync with the validator, and agreeing
//! with it on valid and invalid entries.
//!
//! Run with `TRUCE_BLESS=1` to rewrite `schemas/` after changing a type.

mod common;

use std::path::PathBuf;

use serde_json::{Value, json};
use truce_entry::{Entry, EntryType, entry_schema, published_schema};

fn schema_dir() -> PathBuf {
    PathBuf::from("../../schemas")
}

#[test]
fn published_schemas_are_up_to_date() {
    let dir = schema_dir();
    let bless = std::env::var_os("TRUCE_BLESS").is_some();
    for &entry_type in EntryType::ALL {
        let path = dir.join(format!("{}.json", entry_type.file_stem()));
        let want = published_schema(entry_type);
        if bless {
            std::fs::create_dir_all(&dir).expect("creates schemas/");
            std::fs::write(&path, &want).expect("writes");
            continue;
        }
        let got = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            got == want,
            "{} is out of date: run `TRUCE_BLESS=1 cargo test -p truce-entry --test schemas`",
            path.display()
        );
    }
}

fn validator(entry_type: EntryType) -> jsonschema::Validator {
    jsonschema::validator_for(&entry_schema(entry_type)).expect("the schema is a valid schema")
}

fn type_of(value: &Value) -> EntryType {
    let word = value["type"].as_str().expect("type");
    *EntryType::ALL.iter().find(|t| t.as_str() == word).expect("known type")
}

#[test]
fn every_valid_fixture_satisfies_its_schema() {
    for name in common::VALID {
        let value = common::valid(name);
        let errors: Vec<String> =
            validator(type_of(&value)).iter_errors(&value).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
}

#[test]
fn schema_and_validator_refuse_the_same_malformed_shapes() {
    let report = || common::valid("report-kharkiv");
    let cases = [
        common::set(report(), "/sumary", json!("typo")),
        common::set(report(), "/location/lat", json!(91)),
        common::set(report(), "/location/lat", json!("50")),
        common::set(report(), "/harm/killed/civilian", json!(-1)),
        common::set(report(), "/harm/killed/civilian", json!(1.5)),
        common::set(report(), "/event", json!("missle_strike")),
        common::set(report(), "/time/from", json!("2025-11-14T03:18:00")),
        common::set(report(), "/evidence/0/sha256", json!("ABC")),
        common::set(report(), "/id", json!("has space")),
        common::set(report(), "/targets", json!({})),
        common::remove(report(), "/id"),
        common::set(common::valid("source-monitor"), "/reliability", json!("G")),
        common::set(common::valid("agreement-moratorium"), "/rules", json!([])),
        common::set(
            common::valid("agreement-moratorium"),
            "/zones/0/geometry/type",
            json!("Circle"),
        ),
        common::set(common::valid("assessment-credibility"), "/credibility", json!(7)),
        common::set(common::valid("statement-daily"), "/checkpoint/root", json!("YmFuYW5hcw==")),
    ];
    for (i, value) in cases.iter().enumerate() {
        assert!(Entry::from_value(value).is_err(), "case {i}: the validator accepted it");
        assert!(!validator(type_of(value)).is_valid(value), "case {i}: the schema accepted it");
    }
}
