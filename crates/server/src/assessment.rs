//! The assessment of the log as it stands, for the API: computed from the
//! query index when the log has grown, and kept until it grows again.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use truce_assess::{Findings, Log, LogEntry, Params, SourceInfo};
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

/// The latest assessment, shared by the handlers.
#[derive(Default)]
pub(crate) struct Assessments {
    latest: Mutex<Option<Arc<Assessed>>>,
    /// Held while one request computes, so that others wait for its result
    /// instead of computing the same thing.
    computing: Mutex<()>,
}

impl Assessments {
    /// The assessment of the log at its latest checkpoint.
    pub(crate) fn current(&self, shared: &Shared) -> Result<Arc<Assessed>, ServerError> {
        let size = shared.checkpoint().size();
        let fresh =
            |latest: &Option<Arc<Assessed>>| latest.as_ref().filter(|a| a.size == size).cloned();
        if let Some(a) = self.latest.lock().ok().and_then(|l| fresh(&l)) {
            return Ok(a);
        }
        let _computing =
            self.computing.lock().map_err(|_| ServerError::Unavailable("assessment".into()))?;
        if let Some(a) = self.latest.lock().ok().and_then(|l| fresh(&l)) {
            return Ok(a);
        }
        let assessed = Arc::new(compute(shared, size)?);
        if let Ok(mut latest) = self.latest.lock() {
            *latest = Some(assessed.clone());
        }
        Ok(assessed)
    }
}

fn compute(shared: &Shared, size: u64) -> Result<Assessed, ServerError> {
    let (rows, sources, agreements) = shared.with_index(|index| {
        Ok((index.all_entries()?, index.sources()?, index.agreement_roots()?))
    })?;
    let mut entries = Vec::with_capacity(rows.len());
    for (index, source, json) in rows.into_iter().filter(|(i, ..)| *i < size) {
        let value: serde_json::Value = serde_json::from_str(&json)
            .map_err(|e| ServerError::Unavailable(format!("entry {index}: {e}")))?;
        let entry = Entry::from_value(&value)
            .map_err(|e| ServerError::Unavailable(format!("entry {index}: {e}")))?;
        let source =
            Identifier::new(source).map_err(|e| ServerError::Unavailable(e.to_string()))?;
        entries.push(LogEntry { index, source, entry });
    }
    let sources: BTreeMap<Identifier, SourceInfo> = sources
        .into_iter()
        .filter_map(|s| {
            let info = SourceInfo {
                role: s.role.parse().ok()?,
                organisation: s.organisation,
                party: s.party.and_then(|p| Identifier::new(p).ok()),
                reliability: s.reliability.parse().ok()?,
            };
            Some((Identifier::new(s.id).ok()?, info))
        })
        .collect();
    let log = Log::new(entries, sources);
    let params = match agreements.first().and_then(|&i| log.entry(i)).map(|e| &e.entry) {
        Some(Entry::Agreement(a)) => Params::of_agreement(a),
        _ => Params::default(),
    };
    let findings = truce_assess::assess(&log, &agreements, &params)
        .map_err(|e| ServerError::Unavailable(e.to_string()))?;
    Ok(Assessed { size, agreements, params, findings })
}
