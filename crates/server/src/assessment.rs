//! The assessment of the log as it stands, for the API.
//!
//! One [`Assessor`] follows the log: when a request finds the log grown,
//! the new entries are read from the query index and appended, which
//! costs what they touch rather than the size of the log. The findings of
//! each size are kept as a snapshot that requests share until the log
//! grows again.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use truce_assess::{Agreements, Assessor, Findings, Log, LogEntry, Params, SourceInfo};
use truce_entry::{Entry, Identifier};

use crate::ServerError;
use crate::access::View;
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
    /// The findings, precise; read through [`Assessed::findings`], with
    /// the view of the request.
    findings: Findings,
    /// The same, coarsened, made on first request.
    coarse: OnceLock<Findings>,
    /// The dashboard's summaries of these findings, precise and coarse,
    /// made on first request.
    dashboards: [OnceLock<Vec<u8>>; 2],
}

impl Assessed {
    /// The findings as `view` shows them.
    pub(crate) fn findings(&self, view: &View) -> &Findings {
        match view.coarsening() {
            None => &self.findings,
            Some(coarsening) => self.coarse.get_or_init(|| {
                let mut findings = self.findings.clone();
                coarsening.findings(&mut findings);
                findings
            }),
        }
    }

    /// The dashboard's summary in `view`, once made.
    pub(crate) fn dashboard(&self, view: &View) -> &OnceLock<Vec<u8>> {
        &self.dashboards[usize::from(view.coarsening().is_some())]
    }
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

impl Assessments {
    /// The sources of each incident's reports, sorted, by incident. The log
    /// only grows, so the assessor's log, however far it has moved on,
    /// knows the source of every report of an earlier snapshot.
    pub(crate) fn sources_of(&self, incidents: &[truce_assess::Incident]) -> Vec<Vec<String>> {
        let following = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let Some(log) = following.assessor.as_ref().map(Assessor::log) else {
            return vec![Vec::new(); incidents.len()];
        };
        incidents
            .iter()
            .map(|incident| {
                let mut sources: Vec<String> = incident
                    .reports
                    .iter()
                    .filter_map(|&r| log.entry(r).map(|e| e.source.as_str().to_owned()))
                    .collect();
                sources.sort_unstable();
                sources.dedup();
                sources
            })
            .collect()
    }
}

impl Following {
    fn catch_up(&mut self, shared: &Shared, size: u64) -> Result<Arc<Assessed>, ServerError> {
        let from = self.assessor.as_ref().map_or(0, |a| a.log().size());
        // Only from an index that covers the size: one being rebuilt under
        // a server that follows it must not be assessed (and the findings
        // cached) half-empty. Asked before and after, in case the rebuild
        // starts in between.
        let rows = shared.with_index(|index| {
            let covers = |index: &dyn truce_store::QueryIndex| {
                index.indexed_size().map(|indexed| indexed >= size)
            };
            if !covers(index)? {
                return Ok(None);
            }
            let rows = index.entries_between(from, size)?;
            Ok(covers(index)?.then_some(rows))
        })?;
        let rows = rows.ok_or_else(|| {
            ServerError::Unavailable(format!("the query index does not cover the {size} entries"))
        })?;
        let entries = parse_all(rows)?;
        let fail = |e: truce_assess::AssessError| ServerError::Unavailable(e.to_string());
        let assessor = match self.assessor.take() {
            // An append costs about ten times an entry's share of a full
            // assessment: past a tenth of the log, start afresh.
            Some(assessor) if entries.len() as u64 * 10 <= size => {
                self.follow(assessor, entries).map_err(fail)?
            }
            previous => {
                let mut all = previous.map(|a| a.into_log().into_entries()).unwrap_or_default();
                all.extend(entries);
                self.sources = SourceInfo::registered(&all);
                let params = tolerances(&all);
                let log = Log::new(all, self.sources.clone());
                Assessor::new(log, Agreements::All, params).map_err(fail)?
            }
        };
        let assessed = Arc::new(Assessed {
            size,
            agreements: assessor.agreements(),
            params: *assessor.params(),
            findings: assessor.findings(),
            coarse: OnceLock::new(),
            dashboards: Default::default(),
        });
        self.assessor = Some(assessor);
        self.latest = Some(assessed.clone());
        Ok(assessed)
    }

