//! The Truce server: ingestion into the log, the source registry, the query
//! index, and the HTTP API.
//!
//! ```no_run
//! use truce_server::{App, Config, InitOptions, init};
//!
//! # async fn run() -> Result<(), truce_server::ServerError> {
//! let config = Config { data: "truce-data".into(), ..Config::default() };
//! init(&config, &InitOptions { origin: "truce.example/log".into(), organisation: "Mission".into() })?;
//! let app = tokio::task::spawn_blocking(move || App::open(config)).await.expect("no panic")?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await.map_err(truce_server::ServerError::Io)?;
//! app.serve(listener, async { let _ = tokio::signal::ctrl_c().await; }).await
//! # }
//! ```
//!
//! The way of an entry: a handler parses the request, answers entries that
//! are already in the log, verifies the others against a snapshot of the
//! source registry (signatures are CPU work, done on every core) and
//! applies the per-source rate limit; the ingestion thread (`ingest.rs`)
//! admits them in log order, appends them as one group commit, updates the
//! query index, and only then is each acknowledged, with its index, its
//! leaf hash and a checkpoint that covers it.
//!
//! The registry and the query index are derived from the log: at start-up
//! and after any failure they are brought up to date from it.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod access;
mod api;
mod assessment;
mod config;
mod data;
mod follow;
mod indexer;
mod ingest;
mod listen;
mod metrics;
mod problem;
mod rotation;
mod sequencing;
mod state;
mod witnessing;

use std::future::Future;
use std::sync::Arc;

use tokio::sync::mpsc;
use truce_log::{Checkpoint, LogKeys, LogStorage, VerifiedCheckpoint};
use truce_note::{UnverifiedNote, VerifierKey};

pub use crate::api::openapi_document;
pub use crate::config::{
    AccessConfig, AccessMode, Config, ConfigError, Grant, TlsConfig, WitnessConfig,
};
pub use crate::data::{DataDir, InitOptions, OPERATOR, init, init_with_keys};
pub use crate::problem::{PROBLEM_BASE, Problem};
pub use crate::rotation::{KeyRotation, rotate_log_key};

use crate::ingest::Ingest;
use crate::state::Shared;

/// An error that stops the server from starting or running.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The data directory is missing something, or holds something wrong.
    #[error("{0}")]
    Setup(String),
    /// A store is not available now.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// A socket failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A store cannot be written until an operator fixes it: the disk is
    /// full, the storage read-only.
    #[error("{what}: {fault} ({detail})")]
    Fault {
        /// What could not be done.
        what: String,
        /// Why, in words a client may read.
        fault: truce_store::Fault,
        /// The error, for the server's log.
        detail: String,
    },
}

impl ServerError {
    /// `what` failed with `error`: a [`ServerError::Fault`] if the cause
    /// is a storage fault, else a [`ServerError::Setup`].
    pub(crate) fn failed(what: &str, error: &(dyn std::error::Error + 'static)) -> ServerError {
        match truce_store::Fault::of(error) {
            Some(fault) => {
                ServerError::Fault { what: what.to_owned(), fault, detail: error.to_string() }
            }
            None => ServerError::Setup(format!("{what}: {error}")),
        }
    }

    /// What clients refused meanwhile are told, if this is a storage
    /// fault.
    pub(crate) fn fault_message(&self) -> Option<String> {
        match self {
            ServerError::Fault { fault, .. } => Some(format!("the log cannot be written: {fault}")),
            _ => None,
        }
    }
}

impl From<ConfigError> for ServerError {
    fn from(e: ConfigError) -> ServerError {
        ServerError::Setup(e.to_string())
    }
}

/// A server of one log, ready to serve.
///
/// Every server serves reads from the log's storage and the query index.
/// One of them sequences: the one that holds the log's lock (a directory)
/// or lease (a bucket). The others stand by and take over when the lock
/// or the lease is free, unless they are read-only (`read_only` in the
/// configuration), and meanwhile follow the checkpoints the index covers.
pub struct App {
    shared: Arc<Shared>,
    threads: Vec<(&'static str, std::thread::JoinHandle<()>)>,
    /// HTTPS, if configured.
    tls: Option<Arc<rustls::ServerConfig>>,
}

impl App {
    /// Opens the log where the configuration puts it. A server that can
    /// take the log for writing now recovers it, brings the registry and
    /// the index up to it and starts sequencing before it serves; one that
    /// cannot waits until the index covers a checkpoint, and serves that.
    ///
    /// It blocks (recovering a large log takes seconds, and the stores'
    /// clients block): call it where blocking is allowed, within a Tokio
    /// runtime (`tokio::task::spawn_blocking(move || App::open(config))`):
    /// the sequencing thread waits for submissions on that runtime.
    pub fn open(config: Config) -> Result<App, ServerError> {
        let backends = config.backends()?;
        let storage = backends
            .open_reader()
            .map_err(|e| ServerError::Setup(format!("{}: {e}", backends.storage)))?;
        let origin = stored_origin(storage.as_ref(), &backends)?;
        let mut log_keys = configured_log_keys(&config, &origin)?;
        let witnesses = witnessing::configured(&config)?;
        let policy = access::Policy::new(&config)?;
        let tls = match &config.tls {
            Some(tls) => Some(listen::tls_config(tls)?),
            None => None,
        };
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|e| ServerError::Setup(format!("App::open needs a Tokio runtime: {e}")))?;

