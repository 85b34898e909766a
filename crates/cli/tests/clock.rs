//! The log server's wall clock jumps (libfaketime, as NTP or an operator
//! setting the clock would): back a day, then forward a year. The server
//! keeps time for what matters (rate limits, timeouts, leases) with the
//! monotonic clock, so it goes on taking entries, and every entry it
//! acknowledged is in the log, also after a restart with the true time.

mod common;

use common::{FakeClock, Serve, get, post, register_monitor, sign, truce};
use serde_json::json;

#[test]
fn a_server_whose_clock_jumps_loses_nothing_and_goes_on() {
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    let init = truce(dir, &["init", "--data", "data", "--origin", "clock.example/log"], b"");
    assert!(init.status.success(), "{}", common::text(&init.stderr));

    // The server's wall clock, set by the test.
    let clock = FakeClock::new(dir);
    let mut server = Serve::start_with_env(dir, &["--data", "data"], &clock.env());
    let monitor = register_monitor(&server.url, &dir.join("data"), "omm-1");

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
        clock.set(offset);
        acknowledged.extend(reports.map(|n| submit(&server.url, n)));
    }

    // The true time again, after a SIGKILL: everything acknowledged is there.
    clock.set("+0");
    server.kill();
    server.restart();
    for (index, note) in &acknowledged {
        let (status, body) = get(&format!("{}/v1/entries/{index}/note", server.url));
        assert_eq!(status, 200, "entry {index}: {body}");
        assert_eq!(body.as_bytes(), note.as_slice(), "entry {index}");
    }
    submit(&server.url, 15);
}
