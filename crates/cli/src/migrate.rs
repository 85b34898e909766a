//! `truce migrate`: moves a log from a directory to an S3-compatible bucket
//! and its indexes to another database (SQLite to PostgreSQL), then checks
//! the copy: the auditor recomputes the bucket's tree, entries and all,
//! and the two query indexes are compared row by row.
//!
//! The source stays as it was: it is only read, under its lock, so that no
//! server writes it meanwhile. The destination must be empty. Its query
//! index is built from the copied log through the server's start-up path,
//! not copied: an index is derived, and building it from the new log
//! checks the log once more.

use anyhow::{Context as _, Result, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use truce_entry::EntryType;
use truce_log::{LogStorage, TilePath, VerifiedCheckpoint, bundles_for_size, read_objects};
use truce_store::{
    Backends, EvidenceStore, FsStorage, IndexLocation, Lease, ObjectStorage, ReportFilter,
    StorageLocation,
};

use crate::CheckFailed;
use crate::fetch::StorageSource;
use crate::server::Place;

#[derive(Args)]
pub struct MigrateArgs {
    /// The log as it is now (its data directory, configuration and
    /// locations).
    #[command(flatten)]
    place: Place,
    /// Where the log goes: s3://BUCKET/PREFIX (endpoint and keys from the
    /// AWS_* variables). The bucket's prefix must hold no log.
    #[arg(long, value_name = "LOCATION")]
    to_storage: String,
    /// Where its indexes and sequencer lock go: postgres://USER@HOST/DB or
    /// sqlite:FILE.
    #[arg(long, value_name = "LOCATION")]
    to_index: String,
}

/// Objects read and written at a time.
const CHUNK: usize = 256;

pub fn run(args: MigrateArgs) -> Result<()> {
    crate::server::init_tracing();
    let from_config = args.place.config()?;
    let from = from_config.backends()?;
    let to = Backends::new(
        args.to_storage.parse().context("--to-storage")?,
        args.to_index.parse().context("--to-index")?,
    );
    let (StorageLocation::Dir(dir), StorageLocation::S3 { bucket, prefix }) =
        (&from.storage, &to.storage)
    else {
        bail!("truce migrate moves a log from a directory (file:) to a bucket (s3://)");
    };
    let data = truce_server::DataDir::new(&from_config.data);
    let vkey = data.log_verifier_key()?;
    let ttl = from_config.lease_ttl();
    let holder = truce_store::holder_name();

    // The source, under its lock: nobody writes it while it is copied.
    let source = from
        .open_writer(&holder, ttl)
        .map_err(anyhow::Error::from_boxed)?
        .with_context(|| format!("a server is writing {}: stop it first", from.storage))?;
    let journaled = source.storage.journaled().map_err(anyhow::Error::from_boxed)?;
    if !journaled.is_empty() {
        bail!(
            "{} holds {} commits in its journal that are not written out: start `truce serve` \
             on it once (it replays them), stop it, and migrate again",
            from.storage,
            journaled.len()
        );
    }
    let latest = source
        .storage
        .read_checkpoint()
        .map_err(anyhow::Error::from_boxed)?
        .with_context(|| format!("no log in {}", from.storage))?;
    let origin = truce_log::Checkpoint::parse(
        truce_note::UnverifiedNote::parse(&latest)?.text_unverified(),
    )?
    .origin()
    .to_owned();
    let checkpoint = VerifiedCheckpoint::verify(&latest, &vkey, &origin)
        .context("the source's checkpoint does not verify with the log's key")?;
    let size = checkpoint.size();

    // The destination: empty, and under a lease of its own.
    if to
        .open_reader()
        .map_err(anyhow::Error::from_boxed)?
        .read_checkpoint()
        .map_err(anyhow::Error::from_boxed)?
        .is_some()
    {
        bail!("{} already holds a log", to.storage);
    }
    let lock = to.index.open_lock().map_err(anyhow::Error::from_boxed)?;
    let lease = Lease::try_acquire(lock, &holder, ttl)
        .map_err(anyhow::Error::from_boxed)?
        .with_context(|| format!("another sequencer holds the lease of {}", to.storage))?;
    let store = truce_store::s3_store(bucket, prefix).map_err(anyhow::Error::from_boxed)?;
    let destination =
        ObjectStorage::open_writer(store, lease.into()).map_err(anyhow::Error::from_boxed)?;

    // Tiles and bundles, then the history, then the checkpoint: published
    // last, once everything it covers is there. Every tile of the tree, and
    // the partial tiles of earlier sizes the directory still has (proofs
    // against older checkpoints read them).
    let mut paths: Vec<TilePath> = bundles_for_size(size).map(TilePath::Entries).collect();
    paths.extend(truce_log::tiles_for_size(size).map(TilePath::Hashes));
    let source_dir = FsStorage::open_reader(dir);
    paths.extend(source_dir.tile_paths()?.into_iter().filter(|tile| tile.within(size)));
    // The partial tiles of the earlier checkpoints whose full tile is not
    // there yet: a directory writes out only some widths, and cuts the
    // others from a wider one, which a bucket does not.
    let history = source_dir.history_sizes()?;
    paths.extend(history.iter().flat_map(|&s| rightmost_partials(s)).filter(|tile| {
        truce_log::full_version(tile).is_some_and(|full| !full.within(size)) && tile.within(size)
    }));
    paths.sort_by_key(ToString::to_string);
    paths.dedup();
    let progress = bar(paths.len() as u64, "objects");
    for chunk in paths.chunks(CHUNK) {
        let objects = read_objects(&source.storage, chunk).map_err(anyhow::Error::from_boxed)?;
        let objects = chunk
            .iter()
            .zip(objects)
            .map(|(path, data)| Ok((*path, data.with_context(|| format!("{path} is missing"))?)))
            .collect::<Result<Vec<_>>>()?;
        destination.write(&objects).map_err(anyhow::Error::from_boxed)?;
        progress.inc(chunk.len() as u64);
    }
    progress.finish_and_clear();
    let history: Vec<u64> = history.into_iter().filter(|&s| s < size).collect();
    let progress = bar(history.len() as u64, "checkpoints");
    for chunk in history.chunks(CHUNK) {
        let mut checkpoints = Vec::with_capacity(chunk.len());
        for &earlier in chunk {
            let note = source
                .storage
                .read_checkpoint_at(earlier)
                .map_err(anyhow::Error::from_boxed)?
                .with_context(|| format!("the checkpoint of size {earlier} is missing"))?;
            VerifiedCheckpoint::verify(&note, &vkey, &origin)
                .with_context(|| format!("the checkpoint of size {earlier}"))?;
            checkpoints.push((earlier, note));
        }
        destination.write_history(&checkpoints).map_err(anyhow::Error::from_boxed)?;
        progress.inc(chunk.len() as u64);
    }
    progress.finish_and_clear();
    destination.publish_checkpoint(None, &latest, size).map_err(anyhow::Error::from_boxed)?;
    drop(destination);
    drop(source);
    eprintln!(
        "copied {} tiles and bundles and {} checkpoints to {}",
        paths.len(),
        history.len() + 1,
        to.storage
    );

    // The destination's index, built from the copied log by the server's
    // start-up path.
    let mut to_config = from_config.clone();
    to_config.storage = Some(args.to_storage.clone());
    to_config.index = Some(args.to_index.clone());
    eprintln!("indexing the copy in {}…", to.index);
    truce_server::reindex(&to_config)?;

    // The auditor on the copy, entries and all.
    let copy = StorageSource::open(&args.to_storage, Some(&args.to_index))?;
    let (audited, root) = crate::audit::audit(
        &copy,
        &latest,
        &truce_log::LogKeys::new(vkey.clone(), &origin),
        None,
        true,
    )?;
    println!("audited the copy: {audited} entries, root {root}");

    let compared = compare_indexes(&from.index, &to.index, &origin, size)?;
    println!("the indexes agree: {compared}");
    println!("{}", copy_evidence(&from_config, &to_config, &origin)?);
    println!("to serve the log from its new place, configure (with the password you gave):");
    println!("  storage = \"{}\"", to.storage);
    println!("  index = \"{}\"", to.index);
    Ok(())
}

/// Copies the evidence files the log names from where the source keeps
/// them to beside the new log (unless `[evidence] location` names a place
/// of its own, which stays), each checked against its digest on the way.
fn copy_evidence(
    from: &truce_server::Config,
    to: &truce_server::Config,
    origin: &str,
) -> Result<String> {
    let source_place = from.evidence_location()?;
    let destination_place = to.evidence_location()?;
    if source_place == destination_place {
        return Ok(format!("the evidence files stay in {source_place}"));
    }
    let source = EvidenceStore::open(&source_place)?;
    let destination = EvidenceStore::open(&destination_place)?;
    let index = to.backends()?.index.open_index_reader(origin)?;
    let mut files = std::collections::BTreeMap::new();
    let mut after = None;
    loop {
        let rows = index.entries_of_type(EntryType::Evidence, after, 1000)?;
        let Some(last) = rows.last() else { break };
        after = Some(last.index);
        for row in &rows {
            if let Ok(truce_entry::Entry::Evidence(evidence)) =
                truce_entry::Entry::parse(row.json.as_bytes())
            {
                files.entry(evidence.sha256).or_insert(evidence.size.0);
            }
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let progress = bar(files.len() as u64, "evidence files");
    let (mut copied, mut bytes, mut missing) = (0u64, 0u64, 0u64);
    for (sha256, size) in &files {
        runtime
            .block_on(async {
                match source.read(sha256).await? {
                    Some(read) => {
                        destination.append(sha256, *size, 0, read.bytes).await?;
                        copied += 1;
                        bytes += size;
                    }
                    None => missing += 1,
                }
                Ok::<_, truce_store::EvidenceError>(())
            })
            .with_context(|| format!("copying the evidence file {sha256}"))?;
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(format!(
        "copied {copied} evidence files ({bytes} bytes) to {destination_place}, each checked \
         against its digest; {missing} logged but never uploaded"
    ))
}

fn bar(length: u64, what: &str) -> ProgressBar {
    ProgressBar::new(length)
        .with_style(
            ProgressStyle::with_template(&format!(
                "{{msg}} {{bar:40}} {{pos}}/{{len}} {what} ({{eta}} left)"
            ))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        )
        .with_message("copying")
}

/// Compares two query indexes of the same log of `size` entries, row by
/// row: every entry, source, agreement and report, and the listings of
/// each type. What they hold, counted.
fn compare_indexes(
    from: &IndexLocation,
    to: &IndexLocation,
    origin: &str,
    size: u64,
) -> Result<String> {
    let open = |location: &IndexLocation| {
        location.open_index(origin).with_context(|| format!("the index in {location}"))
    };
    let (a, b) = (open(from)?, open(to)?);
    let differ =
        |what: String| anyhow::Error::from(CheckFailed(format!("the indexes differ: {what}")));
    let covered = a.indexed_size()?;
    if covered != size {
        bail!(
            "the index in {from} covers {covered} of the log's {size} entries: run `truce reindex` on the source first"
        );
    }
    if b.indexed_size()? != size {
        return Err(differ(format!("the copy covers {} entries, not {size}", b.indexed_size()?)));
    }
    const STEP: u64 = 10_000;
    let mut entries = 0;
    for start in (0..size).step_by(STEP as usize) {
        let end = (start + STEP).min(size);
        let (x, y) = (a.entries_between(start, end)?, b.entries_between(start, end)?);
        if x != y {
            return Err(differ(format!("the entries from {start} to {end}")));
        }
        entries += x.len();
    }
    let sources = a.sources()?;
    if sources != b.sources()? {
        return Err(differ("the sources".into()));
    }
    if a.agreement_roots()? != b.agreement_roots()? {
        return Err(differ("the agreements".into()));
    }
    for entry_type in EntryType::ALL {
        let mut after = None;
        loop {
            let (x, y) = (
                a.entries_of_type(*entry_type, after, 1000)?,
                b.entries_of_type(*entry_type, after, 1000)?,
            );
            if x != y {
                return Err(differ(format!("the {entry_type} entries after {after:?}")));
            }
            match x.last() {
                Some(last) => after = Some(last.index),
                None => break,
            }
        }
    }
    let mut reports = 0;
    let mut filter = ReportFilter { limit: 1000, ..ReportFilter::default() };
    loop {
        let (x, y) = (a.reports(&filter)?, b.reports(&filter)?);
        if x != y {
            return Err(differ(format!("the reports after {:?}", filter.after)));
        }
        reports += x.len();
        match x.last() {
            Some(last) => filter.after = Some(last.index),
            None => break,
        }
    }
    Ok(format!("{entries} entries, {} sources, {reports} reports", sources.len()))
}

/// The partial tiles and bundle at the right edge of a tree of `size`.
fn rightmost_partials(size: u64) -> impl Iterator<Item = TilePath> {
    let width = u64::from(truce_log::TILE_WIDTH);
    let bundle = truce_log::BundleId::in_tree(size / width, size).map(TilePath::Entries);
    let tiles = (0..8u8).filter_map(move |level| {
        let nodes = size.checked_shr(8 * u32::from(level))?;
        truce_log::TileId::in_tree(level, nodes / width, size).map(TilePath::Hashes)
    });
    // Only the partial ones.
    bundle.into_iter().chain(tiles).filter(|tile| truce_log::full_version(tile).is_some())
}
