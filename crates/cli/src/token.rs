//! `truce token`: a bearer token for a restricted server, or the grant of
//! a client certificate, and the `[[access.token]]` or
//! `[[access.certificate]]` table that grants it. The server keeps only
//! the credential's SHA-256: a copy of its configuration lets nobody in.

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use base64::Engine as _;
use clap::Args;
use sha2::{Digest as _, Sha256};

#[derive(Args)]
pub struct TokenArgs {
    /// Who holds it, as the audit log will name them.
    #[arg(long)]
    name: String,
    /// What it allows, comma-separated: submit, read, precise (precise
    /// coordinates and the entries as signed; implies read).
    #[arg(long, value_delimiter = ',', required = true)]
    permissions: Vec<String>,
    /// Grant this client certificate (PEM) instead of making a token.
    #[arg(long, value_name = "FILE")]
    certificate: Option<PathBuf>,
}

pub fn run(args: TokenArgs) -> Result<()> {
    for permission in &args.permissions {
        if !["submit", "read", "precise"].contains(&permission.as_str()) {
            bail!("--permissions: {permission:?} is not submit, read or precise");
        }
    }
    if args.name.trim().is_empty() || args.name.chars().any(char::is_control) {
        bail!("--name: must be a name without control characters");
    }
    let (table, credential) = match &args.certificate {
        Some(path) => {
            let pem = std::fs::read(path)
                .with_context(|| format!("--certificate: cannot read {}", path.display()))?;
            let certificate = ureq::tls::Certificate::from_pem(&pem)
                .with_context(|| format!("--certificate: {}", path.display()))?;
            ("certificate", certificate.der().to_vec())
        }
        None => {
            let mut secret = [0u8; 32];
            getrandom::fill(&mut secret).context("the system's random source")?;
            let token = format!(
                "truce_{}",
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret)
            );
            // The token alone on standard output, for a script to hand on;
            // it is shown once.
            println!("{token}");
            ("token", token.into_bytes())
        }
    };
    let sha256 = truce_entry::Sha256Hex(Sha256::digest(&credential).into());
    let permissions: Vec<String> = args.permissions.iter().map(|p| format!("{p:?}")).collect();
    let grant = format!(
        "[[access.{table}]]\nname = {:?}\nsha256 = \"{sha256}\"\npermissions = [{}]\n",
        args.name,
        permissions.join(", ")
    );
    match args.certificate {
        Some(_) => print!("{grant}"),
        None => eprint!(
            "Give the token above to its holder (it is not kept anywhere), and add to the \
             server's configuration:\n\n{grant}"
        ),
    }
    Ok(())
}
