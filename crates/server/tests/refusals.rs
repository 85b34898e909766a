//! Every refusal of `POST /v1/entries`, against the real server on a
//! loopback port: each asserts the status, the problem type, and that the
//! log did not change.

mod common;

use common::{TestServer, fixture, key, on_every_backend, report, sign};
use serde_json::{Value, json};

const PROBLEMS: &str = "https://truce.dev/problems/";

/// Submits `body` and checks the refusal: status, problem type, and the log
/// size unchanged. Returns the problem.
fn refused(server: &TestServer, content_type: &str, body: &[u8], status: u16, kind: &str) -> Value {
    let before = server.size();
    let (got, _, problem) = server.post(content_type, body);
    assert_eq!(got, status, "{problem}");
    assert_eq!(problem["type"], json!(format!("{PROBLEMS}{kind}")), "{problem}");
    assert_eq!(problem["status"], json!(status));
    assert!(problem["title"].is_string() && problem["detail"].is_string(), "{problem}");
    assert_eq!(server.size(), before, "a refused request changed the log");
    problem
}

fn refused_note(server: &TestServer, note: &[u8], status: u16, kind: &str) -> Value {
    refused(server, "text/plain; charset=utf-8", note, status, kind)
}

#[test]
fn every_refusal_has_its_status_and_problem_type_and_changes_nothing() {
    on_every_backend(|backend| {
        let server = TestServer::start_with(backend, |_| {});
        let monitor = server.register("omm-1", "monitor", "Mission", None);
        let other_monitor = server.register("omm-2", "monitor", "Mission", None);
        let analyst = server.register("analyst-1", "analyst", "Mission", None);
        let first = server.log(&sign(&report("r-1", 50.0, 36.2, 14), &[&monitor]));

        // The request itself.
        refused(&server, "application/xml", b"<entry/>", 415, "unsupported-media-type");
        refused(&server, "text/plain", b"", 400, "malformed-request");
        refused(&server, "application/json", b"{\"not\": \"an array\"}", 400, "malformed-request");
        refused(&server, "application/json", b"[]", 400, "malformed-request");
        let too_many = serde_json::to_vec(&vec!["x"; 1001]).expect("JSON");
        refused(&server, "application/json", &too_many, 400, "malformed-request");

        // The note.
        refused_note(&server, b"not a signed note", 400, "malformed-note");
        let mut tampered = sign(&report("r-2", 50.0, 36.2, 14), &[&monitor]);
        let at = tampered.iter().position(|&b| b == b'3').expect("a digit");
        tampered[at] = b'4';
        refused_note(&server, &tampered, 403, "invalid-signature");
        refused_note(&server, &vec![b'x'; 70_000], 413, "entry-too-large");

        // The entry.
        let mut bad = report("r-3", 50.0, 36.2, 14);
        bad["location"]["lat"] = json!(95);
        bad["time"]["to"] = json!("2025-11-01T00:00:00Z");
        let invalid =
            truce_note::sign(&(serde_json::to_string(&bad).expect("JSON") + "\n"), &[&monitor])
                .expect("signs");
        let problem = refused_note(&server, &invalid, 422, "invalid-entry");
        assert_eq!(
            problem["errors"],
            json!([
                {"pointer": "/time/to", "detail": "must not be before from"},
                {"pointer": "/location/lat", "detail": "must be between -90 and 90"},
            ])
        );
        let pretty = serde_json::to_string_pretty(&report("r-4", 50.0, 36.2, 14)).expect("JSON");
        let multi_line = truce_note::sign(&(pretty + "\n"), &[&monitor]).expect("signs");
        refused_note(&server, &multi_line, 422, "invalid-entry");

        // The signer.
        let stranger = key("stranger");
        refused_note(
            &server,
            &sign(&report("r-5", 50.0, 36.2, 14), &[&stranger]),
            403,
            "unknown-signer",
        );
        refused_note(
            &server,
            &sign(&fixture("agreement-moratorium"), &[&monitor]),
            403,
            "role-not-allowed",
        );
        refused_note(
            &server,
            &sign(&report("r-6", 50.0, 36.2, 14), &[&analyst]),
            403,
            "role-not-allowed",
        );
        let assessment = json!({
            "type": "truce.assessment/v1", "id": "a-1", "action": "credibility",
            "reports": [first], "credibility": 2, "rationale": "Checked."
        });
        refused_note(&server, &sign(&assessment, &[&monitor]), 403, "role-not-allowed");
        server.log(&sign(&assessment, &[&analyst]));

        // The registry.
        let again = json!({
            "type": "truce.source/v1", "source": "omm-1", "action": "register",
            "key": key("fresh").verifier_key().to_string(), "name": "x", "role": "monitor",
            "organisation": "Mission", "reliability": "B"
        });
        refused_note(&server, &sign(&again, &[&server.operator]), 409, "registry-conflict");

        // The log's own references.
        let mut reused = report("r-1", 48.0, 37.0, 15);
        reused["summary"] = json!("Different content, same id.");
        let problem = refused_note(&server, &sign(&reused, &[&monitor]), 409, "local-id-reused");
        assert_eq!(problem["index"], json!(first));
        let mut foreign = report("r-7", 50.0, 36.2, 14);
        foreign["supersedes"] = json!(first);
        refused_note(&server, &sign(&foreign, &[&other_monitor]), 403, "foreign-supersedes");
        let mut nowhere = report("r-8", 50.0, 36.2, 14);
        nowhere["supersedes"] = json!(999);
        let problem = refused_note(&server, &sign(&nowhere, &[&monitor]), 422, "invalid-reference");
        assert_eq!(problem["errors"][0]["pointer"], json!("/supersedes"));
        let mut not_a_report = assessment.clone();
        not_a_report["id"] = json!("a-2");
        not_a_report["reports"] = json!([0]);
        let problem =
            refused_note(&server, &sign(&not_a_report, &[&analyst]), 422, "invalid-reference");
        assert_eq!(problem["errors"][0]["pointer"], json!("/reports/0"));

        // A revoked source.
        let revoke = json!({"type": "truce.source/v1", "source": "omm-2", "action": "revoke"});
        server.log(&sign(&revoke, &[&server.operator]));
        refused_note(
            &server,
            &sign(&report("r-9", 50.0, 36.2, 14), &[&other_monitor]),
            403,
            "revoked-signer",
        );

        // Every refusal is counted by kind.
        let (_, _, metrics) = server.get("/metrics");
        assert!(metrics.contains("truce_refusals_total{kind=\"local-id-reused\"} 1"), "{metrics}");
    });
}

