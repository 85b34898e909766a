//! `truce field sync`: the outbox's entries into the log, in capture
//! order, then the evidence files' bytes.
//!
//! An entry is recorded as logged only once the log's inclusion proof of
//! its exact note verified against a checkpoint signed with the log's key,
//! which the first sync pins in the outbox. What a crash or a cut
//! connection interrupts is done again by the next sync: an entry sent
//! but not recorded is sent again, and the log answers with the index it
//! already has; an upload resumes where the server's copy stands.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Result, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};
use truce_log::TlogProof;
use truce_note::VerifierKey;

use super::outbox::{Item, Logged, Outbox, Refused, Uploaded, file_name};
use crate::CheckFailed;
use crate::evidence::{hash_file, log_key, upload};
use crate::submit::{Client, describe};

#[derive(Args)]
pub struct SyncArgs {
    /// The outbox.
    #[arg(long, value_name = "DIR")]
    outbox: PathBuf,
    /// The log's server; default the outbox's.
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// The log's verifier key. The first sync pins it in the outbox (or,
    /// without it, the key the server states); later syncs check proofs
    /// with the pinned key, following the log's rotations from it.
    #[arg(long, value_name = "VKEY")]
    log_vkey: Option<String>,
    /// Entries sent in one request (1 to 1000): fewer over a poor link.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u16).range(1..=1000))]
    batch: u16,
    /// Send again the entries the log refused before (once the cause is
    /// fixed: the source registered, say).
    #[arg(long)]
    retry_refused: bool,
}

/// Requests for inclusion proofs in flight at once.
const PROOF_THREADS: usize = 8;

/// What a sync did.
#[derive(Default)]
struct Tally {
    logged: usize,
    already: usize,
    uploaded: usize,
    refused: usize,
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} logged, {} already logged, {} uploaded, {} refused",
            self.logged, self.already, self.uploaded, self.refused
        )
    }
}

/// The log, as the sync checks it.
struct Log {
    client: Client,
    origin: String,
    key: VerifierKey,
}

