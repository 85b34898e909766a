//! The query index writer, on its own thread: the second stage of
//! ingestion.
//!
//! The ingestion thread admits and appends a group, hands it here and goes
//! on with the next group; this thread applies the group to the query
//! index, then publishes the new checkpoint (and registry) to the handlers
//! and only then answers the group's submitters. So an acknowledged entry
//! can be read back at once, readers never see a checkpoint the index does
//! not cover, and the two stages of a group overlap instead of adding up.
//!
//! Groups arrive in log order and are answered in that order, also those
//! that appended nothing: a resubmission answered with the index of an
//! entry of an earlier group waits until that group is published.
//!
//! If the index cannot be written, this thread stops publishing, answers
//! every submitter of this and later groups with "unavailable" (the
//! entries may be logged; resubmitting them returns their index) and
//! raises [`Indexer::failed`]; the ingestion thread then recovers the index
//! from the log.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, mpsc};

use tokio::sync::oneshot;
use truce_entry::{Admitted, Registry};
use truce_log::{Hash, VerifiedCheckpoint};
use truce_store::{IndexedEntry, QueryIndex};

use crate::ServerError;
use crate::ingest::{Outcome, Refusal};
use crate::state::Shared;

/// Groups the ingestion thread may be ahead of the index. A small number:
/// enough for the stages to overlap, few enough that a slow index slows
/// admission down rather than letting work pile up in memory.
const AHEAD: usize = 2;

/// One appended group, on its way to the index and to its submitters.
pub(crate) struct Group {
    /// The entries the group appended, with their indices and leaf hashes.
    pub(crate) appended: Vec<(u64, Hash, Admitted)>,
    /// The checkpoint that covers them.
    pub(crate) checkpoint: VerifiedCheckpoint,
    /// The registry after the group, when the group changed it.
    pub(crate) registry: Option<Arc<Registry>>,
    /// Each submission's reply channel and outcomes.
    pub(crate) replies: Vec<(oneshot::Sender<Vec<Outcome>>, Vec<Outcome>)>,
}

/// The handle the ingestion thread keeps on the index writer thread.
pub(crate) struct Indexer {
    groups: Option<mpsc::SyncSender<Group>>,
    thread: Option<std::thread::JoinHandle<()>>,
    progress: Arc<Progress>,
    shared: Arc<Shared>,
}

/// What the writer thread tells the ingestion thread.
struct Progress {
    /// Entries below this log index are in the index and visible to new
    /// reads.
    indexed: AtomicU64,
    /// Writing the index failed; nothing is published until a recovery.
    failed: AtomicBool,
}

impl Indexer {
    /// Starts the writer thread over `index`, which covers `indexed`
    /// entries.
    pub(crate) fn start(
        index: Box<dyn QueryIndex>,
        indexed: u64,
        shared: Arc<Shared>,
    ) -> Result<Indexer, ServerError> {
        let (groups, receiver) = mpsc::sync_channel(AHEAD);
        let progress =
            Arc::new(Progress { indexed: AtomicU64::new(indexed), failed: AtomicBool::new(false) });
        let writer = Writer { index, shared: shared.clone(), progress: progress.clone() };
        let thread = std::thread::Builder::new()
            .name("truce-index".into())
            .spawn(move || writer.run(receiver))?;
        Ok(Indexer { groups: Some(groups), thread: Some(thread), progress, shared })
    }

    /// Hands a group over; waits while the writer is [`AHEAD`] groups
    /// behind.
    pub(crate) fn send(&self, group: Group) {
        let sent = match &self.groups {
            Some(groups) => groups.send(group),
            None => Err(mpsc::SendError(group)),
        };
        // The writer thread is gone (it panicked): answer here rather than
        // leave the submitters waiting.
        if let Err(mpsc::SendError(group)) = sent {
            self.progress.failed.store(true, Ordering::SeqCst);
            answer_unavailable(&self.shared, group);
        }
    }

    /// The number of leading log entries the index holds.
    pub(crate) fn indexed(&self) -> u64 {
        self.progress.indexed.load(Ordering::Acquire)
    }

    /// Whether writing the index failed.
    pub(crate) fn failed(&self) -> bool {
        self.progress.failed.load(Ordering::SeqCst)
    }
}

