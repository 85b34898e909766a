//! The sequencer lock of a log in object storage: a lease that lets one
//! sequencer at a time write, and the authoritative checkpoint.
//!
//! Object storage cannot be trusted to compare and swap (Garage, for one,
//! ignores conditional writes), so a log in a bucket keeps what must be
//! exclusive in a database: who may sequence now (a lease with a fencing
//! token), and which checkpoint is published (each one recorded in a
//! transaction that checks the token and the previous checkpoint). The
//! bucket's `checkpoint` object is a copy for static readers.
//!
//! [`SequencerLock`] is that contract; [`SqliteLock`] keeps it in a file
//! (one machine: the processes that share the file exclude each other),
//! [`PgLock`] in PostgreSQL (every machine of a deployment). [`Lease`]
//! holds a lease once taken and renews it on a thread of its own.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use truce_log::BoxError;

mod postgres;
mod sqlite;

pub use self::postgres::PgLock;
pub use self::sqlite::SqliteLock;

/// The name a process holds leases under: host, process id and a random
/// part (a restarted process that got the same id is another holder). A
/// holder takes its own lease again at once, so every process needs a
/// name of its own, and keeps it: this one, for the process's life.
pub fn holder_name() -> String {
    static HOLDER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HOLDER
        .get_or_init(|| {
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().to_owned())
                .unwrap_or_else(|_| "host".into());
            let random = std::collections::hash_map::RandomState::new();
            let random = std::hash::BuildHasher::hash_one(&random, std::process::id());
            format!("{host}/{}/{:08x}", std::process::id(), random as u32)
        })
        .clone()
}

/// Where the lease and the checkpoints of a log in object storage are
/// kept.
///
/// The guarantees every backend gives:
///
/// * **Serializable.** Each method is one transaction; two of them never
///   interleave.
/// * **Durable.** A method that returned `Ok` survives a crash of the
///   caller and of the database server.
/// * **Read after write.** A call that starts after another returned sees
///   its effect, from any process.
/// * **One clock.** Lease expiry is judged by the database's clock alone,
///   so the callers' clocks may disagree.
pub trait SequencerLock: Send + Sync {
    /// Takes the lease for `holder` for `ttl` if nobody holds it or it
    /// expired, and returns its fencing token: larger than every token
    /// given before. `None` while another holder's lease runs.
    fn try_acquire(&self, holder: &str, ttl: Duration) -> Result<Option<u64>, BoxError>;

    /// Extends the lease `token` to `ttl` from now, if it is still the
    /// current lease and has not expired; `false` otherwise (it is lost
    /// for good: a lost lease is never renewed).
    fn renew(&self, token: u64, ttl: Duration) -> Result<bool, BoxError>;

    /// Ends the lease `token` now, if it is the current one, so that
    /// another sequencer can take over without waiting for it to expire.
    fn release(&self, token: u64) -> Result<(), BoxError>;

    /// The latest published checkpoint, or `None` if there is none yet.
    fn checkpoint(&self) -> Result<Option<Vec<u8>>, BoxError>;

    /// The published checkpoint of tree size `size`, if there is one.
    fn checkpoint_at(&self, size: u64) -> Result<Option<Vec<u8>>, BoxError>;

    /// Publishes `new` (of tree size `size`) in one transaction that checks
    /// that `token` is the current, unexpired lease, that the latest
    /// checkpoint is `old` (`None`: there is none), and that no checkpoint
    /// of `size` was ever published. Nothing changes when a check fails.
    fn publish(
        &self,
        token: u64,
        old: Option<&[u8]>,
        new: &[u8],
        size: u64,
    ) -> Result<(), PublishError>;
}

/// Why [`SequencerLock::publish`] refused a checkpoint.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// The lease is not the caller's any more (expired, or taken over).
    #[error("the sequencer lease {token} is not current: another sequencer may have taken over")]
    LeaseLost {
        /// The caller's token.
        token: u64,
    },
    /// The latest checkpoint is not the one the caller replaces.
    #[error("the published checkpoint changed under the sequencer")]
    Conflict,
    /// A checkpoint of this size was published before.
    #[error("a checkpoint of size {size} was published before")]
    SizeTaken {
        /// The tree size.
        size: u64,
    },
    /// The database failed before the checkpoint was written: it is not
    /// published.
    #[error("sequencer lock: {0}")]
    Unavailable(BoxError),
    /// The database failed while the checkpoint was written or committed:
    /// it may or may not be published.
    #[error("sequencer lock: {0}")]
    Backend(BoxError),
}

impl PublishError {
    /// Whether the checkpoint is certainly not published.
    pub fn not_published(&self) -> bool {
        !matches!(self, PublishError::Backend(_))
    }
}

/// The checks of a publish that every backend makes, once it holds the
/// lease row and knows the lease is current: the latest checkpoint
/// (`latest`: its size and note) is the one replaced, and `size` is new.
fn check_publish(
    latest: Option<(u64, &[u8])>,
    old: Option<&[u8]>,
    size: u64,
) -> Result<(), PublishError> {
    if latest.map(|(_, note)| note) != old {
        return Err(PublishError::Conflict);
    }
    // Sizes only grow, so the latest is the largest: a size at or below it
    // was published, or is fixed by the tree that was (every smaller tree
    // is a prefix of it). Either way it is taken.
    if latest.is_some_and(|(latest, _)| latest >= size) {
        return Err(PublishError::SizeTaken { size });
    }
    Ok(())
}

