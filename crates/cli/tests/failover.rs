//! Failover: two `truce serve` processes against one PostgreSQL database
//! and one S3 bucket, under concurrent load. The one that sequences is
//! killed with SIGKILL at random moments, again and again, and started
//! again (it comes back as a standby); the other takes over once the lease
//! ran out. Afterwards the bucket audits, entries and all; every
//! acknowledged entry is in the log exactly once, at the index it was
//! acknowledged with; and no two checkpoints of one size were ever served
//! or published (every one served, and every one in the sequencer lock's
//! history, is a prefix of the final tree).

mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{Rng, Serve, sign, truce};
use serde_json::json;
use truce_log::{Hash, LogStorage, TreeBuilder, VerifiedCheckpoint};
use truce_note::{KeyName, SigningKey, VerifierKey};
use truce_store::SequencerLock as _;

const KILLS: usize = 20;
const CLIENTS: usize = 4;
const ORIGIN: &str = "failover.truce.example/log";
/// Short, so that twenty takeovers fit in a test.
const LEASE_TTL_MS: u64 = 1500;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// Submits `note` to whichever server takes it, retrying (also after a
/// server died with the request in flight) until one acknowledges it; its
/// index.
fn submit_anywhere(urls: &[String], note: &[u8]) -> u64 {
    let agent = agent();
    let deadline = Instant::now() + Duration::from_secs(120);
    for attempt in 0.. {
        assert!(Instant::now() < deadline, "no server acknowledged an entry for two minutes");
        let url = &urls[attempt % urls.len()];
        let sent =
            agent.post(format!("{url}/v1/entries")).header("content-type", "text/plain").send(note);
        if let Ok(mut response) = sent {
            let status = response.status().as_u16();
            let body = response.body_mut().read_to_string().unwrap_or_default();
            match status {
                200 | 201 => {
                    let body: serde_json::Value = serde_json::from_str(&body).expect("JSON");
                    return body["index"].as_u64().expect("an index");
                }
                503 => {}
                other => panic!("{url}: {other}: {body}"),
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    unreachable!()
}

fn role(url: &str) -> Option<String> {
    let mut response = agent().get(format!("{url}/healthz")).call().ok()?;
    let body: serde_json::Value =
        serde_json::from_str(&response.body_mut().read_to_string().ok()?).ok()?;
    body["role"].as_str().map(str::to_owned)
}

/// The server that sequences now, once one does.
fn sequencer(servers: &[Serve]) -> usize {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(k) =
            (0..servers.len()).find(|&k| role(&servers[k].url).as_deref() == Some("sequencer"))
        {
            return k;
        }
        assert!(Instant::now() < deadline, "no server took the log over");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_standby_takes_over_from_a_killed_sequencer_and_nothing_is_lost() {
    let (Some(storage), Some(index)) = (truce_testkit::s3(), truce_testkit::postgres()) else {
        return;
    };
    let work = tempfile::tempdir().expect("dir");
    let dir = work.path();
    let config = format!(
        "storage = {storage:?}\nindex = {index:?}\nlease_ttl_ms = {LEASE_TTL_MS}\n\
         follow_interval_ms = 50\nrate_per_second = 1e9\nrate_burst = 1e9\n"
    );
    std::fs::write(dir.join("truce.toml"), config).expect("writes");
    let out =
        truce(dir, &["init", "--data", "data", "--config", "truce.toml", "--origin", ORIGIN], b"");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let serve_args = ["--data", "data", "--config", "truce.toml"];
    let mut servers = [Serve::start(dir, &serve_args), Serve::start(dir, &serve_args)];
    let urls: Vec<String> = servers.iter().map(|s| s.url.clone()).collect();

    let operator = truce_store::read_key_file(&dir.join("data/keys/operator.key")).expect("key");
    let log_key: VerifierKey =
        truce_store::read_key_file(&dir.join("data/keys/log.key")).expect("key").verifier_key();
    let source = SigningKey::from_seed(KeyName::new("load-1").expect("name"), &[9; 32]);
    let registration = json!({
        "type": "truce.source/v1", "source": "load-1", "action": "register",
        "key": source.verifier_key().to_string(), "name": "Load", "role": "monitor",
        "organisation": "Mission", "reliability": "B",
    });
    submit_anywhere(&urls, &sign(&registration, &operator));

    // Clients submit without pause; a poller records every checkpoint
    // either server serves.
    let stop = AtomicBool::new(false);
    let served: Mutex<BTreeMap<u64, Vec<Hash>>> = Mutex::new(BTreeMap::new());
    let acknowledged: Vec<(u64, Vec<u8>)> = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let (stop, urls, source) = (&stop, &urls, &source);
                scope.spawn(move || {
                    let mut acked = Vec::new();
                    let mut n = 0u64;
                    while !stop.load(Ordering::SeqCst) {
                        let mut report = common::report_fixture();
                        report["id"] = json!(format!("c{c}-{n}"));
                        report["location"]["lat"] = json!(45.0 + (n % 500) as f64 / 100.0);
                        let note = sign(&report, source);
                        acked.push((submit_anywhere(urls, &note), note));
                        n += 1;
                    }
                    acked
                })
            })
            .collect();
        let poller = {
            let (stop, urls, served, log_key) = (&stop, &urls, &served, &log_key);
            scope.spawn(move || {
                let agent = agent();
                while !stop.load(Ordering::SeqCst) {
                    for url in urls {
                        let Ok(mut response) = agent.get(format!("{url}/checkpoint")).call() else {
                            continue;
                        };
                        let Ok(bytes) = response.body_mut().read_to_vec() else { continue };
                        let checkpoint = VerifiedCheckpoint::verify(&bytes, log_key, ORIGIN)
                            .expect("every served checkpoint is signed by the log");
                        let mut served = served.lock().expect("lock");
                        let roots = served.entry(checkpoint.size()).or_default();
                        if !roots.contains(&checkpoint.root()) {
                            roots.push(checkpoint.root());
                        }
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
            })
        };

        let mut rng = Rng(0x5eed_f00d_1234_5678);
        for kill in 0..KILLS {
            let active = sequencer(&servers);
            std::thread::sleep(Duration::from_millis(100 + rng.below(900)));
            eprintln!("kill {kill}: the sequencer at {}", servers[active].url);
            servers[active].kill();
            servers[active].restart();
            let took_over = Instant::now();
            sequencer(&servers);
            eprintln!("  taken over after {:?}", took_over.elapsed());
        }
        // A last stretch of load under the last sequencer.
        std::thread::sleep(Duration::from_millis(500));
        stop.store(true, Ordering::SeqCst);
        poller.join().expect("poller");
        clients.into_iter().flat_map(|c| c.join().expect("client")).collect()
    });
    drop(servers);
    assert!(acknowledged.len() > 100, "the load ran: {} entries", acknowledged.len());

    // The bucket audits, entries and all.
    let out = truce(
        dir,
        &[
            "log",
            "audit",
            "--storage",
            &storage,
            "--index",
            &index,
            "--vkey",
            &log_key.to_string(),
            "--entries",
        ],
        b"",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // Every acknowledged entry is at its index, and in the log once.
    let backends = truce_store::Backends::new(
        storage.parse().expect("location"),
        index.parse().expect("location"),
    );
    let reader = backends.open_reader().expect("opens");
    let latest = reader.read_checkpoint().expect("reads").expect("a checkpoint");
    let latest = VerifiedCheckpoint::verify(&latest, &log_key, ORIGIN).expect("verifies");
    let size = latest.size();
    let entries: Vec<Vec<u8>> = (0..size)
        .map(|i| truce_log::read_entry(&reader, i, size).expect("reads").expect("present"))
        .collect();
    let mut copies: HashMap<&[u8], usize> = HashMap::new();
    for entry in &entries {
        *copies.entry(entry.as_slice()).or_default() += 1;
    }
    for (index, note) in &acknowledged {
        assert_eq!(&entries[*index as usize], note, "entry {index} is the one acknowledged");
        assert_eq!(copies[note.as_slice()], 1, "entry {index} is in the log once");
    }

    // No fork: every checkpoint served or published is the final tree's.
    let mut tree = TreeBuilder::new();
    let mut roots = vec![tree.root()];
    for entry in &entries {
        tree.append(truce_log::leaf_hash(entry)).expect("appends");
        roots.push(tree.root());
    }
    assert_eq!(tree.root(), latest.root());
    let served = served.into_inner().expect("lock");
    let served_sizes = served.len();
    for (size, seen) in served {
        assert_eq!(seen, [roots[size as usize]], "the checkpoints of size {size} served");
    }
    let lock = truce_store::PgLock::connect(&index).expect("connects");
    let mut published = 0;
    for size in 0..=size {
        let Some(note) = lock.checkpoint_at(size).expect("reads") else { continue };
        let checkpoint = VerifiedCheckpoint::verify(&note, &log_key, ORIGIN).expect("verifies");
        assert_eq!(checkpoint.size(), size);
        assert_eq!(checkpoint.root(), roots[size as usize], "the checkpoint of size {size}");
        published += 1;
    }
    assert!(published > KILLS, "{published} checkpoints in the history");
    eprintln!(
        "{} entries acknowledged, {size} in the log, {published} checkpoints published, {} sizes served",
        acknowledged.len(),
        served_sizes
    );
}
