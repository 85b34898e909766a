//! Ingestion: the one thread that admits entries in log order and
//! sequences them, keeping the registry in step with the log.
//!
//! Handlers do the expensive half of admission on every core (parse,
//! verify signatures against a snapshot of the registry) and send the
//! verified entries here. This thread takes whatever has arrived as one
//! group commit, and for each entry, in order: answers an entry already in
//! the log with its index; admits the others against the registry as it
//! stands (a revocation earlier in the group counts); checks what needs the
//! index (a reused local id, a `supersedes` or a reference to another
//! entry, also among entries the index writer has not written yet);
//! appends the admitted ones; and hands the group to the index writer
//! (`indexer.rs`), which indexes it, publishes the new registry and
//! checkpoint and replies, while this thread admits the next group.
//! Nothing is acknowledged before the entries are durable, covered by a
//! signed checkpoint, and in the index.
//!
//! When anything fails after the log may have changed, the thread stops
//! and the sequencing loop (`sequencing.rs`) starts again through the
//! start-up path ([`Ingest::recover`]): the log is the truth, the registry
//! and the index are brought up to it.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use truce_entry::{
    AdmissionError, Admitted, Entry, EntryType, EvidenceObject, Identifier, Registry, Sha256Hex,
    SignedEntry,
};
use truce_log::{DedupIndex, Hash, LogStorage, Sequencer, leaf_hash, read_entry};
use truce_note::VerifierKey;
use truce_store::{Backends, IndexedEntry, Lease, QueryIndex};

use crate::ServerError;
use crate::config::{Config, EvidenceConfig};
use crate::indexer::{self, Group, Indexer, indexed};
use crate::state::Shared;

/// Entries a handler verified, on their way to the log.
pub(crate) struct Submission {
    pub(crate) entries: Vec<SignedEntry>,
    pub(crate) reply: oneshot::Sender<Vec<Outcome>>,
}

/// What became of one entry.
#[derive(Clone, Debug)]
pub(crate) enum Outcome {
    /// In the log at `index` (`duplicate`: it already was).
    Logged { index: u64, leaf: Hash, duplicate: bool },
    /// Refused.
    Refused(Refusal),
}

/// Why an entry was refused. Each maps to one problem type of the API.
#[derive(Clone, Debug)]
pub(crate) enum Refusal {
    /// The entry, its signatures or its signer.
    Admission(AdmissionError),
    /// The source already used this local id for other content.
    LocalIdReused { local_id: String, index: u64 },
    /// A `supersedes` that names another source's entry.
    ForeignSupersedes { index: u64, owner: String },
    /// A reference to an entry that is not there or not of the right type.
    BadReference { pointer: String, message: String },
    /// An evidence entry beyond a limit of `[evidence]`.
    EvidenceLimit { limit: EvidenceLimit, message: String },
    /// The source sent more than its rate allows.
    RateLimited { retry_after_secs: u64 },
    /// The server cannot take entries now.
    Unavailable { message: String, retry_after_secs: u64 },
}

/// Which limit of `[evidence]` an entry passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EvidenceLimit {
    /// `max_bytes`.
    Size,
    /// `media_types`.
    MediaType,
    /// `quota_bytes`.
    Quota,
}

impl Refusal {
    /// The refusal of an entry that this server cannot log now.
    pub(crate) fn unavailable(message: impl Into<String>) -> Refusal {
        Refusal::Unavailable { message: message.into(), retry_after_secs: 1 }
    }
}

/// The sequencer of the server: the log's storage, open for writing, and
/// its dedup index, whatever backends they are.
type LogWriter = Sequencer<Box<dyn LogStorage + Send + Sync>, Box<dyn DedupIndex + Send>>;

/// Why [`Ingest::run`] returned.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Stopped {
    /// The server stopped taking entries, and every one taken is answered.
    Closed,
    /// Something failed after the log may have changed, or the lease ran
    /// out: start again from the log.
    Failed,
}

/// The ingestion thread's state: the writer side of everything.
pub(crate) struct Ingest {
    backends: Backends,
    origin: String,
    /// The verifier key of the key the sequencer signs with.
    signer: VerifierKey,
    sequencer: LogWriter,
    /// The lease that lets this process write a log in a bucket.
    lease: Option<Arc<Lease>>,
    registry: Registry,
    /// A read connection to the query index.
    index: Box<dyn QueryIndex>,
    /// The index writer; started with the first group.
    indexer: Option<Indexer>,
    /// Appended entries the index writer may not have written yet.
    unindexed: Unindexed,
    max_commit: usize,
    /// How long to wait for a submission before looking at the lease.
    idle: Duration,
    /// Set when a commit failed: the thread stops after answering.
    failed: bool,
    /// What evidence entries may name.
    evidence_limits: EvidenceConfig,
}

