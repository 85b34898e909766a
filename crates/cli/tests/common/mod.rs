//! Running the `truce` binary as a user does.
#![allow(dead_code)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Output as text, for messages and comparisons.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A small deterministic generator (xorshift64), for kill times and the
/// like.
pub struct Rng(pub u64);

impl Rng {
    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Signs an entry given as JSON with `key`.
pub fn sign(value: &serde_json::Value, key: &truce_note::SigningKey) -> Vec<u8> {
    let entry = truce_entry::Entry::from_value(value).expect("a valid entry");
    truce_entry::SignedEntry::sign(&entry, &[key]).expect("signs").into_bytes()
}

/// The SHA-256 of `bytes`, in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// GETs `url`: the status and the body's bytes.
pub fn get_bytes(url: &str) -> (u16, Vec<u8>) {
    let mut response = agent().get(url).call().expect("GET");
    let status = response.status().as_u16();
    let body = response.body_mut().with_config().limit(u64::MAX).read_to_vec().expect("a body");
    (status, body)
}

/// The output of a command that succeeded: its stdout.
pub fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{}\n{}", text(&out.stdout), text(&out.stderr));
    text(&out.stdout)
}

/// The output of a check that failed (exit 1): its stderr.
pub fn failed(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "{}\n{}", text(&out.stdout), text(&out.stderr));
    text(&out.stderr)
}

/// A PNG chunk: length, type, data, CRC-32 of type and data.
pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
    out
}

/// An 8-bit RGB PNG of `width` x 4 pixels drawn from `seed`, its pixels
/// in stored zlib blocks.
pub fn png(width: u32, seed: u8) -> Vec<u8> {
    let mut raw = Vec::new();
    for row in 0..4u32 {
        raw.push(0);
        for i in 0..width * 3 {
            raw.push(((row * width * 3 + i) as u8).wrapping_mul(seed | 1).wrapping_add(seed));
        }
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks = raw.chunks(65_535).count();
    for (i, block) in raw.chunks(65_535).enumerate() {
        let len = block.len() as u16;
        zlib.push(u8::from(i + 1 == blocks));
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&4u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(png_chunk(b"IHDR", &ihdr));
    // A text chunk that says where: what a public copy must not carry.
    out.extend(png_chunk(b"tEXt", b"Location\x0049.9935 N, 36.2304 E"));
    out.extend(png_chunk(b"IDAT", &zlib));
    out.extend(png_chunk(b"IEND", &[]));
    out
}

/// Runs `truce` with `args` in `dir`, with `stdin` as its standard input.
pub fn truce(dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    truce_with_env(dir, args, stdin, &[])
}

/// [`truce`], with environment variables.
pub fn truce_with_env(dir: &Path, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_truce"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("truce runs");
    child.stdin.take().expect("stdin").write_all(stdin).expect("writes stdin");
    child.wait_with_output().expect("truce finishes")
}

/// A `truce serve` process; killed (SIGTERM, then waited for) when dropped.
pub struct Serve {
    child: Option<Child>,
    dir: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    pub url: String,
}

impl Serve {
    /// Starts `truce serve ARGS --listen 127.0.0.1:PORT` in `dir` and waits
    /// until it answers.
    pub fn start(dir: &Path, args: &[&str]) -> Serve {
        Serve::start_with_env(dir, args, &[])
    }

    /// [`Serve::start`], with environment variables.
    pub fn start_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Serve {
        let port = free_port();
        let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        args.extend(["--listen".into(), format!("127.0.0.1:{port}")]);
        let mut serve = Serve {
            child: None,
            dir: dir.to_owned(),
            args,
            env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            url: format!("http://127.0.0.1:{port}"),
        };
        serve.restart();
        serve
    }

    /// Starts it again, on the same port, once it was killed.
    pub fn restart(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(
                self.dir.join(format!("serve-{}.log", self.url.rsplit(':').next().unwrap_or("x"))),
            )
            .expect("a log file");
        let child = Command::new(env!("CARGO_BIN_EXE_truce"))
            .arg("serve")
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&self.dir)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("truce serve starts");
        self.child = Some(child);
        wait_for(&self.url);
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            let _ = child.wait();
        }
    }
}

/// A loopback port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a port").port()
}

