//! `truce witness`: run a witness, or watch a log for a split view.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand};
use truce_log::{
    Hash, LogKeys, TileHashReader, TileId, TilePath, TileReader, consistency_proof,
    verify_consistency,
};
use truce_note::{Algorithm, KeyName, VerifierKey};
use truce_witness::{Witness, origin_hash_hex};

use crate::CheckFailed;
use crate::fetch::{FetchError, Source, UrlSource, follow_log_keys, required};
use crate::io::read_signing_key;
use crate::server::{init_tracing, runtime, shutdown_signal};

#[derive(Subcommand)]
pub enum WitnessCommand {
    /// Serve the C2SP tlog-witness protocol: cosign each checkpoint of the
    /// given logs that is consistent with the last one cosigned.
    ///
    /// POST /add-checkpoint takes the log's requests; GET
    /// /<sha256(origin) hex>/checkpoint shows monitors the latest
    /// checkpoint cosigned. The state is an append-only journal in the
    /// state directory, synced before each reply.
    ///
    /// When a log rotates its key, the witness follows: once it cosigns
    /// the transition checkpoint (signed by the key it trusts and by the
    /// new key it names), it accepts larger checkpoints signed by the new
    /// key only, also after a restart.
    Serve(ServeArgs),
    /// Follow a log's checkpoints and alert on any inconsistency.
    ///
    /// Each new checkpoint must be signed by the log and extend the last
    /// one seen (checked with a consistency proof built from the log's
    /// tiles); with --witness, so must what each witness last cosigned. On
    /// a split view it prints both signed checkpoints, the proof of the
    /// log's misbehaviour, and exits with status 1.
    Monitor(MonitorArgs),
}

#[derive(Args)]
pub struct ServeArgs {
    /// The witness's private key (`truce key generate --cosigner`): a
    /// file, `env:NAME`, or a key in a token (`pkcs11:...`, with --name).
    #[arg(long, value_name = "FILE|URI")]
    key: String,
    /// The witness key's name, for a key in a token (a file holds its
    /// own).
    #[arg(long)]
    name: Option<String>,
    /// The directory of the witness's state.
    #[arg(long, value_name = "DIR")]
    state: PathBuf,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:7380")]
    listen: std::net::SocketAddr,
    /// A log to witness, as ORIGIN=VKEY (the verifier key's name must be
    /// the origin); repeat for each log, or for each key of one log. The
    /// key transitions the witness followed start from these keys.
    #[arg(long = "log", value_name = "ORIGIN=VKEY", required = true)]
    logs: Vec<String>,
}

#[derive(Args)]
pub struct MonitorArgs {
    /// The log's URL (its tlog-tiles prefix).
    #[arg(long, value_name = "URL")]
    log: String,
    /// The log's verifier key.
    #[arg(long, value_name = "VKEY")]
    vkey: String,
    /// A witness's monitoring URL whose cosigned checkpoints must agree
    /// with the log's; repeat for each witness.
    #[arg(long = "witness", value_name = "URL")]
    witnesses: Vec<String>,
    /// Seconds between polls.
    #[arg(long, default_value_t = 10)]
    interval: u64,
    /// Check once and exit (0 if consistent).
    #[arg(long)]
    once: bool,
    /// A file keeping the last checkpoint seen across runs.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
}

pub fn run(command: WitnessCommand) -> Result<()> {
    match command {
        WitnessCommand::Serve(args) => serve(args),
        WitnessCommand::Monitor(args) => monitor(args),
    }
}

fn serve(args: ServeArgs) -> Result<()> {
    init_tracing();
    let key: Box<dyn truce_note::Signer> = match &args.name {
        Some(name) => {
            truce_store::open_signer(&args.key, &KeyName::new(name)?, Algorithm::CosignatureV1)
                .map_err(anyhow::Error::msg)?
        }
        None if truce_store::Pkcs11Uri::is_one(&args.key) => {
            bail!("--key {}: a key in a token needs --name, the witness's name", args.key)
        }
        None => Box::new(read_signing_key(args.key.as_ref())?),
    };
    if key.verifier_key().algorithm() != Algorithm::CosignatureV1 {
        bail!("{}: not a witness key; make one with `truce key generate --cosigner`", args.key);
    }
    let mut log_keys = Vec::new();
    for log in &args.logs {
        let (origin, vkey) =
            log.split_once('=').with_context(|| format!("--log {log:?}: expected ORIGIN=VKEY"))?;
        let vkey: VerifierKey = vkey.parse().with_context(|| format!("--log {log:?}"))?;
        if vkey.name().as_str() != origin {
            bail!("--log {log:?}: the key's name {:?} is not the origin", vkey.name().as_str());
        }
        if vkey.algorithm() != Algorithm::Ed25519 {
            bail!("--log {log:?}: a log's key is an Ed25519 (0x01) key");
        }
        log_keys.push(vkey);
    }
    // The witness logs (with tracing) each key transition it follows, as
    // it cosigns one and as it follows the recorded ones again on opening.
    let witness = Arc::new(Witness::open(key, log_keys, &args.state)?);
    let vkey = witness.verifier_key();
    runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        eprintln!("truce witness {vkey}: listening at http://{}/", listener.local_addr()?);
        axum::serve(listener, truce_witness::router(witness))
            .with_graceful_shutdown(shutdown_signal())
            .await?;
        eprintln!("truce witness: stopped");
        Ok(())
    })
}

