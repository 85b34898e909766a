//! The server's benchmarks, against `truce serve` running as its own
//! process on loopback, each printed beside the raw Ed25519 rates of the
//! machine measured in the same run:
//!
//! * sustained ingest over HTTP, single entries and batches of 1,000;
//! * acknowledgement latency p50/p99 at an offered 10,000 entries/s;
//! * query latency p50/p99 of bounding-box and time-range queries over a
//!   log of `TRUCE_BENCH_REPORTS` reports (default 1,000,000);
//! * the server's peak RSS, read from /proc.
//!
//! Run with `cargo bench -p truce --bench server`. The client runs on the
//! same 2 cores as the server, so every figure is for both together; it is
//! one thread driving many keep-alive connections (256 for single entries,
//! `TRUCE_BENCH_CONNECTIONS`), to take as little of them as it can.
//!
//! Each backend combination of `TRUCE_BENCH_BACKENDS` (a comma-separated
//! list of `file+sqlite`, `file+postgres`, `s3+sqlite`, `s3+postgres`)
//! runs the same suite in the same run, on a fresh log. By default the
//! embedded default, and `s3+postgres` when the servers of
//! `scripts/services` run (their `TRUCE_TEST_*` and `AWS_*` variables are
//! set: `scripts/services start DIR && source DIR/env`).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ed25519_dalek::{Signer as _, Verifier as _};
use serde_json::{Value, json};
use truce_entry::{Entry, SignedEntry};
use truce_note::{KeyName, SigningKey};

