//! What every handler shares: snapshots of the registry and the checkpoint,
//! read-only storage and index connections, the way to the ingestion
//! thread, metrics and the rate limiter.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::Instant;

use tokio::sync::{mpsc, oneshot};
use truce_entry::{AdmissionError, MAX_ENTRY_SIZE, Registry, SignedEntry};
use truce_log::{DedupIndex, LogKeys, LogStorage, VerifiedCheckpoint, leaf_hash, read_entry};
use truce_note::VerifierKey;
use truce_store::{Backends, QueryIndex};

use crate::ServerError;
use crate::config::Config;
use crate::ingest::{Outcome, Refusal, Submission};
use crate::metrics::Metrics;
use crate::witnessing::Witnessed;

/// State shared by the handlers.
pub struct Shared {
    pub(crate) config: Config,
    pub(crate) origin: String,
    /// The log's keys: the configured one, and the rotations followed
    /// since (a server that does not sequence follows them in the index).
    log_keys: RwLock<LogKeys>,
    /// The log's storage, for reading.
    pub(crate) storage: Box<dyn LogStorage + Send + Sync>,
    pub(crate) backends: Backends,
    /// Evidence files, by digest.
    pub(crate) evidence: truce_store::EvidenceStore,
    pub(crate) metrics: Metrics,
    pub(crate) assessments: crate::assessment::Assessments,
    /// Who may read and submit what.
    pub(crate) access: crate::access::Policy,
    /// Where the restricted mode records who read what.
    pub(crate) audit: crate::access::Audit,
    registry: RwLock<Arc<Registry>>,
    checkpoint: RwLock<Arc<VerifiedCheckpoint>>,
    /// Signalled when a new checkpoint is published.
    checkpoint_changed: (Mutex<()>, Condvar),
    /// The latest checkpoint with its witnesses' cosignatures.
    witnessed: RwLock<Option<Arc<Witnessed>>>,
    indexes: Pool<Box<dyn QueryIndex>>,
    dedups: Pool<Box<dyn DedupIndex + Send>>,
    /// Whether this server sequences the log now (it holds the log's lock
    /// or lease), rather than standing by or serving reads only.
    sequencing: AtomicBool,
    /// Why this server cannot write the log now, while a fault (a full
    /// disk, a read-only store) keeps it from sequencing: what the
    /// clients it refuses meanwhile are told.
    fault: Mutex<Option<String>>,
    /// Set while the index covers less than the checkpoint this server
    /// serves (it is being rebuilt): reads of the index are refused
    /// rather than answered from part of the log.
    index_behind: AtomicBool,
    /// Taken away at shutdown, so that the ingestion thread ends.
    submissions: Mutex<Option<mpsc::Sender<Submission>>>,
    queued: AtomicUsize,
    limiter: RateLimiter,
}

/// A prepared entry: answered already, verified and to be sequenced, or
/// refused unless the log holds it already.
pub(crate) enum Prepared {
    Done(Outcome),
    Verified(Box<SignedEntry>, String),
    Unverified(AdmissionError, Vec<u8>),
}

impl Shared {
    pub(crate) fn new(
        config: Config,
        (backends, evidence): (Backends, truce_store::EvidenceStore),
        storage: Box<dyn LogStorage + Send + Sync>,
        (origin, log_keys): (String, LogKeys),
        checkpoint: VerifiedCheckpoint,
        submissions: mpsc::Sender<Submission>,
        (access, audit): (crate::access::Policy, crate::access::Audit),
    ) -> Shared {
        let limiter = RateLimiter::new(config.rate_per_second, config.rate_burst);
        Shared {
            storage,
            backends,
            evidence,
            metrics: Metrics::default(),
            assessments: Default::default(),
            access,
            audit,
            registry: RwLock::new(Arc::new(Registry::new())),
            checkpoint: RwLock::new(Arc::new(checkpoint)),
            checkpoint_changed: (Mutex::new(()), Condvar::new()),
            witnessed: RwLock::new(None),
            indexes: Pool::default(),
            dedups: Pool::default(),
            sequencing: AtomicBool::new(false),
            fault: Mutex::new(None),
            index_behind: AtomicBool::new(false),
            queued: AtomicUsize::new(0),
            limiter,
            config,
            log_keys: RwLock::new(log_keys),
            origin,
            submissions: Mutex::new(Some(submissions)),
        }
    }

