//! The `truce` binary, run as a user runs it: arguments, standard input and
//! output, files, exit codes.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::text;

fn truce(args: &[&str], stdin: Option<&[u8]>, dir: &Path) -> Output {
    common::truce(dir, args, stdin.unwrap_or_default())
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("truce-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("creates dir");
    dir
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("../entry/tests/data/valid/{name}.json");
    std::fs::read(path).expect("fixture")
}

#[test]
fn key_generate_writes_a_private_key_and_prints_the_verifier_key() {
    let dir = scratch("keygen");
    let out = truce(
        &["key", "generate", "--name", "monitor.example/team-3", "--out", "t3.key"],
        None,
        &dir,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let vkey = text(&out.stdout).trim().to_owned();
    let parsed: truce_note::VerifierKey = vkey.parse().expect("a verifier key");
    assert_eq!(parsed.name().as_str(), "monitor.example/team-3");

    let private = std::fs::read_to_string(dir.join("t3.key")).expect("key file");
    let key: truce_note::SigningKey = private.parse().expect("a private key");
    assert_eq!(key.verifier_key(), parsed);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.join("t3.key")).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Never overwritten.
    let again = truce(&["key", "generate", "--name", "other", "--out", "t3.key"], None, &dir);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("already exists"), "{}", text(&again.stderr));
    assert_eq!(std::fs::read_to_string(dir.join("t3.key")).expect("key file"), private);

    let public = truce(&["key", "public", "--key", "t3.key"], None, &dir);
    assert_eq!(text(&public.stdout).trim(), vkey);

    let bad_name = truce(&["key", "generate", "--name", "has space", "--out", "x.key"], None, &dir);
    assert_eq!(bad_name.status.code(), Some(2));
    assert!(!dir.join("x.key").exists());
}

#[test]
fn entry_sign_and_check_round_trip_through_files_and_stdin() {
    let dir = scratch("sign");
    let vkey =
        text(&truce(&["key", "generate", "--name", "t3", "--out", "t3.key"], None, &dir).stdout);
    let vkey = vkey.trim();
    std::fs::write(dir.join("report.json"), fixture("report-kharkiv")).expect("writes");

    let signed = truce(&["entry", "sign", "--key", "t3.key", "report.json"], None, &dir);
    assert_eq!(signed.status.code(), Some(0), "{}", text(&signed.stderr));
    // The same entry from standard input signs to the same bytes.
    let from_stdin =
        truce(&["entry", "sign", "--key", "t3.key"], Some(&fixture("report-kharkiv")), &dir);
    assert_eq!(from_stdin.stdout, signed.stdout);
    let first_line = text(&signed.stdout).lines().next().unwrap_or_default().to_owned();
    assert!(first_line.starts_with("{\"direction\":"), "canonical, sorted: {first_line}");

    let check = truce(&["entry", "check", "--vkey", vkey, "-"], Some(&signed.stdout), &dir);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
    assert_eq!(
        text(&check.stdout),
        "truce.report/v1\nsigned by t3+".to_owned() + &vkey[3..11] + " (verified)\n"
    );

    // A key file of verifier keys works too.
    std::fs::write(dir.join("keys.txt"), format!("\n{vkey}\n")).expect("writes");
    let check = truce(&["entry", "check", "--vkey", "keys.txt"], Some(&signed.stdout), &dir);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
}

#[test]
fn failed_checks_exit_with_1_and_name_every_problem() {
    let dir = scratch("fail");
    truce(&["key", "generate", "--name", "t3", "--out", "t3.key"], None, &dir);
    let bad = text(&fixture("report-kharkiv"))
        .replace("\"lat\": 49.9935", "\"lat\": 95")
        .replace("\"event\": \"missile_strike\"", "\"event\": \"missle\"");
    let out = truce(&["entry", "sign", "--key", "t3.key"], Some(bad.as_bytes()), &dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing signed");
    assert_eq!(
        text(&out.stderr),
        "invalid entry, 2 problems:\n/location/lat: must be between -90 and 90\n\
         /event: unknown value \"missle\"; expected one of: missile_strike, drone_strike, \
         air_strike, guided_bomb, artillery, mlrs, mortar, tank_fire, small_arms, ground_assault, \
         naval_attack, mine, sabotage, interception, undetermined_explosion\n"
    );

    // A good signature by a key that is not the one asked for.
    let signed =
        truce(&["entry", "sign", "--key", "t3.key"], Some(&fixture("source-monitor")), &dir);
    let other = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    let out = truce(&["entry", "check", "--vkey", other], Some(&signed.stdout), &dir);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stderr), "refused: note has no verifiable signatures\n");

    // A tampered entry.
    let tampered = text(&signed.stdout).replace("\"A\"", "\"B\"");
    let vkey = text(&truce(&["key", "public", "--key", "t3.key"], None, &dir).stdout);
    let out = truce(&["entry", "check", "--vkey", vkey.trim()], Some(tampered.as_bytes()), &dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("refused: invalid signature for key t3+"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn bad_usage_exits_with_2_and_help_exists_on_every_level() {
    let dir = scratch("usage");
    for args in
        [&["bogus"][..], &["entry"], &["entry", "sign"], &["key", "generate", "--name", "x"]]
    {
        let out = truce(args, None, &dir);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
    }
    let missing = truce(&["entry", "sign", "--key", "nope.key", "x.json"], None, &dir);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("nope.key"), "{}", text(&missing.stderr));
    for args in [
        &["--help"][..],
        &["key", "--help"],
        &["key", "generate", "--help"],
        &["key", "public", "--help"],
        &["entry", "--help"],
        &["entry", "sign", "--help"],
        &["entry", "check", "--help"],
        &["entry", "schema", "--help"],
        &["demo", "--help"],
    ] {
        let out = truce(args, None, &dir);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(text(&out.stdout).contains("Usage: truce"), "{args:?}");
    }
}

#[test]
fn schema_prints_the_published_schema() {
    let dir = scratch("schema");
    let out = truce(&["entry", "schema", "truce.report/v1"], None, &dir);
    assert_eq!(out.status.code(), Some(0));
    let published = "../../schemas/truce.report.v1.json";
    assert_eq!(text(&out.stdout), std::fs::read_to_string(published).expect("published"));
    let out = truce(&["entry", "schema", "--out", "schemas"], None, &dir);
    assert_eq!(out.status.code(), Some(0));
    let names = |dir: &Path| {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(&dir.join("schemas")), names(Path::new("../../schemas")));
    let unknown = truce(&["entry", "schema", "truce.nope/v1"], None, &dir);
    assert_eq!(unknown.status.code(), Some(2));
}