/// Tiles read through a [`Source`].
struct SourceTiles<'a>(&'a dyn Source);

impl TileReader for SourceTiles<'_> {
    type Error = FetchError;

    fn read_tiles(&self, tiles: &[TileId]) -> Result<Vec<Vec<u8>>, FetchError> {
        tiles
            .iter()
            .map(|&t| {
                required(self.0, TilePath::Hashes(t)).map_err(|e| FetchError(format!("{e:#}")))
            })
            .collect()
    }
}

/// A signed checkpoint as first seen, kept as evidence.
#[derive(Clone)]
struct Seen {
    size: u64,
    root: Hash,
    note: Vec<u8>,
    from: String,
}

fn monitor(args: MonitorArgs) -> Result<()> {
    let vkey: VerifierKey = args.vkey.parse().context("--vkey")?;
    let origin = vkey.name().as_str().to_owned();
    let log = UrlSource::new(&args.log)?;
    // The key given, and the rotations of the log's key followed since.
    let mut keys = LogKeys::new(vkey, &origin);
    let mut last: Option<Seen> = match &args.state {
        Some(path) if path.exists() => {
            let note =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            follow_log_keys(&log, &mut keys, &note)?;
            let checkpoint = keys.verify(&note).with_context(|| format!("{}", path.display()))?;
            Some(Seen {
                size: checkpoint.size(),
                root: checkpoint.root(),
                note,
                from: path.display().to_string(),
            })
        }
        _ => None,
    };
    loop {
        match check_once(&log, &args, &mut keys, last.as_ref()) {
            Ok(seen) => {
                if let Some(path) = &args.state
                    && last.as_ref().is_none_or(|l| l.size < seen.size)
                {
                    truce_store::replace_file(path, &seen.note)?;
                }
                if last.as_ref().is_none_or(|l| l.size <= seen.size) {
                    println!("consistent: {origin} at size {} ({})", seen.size, seen.root);
                    last = Some(seen);
                }
            }
            Err(e) if e.downcast_ref::<CheckFailed>().is_some() => return Err(e),
            // The log or a witness could not be reached: say so, go on.
            Err(e) if !args.once => eprintln!("truce witness monitor: {e:#}"),
            Err(e) => return Err(e),
        }
        if args.once {
            return Ok(());
        }
        std::thread::sleep(Duration::from_secs(args.interval));
    }
}

/// Checks the log's current checkpoint against the last one seen and
/// against each witness's latest; returns the log's checkpoint.
fn check_once(
    log: &UrlSource,
    args: &MonitorArgs,
    keys: &mut LogKeys,
    last: Option<&Seen>,
) -> Result<Seen> {
    let origin = keys.origin().to_owned();
    let note = log.get("checkpoint")?.context("the log serves no checkpoint")?;
    follow_log_keys(log, keys, &note)?;
    let checkpoint = keys.verify(&note).context("the log's checkpoint")?;
    let current =
        Seen { size: checkpoint.size(), root: checkpoint.root(), note, from: args.log.clone() };
    let mut others: Vec<Seen> = last.cloned().into_iter().collect();
    for url in &args.witnesses {
        let witness = UrlSource::anonymous(url);
        let Some(note) = witness.get(&format!("{}/checkpoint", origin_hash_hex(&origin)))? else {
            continue;
        };
        // A witness's checkpoint counts only if the log signed it.
        let cosigned = keys
            .verify(&note)
            .with_context(|| format!("the checkpoint served by witness {url}"))?;
        others.push(Seen { size: cosigned.size(), root: cosigned.root(), note, from: url.clone() });
    }
    for other in &others {
        if other.size > current.size {
            // The log serves an older tree than one seen before: stale
            // (a cache) or rolled back; the tiles of the larger tree are
            // not served, so the two cannot be compared yet.
            eprintln!(
                "truce witness monitor: the log serves size {} but {} showed size {}",
                current.size, other.from, other.size
            );
            continue;
        }
        let consistent = if other.size == current.size {
            other.root == current.root
        } else if other.size == 0 {
            true
        } else {
            let tiles = TileHashReader::new(current.size, SourceTiles(log));
            let proof = consistency_proof(other.size, current.size, &tiles)
                .map_err(|e| anyhow::anyhow!("consistency proof from the log's tiles: {e}"))?;
            verify_consistency(other.size, current.size, &proof, &other.root, &current.root).is_ok()
        };
        if !consistent {
            let show = |s: &Seen| String::from_utf8_lossy(&s.note).into_owned();
            return Err(CheckFailed(format!(
                "SPLIT VIEW: the log {origin} signed two inconsistent checkpoints.\n\n\
                 From {}:\n{}\nFrom {}:\n{}",
                other.from,
                show(other),
                current.from,
                show(&current)
            ))
            .into());
        }
    }
    Ok(current)
}
