//! `truce import` and `truce export` against a real server on loopback,
//! with the fixtures of tests/data/import (see make_fixtures.py there).

mod common;

use std::path::Path;

use common::{Serve, text, truce};

const FIXTURES: &str = "tests/data/import";

/// A server whose log holds an agreement between `ua` and `ru` and an
/// importing source, `acled-import`, whose key is `import.key` in `dir`.
fn server_with_importer(dir: &Path) -> Serve {
    std::fs::create_dir_all(dir).expect("creates the directory");
    let out = truce(dir, &["init", "--data", "data", "--origin", "import.example/log"], b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let server = Serve::start(dir, &["--data", "data"]);
    let vkey = text(
        &truce(dir, &["key", "generate", "--name", "acled-import", "--out", "import.key"], b"")
            .stdout,
    );
    let source = format!(
        r#"{{"type":"truce.source/v1","source":"acled-import","action":"register","key":"{}","name":"ACLED import","role":"osint","organisation":"Mission analysis cell","reliability":"C"}}"#,
        vkey.trim()
    );
    std::fs::write(dir.join("source.json"), source).expect("writes");
    std::fs::copy(
        "../entry/tests/data/valid/agreement-moratorium.json",
        dir.join("agreement.json"),
    )
    .expect("copies");
    let out = truce(
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
        b"",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    server
}

fn fixture(name: &str) -> String {
    std::fs::canonicalize(Path::new(FIXTURES).join(name)).expect("fixture").display().to_string()
}

fn get_json(server: &Serve, path: &str) -> serde_json::Value {
    let body = ureq::get(format!("{}{path}", server.url))
        .call()
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
        .body_mut()
        .read_to_string()
        .expect("body");
    serde_json::from_str(&body).expect("JSON")
}

fn log_size(server: &Serve) -> u64 {
    get_json(server, "/v1/log")["size"].as_u64().expect("size")
}

#[test]
fn an_acled_export_imports_and_a_reimport_submits_only_the_changes() {
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    let server = server_with_importer(dir);
    let import = |file: &str, extra: &[&str]| {
        let file = fixture(file);
        let mut args = vec!["import", "acled", &file, "--key", "import.key", "--url", &server.url];
        args.extend(extra);
        truce(dir, &args, b"")
    };

    // --strict: rows are refused, so nothing is submitted.
    let before = log_size(&server);
    let out = import("acled.csv", &["--strict"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("nothing submitted (--strict)"));
    assert_eq!(log_size(&server), before);

    // The import: every good row, and every bad one named by line and
    // column.
    let out = import("acled.csv", &[]);
    assert_eq!(out.status.code(), Some(1), "rows were refused: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            "as acled-import: 280 new, 0 corrected, 0 unchanged, 0 withdrawn, 0 gone from the file and left as logged, 8 refused"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("skipped, out of a ceasefire's scope: 13 × Protests / Peaceful protest")
    );
    assert!(stdout.contains("submitted 280 entries (0 already logged), 0 refused by the server"));
    let stderr = text(&out.stderr);
    let refusals: Vec<&str> = stderr.lines().filter(|l| l.contains("acled.csv:")).collect();
    assert_eq!(refusals.len(), 8, "{stderr}");
    for column in [
        "event_date",
        "latitude",
        "geo_precision",
        "fatalities",
        "event_id_cnty",
        "time_precision",
        "longitude",
        "(row)",
    ] {
        assert!(
            refusals.iter().any(|l| l.contains(&format!(": {column}: "))),
            "{column}: {stderr}"
        );
    }
    assert_eq!(log_size(&server), before + 280);

    // The same file again: nothing changed, nothing submitted.
    let out = import("acled.csv", &[]);
    assert!(text(&out.stdout).contains("0 new, 0 corrected, 280 unchanged"));
    assert_eq!(log_size(&server), before + 280);

    // A month later: five rows changed, three gone, two new.
    let out = import("acled-edited.csv", &["--withdraw-missing"]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("2 new, 5 corrected, 272 unchanged, 3 withdrawn, 0 gone from the file"),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    assert_eq!(log_size(&server), before + 280 + 10);
    let corrected = get_json(&server, "/v1/reports?source=acled-import&limit=1000");
    let ids: Vec<&str> = corrected["reports"]
        .as_array()
        .expect("reports")
        .iter()
        .filter(|r| r["superseded_by"].is_null())
        .filter_map(|r| r["entry"]["id"].as_str())
        .filter(|id| id.contains(":r"))
        .collect();
    assert_eq!(ids.len(), 8, "5 corrections and 3 withdrawals: {ids:?}");
    assert!(ids.contains(&"UKR10000:r1"));

    // The older layout: numeric iso, no tags. Its events are others: the
    // logged ones stay as they are without --withdraw-missing.
    let out = import("acled-old-layout.csv", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(
            "200 new, 0 corrected, 0 unchanged, 0 withdrawn, 279 gone from the file and left as logged, 0 refused"
        ),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn an_import_into_a_data_directory_runs_its_own_server() {
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    let mut server = server_with_importer(dir);
    let before = log_size(&server);
    server.kill();
    let file = fixture("acled-old-layout.csv");
    let out = truce(dir, &["import", "acled", &file, "--key", "import.key", "--dir", "data"], b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("200 new"), "{}", text(&out.stdout));
    server.restart();
    assert_eq!(log_size(&server), before + 200);
    // With the server running, the directory is its: the import says so.
    let out = truce(dir, &["import", "acled", &file, "--key", "import.key", "--dir", "data"], b"");
    assert_ne!(out.status.code(), Some(0));
}

#[test]
fn a_ucdp_export_imports_with_its_estimates() {
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    let server = server_with_importer(dir);
    let file = fixture("ucdp-ged.csv");
    let out =
        truce(dir, &["import", "ucdp", &file, "--key", "import.key", "--url", &server.url], b"");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("197 new, 0 corrected, 0 unchanged"),
        "{}",
        text(&out.stdout)
    );
    let stderr = text(&out.stderr);
    assert_eq!(stderr.matches(": best: is ").count(), 2, "{stderr}");
    assert!(stderr.contains(": date_end: is before date_start"), "{stderr}");
    let report = get_json(&server, "/v1/reports?source=acled-import&limit=1");
    let entry = &report["reports"][0]["entry"];
    assert_eq!(entry["id"], "500000");
    assert_eq!(entry["perpetrator"]["party"], "ru", "one-sided violence names side_a");
    assert_eq!(entry["harm"]["killed"]["high"], 2);
}

#[test]
fn an_acled_export_round_trips_through_a_fresh_log() {
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path();
    let first = server_with_importer(&dir.join("a"));
    let import = |server: &Serve, at: &Path, file: &str| {
        truce(at, &["import", "acled", file, "--key", "import.key", "--url", &server.url], b"")
    };
    import(&first, &dir.join("a"), &fixture("acled.csv"));
    let export = |server: &Serve, at: &Path, out: &str| {
        let result =
            truce(at, &["export", "--url", &server.url, "--format", "acled", "--out", out], b"");
        assert!(result.status.success(), "{}", text(&result.stderr));
        std::fs::read_to_string(at.join(out)).expect("the export")
    };
    let exported = export(&first, &dir.join("a"), "export.csv");
    assert_eq!(exported.matches("\r\nUKR").count(), 280);

    let second = server_with_importer(&dir.join("b"));
    let out = import(&second, &dir.join("b"), &dir.join("a/export.csv").display().to_string());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(export(&second, &dir.join("b"), "export.csv"), exported);

    // And the other formats come out of the same command.
    for format in ["csv", "geojson", "ndjson", "ucdp"] {
        let out = truce(
            &dir.join("b"),
            &["export", "--url", &second.url, "--format", format, "--hxl"],
            b"",
        );
        let csv = matches!(format, "csv" | "ucdp");
        assert_eq!(out.status.success(), csv, "--hxl is for CSV only: {}", text(&out.stderr));
    }
}
