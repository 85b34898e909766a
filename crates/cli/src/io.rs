//! Reading inputs and keys from files and standard input.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use truce_log::Policy;
use truce_note::{Signer, SigningKey, VerifierKey};

use crate::CheckFailed;

/// Reads a whole input: a file, or standard input for `-` or no path.
pub fn read_input(path: Option<&Path>) -> Result<Vec<u8>> {
    match path {
        Some(path) if path != Path::new("-") => {
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
        }
        _ => {
            let mut bytes = Vec::new();
            std::io::stdin().read_to_end(&mut bytes).context("cannot read standard input")?;
            Ok(bytes)
        }
    }
}

/// Reads a private key file (`PRIVATE+KEY+...`).
pub fn read_signing_key(path: &Path) -> Result<SigningKey> {
    Ok(truce_store::read_key_file(path)?)
}

/// Opens a key to sign entries with: a key file, `env:NAME`, or a key in a
/// PKCS#11 token (an RFC 7512 URI whose `object` label is the key's name).
pub fn open_entry_signer(source: &str) -> Result<Box<dyn Signer>> {
    truce_store::open_named_signer(source).map_err(|e| anyhow::anyhow!(e))
}

/// Reads verifier keys given on the command line: each argument is a
/// verifier key, or a file holding one key per line.
pub fn read_verifier_keys(args: &[String]) -> Result<Vec<VerifierKey>> {
    let mut keys = Vec::new();
    for arg in args {
        match arg.parse::<VerifierKey>() {
            Ok(key) => keys.push(key),
            Err(parse_error) => {
                let path = PathBuf::from(arg);
                if !path.is_file() {
                    return Err(parse_error).with_context(|| {
                        format!("{arg:?} is neither a verifier key nor a file of them")
                    });
                }
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                    let key = line.trim().parse().with_context(|| {
                        format!("{}:{}: not a verifier key", path.display(), n + 1)
                    })?;
                    keys.push(key);
                }
            }
        }
    }
    Ok(keys)
}

/// Reads a witness policy file (C2SP tlog-policy), if one is given.
pub fn read_policy(path: Option<&Path>) -> Result<Option<Policy>> {
    let Some(path) = path else { return Ok(None) };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(Some(Policy::parse(&text).with_context(|| format!("{}", path.display()))?))
}

/// Checks a signed checkpoint against the witness policy: the names of
/// the witnesses that cosigned it, or a failed check.
pub fn check_policy(policy: &Policy, checkpoint: &[u8], origin: &str) -> Result<Vec<String>> {
    let witnessed = policy
        .verify(checkpoint, Some(origin))
        .map_err(|e| CheckFailed(format!("witness policy: {e}")))?;
    Ok(witnessed.cosigned().iter().map(|(name, _)| name.clone()).collect())
}