pub fn run(args: SyncArgs) -> Result<()> {
    let mut outbox = Outbox::open(&args.outbox)?;
    let _sync = outbox.lock_sync()?;
    outbox.clear_sync_temporaries()?;
    // Only what an `add` acknowledged: it holds the lock until its
    // entries are durable.
    let items = {
        let _append = outbox.lock_append()?;
        outbox.read()?.0
    };
    let url = match (&args.url, &outbox.config.url) {
        (Some(url), _) | (None, Some(url)) => url.clone(),
        (None, None) => bail!("give --url: the outbox records no server"),
    };
    let stopped = |e: anyhow::Error, tally: &Tally| {
        e.context(format!(
            "sync stopped ({tally}); the outbox is consistent: run `truce field sync` again to \
             resume"
        ))
    };
    let mut tally = Tally::default();
    let log =
        connect(&mut outbox, &url, args.log_vkey.as_deref()).map_err(|e| stopped(e, &tally))?;

    let pending: Vec<&Item> = items
        .iter()
        .filter(|item| item.logged.is_none() && (item.refused.is_none() || args.retry_refused))
        .collect();
    let progress = ProgressBar::new(pending.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} entries {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    for batch in pending.chunks(usize::from(args.batch)) {
        send(&outbox, &log, batch, &progress, &mut tally).map_err(|e| {
            progress.abandon();
            stopped(e, &tally)
        })?;
    }
    progress.finish_and_clear();

    // The files of every logged evidence entry not uploaded yet, whichever
    // sync logged it.
    let items = {
        let _append = outbox.lock_append()?;
        outbox.read()?.0
    };
    let uploads: Vec<&Item> = items
        .iter()
        .filter(|item| item.record.evidence.is_some() && item.logged.is_some())
        .filter(|item| item.uploaded.is_none())
        .collect();
    let progress = ProgressBar::new(uploads.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} evidence files {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    for item in uploads {
        upload_file(&outbox, &log, item, &progress, &mut tally).map_err(|e| {
            progress.abandon();
            stopped(e, &tally)
        })?;
        progress.inc(1);
    }
    progress.finish_and_clear();

    println!("{tally}");
    let standing = items.iter().filter(|i| i.logged.is_none() && i.refused.is_some()).count();
    if tally.refused > 0 || standing > 0 {
        let mut message = format!("{} entries or files refused", tally.refused.max(standing));
        if standing > 0 && !args.retry_refused {
            message.push_str(
                "; once the cause is fixed, `truce field sync --retry-refused` sends the \
                 refused entries again",
            );
        }
        return Err(CheckFailed(message).into());
    }
    Ok(())
}

/// The log at `url` and its key: the pinned one, else the one given,
/// else the one the server states, which is then pinned.
fn connect(outbox: &mut Outbox, url: &str, given: Option<&str>) -> Result<Log> {
    let pinned = outbox.config.log_vkey.clone();
    if let (Some(given), Some(pinned)) = (given, &pinned)
        && given != pinned
    {
        bail!(
            "--log-vkey is {given}, but the outbox pinned the log's key {pinned} at its first sync"
        );
    }
    let trusted = pinned.as_deref().or(given);
    let client = Client::new(url)?;
    let (origin, key) = log_key(&client, url, trusted)?;
    if pinned.is_none() {
        let pin = trusted.map_or_else(|| key.to_string(), str::to_owned);
        eprintln!("pinned the log's key in the outbox: {pin}");
        outbox.config.log_vkey = Some(pin);
        outbox.save_config()?;
    }
    Ok(Log { client, origin, key })
}

/// Whether a problem refuses the entry itself, which would be refused
/// again if sent as it is, rather than the request, the credential or
/// the moment (which stop the sync, for a later one to retry).
fn refuses_entry(problem: &Value) -> bool {
    let status = problem["status"].as_u64().unwrap_or(0);
    let kind = problem["type"].as_str().unwrap_or_default();
    let kind = kind.rsplit('/').next().unwrap_or_default();
    let about_the_request = matches!(
        kind,
        "malformed-request"
            | "unsupported-media-type"
            | "payload-too-large"
            | "request-timeout"
            | "unauthorized"
            | "forbidden"
            | "not-found"
            | "method-not-allowed"
            | "rate-limited"
    );
    (400..500).contains(&status) && !about_the_request
}

/// Sends one batch, checks the proof of every entry the log holds, and
/// records each as logged or refused.
fn send(
    outbox: &Outbox,
    log: &Log,
    batch: &[&Item],
    progress: &ProgressBar,
    tally: &mut Tally,
) -> Result<()> {
    let notes: Vec<Vec<u8>> = batch.iter().map(|item| item.note.clone()).collect();
    let results = log.client.submit(&notes)?;
    if results.len() != batch.len() {
        bail!("the server answered {} results for {} entries", results.len(), batch.len());
    }
    let mut acknowledged = Vec::new();
    let mut refused = Vec::new();
    let mut stop = None;
    for (item, result) in batch.iter().zip(&results) {
        match result["index"].as_u64() {
            Some(index) => acknowledged.push((*item, index, result["duplicate"] == json!(true))),
            None => {
                let problem = result.get("problem").unwrap_or(result);
                if refuses_entry(problem) {
                    let status = problem["status"].as_u64().unwrap_or(0);
                    refused.push((item.number, Refused { status, detail: describe(result) }));
                } else {
                    stop.get_or_insert_with(|| {
                        let kind = problem["type"].as_str().unwrap_or_default();
                        let too_large = ["payload-too-large", "malformed-request"]
                            .iter()
                            .any(|k| kind.ends_with(k));
                        let hint = if too_large { " (a smaller --batch may help)" } else { "" };
                        format!("{}{hint}", describe(result))
                    });
                }
            }
        }
    }

    // The proofs, several at once; whatever verified is recorded even if
    // another failed.
    let proved = prove_all(log, &acknowledged);
    let mut logged = Vec::new();
    let mut failure = None;
    for ((item, index, duplicate), proof) in acknowledged.iter().zip(proved) {
        match proof {
            Ok(checkpoint_size) => {
                let mark = Logged { index: *index, checkpoint_size, duplicate: *duplicate };
                logged.push((item.number, mark));
            }
            Err(e) => {
                failure.get_or_insert(e);
            }
        }
    }
    outbox.mark("logged", &logged)?;
    let retried: Vec<u64> = batch
        .iter()
        .filter(|item| item.refused.is_some() && logged.iter().any(|(n, _)| *n == item.number))
        .map(|item| item.number)
        .collect();
    outbox.forget_refusals(&retried)?;
    outbox.mark("refused", &refused)?;

    for (_, mark) in &logged {
        if mark.duplicate {
            tally.already += 1;
        } else {
            tally.logged += 1;
        }
    }
    tally.refused += refused.len();
    for (number, refusal) in &refused {
        let item = batch.iter().find(|item| item.number == *number);
        let from = item.map_or_else(String::new, |item| item.record.from.display().to_string());
        progress.suspend(|| {
            eprintln!("{} ({from}): refused: {}", file_name(*number, "note"), refusal.detail);
        });
    }
    progress.inc((logged.len() + refused.len()) as u64);
    if let Some(e) = failure {
        return Err(e);
    }
    if let Some(problem) = stop {
        bail!("the server did not take the entries: {problem}");
    }
    Ok(())
}

/// Fetches and verifies the inclusion proof of each `(item, index, _)`:
/// the size of the checkpoint it verified against, or why not.
fn prove_all(log: &Log, acknowledged: &[(&Item, u64, bool)]) -> Vec<Result<u64>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<u64>>>> =
        Mutex::new((0..acknowledged.len()).map(|_| None).collect());
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some((item, index, _)) = acknowledged.get(i) else { return };
            let result = prove(log, item, *index);
            let mut slots = results.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            slots[i] = Some(result);
        }
    };
    std::thread::scope(|scope| {
        for _ in 0..PROOF_THREADS.min(acknowledged.len()) {
            scope.spawn(work);
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .into_iter()
        .map(|slot| slot.unwrap_or_else(|| Err(anyhow::anyhow!("no proof was fetched"))))
        .collect()
}

/// Fetches the inclusion proof of entry `index` and verifies it for the
/// item's exact note against a checkpoint signed with the log's key.
fn prove(log: &Log, item: &Item, index: u64) -> Result<u64> {
    let name = file_name(item.number, "note");
    let text = log.client.get_text(&format!("/v1/proof/{index}"))?;
    let proof = TlogProof::parse(text.as_bytes())
        .map_err(|e| CheckFailed(format!("{name}: the server's proof: {e}")))?;
    if proof.index() != index {
        return Err(CheckFailed(format!(
            "{name}: the log acknowledged index {index}, but its proof is for {}",
            proof.index()
        ))
        .into());
    }
    let checkpoint = proof.verify(&item.note, &log.key, &log.origin).map_err(|e| {
        CheckFailed(format!("{name}: the inclusion proof of entry {index} does not verify: {e}"))
    })?;
    Ok(checkpoint.size())
}

/// Uploads an evidence file's bytes if they are still those its entry
/// names, and records it uploaded.
fn upload_file(
    outbox: &Outbox,
    log: &Log,
    item: &Item,
    progress: &ProgressBar,
    tally: &mut Tally,
) -> Result<()> {
    let Some(file) = &item.record.evidence else { return Ok(()) };
    let name = file_name(item.number, "note");
    let refuse = |why: String, tally: &mut Tally| {
        tally.refused += 1;
        progress.suspend(|| eprintln!("{name}: {}: refused: {why}", file.path.display()));
    };
    let (digest, size) = match hash_file(&file.path) {
        Ok(found) => found,
        Err(e) => {
            refuse(format!("{e:#}; the file must stay where it was added"), tally);
            return Ok(());
        }
    };
    if digest.to_string() != file.sha256 || size != file.size {
        refuse(
            format!(
                "the file changed since it was added: its SHA-256 is now {digest} ({size} \
                 bytes), but its entry names {} ({} bytes); put the original back to upload it",
                file.sha256, file.size
            ),
            tally,
        );
        return Ok(());
    }
    upload(&log.client, &digest, size, Path::new(&file.path))?;
    outbox.mark("uploaded", &[(item.number, Uploaded { sha256: file.sha256.clone(), size })])?;
    tally.uploaded += 1;
    Ok(())
}
