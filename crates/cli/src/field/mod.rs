//! `truce field`: sign entries and log evidence where there is no
//! network, into a local outbox that syncs when a connection appears.
//!
//! Each entry is signed when it is added, so its signature dates from the
//! capture, and chained: its `follows` member (reports and evidence; the
//! outbox's own record for the other types) is the SHA-256 of the note
//! added before it, which fixes the order the device signed in even
//! though the log sees the entries later. `sync` sends what the log does
//! not hold yet, records an entry as logged only once its inclusion proof
//! verified against the log's pinned key, and then uploads the evidence
//! files. Every step is idempotent: a sync cut at any point (a lost
//! connection, a killed process) is finished by the next one, and the log
//! holds each entry once (the server answers a resent entry with its
//! first index).
//!
//! `outbox.rs` lays out the directory, `durable.rs` writes its files so a
//! crash loses nothing acknowledged, `sync.rs` talks to the log.

mod durable;
mod outbox;
mod sync;

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand};
use truce_entry::{Entry, Problems, Sha256Hex, SignedEntry};
use truce_note::{Signer, UnverifiedNote, VerifierKey};

use self::outbox::{EvidenceFile, Item, Outbox, Record, Staged, file_name, sha256};
use crate::CheckFailed;
use crate::evidence::evidence_entry;
use crate::io::open_entry_signer;

#[derive(Subcommand)]
pub enum FieldCommand {
    /// Make an outbox: a directory that holds signed entries until they
    /// are logged. Records where the signer's key is (never the key) and
    /// the log's URL.
    Init(InitArgs),
    /// Sign JSON entries now and append them to the outbox, each one
    /// chained to the one before (`follows`). All or nothing: if one file
    /// is not a valid entry, none is added.
    Add(AddArgs),
    /// Hash files, sign their truce.evidence/v1 entries now and append
    /// them to the outbox; the bytes stay where they are until a sync
    /// uploads them (and refuses a file changed since).
    Evidence(EvidenceArgs),
    /// Send the outbox's entries to the log in the order they were signed,
    /// check each inclusion proof, then upload the evidence files. Resumes
    /// where an interrupted sync stopped. Exit 1 if an entry is refused.
    Sync(sync::SyncArgs),
    /// Count the entries waiting, logged, uploaded and refused, and check
    /// the outbox's chain of entries. Exit 1 if it is broken.
    Status(StatusArgs),
}

#[derive(Args)]
pub struct InitArgs {
    /// The outbox's directory: new, or empty.
    #[arg(long, value_name = "DIR")]
    outbox: PathBuf,
    /// The key to sign with: a key file, env:NAME, or a PKCS#11 URI whose
    /// object label is the key's name (with pin-source, not pin-value).
    #[arg(long, value_name = "KEY")]
    key: String,
    /// The log's server, for `sync` without --url.
    #[arg(long, value_name = "URL")]
    url: Option<String>,
}

#[derive(Args)]
pub struct AddArgs {
    /// The outbox.
    #[arg(long, value_name = "DIR")]
    outbox: PathBuf,
    /// JSON entries to sign (a truce.report/v1, truce.coverage/v1, ...),
    /// in the order they are chained.
    #[arg(required = true, value_name = "FILE.json")]
    files: Vec<PathBuf>,
}

