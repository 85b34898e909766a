//! A witness against a log that forks or rolls back, and against
//! concurrent requests: it never cosigns two histories, and its state
//! never goes back.

use std::sync::Arc;

use truce_log::{Checkpoint, Hash, MemoryTree, consistency_proof, leaf_hash};
use truce_note::{Algorithm, KeyName, SigningKey, UnverifiedNote};
use truce_witness::{AddCheckpoint, AddError, Witness};

const ORIGIN: &str = "mission.example/log";

fn log_key() -> SigningKey {
    SigningKey::from_seed(KeyName::new(ORIGIN).expect("name"), &[1; 32])
}

fn witness(dir: &std::path::Path) -> Witness {
    let key = SigningKey::from_seed_for(
        KeyName::new("w.example/witness").expect("name"),
        Algorithm::CosignatureV1,
        &[2; 32],
    );
    Witness::open(key, [log_key().verifier_key()], dir).expect("opens")
}

/// A tree of `n` leaves; `fork` changes the leaves from that index on.
fn tree(n: u64, fork: Option<u64>) -> MemoryTree {
    let mut tree = MemoryTree::new();
    for i in 0..n {
        let tag = if fork.is_some_and(|f| i >= f) { "fork" } else { "entry" };
        tree.append(leaf_hash(format!("{tag} {i}").as_bytes())).expect("appends");
    }
    tree
}

fn root(tree: &MemoryTree, size: u64) -> Hash {
    truce_log::tree_root(size, tree).expect("root")
}

/// The request to move the witness from `old` to `size` of `tree`.
fn request(tree: &MemoryTree, old: u64, size: u64) -> Vec<u8> {
    let checkpoint = Checkpoint::new(ORIGIN, size, root(tree, size)).expect("valid");
    let note = checkpoint.sign(&log_key()).expect("signs").to_bytes();
    let proof = if old == 0 || old > size {
        Vec::new()
    } else {
        consistency_proof(old, size, tree).expect("proof")
    };
    AddCheckpoint { old, proof, checkpoint: note }.to_bytes()
}

fn status(result: &Result<String, AddError>) -> u16 {
    result.as_ref().map_or_else(AddError::status, |_| 200)
}

#[test]
fn forks_rollbacks_and_other_roots_get_no_cosignature() {
    let dir = tempfile::tempdir().expect("dir");
    let witness = witness(dir.path());
    let honest = tree(20, None);
    let forked = tree(20, Some(8));
    assert_eq!(status(&witness.add_checkpoint(&request(&honest, 0, 10))), 200);

    // Another history that shares the first 8 entries, at a larger size:
    // its proof from size 10 cannot verify against the root of 10 seen.
    assert_eq!(status(&witness.add_checkpoint(&request(&forked, 10, 12))), 422);
    // The same size with another root.
    assert_eq!(status(&witness.add_checkpoint(&request(&forked, 10, 10))), 422);
    // A smaller tree.
    assert_eq!(status(&witness.add_checkpoint(&request(&honest, 10, 8))), 400);
    assert!(matches!(witness.add_checkpoint(&request(&honest, 0, 8)), Err(AddError::Conflict(10))));
    // A checkpoint signed by another key for the same origin.
    let impostor = SigningKey::from_seed(KeyName::new(ORIGIN).expect("name"), &[3; 32]);
    let checkpoint = Checkpoint::new(ORIGIN, 12, root(&honest, 12)).expect("valid");
    let body = AddCheckpoint {
        old: 10,
        proof: consistency_proof(10, 12, &honest).expect("proof"),
        checkpoint: checkpoint.sign(&impostor).expect("signs").to_bytes(),
    };
    assert_eq!(status(&witness.add_checkpoint(&body.to_bytes())), 403);

    // The honest history goes on; none of the above changed the state.
    assert_eq!(witness.latest_of(ORIGIN).expect("state").size, 10);
    assert_eq!(status(&witness.add_checkpoint(&request(&honest, 10, 20))), 200);
    assert_eq!(
        status(&witness.add_checkpoint(&request(&honest, 20, 20))),
        200,
        "the same checkpoint again"
    );
    assert_eq!(witness.latest_of(ORIGIN).expect("state").root, root(&honest, 20));

    // A signature the witness cannot check is not recorded or shown.
    let stranger = SigningKey::from_seed_for(
        KeyName::new("stranger.example/w").expect("name"),
        Algorithm::CosignatureV1,
        &[9; 32],
    );
    let checkpoint = Checkpoint::new(ORIGIN, 20, root(&honest, 20)).expect("valid");
    let mut note =
        checkpoint.clone().sign(&log_key()).expect("signs").note().clone().into_unverified();
    note.add_signature(stranger.cosign(&checkpoint.body(), 5).expect("cosigns")).expect("adds");
    let body = AddCheckpoint { old: 20, proof: vec![], checkpoint: note.to_bytes() };
    assert_eq!(status(&witness.add_checkpoint(&body.to_bytes())), 200);
    let recorded =
        UnverifiedNote::parse(&witness.latest_of(ORIGIN).expect("state").note).expect("parses");
    let names: Vec<&str> = recorded.signatures().iter().map(|s| s.name()).collect();
    assert_eq!(names, [ORIGIN, "w.example/witness"]);
}

#[test]
fn concurrent_requests_never_roll_the_state_back() {
    let dir = tempfile::tempdir().expect("dir");
    let witness = Arc::new(witness(dir.path()));
    let honest = Arc::new(tree(200, None));
    let mut size = 0;
    for round in 0..5 {
        // Eight clients race from the same old size to different sizes:
        // exactly one wins, the others learn its size.
        let results: Vec<(u64, Result<String, AddError>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (1..=8u64)
                .map(|k| {
                    let (witness, honest) = (witness.clone(), honest.clone());
                    let target = size + k * (round + 1);
                    scope.spawn(move || {
                        (target, witness.add_checkpoint(&request(&honest, size, target)))
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("joins")).collect()
        });
        let winners: Vec<u64> =
            results.iter().filter(|(_, r)| r.is_ok()).map(|(t, _)| *t).collect();
        assert_eq!(winners.len(), 1, "round {round}: {results:?}");
        for (_, result) in &results {
            if let Err(e) = result {
                assert!(matches!(e, AddError::Conflict(s) if *s == winners[0]), "{e}");
            }
        }
        size = winners[0];
        assert_eq!(witness.latest_of(ORIGIN).expect("state").size, size);
    }
    // And after a restart.
    drop(witness);
    let witness = self::witness(dir.path());
    assert_eq!(witness.latest_of(ORIGIN).expect("state").size, size);
}