impl Ingest {
    /// Takes the log for writing and brings the registry and the index up
    /// to it: the one start-up path, after a clean stop, a crash or a
    /// failover alike. `None` while another process holds the log's lock
    /// or lease.
    pub(crate) fn recover(
        config: &Config,
        backends: &Backends,
        origin: &str,
    ) -> Result<Option<Ingest>, ServerError> {
        Ingest::open(config, backends, origin, false)?.map(Ingest::signing).transpose()
    }

    /// [`Ingest::recover`], for `truce rotate-key`: the log's key may have
    /// been rotated already (a rotation interrupted, run again).
    pub(crate) fn for_rotation(
        config: &Config,
        backends: &Backends,
        origin: &str,
    ) -> Result<Option<Ingest>, ServerError> {
        Ingest::open(config, backends, origin, false)
    }

    /// Refuses a log whose key was rotated away from the configured one:
    /// it would open, and refuse every entry.
    fn signing(self) -> Result<Ingest, ServerError> {
        match self.sequencer.keys().transitions().last() {
            Some(transition) if self.sequencer.keys().current() != &self.signer => {
                Err(ServerError::Setup(format!(
                    "the log's key was rotated at size {}: it signs with {} now; set log_key to \
                     that key (the configured key, {}, is retired)",
                    transition.size(),
                    self.sequencer.keys().current(),
                    self.signer,
                )))
            }
            _ => Ok(self),
        }
    }

    /// [`Ingest::recover`] with a query index rebuilt from scratch.
    pub(crate) fn rebuild(
        config: &Config,
        backends: &Backends,
        origin: &str,
    ) -> Result<Option<Ingest>, ServerError> {
        Ingest::open(config, backends, origin, true)?.map(Ingest::signing).transpose()
    }

