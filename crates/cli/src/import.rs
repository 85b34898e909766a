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
use truce_interop::sync::{Decision, Logged, Planner, withdrawal};
use truce_interop::{
    AcledMapping, ImportOptions, Mapped, Outcome, RowProblem, UcdpMapping, acled, ucdp,
};
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
    #[arg(long, value_name = "URL", required_unless_present = "dir", conflicts_with = "dir")]
    url: Option<String>,
    /// Or a server's data directory, while no server runs on it: the
    /// entries are admitted, sequenced and indexed by a server run inside
    /// this command.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
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
    let (args, dataset) = match command {
        ImportCommand::Acled(args) => (args, Dataset::Acled),
        ImportCommand::Ucdp(args) => (args, Dataset::Ucdp),
    };
    match (&args.url, &args.dir) {
        (Some(url), _) => import(&args, dataset, url),
        (None, Some(dir)) => {
            let server = crate::server::LocalServer::start(dir.clone())?;
            let imported = import(&args, dataset, &server.url);
            let stopped = server.stop();
            imported.and(stopped)
        }
        (None, None) => anyhow::bail!("give --url or --dir"),
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

fn import(args: &ImportArgs, dataset: Dataset, url: &str) -> Result<()> {
    let key = read_signing_key(&args.key)?;
    let time_zone = jiff::tz::TimeZone::get(&args.time_zone)
        .with_context(|| format!("--time-zone {:?} is not an IANA time zone", args.time_zone))?;
    let mapping = Mapping::read(dataset, args.mapping.as_deref())?;
    let client = Client::new(url)?;
    let source = source_of(&client, &key)?;
    let parties = agreement_parties(&client)?;
    let options = ImportOptions { time_zone, parties: Some(parties) };

    if args.strict {
        check_every_row(&args.file, &mapping, &options)?;
    }

    let mut planner = Planner::new(logged_reports(&client, &source)?);
    let mut summary = Summary::default();
    let mut sender = Sender::new(&client, &key, args.dry_run);
    for_each_row(&args.file, &mapping, &options, |row| {
        let (id, entry) = match row.outcome {
            Outcome::Report { id, entry } => (id, entry),
            Outcome::OutOfScope { class } => {
                *summary.out_of_scope.entry(class).or_default() += 1;
                return Ok(());
            }
            Outcome::Refused(problems) => {
                summary.refused += report_refusal(&args.file, row.line, &problems);
                return Ok(());
            }
        };
        match planner.row(row.line, &id, entry) {
            Decision::New(entry) => {
                summary.new += 1;
                sender.push(format!("{}:{}", args.file.display(), row.line), entry)?;
            }
            Decision::Correct(entry) => {
                summary.corrected += 1;
                sender.push(format!("{}:{}", args.file.display(), row.line), entry)?;
            }
            Decision::Unchanged => summary.unchanged += 1,
            Decision::Refused(problem) => {
                summary.refused += report_refusal(&args.file, row.line, &[problem]);
            }
        }
        Ok(())
    })?;
    let reason = format!("Withdrawn: the event is no longer in the {} export.", dataset.name());
    let missing: Vec<(String, Value)> = planner
        .missing()
        .map(|logged| (format!("withdrawal of {}", logged.id), withdrawal(logged, &reason)))
        .collect();
    if args.withdraw_missing {
        summary.withdrawn = missing.len();
        for (what, entry) in missing {
            sender.push(what, entry)?;
        }
    } else {
        summary.missing = missing.len();
    }
    let sent = sender.finish()?;
    summary.print(&source);
    match &sent {
        None => println!("dry run: nothing submitted"),
        Some(sent) => println!(
            "submitted {} entries ({} already logged), {} refused by the server",
            sent.logged, sent.duplicates, sent.refused
        ),
    }
    let refused_by_server = sent.map_or(0, |s| s.refused);
    if summary.refused > 0 || refused_by_server > 0 {
        return Err(CheckFailed(format!(
            "{} rows refused, {refused_by_server} entries refused by the server",
            summary.refused
        ))
        .into());
    }
    Ok(())
}

/// The first pass of a `--strict` import: it submits nothing, and one bad
/// row (or one event given twice) stops the whole file.
fn check_every_row(file: &Path, mapping: &Mapping, options: &ImportOptions) -> Result<()> {
    let mut events = std::collections::HashSet::new();
    let mut refused = 0;
    for_each_row(file, mapping, options, |row| {
        let problems = match row.outcome {
            Outcome::Refused(problems) => problems,
            Outcome::Report { id, .. } if !events.insert(id.clone()) => {
                vec![RowProblem::new("(row)", "repeats an earlier event")]
            }
            _ => return Ok(()),
        };
        refused += report_refusal(file, row.line, &problems);
        Ok(())
    })?;
    if refused > 0 {
        return Err(
            CheckFailed(format!("{refused} rows refused: nothing submitted (--strict)")).into()
        );
    }
    Ok(())
}

/// Prints a row's problems; returns 1, the row refused.
fn report_refusal(file: &Path, line: u64, problems: &[RowProblem]) -> usize {
    for problem in problems {
        eprintln!("{}:{line}: {}: {}", file.display(), problem.column, problem.reason);
    }
    1
}

/// A dataset's mapping table.
enum Mapping {
    Acled(AcledMapping),
    Ucdp(UcdpMapping),
}

impl Mapping {
    fn read(dataset: Dataset, path: Option<&Path>) -> Result<Mapping> {
        let text = match path {
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?,
            ),
            None => None,
        };
        Ok(match (dataset, text) {
            (Dataset::Acled, Some(text)) => Mapping::Acled(AcledMapping::parse(&text)?),
            (Dataset::Acled, None) => Mapping::Acled(AcledMapping::bundled()),
            (Dataset::Ucdp, Some(text)) => Mapping::Ucdp(UcdpMapping::parse(&text)?),
            (Dataset::Ucdp, None) => Mapping::Ucdp(UcdpMapping::bundled()),
        })
    }
}

