//! `truce log`: create, append to, prove and audit a C2SP tlog-tiles log.

use std::io::{BufRead as _, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand};
use truce_log::{
    BatchedDedup, Checkpoint, Sequencer, TileHashReader, TlogProof, VerifiedCheckpoint,
    inclusion_proof, verify_inclusion,
};
use truce_note::{SigningKey, UnverifiedNote, VerifierKey};
use truce_store::{DEDUP_BATCH, FsStorage, SqliteDedup, Unwritten};

use crate::CheckFailed;
use crate::audit::{self, AuditArgs};
use crate::io::{check_policy, read_policy};
use crate::io::{read_input, read_signing_key};

#[derive(Subcommand)]
pub enum LogCommand {
    /// Create an empty log in a directory, signed by the log's key.
    Init(InitArgs),
    /// Append entries and print their indices.
    ///
    /// Each FILE is one entry. With `-` (or no FILE), each line of standard
    /// input is one entry. An entry already in the log keeps its index and
    /// is not appended again.
    Append(AppendArgs),
    /// Print a proof (c2sp.org/tlog-proof@v1) that an entry is in the log.
    Proof(ProofArgs),
    /// Verify a tlog-proof for an entry.
    VerifyProof(VerifyProofArgs),
    /// Verify a whole C2SP tlog-tiles log from scratch.
    ///
    /// Checks the checkpoint's signature, every entry bundle against its
    /// level 0 tile, every tile of every level, and the root; with
    /// --from-checkpoint, that the log still holds the tree of that earlier
    /// checkpoint; with --entries, that every entry is a valid Truce entry
    /// admitted by the source registry that the log itself builds. Works on
    /// any tlog-tiles log, read from a directory or over HTTP. Exit 1 on the
    /// first problem, which it names.
    Audit(AuditArgs),
}

#[derive(Args)]
pub struct InitArgs {
    /// The directory of the log.
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// The log's origin, e.g. truce.example/log; by default the key name.
    #[arg(long)]
    origin: Option<String>,
    /// The log's private key file.
    #[arg(long, value_name = "KEYFILE")]
    key: PathBuf,
}

#[derive(Args)]
pub struct AppendArgs {
    /// The directory of the log.
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// The log's private key file.
    #[arg(long, value_name = "KEYFILE")]
    key: PathBuf,
    /// Entry files, or `-` for one entry per line of standard input.
    files: Vec<PathBuf>,
    /// How often, in milliseconds, the commits in the log's journal are
    /// written out as tiles and the checkpoint file that other readers
    /// of the directory see (always on exit).
    #[arg(long, value_name = "MS", default_value_t = truce_store::WRITE_OUT_INTERVAL.as_millis() as u64)]
    write_out_ms: u64,
}

#[derive(Args)]
pub struct ProofArgs {
    /// The directory of the log.
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// The index of the entry.
    #[arg(long)]
    index: u64,
    /// The tree size of the checkpoint to prove against; by default the
    /// latest.
    #[arg(long)]
    size: Option<u64>,
}

#[derive(Args)]
pub struct VerifyProofArgs {
    /// The log's verifier key.
    #[arg(long, value_name = "VKEY")]
    vkey: String,
    /// The log's origin; by default the key name.
    #[arg(long)]
    origin: Option<String>,
    /// The tlog-proof file.
    #[arg(long, value_name = "FILE")]
    proof: PathBuf,
    /// The entry the proof is for, byte for byte.
    #[arg(long, value_name = "FILE")]
    entry: PathBuf,
    /// A witness policy (C2SP tlog-policy): accept the log's checkpoint
    /// only if a quorum of these witnesses cosigned it.
    #[arg(long, value_name = "FILE")]
    witness_policy: Option<PathBuf>,
}

pub fn run(command: LogCommand) -> Result<()> {
    match command {
        LogCommand::Init(args) => init(args),
        LogCommand::Append(args) => append(args),
        LogCommand::Proof(args) => proof(args),
        LogCommand::VerifyProof(args) => verify_proof(args),
        LogCommand::Audit(args) => audit::run(args),
    }
}

/// The name of the dedup index inside a log directory.
const DEDUP: &str = ".dedup.sqlite";

/// Opens the log in `dir` for appending with `key`; its origin is the one
/// its checkpoint names, checked with the key.
pub fn open_sequencer(
    dir: &Path,
    key: SigningKey,
) -> Result<Sequencer<FsStorage, BatchedDedup<SqliteDedup>>> {
    open_sequencer_with(FsStorage::open_writer(dir)?, key)
}

fn open_sequencer_with(
    storage: FsStorage,
    key: SigningKey,
) -> Result<Sequencer<FsStorage, BatchedDedup<SqliteDedup>>> {
    let dir = storage.dir().to_owned();
    let origin = stored_checkpoint(&storage)?.origin().to_owned();
    let dedup = BatchedDedup::new(SqliteDedup::open(&dir.join(DEDUP))?, DEDUP_BATCH);
    Ok(Sequencer::open(storage, dedup, key, &origin)?)
}

/// The latest checkpoint of a log directory, parsed but not verified.
fn stored_checkpoint(storage: &FsStorage) -> Result<Checkpoint> {
    use truce_log::LogStorage as _;
    let bytes = storage
        .read_checkpoint()
        .map_err(anyhow::Error::from_boxed)?
        .with_context(|| format!("no log in {}: run `truce log init`", storage.dir().display()))?;
    let note = UnverifiedNote::parse(&bytes).context("the stored checkpoint")?;
    Ok(Checkpoint::parse(note.text_unverified())?)
}