/// Waits until a server answers at `url`.
pub fn wait_for(url: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while ureq::get(format!("{url}/healthz")).call().is_err() {
        assert!(Instant::now() < deadline, "the server at {url} did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A report fixture of `truce-entry`'s tests, from the test's working
/// directory (the package's: a shared build cache may hold a binary built
/// in another checkout).
pub const REPORT_FIXTURE: &str = "../entry/tests/data/valid/report-kharkiv.json";

/// [`REPORT_FIXTURE`], parsed.
pub fn report_fixture() -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(REPORT_FIXTURE).expect("the report fixture"))
        .expect("JSON")
}

/// An HTTP client that returns every status as an answer, not an error.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

/// `GET url`: the status and the body as text.
pub fn get(url: &str) -> (u16, String) {
    let mut response = agent().get(url).call().expect("GET");
    (response.status().as_u16(), response.body_mut().read_to_string().unwrap_or_default())
}

/// Posts one signed entry to the server at `url`: the status and the JSON
/// answer (`{"raw": ...}` if it is not JSON).
pub fn post(url: &str, note: &[u8]) -> (u16, serde_json::Value) {
    let mut response = agent()
        .post(format!("{url}/v1/entries"))
        .header("content-type", "text/plain")
        .send(note)
        .expect("POST");
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&body).unwrap_or_else(|_| serde_json::json!({"raw": body})))
}

/// A `truce` process that listens (a witness, a server); killed (SIGTERM,
/// then waited for) when dropped.
pub struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        let _ = self.0.wait();
    }
}

/// Starts `truce ARGS` in `dir`, which listens on `port`, with its log in
/// `DIR/PORT.log`; returns once the port takes connections.
pub fn start(dir: &Path, args: &[&str], port: u16) -> Process {
    start_with(dir, args, port, &[])
}

/// [`start`], with environment variables.
pub fn start_with(dir: &Path, args: &[&str], port: u16, env: &[(&str, &str)]) -> Process {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(format!("{port}.log")))
        .expect("a log file");
    let child = Command::new(env!("CARGO_BIN_EXE_truce"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{args:?} did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    Process(child)
}

/// A new monitor `m{n}`: its key in `DIR/m{n}.key` (`truce key generate`)
/// and, in `DIR/m{n}.json`, the source entry that registers it, for the
/// operator to submit. Returns the JSON file's name.
pub fn monitor_source(dir: &Path, n: usize) -> String {
    let out = truce(
        dir,
        &["key", "generate", "--name", &format!("monitor-{n}"), "--out", &format!("m{n}.key")],
        b"",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let source = serde_json::json!({
        "type": "truce.source/v1", "source": format!("m{n}"), "action": "register",
        "key": text(&out.stdout).trim(), "name": format!("Monitor {n}"), "role": "monitor",
        "organisation": "Mission", "reliability": "A",
    });
    let file = format!("m{n}.json");
    std::fs::write(dir.join(&file), source.to_string()).expect("writes");
    file
}

/// A process's wall clock under libfaketime (Debian `faketime`, which
/// `scripts/setup test` installs), read from a file on every call; the
/// monotonic clock is left alone, as NTP leaves it.
pub struct FakeClock {
    path: String,
}

impl FakeClock {
    const LIBRARY: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

    /// A clock in `dir`, set to the true time.
    pub fn new(dir: &Path) -> FakeClock {
        assert!(
            Path::new(FakeClock::LIBRARY).exists(),
            "libfaketime is missing: run scripts/setup test (apt-get install faketime)"
        );
        let clock = FakeClock { path: dir.join("clock").to_string_lossy().into_owned() };
        clock.set("+0");
        clock
    }

    /// Sets the clock to the true time plus `offset` (`-1d`, `+365d`).
    pub fn set(&self, offset: &str) {
        std::fs::write(&self.path, offset).expect("writes the clock");
    }

    /// The environment that puts a process on this clock.
    pub fn env(&self) -> [(&'static str, &str); 4] {
        [
            ("LD_PRELOAD", FakeClock::LIBRARY),
            ("FAKETIME_TIMESTAMP_FILE", &self.path),
            ("FAKETIME_NO_CACHE", "1"),
            ("DONT_FAKE_MONOTONIC", "1"),
        ]
    }
}

/// Registers a new monitor `name` with the server at `url`, signed by the
/// operator key of the data directory `data`; returns the monitor's key.
pub fn register_monitor(url: &str, data: &Path, name: &str) -> truce_note::SigningKey {
    let operator =
        truce_store::read_key_file(&data.join("keys/operator.key")).expect("the operator's key");
    let monitor = truce_note::SigningKey::generate(name).expect("a key");
    let registration = serde_json::json!({
        "type": "truce.source/v1", "source": name, "action": "register",
        "key": monitor.verifier_key().to_string(), "name": name, "role": "monitor",
        "organisation": "Mission", "reliability": "A"
    });
    let (status, body) = post(url, &sign(&registration, &operator));
    assert_eq!(status, 201, "{body}");
    monitor
}
