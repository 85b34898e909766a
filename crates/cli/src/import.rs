//! `truce import acled|ucdp`: a dataset's CSV export into the log, as
//! reports signed by the importing source. A re-import of an updated export
//! submits only what changed (see `truce_interop::sync`).

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use truce_entry::{Entry, SignedEntry};
use truce_interop::sync::{Logged, Plan, plan};
use truce_interop::{AcledMapping, ImportOptions, Mapped, Outcome, UcdpMapping, acled, ucdp};
use truce_note::SigningKey;

use crate::CheckFailed;
use crate::io::read_signing_key;
use crate::submit::Client;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// An ACLED export (the 31-column layout, or the older one with a
    /// numeric iso and no tags).
    Acled(ImportArgs),
    /// A UCDP Georeferenced Event Dataset export (GED).
    Ucdp(ImportArgs),
}

#[derive(Args)]
pub struct ImportArgs {
    /// The CSV file.
    file: PathBuf,
    /// The importing source's signing key: the reports are its own.
    #[arg(long, value_name = "KEYFILE")]
    key: PathBuf,
    /// The server's URL, e.g. http://127.0.0.1:8080.
    #[arg(long, value_name = "URL")]
    url: String,
    /// A mapping table instead of the bundled one (the form of
    /// crates/interop/data/acled.toml or ucdp.toml).
    #[arg(long, value_name = "FILE")]
    mapping: Option<PathBuf>,
    /// The time zone of the dataset's calendar dates (an IANA name).
    #[arg(long, default_value = "UTC", value_name = "ZONE")]
    time_zone: String,
    /// Submit nothing when any row is refused.
    #[arg(long)]
    strict: bool,
    /// Withdraw the logged reports of events the file no longer holds.
    #[arg(long)]
    withdraw_missing: bool,
    /// Map and plan, print what would be submitted, and submit nothing.
    #[arg(long)]
    dry_run: bool,
}

/// Entries sent in one request.
const BATCH: usize = 1000;

pub fn run(command: ImportCommand) -> Result<()> {
    match command {
        ImportCommand::Acled(args) => import(args, Dataset::Acled),
        ImportCommand::Ucdp(args) => import(args, Dataset::Ucdp),
    }
}

#[derive(Clone, Copy)]
enum Dataset {
    Acled,
    Ucdp,
}

impl Dataset {
    fn name(self) -> &'static str {
        match self {
            Dataset::Acled => "ACLED",
            Dataset::Ucdp => "UCDP",
        }
    }
}

fn import(args: ImportArgs, dataset: Dataset) -> Result<()> {
    let key = read_signing_key(&args.key)?;
    let time_zone = jiff::tz::TimeZone::get(&args.time_zone)
        .with_context(|| format!("--time-zone {:?} is not an IANA time zone", args.time_zone))?;
    let client = Client::new(&args.url);
    let source = source_of(&client, &key)?;
    let parties = agreement_parties(&client)?;
    let options = ImportOptions { time_zone, parties: Some(parties) };

    let mapped = read_rows(&args, dataset, &options)?;
    let mut summary = Summary::default();
    let mut rows = Vec::new();
    for row in mapped {
        match row.outcome {
            Outcome::Report { id, entry } => rows.push((row.line, id, entry)),
            Outcome::OutOfScope { class } => *summary.out_of_scope.entry(class).or_default() += 1,
            Outcome::Refused(problems) => {
                summary.refused += 1;
                for problem in problems {
                    eprintln!(
                        "{}:{}: {}: {}",
                        args.file.display(),
                        row.line,
                        problem.column,
                        problem.reason
                    );
                }
            }
        }
    }
    let logged = logged_reports(&client, &source)?;
    let withdrawal = format!("Withdrawn: the event is no longer in the {} export.", dataset.name());
    let plan = plan(logged, rows, args.withdraw_missing.then_some(withdrawal.as_str()));
    for (line, problem) in &plan.refused {
        eprintln!("{}:{line}: {}: {}", args.file.display(), problem.column, problem.reason);
    }
    summary.refused += plan.refused.len();
    summary.print(&plan, &source);

    if args.strict && summary.refused > 0 {
        return Err(CheckFailed(format!(
            "{} rows refused: nothing submitted (--strict)",
            summary.refused
        ))
        .into());
    }
    if args.dry_run {
        println!("dry run: nothing submitted");
    } else {
        submit(&client, &key, &plan, &args.file)?;
    }
    if summary.refused > 0 {
        return Err(CheckFailed(format!("{} rows refused", summary.refused)).into());
    }
    Ok(())
}