    /// The log's keys as this server knows them.
    pub(crate) fn log_keys(&self) -> LogKeys {
        self.log_keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The key the log signs with now, as far as this server knows.
    pub(crate) fn log_key(&self) -> VerifierKey {
        self.log_keys.read().unwrap_or_else(|p| p.into_inner()).current().clone()
    }

    /// Records the log's keys after following a rotation.
    pub(crate) fn set_log_keys(&self, keys: LogKeys) {
        *self.log_keys.write().unwrap_or_else(|p| p.into_inner()) = keys;
    }

    pub(crate) fn registry(&self) -> Arc<Registry> {
        snapshot(&self.registry)
    }

    pub(crate) fn set_registry(&self, registry: Arc<Registry>) {
        replace(&self.registry, registry);
    }

    /// The latest published checkpoint.
    pub(crate) fn checkpoint(&self) -> Arc<VerifiedCheckpoint> {
        snapshot(&self.checkpoint)
    }

    /// Publishes a newer checkpoint; an older one (a follower that read
    /// the index before the sequencer published) is ignored.
    pub(crate) fn set_checkpoint(&self, checkpoint: Arc<VerifiedCheckpoint>) {
        {
            let mut current = self.checkpoint.write().unwrap_or_else(|p| p.into_inner());
            if checkpoint.size() < current.size() {
                return;
            }
            *current = checkpoint;
        }
        let _guard = self.checkpoint_changed.0.lock();
        self.checkpoint_changed.1.notify_all();
    }

    /// Waits until a checkpoint of another size than `size` is published,
    /// or `timeout` passes.
    pub(crate) fn wait_for_checkpoint(&self, size: u64, timeout: std::time::Duration) {
        let (lock, changed) = &self.checkpoint_changed;
        let guard = lock.lock().unwrap_or_else(|p| p.into_inner());
        if self.checkpoint().size() == size {
            let _ = changed.wait_timeout(guard, timeout);
        }
    }

    /// The latest checkpoint with its witnesses' cosignatures: only when
    /// witnesses are configured, once they were first asked.
    pub(crate) fn witnessed(&self) -> Option<Arc<Witnessed>> {
        snapshot(&self.witnessed)
    }

    pub(crate) fn set_witnessed(&self, witnessed: Witnessed) {
        replace(&self.witnessed, Some(Arc::new(witnessed)));
    }

    /// Records whether the index is behind the served checkpoint.
    pub(crate) fn set_index_behind(&self, behind: bool) {
        if self.index_behind.swap(behind, Ordering::SeqCst) != behind {
            if behind {
                tracing::error!("the query index is behind the served checkpoint; reads refused");
            } else {
                tracing::info!("the query index covers the served checkpoint again");
            }
        }
    }

    /// Whether this server sequences the log now.
    pub(crate) fn is_sequencing(&self) -> bool {
        self.sequencing.load(Ordering::SeqCst)
    }

    pub(crate) fn set_sequencing(&self, sequencing: bool) {
        self.sequencing.store(sequencing, Ordering::SeqCst);
    }

    /// Closes the idle connections to the stores, so that the next ones
    /// are opened afresh: SQLite shares what a connection learnt of a
    /// database's files (that they were read-only) with every connection
    /// of the process, until the last one closes.
    pub(crate) fn forget_connections(&self) {
        self.indexes.clear();
        self.dedups.clear();
    }

    /// Records why the log cannot be written now; `None` once it can.
    pub(crate) fn set_fault(&self, fault: Option<String>) {
        if let Ok(mut slot) = self.fault.lock() {
            *slot = fault;
        }
    }

    /// Why the log cannot be written now, if a fault stopped it.
    pub(crate) fn fault(&self) -> Option<String> {
        self.fault.lock().ok().and_then(|f| f.clone())
    }

    /// What this server does now: `sequencer`, `standby` or `read-only`.
    pub(crate) fn role(&self) -> &'static str {
        if self.is_sequencing() {
            "sequencer"
        } else if self.config.read_only {
            "read-only"
        } else {
            "standby"
        }
    }

