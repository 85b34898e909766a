//! A re-import, planned: a dataset's rows against what its importing source
//! already logged, so that an updated export submits only what changed.
//!
//! The dataset's event identifier is the report's local id. A changed row
//! becomes a correction that supersedes the logged report, with the id
//! `EVENT:rN` (a report's id is its idempotency key, so a new version needs
//! a new one); a row that is gone becomes, when asked, a withdrawal; an
//! unchanged row, nothing. The [`Planner`] takes the rows one at a time, so
//! an import streams.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use truce_entry::{Entry, canonical};

use crate::RowProblem;

/// A report of the importing source that the log holds and that no later
/// one supersedes: the current version of an event, kept as a digest of
/// what it says so that a log of millions of reports plans in little
/// memory.
#[derive(Clone, Debug)]
pub struct Logged {
    /// Its log index.
    pub index: u64,
    /// Its id.
    pub id: String,
    /// Whether it withdraws the event.
    pub withdrawn: bool,
    /// The digest of what it says ([`content_digest`]).
    pub digest: [u8; 32],
}

impl Logged {
    /// A logged report, from its index and its entry.
    pub fn new(index: u64, entry: &Value) -> Option<Logged> {
        Some(Logged {
            index,
            id: entry["id"].as_str()?.to_owned(),
            withdrawn: entry.get("withdrawn").is_some(),
            digest: content_digest(entry),
        })
    }
}

/// What became of a row.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// A new event: submit the report as it is.
    New(Value),
    /// A changed event: submit this correction.
    Correct(Value),
    /// The logged report says the same.
    Unchanged,
    /// Refused: the event repeats an earlier row, or its id is too long to
    /// take a revision.
    Refused(RowProblem),
}

/// Plans a re-import a row at a time.
pub struct Planner {
    current: BTreeMap<String, Logged>,
    seen: BTreeMap<String, u64>,
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

/// The digest of what a report says, without the members that only place
/// it in the log (`id`, `supersedes`): the same numbers written
/// differently (2000 and 2000.0) are the same report.
pub fn content_digest(entry: &Value) -> [u8; 32] {
    let mut entry = entry.clone();
    if let Some(members) = entry.as_object_mut() {
        members.remove("id");
        members.remove("supersedes");
    }
    Sha256::digest(canonical(&entry).as_bytes()).into()
}

impl Planner {
    /// A planner against the source's `logged` reports.
    pub fn new(logged: impl IntoIterator<Item = Logged>) -> Planner {
        let mut current: BTreeMap<String, Logged> = BTreeMap::new();
        for report in logged {
            let event = event_id(&report.id).to_owned();
            if current.get(&event).is_none_or(|c| c.index < report.index) {
                current.insert(event, report);
            }
        }
        Planner { current, seen: BTreeMap::new() }
    }

    /// The decision for the row at `line` of event `event`, mapped to
    /// `entry`.
    pub fn row(&mut self, line: u64, event: &str, mut entry: Value) -> Decision {
        if let Some(first) = self.seen.insert(event.to_owned(), line) {
            self.seen.insert(event.to_owned(), first);
            return Decision::Refused(RowProblem::new(
                "(row)",
                format!("repeats the event of line {first}"),
            ));
        }
        let Some(logged) = self.current.get(event) else {
            return Decision::New(entry);
        };
        if !logged.withdrawn && logged.digest == content_digest(&entry) {
            return Decision::Unchanged;
        }
        entry["id"] = json!(next_id(&logged.id));
        entry["supersedes"] = json!(logged.index);
        match Entry::from_value(&entry) {
            Ok(_) => Decision::Correct(entry),
            Err(problems) => Decision::Refused(RowProblem::new("(report)", problems.to_string())),
        }
    }

    /// The events logged and not in the rows, not already withdrawn.
    pub fn missing(&self) -> impl Iterator<Item = &Logged> {
        self.current
            .iter()
            .filter(|(event, logged)| !self.seen.contains_key(*event) && !logged.withdrawn)
            .map(|(_, logged)| logged)
    }
}

/// A withdrawal of `logged`, with `summary` as its reason.
pub fn withdrawal(logged: &Logged, summary: &str) -> Value {
    json!({
        "type": "truce.report/v1",
        "id": next_id(&logged.id),
        "supersedes": logged.index,
        "withdrawn": true,
        "summary": summary,
    })
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

    fn logged(index: u64, entry: &Value) -> Logged {
        Logged::new(index, entry).expect("an id")
    }

    #[test]
    fn only_changes_are_submitted() {
        let mut planner = Planner::new([
            logged(10, &report("A", 1)),
            logged(11, &report("B", 1)),
            logged(30, &report("B:r1", 2)),
            logged(12, &report("C", 0)),
        ]);
        let mut a = report("A", 1);
        // The same numbers written differently are the same report.
        a["location"]["uncertainty_m"] = json!(2000.0);
        assert_eq!(planner.row(2, "A", a), Decision::Unchanged);
        let Decision::Correct(b) = planner.row(3, "B", report("B", 3)) else { panic!("B") };
        assert_eq!((&b["id"], &b["supersedes"]), (&json!("B:r2"), &json!(30)));
        assert_eq!(planner.row(4, "D", report("D", 0)), Decision::New(report("D", 0)));
        let Decision::Refused(problem) = planner.row(5, "D", report("D", 1)) else { panic!("D") };
        assert_eq!(problem.reason, "repeats the event of line 4");
        let missing: Vec<u64> = planner.missing().map(|l| l.index).collect();
        assert_eq!(missing, [12]);
        let gone = planner.missing().next().map(|l| withdrawal(l, "Gone.")).expect("C");
        assert_eq!((&gone["id"], &gone["supersedes"]), (&json!("C:r1"), &json!(12)));
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
