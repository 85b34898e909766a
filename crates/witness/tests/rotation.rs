//! A witness follows a log's key rotation: it cosigns the transition
//! checkpoint, then accepts larger checkpoints signed by the new key only,
//! also after a restart; a transition that the retiring and the new key do
//! not both sign, or that names a key the log cannot sign with, is refused
//! and changes nothing.

use std::path::Path;
use std::time::{Duration, Instant};

use truce_log::{Checkpoint, Hash, MemoryTree, consistency_proof, leaf_hash};
use truce_note::{Algorithm, KeyName, Signer, SigningKey, UnverifiedNote, VerifierKey};
use truce_witness::{AddCheckpoint, AddError, KeyTransition, Witness};

const ORIGIN: &str = "mission.example/log";

/// The size of the transition checkpoint in these tests.
const N: u64 = 5;

/// A key of the log, made from `seed`.
fn log_key(seed: u8) -> SigningKey {
    SigningKey::from_seed(KeyName::new(ORIGIN).expect("name"), &[seed; 32])
}

/// The log's first key, which the witness is configured with.
fn k1() -> SigningKey {
    log_key(1)
}

/// Its successor.
fn k2() -> SigningKey {
    log_key(2)
}

fn witness_with(dir: &Path, configured: &[VerifierKey]) -> Witness {
    let key = SigningKey::from_seed_for(
        KeyName::new("w.example/witness").expect("name"),
        Algorithm::CosignatureV1,
        &[9; 32],
    );
    Witness::open(key, configured.to_vec(), dir).expect("opens")
}

fn witness(dir: &Path) -> Witness {
    witness_with(dir, &[k1().verifier_key()])
}

fn tree() -> MemoryTree {
    let mut tree = MemoryTree::new();
    for i in 0..20u64 {
        tree.append(leaf_hash(format!("entry {i}").as_bytes())).expect("appends");
    }
    tree
}

fn checkpoint(tree: &MemoryTree, size: u64) -> Checkpoint {
    let root = truce_log::tree_root(size, tree).expect("root");
    Checkpoint::new(ORIGIN, size, root).expect("valid")
}

/// The request to move the witness from `old` to `checkpoint`, signed by
/// `signers`, with a real consistency proof.
fn request(
    tree: &MemoryTree,
    old: u64,
    checkpoint: Checkpoint,
    signers: &[&dyn Signer],
) -> Vec<u8> {
    let size = checkpoint.size();
    let proof =
        if old == 0 { Vec::new() } else { consistency_proof(old, size, tree).expect("proof") };
    let note = checkpoint.sign_by(signers).expect("signs").to_bytes();
    AddCheckpoint { old, proof, checkpoint: note }.to_bytes()
}

/// The transition from `K1` to `K2` at size `N`, signed by both.
fn transition(tree: &MemoryTree, old: u64) -> Vec<u8> {
    request(tree, old, checkpoint(tree, N).with_next_key(&k2().verifier_key()), &[&k1(), &k2()])
}

fn status(result: Result<String, AddError>) -> u16 {
    result.map_or_else(|e| e.status(), |_| 200)
}

/// Asks `witness` to move from `old` to `size`, signed by `signer`.
fn ask(witness: &Witness, tree: &MemoryTree, old: u64, size: u64, signer: &SigningKey) -> u16 {
    status(witness.add_checkpoint(&request(tree, old, checkpoint(tree, size), &[signer])))
}

fn latest_size(witness: &Witness) -> u64 {
    witness.latest_of(ORIGIN).expect("a state").size
}

/// Cosigns sizes 1 to `N - 1` with `K1`, then the transition.
fn rotated_witness(dir: &Path, tree: &MemoryTree) -> Witness {
    let witness = witness(dir);
    for size in 1..N {
        assert_eq!(ask(&witness, tree, size - 1, size, &k1()), 200, "size {size}");
    }
    assert_eq!(status(witness.add_checkpoint(&transition(tree, N - 1))), 200, "the transition");
    witness
}