    /// Whether the server stopped taking entries.
    pub(crate) fn is_closed(&self) -> bool {
        self.submissions.lock().map_or(true, |s| s.is_none())
    }

    /// Runs `f` with a read connection to the query index, unless the
    /// index is behind the checkpoint this server serves.
    pub(crate) fn with_index<T>(
        &self,
        f: impl FnOnce(&dyn QueryIndex) -> Result<T, truce_store::IndexError>,
    ) -> Result<T, ServerError> {
        if self.index_behind.load(Ordering::SeqCst) {
            return Err(ServerError::Unavailable(format!(
                "the query index covers less than the checkpoint of size {} (it is being \
                 rebuilt); try again",
                self.checkpoint().size()
            )));
        }
        self.with_any_index(f)
    }

    /// [`Shared::with_index`], whatever the index covers.
    pub(crate) fn with_any_index<T>(
        &self,
        f: impl FnOnce(&dyn QueryIndex) -> Result<T, truce_store::IndexError>,
    ) -> Result<T, ServerError> {
        let index = match self.indexes.take() {
            Some(index) => index,
            None => self
                .backends
                .index
                .open_index_reader(&self.origin)
                .map_err(|e| ServerError::Unavailable(e.to_string()))?,
        };
        match f(index.as_ref()) {
            Ok(value) => {
                self.indexes.put(index);
                Ok(value)
            }
            // A connection that failed may be broken: it is not reused.
            Err(e) => Err(ServerError::Unavailable(e.to_string())),
        }
    }

    /// The expensive half of admission, on the caller's thread: the entry
    /// is verified against the registry as it stands now. One that does
    /// not verify may still be in the log (its signer was revoked since,
    /// say): [`Shared::settle`] answers it with its index. One that
    /// verifies goes on to the ingestion thread, which answers it if it is
    /// a resubmission: looking every entry up here would cost more than
    /// verifying the few resubmitted ones.
    pub(crate) fn prepare(&self, bytes: &[u8]) -> Prepared {
        if bytes.len() > MAX_ENTRY_SIZE {
            let error = truce_entry::EntryError::TooLarge { size: bytes.len() };
            return Prepared::Done(Outcome::Refused(Refusal::Admission(error.into())));
        }
        let registry = self.registry();
        match registry.verify(bytes) {
            Ok(entry) => {
                let source = entry
                    .signers()
                    .find_map(|key| registry.source_of_key(key))
                    .map_or_else(String::new, |s| s.id.as_str().to_owned());
                Prepared::Verified(Box::new(entry), source)
            }
            Err(error) => Prepared::Unverified(error, bytes.to_vec()),
        }
    }

    /// Answers an entry that did not verify: with its index if the log
    /// holds it, else with the refusal. It reads the stores: call it where
    /// blocking is allowed.
    pub(crate) fn settle(&self, prepared: Prepared) -> Prepared {
        let Prepared::Unverified(error, bytes) = prepared else { return prepared };
        let leaf = leaf_hash(&bytes);
        match self.find_logged(leaf, &bytes) {
            Some(index) => Prepared::Done(Outcome::Logged { index, leaf, duplicate: true }),
            None => Prepared::Done(Outcome::Refused(Refusal::Admission(error))),
        }
    }

    /// The index of an entry already in the log, by its bytes.
    fn find_logged(&self, leaf: truce_log::Hash, bytes: &[u8]) -> Option<u64> {
        // The newest entries are in the sequencer's batch, not yet in the
        // dedup index.
        let index = match self.backends.batched_dedup(&leaf) {
            Some(index) => index,
            None => {
                let dedup = match self.dedups.take() {
                    Some(dedup) => dedup,
                    None => self.backends.index.open_dedup().ok()?,
                };
                let candidate = dedup.lookup(&[leaf]).ok()?.first().copied().flatten();
                self.dedups.put(dedup);
                candidate?
            }
        };
        let size = self.checkpoint().size();
        let stored = read_entry(&self.storage, index, size).ok().flatten()?;
        (stored == bytes).then_some(index)
    }

    /// Admits `count` entries of `source` under its rate limit.
    pub(crate) fn rate_limit(&self, source: &str, count: usize) -> Result<(), Refusal> {
        self.limiter
            .take(source, count as f64)
            .map_err(|retry_after_secs| Refusal::RateLimited { retry_after_secs })
    }

