//! `truce key`: signing keys.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use truce_note::SigningKey;

use crate::io::read_signing_key;

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Generate an Ed25519 signing key; print its verifier key.
    ///
    /// The private key is written to FILE (mode 0600) in the form
    /// PRIVATE+KEY+<name>+<key id>+<base64>, as Go's sumdb/note writes it.
    /// The verifier key, <name>+<key id>+<base64>, goes to standard output:
    /// give it to whoever must check your signatures.
    Generate(GenerateArgs),
    /// Print the verifier key of a private key file.
    Public(PublicArgs),
}

#[derive(Args)]
pub struct GenerateArgs {
    /// The key name, e.g. monitor.example/team-3: no spaces or '+'.
    #[arg(long)]
    name: String,
    /// Where to write the private key. An existing file is never
    /// overwritten.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Args)]
pub struct PublicArgs {
    /// The private key file.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
}

pub fn run(command: KeyCommand) -> Result<()> {
    match command {
        KeyCommand::Generate(args) => generate(args),
        KeyCommand::Public(args) => {
            println!("{}", read_signing_key(&args.key)?.verifier_key());
            Ok(())
        }
    }
}

fn generate(args: GenerateArgs) -> Result<()> {
    let key = SigningKey::generate(&args.name)?;
    write_private_key(&args.out, &key)?;
    println!("{}", key.verifier_key());
    Ok(())
}

/// Writes a private key to a new file that only its owner can read.
pub fn write_private_key(path: &std::path::Path, key: &SigningKey) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| {
        if path.exists() {
            format!("{} already exists; a key file is never overwritten", path.display())
        } else {
            format!("cannot create {}", path.display())
        }
    })?;
    writeln!(file, "{}", key.to_private_key_string())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}