#[derive(Args)]
pub struct EvidenceArgs {
    /// The outbox.
    #[arg(long, value_name = "DIR")]
    outbox: PathBuf,
    #[command(flatten)]
    claims: crate::evidence::ClaimArgs,
    /// The files. They must stay where they are, unchanged, until synced.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

#[derive(Args)]
pub struct StatusArgs {
    /// The outbox.
    #[arg(long, value_name = "DIR")]
    outbox: PathBuf,
}

pub fn run(command: FieldCommand) -> Result<()> {
    match command {
        FieldCommand::Init(args) => init(args),
        FieldCommand::Add(args) => add(args),
        FieldCommand::Evidence(args) => evidence(args),
        FieldCommand::Sync(args) => sync::run(args),
        FieldCommand::Status(args) => status(args),
    }
}

fn init(args: InitArgs) -> Result<()> {
    // The outbox outlives the shell it was made in: a key file is found
    // by its absolute path.
    let key = if args.key.starts_with("env:") || args.key.starts_with("pkcs11:") {
        if args.key.contains("pin-value=") {
            bail!(
                "--key: the URI holds the PIN (pin-value), which the outbox would record; \
                 give pin-source=env:NAME or pin-source=file:PATH instead"
            );
        }
        args.key.clone()
    } else {
        std::path::absolute(&args.key)
            .with_context(|| format!("--key {}", args.key))?
            .to_string_lossy()
            .into_owned()
    };
    // Opened now, so that a wrong key source is found before the first
    // capture, not at it.
    let signer = open_entry_signer(&key).context("--key")?.verifier_key();
    Outbox::create(&args.outbox, key, signer.to_string(), args.url)?;
    println!("{}: an outbox for entries signed by {signer}", args.outbox.display());
    Ok(())
}

/// The outbox's signer, checked against the key it recorded.
fn open_signer(outbox: &Outbox) -> Result<Box<dyn Signer>> {
    let key = open_entry_signer(&outbox.config.key)
        .with_context(|| format!("the outbox's key {}", outbox.config.key))?;
    if key.verifier_key().to_string() != outbox.config.signer {
        bail!(
            "the key at {} is {}, but the outbox's entries are signed by {}",
            outbox.config.key,
            key.verifier_key(),
            outbox.config.signer
        );
    }
    Ok(key)
}

/// The `follows` member of an entry, for the types that have one.
fn follows_of(entry: &mut Entry) -> Option<&mut Option<Sha256Hex>> {
    match entry {
        Entry::Report(report) => Some(&mut report.follows),
        Entry::Evidence(evidence) => Some(&mut evidence.follows),
        _ => None,
    }
}

/// How `head` (the SHA-256 of the note before) reads in a message.
fn describe_head(head: Option<Sha256Hex>) -> String {
    match head {
        Some(head) => format!("the outbox's last entry is {head}"),
        None => "this is the outbox's first entry, which follows nothing".to_owned(),
    }
}

/// Every problem of an entry, a line each, named by file and pointer.
fn problems_in(file: &Path, problems: &Problems) -> String {
    let lines: Vec<String> =
        problems.iter().map(|problem| format!("{}: {problem}", file.display())).collect();
    lines.join("\n")
}

/// Reads, chains and signs the JSON entry in `file`, which follows `head`.
fn sign_entry(file: &Path, head: Option<Sha256Hex>, key: &dyn Signer) -> Result<Staged, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("{}: cannot read: {e}", file.display()))?;
    if UnverifiedNote::parse(&bytes).is_ok() {
        return Err(format!(
            "{}: is a signed entry; `truce field add` takes JSON entries and signs them itself, \
             so that they chain",
            file.display()
        ));
    }
    let mut entry = Entry::parse(&bytes).map_err(|problems| problems_in(file, &problems))?;
    if let Some(follows) = follows_of(&mut entry) {
        match *follows {
            Some(given) if Some(given) != head => {
                return Err(format!(
                    "{}: /follows: is {given}, but {}",
                    file.display(),
                    describe_head(head)
                ));
            }
            _ => *follows = head,
        }
    }
    let note = SignedEntry::sign(&entry, &[key])
        .map_err(|e| format!("{}: {e}", file.display()))?
        .into_bytes();
    let record = Record {
        entry_type: entry.entry_type().as_str().to_owned(),
        sha256: sha256(&note).to_string(),
        follows: head.map(|h| h.to_string()),
        from: std::path::absolute(file).unwrap_or_else(|_| file.to_owned()),
        signed_at: jiff::Timestamp::now().to_string(),
        evidence: None,
    };
    Ok(Staged { note, record })
}

/// The outbox, locked for appending, its entries, and the SHA-256 of the
/// last one; what an interrupted `add` left is removed first.
fn open_for_append(dir: &Path) -> Result<(Outbox, std::fs::File, Vec<Item>)> {
    let outbox = Outbox::open(dir)?;
    let lock = outbox.lock_append()?;
    let (items, debris) = outbox.read()?;
    outbox.clear(&debris)?;
    Ok((outbox, lock, items))
}

/// Appends `staged` after `items` and says what was added.
fn append(outbox: &Outbox, items: &[Item], staged: &[Staged]) -> Result<()> {
    let first = items.len() as u64 + 1;
    outbox.append(first, staged)?;
    for (number, entry) in (first..).zip(staged) {
        println!(
            "{}: entry {} ({}), {}",
            entry.record.from.display(),
            file_name(number, "note"),
            entry.record.entry_type,
            entry.record.sha256
        );
    }
    Ok(())
}

fn add(args: AddArgs) -> Result<()> {
    let (outbox, _lock, items) = open_for_append(&args.outbox)?;
    let key = open_signer(&outbox)?;
    let mut head = items.last().map(|item| sha256(&item.note));
    let mut staged = Vec::with_capacity(args.files.len());
    let mut problems = Vec::new();
    for file in &args.files {
        match sign_entry(file, head, key.as_ref()) {
            Ok(entry) => {
                head = Some(sha256(&entry.note));
                staged.push(entry);
            }
            Err(problem) => problems.push(problem),
        }
    }
    if !problems.is_empty() {
        return Err(CheckFailed(format!(
            "{}\nnothing was added to {}",
            problems.join("\n"),
            outbox.dir().display()
        ))
        .into());
    }
    append(&outbox, &items, &staged)
}

