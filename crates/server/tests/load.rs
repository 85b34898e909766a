//! A bounded load test on loopback: concurrent clients submit single
//! entries and batches for a few seconds; then every acknowledged entry is
//! in the log with its bytes and has a proof that verifies, and the log
//! holds nothing else: no entry half-written, none unacknowledged.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::{TestServer, on_every_backend, report, sign};
use serde_json::json;
use truce_log::{LogStorage as _, TilePath, TlogProof, TreeAuditor, VerifiedCheckpoint};

const CLIENTS: usize = 6;
/// How long the clients submit: longest on the embedded default, shorter
/// on the other combinations, which run the same code paths.
fn run_for(backend: &common::Backend) -> Duration {
    Duration::from_secs(if backend.is_embedded() { 8 } else { 3 })
}

#[test]
fn concurrent_clients_lose_nothing_and_half_write_nothing() {
    on_every_backend(|backend| {
        let server = TestServer::start_with(backend, |config| {
            config.rate_per_second = 1e9;
            config.rate_burst = 1e9;
        });
        let keys: Vec<_> = (0..CLIENTS)
            .map(|c| server.register(&format!("load-{c}"), "monitor", &format!("Org {c}"), None))
            .collect();
        let setup_size = server.size();

        let acknowledged: Vec<Vec<(u64, Vec<u8>)>> = std::thread::scope(|scope| {
            let clients: Vec<_> = keys
                .iter()
                .enumerate()
                .map(|(c, key)| {
                    let server = &server;
                    scope.spawn(move || {
                        let started = Instant::now();
                        let mut acked = Vec::new();
                        let mut n = 0;
                        while started.elapsed() < run_for(backend) {
                            let batch = if n % 3 == 0 { 20 } else { 1 };
                            let notes: Vec<Vec<u8>> = (0..batch)
                                .map(|i| {
                                    let lat = 45.0 + ((n + i) % 500) as f64 / 100.0;
                                    sign(
                                        &report(
                                            &format!("c{c}-{}", n + i),
                                            lat,
                                            30.0 + c as f64,
                                            14,
                                        ),
                                        &[key],
                                    )
                                })
                                .collect();
                            n += batch;
                            if batch == 1 {
                                let (status, body) = server.submit(&notes[0]);
                                assert!(status == 201, "{status}: {body}");
                                acked.push((
                                    body["index"].as_u64().expect("index"),
                                    notes[0].clone(),
                                ));
                            } else {
                                let strings: Vec<String> = notes
                                    .iter()
                                    .map(|n| String::from_utf8(n.clone()).expect("utf-8"))
                                    .collect();
                                let (status, _, body) = server.post(
                                    "application/json",
                                    json!(strings).to_string().as_bytes(),
                                );
                                assert_eq!(status, 200, "{body}");
                                for (result, note) in
                                    body["results"].as_array().expect("results").iter().zip(notes)
                                {
                                    let index = result["index"]
                                        .as_u64()
                                        .unwrap_or_else(|| panic!("{result}"));
                                    acked.push((index, note));
                                }
                            }
                        }
                        acked
                    })
                })
                .collect();
            clients.into_iter().map(|c| c.join().expect("client")).collect()
        });
        let acknowledged: Vec<(u64, Vec<u8>)> = acknowledged.into_iter().flatten().collect();
        assert!(acknowledged.len() > 200, "only {} entries acknowledged", acknowledged.len());

        // Each index was given once.
        let mut by_index: HashMap<u64, Vec<u8>> = HashMap::new();
        for (index, note) in &acknowledged {
            assert!(by_index.insert(*index, note.clone()).is_none(), "index {index} given twice");
        }

        // The log holds exactly the setup and the acknowledged entries, and
        // verifies from scratch.
        let (_, _, checkpoint) = server.get("/checkpoint");
        let vkey = server.log_key.verifier_key();
        let checkpoint = VerifiedCheckpoint::verify(checkpoint.as_bytes(), &vkey, common::ORIGIN)
            .expect("verifies");
        assert_eq!(
            checkpoint.size(),
            setup_size + acknowledged.len() as u64,
            "unacknowledged entries in the log"
        );
        let storage = server.storage();
        let mut auditor = TreeAuditor::new(checkpoint.size(), checkpoint.root());
        for bundle in auditor.bundles().collect::<Vec<_>>() {
            let read = |path| {
                truce_log::read_objects(&storage, &[path])
                    .expect("reads")
                    .remove(0)
                    .expect("exists")
            };
            let data = read(TilePath::Entries(bundle));
            let tile = read(TilePath::Hashes(bundle.hash_tile()));
            let first = auditor.audited();
            let entries = auditor
                .check_bundle(bundle, &data, &tile, |t| Ok(read(TilePath::Hashes(t))))
                .expect("the log audits");
            for (i, entry) in entries.iter().enumerate() {
                let index = first + i as u64;
                if index >= setup_size {
                    assert_eq!(
                        by_index.get(&index).map(Vec::as_slice),
                        Some(*entry),
                        "entry {index}"
                    );
                }
            }
        }
        auditor.finish().expect("the root matches");

        // Every acknowledged entry is provable (a sample, to stay quick: each
        // proof is an HTTP request, and reads tiles from the bucket on the
        // distributed backends).
        let sample = if backend.is_embedded() { 300 } else { 60 };
        let step = (acknowledged.len() / sample).max(1);
        for (index, note) in acknowledged.iter().step_by(step) {
            let (status, _, proof) = server.get(&format!("/v1/proof/{index}"));
            assert_eq!(status, 200);
            TlogProof::parse(proof.as_bytes())
                .expect("a proof")
                .verify(note, &vkey, common::ORIGIN)
                .expect("the proof verifies");
        }
        assert!(storage.read_checkpoint().expect("reads").is_some());
    });
}

