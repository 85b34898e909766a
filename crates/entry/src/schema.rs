//! JSON Schemas (draft 2020-12) of the entry types, derived from the same
//! declarations that the validator reads, so the two cannot drift apart.
//!
//! A schema describes the shape of an entry; the rules that tie members
//! together (a time window's end after its start, a party's source naming
//! its party, ...) are written in the descriptions and enforced by the
//! validator.

use serde_json::{Value, json};

use crate::EntryType;

/// The `$id` prefix of the published schemas.
pub const SCHEMA_BASE: &str = "https://truce.dev/schemas/";

/// Sets the schema's `description` from doc-comment lines.
#[doc(hidden)]
pub fn describe(schema: &mut Value, doc_lines: &[&str]) {
    // Doc comments are wrapped at 80 columns: join the lines of each
    // paragraph, keep the blank lines between paragraphs.
    let mut text = String::new();
    for line in doc_lines.iter().map(|l| l.trim()) {
        if line.is_empty() {
            text.push_str("\n\n");
        } else {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push(' ');
            }
            text.push_str(line);
        }
    }
    let text = text.trim().to_owned();
    if text.is_empty() {
        return;
    }
    if let Value::Object(object) = schema {
        match object.get("description").and_then(Value::as_str) {
            // A member's doc comes first; the type's own description follows.
            Some(existing) if existing != text => {
                let joined = format!("{text}\n\n{existing}");
                object.insert("description".into(), Value::String(joined));
            }
            _ => {
                object.insert("description".into(), Value::String(text));
            }
        }
    }
}

/// The published JSON Schema of one entry type, with its `type` member.
pub fn entry_schema(entry_type: EntryType) -> Value {
    let mut schema = entry_type.object_schema();
    if let Some(object) = schema.as_object_mut() {
        let properties = object.entry("properties").or_insert_with(|| json!({}));
        if let Some(properties) = properties.as_object_mut() {
            properties.insert("type".into(), json!({"const": entry_type.as_str()}));
        }
        if let Some(Value::Array(required)) = object.get_mut("required") {
            required.insert(0, json!("type"));
        }
        let mut head = serde_json::Map::new();
        head.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
        head.insert("$id".into(), json!(format!("{SCHEMA_BASE}{}.json", entry_type.file_stem())));
        head.insert("title".into(), json!(entry_type.as_str()));
        head.append(object);
        return Value::Object(head);
    }
    schema
}

/// The published text of an entry type's schema: pretty-printed JSON and a
/// final newline, as in the repository's `schemas/` directory.
pub fn published_schema(entry_type: EntryType) -> String {
    let mut text = serde_json::to_string_pretty(&crate::json::sorted(&entry_schema(entry_type)))
        .unwrap_or_else(|e| unreachable!("a JSON value always serializes: {e}"));
    text.push('\n');
    text
}
