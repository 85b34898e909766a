//! The sequencing loop: take the log for writing, run the ingestion
//! thread, start again through the start-up path when anything fails, and
//! stand by while another server holds the log.
//!
//! A server takes the log when it can: the lock file of a log directory,
//! or the lease of a log in a bucket. It then recovers the log
//! ([`Ingest::recover`]: the checkpoint verified, the right edge rebuilt
//! from the tiles and checked, the registry and the index brought up to
//! it) and sequences until the server closes, a commit fails, or the lease
//! runs out. Then it recovers again, which is how a lease that was lost
//! becomes a standby: recovery finds the lease held by another server.
//! While it stands by, submissions are refused as unavailable (503 with
//! Retry-After) and the follower serves the checkpoints the index covers.

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::ingest::{Ingest, Outcome, Refusal, Stopped, Submission};
use crate::state::Shared;

/// The longest wait between two tries to take the log after failures.
const MAX_BACKOFF: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs until the server closes. `ingest` is the log already taken at
/// start-up, if it could be.
pub(crate) fn run(
    shared: Arc<Shared>,
    mut submissions: mpsc::Receiver<Submission>,
    mut ingest: Option<Ingest>,
    runtime: tokio::runtime::Handle,
) {
    let interval = shared.config.follow_interval();
    // After a failure, each try waits twice as long as the one before, up
    // to a few seconds: a database that is down is not asked four times a
    // second, nor logged as often.
    let mut backoff = interval;
    loop {
        let Some(mut sequencer) = ingest.take() else {
            if shared.is_closed() {
                refuse_waiting(&mut submissions, &shared);
                break;
            }
            match Ingest::recover(&shared.config, &shared.backends, &shared.origin) {
                Ok(Some(recovered)) => {
                    tracing::info!(size = recovered.checkpoint().size(), "sequencing the log");
                    shared.set_fault(None);
                    recovered.publish(&shared);
                    ingest = Some(recovered);
                    backoff = interval;
                }
                Ok(None) => {
                    refuse_waiting(&mut submissions, &shared);
                    std::thread::sleep(interval);
                    backoff = interval;
                }
                Err(e) => {
                    tracing::error!(error = %e, retry_in = ?backoff, "cannot take the log");
                    let fault = e.fault_message();
                    if fault.is_some() {
                        shared.forget_connections();
                    }
                    shared.set_fault(Some(
                        fault.unwrap_or_else(|| "the log cannot be opened for writing".to_owned()),
                    ));
                    refuse_waiting(&mut submissions, &shared);
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(MAX_BACKOFF.max(interval));
                }
            }
            continue;
        };
        shared.set_sequencing(true);
        let stopped = sequencer.run(&mut submissions, &shared, &runtime);
        shared.set_sequencing(false);
        // Dropped before recovering: it holds the log's lock or lease.
        drop(sequencer);
        if stopped == Stopped::Closed {
            break;
        }
        tracing::warn!("sequencing stopped; recovering from the log");
    }
    tracing::info!("ingestion stopped: every queued entry was answered");
}

/// Answers the submissions that reached the queue while this server does
/// not sequence (they were sent just before it stopped).
fn refuse_waiting(submissions: &mut mpsc::Receiver<Submission>, shared: &Shared) {
    while let Ok(job) = submissions.try_recv() {
        let count = job.entries.len();
        let refusal = Refusal::unavailable("this server does not sequence the log now");
        let _ = job.reply.send(vec![Outcome::Refused(refusal); count]);
        shared.dequeued(count);
    }
}
