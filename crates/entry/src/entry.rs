//! The entry: one of the eight types, read from JSON and written back.

use serde_json::Value;

use crate::check::{Checker, Problems, kind_of, unknown_word};
use crate::common::{Identifier, LogIndex};
use crate::json::{canonical, parse_strict};
use crate::types::agreement::Agreement;
use crate::types::assessment::Assessment;
use crate::types::coverage::Coverage;
use crate::types::evidence::EvidenceObject;
use crate::types::log_key::LogKey;
use crate::types::report::Report;
use crate::types::source::Source;
use crate::types::statement::Statement;

/// The most bytes an entry may take in the log, signatures included.
///
/// SPEC(tlog-tiles): entries in a bundle carry a big-endian uint16 length.
pub const MAX_ENTRY_SIZE: usize = 65_535;

/// Input larger than this is refused before it is parsed at all.
const MAX_INPUT_SIZE: usize = 1 << 20;

/// The type of an entry, named by its `type` member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum EntryType {
    /// `truce.source/v1`
    Source,
    /// `truce.agreement/v1`
    Agreement,
    /// `truce.report/v1`
    Report,
    /// `truce.coverage/v1`
    Coverage,
    /// `truce.assessment/v1`
    Assessment,
    /// `truce.statement/v1`
    Statement,
    /// `truce.log-key/v1`
    LogKey,
    /// `truce.evidence/v1`
    Evidence,
}

impl EntryType {
    /// Every entry type.
    pub const ALL: &'static [EntryType] = &[
        EntryType::Source,
        EntryType::Agreement,
        EntryType::Report,
        EntryType::Coverage,
        EntryType::Assessment,
        EntryType::Statement,
        EntryType::LogKey,
        EntryType::Evidence,
    ];

    /// The value of the `type` member.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryType::Source => "truce.source/v1",
            EntryType::Agreement => "truce.agreement/v1",
            EntryType::Report => "truce.report/v1",
            EntryType::Coverage => "truce.coverage/v1",
            EntryType::Assessment => "truce.assessment/v1",
            EntryType::Statement => "truce.statement/v1",
            EntryType::LogKey => "truce.log-key/v1",
            EntryType::Evidence => "truce.evidence/v1",
        }
    }

    /// The file name of the published schema, without `.json`:
    /// `truce.report.v1`.
    pub fn file_stem(self) -> String {
        self.as_str().replace('/', ".")
    }

    fn from_word(word: &str) -> Option<EntryType> {
        EntryType::ALL.iter().copied().find(|t| t.as_str() == word)
    }

    pub(crate) fn object_schema(self) -> Value {
        match self {
            EntryType::Source => Source::object_schema(),
            EntryType::Agreement => Agreement::object_schema(),
            EntryType::Report => Report::object_schema(),
            EntryType::Coverage => Coverage::object_schema(),
            EntryType::Assessment => Assessment::object_schema(),
            EntryType::Statement => Statement::object_schema(),
            EntryType::LogKey => LogKey::object_schema(),
            EntryType::Evidence => EvidenceObject::object_schema(),
        }
    }
}

impl std::fmt::Display for EntryType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A valid entry of any type.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Entry {
    /// `truce.source/v1`
    Source(Source),
    /// `truce.agreement/v1`
    Agreement(Agreement),
    /// `truce.report/v1`
    Report(Report),
    /// `truce.coverage/v1`
    Coverage(Coverage),
    /// `truce.assessment/v1`
    Assessment(Assessment),
    /// `truce.statement/v1`
    Statement(Statement),
    /// `truce.log-key/v1`
    LogKey(LogKey),
    /// `truce.evidence/v1`
    Evidence(EvidenceObject),
}

impl Entry {
    /// Reads an entry from JSON text in any layout, reporting every problem
    /// at once.
    ///
    /// Besides each type's rules, the text must be UTF-8 JSON without
    /// duplicate members, and its canonical form must fit in an entry.
    pub fn parse(bytes: &[u8]) -> Result<Entry, Problems> {
        Ok(Entry::parse_value(bytes)?.0)
    }