/// Clients race to use the same local ids with different content: however
/// the entries fall into groups (one group, consecutive groups while the
/// index writer is still behind, or groups already indexed), each id is
/// taken exactly once and every other use of it is refused.
#[test]
fn racing_uses_of_one_local_id_admit_exactly_one() {
    on_every_backend(|backend| {
        const RACERS: usize = 8;
        const IDS: usize = 60;
        let server = TestServer::start_with(backend, |config| {
            config.rate_per_second = 1e9;
            config.rate_burst = 1e9;
        });
        let key = server.register("racer", "monitor", "Org", None);
        let before = server.size();
        let results: Vec<Vec<(usize, u16, serde_json::Value)>> = std::thread::scope(|scope| {
            let racers: Vec<_> = (0..RACERS)
                .map(|r| {
                    let (server, key) = (&server, &key);
                    scope.spawn(move || {
                        (0..IDS)
                            .map(|id| {
                                let lat = 45.0 + r as f64 / 10.0;
                                let note =
                                    sign(&report(&format!("race-{id}"), lat, 31.0, 14), &[key]);
                                let (status, body) = server.submit(&note);
                                (id, status, body)
                            })
                            .collect()
                    })
                })
                .collect();
            racers.into_iter().map(|r| r.join().expect("racer")).collect()
        });
        let mut winners: HashMap<usize, Vec<u64>> = HashMap::new();
        for (id, status, body) in results.into_iter().flatten() {
            match status {
                201 => winners.entry(id).or_default().push(body["index"].as_u64().expect("index")),
                409 => assert!(
                    body["type"].as_str().is_some_and(|t| t.ends_with("/local-id-reused")),
                    "{body}"
                ),
                other => panic!("{other}: {body}"),
            }
        }
        for id in 0..IDS {
            assert_eq!(winners.get(&id).map(Vec::len), Some(1), "race-{id}: {winners:?}");
        }
        assert_eq!(server.size(), before + IDS as u64, "only the winners are in the log");
    });
}
