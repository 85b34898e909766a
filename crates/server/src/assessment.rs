//! The assessment of the log as it stands, for the API.
//!
//! One [`Assessor`] follows the log: when a request finds the log grown,
//! the new entries are read from the query index and appended, which
//! costs what they touch rather than the size of the log. The findings of
//! each size are kept as a snapshot that requests share until the log
//! grows again.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use truce_assess::{Agreements, Assessor, Findings, Log, LogEntry, Params, SourceInfo};
use truce_entry::{Entry, Identifier};

use crate::ServerError;
use crate::state::Shared;

/// The findings of one log size.
pub(crate) struct Assessed {
    /// The log size they were computed at.
    pub(crate) size: u64,
    /// The agreements they judge against: the first version of every
    /// agreement (the engine follows the later versions).
    pub(crate) agreements: Vec<u64>,
    /// The parameters: those of the first agreement.
    pub(crate) params: Params,
    /// The findings.
    pub(crate) findings: Findings,
}

/// The assessor following the log, and its latest snapshot.
#[derive(Default)]
pub(crate) struct Assessments {
    state: Mutex<Following>,
}

#[derive(Default)]
struct Following {
    /// `None` until the first request, and after a failure (the next
    /// request starts again from the whole log).
    assessor: Option<Assessor>,
    sources: BTreeMap<Identifier, SourceInfo>,
    latest: Option<Arc<Assessed>>,
}

impl Assessments {
    /// The assessment of the log at its latest checkpoint.
    pub(crate) fn current(&self, shared: &Shared) -> Result<Arc<Assessed>, ServerError> {
        let size = shared.checkpoint().size();
        // One request catches up while the others wait for its result
        // rather than doing the same work.
        let mut following =
            self.state.lock().map_err(|_| ServerError::Unavailable("assessment".into()))?;
        if let Some(latest) = following.latest.as_ref().filter(|a| a.size == size) {
            return Ok(latest.clone());
        }
        match following.catch_up(shared, size) {
            Ok(assessed) => Ok(assessed),
            Err(e) => {
                *following = Following::default();
                Err(e)
            }
        }
    }
}

impl Following {
    fn catch_up(&mut self, shared: &Shared, size: u64) -> Result<Arc<Assessed>, ServerError> {
        let from = self.assessor.as_ref().map_or(0, |a| a.log().size());
        let rows = shared.with_index(|index| index.entries_between(from, size))?;
        let fail = |e: truce_assess::AssessError| ServerError::Unavailable(e.to_string());
        let mut assessor = match self.assessor.take() {
            Some(assessor) => assessor,
            None => {
                Assessor::new(Log::default(), Agreements::All, Params::default()).map_err(fail)?
            }
        };
        for (index, source, json) in rows {
            let entry = parse(index, source, &json)?;
            if let Entry::Source(registration) = &entry.entry
                && let Some(info) = SourceInfo::of(registration)
            {
                self.sources.insert(registration.source.clone(), info);
                assessor.set_sources(self.sources.clone()).map_err(fail)?;
            }
            assessor.append(entry).map_err(fail)?;
        }
        // The tolerances are those of the first agreement.
        let first = assessor.agreements().first().and_then(|&i| assessor.log().entry(i));
        let params = match first.map(|e| &e.entry) {
            Some(Entry::Agreement(a)) => Params::of_agreement(a),
            _ => Params::default(),
        };
        assessor.set_params(params).map_err(fail)?;
        let assessed = Arc::new(Assessed {
            size,
            agreements: assessor.agreements(),
            params,
            findings: assessor.findings(),
        });
        self.assessor = Some(assessor);
        self.latest = Some(assessed.clone());
        Ok(assessed)
    }
}

/// An entry as the index holds it, read back for the engine.
fn parse(index: u64, source: String, json: &str) -> Result<LogEntry, ServerError> {
    let unreadable = |e: String| ServerError::Unavailable(format!("entry {index}: {e}"));
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| unreadable(e.to_string()))?;
    let entry = Entry::from_value(&value).map_err(|e| unreadable(e.to_string()))?;
    let source = Identifier::new(source).map_err(|e| unreadable(e.to_string()))?;
    Ok(LogEntry { index, source, entry })
}