/// Maps every row of the file, with a progress bar over its bytes.
fn read_rows(args: &ImportArgs, dataset: Dataset, options: &ImportOptions) -> Result<Vec<Mapped>> {
    let file =
        File::open(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let progress = ProgressBar::new(size).with_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} read {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let input = progress.wrap_read(std::io::BufReader::with_capacity(1 << 20, file));
    let mapping_text = match &args.mapping {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        ),
        None => None,
    };
    let rows = match dataset {
        Dataset::Acled => {
            let mapping = match &mapping_text {
                Some(text) => AcledMapping::parse(text)?,
                None => AcledMapping::bundled(),
            };
            collect(acled::Reader::new(input, &mapping, options), &args.file)?
        }
        Dataset::Ucdp => {
            let mapping = match &mapping_text {
                Some(text) => UcdpMapping::parse(text)?,
                None => UcdpMapping::bundled(),
            };
            collect(ucdp::Reader::new(input, &mapping, options), &args.file)?
        }
    };
    progress.finish_and_clear();
    Ok(rows)
}

fn collect(
    reader: Result<impl Iterator<Item = Mapped>, truce_interop::FileError>,
    file: &Path,
) -> Result<Vec<Mapped>> {
    let reader = reader.map_err(|e| CheckFailed(format!("{}: {e}", file.display())))?;
    Ok(reader.collect())
}

/// The registered source whose key `key` is.
fn source_of(client: &Client, key: &SigningKey) -> Result<String> {
    let vkey = key.verifier_key().to_string();
    let sources = client.get_json("/v1/sources")?;
    let found = sources["sources"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["key"] == vkey.as_str() && s["active"] == true);
    match found.and_then(|s| s["source"].as_str()) {
        Some(source) => Ok(source.to_owned()),
        None => bail!(
            "the key {vkey} is not the key of an active source of this log: register the importing source first"
        ),
    }
}

/// The parties of every agreement in the log.
fn agreement_parties(client: &Client) -> Result<BTreeSet<String>> {
    let agreements = client.get_json("/v1/agreements")?;
    let mut parties = BTreeSet::new();
    for agreement in agreements["agreements"].as_array().into_iter().flatten() {
        for party in agreement["entry"]["parties"].as_array().into_iter().flatten() {
            if let Some(id) = party["id"].as_str() {
                parties.insert(id.to_owned());
            }
        }
    }
    Ok(parties)
}

/// The source's reports that no later report supersedes.
fn logged_reports(client: &Client, source: &str) -> Result<Vec<Logged>> {
    let mut logged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/v1/reports?source={source}&limit=1000");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let page = client.get_json(&path)?;
        for item in page["reports"].as_array().into_iter().flatten() {
            if item["superseded_by"].is_null()
                && let Some(index) = item["index"].as_u64()
            {
                logged.push(Logged { index, entry: item["entry"].clone() });
            }
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return Ok(logged),
        }
    }
}

#[derive(Default)]
struct Summary {
    out_of_scope: BTreeMap<String, usize>,
    refused: usize,
}

impl Summary {
    fn print(&self, plan: &Plan, source: &str) {
        println!(
            "as {source}: {} new, {} corrected, {} unchanged, {} withdrawn, {} gone from the file and left as logged, {} refused",
            plan.new, plan.corrected, plan.unchanged, plan.withdrawn, plan.missing, self.refused
        );
        for (class, count) in &self.out_of_scope {
            println!("skipped, out of a ceasefire's scope: {count} × {class}");
        }
    }
}

/// Signs and submits the plan's entries, a batch at a time.
fn submit(client: &Client, key: &SigningKey, plan: &Plan, file: &Path) -> Result<()> {
    let signed = sign_all(key, &plan.submissions)?;
    let progress = ProgressBar::new(signed.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} entries submitted {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let (mut logged, mut duplicates, mut refused) = (0, 0, 0);
    for (batch, lines) in signed.chunks(BATCH).zip(plan.submissions.chunks(BATCH)) {
        let results = client.submit(batch)?;
        for (result, (line, entry)) in results.iter().zip(lines) {
            if result["index"].is_u64() {
                logged += 1;
                duplicates += usize::from(result["duplicate"] == true);
            } else {
                refused += 1;
                let detail = result["problem"]["detail"].as_str().unwrap_or("refused");
                let what = if *line == 0 {
                    format!("withdrawal {}", entry["id"].as_str().unwrap_or_default())
                } else {
                    format!("{}:{line}", file.display())
                };
                progress.suspend(|| eprintln!("{what}: refused by the server: {detail}"));
            }
        }
        progress.inc(batch.len() as u64);
    }
    progress.finish_and_clear();
    println!(
        "submitted {logged} entries ({duplicates} already logged), {refused} refused by the server"
    );
    if refused > 0 {
        return Err(CheckFailed(format!("{refused} entries refused by the server")).into());
    }
    Ok(())
}

/// The entries signed, on every core: signing is most of an import's work.
fn sign_all(key: &SigningKey, entries: &[(u64, Value)]) -> Result<Vec<Vec<u8>>> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = entries.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = entries
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(line, value)| {
                            let entry = Entry::from_value(value)
                                .map_err(|p| anyhow::anyhow!("line {line}: {p}"))?;
                            Ok(SignedEntry::sign(&entry, &[key])?.into_bytes())
                        })
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        let mut signed = Vec::with_capacity(entries.len());
        for worker in workers {
            let part = worker.join().map_err(|_| anyhow::anyhow!("a signing thread panicked"))?;
            signed.extend(part?);
        }
        Ok(signed)
    })
}
