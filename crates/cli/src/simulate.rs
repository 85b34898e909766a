//! `truce simulate`: a data directory holding a simulated log, for tests
//! and benchmarks.

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use truce_entry::SignedEntry;
use truce_server::{Config, DataDir, InitOptions};
use truce_sim::{Options, SimEntry, Simulation};

#[derive(Args)]
pub struct SimulateArgs {
    /// The seed: the same seed, reports and days give the same log, byte
    /// for byte.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// How many reports to write (corrections and withdrawals included).
    #[arg(long, default_value_t = 1_000)]
    reports: u64,
    /// Over how many days.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3660))]
    days: u32,
    /// The first day (UTC), YYYY-MM-DD.
    #[arg(long, default_value = "2025-11-10")]
    start: jiff::civil::Date,
    /// The log's origin.
    #[arg(long, default_value = "sim.truce.example/log")]
    origin: String,
    /// The data directory to create, as `truce init` would; `truce serve
    /// --data DIR` serves it.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// Entries signed and committed at once.
const BATCH: usize = 4096;

pub fn run(args: SimulateArgs) -> Result<()> {
    if args.out.exists() && args.out.read_dir()?.next().is_some() {
        bail!("{} is not empty; the simulation writes a fresh data directory", args.out.display());
    }
    let options = Options {
        seed: args.seed,
        reports: args.reports,
        days: args.days,
        start: args.start,
        origin: args.origin.clone(),
    };
    let mut simulation = Simulation::new(options).context("--origin")?;
    let data = DataDir::new(&args.out);
    truce_server::init_with_keys(
        &Config { data: args.out.clone(), ..Config::default() },
        &InitOptions {
            origin: args.origin.clone(),
            organisation: "Ceasefire Monitoring Mission".into(),
        },
        simulation.log_key(),
        simulation.operator_key(),
    )?;
    let keys_dir = args.out.join("sim-keys");
    std::fs::create_dir_all(&keys_dir)?;
    for source in simulation.sources() {
        truce_store::write_key_file(&keys_dir.join(format!("{}.key", source.id)), &source.key)?;
    }
    let agreements = simulation.agreement_indices();
    let vkey = simulation.log_key().verifier_key().to_string();

    let progress = ProgressBar::new(args.reports).with_style(
        ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} reports ({per_sec}, {eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    progress.set_message("simulating");
    let mut log =
        crate::log::open_sequencer(&data.log(), truce_server::DataDir::read_key(&data.log_key())?)?;
    let mut size = 1;
    loop {
        let batch: Vec<SimEntry> = simulation.by_ref().take(BATCH).collect();
        if batch.is_empty() {
            break;
        }
        let reports =
            batch.iter().filter(|e| matches!(e.entry, truce_entry::Entry::Report(_))).count();
        let signed = sign(&simulation, &batch)?;
        let logged = log.append(&signed)?;
        for (entry, logged) in batch.iter().zip(&logged) {
            if logged.index != entry.index || logged.duplicate {
                bail!(
                    "entry {} was logged at {}: the simulation and the log disagree",
                    entry.index,
                    logged.index
                );
            }
        }
        size += batch.len() as u64;
        progress.inc(reports as u64);
    }
    progress.finish_and_clear();
    drop(log);

    eprintln!("indexing {size} entries…");
    truce_server::reindex(&Config { data: args.out.clone(), ..Config::default() })?;
    let summary = json!({
        "seed": args.seed,
        "reports": args.reports,
        "days": args.days,
        "start": args.start.to_string(),
        "origin": args.origin,
        "size": size,
        "agreements": agreements,
        "vkey": vkey,
    });
    std::fs::write(args.out.join("simulation.json"), format!("{summary:#}\n"))
        .context("simulation.json")?;
    let agreements: Vec<String> = agreements.iter().map(|i| format!("--agreement {i}")).collect();
    println!(
        "{size} entries ({} reports over {} days from {}) in {dir}/log\n\
         \n  truce serve --data {dir}\
         \n  truce report --log {dir}/log {} --date {} --format md\n",
        args.reports,
        args.days,
        args.start,
        agreements.join(" "),
        args.start,
        dir = args.out.display()
    );
    Ok(())
}

/// Signs a batch, spread over the machine's cores.
fn sign(simulation: &Simulation, batch: &[SimEntry]) -> Result<Vec<Vec<u8>>> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let chunk = batch.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = batch
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|e| {
                            let key = simulation
                                .key_of(e.source.as_str())
                                .with_context(|| format!("no key for {}", e.source))?;
                            Ok(SignedEntry::sign(&e.entry, &[key])?.into_bytes())
                        })
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        let mut signed = Vec::with_capacity(batch.len());
        for worker in workers {
            signed
                .extend(worker.join().map_err(|_| anyhow::anyhow!("a signing thread panicked"))??);
        }
        Ok(signed)
    })
}
