//! The outbox: a directory of signed entries waiting for a log, and what
//! became of each.
//!
//! ```text
//! DIR/outbox.json              the signer's key source (never the secret),
//!                              its verifier key, the default URL, and the
//!                              log's key once the first sync pinned it
//! DIR/entries/00000001.json    the record of entry 1: type, SHA-256 of its
//!                              note, the note before it, the input file,
//!                              the evidence file (path, SHA-256, size)
//! DIR/entries/00000001.note    entry 1, the signed note as the log will hold it
//! DIR/entries/00000001.logged  its index and the size of the checkpoint
//!                              its inclusion proof verified against
//! DIR/entries/00000001.refused the server's refusal
//! DIR/entries/00000001.uploaded  its evidence file's bytes are on the server
//! ```
//!
//! Numbers are the capture order. Every file is written with
//! [`durable::write_all`]; an entry's record is durable before its note,
//! and the note is the entry: a record without a note is what an
//! interrupted `add` left. A crash during an `add` may also leave a later
//! note without an earlier one; the outbox is the unbroken run of notes
//! from 1, and the next `add` removes what lies beyond it (none of it was
//! acknowledged).
//!
//! `add` and `evidence` hold `DIR/.lock` while they append; `sync` holds
//! it while it reads the list, so that it never sends an entry an `add`
//! has not acknowledged, and holds `DIR/.sync.lock` throughout.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use truce_entry::Sha256Hex;

use super::durable;

/// The name of the outbox's description, which marks a directory as one.
const CONFIG: &str = "outbox.json";

/// The `format` member of [`CONFIG`].
const FORMAT: &str = "truce-outbox/v1";

/// What the outbox records of itself.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Config {
    /// Always [`FORMAT`].
    pub format: String,
    /// Where the signer's key is: a key file (absolute), `env:NAME` or a
    /// PKCS#11 URI, as given; never the key itself.
    pub key: String,
    /// The signer's verifier key: every note is checked against it.
    pub signer: String,
    /// The log's server, when `sync` is given no URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The log's verifier key, pinned at the first sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_vkey: Option<String>,
}

/// The record of one entry, written before its note.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Record {
    /// The entry's type, e.g. `truce.report/v1`.
    #[serde(rename = "type")]
    pub entry_type: String,
    /// SHA-256 of the signed note.
    pub sha256: String,
    /// SHA-256 of the note before it in the outbox; absent for the first.
    /// Types without a `follows` member are chained here alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows: Option<String>,
    /// The file it was made from.
    pub from: PathBuf,
    /// When it was signed (RFC 3339, the device's clock).
    pub signed_at: String,
    /// For an evidence entry, the file whose bytes are uploaded at sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<EvidenceFile>,
}

/// An evidence file, left where it was when it was added.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EvidenceFile {
    /// Its absolute path.
    pub path: PathBuf,
    /// SHA-256 of its bytes when it was added.
    pub sha256: String,
    /// Its size then.
    pub size: u64,
}

/// An entry in the log, its inclusion proof verified.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Logged {
    /// Its index in the log.
    pub index: u64,
    /// The size of the checkpoint its proof verified against.
    pub checkpoint_size: u64,
    /// Whether the log held it already when it was sent (a resend).
    pub duplicate: bool,
}

/// An entry the log refused.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Refused {
    /// The HTTP status of the refusal.
    pub status: u64,
    /// What the server said, with the JSON Pointers of an invalid entry.
    pub detail: String,
}

/// An evidence file whose bytes the server holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Uploaded {
    /// SHA-256 of the bytes uploaded.
    pub sha256: String,
    /// Their size.
    pub size: u64,
}

/// One entry of the outbox and what became of it.
#[derive(Clone, Debug)]
pub struct Item {
    /// Its number: its place in the capture order, from 1.
    pub number: u64,
    /// The signed note.
    pub note: Vec<u8>,
    /// Its record.
    pub record: Record,
    /// Set once it is in the log, its proof verified.
    pub logged: Option<Logged>,
    /// Set if the log refused it (and it is not logged since).
    pub refused: Option<Refused>,
    /// Set once its evidence file is uploaded.
    pub uploaded: Option<Uploaded>,
}