/// A lease on a log, held and renewed in the background until dropped.
///
/// It is taken with [`Lease::try_acquire`], renewed every fifth of its time
/// to live on a thread of its own, and released when dropped. Its holder asks
/// [`Lease::remaining`] before each step that must not happen after the
/// lease ended: the estimate is conservative (it counts from before each
/// renewal was asked), so it never says more time remains than the
/// database gives.
pub struct Lease {
    lock: Arc<dyn SequencerLock>,
    token: u64,
    state: Arc<LeaseState>,
    renewer: Option<std::thread::JoinHandle<()>>,
}

struct LeaseState {
    /// When the lease ends at the latest, as far as this process knows.
    valid_until: Mutex<Instant>,
    /// Set when the lease is lost or released: it ends the renewer.
    ended: AtomicBool,
    wake: Condvar,
    ttl: Duration,
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease").field("token", &self.token).finish_non_exhaustive()
    }
}

impl Lease {
    /// Tries once to take the lease for `holder`; `None` while another
    /// holder's lease runs.
    pub fn try_acquire(
        lock: Arc<dyn SequencerLock>,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, BoxError> {
        let asked = Instant::now();
        let Some(token) = lock.try_acquire(holder, ttl)? else { return Ok(None) };
        let state = Arc::new(LeaseState {
            valid_until: Mutex::new(asked + ttl),
            ended: AtomicBool::new(false),
            wake: Condvar::new(),
            ttl,
        });
        let renewer = {
            let (lock, state) = (lock.clone(), state.clone());
            std::thread::Builder::new()
                .name("truce-lease".into())
                .spawn(move || renew(lock.as_ref(), token, &state))?
        };
        Ok(Some(Lease { lock, token, state, renewer: Some(renewer) }))
    }

    /// Takes the lease for `holder`, waiting while another holder's lease
    /// runs, until `give_up` says to stop (then `None`).
    pub fn acquire(
        lock: Arc<dyn SequencerLock>,
        holder: &str,
        ttl: Duration,
        give_up: impl Fn() -> bool,
    ) -> Result<Option<Lease>, BoxError> {
        let poll = (ttl / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
        loop {
            if let Some(lease) = Lease::try_acquire(lock.clone(), holder, ttl)? {
                return Ok(Some(lease));
            }
            if give_up() {
                return Ok(None);
            }
            std::thread::sleep(poll);
        }
    }

    /// Its fencing token.
    pub fn token(&self) -> u64 {
        self.token
    }

    /// The lock it was taken from.
    pub fn lock(&self) -> &Arc<dyn SequencerLock> {
        &self.lock
    }

    /// How long the lease certainly runs on; zero once it ended.
    pub fn remaining(&self) -> Duration {
        if self.state.ended.load(Ordering::SeqCst) {
            return Duration::ZERO;
        }
        let until = *self.state.valid_until.lock().unwrap_or_else(|p| p.into_inner());
        until.saturating_duration_since(Instant::now())
    }

    /// Its time to live.
    pub fn ttl(&self) -> Duration {
        self.state.ttl
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let lost = {
            // Under the renewer's mutex: it is waiting (and hears this) or
            // renewing (and sees `ended` before it waits again).
            let _guard = self.state.valid_until.lock().unwrap_or_else(|p| p.into_inner());
            let lost = self.state.ended.swap(true, Ordering::SeqCst);
            self.state.wake.notify_all();
            lost
        };
        if let Some(renewer) = self.renewer.take() {
            let _ = renewer.join();
        }
        if !lost && let Err(e) = self.lock.release(self.token) {
            tracing::warn!(error = %e, "cannot release the sequencer lease; it expires by itself");
        }
    }
}

/// Renews the lease every fifth of its time to live until it ends: a
/// writer that needs half of it left (object storage) rides out a renewal
/// that failed or was slow. A renewal that fails is tried again until the
/// lease runs out; a lease the database says is lost ends at once.
fn renew(lock: &dyn SequencerLock, token: u64, state: &LeaseState) {
    let period = state.ttl / 5;
    let mut guard = state.valid_until.lock().unwrap_or_else(|p| p.into_inner());
    loop {
        let (next, _) = state
            .wake
            .wait_timeout_while(guard, period, |_| !state.ended.load(Ordering::SeqCst))
            .unwrap_or_else(|p| p.into_inner());
        guard = next;
        if state.ended.load(Ordering::SeqCst) {
            return;
        }
        drop(guard);
        let asked = Instant::now();
        let renewed = lock.renew(token, state.ttl);
        guard = state.valid_until.lock().unwrap_or_else(|p| p.into_inner());
        match renewed {
            Ok(true) => *guard = asked + state.ttl,
            Ok(false) => {
                tracing::error!(token, "the sequencer lease was lost");
                state.ended.store(true, Ordering::SeqCst);
                return;
            }
            Err(e) => tracing::warn!(token, error = %e, "cannot renew the sequencer lease"),
        }
    }
}