    /// Like [`Entry::parse`], also giving the parsed JSON value.
    pub(crate) fn parse_value(bytes: &[u8]) -> Result<(Entry, Value), Problems> {
        if bytes.len() > MAX_INPUT_SIZE {
            return Err(Problems::whole(format!(
                "entry is {} bytes; an entry holds at most {MAX_ENTRY_SIZE}",
                bytes.len()
            )));
        }
        let text = std::str::from_utf8(bytes).map_err(|e| {
            Problems::whole(format!(
                "must be valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ))
        })?;
        let value =
            parse_strict(text).map_err(|e| Problems::whole(format!("invalid JSON: {e}")))?;
        let result = Entry::from_value(&value);
        let size = canonical(&value).len() + 1;
        let mut problems = match result {
            Ok(entry) if size <= MAX_ENTRY_SIZE => return Ok((entry, value)),
            Ok(_) => Problems::default(),
            Err(problems) => problems,
        };
        if size > MAX_ENTRY_SIZE {
            problems.push_whole(format!(
                "entry is {size} bytes in canonical form; an entry holds at most {MAX_ENTRY_SIZE}"
            ));
        }
        Err(problems)
    }

    /// Reads an entry from a JSON value, reporting every problem at once.
    pub fn from_value(value: &Value) -> Result<Entry, Problems> {
        let mut at = Checker::new();
        let entry = read_entry(value, &mut at);
        match entry {
            Some(entry) if at.problem_count() == 0 => Ok(entry),
            _ => Err(at.into_problems()),
        }
    }

    /// The entry as JSON, with its `type` member.
    pub fn to_value(&self) -> Value {
        let mut object = match self {
            Entry::Source(e) => e.write_object(),
            Entry::Agreement(e) => e.write_object(),
            Entry::Report(e) => e.write_object(),
            Entry::Coverage(e) => e.write_object(),
            Entry::Assessment(e) => e.write_object(),
            Entry::Statement(e) => e.write_object(),
            Entry::LogKey(e) => e.write_object(),
            Entry::Evidence(e) => e.write_object(),
        };
        object.insert("type".into(), Value::String(self.entry_type().as_str().into()));
        Value::Object(object)
    }

    /// The canonical JSON (RFC 8785) of the entry: the text that is signed,
    /// without its final newline.
    pub fn to_canonical_json(&self) -> String {
        canonical(&self.to_value())
    }

    /// The source's own identifier of the entry (its idempotency key), for
    /// the types that have one: reports, coverage gaps, assessments.
    pub fn local_id(&self) -> Option<&Identifier> {
        match self {
            Entry::Report(r) => Some(&r.id),
            Entry::Coverage(c) => Some(&c.id),
            Entry::Assessment(a) => Some(&a.id),
            _ => None,
        }
    }

    /// The log index of the entry this one supersedes, if it does.
    pub fn supersedes(&self) -> Option<LogIndex> {
        match self {
            Entry::Report(r) => r.supersedes,
            Entry::Coverage(c) => c.supersedes,
            Entry::Assessment(a) => a.supersedes,
            Entry::Agreement(a) => a.supersedes,
            _ => None,
        }
    }

    /// The entry's type.
    pub fn entry_type(&self) -> EntryType {
        match self {
            Entry::Source(_) => EntryType::Source,
            Entry::Agreement(_) => EntryType::Agreement,
            Entry::Report(_) => EntryType::Report,
            Entry::Coverage(_) => EntryType::Coverage,
            Entry::Assessment(_) => EntryType::Assessment,
            Entry::Statement(_) => EntryType::Statement,
            Entry::LogKey(_) => EntryType::LogKey,
            Entry::Evidence(_) => EntryType::Evidence,
        }
    }
}

impl serde::Serialize for Entry {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

fn read_entry(value: &Value, at: &mut Checker) -> Option<Entry> {
    let Some(object) = value.as_object() else {
        at.problem(format!("an entry must be a JSON object, not {}", kind_of(value)));
        return None;
    };
    let Some(word) = object.get("type") else {
        at.problem_at("type", "is required");
        return None;
    };
    let Some(word) = word.as_str() else {
        at.problem_at("type", format!("must be a string, not {}", kind_of(word)));
        return None;
    };
    let Some(entry_type) = EntryType::from_word(word) else {
        let words: Vec<&str> = EntryType::ALL.iter().map(|t| t.as_str()).collect();
        at.problem_at("type", format!("unknown entry type: {}", unknown_word(word, &words)));
        return None;
    };
    const TYPE: &[&str] = &["type"];
    Some(match entry_type {
        EntryType::Source => Entry::Source(Source::read_object(value, at, TYPE)?),
        EntryType::Agreement => Entry::Agreement(Agreement::read_object(value, at, TYPE)?),
        EntryType::Report => Entry::Report(Report::read_object(value, at, TYPE)?),
        EntryType::Coverage => Entry::Coverage(Coverage::read_object(value, at, TYPE)?),
        EntryType::Assessment => Entry::Assessment(Assessment::read_object(value, at, TYPE)?),
        EntryType::Statement => Entry::Statement(Statement::read_object(value, at, TYPE)?),
        EntryType::LogKey => Entry::LogKey(LogKey::read_object(value, at, TYPE)?),
        EntryType::Evidence => Entry::Evidence(EvidenceObject::read_object(value, at, TYPE)?),
    })
}

/// Entry types convert into [`Entry`].
macro_rules! into_entry {
    ($($ty:ident),*) => {$(
        impl From<$ty> for Entry {
            fn from(e: $ty) -> Entry {
                Entry::$ty(e)
            }
        }
    )*};
}

into_entry!(Source, Agreement, Report, Coverage, Assessment, Statement, LogKey);

impl From<EvidenceObject> for Entry {
    fn from(e: EvidenceObject) -> Entry {
        Entry::Evidence(e)
    }
}