/// An entry to append: its note and record.
pub struct Staged {
    /// The signed note.
    pub note: Vec<u8>,
    /// Its record.
    pub record: Record,
}

/// An outbox directory.
pub struct Outbox {
    dir: PathBuf,
    entries: PathBuf,
    /// What it records of itself.
    pub config: Config,
}

/// The SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> Sha256Hex {
    Sha256Hex(Sha256::digest(bytes).into())
}

/// The name of entry `number`'s file with extension `ext`.
pub fn file_name(number: u64, ext: &str) -> String {
    format!("{number:08}.{ext}")
}

impl Outbox {
    /// Makes a new outbox at `dir`: a missing or empty directory.
    pub fn create(dir: &Path, key: String, signer: String, url: Option<String>) -> Result<Outbox> {
        match std::fs::read_dir(dir) {
            Ok(mut listing) => {
                if dir.join(CONFIG).exists() {
                    bail!("{} is an outbox already", dir.display());
                }
                if listing.next().is_some() {
                    bail!("{} is not empty and not an outbox: give a new directory", dir.display());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                // The new directory's name, durable in its parent.
                let absolute = std::path::absolute(dir)?;
                if let Some(parent) = absolute.parent() {
                    durable::sync_dir(parent)?;
                }
            }
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
        }
        let entries = dir.join("entries");
        std::fs::create_dir(&entries)
            .with_context(|| format!("cannot create {}", entries.display()))?;
        durable::sync_dir(dir)?;
        let config = Config { format: FORMAT.to_owned(), key, signer, url, log_vkey: None };
        let outbox = Outbox { dir: dir.to_owned(), entries, config };
        // Written last: the description is what makes the directory an
        // outbox.
        outbox.save_config()?;
        Ok(outbox)
    }

    /// Opens the outbox at `dir`.
    pub fn open(dir: &Path) -> Result<Outbox> {
        let path = dir.join(CONFIG);
        let text = std::fs::read(&path).with_context(|| {
            format!(
                "{} is not an outbox (no {CONFIG}): make one with `truce field init`",
                dir.display()
            )
        })?;
        let config: Config = serde_json::from_slice(&text)
            .with_context(|| format!("{}: not an outbox description", path.display()))?;
        if config.format != FORMAT {
            bail!("{}: format {:?}, this truce reads {FORMAT:?}", path.display(), config.format);
        }
        let entries = dir.join("entries");
        if !entries.is_dir() {
            bail!("{}: the outbox has no entries directory", entries.display());
        }
        Ok(Outbox { dir: dir.to_owned(), entries, config })
    }

    /// The outbox's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes [`Config`] durably.
    pub fn save_config(&self) -> Result<()> {
        let mut text = serde_json::to_vec_pretty(&self.config)?;
        text.push(b'\n');
        durable::write_all(&self.dir, &[(CONFIG.to_owned(), text)])
    }

    fn lock_file(&self, name: &str) -> Result<File> {
        let path = self.dir.join(name);
        std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))
    }

    /// Waits for, then holds, the lock of appending (released when the
    /// file is dropped).
    pub fn lock_append(&self) -> Result<File> {
        let file = self.lock_file(".lock")?;
        file.lock().with_context(|| format!("cannot lock {}", self.dir.display()))?;
        Ok(file)
    }

    /// Holds the lock of syncing, or says that another sync runs.
    pub fn lock_sync(&self) -> Result<File> {
        let file = self.lock_file(".sync.lock")?;
        match file.try_lock() {
            Ok(()) => Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => {
                bail!("another `truce field sync` is running on {}", self.dir.display())
            }
            Err(std::fs::TryLockError::Error(e)) => {
                Err(e).with_context(|| format!("cannot lock {}", self.dir.display()))
            }
        }
    }

    /// Reads every entry, in capture order, and the names of the files an
    /// interrupted `add` left beyond them.
    pub fn read(&self) -> Result<(Vec<Item>, Vec<String>)> {
        let mut files: BTreeMap<u64, BTreeSet<String>> = BTreeMap::new();
        let mut temporaries = Vec::new();
        let listing = std::fs::read_dir(&self.entries)
            .with_context(|| format!("cannot read {}", self.entries.display()))?;
        for found in listing {
            let found = found.with_context(|| format!("cannot read {}", self.entries.display()))?;
            let name = found.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                temporaries.push(name);
                continue;
            }
            let Some((number, ext)) = name.split_once('.') else { continue };
            if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let Ok(number) = number.parse::<u64>() else { continue };
            files.entry(number).or_default().insert(ext.to_owned());
        }
        let mut items = Vec::new();
        let mut number = 1;
        while files.get(&number).is_some_and(|exts| exts.contains("note")) {
            items.push(self.read_item(number, &files[&number])?);
            number += 1;
        }
        let mut debris: Vec<String> = files
            .range(number..)
            .flat_map(|(n, exts)| exts.iter().map(|ext| file_name(*n, ext)))
            .collect();
        // Only the temporaries of `add`: those of a sync are its own.
        debris.extend(
            temporaries
                .into_iter()
                .filter(|t| t.ends_with(".note.tmp") || t.ends_with(".json.tmp")),
        );
        Ok((items, debris))
    }

    fn read_item(&self, number: u64, exts: &BTreeSet<String>) -> Result<Item> {
        let path = |ext: &str| self.entries.join(file_name(number, ext));
        let note = std::fs::read(path("note"))
            .with_context(|| format!("cannot read {}", path("note").display()))?;
        let record = read_json(&path("json"))?
            .with_context(|| format!("{}: the entry has no record", path("note").display()))?;
        let logged: Option<Logged> =
            if exts.contains("logged") { read_json(&path("logged"))? } else { None };
        let refused = match logged {
            None if exts.contains("refused") => read_json(&path("refused"))?,
            _ => None,
        };
        let uploaded = if exts.contains("uploaded") { read_json(&path("uploaded"))? } else { None };
        Ok(Item { number, note, record, logged, refused, uploaded })
    }

    /// Removes what an interrupted `add` left (`debris`, from [`Outbox::read`]).
    pub fn clear(&self, debris: &[String]) -> Result<()> {
        durable::remove_all(&self.entries, debris)
    }

    /// Appends `staged` as entries `first`, `first + 1`...: every record
    /// durable, then every note. Returns once all are durable.
    pub fn append(&self, first: u64, staged: &[Staged]) -> Result<()> {
        let mut records = Vec::with_capacity(staged.len());
        let mut notes = Vec::with_capacity(staged.len());
        for (number, entry) in (first..).zip(staged) {
            records.push((file_name(number, "json"), to_json(&entry.record)?));
            notes.push((file_name(number, "note"), entry.note.clone()));
        }
        durable::write_all(&self.entries, &records)?;
        durable::write_all(&self.entries, &notes)
    }

    /// Records what became of entries: `ext` is `logged`, `refused` or
    /// `uploaded`.
    pub fn mark<T: Serialize>(&self, ext: &str, marks: &[(u64, T)]) -> Result<()> {
        let files = marks
            .iter()
            .map(|(number, value)| Ok((file_name(*number, ext), to_json(value)?)))
            .collect::<Result<Vec<_>>>()?;
        durable::write_all(&self.entries, &files)
    }

    /// Removes the refusals of entries logged since (sent again with
    /// `--retry-refused`).
    pub fn forget_refusals(&self, numbers: &[u64]) -> Result<()> {
        let names: Vec<String> = numbers.iter().map(|n| file_name(*n, "refused")).collect();
        durable::remove_all(&self.entries, &names)
    }

    /// Removes the temporary files of a sync that was interrupted.
    pub fn clear_sync_temporaries(&self) -> Result<()> {
        let mut names = Vec::new();
        for found in std::fs::read_dir(&self.entries)
            .with_context(|| format!("cannot read {}", self.entries.display()))?
        {
            let name = found?.file_name().to_string_lossy().into_owned();
            let ours = [".logged.tmp", ".refused.tmp", ".uploaded.tmp"];
            if name.starts_with('.') && ours.iter().any(|ext| name.ends_with(ext)) {
                names.push(name);
            }
        }
        durable::remove_all(&self.entries, &names)
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    let mut text = serde_json::to_vec(value)?;
    text.push(b'\n');
    Ok(text)
}

/// Reads a JSON file; `None` if there is none.
fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Option<T>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .with_context(|| format!("{}: not what the outbox writes there", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}
