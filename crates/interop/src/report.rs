//! What the ACLED and UCDP mappings share: reading fields that become
//! report members, each problem named by its column, and assembling the
//! report.

use serde_json::{Map, Value, json};
use truce_entry::{Entry, Identifier, Prose, Text};

use crate::RowProblem;
use crate::table::Row;

/// The problems of one row, collected as its fields are read.
#[derive(Default)]
pub(crate) struct Problems(pub(crate) Vec<RowProblem>);

impl Problems {
    pub(crate) fn add(&mut self, column: &str, reason: impl Into<String>) {
        self.0.push(RowProblem::new(column, reason));
    }

    /// The field of `column` read by `read`; its error is a problem of the
    /// column.
    pub(crate) fn read<T>(
        &mut self,
        row: &Row<'_>,
        column: &str,
        read: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        read(row.get(column)).map_err(|reason| self.add(column, reason)).ok()
    }

    /// A required field, read by `read`.
    pub(crate) fn required<T>(
        &mut self,
        row: &Row<'_>,
        column: &str,
        read: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        if row.get(column).is_empty() {
            self.add(column, "is empty");
            return None;
        }
        self.read(row, column, read)
    }

    /// One line of text of at most 200 characters, if given.
    pub(crate) fn line_of_text(&mut self, row: &Row<'_>, column: &str) -> Option<String> {
        let text = row.get(column);
        if text.is_empty() {
            return None;
        }
        match Text::<200>::new(text) {
            Ok(text) => Some(text.as_str().to_owned()),
            Err(problems) => {
                self.add(column, problems.to_string());
                None
            }
        }
    }

    /// A count of people, if given.
    pub(crate) fn count(&mut self, row: &Row<'_>, column: &str) -> Option<u64> {
        self.read(row, column, |text| match text {
            "" => Ok(None),
            _ => text
                .parse::<u64>()
                .ok()
                .filter(|n| *n <= 100_000_000)
                .map(Some)
                .ok_or(format!("{text:?} is not a count from 0 to 100000000")),
        })
        .flatten()
    }
}

/// The dataset's identifier of the event, as a report's `id`.
pub(crate) fn identifier(text: &str) -> Result<String, String> {
    Identifier::new(text).map(|_| text.to_owned()).map_err(|e| e.to_string())
}

/// A coordinate in decimal degrees within `limit`.
pub(crate) fn degrees(limit: f64) -> impl Fn(&str) -> Result<f64, String> {
    move |text| {
        text.parse::<f64>()
            .ok()
            .filter(|d| d.is_finite() && d.abs() <= limit)
            .ok_or(format!("{text:?} is not a number from -{limit} to {limit}"))
    }
}

/// The summary: the dataset's description, and its sources after a blank
/// line, as [`split_summary`] reads them back.
pub(crate) fn summary(
    problems: &mut Problems,
    column: &str,
    description: &str,
    sources: &str,
) -> Option<String> {
    let text = match (description, sources) {
        ("", "") => return None,
        (description, "") => description.to_owned(),
        ("", sources) => format!("{SOURCES}{sources}"),
        (description, sources) => format!("{description}\n\n{SOURCES}{sources}"),
    };
    match Prose::<4000>::new(text) {
        Ok(text) => Some(text.as_str().to_owned()),
        Err(e) => {
            problems.add(column, e.to_string());
            None
        }
    }
}

const SOURCES: &str = "Sources: ";

/// A summary split back into the description and the sources.
pub(crate) fn split_summary(summary: &str) -> (&str, &str) {
    match summary.rsplit_once(&format!("\n\n{SOURCES}")) {
        Some((description, sources)) => (description, sources),
        None => match summary.strip_prefix(SOURCES) {
            Some(sources) => ("", sources),
            None => (summary, ""),
        },
    }
}

/// What a report of a dataset's row says.
pub(crate) struct Draft {
    pub(crate) id: String,
    pub(crate) window: (String, String),
    pub(crate) lat: f64,
    pub(crate) lon: f64,
    pub(crate) uncertainty_m: f64,
    pub(crate) place: Option<String>,
    pub(crate) admin1: Option<String>,
    pub(crate) admin2: Option<String>,
    pub(crate) kind: String,
    pub(crate) observation: Value,
    pub(crate) perpetrator: Option<Value>,
    pub(crate) targets: Vec<String>,
    pub(crate) killed: Option<Value>,
    pub(crate) summary: Option<String>,
}

impl Draft {
    /// The report, checked by the entry validator: what it refuses is a
    /// problem of the row (named by the member, as no single column is to
    /// blame).
    pub(crate) fn into_entry(self) -> Result<Value, Vec<RowProblem>> {
        let mut location = Map::new();
        location.insert("lat".into(), json!(self.lat));
        location.insert("lon".into(), json!(self.lon));
        location.insert("uncertainty_m".into(), json!(self.uncertainty_m));
        for (name, value) in
            [("place", self.place), ("admin1", self.admin1), ("admin2", self.admin2)]
        {
            if let Some(value) = value {
                location.insert(name.into(), json!(value));
            }
        }
        let mut entry = json!({
            "type": "truce.report/v1",
            "id": self.id,
            "time": {"from": self.window.0, "to": self.window.1},
            "location": location,
            "event": self.kind,
            "observation": self.observation,
        });
        let members = entry.as_object_mut().unwrap_or_else(|| unreachable!("built as an object"));
        if let Some(perpetrator) = self.perpetrator {
            members.insert("perpetrator".into(), perpetrator);
        }
        if !self.targets.is_empty() {
            let targets: Vec<Value> = self.targets.iter().map(|c| json!({"category": c})).collect();
            members.insert("targets".into(), Value::Array(targets));
        }
        if let Some(killed) = self.killed {
            members.insert("harm".into(), json!({"killed": killed}));
        }
        if let Some(summary) = self.summary {
            members.insert("summary".into(), json!(summary));
        }
        match Entry::from_value(&entry) {
            Ok(_) => Ok(entry),
            Err(problems) => {
                Err(problems.iter().map(|p| RowProblem::new("(report)", p.to_string())).collect())
            }
        }
    }
}

/// The total of a `harm.killed` or `harm.injured` object.
pub(crate) fn total(casualties: &Value) -> u64 {
    ["civilian", "military", "unknown"].iter().filter_map(|k| casualties[k].as_u64()).sum()
}

/// A JSON string or number as a CSV field: the string itself, a number as
/// JSON writes it (the shortest text that reads back as the same number),
/// anything else (absent, null) empty.
pub fn field_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}