    fn open(
        config: &Config,
        backends: &Backends,
        origin: &str,
        rebuild: bool,
    ) -> Result<Option<Ingest>, ServerError> {
        let fail = |what: &str, e: &(dyn std::error::Error + 'static)| ServerError::failed(what, e);
        let key = config.log_signer(origin)?;
        let signer = key.verifier_key();
        let Some(writer) = backends
            .open_writer(&truce_store::holder_name(), config.lease_ttl())
            .map_err(|e| fail(&backends.storage.to_string(), e.as_ref()))?
        else {
            return Ok(None);
        };
        let lease = writer.lease;
        // Before anything is signed, the published checkpoint is verified
        // and the right edge rebuilt from the tiles and checked against it
        // (Sequencer::open), whoever wrote them last.
        let sequencer = Sequencer::open(writer.storage, writer.dedup, key, origin)
            .map_err(|e| fail("log", &e))?;
        let size = sequencer.checkpoint().size();

        let unavailable = |e: truce_store::IndexError| fail("query index", &e);
        let mut index = backends.index.open_index(origin).map_err(unavailable)?;
        let mut indexed = index.indexed_size().map_err(unavailable)?;
        if rebuild || indexed > size {
            if !rebuild {
                tracing::warn!(indexed, size, "the query index is ahead of the log; rebuilding it");
            }
            index.clear().map_err(unavailable)?;
            indexed = 0;
        }
        // The registry as of the indexed prefix: replay its source entries.
        let storage = sequencer.storage();
        let mut registry = Registry::new();
        for i in index.source_entries().map_err(unavailable)? {
            let bytes = read_entry(storage, i, size)
                .map_err(|e| fail("log", &e))?
                .ok_or_else(|| ServerError::Setup(format!("entry {i} is missing from the log")))?;
            registry.admit(i, &bytes).map_err(|e| fail(&format!("replaying entry {i}"), &e))?;
        }
        let mut ingest = Ingest {
            backends: backends.clone(),
            origin: origin.to_owned(),
            signer,
            sequencer,
            lease,
            registry,
            index,
            indexer: None,
            unindexed: Unindexed::default(),
            max_commit: config.max_commit_entries,
            idle: config.follow_interval(),
            failed: false,
            evidence_limits: config.evidence.clone(),
        };
        ingest.index_from(indexed, size)?;
        Ok(Some(ingest))
    }

    /// Admits and indexes the entries `from..to` of the log, which the
    /// index lacks, and records the log's checkpoint.
    fn index_from(&mut self, from: u64, to: u64) -> Result<(), ServerError> {
        let checkpoint = self.sequencer.checkpoint().to_bytes();
        let storage = self.sequencer.storage();
        index_range(storage, &mut self.registry, self.index.as_mut(), from, to, &checkpoint)
    }

    /// The latest checkpoint.
    pub(crate) fn checkpoint(&self) -> &truce_log::VerifiedCheckpoint {
        self.sequencer.checkpoint()
    }

    /// The log's origin.
    pub(crate) fn origin(&self) -> &str {
        &self.origin
    }

    /// The registry as of the log's latest entry.
    pub(crate) fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The log's keys, as far as the sequencer knows them.
    pub(crate) fn log_keys(&self) -> &truce_log::LogKeys {
        self.sequencer.keys()
    }

    /// Appends a key rotation's announcement under its transition (see
    /// [`Sequencer::rotate_key`]) and indexes it.
    pub(crate) fn append_rotation(
        &mut self,
        announcement: &[u8],
        new_key: Box<dyn truce_note::Signer>,
    ) -> Result<truce_log::Logged, ServerError> {
        let size = self.sequencer.checkpoint().size();
        let logged = self
            .sequencer
            .rotate_key(announcement, new_key)
            .map_err(|e| ServerError::failed("log", &e))?;
        self.index_from(size, self.sequencer.checkpoint().size())?;
        Ok(logged)
    }

    /// The key the announcement at `index` retired.
    pub(crate) fn previous_log_key(&self, index: u64) -> Result<VerifierKey, ServerError> {
        let size = self.sequencer.checkpoint().size();
        let bytes = read_entry(self.sequencer.storage(), index, size)
            .map_err(|e| ServerError::failed("log", &e))?
            .ok_or_else(|| ServerError::Setup(format!("entry {index} is missing from the log")))?;
        match self.registry.verify(&bytes).map(|e| e.entry().clone()) {
            Ok(Entry::LogKey(announcement)) => Ok(announcement.previous.0),
            _ => Err(ServerError::Setup(format!("entry {index} is not a truce.log-key/v1 entry"))),
        }
    }

    /// The registry and checkpoint to publish to handlers. The index was
    /// brought up to the log: whatever a follower saw of it before, it
    /// covers the checkpoint.
    pub(crate) fn publish(&self, shared: &Shared) {
        shared.set_registry(Arc::new(self.registry.clone()));
        shared.set_checkpoint(Arc::new(self.sequencer.checkpoint().clone()));
        shared.set_index_behind(false);
    }

    /// Whether the lease of a log in a bucket ran out.
    fn lease_lost(&self) -> bool {
        self.lease.as_ref().is_some_and(|lease| lease.remaining().is_zero())
    }

    /// Runs until every sender is gone or something fails, committing what
    /// arrives in groups and handing each group to the index writer, which
    /// answers it. Dropping the returned state's index writer waits until
    /// it answered every group handed over.
    pub(crate) fn run(
        &mut self,
        submissions: &mut mpsc::Receiver<Submission>,
        shared: &Arc<Shared>,
        runtime: &tokio::runtime::Handle,
    ) -> Stopped {
        let stopped = self.serve(submissions, shared, runtime);
        self.indexer.take();
        stopped
    }

    fn serve(
        &mut self,
        submissions: &mut mpsc::Receiver<Submission>,
        shared: &Arc<Shared>,
        runtime: &tokio::runtime::Handle,
    ) -> Stopped {
        loop {
            let idle = self.idle;
            let next =
                runtime.block_on(async { tokio::time::timeout(idle, submissions.recv()).await });
            let first = match next {
                Ok(Some(first)) => first,
                Ok(None) => return Stopped::Closed,
                Err(_) if self.lease_lost() => return Stopped::Failed,
                Err(_) => continue,
            };
            let mut count = first.entries.len();
            let mut jobs = vec![first];
            while count < self.max_commit {
                match submissions.try_recv() {
                    Ok(job) => {
                        count += job.entries.len();
                        jobs.push(job);
                    }
                    Err(_) => break,
                }
            }
            if self.indexer.as_ref().is_some_and(Indexer::failed) || self.lease_lost() {
                let message = match shared.fault() {
                    Some(fault) => format!("{fault}; the log is recovering"),
                    None => "the log is recovering".to_owned(),
                };
                answer_unavailable(jobs, shared, &message);
                return Stopped::Failed;
            }
            let started = std::time::Instant::now();
            let sizes: Vec<usize> = jobs.iter().map(|j| j.entries.len()).collect();
            let entries: Vec<SignedEntry> =
                jobs.iter_mut().flat_map(|j| std::mem::take(&mut j.entries)).collect();
            let (outcomes, appended, registry_changed) = self.commit(entries, shared);
            shared.metrics.commit(count, started.elapsed());
            let mut outcomes = outcomes.into_iter();
            let replies = jobs
                .into_iter()
                .zip(sizes)
                .map(|(job, size)| (job.reply, outcomes.by_ref().take(size).collect()))
                .collect();
            let group = Group {
                appended,
                checkpoint: self.sequencer.checkpoint().clone(),
                registry: registry_changed.then(|| Arc::new(self.registry.clone())),
                replies,
            };
            match self.indexer(shared) {
                Ok(indexer) => indexer.send(group),
                Err(e) => {
                    tracing::error!(error = %e, "the index writer cannot start");
                    indexer::answer_unavailable(shared, group);
                    // The group is in the log, not in the index: start
                    // again from the log.
                    return Stopped::Failed;
                }
            }
            if self.failed {
                return Stopped::Failed;
            }
        }
    }

    /// The index writer, started over a connection of its own when there
    /// is none (at first, and after a recovery).
    fn indexer(&mut self, shared: &Arc<Shared>) -> Result<&Indexer, ServerError> {
        if self.indexer.is_none() {
            let unavailable = |e| ServerError::Unavailable(format!("query index: {e}"));
            let index = self.backends.index.open_index(&self.origin).map_err(unavailable)?;
            // What the index holds, not what the log holds: a group may be
            // appended already, on its way to this writer.
            let indexed = index.indexed_size().map_err(unavailable)?;
            self.indexer = Some(Indexer::start(index, indexed, shared.clone())?);
        }
        self.indexer.as_ref().ok_or_else(|| ServerError::Unavailable("no index writer".into()))
    }

    /// Commits one group: returns an outcome per entry, in order, the
    /// entries it appended, and whether it changed the registry.
    fn commit(
        &mut self,
        entries: Vec<SignedEntry>,
        shared: &Arc<Shared>,
    ) -> (Vec<Outcome>, Vec<(u64, Hash, Admitted)>, bool) {
        let bytes: Vec<&[u8]> = entries.iter().map(|e| e.as_bytes()).collect();
        let unavailable = |message: String| Outcome::Refused(Refusal::unavailable(message));
        let found = match self.sequencer.find(&bytes) {
            Ok(found) => found,
            Err(e) => {
                let cause = describe(&e);
                tracing::error!(error = %e, cause, "reading the log failed; recovering from the log");
                let message = format!("the log could not be read: {cause}");
                shared.set_fault(Some(message.clone()));
                let outcome = unavailable(message);
                self.failed = true;
                return (vec![outcome; entries.len()], Vec::new(), false);
            }
        };
        drop(bytes);

        if let Some(indexer) = &self.indexer {
            self.unindexed.forget_below(indexer.indexed());
        }
        let base = self.sequencer.checkpoint().size();
        // The registry as it was, should the append fail: only source
        // entries change it.
        let changes_registry = entries.iter().any(|e| matches!(e.entry(), Entry::Source(_)));
        let before = changes_registry.then(|| self.registry.clone());
        let mut outcomes: Vec<Option<Outcome>> = vec![None; entries.len()];
        let mut accepted: Vec<(usize, Hash, Admitted)> = Vec::new();
        let mut first_copy: HashMap<Hash, usize> = HashMap::new();
        let mut copies: Vec<(usize, usize)> = Vec::new();
        let mut group = Unindexed::default();
        for (k, (entry, (leaf, known))) in entries.into_iter().zip(found).enumerate() {
            if let Some(index) = known {
                outcomes[k] = Some(Outcome::Logged { index, leaf, duplicate: true });
                continue;
            }
            if let Some(&first) = first_copy.get(&leaf) {
                copies.push((k, first));
                continue;
            }
            first_copy.insert(leaf, k);
            let index = base + accepted.len() as u64;
            let admitted = self
                .registry
                .admit_verified(index, entry)
                .map_err(Refusal::Admission)
                .and_then(|a| self.check_references(&a, index, &group).map(|()| a));
            match admitted {
                Ok(admitted) => {
                    group.add(index, &admitted);
                    accepted.push((k, leaf, admitted));
                }
                Err(refusal) => outcomes[k] = Some(Outcome::Refused(refusal)),
            }
        }

        let mut appended = Vec::new();
        if !accepted.is_empty() {
            let to_log: Vec<&[u8]> = accepted.iter().map(|(_, _, a)| a.entry.as_bytes()).collect();
            match self.sequencer.append(&to_log) {
                Ok(logged)
                    if logged
                        .iter()
                        .enumerate()
                        .all(|(i, l)| l.index == base + i as u64 && !l.duplicate) =>
                {
                    for ((k, leaf, admitted), l) in accepted.into_iter().zip(&logged) {
                        outcomes[k] =
                            Some(Outcome::Logged { index: l.index, leaf, duplicate: false });
                        appended.push((l.index, leaf, admitted));
                    }
                    shared.metrics.logged(appended.len());
                    self.unindexed.extend(group);
                }
                failed => {
                    // The log may or may not hold the group: learn which
                    // from the log itself.
                    let cause = match &failed {
                        Err(e) => {
                            let cause = describe(e);
                            tracing::error!(error = %e, cause, "append failed; recovering from the log");
                            cause
                        }
                        Ok(_) => {
                            tracing::error!(
                                "append gave unexpected indices; recovering from the log"
                            );
                            "it answered unexpected indices".to_owned()
                        }
                    };
                    let message = format!("the log could not be written: {cause}");
                    shared.set_fault(Some(message.clone()));
                    for (k, _, _) in &accepted {
                        outcomes[*k] = Some(unavailable(message.clone()));
                    }
                    if let Some(before) = before {
                        self.registry = before;
                    }
                    self.failed = true;
                }
            }
        }
        for (k, first) in copies {
            outcomes[k] = outcomes[first].clone();
            if let Some(Outcome::Logged { duplicate, .. }) = outcomes[k].as_mut() {
                *duplicate = true;
            }
        }
        let outcomes = outcomes
            .into_iter()
            .map(|o| o.unwrap_or_else(|| unavailable("no outcome".into())))
            .collect();
        (outcomes, appended, changes_registry)
    }

    /// The checks that need the log beyond the registry: local ids,
    /// `supersedes`, and references to other entries.
    fn check_references(
        &self,
        admitted: &Admitted,
        index: u64,
        group: &Unindexed,
    ) -> Result<(), Refusal> {
        let entry = admitted.entry.entry();
        let source = admitted.source.as_str();
        let entry_type = entry.entry_type();
        // Entries of this group, then those the index writer has not
        // written yet, then the index.
        let lookup = |i: u64| -> Option<(EntryType, String)> {
            group.entry(i).or_else(|| self.unindexed.entry(i)).or_else(|| {
                let row = self.index.entry(i).ok()??;
                let entry_type = EntryType::ALL.iter().find(|t| t.as_str() == row.entry_type)?;
                Some((*entry_type, row.source))
            })
        };
        if let Some(local_id) = entry.local_id().map(Identifier::as_str) {
            let key = (source.to_owned(), entry_type, local_id.to_owned());
            let existing =
                group.local_id(&key).or_else(|| self.unindexed.local_id(&key)).or_else(|| {
                    let found = self.index.by_local_id(source, entry_type, local_id).ok();
                    found.flatten().map(|(index, _)| index)
                });
            if let Some(other) = existing {
                return Err(Refusal::LocalIdReused { local_id: local_id.to_owned(), index: other });
            }
        }
        if let Some(target) = entry.supersedes().map(|i| i.0) {
            let bad =
                |message: String| Refusal::BadReference { pointer: "/supersedes".into(), message };
            if target >= index {
                return Err(bad(format!("must name an earlier entry; entry {index} is the next")));
            }
            let (target_type, owner) = lookup(target)
                .ok_or_else(|| bad(format!("entry {target} is not an admitted entry")))?;
            if target_type != entry_type {
                return Err(bad(format!(
                    "must name a {entry_type} entry; entry {target} is a {target_type}"
                )));
            }
            if owner != source && entry_type != EntryType::Agreement {
                return Err(Refusal::ForeignSupersedes { index: target, owner });
            }
        }
        match entry {
            Entry::Assessment(assessment) => {
                for (i, report) in assessment.reports.iter().enumerate() {
                    if !matches!(lookup(report.0), Some((EntryType::Report, _)))
                        || report.0 >= index
                    {
                        return Err(Refusal::BadReference {
                            pointer: format!("/reports/{i}"),
                            message: format!("entry {} is not a report in the log", report.0),
                        });
                    }
                }
            }
            Entry::Statement(statement) => {
                for (i, agreement) in statement.agreements.iter().enumerate() {
                    if !matches!(lookup(agreement.0), Some((EntryType::Agreement, _))) {
                        return Err(Refusal::BadReference {
                            pointer: format!("/agreements/{i}"),
                            message: format!("entry {} is not an agreement", agreement.0),
                        });
                    }
                }
                if statement.checkpoint.size.0 > index {
                    return Err(Refusal::BadReference {
                        pointer: "/checkpoint/size".into(),
                        message: format!("the log has only {index} entries"),
                    });
                }
            }
            Entry::Evidence(evidence) => self.check_evidence(evidence, source, group)?,
            // An announcement without its key transition would say the log
            // changed keys when it did not.
            Entry::LogKey(_) => {
                return Err(Refusal::BadReference {
                    pointer: "/type".into(),
                    message: "a truce.log-key/v1 entry is appended only by `truce log \
                              rotate-key`, with the key transition it announces"
                        .into(),
                });
            }
            _ => {}
        }
        Ok(())
    }
}

impl Ingest {
    /// The limits of `[evidence]`, and that a derivative's original is in
    /// the log.
    fn check_evidence(
        &self,
        evidence: &EvidenceObject,
        source: &str,
        group: &Unindexed,
    ) -> Result<(), Refusal> {
        let limits = &self.evidence_limits;
        let size = evidence.size.0;
        if size > limits.max_bytes {
            return Err(Refusal::EvidenceLimit {
                limit: EvidenceLimit::Size,
                message: format!(
                    "the file is {size} bytes; this log takes files of at most {} bytes",
                    limits.max_bytes
                ),
            });
        }
        if !limits.media_types.iter().any(|t| t == evidence.media_type.as_str()) {
            return Err(Refusal::EvidenceLimit {
                limit: EvidenceLimit::MediaType,
                message: format!(
                    "this log does not take {} files; it takes {}",
                    evidence.media_type.as_str(),
                    limits.media_types.join(", ")
                ),
            });
        }
        let index_failed = |e: truce_store::IndexError| Refusal::unavailable(e.to_string());
        let logged = self.index.evidence_bytes(source).map_err(index_failed)?;
        let used = logged + self.unindexed.evidence_bytes(source) + group.evidence_bytes(source);
        if used.saturating_add(size) > limits.quota_bytes {
            return Err(Refusal::EvidenceLimit {
                limit: EvidenceLimit::Quota,
                message: format!(
                    "source {source} has logged {used} bytes of evidence; this file of {size} \
                     bytes would pass its quota of {} bytes",
                    limits.quota_bytes
                ),
            });
        }
        if let Some(original) = &evidence.derived_from {
            let sha = &original.sha256;
            let logged = group.has_evidence(sha)
                || self.unindexed.has_evidence(sha)
                || !self.index.evidence(sha).map_err(index_failed)?.is_empty();
            if !logged {
                return Err(Refusal::BadReference {
                    pointer: "/derived_from/sha256".into(),
                    message: format!(
                        "no evidence entry in the log names {sha}: log the original first"
                    ),
                });
            }
        }
        Ok(())
    }
}

/// Answers submissions that were taken but cannot be committed.
/// What went wrong, in words a client may read: the storage fault behind
/// `error` if there is one (the disk is full, ...). Other errors are only
/// in the server's log, which names them.
pub(crate) fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    truce_store::Fault::of(error).map_or_else(
        || "its storage failed (the server's log says why)".to_owned(),
        |f| f.to_string(),
    )
}

