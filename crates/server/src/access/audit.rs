//! The audit log of a restricted deployment: one JSON line per request
//! that needed or presented a credential (who, from where, what, the
//! answer's status and view), on disk before the request is answered.
//!
//! A thread appends the lines that arrive together and syncs them with one
//! `fdatasync`, then lets their requests go: the cost of a sync is shared
//! by every request of the moment, as a group commit shares it. If the
//! file cannot be written (a full disk), those requests are answered 503
//! instead: nothing is read that the audit log does not hold.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use super::Caller;

/// A line of the audit log.
#[derive(Serialize)]
pub(crate) struct Line {
    time: String,
    peer: Option<String>,
    /// The grant's name; `null`: no credential.
    who: Option<String>,
    /// `token`, `certificate`, `none`, or `invalid`.
    via: &'static str,
    method: String,
    /// The path and query, as asked.
    target: String,
    pub(super) status: u16,
    /// `precise` or `coarse`; `null` for a refused request.
    pub(super) view: Option<&'static str>,
}

impl Line {
    /// The line of `request`, from `caller` (`None`: its credential was
    /// refused); the status and view are set once known.
    pub(super) fn new<B>(
        request: &axum::http::Request<B>,
        peer: Option<SocketAddr>,
        caller: Option<&Caller>,
    ) -> Line {
        let target = request.uri().path_and_query().map_or("/", |p| p.as_str());
        Line {
            time: jiff::Timestamp::now()
                .round(jiff::Unit::Millisecond)
                .unwrap_or_default()
                .to_string(),
            peer: peer.map(|p| p.to_string()),
            who: caller.and_then(|c| c.name.as_deref()).map(str::to_owned),
            via: caller.map_or("invalid", |c| c.via),
            method: request.method().to_string(),
            target: target.to_owned(),
            status: 0,
            view: None,
        }
    }
}

/// Told once a line is on disk, or why it is not.
type Ack = oneshot::Sender<Result<(), String>>;

/// A line's bytes, and whom to tell.
type Pending = (Vec<u8>, Ack);

/// The way to the audit log's writer; [`Audit::none`] in the open mode.
pub(crate) struct Audit {
    lines: Mutex<Option<mpsc::Sender<Pending>>>,
}

impl Audit {
    /// No audit log.
    pub(crate) fn none() -> Audit {
        Audit { lines: Mutex::new(None) }
    }

    /// An audit log appended to `path` (created if need be) by a thread,
    /// returned to be joined after [`Audit::close`].
    pub(crate) fn open(path: PathBuf) -> std::io::Result<(Audit, std::thread::JoinHandle<()>)> {
        // Opened once here, so that a path that cannot be written stops
        // the server at start rather than refusing every request.
        let file = append(&path)?;
        let (sender, receiver) = mpsc::channel(4096);
        let thread = std::thread::Builder::new()
            .name("truce-audit".into())
            .spawn(move || write(receiver, &path, Some(file)))?;
        Ok((Audit { lines: Mutex::new(Some(sender)) }, thread))
    }

    /// Records `line`, once it is on disk.
    pub(crate) async fn record(&self, line: Line) -> Result<(), String> {
        let sender = self.lines.lock().ok().and_then(|s| s.clone());
        let Some(sender) = sender else { return Err("the server is stopping".into()) };
        let mut bytes = serde_json::to_vec(&line).map_err(|e| e.to_string())?;
        bytes.push(b'\n');
        let (ack, written) = oneshot::channel();
        sender.send((bytes, ack)).await.map_err(|_| "the audit writer stopped".to_owned())?;
        written.await.map_err(|_| "the audit writer stopped".to_owned())?
    }

    /// Stops taking lines: the writer ends once it wrote those it holds.
    pub(crate) fn close(&self) {
        if let Ok(mut lines) = self.lines.lock() {
            lines.take();
        }
    }
}

fn append(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    // Only the server's user reads who read what.
    std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path)
}

/// The writer: the lines waiting, appended and synced together, then
/// acknowledged. After a failure the file is opened again for the next
/// lines (an operator may have freed space or replaced the file).
fn write(
    mut receiver: mpsc::Receiver<(Vec<u8>, Ack)>,
    path: &Path,
    mut file: Option<std::fs::File>,
) {
    while let Some(first) = receiver.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < 4096 {
            match receiver.try_recv() {
                Ok(line) => batch.push(line),
                Err(_) => break,
            }
        }
        let bytes: Vec<u8> = batch.iter().flat_map(|(line, _)| line.iter().copied()).collect();
        let outcome = match file.take().map_or_else(|| append(path), Ok) {
            Ok(mut f) => append_synced(&mut f, &bytes).map(|()| file = Some(f)),
            Err(e) => Err(e),
        }
        .map_err(|e| {
            let fault = truce_store::Fault::of(&e).map_or_else(|| e.to_string(), |f| f.to_string());
            format!("{}: {fault}", path.display())
        });
        for (_, ack) in batch {
            let _ = ack.send(outcome.clone());
        }
    }
}

/// Appends `bytes` and syncs them; after a failure, cuts the file back
/// to where it was, so that no half line is left for the next to follow.
fn append_synced(file: &mut std::fs::File, bytes: &[u8]) -> std::io::Result<()> {
    let end = file.metadata()?.len();
    let written = file.write_all(bytes).and_then(|()| file.sync_data());
    if written.is_err() {
        let _ = file.set_len(end);
    }
    written
}
