//! Truce's exchange with the datasets analysts already use, and the
//! formats it gives its own data back in.
//!
//! * [`acled`] and [`ucdp`] read a CSV export of ACLED or of UCDP's
//!   Georeferenced Event Dataset and map each row to a `truce.report/v1`
//!   entry, by the tables in [`mapping`] (data files, `data/*.toml`); and
//!   write reports back in those layouts.
//! * [`sync`] plans a re-import: which rows are new, changed (a correction
//!   that supersedes the logged report), unchanged, or gone (a withdrawal).
//! * [`export`] writes reports as CSV (with an HXL hashtag row when asked),
//!   GeoJSON, NDJSON, or in the ACLED and UCDP layouts, one at a time.
//!
//! Everything here is a pure function of its input: the CLI and the server
//! do the reading, signing and submitting.

pub mod acled;
pub mod export;
pub mod mapping;
mod report;
pub mod sync;
pub mod table;
pub mod time;
pub mod ucdp;

use std::collections::BTreeSet;

pub use crate::mapping::{AcledMapping, MappingError, UcdpMapping};
pub use crate::table::{FileError, RowProblem};

/// What an import needs besides the table.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// The zone of the dataset's calendar dates (they are local dates).
    pub time_zone: jiff::tz::TimeZone,
    /// The parties of the log's agreements: an actor is named as the
    /// perpetrator only when it maps to one of them. `None` takes every
    /// party of the table.
    pub parties: Option<BTreeSet<String>>,
}

/// A row of a dataset, mapped.
#[derive(Clone, Debug, PartialEq)]
pub struct Mapped {
    /// The line of the file the row starts on (the header is line 1).
    pub line: u64,
    /// What became of it.
    pub outcome: Outcome,
}

/// What became of a row.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// A valid `truce.report/v1`, not yet signed; `id` is the dataset's
    /// own identifier of the event.
    Report {
        /// The dataset's identifier of the event.
        id: String,
        /// The entry.
        entry: serde_json::Value,
    },
    /// An event of a class no mapping rule covers (a protest, an arrest):
    /// not a report of a ceasefire, so skipped and counted.
    OutOfScope {
        /// The class, e.g. `Protests / Peaceful protest`.
        class: String,
    },
    /// A row that cannot be mapped, with every problem found.
    Refused(Vec<RowProblem>),
}