fn answer_unavailable(jobs: Vec<Submission>, shared: &Shared, message: &str) {
    for job in jobs {
        let count = job.entries.len();
        let _ = job.reply.send(vec![Outcome::Refused(Refusal::unavailable(message)); count]);
        shared.dequeued(count);
    }
}

/// What the reference checks need of entries the index does not hold
/// yet: those of the group being admitted, and those appended but not yet
/// written by the index writer.
#[derive(Default)]
struct Unindexed {
    /// Entry type, source and local id, by log index.
    by_index: BTreeMap<u64, (EntryType, String, Option<String>)>,
    /// Log index, by source, type and local id.
    local_ids: HashMap<(String, EntryType, String), u64>,
    /// Evidence entries' source, file digest and size, by log index.
    evidence: BTreeMap<u64, (String, Sha256Hex, u64)>,
}

impl Unindexed {
    fn add(&mut self, index: u64, admitted: &Admitted) {
        let entry = admitted.entry.entry();
        let source = admitted.source.as_str().to_owned();
        let local_id = entry.local_id().map(|id| id.as_str().to_owned());
        if let Some(id) = &local_id {
            self.local_ids.insert((source.clone(), entry.entry_type(), id.clone()), index);
        }
        if let Entry::Evidence(evidence) = entry {
            self.evidence.insert(index, (source.clone(), evidence.sha256, evidence.size.0));
        }
        self.by_index.insert(index, (entry.entry_type(), source, local_id));
    }