    /// Appends `entries`, telling the assessor of each new source and of
    /// the first agreement's tolerances. The entries between two of those
    /// go in as one batch, so that a cluster they all join (a flood of
    /// reports of one event) is regrouped once, not once per entry.
    fn follow(
        &mut self,
        mut assessor: Assessor,
        entries: Vec<LogEntry>,
    ) -> Result<Assessor, truce_assess::AssessError> {
        let mut batch = Vec::new();
        for entry in entries {
            let registered = match &entry.entry {
                Entry::Source(registration) => {
                    SourceInfo::of(registration).map(|info| (registration.source.clone(), info))
                }
                _ => None,
            };
            let agreement = matches!(entry.entry, Entry::Agreement(_));
            if registered.is_none() && !agreement {
                batch.push(entry);
                continue;
            }
            assessor.extend(batch.drain(..))?;
            if let Some((source, info)) = registered {
                self.sources.insert(source, info);
                assessor.set_sources(self.sources.clone())?;
            }
            let first_agreement = agreement && assessor.agreements().is_empty();
            assessor.append(entry)?;
            if first_agreement {
                assessor.set_params(tolerances(assessor.log().entries()))?;
            }
        }
        assessor.extend(batch)?;
        Ok(assessor)
    }
}

/// The tolerances of a log's first agreement (the first agreement entry
/// is always the first version of one), or the defaults.
fn tolerances(entries: &[LogEntry]) -> Params {
    entries
        .iter()
        .find_map(|e| match &e.entry {
            Entry::Agreement(a) => Some(Params::of_agreement(a)),
            _ => None,
        })
        .unwrap_or_default()
}

/// The entries as the index holds them, read back for the engine, in
/// order; on every core when there are many (after a start, the whole log).
fn parse_all(rows: Vec<(u64, String, String)>) -> Result<Vec<LogEntry>, ServerError> {
    let parse_chunk = |chunk: Vec<(u64, String, String)>| {
        chunk
            .into_iter()
            .map(|(index, source, json)| parse(index, source, &json))
            .collect::<Result<Vec<_>, _>>()
    };
    let threads = if rows.len() < 10_000 {
        1
    } else {
        std::thread::available_parallelism().map_or(1, usize::from)
    };
    if threads == 1 {
        return parse_chunk(rows);
    }
    let size = rows.len().div_ceil(threads);
    let mut chunks = Vec::with_capacity(threads);
    let mut rest = rows;
    while rest.len() > size {
        let tail = rest.split_off(size);
        chunks.push(rest);
        rest = tail;
    }
    chunks.push(rest);
    let parsed: Vec<Result<Vec<LogEntry>, ServerError>> = std::thread::scope(|scope| {
        let workers: Vec<_> =
            chunks.into_iter().map(|chunk| scope.spawn(move || parse_chunk(chunk))).collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    });
    let mut entries = Vec::new();
    for chunk in parsed {
        entries.extend(chunk?);
    }
    Ok(entries)
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

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = include_str!("../../entry/tests/data/valid/report-kharkiv.json");

    #[test]
    fn many_entries_are_parsed_in_order_and_one_bad_entry_is_named() {
        let rows = |n: u64| -> Vec<(u64, String, String)> {
            (0..n).map(|i| (i, "omm-1".to_owned(), REPORT.to_owned())).collect()
        };
        let parsed = parse_all(rows(12_000)).expect("parses");
        assert!(parsed.iter().enumerate().all(|(k, e)| e.index == k as u64));
        let mut bad = rows(12_000);
        bad[11_321].2 = "{\"type\": \"truce.report/v1\"}".to_owned();
        let error = parse_all(bad).map(|_| ()).expect_err("refused");
        assert!(error.to_string().contains("entry 11321"), "{error}");
    }
}
