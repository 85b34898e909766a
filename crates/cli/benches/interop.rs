//! The interoperability benchmarks, against `truce serve` running as its
//! own process on loopback (the embedded default), each printed beside the
//! raw rates of the machine measured in the same run:
//!
//! * `truce import acled` of `TRUCE_BENCH_ROWS` rows (default 1,000,000) in
//!   ACLED's layout into an empty log, with the importer's peak RSS (a flat
//!   memory means it does not grow with the file), then the same file
//!   again (every row unchanged: mapping and planning alone);
//! * `truce export --format acled` of the log;
//! * `truce mirror --once` of the log into an empty directory, beside
//!   `truce log audit --url` of the same log (the target: within 2x).
//!
//! Run with `cargo bench -p truce --bench interop`. Importer, server and
//! auditor share the machine's cores, so every figure is for all of them
//! together.

use std::io::Write as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ed25519_dalek::{Signer as _, Verifier as _};

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Raw Ed25519 operations per second on every core, one at a time: a
/// signature (the importer's work per row) and a strict verification (the
/// server's).
fn raw_ed25519() -> (f64, f64) {
    let key = ed25519_dalek::SigningKey::from_bytes(&[5; 32]);
    let public = key.verifying_key();
    let message = vec![7u8; 900];
    let signature = key.sign(&message);
    let run = |verify: bool| {
        let count = AtomicUsize::new(0);
        let started = Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..cores() {
                scope.spawn(|| {
                    while started.elapsed() < Duration::from_secs(1) {
                        if verify {
                            public.verify(&message, &signature).expect("verifies");
                        } else {
                            std::hint::black_box(key.sign(&message));
                        }
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
        });
        count.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
    };
    (run(false), run(true))
}

fn truce(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_truce"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("truce runs");
    assert!(
        out.status.success(),
        "truce {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs `truce args` to its end; returns the seconds it took, its peak RSS
/// in MiB (read from /proc while it runs) and its standard output.
fn timed(dir: &Path, args: &[&str]) -> (f64, f64, String) {
    let started = Instant::now();
    let mut child: Child = Command::new(env!("CARGO_BIN_EXE_truce"))
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("truce runs");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak: f64 = 0.0;
    let stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut stdout) = stdout {
            let _ = std::io::Read::read_to_string(&mut stdout, &mut text);
        }
        text
    });
    loop {
        let status = std::fs::read_to_string(&status_file).unwrap_or_default();
        if let Some(kib) = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        {
            peak = peak.max(kib / 1024.0);
        }
        if let Some(exit) = child.try_wait().expect("waits") {
            assert!(exit.success(), "truce {args:?} failed");
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let seconds = started.elapsed().as_secs_f64();
    (seconds, peak, reader.join().unwrap_or_default())
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a port")
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_truce"))
        .current_dir(dir)
        .args(["serve", "--data", "data", "--listen", &format!("127.0.0.1:{port}")])
        .env("TRUCE_RATE_PER_SECOND", "1e12")
        .env("TRUCE_RATE_BURST", "1e12")
        .env("TRUCE_QUEUE_ENTRIES", "10000000")
        .env("TRUCE_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("truce serve starts");
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(120);
    while ureq::get(format!("{url}/healthz")).call().is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Server { child, url }
}

/// `rows` rows in ACLED's 31-column layout: strikes over Ukraine through
/// 2024, with commas, quotes and Cyrillic in their texts.
fn write_acled(path: &Path, rows: usize) {
    let file = std::fs::File::create(path).expect("creates the file");
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let header = truce_interop::acled::COLUMNS.join(",");
    write!(out, "{header}\r\n").expect("writes");
    let kinds = [
        ("Explosions/Remote violence", "Air/drone strike", "Shahed drones hit a house"),
        (
            "Explosions/Remote violence",
            "Shelling/artillery/missile attack",
            "Shelling damaged a substation",
        ),
        ("Battles", "Armed clash", "Clashes, small arms fire"),
    ];
    for n in 0..rows {
        let (event_type, sub, what) = kinds[n % kinds.len()];
        let (month, day) = (1 + n / 28 % 12, 1 + n % 28);
        let lat = 44.5 + (n * 7919 % 7000) as f64 / 1000.0;
        let lon = 22.5 + (n * 104_729 % 17_500) as f64 / 1000.0;
        let actor =
            ["Military Forces of Russia (2000-)", "Military Forces of Ukraine (2019-)"][n % 2];
        write!(
            out,
            "UKR{n},2024-{month:02}-{day:02},2024,1,Political violence,{event_type},{sub},{actor},,8,,,,,,UKR,Europe,Ukraine,Kharkiv,Kharkivskyi,,Харків,{lat:.4},{lon:.4},{},Suspilne,National,\"{what}, \"\"row {n}\"\".\",{},,1700000000\r\n",
            1 + n % 3,
            n % 4
        )
        .expect("writes");
    }
    out.flush().expect("writes");
}

fn main() {
    let rows: usize =
        std::env::var("TRUCE_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let work =
        tempfile::tempdir_in(std::env::var("TRUCE_BENCH_DIR").unwrap_or_else(|_| "/tmp".into()))
            .expect("temp dir");
    let dir = work.path();
    let (sign, verify) = raw_ed25519();
    println!(
        "raw Ed25519 on {} cores, one at a time: {sign:.0} signatures/s, {verify:.0} strict verifications/s",
        cores()
    );

    truce(dir, &["init", "--data", "data", "--origin", "bench.truce.example/log"]);
    let server = serve(dir);
    let vkey = truce(dir, &["key", "generate", "--name", "acled-import", "--out", "import.key"]);
    let source = format!(
        r#"{{"type":"truce.source/v1","source":"acled-import","action":"register","key":"{}","name":"ACLED import","role":"osint","organisation":"Analysis cell","reliability":"C"}}"#,
        vkey.trim()
    );
    std::fs::write(dir.join("source.json"), source).expect("writes");
    std::fs::copy(
        "../entry/tests/data/valid/agreement-moratorium.json",
        dir.join("agreement.json"),
    )
    .expect("copies");
    truce(
        dir,
        &[
            "submit",
            "--url",
            &server.url,
            "--key",
            "data/keys/operator.key",
            "source.json",
            "agreement.json",
        ],
    );

    let csv = dir.join("acled.csv");
    write_acled(&csv, rows);
    let size_mib = std::fs::metadata(&csv).map_or(0.0, |m| m.len() as f64 / (1 << 20) as f64);
    println!("{rows} rows of ACLED's layout, {size_mib:.0} MiB");
    let file = csv.display().to_string();
    let import = ["import", "acled", &file, "--key", "import.key", "--url", &server.url];
    let (seconds, rss, stdout) = timed(dir, &import);
    assert!(stdout.contains(&format!("{rows} new")), "{stdout}");
    let rate = rows as f64 / seconds;
    println!(
        "import: {rate:.0} rows/s ({seconds:.1} s), {:.2} of the target 50,000/s, {:.2} of the strict verification rate; importer peak RSS {rss:.0} MiB",
        rate / 50_000.0,
        rate / verify
    );
    let (seconds, rss, stdout) = timed(dir, &import);
    assert!(stdout.contains(&format!("{rows} unchanged")), "{stdout}");
    println!(
        "re-import, every row unchanged: {:.0} rows/s ({seconds:.1} s), peak RSS {rss:.0} MiB",
        rows as f64 / seconds
    );

    let (seconds, rss, _) =
        timed(dir, &["export", "--url", &server.url, "--format", "acled", "--out", "export.csv"]);
    println!(
        "export as ACLED: {:.0} rows/s ({seconds:.1} s), peak RSS {rss:.0} MiB",
        rows as f64 / seconds
    );

    let vkey = truce(dir, &["key", "public", "--key", "data/keys/log.key"]);
    let vkey = vkey.trim();
    let (audit, _, _) = timed(dir, &["log", "audit", "--url", &server.url, "--vkey", vkey]);
    let (mirror, rss, _) =
        timed(dir, &["mirror", "--from", &server.url, "--dir", "mirror", "--vkey", vkey, "--once"]);
    println!(
        "mirror of {} entries: {mirror:.1} s; truce log audit --url: {audit:.1} s; mirror/audit {:.2} (target at most 2); mirror peak RSS {rss:.0} MiB",
        rows + 3,
        mirror / audit
    );
}