    fn extend(&mut self, other: Unindexed) {
        self.by_index.extend(other.by_index);
        self.local_ids.extend(other.local_ids);
        self.evidence.extend(other.evidence);
    }

    /// Forgets the entries below `indexed`: the index has them now.
    fn forget_below(&mut self, indexed: u64) {
        self.evidence = self.evidence.split_off(&indexed);
        let kept = self.by_index.split_off(&indexed);
        for (_, (entry_type, source, local_id)) in std::mem::replace(&mut self.by_index, kept) {
            if let Some(local_id) = local_id {
                self.local_ids.remove(&(source, entry_type, local_id));
            }
        }
    }

    fn entry(&self, index: u64) -> Option<(EntryType, String)> {
        self.by_index.get(&index).map(|(entry_type, source, _)| (*entry_type, source.clone()))
    }

    fn local_id(&self, key: &(String, EntryType, String)) -> Option<u64> {
        self.local_ids.get(key).copied()
    }

    fn has_evidence(&self, sha256: &Sha256Hex) -> bool {
        self.evidence.values().any(|(_, sha, _)| sha == sha256)
    }

    fn evidence_bytes(&self, source: &str) -> u64 {
        self.evidence.values().filter(|(s, _, _)| s == source).map(|(_, _, size)| size).sum()
    }
}

