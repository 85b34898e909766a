//! `truce`: the command-line tool of Truce, a verifiable ledger for
//! ceasefire monitoring.
//!
//! Exit codes: 0 on success, 1 when a check fails (an invalid entry, a
//! signature that does not verify), 2 on bad usage or when the command
//! cannot run (a missing file, say).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod audit;
mod demo;
mod entry;
mod evidence;
mod export;
mod fetch;
mod field;
mod http;
mod import;
mod io;
mod key;
mod log;
mod migrate;
mod mirror;
mod report;
mod server;
mod simulate;
mod submit;
mod token;
mod witness;

/// Truce: signed incident reports in an append-only transparency log, and
/// verdicts anyone can recompute from it.
#[derive(Parser)]
#[command(name = "truce", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate and inspect signing keys.
    #[command(subcommand)]
    Key(key::KeyCommand),
    /// Sign, check and describe log entries.
    #[command(subcommand)]
    Entry(entry::EntryCommand),
    /// Log photos and videos as evidence, and prove when they were logged.
    #[command(subcommand)]
    Evidence(evidence::EvidenceCommand),
    /// Sign entries and log evidence offline into a local outbox; sync it
    /// to a log when a connection appears.
    #[command(subcommand)]
    Field(field::FieldCommand),
    /// Create, append to, prove and audit a transparency log.
    #[command(subcommand)]
    Log(log::LogCommand),
    /// Create a server's data directory: keys, and a log whose first entry
    /// registers the operator.
    Init(server::InitArgs),
    /// Run the server: the HTTP API, the tlog-tiles endpoints, ingestion.
    Serve(server::ServeArgs),
    /// Rebuild the query index of a data directory from its log.
    Reindex(server::ReindexArgs),
    /// Rotate the log's key, with the server stopped.
    ///
    /// Appends the operator's truce.log-key/v1 announcement under a key
    /// transition: a checkpoint signed by the current and the new key,
    /// whose extension line names the new key. Witnesses and clients that
    /// trust the old key follow it; every later checkpoint is signed by the
    /// new key alone. With the data directory's own key files, they are
    /// replaced; otherwise change log_key in the configuration. Running it
    /// again after an interruption completes the rotation.
    RotateKey(server::RotateKeyArgs),
    /// Move a log from a directory to an S3-compatible bucket and its
    /// indexes to PostgreSQL; audit the copy and compare the indexes.
    Migrate(migrate::MigrateArgs),
    /// Follow a remote tlog-tiles log into a directory: verify each new
    /// checkpoint (signature, witnesses, consistency) and every tile and
    /// bundle before storing it; stop on a fork or tampering, keeping the
    /// evidence.
    Mirror(mirror::MirrorArgs),
    /// Sign (if needed) and submit entries to a server; check each proof.
    Submit(submit::SubmitArgs),
    /// Import an ACLED or UCDP export as reports of the importing source;
    /// a re-import submits only the rows that changed.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Export a server's current reports (ACLED, UCDP, CSV with HXL,
    /// GeoJSON, NDJSON) or its incidents.
    Export(export::ExportArgs),
    /// Compute the daily report of a day from a log prefix, or check a
    /// published statement.
    Report(report::ReportArgs),
    /// List the incidents of a log prefix, with grades and verdicts.
    Incidents(report::IncidentsArgs),
    /// Run a server with the sample scenario.
    Demo(demo::DemoArgs),
    /// Write a data directory holding a simulated log: a realistic,
    /// deterministic scenario for tests and benchmarks.
    Simulate(simulate::SimulateArgs),
    /// Make a bearer token for a restricted server, or the grant of a
    /// client certificate, and print the configuration that grants it.
    Token(token::TokenArgs),
    /// Run a witness that cosigns a log's consistent checkpoints, or
    /// monitor a log for a split view.
    #[command(subcommand)]
    Witness(witness::WitnessCommand),
}

/// A check that failed: the command ran, and its answer is "no" (exit 1).
#[derive(Debug)]
pub struct CheckFailed(pub String);

impl std::fmt::Display for CheckFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CheckFailed {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Key(command) => key::run(command),
        Command::Entry(command) => entry::run(command),
        Command::Evidence(command) => evidence::run(command),
        Command::Field(command) => field::run(command),
        Command::Log(command) => log::run(command),
        Command::Init(args) => server::init(args),
        Command::Serve(args) => server::serve(args),
        Command::Reindex(args) => server::reindex(args),
        Command::RotateKey(args) => server::rotate_key(args),
        Command::Migrate(args) => migrate::run(args),
        Command::Mirror(args) => mirror::run(args),
        Command::Submit(args) => submit::run(args),
        Command::Import(command) => import::run(command),
        Command::Export(args) => export::run(args),
        Command::Report(args) => report::report(args),
        Command::Incidents(args) => report::incidents(args),
        Command::Demo(args) => demo::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Token(args) => token::run(args),
        Command::Witness(command) => witness::run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            if let Some(failed) = error.downcast_ref::<CheckFailed>() {
                eprintln!("{failed}");
                ExitCode::from(1)
            } else {
                eprintln!("error: {error:#}");
                ExitCode::from(2)
            }
        }
    }
}
