//! `truce mirror`: follow a remote C2SP tlog-tiles log into a directory,
//! verifying everything before storing it.
//!
//! The directory is a server's data directory: the log in `DIR/log`, in
//! the server's own layout ([`FsStorage`]: the tlog-tiles paths,
//! `checkpoints/<size>`, a lock file), so `truce log audit --dir DIR/log`,
//! `truce report --log DIR/log` and any static web server read it as they
//! read the original, and, once `truce reindex --data DIR` built its query
//! index from the verified checkpoint, `truce serve --read-only --data DIR`
//! serves it. Beside the log it keeps:
//!
//! ```text
//! DIR/keys/log.vkey                 the log's verifier key (given, or trusted
//!                                   on first use), where a server's data
//!                                   directory keeps it
//! DIR/keys/transitions/<size>       the rotations of the log's key followed
//!                                   since: each transition checkpoint, signed
//!                                   by the key before it and the key it names
//! DIR/evidence/<time>-<reason>.txt  why a checkpoint was refused, with both
//!                                   checkpoints verbatim
//! ```
//!
//! One round, from the checkpoint the directory holds (size `m`) to the one
//! the log serves (size `n`); nothing is written before step 4:
//!
//! 1. The new checkpoint's signature, with the log's key, and the witness
//!    quorum if a policy is given.
//! 2. Consistency: an RFC 6962 consistency proof from `m` to `n`, computed
//!    from the log's tiles and verified against both roots. If it fails,
//!    the same tiles tell a fork (they verify against the new checkpoint
//!    and give another root at `m`: the proof is the evidence) from tiles
//!    that do not match the checkpoint (tampered).
//! 3. The frame: every new tile above level 0, and the new partial tiles,
//!    authenticated top-down against the new root (partial tiles by the
//!    root they give, each full tile by the hash of it in the tile above).
//! 4. The entry bundles and level-0 tiles, streamed in order: each level-0
//!    tile against the authenticated hash above it, each entry against its
//!    tile, and only then buffered for storage. A long round writes what it
//!    verified in batches beyond the published checkpoint, as the
//!    sequencer does (no reader asks for those paths).
//! 5. [`LogStorage::commit`]: the remaining objects, then the checkpoint.
//!    *A crash before it:* the directory still holds the last good
//!    checkpoint; the next run starts from it, and takes the objects
//!    already written, once they verify again, instead of fetching them.
//!
//! On start the directory's own checkpoint is verified, and the right edge
//! of its tree (the partial tiles the next round builds on) and its last
//! bundle are checked against it: O(log n) tiles. `truce log audit --dir`
//! checks every entry.
//!
mod evidence;
mod round;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use clap::Args;
use truce_log::{
    LogKeys, LogStorage as _, Policy, StorageTiles, TileHashReader, TilePath, VerifiedCheckpoint,
};
use truce_note::VerifierKey;
use truce_server::DataDir;
use truce_store::FsStorage;

use crate::CheckFailed;
use crate::fetch::{Source, source_of};
use crate::io::read_policy;
use crate::submit::Client;

use self::round::{Outcome, RoundError};

#[derive(Args)]
pub struct MirrorArgs {
    /// The log to follow: its URL prefix, where /checkpoint and /tile/ are
    /// (a directory works too).
    #[arg(long, value_name = "URL")]
    from: String,
    /// The mirror: the log in the tlog-tiles layout, its key, and evidence
    /// of any refusal. Created if missing; a later run resumes from it.
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// The log's verifier key. Default: the key DIR was mirrored with; on
    /// the first run, the one the server states (trust on first use).
    #[arg(long, value_name = "VKEY")]
    vkey: Option<String>,
    /// A witness policy (C2SP tlog-policy): accept a checkpoint only if a
    /// quorum of these witnesses cosigned it.
    #[arg(long, value_name = "FILE")]
    witness_policy: Option<PathBuf>,
    /// Mirror up to the current checkpoint and exit.
    #[arg(long)]
    once: bool,
    /// Otherwise, look for a new checkpoint every SECS seconds, until
    /// killed.
    #[arg(long, value_name = "SECS", default_value_t = 5, conflicts_with = "once")]
    interval: u64,
}