#[test]
fn resubmitting_the_same_bytes_returns_the_original_index() {
    on_every_backend(|backend| {
        let server = TestServer::start_with(backend, |_| {});
        let monitor = server.register("omm-1", "monitor", "Mission", None);
        let note = sign(&report("r-1", 50.0, 36.2, 14), &[&monitor]);
        let (status, body) = server.submit(&note);
        assert_eq!(status, 201);
        assert_eq!(body["duplicate"], json!(false));
        let size = server.size();
        let (status, again) = server.submit(&note);
        assert_eq!(status, 200);
        assert_eq!(again["index"], body["index"]);
        assert_eq!(again["duplicate"], json!(true));
        assert_eq!(server.size(), size);

        // Even after the source is revoked: the bytes are in the log.
        let revoke = json!({"type": "truce.source/v1", "source": "omm-1", "action": "revoke"});
        server.log(&sign(&revoke, &[&server.operator]));
        let (status, again) = server.submit(&note);
        assert_eq!((status, &again["index"]), (200, &body["index"]));
    });
}

#[test]
fn a_batch_reports_each_entry_in_order_and_one_bad_entry_sinks_nothing() {
    on_every_backend(|backend| {
        let server = TestServer::start_with(backend, |_| {});
        let monitor = server.register("omm-1", "monitor", "Mission", None);
        let good = |id: &str| {
            String::from_utf8(sign(&report(id, 50.0, 36.2, 14), &[&monitor])).expect("utf-8")
        };
        let stranger = String::from_utf8(sign(&report("s-1", 50.0, 36.2, 14), &[&key("stranger")]))
            .expect("utf-8");
        let batch = json!([good("b-1"), stranger, good("b-2"), good("b-1"), "garbage"]);
        let before = server.size();
        let (status, _, body) = server.post("application/json", batch.to_string().as_bytes());
        assert_eq!(status, 200, "{body}");
        let results = body["results"].as_array().expect("results");
        assert_eq!(results.len(), 5);
        assert_eq!(results[0]["index"], json!(before));
        assert_eq!(results[1]["problem"]["type"], json!(format!("{PROBLEMS}unknown-signer")));
        assert_eq!(results[2]["index"], json!(before + 1));
        assert_eq!(
            (&results[3]["index"], &results[3]["duplicate"]),
            (&json!(before), &json!(true))
        );
        assert_eq!(results[4]["problem"]["type"], json!(format!("{PROBLEMS}malformed-note")));
        assert_eq!(server.size(), before + 2);
        assert!(
            body["checkpoint"]
                .as_str()
                .expect("checkpoint")
                .contains(&format!("\n{}\n", before + 2))
        );
    });
}

#[test]
fn a_source_over_its_rate_gets_429_with_retry_after() {
    let server = TestServer::start(|config| {
        config.rate_per_second = 0.5;
        config.rate_burst = 3.0;
    });
    let monitor = server.register("omm-1", "monitor", "Mission", None);
    for i in 0..3 {
        server.log(&sign(&report(&format!("r-{i}"), 50.0, 36.2, 14), &[&monitor]));
    }
    let before = server.size();
    let note = sign(&report("r-3", 50.0, 36.2, 14), &[&monitor]);
    let (status, retry_after, problem) = server.post("text/plain", &note);
    assert_eq!(status, 429, "{problem}");
    assert_eq!(problem["type"], json!(format!("{PROBLEMS}rate-limited")));
    let seconds: u64 = retry_after.expect("Retry-After").parse().expect("seconds");
    assert!((1..=2).contains(&seconds), "{seconds}");
    assert_eq!(server.size(), before);
    // Another source is not held back.
    let other = server.register("omm-2", "monitor", "Mission", None);
    server.log(&sign(&report("x-1", 50.0, 36.2, 14), &[&other]));
}

#[test]
fn bodies_over_the_limit_are_refused() {
    let server = TestServer::start(|config| config.max_body_bytes = 100_000);
    let before = server.size();
    let body = serde_json::to_vec(&vec!["x".repeat(1000); 200]).expect("JSON");
    let (status, _, problem) = server.post("application/json", &body);
    assert_eq!(status, 413);
    assert_eq!(problem["type"], json!("https://truce.dev/problems/payload-too-large"));
    assert_eq!(server.size(), before);
}
