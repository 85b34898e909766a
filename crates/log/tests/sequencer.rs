//! The sequencer against a test storage that fails the test when an
//! invariant breaks, and that injects both kinds of failure: a write that
//! fails and is not persisted, and one that fails but is persisted.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use truce_log::{
    BoxError, Checkpoint, Hash, LogKeys, LogStorage, MemoryDedup, Sequencer, SequencerError,
    TileHashReader, TilePath, TreeAuditor, VerifiedCheckpoint, bundles_for_size, inclusion_proof,
    leaf_hash, tiles_for_size, verify_inclusion,
};
use truce_note::{KeyName, SigningKey, UnverifiedNote};

const ORIGIN: &str = "test.example/log";

fn key() -> SigningKey {
    SigningKey::from_seed(KeyName::new(ORIGIN).expect("valid"), &[42; 32])
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Fault {
    /// The operation fails and nothing is stored.
    FailNotPersisted,
    /// The operation is stored, then reports failure.
    FailButPersisted,
}

#[derive(Default)]
struct TestStorage {
    objects: RefCell<HashMap<String, Vec<u8>>>,
    checkpoint: RefCell<Option<Vec<u8>>>,
    history: RefCell<HashMap<u64, Vec<u8>>>,
    /// Fail the operation after this many more succeed.
    fault_after: Cell<Option<(usize, Fault)>>,
}

#[derive(Debug, thiserror::Error)]
#[error("injected fault")]
struct Injected;

impl TestStorage {
    /// `Some(fault)` if this operation must fail.
    fn fault(&self) -> Option<Fault> {
        match self.fault_after.get() {
            Some((0, fault)) => {
                self.fault_after.set(None);
                Some(fault)
            }
            Some((n, fault)) => {
                self.fault_after.set(Some((n - 1, fault)));
                None
            }
            None => None,
        }
    }

    fn published_size(&self) -> u64 {
        self.checkpoint.borrow().as_ref().map_or(0, |bytes| {
            let note = UnverifiedNote::parse(bytes).expect("a note");
            Checkpoint::parse(note.text_unverified()).expect("a checkpoint").size()
        })
    }

    /// Every object the tree of `size` has, by path.
    fn published_paths(size: u64) -> Vec<String> {
        tiles_for_size(size)
            .map(|t| t.path())
            .chain(bundles_for_size(size).map(|b| b.path()))
            .collect()
    }

    /// The audit a client would do: every tile and bundle is there and
    /// gives the checkpoint's root.
    fn audit(&self, checkpoint: &[u8]) {
        // Signed by the log's key, before or after the rotation tests make.
        let keys = vec![key().verifier_key(), new_key().verifier_key()];
        let checkpoint =
            VerifiedCheckpoint::verify_with(checkpoint, &keys, ORIGIN).expect("verifies");
        let get = |path: TilePath| {
            truce_log::read_objects(self, &[path]).expect("reads").into_iter().next().flatten()
        };
        let mut auditor = TreeAuditor::new(checkpoint.size(), checkpoint.root());
        for bundle in auditor.bundles().collect::<Vec<_>>() {
            let data =
                get(TilePath::Entries(bundle)).unwrap_or_else(|| panic!("{bundle} is missing"));
            let tile = get(TilePath::Hashes(bundle.hash_tile())).expect("level 0 tile");
            auditor
                .check_bundle(bundle, &data, &tile, |t| {
                    get(TilePath::Hashes(t)).ok_or("missing".into())
                })
                .unwrap_or_else(|e| panic!("audit: {e}"));
        }
        auditor.finish().unwrap_or_else(|e| panic!("audit: {e}"));
    }
}

impl LogStorage for TestStorage {
    fn read_checkpoint(&self) -> Result<Option<Vec<u8>>, BoxError> {
        Ok(self.checkpoint.borrow().clone())
    }

    fn read(&self, paths: &[TilePath]) -> Result<Vec<Option<Vec<u8>>>, BoxError> {
        let objects = self.objects.borrow();
        Ok(paths.iter().map(|p| objects.get(&p.to_string()).cloned()).collect())
    }

    fn write(&self, new: &[(TilePath, Vec<u8>)]) -> Result<(), BoxError> {
        let fault = self.fault();
        if fault == Some(Fault::FailNotPersisted) {
            return Err(Injected.into());
        }
        let published = TestStorage::published_paths(self.published_size());
        let mut objects = self.objects.borrow_mut();
        for (path, data) in new {
            let path = path.to_string();
            if published.contains(&path) {
                assert_eq!(
                    objects.get(&path),
                    Some(data),
                    "rewrote {path}, which the published checkpoint covers, with other bytes"
                );
            }
            objects.insert(path, data.clone());
        }
        // As the directory backend does: partial versions of a full tile go.
        for (path, _) in new {
            if truce_log::full_version(path).is_none() {
                let prefix = format!("{path}.p/");
                objects.retain(|p, _| !p.starts_with(&prefix));
            }
        }
        match fault {
            Some(_) => Err(Injected.into()),
            None => Ok(()),
        }
    }

    fn publish_checkpoint(
        &self,
        old: Option<&[u8]>,
        new: &[u8],
        size: u64,
    ) -> Result<(), BoxError> {
        let fault = self.fault();
        if fault == Some(Fault::FailNotPersisted) {
            return Err(Injected.into());
        }
        assert_eq!(self.checkpoint.borrow().as_deref(), old, "compare and swap");
        assert!(size >= self.published_size(), "the checkpoint went backwards");
        // Everything the new checkpoint covers is already stored.
        self.audit(new);
        *self.checkpoint.borrow_mut() = Some(new.to_vec());
        self.history.borrow_mut().insert(size, new.to_vec());
        match fault {
            Some(_) => Err(Injected.into()),
            None => Ok(()),
        }
    }

    fn read_checkpoint_at(&self, size: u64) -> Result<Option<Vec<u8>>, BoxError> {
        Ok(self.history.borrow().get(&size).cloned())
    }
}

fn entry(i: u64) -> Vec<u8> {
    format!("entry number {i}\n").into_bytes()
}

#[test]
fn batches_of_every_shape_build_the_right_tree() {
    let storage = TestStorage::default();
    let mut log =
        Sequencer::create(&storage, MemoryDedup::default(), key(), ORIGIN).expect("creates");
    let mut next = 0u64;
    for batch in [1, 1, 254, 1, 3, 256, 512, 17, 300, 0, 1000, 255] {
        let entries: Vec<Vec<u8>> = (next..next + batch).map(entry).collect();
        let logged = log.append(&entries).expect("appends");
        for (i, l) in logged.iter().enumerate() {
            assert_eq!(l.index, next + i as u64);
            assert!(!l.duplicate);
        }
        next += batch;
        assert_eq!(log.checkpoint().size(), next);
    }
    // Reopened, it carries on from the same state.
    drop(log);
    let mut log = Sequencer::open(&storage, MemoryDedup::default(), key(), ORIGIN).expect("opens");
    assert_eq!(log.checkpoint().size(), next);
    let logged = log.append(&[entry(next)]).expect("appends");
    assert_eq!(logged[0].index, next);
    // Proofs from the stored tiles verify against the checkpoint.
    let size = log.checkpoint().size();
    let reader = TileHashReader::new(size, truce_log::StorageTiles(&storage));
    for index in [0, 255, 256, 1000, size - 1] {
        let proof = inclusion_proof(index, size, &reader).expect("proves");
        verify_inclusion(&leaf_hash(&entry(index)), index, size, &proof, &log.checkpoint().root())
            .expect("verifies");
    }
}

#[test]
fn a_tree_past_the_second_tile_level_is_right() {
    let storage = TestStorage::default();
    let mut log =
        Sequencer::create(&storage, MemoryDedup::default(), key(), ORIGIN).expect("creates");
    let total = 65_536 + 300;
    let entries: Vec<Vec<u8>> = (0..total).map(entry).collect();
    for chunk in entries.chunks(20_000) {
        log.append(chunk).expect("appends");
    }
    assert_eq!(log.checkpoint().size(), total);
    assert!(storage.objects.borrow().contains_key("tile/2/000.p/1"));
    // Partial tiles whose full tile exists are gone.
    assert!(!storage.objects.borrow().keys().any(|p| p.starts_with("tile/0/000.p/")));
}

#[test]
fn resubmitted_entries_keep_their_index() {
    let storage = TestStorage::default();
    let mut log =
        Sequencer::create(&storage, MemoryDedup::default(), key(), ORIGIN).expect("creates");
    log.append(&[entry(0), entry(1)]).expect("appends");
    let logged = log.append(&[entry(2), entry(1), entry(2), entry(3)]).expect("appends");
    let got: Vec<(u64, bool)> = logged.iter().map(|l| (l.index, l.duplicate)).collect();
    assert_eq!(got, [(2, false), (1, true), (2, true), (3, false)]);
    assert_eq!(log.checkpoint().size(), 4);
    // All duplicates: nothing new is published.
    let before = log.checkpoint().to_bytes();
    log.append(&[entry(0)]).expect("appends");
    assert_eq!(log.checkpoint().to_bytes(), before);
    // A fresh dedup index catches up from the log when the log opens.
    drop(log);
    let mut log = Sequencer::open(&storage, MemoryDedup::default(), key(), ORIGIN).expect("opens");
    assert_eq!(log.append(&[entry(3)]).expect("appends")[0].index, 3);
}

/// A dedup index that remembers the leaves it was asked about.
#[derive(Default)]
struct CountingDedup {
    inner: MemoryDedup,
    asked: RefCell<Vec<Hash>>,
}

impl truce_log::DedupIndex for CountingDedup {
    fn lookup(&self, leaves: &[Hash]) -> Result<Vec<Option<u64>>, BoxError> {
        self.asked.borrow_mut().extend_from_slice(leaves);
        self.inner.lookup(leaves)
    }
    fn insert(&mut self, entries: &[(Hash, u64)], new_size: u64) -> Result<(), BoxError> {
        self.inner.insert(entries, new_size)
    }
    fn covered_size(&self) -> Result<u64, BoxError> {
        self.inner.covered_size()
    }
    fn clear(&mut self) -> Result<(), BoxError> {
        self.inner.clear()
    }
}

#[test]
fn an_append_after_find_asks_the_dedup_index_only_about_what_find_did_not_rule_out() {
    let storage = TestStorage::default();
    let mut log =
        Sequencer::create(&storage, CountingDedup::default(), key(), ORIGIN).expect("creates");
    log.append(&[entry(0), entry(1)]).expect("appends");
    let leaf = |i: u64| leaf_hash(&entry(i));
    let asked = |log: &Sequencer<&TestStorage, CountingDedup>| {
        std::mem::take(&mut *log.dedup().asked.borrow_mut())
    };
    asked(&log);

    assert_eq!(
        log.find(&[entry(1), entry(2), entry(3)]).expect("finds"),
        [(leaf(1), Some(1)), (leaf(2), None), (leaf(3), None)]
    );
    assert_eq!(asked(&log), [leaf(1), leaf(2), leaf(3)]);
    // 2 and 3 were ruled out at this size; 4 was not asked about.
    let logged = log.append(&[entry(2), entry(3), entry(1), entry(4)]).expect("appends");
    let got: Vec<(u64, bool)> = logged.iter().map(|l| (l.index, l.duplicate)).collect();
    assert_eq!(got, [(2, false), (3, false), (1, true), (4, false)]);
    assert_eq!(asked(&log), [leaf(1), leaf(4)]);

    // What find ruled out holds for one append at that size only.
    log.find(&[entry(5)]).expect("finds");
    log.append(&[entry(6)]).expect("appends");
    asked(&log);
    assert_eq!(log.append(&[entry(5)]).expect("appends")[0].index, 6);
    assert_eq!(asked(&log), [leaf(5)]);
    log.find(&[entry(7)]).expect("finds");
    log.append(&[entry(7)]).expect("appends");
    assert_eq!(
        log.append(&[entry(7)]).expect("appends")[0],
        truce_log::Logged { index: 7, leaf: leaf(7), duplicate: true }
    );
}

#[test]
fn a_lying_dedup_index_gives_no_wrong_index() {
    let storage = TestStorage::default();
    let mut dedup = MemoryDedup::default();
    let mut log =
        Sequencer::create(&storage, MemoryDedup::default(), key(), ORIGIN).expect("creates");
    log.append(&[entry(0), entry(1)]).expect("appends");
    drop(log);
    // An index that claims entry 9 is at index 0 (as a collision of short
    // keys would).
    truce_log::DedupIndex::insert(&mut dedup, &[(leaf_hash(&entry(9)), 0)], 2).expect("inserts");
    let mut log = Sequencer::open(&storage, dedup, key(), ORIGIN).expect("opens");
    let logged = log.append(&[entry(9)]).expect("appends");
    assert_eq!((logged[0].index, logged[0].duplicate), (2, false));
    assert_eq!(log.checkpoint().size(), 3);
}

#[test]
fn bad_entries_change_nothing() {
    let storage = TestStorage::default();
    let mut log =
        Sequencer::create(&storage, MemoryDedup::default(), key(), ORIGIN).expect("creates");
    let objects = storage.objects.borrow().len();
    assert!(matches!(
        log.append(&[entry(0), Vec::new()]),
        Err(SequencerError::EmptyEntry { position: 1 })
    ));
    assert!(matches!(
        log.append(&[vec![b'x'; 65_536]]),
        Err(SequencerError::EntryTooLarge { position: 0, size: 65_536 })
    ));
    assert_eq!(log.checkpoint().size(), 0);
    assert_eq!(storage.objects.borrow().len(), objects);
}

#[test]
fn a_second_log_in_the_same_storage_is_refused_and_the_key_must_match() {
    let storage = TestStorage::default();
    Sequencer::create(&storage, MemoryDedup::default(), key(), ORIGIN).expect("creates");
    assert!(matches!(
        Sequencer::create(&storage, MemoryDedup::default(), key(), ORIGIN),
        Err(SequencerError::AlreadyCreated)
    ));
    let other = SigningKey::from_seed(KeyName::new(ORIGIN).expect("valid"), &[7; 32]);
    assert!(matches!(
        Sequencer::open(&storage, MemoryDedup::default(), other, ORIGIN),
        Err(SequencerError::Checkpoint(_))
    ));
    assert!(matches!(
        Sequencer::open(&storage, MemoryDedup::default(), key(), "another.example/log"),
        Err(SequencerError::Checkpoint(_))
    ));
}

#[test]
fn every_fault_leaves_a_log_with_every_acknowledged_entry() {
    for fault in [Fault::FailNotPersisted, Fault::FailButPersisted] {
        for after in 0..12 {
            let storage = TestStorage::default();
            let mut log = Sequencer::create(&storage, MemoryDedup::default(), key(), ORIGIN)
                .expect("creates");
            let mut acknowledged: Vec<(u64, Vec<u8>)> = Vec::new();
            storage.fault_after.set(Some((after, fault)));
            let mut next = 0u64;
            for batch in [3u64, 300, 1, 255, 40, 600] {
                let entries: Vec<Vec<u8>> = (next..next + batch).map(entry).collect();
                next += batch;
                match log.append(&entries) {
                    Ok(logged) => {
                        for (l, e) in logged.iter().zip(&entries) {
                            acknowledged.push((l.index, e.clone()));
                        }
                    }
                    Err(_) => {
                        // Recovery goes through the normal start-up path.
                        drop(log);
                        log = Sequencer::open(&storage, MemoryDedup::default(), key(), ORIGIN)
                            .expect("reopens after a fault");
                    }
                }
            }
            let size = log.checkpoint().size();
            storage.audit(&log.checkpoint().to_bytes());
            for (index, bytes) in &acknowledged {
                assert!(*index < size, "{fault:?} after {after}: entry {index} lost");
                let stored = truce_log::read_entry(&storage, *index, size).expect("reads");
                assert_eq!(stored.as_ref(), Some(bytes), "{fault:?} after {after}: entry {index}");
            }
        }
    }
}

fn new_key() -> SigningKey {
    SigningKey::from_seed(KeyName::new(ORIGIN).expect("valid"), &[43; 32])
}

#[test]
fn a_rotated_log_signs_with_the_new_key_and_readers_follow_the_transition() {
    let storage = TestStorage::default();
    let mut log =
        Sequencer::create(&storage, MemoryDedup::default(), key(), ORIGIN).expect("creates");
    log.append(&[entry(0), entry(1)]).expect("appends");
    let before = log.checkpoint().to_bytes();

    let logged = log.rotate_key(b"announcement", new_key()).expect("rotates");
    assert_eq!((logged.index, logged.duplicate), (2, false));
    let transition = log.checkpoint().to_bytes();
    let text = String::from_utf8(transition.clone()).expect("utf-8");
    assert!(text.contains(&format!("\ntruce-log-key {}\n", new_key().verifier_key())), "{text}");
    for key in [key(), new_key()] {
        VerifiedCheckpoint::verify(&transition, &key.verifier_key(), ORIGIN)
            .expect("the transition is signed by both keys");
    }
    assert_eq!(
        storage.history.borrow().get(&3),
        Some(&transition),
        "the transition is kept in the history"
    );

    log.append(&[entry(2)]).expect("appends with the new key");
    let after = log.checkpoint().to_bytes();
    assert!(VerifiedCheckpoint::verify(&after, &key().verifier_key(), ORIGIN).is_err());

    // A reader that trusts the old key verifies what came before, and
    // what came after only once it has followed the transition.
    let mut keys = LogKeys::new(key().verifier_key(), ORIGIN);
    keys.verify(&before).expect("the old key signed it");
    assert!(keys.verify(&after).is_err());
    assert_eq!(keys.follow(&transition).expect("follows"), &new_key().verifier_key());
    keys.follow(&transition).expect("following it again changes nothing");
    assert_eq!(keys.verify(&after).expect("verifies").size(), 4);
    keys.verify(&before).expect("the old key still verifies the old tree");

    // The retired key cannot sign a larger tree that the reader accepts.
    let forged = Checkpoint::new(ORIGIN, 9, Hash([9; 32]))
        .and_then(|c| c.sign(&key()))
        .expect("signs")
        .to_bytes();
    assert!(keys.verify(&forged).is_err());
}

#[test]
fn a_sequencer_with_the_retired_key_reads_but_does_not_append() {
    let storage = TestStorage::default();
    let mut log =
        Sequencer::create(&storage, MemoryDedup::default(), key(), ORIGIN).expect("creates");
    log.append(&[entry(0)]).expect("appends");
    log.rotate_key(b"announcement", new_key()).expect("rotates");
    drop(log);

    // Opened with the old key, at the transition: it may not sign.
    let mut old = Sequencer::open(&storage, MemoryDedup::default(), key(), ORIGIN).expect("opens");
    let refused = old.append(&[entry(1)]);
    assert!(
        matches!(&refused, Err(SequencerError::KeyRetired { key, size: 2 }) if **key == new_key().verifier_key()),
        "{refused:?}"
    );
    // Run again, the rotation takes the new key and appends nothing.
    let again = old.rotate_key(b"announcement", new_key()).expect("resumes");
    assert_eq!((again.index, again.duplicate), (1, true));
    old.append(&[entry(1)]).expect("appends with the new key");
    drop(old);

    let mut new = Sequencer::open(&storage, MemoryDedup::default(), new_key(), ORIGIN)
        .expect("opens with the new key");
    new.append(&[entry(2)]).expect("appends");
    assert_eq!(new.checkpoint().size(), 4);
    // Past the transition the old key cannot even open the log.
    assert!(Sequencer::open(&storage, MemoryDedup::default(), key(), ORIGIN).is_err());
}

#[test]
fn bad_rotations_change_nothing() {
    let storage = TestStorage::default();
    let mut log =
        Sequencer::create(&storage, MemoryDedup::default(), key(), ORIGIN).expect("creates");
    log.append(&[entry(0)]).expect("appends");
    let before = log.checkpoint().to_bytes();
    let other_name = SigningKey::from_seed(KeyName::new("other.example").expect("name"), &[1; 32]);
    let cosigner = SigningKey::from_seed_for(
        KeyName::new(ORIGIN).expect("name"),
        truce_note::Algorithm::CosignatureV1,
        &[2; 32],
    );
    for (what, result) in [
        ("another name", log.rotate_key(b"announcement", other_name)),
        ("a cosigner key", log.rotate_key(b"announcement", cosigner)),
        ("the same key", log.rotate_key(b"announcement", key())),
        ("an empty announcement", log.rotate_key(b"", new_key())),
        ("a logged announcement", log.rotate_key(&entry(0), new_key())),
    ] {
        assert!(result.is_err(), "{what}");
        assert_eq!(log.checkpoint().to_bytes(), before, "{what}");
    }
    log.append(&[entry(1)]).expect("the old key still appends");
}

#[test]
fn a_transition_must_be_signed_by_both_keys_and_name_one_key() {
    let root = Hash([5; 32]);
    let body = || Checkpoint::new(ORIGIN, 5, root).expect("body");
    let transition = |checkpoint: Checkpoint, signers: &[&dyn truce_note::Signer]| {
        checkpoint.sign_by(signers).expect("signs").to_bytes()
    };
    let next = new_key().verifier_key();
    let foreign = SigningKey::from_seed(KeyName::new("other.example").expect("name"), &[3; 32]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("signed by the old key only", transition(body().with_next_key(&next), &[&key()])),
        ("signed by the new key only", transition(body().with_next_key(&next), &[&new_key()])),
        (
            "naming a key of another name",
            transition(body().with_next_key(&foreign.verifier_key()), &[&key(), &foreign]),
        ),
        (
            "naming two keys",
            transition(body().with_next_key(&next).with_next_key(&next), &[&key(), &new_key()]),
        ),
        ("naming no key", transition(body(), &[&key(), &new_key()])),
    ];
    for (what, note) in cases {
        let mut keys = LogKeys::new(key().verifier_key(), ORIGIN);
        assert!(keys.follow(&note).is_err(), "{what}");
        assert_eq!(keys.current(), &key().verifier_key(), "{what}");
    }
    let mut keys = LogKeys::new(key().verifier_key(), ORIGIN);
    keys.follow(&transition(body().with_next_key(&next), &[&key(), &new_key()])).expect("follows");
    let earlier = SigningKey::from_seed(KeyName::new(ORIGIN).expect("name"), &[4; 32]);
    let older = Checkpoint::new(ORIGIN, 4, root)
        .expect("body")
        .with_next_key(&earlier.verifier_key())
        .sign_by(&[&new_key(), &earlier])
        .expect("signs")
        .to_bytes();
    assert!(keys.follow(&older).is_err(), "a transition below the last one");
}