pub fn run(args: MirrorArgs) -> Result<()> {
    let mut mirror = Mirror::open(&args)?;
    let interval = Duration::from_secs(args.interval.max(1));
    loop {
        let started = Instant::now();
        match mirror.round() {
            Ok(outcome) => mirror.say(&outcome, started.elapsed(), args.once),
            Err(RoundError::Refused(refusal)) => return Err(mirror.refuse(&refusal)),
            // Following a log, a server that is down or a checkpoint not
            // yet cosigned is a reason to look again, not to stop.
            Err(RoundError::Failed(error)) if !args.once => {
                eprintln!("truce: {error:#}; trying again in {}s", interval.as_secs())
            }
            Err(RoundError::Failed(error)) => return Err(error),
        }
        if args.once {
            return Ok(());
        }
        std::thread::sleep(interval);
    }
}

/// A mirror directory, open for writing (its lock held), and the log it
/// follows.
struct Mirror {
    /// The mirror's directory: a data directory.
    root: PathBuf,
    storage: FsStorage,
    from: String,
    source: Box<dyn Source>,
    /// The key first trusted, and the transitions followed since.
    keys: LogKeys,
    origin: String,
    policy: Option<Policy>,
    /// The checkpoint the directory holds, verified, and its bytes.
    last: Option<Mirrored>,
}

#[derive(Clone)]
struct Mirrored {
    checkpoint: VerifiedCheckpoint,
    bytes: Vec<u8>,
}

impl Mirror {
    fn open(args: &MirrorArgs) -> Result<Mirror> {
        let log_dir = DataDir::new(&args.dir).log();
        let storage = FsStorage::open_writer(&log_dir)
            .with_context(|| format!("cannot open {} for mirroring", log_dir.display()))?;
        let source = source_of(&args.from)?;
        let policy = read_policy(args.witness_policy.as_deref())?;
        let vkey = log_key(args, policy.as_ref())?;
        let origin = vkey.name().as_str().to_owned();
        // The key first trusted (kept in the directory by log_key), and
        // the rotations followed since.
        let keys = DataDir::new(&args.dir).log_keys(&origin)?;
        let last = verify_local(&storage, &keys)?;
        Ok(Mirror {
            root: args.dir.clone(),
            storage,
            from: args.from.clone(),
            source,
            keys,
            origin,
            policy,
            last,
        })
    }

    /// The log's directory, `DIR/log`.
    fn dir(&self) -> &Path {
        self.storage.dir()
    }

    fn say(&self, outcome: &Outcome, elapsed: Duration, once: bool) {
        let dir = self.root.display();
        match *outcome {
            Outcome::UpToDate(size) if once => println!("{dir} is up to date: {size} entries"),
            Outcome::UpToDate(_) => {}
            Outcome::Older { served, held } => eprintln!(
                "truce: the log serves an older checkpoint (size {served}), consistent with the \
                 {held} entries {dir} holds; nothing to do"
            ),
            Outcome::Recosigned(size) => {
                println!("stored the log's checkpoint of size {size} with its new cosignatures")
            }
            Outcome::Advanced { from, to, reused } => {
                let seconds = elapsed.as_secs_f64();
                let rate = (to - from) as f64 / seconds.max(1e-3);
                println!(
                    "mirrored {} entries: {dir} holds {to} entries, in {seconds:.2}s ({rate:.0} entries/s)",
                    to - from
                );
                if reused > 0 {
                    eprintln!(
                        "truce: {reused} of them were in {dir} already, left by an interrupted \
                         round: verified again, not fetched"
                    );
                }
            }
        }
    }

    /// Records the evidence of a refusal and the failed check to exit with.
    fn refuse(&self, refusal: &round::Refusal) -> anyhow::Error {
        let last = self.last.as_ref().map(|l| l.bytes.as_slice());
        let message = format!(
            "mirror refused the log's checkpoint: {}: {}",
            refusal.reason.as_str(),
            refusal.detail
        );
        match evidence::write(self, refusal, last) {
            Ok(path) => CheckFailed(format!("{message}\nevidence: {}", path.display())).into(),
            Err(e) => {
                CheckFailed(format!("{message}\n(the evidence could not be written: {e:#})")).into()
            }
        }
    }
}