        // A storage fault (a full disk, a read-only directory) does not
        // keep the server from serving what is there: it starts as a
        // standby that says why, and the sequencing loop tries again.
        let (ingest, fault) = match config.read_only {
            true => (None, None),
            false => match Ingest::recover(&config, &backends, &origin) {
                Ok(ingest) => (ingest, None),
                Err(e) => match e.fault_message() {
                    Some(fault) => {
                        tracing::error!(error = %e, "cannot take the log for writing");
                        (None, Some(fault))
                    }
                    None => return Err(e),
                },
            },
        };
        // Whether the index may not cover the checkpoint served: its reads
        // are refused until the sequencing loop brought it up to the log.
        let mut index_behind = false;
        let checkpoint = match (&ingest, &fault) {
            (Some(ingest), _) => {
                log_keys = ingest.log_keys().clone();
                ingest.checkpoint().clone()
            }
            // This server could not take the log because of a fault, and
            // may be the only one that could build the index: it serves
            // the checkpoint the storage holds until the fault clears,
            // rather than wait for an index nobody else may write.
            (None, Some(_)) => {
                match follow::indexed_checkpoint(&backends, &origin, &mut log_keys) {
                    Ok(Some(checkpoint)) => checkpoint,
                    indexed => {
                        if let Err(e) = indexed {
                            tracing::warn!(error = %e, "the query index cannot be read");
                        }
                        index_behind = true;
                        follow::stored_checkpoint(storage.as_ref(), &log_keys)?
                    }
                }
            }
            (None, None) => {
                tracing::info!(
                    storage = %backends.storage,
                    "not sequencing: serving what the index covers"
                );
                follow::first_checkpoint(&config, &backends, &origin, &mut log_keys)?
            }
        };
        let mut threads = Vec::new();
        let audit = match policy.is_restricted() {
            true => {
                let path = config.audit_log();
                let (audit, thread) = access::Audit::open(path.clone()).map_err(|e| {
                    ServerError::Setup(format!("the audit log {}: {e}", path.display()))
                })?;
                threads.push(("truce-audit", thread));
                audit
            }
            false => access::Audit::none(),
        };
        let evidence = config
            .evidence_location()
            .map_err(|e| ServerError::Setup(e.to_string()))
            .and_then(|location| {
                truce_store::EvidenceStore::open(&location)
                    .map_err(|e| ServerError::Setup(format!("evidence at {location}: {e}")))
            })?;
        let (sender, receiver) = mpsc::channel(1024);
        let shared = Arc::new(Shared::new(
            config,
            (backends, evidence),
            storage,
            (origin, log_keys),
            checkpoint,
            sender,
            (policy, audit),
        ));
        if let Some(ingest) = &ingest {
            ingest.publish(&shared);
            shared.set_sequencing(true);
        }
        shared.set_fault(fault);
        shared.set_index_behind(index_behind);
        if let Some(witnessed) = witnessing::saved(&shared) {
            shared.set_witnessed(witnessed);
        }
        let spawn = |name: &'static str, work: Box<dyn FnOnce() + Send>| {
            std::thread::Builder::new().name(name.into()).spawn(work).map(|t| (name, t))
        };
        if !shared.config.read_only {
            let for_thread = shared.clone();
            threads.push(spawn(
                "truce-sequencing",
                Box::new(move || sequencing::run(for_thread, receiver, ingest, runtime)),
            )?);
        }
        let for_thread = shared.clone();
        threads.push(spawn("truce-follow", Box::new(move || follow::run(for_thread)))?);
        if !witnesses.is_empty() {
            let for_thread = shared.clone();
            threads.push(spawn(
                "truce-witnessing",
                Box::new(move || witnessing::run(for_thread, witnesses)),
            )?);
        }
        Ok(App { shared, threads, tls })
    }

    /// The router of the API, for serving or for tests.
    pub fn router(&self) -> axum::Router {
        api::router(self.shared.clone())
    }