#[test]
fn a_witness_follows_a_key_transition_and_refuses_the_retired_key_across_restarts() {
    let dir = tempfile::tempdir().expect("dir");
    let tree = tree();
    let witness = rotated_witness(dir.path(), &tree);
    let followed = [KeyTransition { size: N, key: k2().verifier_key() }];
    assert_eq!(witness.key_transitions(ORIGIN), followed);
    // Recorded with both keys' signatures, for monitors that knew only
    // the old key, and for the witness to verify again.
    let recorded =
        UnverifiedNote::parse(&witness.latest_of(ORIGIN).expect("state").note).expect("parses");
    for key in [k1(), k2()] {
        recorded.clone().verify(&key.verifier_key()).expect("signed by both keys");
    }

    // Beyond the transition the retired key is refused, though configured.
    assert_eq!(ask(&witness, &tree, N, N + 1, &k1()), 403);
    assert_eq!(latest_size(&witness), N, "a refusal changes nothing");
    assert_eq!(ask(&witness, &tree, N, N + 1, &k2()), 200);
    // Below it, the old key still signs: a stale request learns the size.
    assert!(matches!(
        witness.add_checkpoint(&request(&tree, 1, checkpoint(&tree, 3), &[&k1()])),
        Err(AddError::Conflict(s)) if s == N + 1
    ));

    // Reopened (the journal compacted, twice), it still follows the
    // transition.
    for _ in 0..2 {
        drop(witness_with(dir.path(), &[k1().verifier_key()]));
    }
    let witness = self::witness(dir.path());
    assert_eq!(witness.key_transitions(ORIGIN), followed);
    assert_eq!(ask(&witness, &tree, N + 1, N + 2, &k1()), 403);
    assert_eq!(latest_size(&witness), N + 1);
    assert_eq!(ask(&witness, &tree, N + 1, N + 2, &k2()), 200);
}

#[test]
fn the_transition_cosigned_again_changes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let tree = tree();
    let witness = rotated_witness(dir.path(), &tree);
    assert_eq!(status(witness.add_checkpoint(&transition(&tree, N))), 200, "the same again");
    // The same tree, signed by either key alone (both signed it).
    assert_eq!(ask(&witness, &tree, N, N, &k1()), 200);
    assert_eq!(ask(&witness, &tree, N, N, &k2()), 200);
    // The latest record is an ordinary checkpoint: the transition is kept
    // beside it, and followed again when the witness reopens.
    drop(witness);
    let witness = self::witness(dir.path());
    assert_eq!(witness.key_transitions(ORIGIN).len(), 1);
    assert_eq!(ask(&witness, &tree, N, N + 1, &k1()), 403);
    assert_eq!(ask(&witness, &tree, N, N + 1, &k2()), 200);
}

#[test]
fn bad_transitions_are_refused_and_change_nothing() {
    let tree = tree();
    let (k1, k2) = (k1(), k2());
    let next = k2.verifier_key();
    let foreign = SigningKey::from_seed(KeyName::new("other.example/log").expect("name"), &[3; 32]);
    let cosigner = SigningKey::from_seed_for(
        KeyName::new(ORIGIN).expect("name"),
        Algorithm::CosignatureV1,
        &[4; 32],
    );
    let at_n = || checkpoint(&tree, N);
    let cases: Vec<(&str, Checkpoint, Vec<&dyn Signer>)> = vec![
        ("signed by the old key only", at_n().with_next_key(&next), vec![&k1]),
        ("signed by the new key only", at_n().with_next_key(&next), vec![&k2]),
        (
            "naming a key of another name",
            at_n().with_next_key(&foreign.verifier_key()),
            vec![&k1, &foreign],
        ),
        ("naming a cosignature key", at_n().with_next_key(&cosigner.verifier_key()), vec![&k1]),
        ("naming two keys", at_n().with_next_key(&next).with_next_key(&next), vec![&k1, &k2]),
        ("naming the key it retires", at_n().with_next_key(&k1.verifier_key()), vec![&k1]),
    ];
    for (what, checkpoint, signers) in cases {
        let dir = tempfile::tempdir().expect("dir");
        let witness = witness(dir.path());
        assert_eq!(ask(&witness, &tree, 0, N - 1, &k1), 200);
        let refused = witness.add_checkpoint(&request(&tree, N - 1, checkpoint, &signers));
        assert_eq!(status(refused), 403, "{what}");
        assert_eq!(latest_size(&witness), N - 1, "{what}");
        assert_eq!(witness.key_transitions(ORIGIN), [], "{what}");
        // Nothing changed, then or after a restart: the old key signs on,
        // the new one is not trusted.
        drop(witness);
        let witness = self::witness(dir.path());
        assert_eq!(ask(&witness, &tree, N - 1, N, &k2), 403, "{what}");
        assert_eq!(ask(&witness, &tree, N - 1, N, &k1), 200, "{what}");
    }
}