fn evidence(args: EvidenceArgs) -> Result<()> {
    let (outbox, _lock, items) = open_for_append(&args.outbox)?;
    let key = open_signer(&outbox)?;
    let mut claims = args.claims.claims(items.last().map(|item| sha256(&item.note)))?;
    let mut staged = Vec::with_capacity(args.files.len());
    for file in &args.files {
        let path = std::path::absolute(file)
            .with_context(|| format!("{}: cannot tell its absolute path", file.display()))?;
        let (entry, digest) = evidence_entry(&path, &claims, None)?;
        let note = crate::evidence::sign(&entry, key.as_ref())
            .with_context(|| format!("signing the entry of {}", file.display()))?;
        let record = Record {
            entry_type: "truce.evidence/v1".to_owned(),
            sha256: sha256(&note).to_string(),
            follows: claims.follows.map(|h| h.to_string()),
            from: path.clone(),
            signed_at: jiff::Timestamp::now().to_string(),
            evidence: Some(EvidenceFile { path, sha256: digest.to_string(), size: entry.size.0 }),
        };
        claims.follows = Some(sha256(&note));
        staged.push(Staged { note, record });
    }
    append(&outbox, &items, &staged)
}

/// What the outbox's entries are waiting for.
#[derive(Default)]
struct Counts {
    waiting: usize,
    logged: usize,
    refused: usize,
    evidence: usize,
    uploaded: usize,
}

fn count(items: &[Item]) -> Counts {
    let mut counts = Counts::default();
    for item in items {
        match (&item.logged, &item.refused) {
            (Some(_), _) => counts.logged += 1,
            (None, Some(_)) => counts.refused += 1,
            (None, None) => counts.waiting += 1,
        }
        if item.record.evidence.is_some() {
            counts.evidence += 1;
            counts.uploaded += usize::from(item.uploaded.is_some());
        }
    }
    counts
}

/// The breaks in the outbox's chain: each note must be signed by the
/// outbox's key and follow the note before it, in its record and, for
/// the types that have one, in its `follows` member.
fn check_chain(items: &[Item], signer: &VerifierKey) -> Vec<String> {
    let mut problems = Vec::new();
    let mut previous: Option<Sha256Hex> = None;
    for item in items {
        let name = file_name(item.number, "note");
        let digest = sha256(&item.note);
        if item.record.sha256 != digest.to_string() {
            problems.push(format!(
                "{name}: its SHA-256 is {digest}, but its record says {}",
                item.record.sha256
            ));
        }
        let expected = previous.map(|p| p.to_string());
        if item.record.follows != expected {
            problems.push(format!(
                "{name}: its record says it follows {}, but {}",
                item.record.follows.as_deref().unwrap_or("nothing"),
                describe_before(previous)
            ));
        }
        match SignedEntry::open(&item.note, signer) {
            Ok(signed) => {
                let mut entry = signed.entry().clone();
                if let Some(follows) = follows_of(&mut entry)
                    && *follows != previous
                {
                    problems.push(format!(
                        "{name}: /follows is {}, but {}",
                        follows.map_or_else(|| "absent".to_owned(), |f| f.to_string()),
                        describe_before(previous)
                    ));
                }
            }
            Err(e) => problems.push(format!("{name}: {e}")),
        }
        previous = Some(digest);
    }
    problems
}

fn describe_before(previous: Option<Sha256Hex>) -> String {
    match previous {
        Some(previous) => format!("the note before it is {previous}"),
        None => "it is the first".to_owned(),
    }
}

fn status(args: StatusArgs) -> Result<()> {
    let outbox = Outbox::open(&args.outbox)?;
    let (items, debris) = {
        let _lock = outbox.lock_append()?;
        outbox.read()?
    };
    let counts = count(&items);
    println!("entries: {}", items.len());
    println!("waiting: {}", counts.waiting);
    println!("logged: {}", counts.logged);
    println!("refused: {}", counts.refused);
    println!("evidence files: {}", counts.evidence);
    println!("uploaded: {}", counts.uploaded);
    println!("signer: {}", outbox.config.signer);
    if let Some(vkey) = &outbox.config.log_vkey {
        println!("log key: {vkey}");
    }
    for item in &items {
        if let (None, Some(refused)) = (&item.logged, &item.refused) {
            println!("{}: refused: {}", file_name(item.number, "note"), refused.detail);
        }
    }
    if !debris.is_empty() {
        println!("{} file(s) of an interrupted add, removed by the next add", debris.len());
    }
    let signer: VerifierKey = outbox.config.signer.parse().context("the outbox's signer key")?;
    let problems = check_chain(&items, &signer);
    if !problems.is_empty() {
        return Err(CheckFailed(format!("chain: broken\n{}", problems.join("\n"))).into());
    }
    match items.last() {
        Some(last) => println!("chain: intact, head {}", last.record.sha256),
        None => println!("chain: empty"),
    }
    Ok(())
}
