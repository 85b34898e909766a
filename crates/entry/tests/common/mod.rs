//! Helpers shared by the entry tests: the valid fixtures, and edits of them.
#![allow(dead_code)]

use serde_json::Value;

/// Every fixture in `tests/data/valid`, by name.
pub const VALID: &[&str] = &[
    "agreement-moratorium",
    "assessment-attribution",
    "assessment-credibility",
    "assessment-link",
    "coverage-access",
    "evidence-derivative",
    "evidence-photo",
    "report-kharkiv",
    "report-multilingual",
    "report-withdrawal",
    "source-monitor",
    "source-party",
    "source-revoke",
    "statement-daily",
];

/// A valid fixture, parsed.
pub fn valid(name: &str) -> Value {
    let path = format!("tests/data/valid/{name}.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `value` with the member or element at `pointer` set to `new` (created if
/// it is an object member).
pub fn set(mut value: Value, pointer: &str, new: Value) -> Value {
    let (parent, last) = pointer.rsplit_once('/').expect("a pointer");
    match value.pointer_mut(parent).unwrap_or_else(|| panic!("no {parent}")) {
        Value::Object(object) => {
            object.insert(last.to_owned(), new);
        }
        Value::Array(items) => {
            let i: usize = last.parse().expect("an index");
            items[i] = new;
        }
        other => panic!("{parent} is {other}"),
    }
    value
}

/// `value` without the member at `pointer`.
pub fn remove(mut value: Value, pointer: &str) -> Value {
    let (parent, last) = pointer.rsplit_once('/').expect("a pointer");
    let parent = value.pointer_mut(parent).and_then(Value::as_object_mut).expect("an object");
    assert!(parent.remove(last).is_some(), "no member {pointer}");
    value
}