    /// Sends verified entries to the ingestion thread and waits until each
    /// is in the log or refused.
    pub(crate) async fn submit(&self, entries: Vec<SignedEntry>) -> Vec<Outcome> {
        let count = entries.len();
        let overloaded =
            |message: &str| vec![Outcome::Refused(Refusal::unavailable(message)); count];
        let queued = self.queued.fetch_add(count, Ordering::SeqCst);
        if queued + count > self.config.queue_entries {
            self.queued.fetch_sub(count, Ordering::SeqCst);
            self.metrics.error("overloaded");
            return overloaded("too many entries are waiting to be logged");
        }
        let (reply, outcome) = oneshot::channel();
        let sender = self.submissions.lock().ok().and_then(|s| s.clone());
        let Some(sender) = sender else {
            self.queued.fetch_sub(count, Ordering::SeqCst);
            return overloaded("the server is shutting down");
        };
        if sender.send(Submission { entries, reply }).await.is_err() {
            self.queued.fetch_sub(count, Ordering::SeqCst);
            return overloaded("the server is shutting down");
        }
        outcome.await.unwrap_or_else(|_| overloaded("the log stopped"))
    }

    /// Stops taking entries: the ingestion thread ends once it answered
    /// what it holds.
    pub(crate) fn close(&self) {
        if let Ok(mut sender) = self.submissions.lock() {
            sender.take();
        }
        self.audit.close();
    }

    /// Called by the ingestion thread once it answered `count` entries.
    pub(crate) fn dequeued(&self, count: usize) {
        self.queued.fetch_sub(count, Ordering::SeqCst);
    }
}

/// A copy of what a published snapshot holds. A writer that panicked
/// left a whole value (they only ever swap one in), so poisoning is
/// ignored.
fn snapshot<T: Clone>(lock: &RwLock<T>) -> T {
    lock.read().map(|v| v.clone()).unwrap_or_else(|poisoned| poisoned.into_inner().clone())
}

/// Publishes a new snapshot.
fn replace<T>(lock: &RwLock<T>, value: T) {
    match lock.write() {
        Ok(mut v) => *v = value,
        Err(poisoned) => *poisoned.into_inner() = value,
    }
}

/// A few connections reused across requests.
struct Pool<T> {
    items: Mutex<Vec<T>>,
}

impl<T> Default for Pool<T> {
    fn default() -> Self {
        Pool { items: Mutex::new(Vec::new()) }
    }
}

impl<T> Pool<T> {
    fn take(&self) -> Option<T> {
        self.items.lock().ok()?.pop()
    }

    fn put(&self, item: T) {
        if let Ok(mut items) = self.items.lock()
            && items.len() < 16
        {
            items.push(item);
        }
    }

    fn clear(&self) {
        if let Ok(mut items) = self.items.lock() {
            items.clear();
        }
    }
}

/// A token bucket per source.
struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    fn new(per_second: f64, burst: f64) -> RateLimiter {
        RateLimiter { per_second, burst, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes `count` tokens from `source`'s bucket, or says in how many
    /// seconds they will be there.
    fn take(&self, source: &str, count: f64) -> Result<(), u64> {
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else { return Ok(()) };
        let (tokens, last) = buckets.entry(source.to_owned()).or_insert((self.burst, now));
        *tokens =
            (*tokens + now.duration_since(*last).as_secs_f64() * self.per_second).min(self.burst);
        *last = now;
        if count <= *tokens {
            *tokens -= count;
            Ok(())
        } else {
            let wait = (count - *tokens) / self.per_second.max(f64::MIN_POSITIVE);
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_refill_at_the_rate() {
        let limiter = RateLimiter::new(10.0, 5.0);
        assert_eq!(limiter.take("a", 5.0), Ok(()));
        assert_eq!(limiter.take("a", 1.0), Err(1));
        assert_eq!(limiter.take("b", 5.0), Ok(()), "buckets are per source");
        assert_eq!(limiter.take("c", 6.0), Err(1), "more than the burst waits");
        std::thread::sleep(std::time::Duration::from_millis(120));
        assert_eq!(limiter.take("a", 1.0), Ok(()));
    }
}
