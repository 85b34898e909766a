//! Asking witnesses to cosign each new checkpoint (C2SP tlog-witness),
//! and publishing it with every cosignature collected.
//!
//! A thread follows the published checkpoint. For each new one it asks
//! every configured witness at once, with a consistency proof from the
//! size that witness last cosigned; a witness that answers 409 names its
//! size and is asked again from there (brought up to date); one that is
//! down or slow is skipped until the next checkpoint: the log never waits
//! for witnesses. The checkpoint, with the cosignatures that verified, is
//! recorded in the query index (so that every server of the log serves
//! it) and served at `/checkpoint`. Only the server that sequences asks.
//!
//! After a rotation of the log's key, a witness that has not cosigned the
//! transition checkpoint still trusts the retired key only: it is asked to
//! cosign the transition first, which teaches it the new key.

use std::sync::Arc;
use std::time::Duration;

use truce_log::{StorageTiles, TileHashReader, VerifiedCheckpoint, consistency_proof};
use truce_note::{NoteSignature, UnverifiedNote, VerifierKey};
use truce_store::QueryIndex;
use truce_witness::AddCheckpoint;

use crate::ServerError;
use crate::config::Config;
use crate::state::Shared;

/// A configured witness.
pub(crate) struct Witness {
    name: String,
    url: String,
    key: VerifierKey,
    /// The size it last cosigned, as far as the log knows.
    known: Option<u64>,
}

/// A checkpoint with the cosignatures collected for it.
pub(crate) struct Witnessed {
    pub(crate) size: u64,
    pub(crate) note: Vec<u8>,
}

/// The witnesses of the configuration, their keys checked.
pub(crate) fn configured(config: &Config) -> Result<Vec<Witness>, ServerError> {
    config
        .witnesses
        .iter()
        .map(|w| {
            let key: VerifierKey = w
                .vkey
                .parse()
                .map_err(|e| ServerError::Setup(format!("witness {:?}: vkey: {e}", w.name)))?;
            if key.algorithm() != truce_note::Algorithm::CosignatureV1 {
                return Err(ServerError::Setup(format!(
                    "witness {:?}: vkey is not a cosignature (0x04) key",
                    w.name
                )));
            }
            Ok(Witness {
                name: w.name.clone(),
                url: w.url.trim_end_matches('/').to_owned(),
                key,
                known: None,
            })
        })
        .collect()
}