/// Maps every row of `file` and hands it to `each`, with a progress bar
/// over the file's bytes: the rows stream, whatever the file's size.
fn for_each_row(
    file: &Path,
    mapping: &Mapping,
    options: &ImportOptions,
    mut each: impl FnMut(Mapped) -> Result<()>,
) -> Result<()> {
    let input = File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let size = input.metadata().map(|m| m.len()).unwrap_or(0);
    let progress = ProgressBar::new(size).with_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let input = progress.wrap_read(std::io::BufReader::with_capacity(1 << 20, input));
    let refuse = |e: truce_interop::FileError| CheckFailed(format!("{}: {e}", file.display()));
    match mapping {
        Mapping::Acled(mapping) => {
            acled::Reader::new(input, mapping, options).map_err(refuse)?.try_for_each(&mut each)?;
        }
        Mapping::Ucdp(mapping) => {
            ucdp::Reader::new(input, mapping, options).map_err(refuse)?.try_for_each(&mut each)?;
        }
    }
    progress.finish_and_clear();
    Ok(())
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
                logged.extend(Logged::new(index, &item["entry"]));
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
    new: usize,
    corrected: usize,
    unchanged: usize,
    withdrawn: usize,
    missing: usize,
    out_of_scope: BTreeMap<String, usize>,
    refused: usize,
}

impl Summary {
    fn print(&self, source: &str) {
        println!(
            "as {source}: {} new, {} corrected, {} unchanged, {} withdrawn, {} gone from the file and left as logged, {} refused",
            self.new, self.corrected, self.unchanged, self.withdrawn, self.missing, self.refused
        );
        for (class, count) in &self.out_of_scope {
            println!("skipped, out of a ceasefire's scope: {count} × {class}");
        }
    }
}

/// What the server answered.
#[derive(Default)]
struct Sent {
    logged: usize,
    duplicates: usize,
    refused: usize,
}

