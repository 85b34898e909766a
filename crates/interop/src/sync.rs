//! A re-import, planned: a dataset's rows against what its importing source
//! already logged, so that an updated export submits only what changed.
//!
//! The dataset's event identifier is the report's local id. A changed row
//! becomes a correction that supersedes the logged report, with the id
//! `EVENT:rN` (a report's id is its idempotency key, so a new version needs
//! a new one); a row that is gone becomes, when asked, a withdrawal; an
//! unchanged row, nothing.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use truce_entry::{Entry, canonical};

use crate::RowProblem;

/// A report of the importing source that the log holds and that no later
/// one supersedes: the current version of an event.
#[derive(Clone, Debug)]
pub struct Logged {
    /// Its log index.
    pub index: u64,
    /// Its entry.
    pub entry: Value,
}

/// A row to submit, or a refusal of one.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// The entries to sign and submit, each with the line of its row (0
    /// for a withdrawal, which has none).
    pub submissions: Vec<(u64, Value)>,
    /// Rows that are new events.
    pub new: usize,
    /// Rows that correct a logged report.
    pub corrected: usize,
    /// Rows equal to the logged report.
    pub unchanged: usize,
    /// Logged events that the dataset no longer has, withdrawn.
    pub withdrawn: usize,
    /// Logged events that the dataset no longer has, left as they are.
    pub missing: usize,
    /// Rows refused while planning: a repeated event, or an id too long to
    /// take a revision.
    pub refused: Vec<(u64, RowProblem)>,
}

/// The event a report id stands for: the id without its `:rN` revision.
pub fn event_id(report_id: &str) -> &str {
    match report_id.rsplit_once(":r") {
        Some((event, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => event,
        _ => report_id,
    }
}

/// The id of the next version of the report `report_id`.
fn next_id(report_id: &str) -> String {
    let revision = match report_id.rsplit_once(":r") {
        Some((_, n)) => n.parse::<u64>().unwrap_or(0),
        None => 0,
    };
    format!("{}:r{}", event_id(report_id), revision + 1)
}

/// What a report says, without the members that only place it in the log.
fn content(entry: &Value) -> String {
    let mut entry = entry.clone();
    if let Some(members) = entry.as_object_mut() {
        members.remove("id");
        members.remove("supersedes");
    }
    canonical(&entry)
}

/// Plans the submissions of `rows` (the line, the event id and the report
/// of each mapped row) against `logged`. `withdrawal` is the summary of a
/// withdrawal of an event gone from the dataset; `None` leaves such events
/// alone.
pub fn plan(
    logged: Vec<Logged>,
    rows: Vec<(u64, String, Value)>,
    withdrawal: Option<&str>,
) -> Plan {
    let mut current: BTreeMap<String, Logged> = BTreeMap::new();
    for report in logged {
        let Some(id) = report.entry["id"].as_str() else { continue };
        let event = event_id(id).to_owned();
        if current.get(&event).is_none_or(|c| c.index < report.index) {
            current.insert(event, report);
        }
    }
    let mut plan = Plan::default();
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    for (line, event, mut entry) in rows {
        if let Some(first) = seen.insert(event.clone(), line) {
            let reason = format!("repeats the event of line {first}");
            plan.refused.push((line, RowProblem::new("(row)", reason)));
            continue;
        }
        let Some(logged) = current.get(&event) else {
            plan.new += 1;
            plan.submissions.push((line, entry));
            continue;
        };
        if logged.entry.get("withdrawn").is_none() && content(&logged.entry) == content(&entry) {
            plan.unchanged += 1;
            continue;
        }
        let id = next_id(logged.entry["id"].as_str().unwrap_or(&event));
        entry["id"] = json!(id);
        entry["supersedes"] = json!(logged.index);
        if let Err(problems) = Entry::from_value(&entry) {
            plan.refused.push((line, RowProblem::new("(report)", problems.to_string())));
            continue;
        }
        plan.corrected += 1;
        plan.submissions.push((line, entry));
    }
    for (event, logged) in &current {
        if seen.contains_key(event) || logged.entry.get("withdrawn").is_some() {
            continue;
        }
        let Some(summary) = withdrawal else {
            plan.missing += 1;
            continue;
        };
        let id = next_id(logged.entry["id"].as_str().unwrap_or(event));
        let entry = json!({
            "type": "truce.report/v1",
            "id": id,
            "supersedes": logged.index,
            "withdrawn": true,
            "summary": summary,
        });
        plan.withdrawn += 1;
        plan.submissions.push((0, entry));
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(id: &str, killed: u64) -> Value {
        json!({
            "type": "truce.report/v1", "id": id,
            "time": {"from": "2024-02-15T00:00:00Z", "to": "2024-02-15T23:59:59Z"},
            "location": {"lat": 50.0, "lon": 36.2, "uncertainty_m": 2000},
            "event": "artillery",
            "observation": {"basis": "media", "confidence": "medium"},
            "harm": {"killed": {"unknown": killed}},
        })
    }

    #[test]
    fn only_changes_are_submitted() {
        let logged = vec![
            Logged { index: 10, entry: report("A", 1) },
            Logged { index: 11, entry: report("B", 1) },
            Logged { index: 30, entry: report("B:r1", 2) },
            Logged { index: 12, entry: report("C", 0) },
        ];
        let mut a = report("A", 1);
        // The same numbers written differently are the same report.
        a["location"]["uncertainty_m"] = json!(2000.0);
        let rows = vec![
            (2, "A".to_owned(), a),
            (3, "B".to_owned(), report("B", 3)),
            (4, "D".to_owned(), report("D", 0)),
            (5, "D".to_owned(), report("D", 1)),
        ];
        let plan = plan(logged, rows, Some("Withdrawn: no longer in the dataset."));
        assert_eq!(
            (plan.new, plan.corrected, plan.unchanged, plan.withdrawn, plan.refused.len()),
            (1, 1, 1, 1, 1)
        );
        let ids: Vec<(&str, &Value)> = plan
            .submissions
            .iter()
            .map(|(_, e)| (e["id"].as_str().unwrap_or_default(), &e["supersedes"]))
            .collect();
        assert_eq!(ids, [("B:r2", &json!(30)), ("D", &Value::Null), ("C:r1", &json!(12))]);
        assert_eq!(plan.refused[0].0, 5);
    }

    #[test]
    fn event_ids_drop_only_a_revision() {
        assert_eq!(event_id("UKR1:r12"), "UKR1");
        assert_eq!(event_id("UKR1"), "UKR1");
        assert_eq!(event_id("a:rb"), "a:rb");
        assert_eq!(next_id("UKR1"), "UKR1:r1");
        assert_eq!(next_id("UKR1:r1"), "UKR1:r2");
    }
}
