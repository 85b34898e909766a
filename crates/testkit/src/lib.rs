//! Test support: the real servers the distributed backends are tested
//! against, each test in a place of its own.
//!
//! `scripts/services start DIR` starts PostgreSQL (with PostGIS) and
//! Garage (S3) on loopback and writes the variables that name them;
//! `scripts/test` does so and sets `TRUCE_TEST_SERVICES=required`. Then
//! [`postgres`] gives each test a schema of its own and [`s3`] a prefix of
//! its own in the bucket, and a missing server fails the test. Without
//! that variable (a plain `cargo test`), a test that needs a server that
//! is not there says so and returns.
//!
//! ```no_run
//! let Some(url) = truce_testkit::postgres() else { return };
//! // `url` connects with a search path of a new, empty schema.
//! # let _ = url;
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicU64, Ordering};

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A name no other test of any process uses: the process id, a counter and
/// the time.
fn unique(prefix: &str) -> String {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

/// Whether the servers must be there (`TRUCE_TEST_SERVICES=required`).
fn required() -> bool {
    std::env::var("TRUCE_TEST_SERVICES").is_ok_and(|v| v == "required")
}

/// The value of `variable`; `None` (with a note on stderr) when it is not
/// set and the servers are optional.
fn service(variable: &str) -> Option<String> {
    match std::env::var(variable) {
        Ok(value) if !value.is_empty() => Some(value),
        _ if required() => panic!(
            "{variable} is not set, and TRUCE_TEST_SERVICES=required: \
             start the servers with scripts/services start DIR and source DIR/env"
        ),
        _ => {
            eprintln!("skipped here: {variable} is not set (scripts/test sets it)");
            None
        }
    }
}

/// A PostgreSQL URL whose connections use a new, empty schema (PostGIS
/// stays reachable in `public`).
pub fn postgres() -> Option<String> {
    let base = service("TRUCE_TEST_POSTGRES")?;
    let schema = unique("test");
    let mut client = postgres::Client::connect(&base, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to {base}: {e}"));
    client
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .unwrap_or_else(|e| panic!("cannot create schema {schema}: {e}"));
    let separator = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{separator}options=-csearch_path%3D{schema},public"))
}

/// The path of SoftHSM's PKCS#11 library, for tests of keys in a token.
pub fn softhsm() -> Option<String> {
    service("TRUCE_TEST_SOFTHSM")
}

/// An `s3://BUCKET/PREFIX` location under a new prefix of the test bucket;
/// the bucket's endpoint and keys are in the `AWS_*` variables.
pub fn s3() -> Option<String> {
    let bucket = service("TRUCE_TEST_S3")?;
    Some(format!("{}/{}", bucket.trim_end_matches('/'), unique("test")))
}
