//! What a restricted deployment costs a reader: requests per second of
//! the same queries from an open server, and from a restricted one for a
//! precise and for a coarse reader (a token to look up, the answer
//! coarsened, a line of the audit log synced before each answer).
//!
//! `cargo bench -p truce-server --bench access`; `TRUCE_BENCH_REQUESTS`
//! queries per figure (default 4,000), over `TRUCE_BENCH_CONNECTIONS`
//! client threads (default 8).

use std::sync::Arc;
use std::time::Instant;

use serde_json::json;
use sha2::{Digest as _, Sha256};
use truce_entry::{Entry, SignedEntry};
use truce_note::SigningKey;
use truce_server::{AccessConfig, AccessMode, App, Config, DataDir, Grant, InitOptions};

const PRECISE_TOKEN: &str = "bench-precise";
const COARSE_TOKEN: &str = "bench-coarse";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Serves `config` on a loopback port until the returned sender is
/// dropped; returns its URL.
fn serve(
    config: Config,
) -> (String, tokio::sync::oneshot::Sender<()>, std::thread::JoinHandle<()>) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (ready, bound) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
        runtime.block_on(async move {
            let app = tokio::task::spawn_blocking(move || App::open(config))
                .await
                .expect("opening ends")
                .expect("opens");
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
            ready.send(listener.local_addr().expect("address")).expect("sends");
            app.serve(listener, async {
                let _ = stopped.await;
            })
            .await
            .expect("serves");
        });
    });
    (format!("http://{}", bound.recv().expect("started")), stop, thread)
}

fn sign(value: serde_json::Value, key: &SigningKey) -> String {
    let entry = Entry::from_value(&value).expect("a valid entry");
    String::from_utf8(SignedEntry::sign(&entry, &[key]).expect("signs").into_bytes())
        .expect("UTF-8")
}

/// A log of a source and `count` reports over eastern Ukraine.
fn populate(url: &str, data: &DataDir, count: usize) {
    let operator = DataDir::read_key(&data.operator_key()).expect("operator key");
    let monitor =
        SigningKey::from_seed(truce_note::KeyName::new("monitor").expect("name"), &[9; 32]);
    let agent: ureq::Agent =
        ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let post = |notes: Vec<String>| {
        let response = agent
            .post(format!("{url}/v1/entries"))
            .header("content-type", "application/json")
            .send(serde_json::to_vec(&notes).expect("JSON"))
            .expect("POST");
        assert!(response.status().is_success(), "{}", response.status());
    };
    post(vec![sign(
        json!({"type": "truce.source/v1", "source": "m1", "action": "register",
               "key": monitor.verifier_key().to_string(), "name": "Monitor", "role": "monitor",
               "organisation": "Mission", "reliability": "B"}),
        &operator,
    )]);
    let reports: Vec<String> = (0..count)
        .map(|i| {
            let (lat, lon) = (47.0 + (i * 37 % 400) as f64 / 100.0, 35.0 + (i * 53 % 500) as f64 / 100.0);
            sign(
                json!({"type": "truce.report/v1", "id": format!("r-{i}"),
                       "time": {"from": format!("2025-11-{:02}T03:00:00Z", 1 + i % 28),
                                "to": format!("2025-11-{:02}T03:30:00Z", 1 + i % 28)},
                       "location": {"lat": lat, "lon": lon, "uncertainty_m": 500, "place": "Somewhere"},
                       "event": "artillery", "observation": {"basis": "direct", "confidence": "high"},
                       "perpetrator": {"party": "ru", "basis": "observed"}}),
                &monitor,
            )
        })
        .collect();
    for chunk in reports.chunks(1000) {
        post(chunk.to_vec());
    }
}

/// Requests per second of `paths`, each asked in turn by `connections`
/// threads, `requests` in all, with `token` if any.
fn rate(
    url: &str,
    paths: &[&str],
    token: Option<&str>,
    requests: usize,
    connections: usize,
) -> f64 {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let threads: Vec<_> = (0..connections)
        .map(|_| {
            let (url, next, token) = (url.to_owned(), next.clone(), token.map(str::to_owned));
            let paths: Vec<String> = paths.iter().map(|p| (*p).to_owned()).collect();
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= requests {
                        break;
                    }
                    let mut request = agent.get(format!("{url}{}", paths[i % paths.len()]));
                    if let Some(token) = &token {
                        request = request.header("authorization", format!("Bearer {token}"));
                    }
                    let mut response = request.call().expect("a 200");
                    response.body_mut().read_to_vec().expect("a body");
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().expect("no panic"));
    requests as f64 / started.elapsed().as_secs_f64()
}

fn grant(name: &str, token: &str, permissions: &[&str]) -> Grant {
    Grant {
        name: name.into(),
        sha256: Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect(),
        permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
    }
}

fn main() {
    let requests = env_usize("TRUCE_BENCH_REQUESTS", 4000);
    let connections = env_usize("TRUCE_BENCH_CONNECTIONS", 8);
    let reports = env_usize("TRUCE_BENCH_ACCESS_REPORTS", 10_000);
    let dir = tempfile::tempdir().expect("dir");
    let data = DataDir::new(dir.path().join("data"));
    let config = Config { data: data.root().to_owned(), ..Config::default() };
    truce_server::init(
        &config,
        &InitOptions { origin: "bench.example/access".into(), organisation: "Bench".into() },
    )
    .expect("init");
    let paths = [
        "/v1/reports?limit=100",
        "/v1/incidents?limit=100",
        "/v1/reports?bbox=36,48,38,50&limit=100",
    ];

    let (url, stop, thread) = serve(config.clone());
    populate(&url, &data, reports);
    rate(&url, &paths, None, requests / 4, connections); // warm: the assessment
    let open = rate(&url, &paths, None, requests, connections);
    drop(stop);
    thread.join().expect("stopped");

    let mut restricted = config;
    restricted.access = AccessConfig {
        mode: AccessMode::Restricted,
        tokens: vec![
            grant("precise", PRECISE_TOKEN, &["precise"]),
            grant("coarse", COARSE_TOKEN, &["read"]),
        ],
        ..AccessConfig::default()
    };
    let (url, stop, thread) = serve(restricted);
    rate(&url, &paths, Some(PRECISE_TOKEN), requests / 4, connections);
    rate(&url, &paths, Some(COARSE_TOKEN), requests / 4, connections);
    let precise = rate(&url, &paths, Some(PRECISE_TOKEN), requests, connections);
    let coarse = rate(&url, &paths, Some(COARSE_TOKEN), requests, connections);
    drop(stop);
    thread.join().expect("stopped");
    let audit_lines =
        std::fs::read_to_string(data.root().join("audit.log")).map_or(0, |t| t.lines().count());

    println!(
        "queries of {reports} reports ({} paths in turn), {requests} per figure, {connections} connections:",
        paths.len()
    );
    println!("  open:                          {open:>8.0} requests/s");
    println!(
        "  restricted, precise (audited): {precise:>8.0} requests/s ({:.2}x of open)",
        precise / open
    );
    println!(
        "  restricted, coarse (audited):  {coarse:>8.0} requests/s ({:.2}x of open)",
        coarse / open
    );
    println!("  audit log: {audit_lines} lines");
}