/// Admits the entries `from..to` of `storage` into `registry` and indexes
/// those it admits, a chunk at a time, recording `checkpoint` (whose size
/// is `to`) with the last chunk. An entry the registry refuses (a tool
/// other than the server can append to the log directory) is left out of
/// the index, with a warning: `truce log audit --entries` names it.
pub(crate) fn index_range(
    storage: &impl LogStorage,
    registry: &mut Registry,
    index: &mut dyn QueryIndex,
    from: u64,
    to: u64,
    checkpoint: &[u8],
) -> Result<(), ServerError> {
    const CHUNK: u64 = 4096;
    let recorded = index.checkpoint().map_err(|e| ServerError::Setup(e.to_string()))?;
    if from == to && recorded.as_deref() == Some(checkpoint) {
        return Ok(());
    }
    let mut start = from;
    loop {
        let end = (start + CHUNK).min(to);
        let mut admitted = Vec::new();
        for i in start..end {
            let bytes = read_entry(storage, i, to)
                .map_err(|e| ServerError::Setup(format!("log: {e}")))?
                .ok_or_else(|| ServerError::Setup(format!("entry {i} is missing")))?;
            match registry.admit(i, &bytes) {
                Ok(a) => admitted.push((i, leaf_hash(&bytes), a)),
                Err(e) => tracing::warn!(index = i, error = %e, "entry not admitted; not indexed"),
            }
        }
        let rows: Vec<IndexedEntry<'_>> =
            admitted.iter().map(|(i, leaf, a)| indexed(*i, *leaf, a)).collect();
        let last = (end == to).then_some(checkpoint);
        index.apply(&rows, end, last).map_err(|e| ServerError::Setup(e.to_string()))?;
        if end == to {
            return Ok(());
        }
        start = end;
    }
}
