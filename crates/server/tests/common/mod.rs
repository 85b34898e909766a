//! A real server on a loopback port, over a fresh data directory, and the
//! keys and entries to talk to it; on each backend combination whose
//! servers run (the embedded default always).
#![allow(dead_code)]

use serde_json::{Value, json};
use truce_entry::{Entry, SignedEntry};
use truce_note::{KeyName, SigningKey};
use truce_server::{App, Config, DataDir, InitOptions};

pub const ORIGIN: &str = "test.truce.example/log";

/// Where a test server keeps its log and its indexes.
#[derive(Clone, Debug)]
pub struct Backend {
    pub name: &'static str,
    /// `None`: the data directory's log.
    pub storage: Option<String>,
    /// `None`: the data directory's SQLite index.
    pub index: Option<String>,
}

impl Backend {
    /// The embedded default: a directory and SQLite.
    pub fn embedded() -> Backend {
        Backend { name: "file+sqlite", storage: None, index: None }
    }

    /// Whether this is the embedded default.
    pub fn is_embedded(&self) -> bool {
        self.storage.is_none() && self.index.is_none()
    }

    fn configure(&self, config: &mut Config) {
        config.storage = self.storage.clone();
        config.index = self.index.clone();
    }
}

/// Every combination of {file, S3} x {SQLite, PostgreSQL}, each in a
/// place of its own: those whose servers run (scripts/test starts them and
/// requires them).
pub fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::embedded()];
    if let Some(index) = truce_testkit::postgres() {
        all.push(Backend { name: "file+postgres", storage: None, index: Some(index) });
    }
    if let Some(storage) = truce_testkit::s3() {
        all.push(Backend { name: "s3+sqlite", storage: Some(storage), index: None });
    }
    if let (Some(storage), Some(index)) = (truce_testkit::s3(), truce_testkit::postgres()) {
        all.push(Backend { name: "s3+postgres", storage: Some(storage), index: Some(index) });
    }
    all
}

/// Runs `test` on every backend combination, saying which on stderr (shown
/// when the test fails).
pub fn on_every_backend(test: impl Fn(&Backend)) {
    for backend in backends() {
        eprintln!("== on {}", backend.name);
        let started = std::time::Instant::now();
        test(&backend);
        eprintln!("   {} took {:.1} s", backend.name, started.elapsed().as_secs_f64());
    }
}

/// A running server; it stops, gracefully, when dropped.
pub struct TestServer {
    pub url: String,
    pub data: DataDir,
    pub backend: Backend,
    pub operator: SigningKey,
    pub log_key: SigningKey,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: Option<tempfile::TempDir>,
}

impl TestServer {
    /// A server over a new data directory, on the embedded default.
    pub fn start(configure: impl FnOnce(&mut Config)) -> TestServer {
        TestServer::start_with(&Backend::embedded(), configure)
    }

    /// A server over a new data directory, on `backend`.
    pub fn start_with(backend: &Backend, configure: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = DataDir::new(dir.path().join("data"));
        let mut config = Config { data: data.root().to_owned(), ..Config::default() };
        backend.configure(&mut config);
        truce_server::init(
            &config,
            &InitOptions { origin: ORIGIN.into(), organisation: "Test mission".into() },
        )
        .expect("init");
        let mut server = TestServer::start_on(backend, data, configure);
        server._dir = Some(dir);
        server
    }

