//! `truce key`: signing keys.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use truce_note::SigningKey;

use crate::io::read_signing_key;

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Generate an Ed25519 signing key (or, with --cosigner, a witness
    /// key); print its verifier key.
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
    /// Make a witness key: it signs timestamped checkpoint cosignatures
    /// (tlog-cosignature/v1, type 0x04) and nothing else.
    #[arg(long)]
    cosigner: bool,
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
    let key = if args.cosigner {
        SigningKey::generate_cosigner(&args.name)?
    } else {
        SigningKey::generate(&args.name)?
    };
    truce_store::write_key_file(&args.out, &key)?;
    println!("{}", key.verifier_key());
    Ok(())
}
