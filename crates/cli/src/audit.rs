//! `truce log audit`: a streaming audit of any C2SP tlog-tiles log, from a
//! directory, over HTTP, or through a storage backend (a bucket).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc;

use anyhow::{Context as _, Result, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use truce_entry::Registry;
use truce_log::{BundleId, LogKeys, TilePath, TreeAuditor};
use truce_note::VerifierKey;

use crate::CheckFailed;
use crate::fetch::{DirSource, Source, StorageSource, UrlSource, follow_log_keys, required};
use crate::io::{check_policy, read_policy};

#[derive(Args)]
#[command(group(clap::ArgGroup::new("log").required(true).args(["dir", "url", "storage"])))]
pub struct AuditArgs {
    /// The log's directory.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// The log's URL prefix (where /checkpoint and /tile/ are).
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// The log's storage as a server names it: file:DIR or
    /// s3://BUCKET/PREFIX (endpoint and keys from the AWS_* variables).
    #[arg(long, value_name = "LOCATION")]
    storage: Option<String>,
    /// With --storage s3://...: where the log's sequencer lock, which holds
    /// its authoritative checkpoint, is (sqlite:FILE or postgres://...).
    #[arg(long, value_name = "LOCATION", requires = "storage")]
    index: Option<String>,
    /// The log's verifier key.
    #[arg(long, value_name = "VKEY")]
    vkey: String,
    /// The log's origin; by default the key name.
    #[arg(long)]
    origin: Option<String>,
    /// An earlier checkpoint of the log: check the log still holds its tree.
    #[arg(long, value_name = "FILE")]
    from_checkpoint: Option<PathBuf>,
    /// Also check every entry as a Truce entry against the log's registry.
    #[arg(long)]
    entries: bool,
    /// A witness policy (C2SP tlog-policy): accept the log's checkpoint
    /// only if a quorum of these witnesses cosigned it.
    #[arg(long, value_name = "FILE")]
    witness_policy: Option<PathBuf>,
}

pub fn run(args: AuditArgs) -> Result<()> {
    let vkey: VerifierKey = args.vkey.parse().context("--vkey")?;
    let origin = args.origin.clone().unwrap_or_else(|| vkey.name().to_string());
    let source: Box<dyn Source> = match (&args.dir, &args.url, &args.storage) {
        (Some(dir), _, _) => Box::new(DirSource(dir.clone())),
        (None, Some(url), _) => Box::new(UrlSource::new(url)?),
        (None, None, Some(storage)) => {
            Box::new(StorageSource::open(storage, args.index.as_deref())?)
        }
        (None, None, None) => bail!("give --dir, --url or --storage"),
    };
    let checkpoint = source
        .get("checkpoint")?
        .ok_or_else(|| CheckFailed("audit failed: the log has no checkpoint".into()))?;
    let mut keys = LogKeys::new(vkey, &origin);
    follow_log_keys(source.as_ref(), &mut keys, &checkpoint)?;
    let policy = read_policy(args.witness_policy.as_deref())?;
    let witnesses = match &policy {
        Some(policy) => Some(check_policy(&policy.following(&keys), &checkpoint, &origin)?),
        None => None,
    };
    let earlier = match &args.from_checkpoint {
        Some(path) => {
            Some(std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?)
        }
        None => None,
    };
    let (size, root) =
        audit(source.as_ref(), &checkpoint, &keys, earlier.as_deref(), args.entries)?;
    println!("verified {size} entries, root {root}");
    if let Some(witnesses) = witnesses {
        println!("the checkpoint is cosigned by {}", witnesses.join(", "));
    }
    Ok(())
}

/// Audits the log in `source` up to `checkpoint`: the checkpoint verifies
/// with the log's key at its size (`keys`), every bundle hashes to its
/// tile, every tile to the next level, the whole to the checkpoint's root;
/// with `earlier`, the tree of that older checkpoint is a prefix, as is the
/// tree of every key transition followed; with `entries`, every entry
/// passes the log's registry, and each key transition followed is
/// announced by the entry before it. Returns the size and root audited; a
/// failed check is a [`CheckFailed`].
pub fn audit(
    source: &dyn Source,
    checkpoint: &[u8],
    keys: &LogKeys,
    earlier: Option<&[u8]>,
    entries: bool,
) -> Result<(u64, truce_log::Hash)> {
    let failed =
        |message: String| anyhow::Error::from(CheckFailed(format!("audit failed: {message}")));
    let checkpoint = keys.verify(checkpoint).map_err(|e| failed(format!("checkpoint: {e}")))?;
    let mut auditor = TreeAuditor::new(checkpoint.size(), checkpoint.root());
    if let Some(earlier) = earlier {
        let earlier =
            keys.verify(earlier).map_err(|e| failed(format!("the earlier checkpoint: {e}")))?;
        auditor
            .expect_root_at(earlier.size(), earlier.root())
            .map_err(|e| failed(e.to_string()))?;
    }
    // Each transition is a checkpoint of this very tree.
    let mut announced: BTreeMap<u64, VerifierKey> = BTreeMap::new();
    for transition in keys.transitions().filter(|t| t.size() <= checkpoint.size()) {
        auditor
            .expect_root_at(transition.size(), transition.root())
            .map_err(|e| failed(format!("the key transition: {e}")))?;
        if let Ok(Some(key)) = transition.next_key() {
            announced.insert(transition.size() - 1, key);
        }
    }

    let progress = ProgressBar::new(checkpoint.size()).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} entries, {per_sec}, eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut registry = entries.then(Registry::new);

    // One thread fetches bundles and their level 0 tiles ahead of the one
    // that hashes and checks them.
    let bundles: Vec<BundleId> = auditor.bundles().collect();
    std::thread::scope(|scope| -> Result<()> {
        let (sender, receiver) = mpsc::sync_channel::<Result<(BundleId, Vec<u8>, Vec<u8>)>>(32);
        let fetcher_source = source;
        scope.spawn(move || {
            for bundle in bundles {
                let fetched =
                    required(fetcher_source, TilePath::Entries(bundle)).and_then(|data| {
                        let tile = required(fetcher_source, TilePath::Hashes(bundle.hash_tile()))?;
                        Ok((bundle, data, tile))
                    });
                let stop = fetched.is_err();
                if sender.send(fetched).is_err() || stop {
                    return;
                }
            }
        });
        for fetched in receiver {
            let (bundle, data, tile) = fetched?;
            let first_index = auditor.audited();
            let entries = auditor
                .check_bundle(bundle, &data, &tile, |tile| {
                    required(source, TilePath::Hashes(tile)).map_err(|e| format!("{e:#}"))
                })
                .map_err(|e| failed(e.to_string()))?;
            if let Some(registry) = registry.as_mut() {
                for (i, entry) in entries.iter().enumerate() {
                    let index = first_index + i as u64;
                    let admitted = registry
                        .admit(index, entry)
                        .map_err(|e| failed(format!("entry {index}: {e}")))?;
                    check_announcement(index, admitted.entry.entry(), &mut announced)
                        .map_err(|e| failed(format!("entry {index}: {e}")))?;
                }
            }
            progress.inc(entries.len() as u64);
        }
        Ok(())
    })?;
    progress.finish_and_clear();
    let root = auditor.finish().map_err(|e| failed(e.to_string()))?;
    if entries && let Some((index, _)) = announced.iter().next() {
        return Err(failed(format!(
            "the key transition at size {} follows no truce.log-key/v1 entry",
            index + 1
        )));
    }
    Ok((checkpoint.size(), root))
}

/// A `truce.log-key/v1` entry at `index` must announce the transition
/// checkpoint that follows it, if the audit followed that one; every
/// transition followed must be announced (what is left in `announced`).
fn check_announcement(
    index: u64,
    entry: &truce_entry::Entry,
    announced: &mut BTreeMap<u64, VerifierKey>,
) -> std::result::Result<(), String> {
    let transition = announced.remove(&index);
    let truce_entry::Entry::LogKey(announcement) = entry else {
        return match transition {
            Some(_) => {
                Err("a key transition follows it, but it is no truce.log-key/v1 entry".into())
            }
            None => Ok(()),
        };
    };
    if announcement.from_size.0 != index + 1 {
        return Err(format!(
            "it announces a key from size {}, not {}",
            announcement.from_size.0,
            index + 1
        ));
    }
    match transition {
        Some(key) if key != announcement.key.0 => {
            Err(format!("it announces {}, the transition names {key}", announcement.key.0))
        }
        _ => Ok(()),
    }
}