fn init(args: InitArgs) -> Result<()> {
    let key = read_signing_key(&args.key)?;
    let origin = args.origin.unwrap_or_else(|| key.name().to_string());
    let storage = FsStorage::open_writer(&args.dir)?;
    let dedup = SqliteDedup::open(&args.dir.join(DEDUP))?;
    let log = Sequencer::create(storage, dedup, key, &origin)?;
    println!("created log {origin} in {}", args.dir.display());
    print!("{}", String::from_utf8_lossy(&log.checkpoint().to_bytes()));
    Ok(())
}

fn append(args: AppendArgs) -> Result<()> {
    let key = read_signing_key(&args.key)?;
    let from_stdin = args.files.is_empty() || args.files.iter().any(|f| f == Path::new("-"));
    if from_stdin && args.files.len() > 1 {
        bail!("give entry files or `-`, not both");
    }
    let interval = std::time::Duration::from_millis(args.write_out_ms);
    let storage = FsStorage::open_writer_with(&args.dir, Unwritten::new(), interval)?;
    let mut log = open_sequencer_with(storage, key)?;
    if !from_stdin {
        let entries = args.files.iter().map(|f| read_input(Some(f))).collect::<Result<Vec<_>>>()?;
        return print_logged(&log.append(&entries)?);
    }
    // Group commit from a stream: whatever lines have arrived while the
    // last batch was being committed make the next batch. Each index is
    // printed once its entry is durable and covered by a checkpoint.
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Result<Vec<u8>>>(BATCH_LIMIT);
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().split(b'\n') {
            let line = line.context("cannot read standard input");
            let stop = line.is_err();
            if matches!(&line, Ok(l) if l.is_empty()) {
                continue;
            }
            if sender.send(line).is_err() || stop {
                return;
            }
        }
    });
    while let Ok(first) = receiver.recv() {
        let mut batch = vec![first?];
        while batch.len() < BATCH_LIMIT {
            match receiver.try_recv() {
                Ok(line) => batch.push(line?),
                Err(_) => break,
            }
        }
        print_logged(&log.append(&batch)?)?;
    }
    Ok(())
}

/// The most entries `truce log append` commits at once from a stream.
const BATCH_LIMIT: usize = 4096;

fn print_logged(logged: &[truce_log::Logged]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    for entry in logged {
        if entry.duplicate {
            writeln!(out, "{} (already logged)", entry.index)?;
        } else {
            writeln!(out, "{}", entry.index)?;
        }
    }
    out.flush()?;
    Ok(())
}

fn proof(args: ProofArgs) -> Result<()> {
    use truce_log::LogStorage as _;
    let storage = FsStorage::open_reader(&args.dir);
    let latest = stored_checkpoint(&storage)?;
    let size = args.size.unwrap_or(latest.size());
    let checkpoint_bytes = if size == latest.size() {
        storage.read_checkpoint().map_err(anyhow::Error::from_boxed)?
    } else {
        storage.read_checkpoint_at(size).map_err(anyhow::Error::from_boxed)?
    };
    let checkpoint_bytes =
        checkpoint_bytes.with_context(|| format!("the log kept no checkpoint of size {size}"))?;
    let note = UnverifiedNote::parse(&checkpoint_bytes)?;
    let checkpoint = Checkpoint::parse(note.text_unverified())?;
    if args.index >= size {
        bail!("index {} is not in a tree of size {size}", args.index);
    }
    let reader = TileHashReader::new(size, truce_log::StorageTiles(&storage));
    let hashes = inclusion_proof(args.index, size, &reader)?;
    // A proof that does not verify against its own checkpoint would only
    // mislead: check before printing.
    let entry = truce_log::read_entry(&storage, args.index, size)?
        .with_context(|| format!("entry {} is missing", args.index))?;
    verify_inclusion(&truce_log::leaf_hash(&entry), args.index, size, &hashes, &checkpoint.root())
        .context("the stored tiles do not prove the entry")?;
    let proof = TlogProof::from_parts(args.index, hashes, checkpoint_bytes);
    std::io::stdout().write_all(&proof.to_bytes())?;
    Ok(())
}

fn verify_proof(args: VerifyProofArgs) -> Result<()> {
    let vkey: VerifierKey = args.vkey.parse().context("--vkey")?;
    let origin = args.origin.unwrap_or_else(|| vkey.name().to_string());
    let proof = std::fs::read(&args.proof)
        .with_context(|| format!("cannot read {}", args.proof.display()))?;
    let entry = std::fs::read(&args.entry)
        .with_context(|| format!("cannot read {}", args.entry.display()))?;
    let proof = TlogProof::parse(&proof).map_err(|e| CheckFailed(format!("refused: {e}")))?;
    let checkpoint: VerifiedCheckpoint =
        proof.verify(&entry, &vkey, &origin).map_err(|e| CheckFailed(format!("refused: {e}")))?;
    if let Some(policy) = read_policy(args.witness_policy.as_deref())? {
        let witnesses = check_policy(&policy, proof.checkpoint_bytes(), &origin)?;
        println!("the checkpoint is cosigned by {}", witnesses.join(", "));
    }
    println!(
        "entry {} is in {origin} at tree size {} (root {})",
        proof.index(),
        checkpoint.size(),
        checkpoint.root()
    );
    Ok(())
}
