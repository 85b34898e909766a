//! The evidence of a refusal, in a text file a party can publish: what was
//! refused and why, and both checkpoints byte for byte (a signed note is
//! text, so they stay readable), with the consistency proof of a fork.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, Result};

use super::Mirror;
use super::round::Refusal;

/// Writes `DIR/evidence/<UTC time>-<reason>.txt` durably; returns its path.
pub(super) fn write(mirror: &Mirror, refusal: &Refusal, last: Option<&[u8]>) -> Result<PathBuf> {
    let now = jiff::Timestamp::now();
    let dir = mirror.root.join("evidence");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let (time, reason) = (now.strftime("%Y%m%dT%H%M%SZ"), refusal.reason.as_str());
    // Two refusals in one second keep two files: one mirror writes here
    // (it holds the directory's lock).
    let path = (1..)
        .map(|n| match n {
            1 => dir.join(format!("{time}-{reason}.txt")),
            n => dir.join(format!("{time}-{n}-{reason}.txt")),
        })
        .find(|path| !path.exists())
        .context("no free evidence file name")?;
    let mut text = header(mirror, refusal, now).into_bytes();
    text.extend(checkpoint_block("the last checkpoint mirrored, verified", "LAST GOOD", last));
    text.extend(checkpoint_block(
        "the checkpoint refused, as received",
        "REFUSED",
        Some(&refusal.offending),
    ));
    text.extend(proof_block(refusal).into_bytes());
    truce_store::replace_file(&path, &text)?;
    Ok(path)
}

fn header(mirror: &Mirror, refusal: &Refusal, now: jiff::Timestamp) -> String {
    format!(
        "Truce mirror: a checkpoint refused\n\n\
         log:      {}\n\
         origin:   {}\n\
         log key:  {}\n\
         observed: {now}\n\
         reason:   {}\n\
         detail:   {}\n",
        mirror.from,
        mirror.origin,
        mirror.keys.current(),
        refusal.reason.as_str(),
        refusal.detail,
    )
}

/// A checkpoint verbatim between two marker lines (a signed note ends in a
/// newline, so the end marker starts a line of its own).
fn checkpoint_block(what: &str, marker: &str, bytes: Option<&[u8]>) -> Vec<u8> {
    let mut block = format!("\n{what}, byte for byte between the markers:\n").into_bytes();
    match bytes {
        Some(bytes) => {
            block.extend(format!("-----BEGIN {marker} CHECKPOINT-----\n").as_bytes());
            block.extend(bytes);
            block.extend(format!("-----END {marker} CHECKPOINT-----\n").as_bytes());
        }
        None => block.extend(b"(none: this was the first checkpoint seen)\n"),
    }
    block
}

fn proof_block(refusal: &Refusal) -> String {
    let Some(proof) = &refusal.proof else { return String::new() };
    let mut block = format!(
        "\nA consistency proof (RFC 6962 section 2.1.2) from tree size {} with root {} to tree \
         size {} with root {}, made from the tiles of the larger tree. It verifies: that tree \
         has root {} at size {}, which the other checkpoint contradicts. Hashes in base64, one \
         a line:\n",
        proof.from_size,
        proof.from_root,
        proof.to_size,
        proof.to_root,
        proof.from_root,
        proof.from_size,
    );
    for hash in &proof.hashes {
        let _ = writeln!(block, "{hash}");
    }
    block
}