const SOURCES: usize = 64;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Raw Ed25519 verifications per second on every core: one at a time, and
/// in batches of 256.
fn raw_ed25519() -> (f64, f64) {
    let key = ed25519_dalek::SigningKey::from_bytes(&[5; 32]);
    let public = key.verifying_key();
    let messages: Vec<Vec<u8>> = (0..256).map(|i| vec![i as u8; 900]).collect();
    let signatures: Vec<_> = messages.iter().map(|m| key.sign(m)).collect();
    let run = |batch: bool| {
        let count = AtomicUsize::new(0);
        let started = Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..cores() {
                scope.spawn(|| {
                    while started.elapsed() < Duration::from_secs(1) {
                        if batch {
                            let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
                            let keys = vec![public; refs.len()];
                            ed25519_dalek::verify_batch(&refs, &signatures, &keys)
                                .expect("verifies");
                            count.fetch_add(refs.len(), Ordering::Relaxed);
                        } else {
                            public.verify(&messages[0], &signatures[0]).expect("verifies");
                            count.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        count.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
    };
    (run(false), run(true))
}

struct Server {
    child: Option<Child>,
    url: String,
}

/// Where a suite keeps its log and its indexes: `None` for the data
/// directory's own.
struct Backend {
    name: String,
    storage: Option<String>,
    index: Option<String>,
}

/// The combinations to run, as `TRUCE_BENCH_BACKENDS` names them.
fn backends() -> Vec<Backend> {
    let services =
        std::env::var("TRUCE_TEST_S3").is_ok() && std::env::var("TRUCE_TEST_POSTGRES").is_ok();
    let names = std::env::var("TRUCE_BENCH_BACKENDS").unwrap_or_else(|_| {
        if services { "file+sqlite,s3+postgres".into() } else { "file+sqlite".into() }
    });
    names
        .split(',')
        .map(|name| {
            let (storage, index) = name.split_once('+').expect("backends are STORAGE+INDEX");
            let storage = match storage {
                "file" => None,
                "s3" => Some(truce_testkit::s3().expect("TRUCE_TEST_S3: start scripts/services")),
                other => panic!("unknown storage {other}"),
            };
            let index = match index {
                "sqlite" => None,
                "postgres" => Some(
                    truce_testkit::postgres().expect("TRUCE_TEST_POSTGRES: start scripts/services"),
                ),
                other => panic!("unknown index {other}"),
            };
            Backend { name: name.to_owned(), storage, index }
        })
        .collect()
}

impl Backend {
    /// A configuration file for a server of this backend.
    fn config_file(&self, dir: &Path) -> std::path::PathBuf {
        let mut text = String::new();
        if let Some(storage) = &self.storage {
            text += &format!("storage = {storage:?}\n");
        }
        if let Some(index) = &self.index {
            text += &format!("index = {index:?}\n");
        }
        let path = dir.join(format!("{}.toml", self.name.replace('+', "-")));
        std::fs::write(&path, text).expect("writes the configuration");
        path
    }
}

impl Server {
    fn start(data: &Path, config: &Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a port")
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_truce"))
            .args(["serve", "--data"])
            .arg(data)
            .arg("--config")
            .arg(config)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("TRUCE_RATE_PER_SECOND", "1e12")
            .env("TRUCE_RATE_BURST", "1e12")
            .env("TRUCE_QUEUE_ENTRIES", "10000000")
            .env("TRUCE_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("truce serve starts");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(600);
        while ureq::get(format!("{url}/healthz")).call().is_err() {
            assert!(Instant::now() < deadline, "the server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Server { child: Some(child), url }
    }

    fn peak_rss_mib(&self) -> f64 {
        let Some(child) = &self.child else { return 0.0 };
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kib| kib / 1024.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            let _ = child.wait();
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

fn post(agent: &ureq::Agent, url: &str, content_type: &str, body: &[u8]) -> (u16, Value) {
    let mut response = agent
        .post(format!("{url}/v1/entries"))
        .header("content-type", content_type)
        .send(body)
        .expect("POST");
    let status = response.status().as_u16();
    let text =
        response.body_mut().with_config().limit(64 << 20).read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn key(i: usize) -> SigningKey {
    SigningKey::from_seed(KeyName::new(&format!("bench-{i}")).expect("name"), &[i as u8 + 1; 32])
}

/// Registers the bench's sources with the operator's key.
fn register(url: &str, data: &Path) {
    let operator =
        truce_store::read_key_file(&data.join("keys/operator.key")).expect("operator key");
    let agent = agent();
    for i in 0..SOURCES {
        let source = json!({
            "type": "truce.source/v1", "source": format!("bench-{i}"), "action": "register",
            "key": key(i).verifier_key().to_string(), "name": format!("Bench source {i}"),
            "role": "monitor", "organisation": format!("Org {}", i % 8), "reliability": "B",
        });
        let entry = Entry::from_value(&source).expect("valid");
        let note = SignedEntry::sign(&entry, &[&operator]).expect("signs").into_bytes();
        let (status, body) = post(&agent, url, "text/plain", &note);
        assert_eq!(status, 201, "{body}");
    }
}

/// `count` signed reports, numbered from `start`, spread over Ukraine and
/// over 30 days, signed on every core.
fn signed_reports(start: usize, count: usize) -> Vec<Vec<u8>> {
    let template: Value =
        serde_json::from_str(include_str!("../../entry/tests/data/valid/report-kharkiv.json"))
            .expect("template");
    let one = |n: usize| {
        let mut report = template.clone();
        report["id"] = json!(format!("bench-{n}"));
        let (lat, lon) = (
            44.5 + (n * 7919 % 7000) as f64 / 1000.0,
            22.5 + (n * 104_729 % 17_500) as f64 / 1000.0,
        );
        report["location"]["lat"] = json!(lat);
        report["location"]["lon"] = json!(lon);
        let day = 1 + n % 30;
        let minute = n / 30 % 1440;
        let from = format!("2025-11-{day:02}T{:02}:{:02}:00Z", minute / 60, minute % 60);
        report["time"] = json!({"from": from, "to": from});
        let entry = Entry::from_value(&report).expect("valid");
        SignedEntry::sign(&entry, &[&key(n % SOURCES)]).expect("signs").into_bytes()
    };
    let threads = cores();
    std::thread::scope(|scope| {
        let parts: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    (start + t..start + count).step_by(threads).map(one).collect::<Vec<_>>()
                })
            })
            .collect();
        let parts: Vec<Vec<Vec<u8>>> =
            parts.into_iter().map(|p| p.join().expect("signer")).collect();
        // Interleave back into numeric order.
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            out.push(parts[i % threads][i / threads].clone());
        }
        out
    })
}

/// One request of a load: its body, its media type, and when it is due
/// (`None`: as soon as a connection is free).
struct Request {
    content_type: &'static str,
    body: bytes::Bytes,
    due: Option<Instant>,
}

/// Sends `requests` over `connections` keep-alive HTTP/1.1 connections,
/// each taking the next request as soon as it has its answer, all on one
/// thread: the client takes as little as it can of the cores it shares
/// with the server. Returns each request's status and latency (from when
/// it was due, or sent), in order. Panics on an answer other than 2xx.
fn drive(url: &str, connections: usize, requests: Vec<Request>) -> Vec<Duration> {
    use http_body_util::{BodyExt as _, Full};

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
    let address = url.trim_start_matches("http://").to_owned();
    let uri: hyper::Uri = format!("{url}/v1/entries").parse().expect("uri");
    let requests = std::sync::Arc::new(requests);
    let next = std::sync::Arc::new(AtomicUsize::new(0));
    runtime.block_on(async move {
        let mut tasks = Vec::new();
        for _ in 0..connections {
            let (address, uri) = (address.clone(), uri.clone());
            let (requests, next) = (requests.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                let stream = tokio::net::TcpStream::connect(&address).await.expect("connects");
                stream.set_nodelay(true).expect("nodelay");
                let (mut sender, connection) =
                    hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                        .await
                        .expect("handshake");
                tokio::spawn(connection);
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(request) = requests.get(i) else { break };
                    if let Some(due) = request.due {
                        tokio::time::sleep_until(due.into()).await;
                    }
                    let started = request.due.unwrap_or_else(Instant::now);
                    let post = hyper::Request::post(uri.clone())
                        .header("host", &address)
                        .header("content-type", request.content_type)
                        .body(Full::new(request.body.clone()))
                        .expect("request");
                    sender.ready().await.expect("connection ready");
                    let response = sender.send_request(post).await.expect("POST");
                    let status = response.status();
                    let body = response.into_body().collect().await.expect("body").to_bytes();
                    assert!(status.is_success(), "{status}: {}", String::from_utf8_lossy(&body));
                    latencies.push((i, started.elapsed()));
                }
                latencies
            }));
        }
        let mut all = Vec::with_capacity(requests.len());
        for task in tasks {
            all.extend(task.await.expect("client task"));
        }
        all.sort_by_key(|(i, _)| *i);
        all.into_iter().map(|(_, latency)| latency).collect()
    })
}

/// Sends every entry over `connections` connections, `per_request` per
/// request; returns entries per second.
fn ingest(url: &str, entries: &[Vec<u8>], connections: usize, per_request: usize) -> f64 {
    let requests: Vec<Request> = entries
        .chunks(per_request)
        .map(|chunk| {
            if per_request == 1 {
                Request { content_type: "text/plain", body: chunk[0].clone().into(), due: None }
            } else {
                let strings: Vec<&str> =
                    chunk.iter().map(|e| std::str::from_utf8(e).expect("utf-8")).collect();
                let body = serde_json::to_vec(&strings).expect("JSON");
                Request { content_type: "application/json", body: body.into(), due: None }
            }
        })
        .collect();
    let started = Instant::now();
    drive(url, connections, requests);
    entries.len() as f64 / started.elapsed().as_secs_f64()
}

/// Offers `rate` single entries per second for as long as `entries` last,
/// open loop over 256 connections; returns the acknowledgement latencies,
/// each counted from when its entry was due.
fn paced(url: &str, entries: &[Vec<u8>], rate: f64) -> Vec<Duration> {
    let start = Instant::now() + Duration::from_millis(50);
    let requests = entries
        .iter()
        .enumerate()
        .map(|(i, entry)| Request {
            content_type: "text/plain",
            body: entry.clone().into(),
            due: Some(start + Duration::from_secs_f64(i as f64 / rate)),
        })
        .collect();
    drive(url, 256, requests)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// What one backend's suite measured.
struct Figures {
    name: String,
    single: f64,
    batch: f64,
    ack_p50: f64,
    ack_p99: f64,
    reports: usize,
    query_p50: f64,
    query_p99: f64,
    proof_p50: f64,
    proof_p99: f64,
    rss: f64,
}

fn main() {
    let work =
        tempfile::tempdir_in(std::env::var("TRUCE_BENCH_DIR").unwrap_or_else(|_| "/tmp".into()))
            .expect("temp dir");
    let (single, batch) = raw_ed25519();
    println!(
        "raw Ed25519 on {} cores: {single:.0} verifications/s one by one, {batch:.0}/s in batches of 256",
        cores()
    );
    // TRUCE_BENCH_URL and TRUCE_BENCH_DATA: a server already running (under
    // a profiler, say) over a fresh data directory.
    let external =
        std::env::var("TRUCE_BENCH_URL").ok().zip(std::env::var("TRUCE_BENCH_DATA").ok());
    let figures: Vec<Figures> = match external {
        Some((url, data)) => {
            vec![suite("external", Server { child: None, url }, Path::new(&data), single, batch)]
        }
        None => backends()
            .into_iter()
            .map(|backend| {
                println!("\n== {}", backend.name);
                let data = work.path().join(backend.name.replace('+', "-"));
                let config = backend.config_file(work.path());
                let init = Command::new(env!("CARGO_BIN_EXE_truce"))
                    .args(["init", "--data"])
                    .arg(&data)
                    .arg("--config")
                    .arg(&config)
                    .args(["--origin", "bench.truce.example/log"])
                    .output()
                    .expect("truce init");
                assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
                let server = Server::start(&data, &config);
                suite(&backend.name, server, &data, single, batch)
            })
            .collect(),
    };
    println!(
        "\n| backends | single entries/s | x strict | batches of 1,000/s | % of strict | ack p50 / p99 ms at 10,000/s | query p50 / p99 ms | proof p50 / p99 ms | reports | peak RSS MiB |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for f in &figures {
        println!(
            "| {} | {:.0} | {:.2} | {:.0} | {:.0}% | {:.1} / {:.1} | {:.2} / {:.2} | {:.2} / {:.2} | {} | {:.0} |",
            f.name,
            f.single,
            f.single / single,
            f.batch,
            100.0 * f.batch / single,
            f.ack_p50,
            f.ack_p99,
            f.query_p50,
            f.query_p99,
            f.proof_p50,
            f.proof_p99,
            f.reports,
            f.rss
        );
    }
}

/// The whole suite against `server`, over the data directory `data`.
fn suite(name: &str, server: Server, data: &Path, single: f64, batch: f64) -> Figures {
    register(&server.url, data);
    let singles = env_usize("TRUCE_BENCH_SINGLE", 30_000);
    let batched = env_usize("TRUCE_BENCH_BATCHED", 200_000);
    let paced_count = env_usize("TRUCE_BENCH_PACED", 50_000);
    let entries = signed_reports(0, singles + batched + paced_count);
    let (single_entries, rest) = entries.split_at(singles);
    let (batch_entries, paced_entries) = rest.split_at(batched);

    let connections = env_usize("TRUCE_BENCH_CONNECTIONS", 256);
    let single_rate = ingest(&server.url, single_entries, connections, 1);
    println!(
        "\ningest over HTTP, single entries, {connections} connections: {single_rate:.0} entries/s ({:.2}x of one-by-one verification)",
        single_rate / single
    );
    let batch_rate = ingest(&server.url, batch_entries, 4, 1000);
    println!(
        "ingest over HTTP, batches of 1,000, 4 connections: {batch_rate:.0} entries/s ({:.0}% of one-by-one verification, {:.0}% of the batch-verify rate)",
        100.0 * batch_rate / single,
        100.0 * batch_rate / batch
    );
    let mut latencies = paced(&server.url, paced_entries, 10_000.0);
    latencies.sort();
    let (ack_p50, ack_p99) = (percentile(&latencies, 0.5), percentile(&latencies, 0.99));
    println!(
        "acknowledgement at an offered 10,000 entries/s ({} entries): p50 {ack_p50:.1} ms, p99 {ack_p99:.1} ms",
        latencies.len(),
    );
    println!("server peak RSS so far: {:.0} MiB", server.peak_rss_mib());

    // Queries over a log of many reports: fill it with batches, then ask.
    let target = env_usize("TRUCE_BENCH_REPORTS", 1_000_000);
    let have = singles + batched + paced_count;
    if target > have {
        let started = Instant::now();
        let mut done = have;
        while done < target {
            let chunk = (target - done).min(100_000);
            let more = signed_reports(done, chunk);
            ingest(&server.url, &more, 4, 1000);
            done += chunk;
        }
        println!(
            "\nfilled the log to {target} reports in {:.0} s; server peak RSS {:.0} MiB",
            started.elapsed().as_secs_f64(),
            server.peak_rss_mib()
        );
    }
    let agent = agent();
    let mut latencies = Vec::new();
    let mut found = 0;
    for q in 0..500 {
        let (lat, lon) = (45.0 + (q * 37 % 60) as f64 / 10.0, 23.0 + (q * 53 % 160) as f64 / 10.0);
        let day = 1 + q % 28;
        let url = format!(
            "{}/v1/reports?bbox={},{},{},{}&from=2025-11-{day:02}T00:00:00Z&to=2025-11-{:02}T23:59:59Z&limit=100",
            server.url,
            lon,
            lat,
            lon + 0.5,
            lat + 0.5,
            day + 2
        );
        let started = Instant::now();
        let mut response = agent.get(&url).call().expect("GET");
        let body: Value =
            serde_json::from_str(&response.body_mut().read_to_string().expect("body"))
                .expect("JSON");
        latencies.push(started.elapsed());
        found += body["reports"].as_array().map_or(0, Vec::len);
    }
    latencies.sort();
    let (query_p50, query_p99) = (percentile(&latencies, 0.5), percentile(&latencies, 0.99));
    println!(
        "\nbounding-box and time-range queries over {} reports (500 queries, {:.0} results each on average): p50 {query_p50:.2} ms, p99 {query_p99:.2} ms",
        target.max(have),
        found as f64 / 500.0,
    );
    // Inclusion proofs of entries spread over the whole log: tiles read
    // from the storage (a bucket, for S3).
    let log_size: u64 = {
        let mut response = agent.get(format!("{}/v1/log", server.url)).call().expect("GET");
        let body: Value =
            serde_json::from_str(&response.body_mut().read_to_string().expect("body"))
                .expect("JSON");
        body["size"].as_u64().expect("size")
    };
    let mut proofs = Vec::new();
    for q in 0..300u64 {
        let index = q * 7_919_993 % log_size;
        let started = Instant::now();
        let mut response =
            agent.get(format!("{}/v1/proof/{index}", server.url)).call().expect("GET");
        assert_eq!(response.status(), 200);
        response.body_mut().read_to_vec().expect("body");
        proofs.push(started.elapsed());
    }
    proofs.sort();
    let (proof_p50, proof_p99) = (percentile(&proofs, 0.5), percentile(&proofs, 0.99));
    println!(
        "inclusion proofs over {log_size} entries (300 requests): p50 {proof_p50:.2} ms, p99 {proof_p99:.2} ms"
    );
    let rss = server.peak_rss_mib();
    println!("server peak RSS: {rss:.0} MiB");
    Figures {
        name: name.to_owned(),
        single: single_rate,
        batch: batch_rate,
        ack_p50,
        ack_p99,
        reports: target.max(have),
        query_p50,
        query_p99,
        proof_p50,
        proof_p99,
        rss,
    }
}
