//! `truce entry`: signing, checking and describing entries.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand};
use truce_entry::{EntryError, EntryType, SignedEntry, published_schema};

use crate::CheckFailed;
use crate::io::{open_entry_signer, read_input, read_verifier_keys};

#[derive(Subcommand)]
pub enum EntryCommand {
    /// Validate a JSON entry, put it in canonical form and sign it.
    ///
    /// Prints the signed entry: a signed note whose text is one line of
    /// canonical JSON (RFC 8785). On an invalid entry, prints every problem
    /// with its JSON Pointer and exits with 1.
    Sign(SignArgs),
    /// Verify a signed entry's signatures and check that it is valid.
    ///
    /// Prints the entry type and the keys whose signatures verified.
    Check(CheckArgs),
    /// Print the JSON Schema of an entry type, or write them all.
    Schema(SchemaArgs),
}

#[derive(Args)]
pub struct SignArgs {
    /// The private key to sign with: a key file, env:NAME, or a PKCS#11
    /// URI whose object label is the key's name; repeat to add signatures.
    #[arg(long, value_name = "KEY", required = true)]
    key: Vec<String>,
    /// The JSON entry; standard input if left out or `-`.
    input: Option<PathBuf>,
}

#[derive(Args)]
pub struct CheckArgs {
    /// A verifier key, or a file of them, one per line; repeat for more.
    #[arg(long, value_name = "VKEY", required = true)]
    vkey: Vec<String>,
    /// The signed entry; standard input if left out or `-`.
    input: Option<PathBuf>,
}

#[derive(Args)]
pub struct SchemaArgs {
    /// The entry type, e.g. truce.report/v1.
    #[arg(conflicts_with = "out", required_unless_present = "out")]
    entry_type: Option<String>,
    /// Write every schema into this directory instead.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

pub fn run(command: EntryCommand) -> Result<()> {
    match command {
        EntryCommand::Sign(args) => sign(args),
        EntryCommand::Check(args) => check(args),
        EntryCommand::Schema(args) => schema(args),
    }
}

fn sign(args: SignArgs) -> Result<()> {
    let keys = args.key.iter().map(|k| open_entry_signer(k)).collect::<Result<Vec<_>>>()?;
    let json = read_input(args.input.as_deref())?;
    let signers: Vec<&dyn truce_note::Signer> = keys.iter().map(|k| k.as_ref()).collect();
    let signed = SignedEntry::sign_json(&json, &signers).map_err(refusal)?;
    std::io::stdout().write_all(signed.as_bytes()).context("cannot write the signed entry")?;
    Ok(())
}

fn check(args: CheckArgs) -> Result<()> {
    let keys = read_verifier_keys(&args.vkey)?;
    let bytes = read_input(args.input.as_deref())?;
    let signed = SignedEntry::open(&bytes, &keys).map_err(refusal)?;
    println!("{}", signed.entry().entry_type());
    for key in signed.signers() {
        println!("signed by {}+{} (verified)", key.name(), key.id());
    }
    for sig in signed.note().unverified() {
        println!("signed by {}+{} (unknown key, not checked)", sig.name(), sig.id());
    }
    Ok(())
}

/// A refused entry is a failed check; its problems are listed one a line.
fn refusal(error: EntryError) -> anyhow::Error {
    let message = match error {
        EntryError::Invalid(problems) => {
            let count = problems.len();
            let noun = if count == 1 { "problem" } else { "problems" };
            format!("invalid entry, {count} {noun}:\n{problems}")
        }
        other => format!("refused: {other}"),
    };
    CheckFailed(message).into()
}

fn schema(args: SchemaArgs) -> Result<()> {
    if let Some(dir) = args.out {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        for &entry_type in EntryType::ALL {
            let path = dir.join(format!("{}.json", entry_type.file_stem()));
            std::fs::write(&path, published_schema(entry_type))
                .with_context(|| format!("cannot write {}", path.display()))?;
            println!("{}", path.display());
        }
        return Ok(());
    }
    let wanted = args.entry_type.unwrap_or_default();
    let Some(&entry_type) = EntryType::ALL.iter().find(|t| t.as_str() == wanted) else {
        let known: Vec<_> = EntryType::ALL.iter().map(|t| t.as_str()).collect();
        bail!("unknown entry type {wanted:?}; expected one of: {}", known.join(", "));
    };
    print!("{}", published_schema(entry_type));
    Ok(())
}
