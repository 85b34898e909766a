//! The log server's wall clock jumps (libfaketime, as NTP or an operator
//! setting the clock would): back a day, then forward a year. The server
//! keeps time for what matters (rate limits, timeouts, leases) with the
//! monotonic clock, so it goes on taking entries, and every entry it
//! acknowledged is in the log, also after a restart with the true time.

mod common;

use common::{Serve, get, post, sign, truce};
use serde_json::json;
use truce_note::SigningKey;

/// libfaketime, which `scripts/setup test` installs (Debian `faketime`).
const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

#[test]
fn a_server_whose_clock_jumps_loses_nothing_and_goes_on() {
    assert!(
        std::path::Path::new(LIBFAKETIME).exists(),
        "libfaketime is missing: run scripts/setup test (apt-get install faketime)"
    );
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    let init = truce(dir, &["init", "--data", "data", "--origin", "clock.example/log"], b"");
    assert!(init.status.success(), "{}", common::text(&init.stderr));

    // The server's wall clock, as libfaketime reads it from a file on every
    // call; its monotonic clock is left alone, as NTP leaves it.
    let clock = dir.join("clock");
    let set_clock = |offset: &str| std::fs::write(&clock, offset).expect("writes the clock");
    set_clock("+0");
    let clock_path = clock.to_string_lossy().into_owned();
    let env = [
        ("LD_PRELOAD", LIBFAKETIME),
        ("FAKETIME_TIMESTAMP_FILE", clock_path.as_str()),
        ("FAKETIME_NO_CACHE", "1"),
        ("DONT_FAKE_MONOTONIC", "1"),
    ];
    let mut server = Serve::start_with_env(dir, &["--data", "data"], &env);

    let operator = truce_store::read_key_file(&dir.join("data/keys/operator.key")).expect("key");
    let monitor = SigningKey::generate("omm-1").expect("a key");
    let registration = json!({
        "type": "truce.source/v1", "source": "omm-1", "action": "register",
        "key": monitor.verifier_key().to_string(), "name": "omm-1", "role": "monitor",
        "organisation": "Mission", "reliability": "A"
    });
    let (status, body) = post(&server.url, &sign(&registration, &operator));
    assert_eq!(status, 201, "{body}");

    // Submits report `n`: its index and bytes, once acknowledged.
    let submit = |url: &str, n: usize| {
        let mut report = common::report_fixture();
        report["id"] = json!(format!("clock-{n}"));
        let note = sign(&report, &monitor);
        let (status, body) = post(url, &note);
        assert_eq!(status, 201, "report {n}: {body}");
        (body["index"].as_u64().expect("an index"), note)
    };
    let mut acknowledged = Vec::new();
    for (offset, reports) in [("+0", 0..5), ("-1d", 5..10), ("+365d", 10..15)] {
        set_clock(offset);
        acknowledged.extend(reports.map(|n| submit(&server.url, n)));
    }

    // The true time again, after a SIGKILL: everything acknowledged is there.
    set_clock("+0");
    server.kill();
    server.restart();
    for (index, note) in &acknowledged {
        let (status, body) = get(&format!("{}/v1/entries/{index}/note", server.url));
        assert_eq!(status, 200, "entry {index}: {body}");
        assert_eq!(body.as_bytes(), note.as_slice(), "entry {index}");
    }
    submit(&server.url, 15);
}