/// Signs and submits entries as they come, 8,000 at a time: while one lot
/// is with the server (its batches of 1,000 in parallel, one connection
/// each), the next is mapped and signed.
struct Sender<'a> {
    client: &'a Client,
    key: &'a SigningKey,
    dry_run: bool,
    pending: Vec<(String, Value)>,
    /// The lot with the server.
    in_flight: Option<InFlight>,
    sent: Sent,
    progress: ProgressBar,
}

/// A lot of entries with the server: the thread of its requests, which
/// answers each batch's results, and what names each entry.
struct InFlight {
    requests: std::thread::JoinHandle<Vec<Result<Vec<Value>>>>,
    whats: Vec<String>,
}

/// Entries signed together (on every core) and sent together.
const SIGN_AT_ONCE: usize = 8 * BATCH;

impl<'a> Sender<'a> {
    fn new(client: &'a Client, key: &'a SigningKey, dry_run: bool) -> Sender<'a> {
        let progress = ProgressBar::no_length().with_style(
            ProgressStyle::with_template("{pos} entries submitted ({per_sec}) {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        Sender {
            client,
            key,
            dry_run,
            pending: Vec::new(),
            in_flight: None,
            sent: Sent::default(),
            progress,
        }
    }

    /// Queues `entry`; `what` names it in a refusal.
    fn push(&mut self, what: String, entry: Value) -> Result<()> {
        self.pending.push((what, entry));
        if self.pending.len() >= SIGN_AT_ONCE {
            self.flush()?;
        }
        Ok(())
    }

    /// Signs what is pending and sends it, once the lot before it is
    /// answered.
    fn flush(&mut self) -> Result<()> {
        let pending = std::mem::take(&mut self.pending);
        if self.dry_run || pending.is_empty() {
            return Ok(());
        }
        let signed = sign_all(self.key, &pending)?;
        self.settle()?;
        let client = self.client.clone();
        let requests = std::thread::spawn(move || {
            std::thread::scope(|scope| {
                let requests: Vec<_> = signed
                    .chunks(BATCH)
                    .map(|batch| {
                        let client = &client;
                        scope.spawn(move || client.submit(batch))
                    })
                    .collect();
                requests
                    .into_iter()
                    .map(|r| {
                        r.join().unwrap_or_else(|_| Err(anyhow::anyhow!("a request panicked")))
                    })
                    .collect()
            })
        });
        let whats = pending.into_iter().map(|(what, _)| what).collect();
        self.in_flight = Some(InFlight { requests, whats });
        Ok(())
    }

    /// Waits for the lot with the server and counts its answers.
    fn settle(&mut self) -> Result<()> {
        let Some(InFlight { requests, whats }) = self.in_flight.take() else {
            return Ok(());
        };
        let answers =
            requests.join().map_err(|_| anyhow::anyhow!("the submitting thread panicked"))?;
        for (results, whats) in answers.into_iter().zip(whats.chunks(BATCH)) {
            for (result, what) in results?.iter().zip(whats) {
                if result["index"].is_u64() {
                    self.sent.logged += 1;
                    self.sent.duplicates += usize::from(result["duplicate"] == true);
                } else {
                    self.sent.refused += 1;
                    let detail = result["problem"]["detail"].as_str().unwrap_or("refused");
                    self.progress.suspend(|| eprintln!("{what}: refused by the server: {detail}"));
                }
            }
            self.progress.inc(whats.len() as u64);
        }
        Ok(())
    }

    /// Sends what is left and waits for every answer; `None` for a dry run.
    fn finish(mut self) -> Result<Option<Sent>> {
        self.flush()?;
        self.settle()?;
        self.progress.finish_and_clear();
        Ok((!self.dry_run).then_some(self.sent))
    }
}

/// The entries signed, on every core: signing is most of an import's work.
fn sign_all(key: &SigningKey, entries: &[(String, Value)]) -> Result<Vec<Vec<u8>>> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = entries.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = entries
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(what, value)| {
                            let entry = Entry::from_value(value)
                                .map_err(|p| anyhow::anyhow!("{what}: {p}"))?;
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
