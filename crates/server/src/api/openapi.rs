//! The OpenAPI 3.1 document of the API, as served: the hand-written
//! `openapi.json` with what the code defines filled in, so that the document
//! cannot drift from it and resolves without the network. That is the JSON
//! Schema of each entry type (the validator's own declarations), the
//! time zones of daily reports and exports, and the codes of the reasons
//! for grades and verdicts.

use std::sync::OnceLock;

use serde_json::{Value, json};
use truce_entry::EntryType;

/// The hand-written part.
const TEMPLATE: &str = include_str!("../../openapi.json");

/// The document, built on first use.
pub fn openapi_document() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let document = build().unwrap_or_else(|e| panic!("openapi.json: {e}"));
        serde_json::to_string_pretty(&truce_entry::sorted(&document))
            .unwrap_or_else(|e| unreachable!("a JSON value always serializes: {e}"))
    })
}

/// The template with the entry schemas and the time zones in the places
/// it keeps for them. A template without those places is a bug in this
/// crate, caught by its tests.
fn build() -> Result<Value, String> {
    let mut document: Value =
        serde_json::from_str(TEMPLATE).map_err(|e| format!("not JSON: {e}"))?;
    for &entry_type in EntryType::ALL {
        let name = entry_type.file_stem();
        let place = document
            .pointer_mut(&format!("/components/schemas/{name}"))
            .ok_or(format!("no place for the schema {name}"))?;
        let mut schema = truce_entry::entry_schema(entry_type);
        if let Some(object) = schema.as_object_mut() {
            // An embedded schema with an `$id` would be a resource of its
            // own to tools that read `$id`; the document names it instead.
            object.remove("$id");
            object.remove("$schema");
        }
        *place = schema;
    }
    let zones = json!(truce_assess::time_zones());
    for path in ["/v1/reports/daily/{date}", "/v1/export/reports"] {
        let pointer = format!("/paths/{}/get/parameters", path.replace('/', "~1"));
        let time_zone = document
            .pointer_mut(&pointer)
            .and_then(Value::as_array_mut)
            .and_then(|parameters| parameters.iter_mut().find(|p| p["name"] == "time_zone"))
            .ok_or(format!("no time_zone parameter for {path}"))?;
        time_zone["schema"]["enum"] = zones.clone();
    }
    let reasons = document
        .pointer_mut("/components/schemas/Verdict/properties/reason/enum")
        .ok_or("no place for the verdict reasons")?;
    *reasons = json!(truce_assess::VerdictReason::ALL.map(truce_assess::VerdictReason::as_str));
    let codes = document
        .pointer_mut(
            "/components/schemas/Incident/properties/grade_reasons/items/properties/code/enum",
        )
        .ok_or("no place for the grade reasons")?;
    *codes = json!(truce_assess::GradeReason::CODES);
    Ok(document)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `$ref` of the served document points into it.
    #[test]
    fn every_reference_resolves_within_the_document() {
        let document: Value = serde_json::from_str(openapi_document()).expect("JSON");
        let mut references = Vec::new();
        collect_references(&document, &mut references);
        assert!(references.len() > 50, "{} references", references.len());
        for reference in references {
            let pointer = reference.strip_prefix('#').unwrap_or_else(|| panic!("{reference}"));
            assert!(document.pointer(pointer).is_some(), "{reference} resolves to nothing");
        }
    }

    fn collect_references(value: &Value, into: &mut Vec<String>) {
        match value {
            Value::Object(object) => {
                if let Some(Value::String(reference)) = object.get("$ref") {
                    into.push(reference.clone());
                }
                object.values().for_each(|v| collect_references(v, into));
            }
            Value::Array(items) => items.iter().for_each(|v| collect_references(v, into)),
            _ => {}
        }
    }

    #[test]
    fn the_entry_schemas_and_the_time_zones_are_filled_in() {
        let document: Value = serde_json::from_str(openapi_document()).expect("JSON");
        let report = &document["components"]["schemas"]["truce.report.v1"];
        assert_eq!(report["properties"]["type"], json!({"const": "truce.report/v1"}));
        assert!(report.get("$id").is_none());
        let kinds = &document["components"]["schemas"]["truce.report.v1"]["properties"]["event"];
        assert!(kinds["oneOf"].as_array().is_some_and(|k| k.len() > 5), "{kinds}");
        let daily = &document["paths"]["/v1/reports/daily/{date}"]["get"]["parameters"];
        let zones = daily
            .as_array()
            .and_then(|p| p.iter().find(|p| p["name"] == "time_zone"))
            .and_then(|p| p["schema"]["enum"].as_array())
            .expect("zones");
        assert!(zones.contains(&json!("Europe/Kyiv")) && zones.contains(&json!("UTC")));
        assert!(!zones.contains(&json!("europe/kyiv")));
    }
}
