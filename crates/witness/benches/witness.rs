//! Cosignatures per second of one witness (target: at least 5,000/s on 2
//! cores), each including the log signature check, the consistency proof
//! check, the cosignature and the durable write of the state (on the
//! temporary directory's disk).
//!
//! `TRUCE_BENCH_LOGS` logs (default 32) are driven by `TRUCE_BENCH_CLIENTS`
//! threads (default 4), each log through `TRUCE_BENCH_STEPS` checkpoints
//! (default 250), as a log's sequencer would send them. The request bodies
//! are made before the clock starts. Printed beside the machine's raw
//! Ed25519 verify and sign rates, measured in the same run.
//!
//! Run with `cargo bench -p truce-witness --bench witness`.

use std::sync::Arc;
use std::time::Instant;

use truce_log::{Checkpoint, MemoryTree, consistency_proof, leaf_hash, tree_root};
use truce_note::{Algorithm, KeyName, SigningKey, UnverifiedNote};
use truce_witness::{AddCheckpoint, Witness};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let logs = env("TRUCE_BENCH_LOGS", 32);
    let clients = env("TRUCE_BENCH_CLIENTS", 4) as usize;
    let steps = env("TRUCE_BENCH_STEPS", 250);

    // One tree, grown a few entries a step, shared by every log (each log
    // has its own origin and key).
    let growth = 7;
    let mut tree = MemoryTree::new();
    for i in 0..=steps * growth {
        tree.append(leaf_hash(format!("entry {i}").as_bytes())).expect("appends");
    }
    let mut log_keys = Vec::new();
    let mut requests: Vec<Vec<Vec<u8>>> = Vec::new();
    for n in 0..logs {
        let origin = format!("bench.example/log{n}");
        let key = SigningKey::from_seed(KeyName::new(&origin).expect("name"), &[n as u8 + 1; 32]);
        let mut bodies = Vec::new();
        for step in 1..=steps {
            let (old, size) = ((step - 1) * growth, step * growth);
            let root = tree_root(size, &tree).expect("root");
            let checkpoint = Checkpoint::new(&origin, size, root).expect("valid");
            let note = checkpoint.sign(&key).expect("signs").to_bytes();
            let proof = if old == 0 {
                Vec::new()
            } else {
                consistency_proof(old, size, &tree).expect("proof")
            };
            bodies.push(AddCheckpoint { old, proof, checkpoint: note }.to_bytes());
        }
        log_keys.push(key.verifier_key());
        requests.push(bodies);
    }

    let dir = tempfile::tempdir().expect("a temporary directory");
    let witness_key = SigningKey::from_seed_for(
        KeyName::new("bench.example/witness").expect("name"),
        Algorithm::CosignatureV1,
        &[99; 32],
    );
    let first_log = log_keys[0].clone();
    let witness =
        Arc::new(Witness::open(witness_key.clone(), log_keys, dir.path()).expect("opens"));

    // Each client drives its share of the logs, one checkpoint of each in
    // turn, as independent logs would.
    let started = Instant::now();
    std::thread::scope(|scope| {
        for client in 0..clients {
            let (witness, requests) = (witness.clone(), &requests);
            scope.spawn(move || {
                let mine: Vec<&Vec<Vec<u8>>> =
                    requests.iter().skip(client).step_by(clients).collect();
                for step in 0..steps as usize {
                    for bodies in &mine {
                        witness.add_checkpoint(&bodies[step]).expect("cosigned");
                    }
                }
            });
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let total = logs * steps;
    let rate = total as f64 / elapsed;
    println!(
        "witness: {total} cosignatures ({logs} logs, {clients} clients, {growth} entries a step) in {elapsed:.2} s: {rate:.0} cosignatures/s, each durable before its reply (target: 5,000/s; ratio {:.2})",
        rate / 5000.0
    );

    // One log alone, one client: every request waits for the last.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let single =
        Witness::open(witness_key.clone(), [first_log.clone()], dir.path()).expect("opens");
    let started = Instant::now();
    for body in &requests[0] {
        single.add_checkpoint(body).expect("cosigned");
    }
    let one = steps as f64 / started.elapsed().as_secs_f64();
    println!("witness, one log and one client: {one:.0} cosignatures/s");

    // The raw rates on this machine, in the same run.
    let body = Checkpoint::new("bench.example/log0", 7, tree_root(7, &tree).expect("root"))
        .expect("valid")
        .body();
    let rounds = 5_000;
    let started = Instant::now();
    for t in 1..=rounds {
        std::hint::black_box(witness_key.cosign(&body, t).expect("cosigns"));
    }
    let sign = f64::from(rounds as u32) / started.elapsed().as_secs_f64();
    let note = requests[0][0].split(|&b| b == b'\n').skip(2).collect::<Vec<_>>().join(&b'\n');
    let started = Instant::now();
    for _ in 0..rounds {
        let parsed = UnverifiedNote::parse(&note).expect("parses");
        std::hint::black_box(parsed.verify(&first_log).expect("verifies"));
    }
    let verify = f64::from(rounds as u32) / started.elapsed().as_secs_f64();
    println!(
        "raw, one core: Ed25519 cosign {sign:.0}/s, checkpoint verify {verify:.0}/s; one core's bound for verify + cosign: {:.0}/s",
        1.0 / (1.0 / sign + 1.0 / verify)
    );
}
