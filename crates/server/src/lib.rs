//! The Truce server: ingestion into the log, the source registry, the query
//! index, and the HTTP API.
//!
//! ```no_run
//! use truce_server::{App, Config, InitOptions, init, DataDir};
//!
//! # async fn run() -> Result<(), truce_server::ServerError> {
//! let data = DataDir::new("truce-data");
//! init(&data, &InitOptions { origin: "truce.example/log".into(), organisation: "Mission".into() })?;
//! let app = App::open(Config { data: data.root().to_owned(), ..Config::default() })?;
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

mod api;
mod assessment;
mod config;
mod data;
mod indexer;
mod ingest;
mod metrics;
mod problem;
mod state;
mod witnessing;

use std::future::Future;
use std::sync::Arc;

use tokio::sync::mpsc;
use truce_log::{Checkpoint, LogStorage as _};
use truce_note::UnverifiedNote;
use truce_store::FsStorage;

pub use crate::api::OPENAPI;
pub use crate::config::{Config, ConfigError, WitnessConfig};
pub use crate::data::{DataDir, InitOptions, OPERATOR, init, init_with_keys};
pub use crate::problem::{PROBLEM_BASE, Problem};

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
}

/// A server over one data directory, ready to serve.
pub struct App {
    shared: Arc<Shared>,
    ingest: std::thread::JoinHandle<()>,
    witnessing: Option<std::thread::JoinHandle<()>>,
}

impl App {
    /// Opens the data directory: the log is recovered, the registry and the
    /// index are brought up to it, and the ingestion thread starts.
    pub fn open(config: Config) -> Result<App, ServerError> {
        let data = DataDir::new(&config.data);
        let origin = stored_origin(&data)?;
        let log_key = DataDir::read_key(&data.log_key())?.verifier_key();
        let witnesses = witnessing::configured(&config)?;
        let ingest = Ingest::recover(&data, &origin, config.max_commit_entries)?;
        let (sender, receiver) = mpsc::channel(1024);
        let checkpoint = ingest_checkpoint(&ingest);
        let shared = Arc::new(Shared::new(config, data, origin, log_key, checkpoint, sender));
        ingest.publish(&shared);
        let for_thread = shared.clone();
        let ingest = std::thread::Builder::new()
            .name("truce-ingest".into())
            .spawn(move || ingest.run(receiver, for_thread))?;
        // Without witnesses configured there is no witnessed checkpoint:
        // an old one saved by an earlier configuration would go stale.
        let witnessing = if witnesses.is_empty() {
            None
        } else {
            if let Some(saved) = witnessing::saved(&shared) {
                shared.set_witnessed(saved);
            }
            let for_thread = shared.clone();
            Some(
                std::thread::Builder::new()
                    .name("truce-witnessing".into())
                    .spawn(move || witnessing::run(for_thread, witnesses))?,
            )
        };
        Ok(App { shared, ingest, witnessing })
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
        let App { shared, ingest, witnessing } = self;
        // Assess the log as it stands now rather than on the first request
        // (a million entries take seconds); requests meanwhile wait for it.
        let warm = shared.clone();
        tokio::task::spawn_blocking(move || {
            if let Err(e) = warm.assessments.current(&warm) {
                tracing::warn!("assessment at start-up: {e}");
            }
        });
        let served = axum::serve(listener, router).with_graceful_shutdown(shutdown).await;
        // Every request in flight was answered: stop taking entries; the
        // ingestion thread ends once it has answered what it holds.
        shared.close();
        served?;
        tokio::task::spawn_blocking(move || ingest.join())
            .await
            .map_err(|e| ServerError::Setup(format!("ingestion thread: {e}")))?
            .map_err(|_| ServerError::Setup("the ingestion thread panicked".into()))?;
        if let Some(witnessing) = witnessing {
            tokio::task::spawn_blocking(move || witnessing.join())
                .await
                .map_err(|e| ServerError::Setup(format!("witnessing thread: {e}")))?
                .map_err(|_| ServerError::Setup("the witnessing thread panicked".into()))?;
        }
        Ok(())
    }
}

/// The checkpoint the ingestion thread opened the log at.
fn ingest_checkpoint(ingest: &Ingest) -> truce_log::VerifiedCheckpoint {
    ingest.checkpoint().clone()
}

/// The origin the stored checkpoint names; the sequencer verifies it with
/// the log's key when it opens the log.
fn stored_origin(data: &DataDir) -> Result<String, ServerError> {
    let storage = FsStorage::open_reader(data.log());
    let bytes = storage
        .read_checkpoint()
        .map_err(|e| ServerError::Setup(e.to_string()))?
        .ok_or_else(|| {
            ServerError::Setup(format!(
                "no log in {}: run `truce init --data {}` first",
                data.root().display(),
                data.root().display()
            ))
        })?;
    let note = UnverifiedNote::parse(&bytes).map_err(|e| ServerError::Setup(e.to_string()))?;
    let checkpoint =
        Checkpoint::parse(note.text_unverified()).map_err(|e| ServerError::Setup(e.to_string()))?;
    Ok(checkpoint.origin().to_owned())
}

/// Rebuilds the query index from the log, from scratch (`truce reindex`).
pub fn reindex(config: &Config) -> Result<u64, ServerError> {
    let data = DataDir::new(&config.data);
    let _ = std::fs::remove_file(data.index());
    for suffix in ["-wal", "-shm"] {
        let mut path = data.index().into_os_string();
        path.push(suffix);
        let _ = std::fs::remove_file(path);
    }
    let origin = stored_origin(&data)?;
    let ingest = Ingest::recover(&data, &origin, config.max_commit_entries)?;
    Ok(ingest.checkpoint().size())
}