#[test]
fn a_transition_retires_every_configured_key_and_can_be_followed_by_another() {
    let dir = tempfile::tempdir().expect("dir");
    let tree = tree();
    let (spare, k3) = (log_key(7), log_key(3));
    let configured = [k1().verifier_key(), spare.verifier_key()];
    let witness = witness_with(dir.path(), &configured);
    assert_eq!(ask(&witness, &tree, 0, N - 1, &spare), 200, "either configured key signs");
    assert_eq!(status(witness.add_checkpoint(&transition(&tree, N - 1))), 200);
    assert_eq!(ask(&witness, &tree, N, N + 1, &spare), 403, "the spare key is retired too");

    // A second rotation, from K2 to K3: signed by K2 and K3, not K1.
    let second = checkpoint(&tree, N + 2).with_next_key(&k3.verifier_key());
    assert_eq!(status(witness.add_checkpoint(&request(&tree, N, second, &[&k2(), &k3]))), 200);
    // Another transition at the size of the last one, back to K1, is
    // refused.
    let again = checkpoint(&tree, N + 2).with_next_key(&k1().verifier_key());
    let refused = witness.add_checkpoint(&request(&tree, N + 2, again, &[&k3, &k1()]));
    assert_eq!(status(refused), 403);

    drop(witness);
    let witness = witness_with(dir.path(), &configured);
    let sizes: Vec<u64> = witness.key_transitions(ORIGIN).iter().map(|t| t.size).collect();
    assert_eq!(sizes, [N, N + 2]);
    for retired in [k1(), spare, k2()] {
        assert_eq!(ask(&witness, &tree, N + 2, N + 3, &retired), 403);
    }
    assert_eq!(ask(&witness, &tree, N + 2, N + 3, &k3), 200);
}

#[test]
fn a_checkpoint_of_the_retired_key_racing_the_transition_is_never_cosigned() {
    let tree = tree();
    for round in 0..20 {
        let dir = tempfile::tempdir().expect("dir");
        let witness = witness(dir.path());
        assert_eq!(ask(&witness, &tree, 0, N - 1, &k1()), 200);
        let retired = request(&tree, N, checkpoint(&tree, N + 1), &[&k1()]);
        let (cosigned, raced) = std::thread::scope(|scope| {
            // Asks until the witness is at the transition's size (409
            // before), for a few seconds at most.
            let racer = scope.spawn(|| {
                let deadline = Instant::now() + Duration::from_secs(5);
                std::iter::repeat_with(|| status(witness.add_checkpoint(&retired)))
                    .find(|&status| status != 409 || Instant::now() > deadline)
            });
            let cosigned = status(witness.add_checkpoint(&transition(&tree, N - 1)));
            (cosigned, racer.join().expect("joins"))
        });
        assert_eq!((cosigned, raced), (200, Some(403)), "round {round}");
        assert_eq!(latest_size(&witness), N, "round {round}");
    }
}

#[test]
fn a_forked_transition_is_refused_before_it_is_followed() {
    // A checkpoint of another tree at the transition's size, signed by
    // both keys, is a fork: refused (422) before anything is followed.
    let dir = tempfile::tempdir().expect("dir");
    let tree = tree();
    let witness = witness(dir.path());
    assert_eq!(ask(&witness, &tree, 0, N - 1, &k1()), 200);
    let forked = Checkpoint::new(ORIGIN, N, Hash([7; 32]))
        .expect("valid")
        .with_next_key(&k2().verifier_key());
    let refused = witness.add_checkpoint(&request(&tree, N - 1, forked, &[&k1(), &k2()]));
    assert_eq!(status(refused), 422);
    assert_eq!(witness.key_transitions(ORIGIN), []);
    assert_eq!(ask(&witness, &tree, N - 1, N, &k2()), 403);
}
