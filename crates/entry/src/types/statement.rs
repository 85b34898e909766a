//! `truce.statement/v1`: the operator's publication of a derived report.

use crate::check::NonEmpty;
use crate::check::Rules;
use crate::common::{Base64Hash, Count, Date, LogIndex, Sha256Hex, Text};
use crate::{record, vocabulary};

record! {
    /// The operator's statement that it published a report computed from
    /// the log: anyone can recompute the report from the checkpoint and the
    /// agreement named here and compare digests. Signed by the operator.
    pub struct Statement {
        /// What was published.
        pub statement: StatementKind,
        /// The day the report covers.
        pub date: Date,
        /// The log indices of the agreements the report judged against.
        pub agreements: NonEmpty<LogIndex>,
        /// The checkpoint the report was computed from.
        pub checkpoint: CheckpointRef,
        /// SHA-256 of the report's canonical JSON.
        pub digest: Sha256Hex,
        /// The Truce version that computed it.
        pub truce_version: Text<64>,
        /// The IANA time zone of the day (default `Europe/Kyiv`).
        pub time_zone: Option<Text<64>>,
        /// The hour, local time, at which the day starts (default 0).
        pub cutoff_hour: Option<Count>,
    }
}

impl Rules for Statement {}

record! {
    /// A checkpoint of the log: its origin, size and root hash.
    pub struct CheckpointRef {
        /// The log's origin line.
        pub origin: Text<256>,
        /// The number of entries.
        pub size: LogIndex,
        /// The Merkle tree root hash, base64.
        pub root: Base64Hash,
    }
}

impl Rules for CheckpointRef {}

vocabulary! {
    /// The kind of published report.
    pub enum StatementKind {
        /// The daily compliance report.
        DailyReport = "daily_report",
    }
}