    /// A server over an existing data directory.
    pub fn start_on(
        backend: &Backend,
        data: DataDir,
        configure: impl FnOnce(&mut Config),
    ) -> TestServer {
        let mut config = TestServer::config_for(backend, &data);
        configure(&mut config);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready, bound) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
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
        let addr = bound.recv().expect("the server started");
        let operator = DataDir::read_key(&data.operator_key()).expect("operator key");
        let log_key = DataDir::read_key(&data.log_key()).expect("log key");
        TestServer {
            url: format!("http://{addr}"),
            data,
            backend: backend.clone(),
            operator,
            log_key,
            stop: Some(stop),
            thread: Some(thread),
            _dir: None,
        }
    }

    /// The configuration of a server of `data` on `backend`.
    pub fn config_for(backend: &Backend, data: &DataDir) -> Config {
        let mut config = Config { data: data.root().to_owned(), ..Config::default() };
        backend.configure(&mut config);
        config
    }

    /// Its configuration (without what `configure` changed).
    pub fn config(&self) -> Config {
        TestServer::config_for(&self.backend, &self.data)
    }

    /// The log's storage, for reading, as another process reads it: once
    /// it holds the size the server serves (a log directory's writer
    /// writes its journal out as tiles within half a second).
    pub fn storage(&self) -> Box<dyn truce_log::LogStorage + Send + Sync> {
        let storage = self.config().backends().expect("backends").open_reader().expect("opens");
        let served = self.size();
        let stored = |storage: &dyn truce_log::LogStorage| {
            let bytes = storage.read_checkpoint().expect("reads").expect("a checkpoint");
            let note = truce_note::UnverifiedNote::parse(&bytes).expect("a note");
            truce_log::Checkpoint::parse(note.text_unverified()).expect("a checkpoint").size()
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while stored(storage.as_ref()) < served {
            assert!(std::time::Instant::now() < deadline, "the storage stays behind {served}");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        storage
    }

    /// Stops the server and waits until it finished.
    pub fn stop(mut self) -> DataDir {
        self.shutdown();
        self.data.clone()
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            thread.join().expect("the server thread ended cleanly");
        }
    }

    /// Keeps the data directory when the server stops (for a restart).
    pub fn keep_data(&mut self) -> Option<tempfile::TempDir> {
        self._dir.take()
    }

    /// An agent for reads, shared by every read of a test process: making
    /// one costs more than a request to a server on loopback.
    fn reader() -> ureq::Agent {
        static AGENT: std::sync::OnceLock<ureq::Agent> = std::sync::OnceLock::new();
        AGENT.get_or_init(TestServer::agent).clone()
    }

    /// A fresh agent: a submission is never sent on a kept-alive connection
    /// the server may have closed (a POST is not retried), nor on one the
    /// server closes while the body is still being sent (a 413).
    fn agent() -> ureq::Agent {
        ureq::Agent::config_builder().http_status_as_error(false).build().into()
    }

    /// `GET path`: status, headers' content type, body.
    pub fn get(&self, path: &str) -> (u16, String, String) {
        self.get_with(path, &[])
    }

    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> (u16, String, String) {
        let mut request = TestServer::reader().get(format!("{}{path}", self.url));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let mut response = request.call().expect("GET");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        (status, content_type, body)
    }

    pub fn get_json(&self, path: &str) -> Value {
        let (status, _, body) = self.get(path);
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).expect("JSON")
    }

    /// `POST /v1/entries` with a body and content type: status, Retry-After,
    /// JSON body.
    pub fn post(&self, content_type: &str, body: &[u8]) -> (u16, Option<String>, Value) {
        let mut response = TestServer::agent()
            .post(format!("{}/v1/entries", self.url))
            .header("content-type", content_type)
            .send(body)
            .expect("POST");
        let status = response.status().as_u16();
        let retry_after =
            response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let text = response.body_mut().read_to_string().unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or_else(|_| json!({"raw": text}));
        (status, retry_after, body)
    }

    /// Submits one signed entry.
    pub fn submit(&self, note: &[u8]) -> (u16, Value) {
        let (status, _, body) = self.post("text/plain; charset=utf-8", note);
        (status, body)
    }

    /// Submits one signed entry that must be logged; returns its index.
    pub fn log(&self, note: &[u8]) -> u64 {
        let (status, body) = self.submit(note);
        assert!(status == 201 || status == 200, "{status}: {body}");
        body["index"].as_u64().expect("an index")
    }

    /// The log size.
    pub fn size(&self) -> u64 {
        self.get_json("/v1/log")["size"].as_u64().expect("size")
    }

    /// Registers a source with a fresh key; returns the key.
    pub fn register(
        &self,
        id: &str,
        role: &str,
        organisation: &str,
        party: Option<&str>,
    ) -> SigningKey {
        let key = key(id);
        let mut source = json!({
            "type": "truce.source/v1", "source": id, "action": "register",
            "key": key.verifier_key().to_string(), "name": id, "role": role,
            "organisation": organisation, "reliability": "B",
        });
        if let Some(party) = party {
            source["party"] = json!(party);
        }
        self.log(&sign(&source, &[&self.operator]));
        key
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A key named `name`, the same for the same name.
pub fn key(name: &str) -> SigningKey {
    let mut seed = [7u8; 32];
    for (i, b) in name.bytes().enumerate() {
        seed[i % 32] ^= b.rotate_left(i as u32);
    }
    SigningKey::from_seed(KeyName::new(name).expect("key name"), &seed)
}

/// Signs an entry given as JSON.
pub fn sign(value: &Value, signers: &[&dyn truce_note::Signer]) -> Vec<u8> {
    let entry = Entry::from_value(value).unwrap_or_else(|p| panic!("{p}\n{value}"));
    SignedEntry::sign(&entry, signers).expect("signs").into_bytes()
}

/// A fixture of `truce-entry`'s tests.
pub fn fixture(name: &str) -> Value {
    let path = format!("../entry/tests/data/valid/{name}.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON")
}

/// A report with local id `id` at a place and time.
pub fn report(id: &str, lat: f64, lon: f64, day: u32) -> Value {
    let mut report = fixture("report-kharkiv");
    report["id"] = json!(id);
    report["location"]["lat"] = json!(lat);
    report["location"]["lon"] = json!(lon);
    report["time"] = json!({
        "from": format!("2025-11-{day:02}T03:00:00Z"),
        "to": format!("2025-11-{day:02}T03:30:00Z"),
    });
    report
}