    /// Serves on `listener` until `shutdown` completes, then finishes: the
    /// requests in flight are answered and every entry already queued is
    /// logged (or refused) before this returns.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let router = self.router();
        let header_timeout = self.shared.config.client_timeout();
        let App { shared, threads, tls } = self;
        // Assess the log as it stands now rather than on the first request
        // (a million entries take seconds); requests meanwhile wait for it.
        let warm = shared.clone();
        tokio::task::spawn_blocking(move || {
            if let Err(e) = warm.assessments.current(&warm) {
                tracing::warn!("assessment at start-up: {e}");
            }
        });
        listen::serve(listener, router, header_timeout, tls, shutdown).await;
        // Every request in flight was answered: stop taking entries; the
        // threads end once they have answered what they hold.
        shared.close();
        // Joined, and the stores' connections closed (a blocking call),
        // off the async threads.
        let joined = tokio::task::spawn_blocking(move || {
            let joined = threads.into_iter().try_for_each(|(name, thread)| {
                thread.join().map_err(|_| ServerError::Setup(format!("the thread {name} panicked")))
            });
            drop(shared);
            joined
        });
        joined.await.map_err(|e| ServerError::Setup(format!("stopping: {e}")))?
    }
}

/// The origin the stored checkpoint names; the sequencer verifies it with
/// the log's key when it opens the log.
fn stored_origin(
    storage: &dyn LogStorage,
    backends: &truce_store::Backends,
) -> Result<String, ServerError> {
    let bytes = storage
        .read_checkpoint()
        .map_err(|e| ServerError::Setup(format!("{}: {e}", backends.storage)))?
        .ok_or_else(|| {
            ServerError::Setup(format!(
                "no log in {}: run `truce init` with this configuration first",
                backends.storage
            ))
        })?;
    let note = UnverifiedNote::parse(&bytes).map_err(|e| ServerError::Setup(e.to_string()))?;
    let checkpoint =
        Checkpoint::parse(note.text_unverified()).map_err(|e| ServerError::Setup(e.to_string()))?;
    Ok(checkpoint.origin().to_owned())
}

/// The log's keys: the configuration's `log_vkey`, or the data
/// directory's key with the rotations it recorded.
fn configured_log_keys(config: &Config, origin: &str) -> Result<LogKeys, ServerError> {
    match &config.log_vkey {
        Some(vkey) => vkey
            .parse::<VerifierKey>()
            .map(|key| LogKeys::new(key, origin))
            .map_err(|e| ServerError::Setup(format!("log_vkey: {e}"))),
        None => DataDir::new(&config.data).log_keys(origin),
    }
}

/// A checkpoint read from a store, verified as the log's.
fn verified(bytes: &[u8], keys: &LogKeys) -> Result<VerifiedCheckpoint, ServerError> {
    keys.verify(bytes)
        .map_err(|e| ServerError::Setup(format!("a stored checkpoint does not verify: {e}")))
}

/// Rebuilds the query index from the log, from scratch (`truce reindex`):
/// the server's start-up path, with an index cleared first. Needs the
/// log's lock or lease, so that no server writes the index meanwhile.
///
/// A data directory without the log's private key is a copy of a log
/// (`truce mirror` makes one): nobody sequences it, so its index is built
/// from the checkpoint it holds, verified with the log's verifier key, for
/// `truce serve --read-only` to serve.
pub fn reindex(config: &Config) -> Result<u64, ServerError> {
    let backends = config.backends()?;
    let storage = backends
        .open_reader()
        .map_err(|e| ServerError::Setup(format!("{}: {e}", backends.storage)))?;
    let origin = stored_origin(storage.as_ref(), &backends)?;
    if config.log_key.is_none() && !DataDir::new(&config.data).log_key().exists() {
        return reindex_copy(config, &backends, &storage, &origin);
    }
    let ingest = Ingest::rebuild(config, &backends, &origin)?.ok_or_else(|| {
        ServerError::Setup(format!("a server is sequencing {}: stop it first", backends.storage))
    })?;
    Ok(ingest.checkpoint().size())
}

/// The index of a copy of a log, from its verified checkpoint.
fn reindex_copy(
    config: &Config,
    backends: &truce_store::Backends,
    storage: &impl LogStorage,
    origin: &str,
) -> Result<u64, ServerError> {
    let log_keys = configured_log_keys(config, origin)?;
    let bytes = storage
        .read_checkpoint()
        .map_err(|e| ServerError::Setup(format!("{}: {e}", backends.storage)))?
        .ok_or_else(|| ServerError::Setup(format!("no log in {}", backends.storage)))?;
    let size = verified(&bytes, &log_keys)?.size();
    let unavailable = |e: truce_store::IndexError| ServerError::Setup(format!("query index: {e}"));
    let mut index = backends.index.open_index(origin).map_err(unavailable)?;
    index.clear().map_err(unavailable)?;
    let mut registry = truce_entry::Registry::new();
    ingest::index_range(storage, &mut registry, index.as_mut(), 0, size, &bytes)?;
    Ok(size)
}
