//! Reading a tiled log's files from a directory or over HTTP, with the
//! partial-tile fallback of tlog-tiles.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use truce_log::{LogKeys, LogStorage, TilePath};
use truce_store::{Backends, FsStorage, StorageLocation};

use crate::CheckFailed;

/// Where the log's files come from.
pub trait Source: Send + Sync {
    /// The file at `path` (relative to the log's prefix), or `None` if it
    /// does not exist.
    fn get(&self, path: &str) -> Result<Option<Vec<u8>>>;

    /// The log's key history (`GET /v1/log/keys` of a Truce server), if the
    /// source offers one.
    fn key_history(&self) -> Result<Option<Vec<u8>>> {
        Ok(None)
    }
}

pub struct DirSource(pub PathBuf);

impl Source for DirSource {
    fn get(&self, path: &str) -> Result<Option<Vec<u8>>> {
        let file = self.0.join(path);
        match std::fs::read(&file) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", file.display())),
        }
    }
}

pub struct UrlSource {
    base: String,
    agent: ureq::Agent,
}

impl UrlSource {
    /// The log at `url`, read with the environment's credentials
    /// (`crate::http`).
    pub fn new(url: &str) -> Result<UrlSource> {
        let agent = crate::http::agent(Duration::from_secs(60))?;
        Ok(UrlSource { base: url.trim_end_matches('/').to_owned(), agent })
    }

    /// A witness at `url`: no credential of the log goes to it.
    pub fn anonymous(url: &str) -> UrlSource {
        let agent = crate::http::anonymous_agent(Duration::from_secs(60));
        UrlSource { base: url.trim_end_matches('/').to_owned(), agent }
    }
}

impl Source for UrlSource {
    fn key_history(&self) -> Result<Option<Vec<u8>>> {
        self.get("v1/log/keys")
    }

    fn get(&self, path: &str) -> Result<Option<Vec<u8>>> {
        let url = format!("{}/{path}", self.base);
        let mut response = self.agent.get(&url).call().with_context(|| format!("GET {url}"))?;
        match response.status().as_u16() {
            200 => {}
            404 => return Ok(None),
            status => bail!("GET {url}: HTTP {status}"),
        }
        let body = response
            .body_mut()
            .with_config()
            .limit(16 << 20)
            .read_to_vec()
            .with_context(|| format!("GET {url}"))?;
        Ok(Some(body))
    }
}

/// A log read through a server's storage backend: a directory, or a bucket
/// whose authoritative checkpoint is in its sequencer lock.
pub struct StorageSource(Box<dyn LogStorage + Send + Sync>);

impl StorageSource {
    /// The storage at `storage` (`file:DIR`, `s3://BUCKET/PREFIX`); a
    /// bucket's sequencer lock at `index`.
    pub fn open(storage: &str, index: Option<&str>) -> Result<StorageSource> {
        let storage: StorageLocation = storage.parse()?;
        let reader: Box<dyn LogStorage + Send + Sync> = match (storage, index) {
            (StorageLocation::Dir(dir), _) => Box::new(FsStorage::open_reader(dir)),
            (storage, Some(index)) => Backends::new(storage, index.parse()?)
                .open_reader()
                .map_err(anyhow::Error::from_boxed)
                .context("--storage")?,
            (_, None) => bail!(
                "--index: a log in a bucket keeps its checkpoint in its sequencer lock: give its location"
            ),
        };
        Ok(StorageSource(reader))
    }
}

impl Source for StorageSource {
    fn get(&self, path: &str) -> Result<Option<Vec<u8>>> {
        if path == "checkpoint" {
            return self.0.read_checkpoint().map_err(anyhow::Error::from_boxed);
        }
        let object: TilePath = path.parse().with_context(|| format!("{path} is not a tile"))?;
        let read = self.0.read(&[object]).map_err(anyhow::Error::from_boxed)?;
        Ok(read.into_iter().next().flatten())
    }
}

/// The log's keys as `keys` knows them, brought up to `checkpoint`: if it
/// is signed by a later key, the key transitions the source lists after
/// the current key are followed, each verified with the key before it (the
/// source is not trusted for them); if it is a transition itself, it is
/// followed. A checkpoint that still does not verify is for the caller to
/// refuse.
pub fn follow_log_keys(source: &dyn Source, keys: &mut LogKeys, checkpoint: &[u8]) -> Result<()> {
    if let Ok(verified) = keys.verify(checkpoint) {
        // A transition verifies with the key it retires: follow it, for
        // what the log signs next.
        if let Ok(Some(next)) = verified.next_key()
            && next != *keys.current()
        {
            keys.follow(checkpoint).map_err(|e| CheckFailed(format!("the checkpoint: {e}")))?;
        }
        return Ok(());
    }
    let Some(history) = source.key_history()? else { return Ok(()) };
    let history: serde_json::Value =
        serde_json::from_slice(&history).context("the log's key history (/v1/log/keys)")?;
    let periods = history["keys"].as_array().map(Vec::as_slice).unwrap_or_default();
    let current = keys.current().to_string();
    let Some(start) = periods.iter().position(|p| p["key"].as_str() == Some(&current)) else {
        return Ok(());
    };
    for period in &periods[start + 1..] {
        let transition = period["transition"].as_str().unwrap_or_default();
        let key = keys.follow(transition.as_bytes()).map_err(|e| {
            CheckFailed(format!("the log's key history: {e}; the log may have been tampered with"))
        })?;
        eprintln!("the log rotated its key: following it to {key}");
    }
    Ok(())
}

/// The object at `path`; a partial tile or bundle that the log deleted once
/// its full tile existed (as tlog-tiles allows) is cut from the full one.
pub fn required(source: &dyn Source, path: TilePath) -> Result<Vec<u8>> {
    let missing = || CheckFailed(format!("audit failed: {path} is missing"));
    if let Some(data) = source.get(&path.to_string())? {
        return Ok(data);
    }
    let full = truce_log::full_version(&path).ok_or_else(missing)?;
    let data = source.get(&full.to_string())?.ok_or_else(missing)?;
    Ok(truce_log::cut_to_width(&path, data).ok_or_else(missing)?)
}

/// The source for `--log`: a URL if it starts with `http://` or `https://`,
/// else a directory.
pub fn source_of(log: &str) -> Result<Box<dyn Source>> {
    Ok(if log.starts_with("http://") || log.starts_with("https://") {
        Box::new(UrlSource::new(log)?)
    } else {
        Box::new(DirSource(PathBuf::from(log)))
    })
}

/// A file of the log that could not be fetched, as a [`truce_log::TileReader`]
/// reports it: the error's whole chain, in one line.
#[derive(Debug)]
pub struct FetchError(pub String);

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FetchError {}