/// The log's key: `--vkey`, the key the directory was mirrored with, the
/// one log key of the witness policy, or the key the server states, trusted
/// on first use. Stored in the directory for the next runs.
fn log_key(args: &MirrorArgs, policy: Option<&Policy>) -> Result<VerifierKey> {
    let path = DataDir::new(&args.dir).log_vkey();
    let stored = match std::fs::read_to_string(&path) {
        Ok(text) => Some(
            text.trim()
                .parse::<VerifierKey>()
                .with_context(|| format!("{}: not a verifier key", path.display()))?,
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let given =
        args.vkey.as_deref().map(str::parse::<VerifierKey>).transpose().context("--vkey")?;
    let key = match (given, stored) {
        (Some(given), Some(stored)) if given.to_string() != stored.to_string() => bail!(
            "--vkey {given} is not the key {} was mirrored with ({stored}, in {})",
            args.dir.display(),
            path.display()
        ),
        (_, Some(stored)) => return Ok(stored),
        (Some(given), None) => given,
        (None, None) => match policy.map(|p| p.logs().collect::<Vec<_>>()).as_deref() {
            Some([only]) => (*only).clone(),
            _ => trust_on_first_use(&args.from, &path)?,
        },
    };
    std::fs::create_dir_all(path.parent().unwrap_or(&args.dir))
        .with_context(|| format!("cannot create the directory of {}", path.display()))?;
    truce_store::replace_file(&path, format!("{key}\n").as_bytes())?;
    Ok(key)
}

/// The key a Truce server states at `/v1/log`, with a note saying it is
/// trusted because it was the first seen.
fn trust_on_first_use(from: &str, path: &Path) -> Result<VerifierKey> {
    if !from.starts_with("http://") && !from.starts_with("https://") {
        bail!("--vkey: give the log's verifier key");
    }
    let info = Client::new(from)?
        .get_json("/v1/log")
        .context("the log's key: give --vkey (the log does not state it at /v1/log)")?;
    let key: VerifierKey = info["vkey"]
        .as_str()
        .context("the log's key: give --vkey (/v1/log states none)")?
        .parse()
        .context("the key the log states at /v1/log")?;
    eprintln!(
        "truce: note: trusting the log key the server states, on first use: {key}\n\
         truce: compare it with the key the log's operator publishes; it is kept in {} and \
         every later run checks the log against it",
        path.display()
    );
    Ok(key)
}

/// The checkpoint the directory holds, verified with the log's key, with
/// the right edge of its tree and its last bundle checked against it: what
/// the next round builds on.
fn verify_local(storage: &FsStorage, keys: &LogKeys) -> Result<Option<Mirrored>> {
    let dir = storage.dir().display().to_string();
    let corrupt = |what: String| CheckFailed(format!("{dir}: {what}; run truce log audit --dir"));
    let Some(bytes) = storage.read_checkpoint().map_err(anyhow::Error::from_boxed)? else {
        return Ok(None);
    };
    let checkpoint = keys.verify(&bytes).map_err(|e| corrupt(format!("its checkpoint: {e}")))?;
    let size = checkpoint.size();
    let tiles = TileHashReader::new(size, StorageTiles(storage));
    let root = truce_log::tree_root(size, &tiles)
        .map_err(|e| corrupt(format!("the right edge of its tree: {e}")))?;
    if root != checkpoint.root() {
        return Err(corrupt(format!(
            "its tiles give root {root} for size {size}, its checkpoint says {}",
            checkpoint.root()
        ))
        .into());
    }
    if let Some(bundle) = truce_log::bundles_for_size(size).last() {
        let objects = [TilePath::Entries(bundle), TilePath::Hashes(bundle.hash_tile())];
        let read = truce_log::read_objects(storage, &objects).map_err(anyhow::Error::from_boxed)?;
        let [Some(data), Some(tile)] = read.as_slice() else {
            return Err(corrupt(format!("{bundle} or its tile is missing")).into());
        };
        round::check_bundle(bundle, data, tile).map_err(corrupt)?;
    }
    Ok(Some(Mirrored { checkpoint, bytes }))
}