impl Drop for Indexer {
    /// Waits until every group handed over is answered.
    fn drop(&mut self) {
        self.groups.take();
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the index writer thread panicked");
        }
    }
}

struct Writer {
    index: Box<dyn QueryIndex>,
    shared: Arc<Shared>,
    progress: Arc<Progress>,
}

impl Writer {
    /// Writes the groups as they come; the groups that queued up while it
    /// wrote the last ones go into the index as one transaction, which
    /// costs little more than one of them.
    fn run(mut self, groups: mpsc::Receiver<Group>) {
        while let Ok(first) = groups.recv() {
            let mut queued = vec![first];
            queued.extend(groups.try_iter());
            self.write(queued);
        }
    }

    fn write(&mut self, groups: Vec<Group>) {
        let Some(last) = groups.last() else { return };
        let size = last.checkpoint.size();
        let mut ok = !self.progress.failed.load(Ordering::SeqCst);
        let appended: Vec<&(u64, Hash, Admitted)> =
            groups.iter().flat_map(|g| &g.appended).collect();
        if ok && !appended.is_empty() {
            let started = std::time::Instant::now();
            let rows: Vec<IndexedEntry<'_>> =
                appended.iter().map(|(i, leaf, a)| indexed(*i, *leaf, a)).collect();
            let checkpoint = last.checkpoint.to_bytes();
            match self.index.apply(&rows, size, Some(&checkpoint)) {
                Ok(()) => {
                    self.progress.indexed.store(size, Ordering::Release);
                    self.shared.metrics.indexed(started.elapsed());
                }
                Err(e) => {
                    let cause = crate::ingest::describe(&e);
                    tracing::error!(error = %e, cause, "query index update failed; recovering from the log");
                    self.shared
                        .set_fault(Some(format!("the query index could not be written: {cause}")));
                    self.progress.failed.store(true, Ordering::SeqCst);
                    ok = false;
                }
            }
        }
        drop(appended);
        if !ok {
            for group in groups {
                answer_unavailable(&self.shared, group);
            }
            return;
        }
        // Published before the first answer, that is before anyone can ask
        // for what an answer names.
        if let Some(registry) = groups.iter().rev().find_map(|g| g.registry.clone()) {
            self.shared.set_registry(registry);
        }
        self.shared.set_checkpoint(Arc::new(last.checkpoint.clone()));
        let mut answered = 0;
        for (reply, outcomes) in groups.into_iter().flat_map(|g| g.replies) {
            answered += outcomes.len();
            // A handler that gave up (timeout) no longer listens.
            let _ = reply.send(outcomes);
        }
        self.shared.dequeued(answered);
    }
}

/// Answers a group that cannot be published (see [`unavailable`]).
pub(crate) fn answer_unavailable(shared: &Shared, group: Group) {
    let mut answered = 0;
    for (reply, outcomes) in group.replies {
        answered += outcomes.len();
        let _ = reply.send(unavailable(outcomes, shared.fault()));
    }
    shared.dequeued(answered);
}

/// The outcomes of a group that could not be published: refusals stand;
/// logged entries cannot be acknowledged with a checkpoint the readers
/// have, so their submitters are asked to try again (and will get the
/// index then). `fault` says why, if a fault is known.
fn unavailable(outcomes: Vec<Outcome>, fault: Option<String>) -> Vec<Outcome> {
    let why = fault.map(|f| format!(" ({f})")).unwrap_or_default();
    let message = format!(
        "the entry may be logged but the index could not be updated{why}; \
         submit it again to learn its index"
    );
    outcomes
        .into_iter()
        .map(|outcome| match outcome {
            Outcome::Logged { .. } => Outcome::Refused(Refusal::unavailable(message.clone())),
            refused => refused,
        })
        .collect()
}

/// What the index records of an admitted entry, borrowed from it.
pub(crate) fn indexed(index: u64, leaf: Hash, admitted: &Admitted) -> IndexedEntry<'_> {
    IndexedEntry {
        index,
        leaf,
        source: &admitted.source,
        entry: admitted.entry.entry(),
        json: admitted.entry.note().text().trim_end_matches('\n'),
    }
}
