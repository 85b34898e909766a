//! `truce key`: signing keys.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use truce_note::{Algorithm, KeyName, SigningKey};

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
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "pkcs11",
        conflicts_with = "pkcs11"
    )]
    out: Option<PathBuf>,
    /// Make the key in a PKCS#11 token instead (an RFC 7512 URI naming
    /// the token, the key's label and the library, e.g.
    /// `pkcs11:token=truce;object=log?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=env:TRUCE_HSM_PIN`):
    /// it never leaves the token, and signs there.
    #[arg(long, value_name = "URI")]
    pkcs11: Option<String>,
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
    let algorithm = if args.cosigner { Algorithm::CosignatureV1 } else { Algorithm::Ed25519 };
    if let Some(uri) = &args.pkcs11 {
        let uri = truce_store::Pkcs11Uri::parse(uri)?;
        let key = truce_store::Pkcs11Key::generate(&uri, KeyName::new(&args.name)?, algorithm)?;
        println!("{}", truce_note::Signer::verifier_key(&key));
        return Ok(());
    }
    let key = if args.cosigner {
        SigningKey::generate_cosigner(&args.name)?
    } else {
        SigningKey::generate(&args.name)?
    };
    let out = args.out.context("--out is needed")?;
    truce_store::write_key_file(&out, &key)?;
    println!("{}", key.verifier_key());
    Ok(())
}