/// Follows the published checkpoint until the server closes.
pub(crate) fn run(shared: Arc<Shared>, mut witnesses: Vec<Witness>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_millis(shared.config.witness_timeout_ms)))
        .http_status_as_error(false)
        .build()
        .into();
    let mut done = shared.witnessed().map(|w| w.size);
    // Rotations happen while no server runs: the transitions are those of
    // the log this server opened.
    let transitions: Vec<Transition> = match crate::rotation::key_history(&shared) {
        Ok(history) => history
            .into_iter()
            .filter_map(|p| p.transition.map(|(_, note)| Transition { size: p.from_size, note }))
            .collect(),
        Err(e) => {
            tracing::error!("the log's key history: {e}; witnesses are not brought through it");
            Vec::new()
        }
    };
    // Where the witnessed checkpoint is recorded: one connection, opened
    // when first needed and again after a failure.
    let mut index = None;
    while !shared.is_closed() {
        let checkpoint = shared.checkpoint();
        if done == Some(checkpoint.size()) || !shared.is_sequencing() {
            shared.wait_for_checkpoint(checkpoint.size(), Duration::from_secs(1));
            continue;
        }
        let cosignatures = round(&shared, &agent, &mut witnesses, &checkpoint, &transitions);
        match publish(&shared, &checkpoint, cosignatures, &mut index) {
            Ok(()) => done = Some(checkpoint.size()),
            Err(e) => {
                tracing::error!("cannot publish the witnessed checkpoint: {e}");
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    }
}

/// A key transition checkpoint of the log, as stored.
struct Transition {
    size: u64,
    note: Vec<u8>,
}

/// Asks every witness at once; the cosignatures that verified.
fn round(
    shared: &Shared,
    agent: &ureq::Agent,
    witnesses: &mut [Witness],
    checkpoint: &VerifiedCheckpoint,
    transitions: &[Transition],
) -> Vec<NoteSignature> {
    std::thread::scope(|scope| {
        let asks: Vec<_> = witnesses
            .iter_mut()
            .map(|witness| {
                scope.spawn(move || ask(shared, agent, witness, checkpoint, transitions))
            })
            .collect();
        asks.into_iter().filter_map(|a| a.join().ok().flatten()).collect()
    })
}

/// Asks one witness to cosign `checkpoint`, after the key transitions
/// below it that the witness may not have cosigned.
fn ask(
    shared: &Shared,
    agent: &ureq::Agent,
    witness: &mut Witness,
    checkpoint: &VerifiedCheckpoint,
    transitions: &[Transition],
) -> Option<NoteSignature> {
    let size = checkpoint.size();
    for transition in transitions {
        let behind = witness.known.is_none_or(|known| known < transition.size);
        if transition.size < size && behind {
            // A witness already beyond it answers 409 with its size: fine.
            add(shared, agent, witness, transition.size, &transition.note, true)?;
        }
    }
    add(shared, agent, witness, size, &checkpoint.to_bytes(), false)?.cosignature
}

/// What a witness made of a checkpoint it was asked to cosign.
struct Added {
    /// Its cosignature, verified; none if it had cosigned a larger tree
    /// already.
    cosignature: Option<NoteSignature>,
}

/// Asks one witness to cosign the checkpoint `note` of `size`. `None` if
/// it failed; an intermediate checkpoint (a transition) is passed over by a
/// witness that cosigned a larger tree.
fn add(
    shared: &Shared,
    agent: &ureq::Agent,
    witness: &mut Witness,
    size: u64,
    note: &[u8],
    intermediate: bool,
) -> Option<Added> {
    let mut old = witness.known.filter(|&k| k <= size).unwrap_or(0);
    // Twice at most: once more after a 409 names the witness's size.
    for _ in 0..2 {
        let proof = if old == 0 || old == size {
            Vec::new()
        } else {
            let tiles = TileHashReader::new(size, StorageTiles(&shared.storage));
            match consistency_proof(old, size, &tiles) {
                Ok(proof) => proof,
                Err(e) => {
                    tracing::error!(
                        "witness {}: consistency proof {old} to {size}: {e}",
                        witness.name
                    );
                    return None;
                }
            }
        };
        let body = AddCheckpoint { old, proof, checkpoint: note.to_vec() }.to_bytes();
        let url = format!("{}/add-checkpoint", witness.url);
        let mut response = match agent.post(&url).send(&body[..]) {
            Ok(response) => response,
            Err(e) => {
                tracing::warn!("witness {} at {url}: {e}", witness.name);
                return None;
            }
        };
        let status = response.status().as_u16();
        let text =
            response.body_mut().with_config().limit(64 * 1024).read_to_string().unwrap_or_default();
        match status {
            200 => {
                let cosignature = verified(note, &text, &witness.key);
                if cosignature.is_none() {
                    tracing::error!(
                        "witness {}: its answer holds no valid cosignature",
                        witness.name
                    );
                    return None;
                }
                witness.known = Some(size);
                return Some(Added { cosignature });
            }
            409 => match text.trim_end_matches('\n').parse::<u64>() {
                Ok(theirs) if theirs <= size && theirs != old => old = theirs,
                Ok(theirs) if intermediate && theirs > size => {
                    witness.known = Some(theirs);
                    return Some(Added { cosignature: None });
                }
                Ok(theirs) => {
                    tracing::error!(
                        "witness {} has cosigned size {theirs}, beyond this log's {size}",
                        witness.name
                    );
                    return None;
                }
                Err(_) => {
                    tracing::warn!("witness {}: 409 without a size", witness.name);
                    return None;
                }
            },
            _ => {
                tracing::warn!("witness {}: HTTP {status}: {}", witness.name, text.trim());
                witness.known = None;
                return None;
            }
        }
    }
    None
}

/// The witness's cosignature in `lines`, if it verifies over the
/// checkpoint `note`.
fn verified(note: &[u8], lines: &str, key: &VerifierKey) -> Option<NoteSignature> {
    // SPEC(tlog-witness): the client may append the answer to the
    // checkpoint and verify the note with the witness keys it trusts.
    let mut note = note.to_vec();
    note.extend_from_slice(lines.as_bytes());
    let verified = UnverifiedNote::parse(&note).ok()?.verify(key).ok()?;
    verified
        .signatures()
        .iter()
        .find(|s| s.name() == key.name().as_str() && s.id() == key.id())
        .cloned()
}

/// Writes the checkpoint with its cosignatures and serves it.
fn publish(
    shared: &Shared,
    checkpoint: &VerifiedCheckpoint,
    cosignatures: Vec<NoteSignature>,
    index: &mut Option<Box<dyn QueryIndex>>,
) -> Result<(), std::io::Error> {
    let mut note = checkpoint.note().clone().into_unverified();
    for cosignature in cosignatures {
        note.add_signature(cosignature).map_err(std::io::Error::other)?;
    }
    let note = note.to_bytes();
    let connection = match index.take() {
        Some(connection) => connection,
        None => shared.backends.index.open_index(&shared.origin).map_err(std::io::Error::other)?,
    };
    let connection = index.insert(connection);
    if let Err(e) = connection.set_witnessed(&note) {
        // Maybe broken: not used again.
        index.take();
        return Err(std::io::Error::other(e));
    }
    shared.set_witnessed(Witnessed { size: checkpoint.size(), note });
    Ok(())
}

/// The witnessed checkpoint saved by an earlier run, if it is the log's
/// and no larger than the log.
pub(crate) fn saved(shared: &Shared) -> Option<Witnessed> {
    let note = shared.with_index(|index| index.witnessed()).ok()??;
    let checkpoint = shared.log_keys().verify(&note).ok()?;
    (checkpoint.size() <= shared.checkpoint().size())
        .then_some(Witnessed { size: checkpoint.size(), note })
}
