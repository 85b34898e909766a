//! The read side of the API against a real server: tlog-tiles endpoints,
//! proofs, the query filters and their pagination, GeoJSON, the registry,
//! restarts and reindexing.

mod common;

use common::{Backend, TestServer, fixture, on_every_backend, report, sign};
use serde_json::{Value, json};
use truce_log::{TlogProof, VerifiedCheckpoint};

/// A server with an agreement and reports in three cities over three days.
fn populated(backend: &Backend) -> (TestServer, Vec<u64>) {
    let server = TestServer::start_with(backend, |_| {});
    let monitor = server.register("omm-1", "monitor", "Mission", None);
    let osint = server.register("osint-1", "osint", "OSINT group", None);
    server.log(&sign(&fixture("agreement-moratorium"), &[&server.operator]));
    let mut indices = Vec::new();
    for (i, (lat, lon, day, event, party, target)) in [
        (49.99, 36.23, 14, "missile_strike", "ru", "residential"), // Kharkiv
        (50.45, 30.52, 15, "drone_strike", "ru", "energy_generation"), // Kyiv
        (46.48, 30.73, 15, "missile_strike", "ua", "port"),        // Odesa
        (50.00, 36.30, 16, "artillery", "ru", "residential"),      // Kharkiv
    ]
    .into_iter()
    .enumerate()
    {
        let mut r = report(&format!("r-{i}"), lat, lon, day);
        r["event"] = json!(event);
        r["perpetrator"]["party"] = json!(party);
        r["targets"] = json!([{"category": target}]);
        let signer = if i % 2 == 0 { &monitor } else { &osint };
        indices.push(server.log(&sign(&r, &[signer])));
    }
    (server, indices)
}

fn indices_of(body: &Value) -> Vec<u64> {
    body["reports"]
        .as_array()
        .expect("reports")
        .iter()
        .map(|r| r["index"].as_u64().expect("index"))
        .collect()
}

#[test]
fn report_filters_select_what_they_say() {
    on_every_backend(|backend| {
        let (server, r) = populated(backend);
        let q = |query: &str| indices_of(&server.get_json(&format!("/v1/reports?{query}")));
        assert_eq!(q(""), r);
        assert_eq!(q("bbox=36,49.5,37,50.5"), [r[0], r[3]], "Kharkiv");
        assert_eq!(q("from=2025-11-15T00:00:00Z&to=2025-11-15T23:59:59Z"), [r[1], r[2]]);
        assert_eq!(
            q("from=2025-11-15T02:00:00%2B02:00&to=2025-11-15T05:20:00%2B02:00"),
            [r[1], r[2]],
            "offsets"
        );
        assert_eq!(q("kind=missile_strike"), [r[0], r[2]]);
        assert_eq!(q("source=osint-1"), [r[1], r[3]]);
        assert_eq!(q("target=residential"), [r[0], r[3]]);
        assert_eq!(q("party=ua"), [r[2]]);
        assert_eq!(q("party=ru&bbox=36,49.5,37,50.5&kind=artillery"), [r[3]]);
        assert!(q("bbox=20,40,21,41").is_empty());

        // Pages, by cursor.
        let first = server.get_json("/v1/reports?limit=3");
        assert_eq!(indices_of(&first), r[..3]);
        let cursor = first["next_cursor"].as_str().expect("a cursor");
        let second = server.get_json(&format!("/v1/reports?limit=3&cursor={cursor}"));
        assert_eq!(indices_of(&second), r[3..]);
        assert_eq!(second["next_cursor"], Value::Null);

        // Bad parameters name themselves.
        for (query, parameter) in [
            ("bbox=1,2,3", "bbox"),
            ("from=yesterday", "from"),
            ("kind=missle_strike", "kind"),
            ("limit=0", "limit"),
            ("colour=red", "colour"),
            ("party=", "party"),
            ("cursor=", "cursor"),
            ("kind=drone_strike&kind=missile_strike", "kind"),
            ("source=not%20an%20id", "source"),
        ] {
            let (status, content_type, body) = server.get(&format!("/v1/reports?{query}"));
            assert_eq!(
                (status, content_type.as_str()),
                (400, "application/problem+json"),
                "{query}"
            );
            let problem: Value = serde_json::from_str(&body).expect("JSON");
            assert_eq!(problem["parameter"], json!(parameter), "{query}");
        }
    });
}

#[test]
fn reports_come_as_geojson_when_asked() {
    on_every_backend(|backend| {
        let (server, r) = populated(backend);
        let (status, content_type, body) = server
            .get_with("/v1/reports?kind=missile_strike", &[("accept", "application/geo+json")]);
        assert_eq!((status, content_type.as_str()), (200, "application/geo+json"));
        let collection: Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(collection["type"], json!("FeatureCollection"));
        let features = collection["features"].as_array().expect("features");
        assert_eq!(features.len(), 2);
        assert_eq!(
            features[0]["geometry"],
            json!({"type": "Point", "coordinates": [36.23, 49.99]})
        );
        assert_eq!(features[0]["properties"]["index"], json!(r[0]));
        let (_, content_type, body) = server
            .get_with(&format!("/v1/reports/{}", r[2]), &[("accept", "application/geo+json")]);
        assert_eq!(content_type, "application/geo+json");
        let feature: Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(feature["geometry"]["coordinates"], json!([30.73, 46.48]));
        // One report as JSON, and not-a-report.
        let one = server.get_json(&format!("/v1/reports/{}", r[1]));
        assert_eq!(one["entry"]["event"], json!("drone_strike"));
        assert_eq!(server.get("/v1/reports/0").0, 404);
        assert_eq!(server.get("/v1/reports/9999").0, 404);
        assert_eq!(server.get("/v1/reports/18446744073709551615").0, 404);
        // An index that is not a whole number is refused, naming it, as a
        // problem like every other refusal.
        for path in ["/v1/reports/-1", "/v1/entries/x", "/v1/entries/1.5/note", "/v1/proof/-1"] {
            let (status, content_type, body) = server.get(path);
            assert_eq!(
                (status, content_type.as_str()),
                (400, "application/problem+json"),
                "{path}"
            );
            let problem: Value = serde_json::from_str(&body).expect("JSON");
            assert_eq!(problem["parameter"], json!("index"), "{path}");
        }
    });
}

#[test]
fn sources_agreements_and_corrections_are_listed() {
    on_every_backend(|backend| {
        let (server, r) = populated(backend);
        let sources = server.get_json("/v1/sources");
        let ids: Vec<&str> = sources["sources"]
            .as_array()
            .expect("sources")
            .iter()
            .filter_map(|s| s["source"].as_str())
            .collect();
        assert_eq!(ids, ["omm-1", "operator", "osint-1"]);
        let agreements = server.get_json("/v1/agreements");
        assert_eq!(
            agreements["agreements"][0]["entry"]["agreement"],
            json!("energy-moratorium-2025")
        );

        // A correction marks the report it supersedes.
        let monitor = common::key("omm-1");
        let mut correction = report("r-0-corrected", 49.99, 36.23, 14);
        correction["supersedes"] = json!(r[0]);
        let corrected = server.log(&sign(&correction, &[&monitor]));
        assert_eq!(
            server.get_json(&format!("/v1/reports/{}", r[0]))["superseded_by"],
            json!(corrected)
        );
    });
}

#[test]
fn tiles_checkpoint_and_proofs_serve_a_log_that_verifies() {
    on_every_backend(|backend| {
        let (server, r) = populated(backend);
        let log = server.get_json("/v1/log");
        let vkey: truce_note::VerifierKey =
            log["vkey"].as_str().expect("vkey").parse().expect("a key");
        assert_eq!(vkey, server.log_key.verifier_key());
        let (status, content_type, checkpoint) = server.get("/checkpoint");
        assert_eq!((status, content_type.as_str()), (200, "text/plain; charset=utf-8"));
        let checkpoint = VerifiedCheckpoint::verify(checkpoint.as_bytes(), &vkey, common::ORIGIN)
            .expect("verifies");

        // Every entry's proof verifies against the served checkpoint.
        for index in 0..checkpoint.size() {
            let (status, _, proof) = server.get(&format!("/v1/proof/{index}"));
            assert_eq!(status, 200);
            let proof = TlogProof::parse(proof.as_bytes()).expect("a tlog-proof");
            let entry = server.get_json(&format!("/v1/entries/{index}"));
            let bytes = truce_log::read_entry(&server.storage(), index, checkpoint.size())
                .expect("reads")
                .expect("exists");
            proof.verify(&bytes, &vkey, common::ORIGIN).expect("the proof verifies");
            assert_eq!(entry["index"], json!(index));
        }
        assert_eq!(server.get(&format!("/v1/proof/{}", checkpoint.size())).0, 404);

        // Tiles: immutable, gzip on request, nothing beyond the checkpoint.
        let mut response = ureq::get(format!("{}/tile/0/000.p/{}", server.url, checkpoint.size()))
            .header("accept-encoding", "gzip")
            .call()
            .expect("GET");
        assert_eq!(response.headers()["cache-control"], "public, max-age=31536000, immutable");
        let tile = response.body_mut().read_to_vec().expect("body");
        assert_eq!(tile.len(), 32 * checkpoint.size() as usize, "ureq decoded the gzip body");
        assert_eq!(server.get(&format!("/tile/0/000.p/{}", checkpoint.size() + 1)).0, 404);
        assert_eq!(server.get("/tile/0/000").0, 404, "a full tile the log does not have yet");
        assert_eq!(server.get("/tile/8/0/000").0, 404, "a Go sumdb path is not a C2SP path");
        assert_eq!(server.get("/v1/nothing").0, 404);
        let _ = r;
    });
}

#[test]
fn restarts_and_reindexing_keep_everything() {
    on_every_backend(|backend| {
        let (mut server, r) = populated(backend);
        let dir = server.keep_data();
        let before = server.get_json("/v1/reports");
        let size = server.size();
        let data = server.stop();

        // A fresh start recovers the registry and the index from the log.
        let server = TestServer::start_on(backend, data.clone(), |_| {});
        assert_eq!(server.size(), size);
        assert_eq!(server.get_json("/v1/reports"), before);
        let monitor = common::key("omm-1");
        server.log(&sign(&report("after-restart", 50.0, 36.2, 17), &[&monitor]));
        let data = server.stop();

        // Without its index, the server rebuilds it from the log.
        let config = TestServer::config_for(backend, &data);
        let index = config.backends().expect("backends").index;
        index.drop_index(common::ORIGIN).expect("drops the index");
        let server = TestServer::start_on(backend, data.clone(), |_| {});
        let reports = server.get_json("/v1/reports");
        assert_eq!(indices_of(&reports).len(), r.len() + 1);
        assert_eq!(reports["reports"][0], before["reports"][0]);
        let data = server.stop();
        let size =
            truce_server::reindex(&TestServer::config_for(backend, &data)).expect("reindexes");
        assert_eq!(size, r.len() as u64 + 5);
        drop(dir);
    });
}

#[test]
fn health_metrics_and_the_openapi_document() {
    let (server, _) = populated(&Backend::embedded());
    assert_eq!(server.get_json("/healthz")["status"], json!("ok"));
    assert_eq!(server.get_json("/healthz")["role"], json!("sequencer"));
    let (_, content_type, metrics) = server.get("/metrics");
    assert!(content_type.starts_with("text/plain; version=0.0.4"));
    assert!(metrics.contains("truce_entries_logged_total 7"), "{metrics}");
    assert!(metrics.contains("truce_commit_entries_bucket"), "{metrics}");
    let openapi = server.get_json("/openapi.json");
    assert_eq!(openapi["openapi"], json!("3.1.0"));
    // The entry schemas are in the document, not behind a URL.
    let report = &openapi["components"]["schemas"]["truce.report.v1"];
    assert_eq!(report["properties"]["type"]["const"], json!("truce.report/v1"));
}

#[test]
fn incidents_verdicts_and_daily_reports_follow_the_log() {
    on_every_backend(|backend| {
        let (mut server, r) = populated(backend);
        let _dir = server.keep_data();
        let incidents = server.get_json("/v1/incidents");
        let list = incidents["incidents"].as_array().expect("incidents");
        // Kharkiv on the 14th and the 16th are two days apart: four incidents.
        assert_eq!(list.len(), 4, "{incidents}");
        let kharkiv = &list[0];
        assert_eq!(kharkiv["id"], json!(format!("inc-{}", r[0])));
        assert_eq!(kharkiv["grade"], json!("verified"), "a monitor's report with evidence");
        let energy = &kharkiv["verdicts"][0];
        assert_eq!(
            (&energy["rule"], &energy["finding"]),
            (&json!("energy"), &json!("no_violation"))
        );

        // The dashboard's columns hold the same incidents.
        let dashboard = server.get_json("/v1/dashboard");
        let ids: Vec<&Value> = list.iter().map(|i| &i["id"]).collect();
        let columns: Vec<&Value> =
            dashboard["incidents"]["id"].as_array().expect("ids").iter().collect();
        assert_eq!(columns, ids, "{dashboard}");
        assert_eq!(dashboard["log_size"], json!(server.size()));
        assert!(dashboard["zones"]["features"].as_array().is_some_and(|z| !z.is_empty()));

        let one = server.get_json(&format!("/v1/incidents/inc-{}", r[0]));
        assert_eq!(one["reports"][0]["index"], json!(r[0]));
        assert_eq!(server.get("/v1/incidents/inc-999").0, 404);
        assert_eq!(server.get("/v1/incidents/999").0, 400, "not an incident's id");
        // An incident's reports are listed as every other listing lists entries.
        assert_eq!(one["reports"][0]["type"], json!("truce.report/v1"));
        let geo =
            server.get_with("/v1/incidents?grade=verified", &[("accept", "application/geo+json")]);
        assert_eq!(geo.1, "application/geo+json");
        assert_eq!(server.get("/v1/incidents?grade=great").0, 400);

        let violations = server.get_json("/v1/verdicts?finding=violation");
        let parties: Vec<&str> = violations["verdicts"]
            .as_array()
            .expect("verdicts")
            .iter()
            .filter_map(|v| v["party"].as_str())
            .collect();
        assert_eq!(parties, ["ru"], "the Kyiv drone strike on energy generation");

        let (status, content_type, daily) = server.get("/v1/reports/daily/2025-11-15");
        assert_eq!((status, content_type.as_str()), (200, "application/json"));
        let daily: Value = serde_json::from_str(&daily).expect("JSON");
        assert_eq!(daily["summary"]["violations"]["energy"], json!(1));
        assert_eq!(daily["provenance"]["checkpoint_size"], json!(server.size()));
        let (_, content_type, html) = server.get("/v1/reports/daily/2025-11-15?format=html");
        assert!(content_type.starts_with("text/html") && html.contains("<svg"));
        // The Accept header chooses the form when format= does not.
        let (_, content_type, markdown) = server
            .get_with("/v1/reports/daily/2025-11-15", &[("accept", "text/markdown, */*;q=0.1")]);
        assert!(content_type.starts_with("text/markdown"), "{content_type}");
        assert!(markdown.starts_with('#'), "{markdown}");
        let (_, content_type, _) = server
            .get_with("/v1/reports/daily/2025-11-15?format=json", &[("accept", "text/markdown")]);
        assert_eq!(content_type, "application/json", "format= wins over Accept");
        // In Ukrainian and Russian, by lang= or by Accept-Language; the
        // JSON is the same in every language.
        let (_, _, uk) = server.get("/v1/reports/daily/2025-11-15?format=md&lang=uk");
        assert!(uk.starts_with("# Щоденний звіт за 15 листопада 2025"), "{uk}");
        let (_, _, ru) = server.get_with(
            "/v1/reports/daily/2025-11-15?format=html",
            &[("accept-language", "de-DE, ru;q=0.8, en;q=0.5")],
        );
        assert!(ru.contains("<html lang=\"ru\">") && ru.contains("15 ноября 2025"), "{ru}");
        let (_, _, en) =
            server.get_with("/v1/reports/daily/2025-11-15?format=md", &[("accept-language", "fr")]);
        assert!(en.starts_with("# Daily report, 15 November 2025"), "{en}");
        let (_, _, json_uk) = server.get("/v1/reports/daily/2025-11-15?lang=uk-UA");
        assert_eq!(serde_json::from_str::<Value>(&json_uk).expect("JSON"), daily);
        for (query, parameter) in [
            ("daily/2025-11-15?format=md&lang=de", "lang"),
            ("daily/2025-11-15?lang=", "lang"),
            ("daily/yesterday", "date"),
            ("daily/2025-11-15?cutoff_hour=25", "cutoff_hour"),
            // One zone, one spelling: the name is in the report's digest.
            ("daily/2025-11-15?time_zone=europe/kyiv", "time_zone"),
            ("daily/2025-11-15?time_zone=", "time_zone"),
            ("daily/2025-11-15?format=md&format=html", "format"),
        ] {
            let (status, content_type, body) = server.get(&format!("/v1/reports/{query}"));
            assert_eq!((status, content_type.as_str()), (400, "application/problem+json"));
            let problem: Value = serde_json::from_str(&body).expect("JSON");
            assert_eq!(problem["parameter"], json!(parameter), "{query}");
        }

        // A new report is assessed once the log grows.
        let monitor = common::key("omm-1");
        let mut kyiv = report("r-late", 50.45, 30.52, 15);
        kyiv["event"] = json!("drone_strike");
        kyiv["targets"] = json!([{"category": "energy_generation"}]);
        let index = server.log(&sign(&kyiv, &[&monitor]));
        let incidents = server.get_json("/v1/incidents");
        let grouped = incidents["incidents"]
            .as_array()
            .expect("incidents")
            .iter()
            .find(|i| i["reports"].as_array().is_some_and(|rs| rs.contains(&json!(index))))
            .expect("the new report is in an incident");
        assert_eq!(
            grouped["reports"],
            json!([r[1], index]),
            "grouped with the Kyiv report of the same time"
        );
        assert_eq!(grouped["grade"], json!("verified"));

        // A source registered after the assessment began, and its report:
        // followed incrementally, the findings are those of a fresh start.
        let media = server.register("media-late", "media", "Late News", None);
        let mut odesa = report("m-late", 46.48, 30.73, 16);
        odesa["event"] = json!("missile_strike");
        let late = server.log(&sign(&odesa, &[&media]));
        let followed = server.get_json("/v1/incidents?limit=1000");
        let own = followed["incidents"]
            .as_array()
            .expect("incidents")
            .iter()
            .find(|i| i["reports"] == json!([late]))
            .expect("an incident of its own");
        assert_eq!(own["grade"], json!("probable"), "a credible (B) source with evidence: {own}");
        let data = server.stop();
        let restarted = TestServer::start_on(backend, data, |_| {});
        assert_eq!(restarted.get_json("/v1/incidents?limit=1000"), followed);
    });
}

/// A read-only replica whose index is rebuilt under it (`truce reindex`
/// clears it first) refuses what it cannot answer from the whole log, and
/// answers again, the same, once the index covers its checkpoint.
#[test]
fn a_replica_refuses_reads_while_its_index_is_rebuilt() {
    on_every_backend(|backend| {
        let (mut writer, r) = populated(backend);
        let _dir = writer.keep_data();
        let replica = TestServer::start_on(backend, writer.data.clone(), |config| {
            config.read_only = true;
            config.follow_interval_ms = 10;
        });
        // The replica serves what the writer's storage holds, which a log
        // directory's writer writes out within half a second.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while replica.size() < writer.size() {
            assert!(std::time::Instant::now() < deadline, "the replica stays behind");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let before = replica.get_json("/v1/reports");
        assert_eq!(indices_of(&before), r);
        let incidents = replica.get_json("/v1/incidents");
        let data = writer.stop();

        let config = TestServer::config_for(backend, &data);
        let index = config.backends().expect("backends").index;
        index.open_index(common::ORIGIN).expect("opens").clear().expect("clears");
        let wait_for = |status: u16| {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            loop {
                let (got, _, body) = replica.get("/v1/reports");
                if got == status {
                    return body;
                }
                assert!(std::time::Instant::now() < deadline, "{got}: {body}");
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        };
        let refused: Value = serde_json::from_str(&wait_for(503)).expect("a problem");
        assert!(refused["detail"].as_str().is_some_and(|d| d.contains("rebuilt")), "{refused}");
        // Findings made before, from the whole log, still hold.
        assert_eq!(replica.get_json("/v1/incidents"), incidents);

        truce_server::reindex(&config).expect("reindexes");
        let after: Value = serde_json::from_str(&wait_for(200)).expect("JSON");
        assert_eq!(after, before);
        assert_eq!(replica.get_json("/v1/incidents"), incidents);
    });
}

#[test]
fn exports_hold_the_current_reports_in_every_format() {
    on_every_backend(|backend| {
        let (server, r) = populated(backend);
        let monitor = common::key("omm-1");
        let mut correction = report("r-0-corrected", 49.99, 36.23, 14);
        correction["supersedes"] = json!(r[0]);
        let corrected = server.log(&sign(&correction, &[&monitor]));
        let current = [r[1], r[2], r[3], corrected];

        let export = |query: &str| {
            let (status, content_type, body) = server.get(&format!("/v1/export/{query}"));
            assert_eq!(status, 200, "{query}: {body}");
            (content_type, body)
        };
        let (content_type, body) = export("reports?format=ndjson");
        assert_eq!(content_type, "application/x-ndjson");
        let lines: Vec<Value> =
            body.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
        let indices: Vec<u64> = lines.iter().filter_map(|l| l["index"].as_u64()).collect();
        assert_eq!(indices, current, "superseded reports are left out");

        let (content_type, body) = export("reports?format=csv&hxl=true&source=omm-1");
        assert_eq!(content_type, "text/csv; charset=utf-8");
        let rows: Vec<&str> = body.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert!(rows[0].starts_with("index,source,id,event,"), "{}", rows[0]);
        assert!(rows[1].starts_with("#meta+index,#meta+source,"), "{}", rows[1]);
        let exported: Vec<&str> = rows[2..].iter().filter_map(|r| r.split(',').next()).collect();
        assert_eq!(exported, [r[2].to_string(), corrected.to_string()]);

        let (_, body) = export("reports?format=acled&kind=missile_strike&time_zone=Europe/Kyiv");
        let rows: Vec<&str> = body.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert!(rows[0].starts_with("event_id_cnty,event_date,year,time_precision,"));
        assert_eq!(rows.len(), 3, "{body}");
        assert!(rows[1].starts_with("r-2,2025-11-15,2025,"), "{}", rows[1]);
        assert!(rows[2].starts_with("r-0-corrected,2025-11-14,2025,"), "{}", rows[2]);

        let (content_type, body) = export("reports?format=geojson&bbox=36,49.5,37,50.5");
        assert_eq!(content_type, "application/geo+json");
        let collection: Value = serde_json::from_str(&body).expect("GeoJSON");
        let ids: Vec<u64> = collection["features"]
            .as_array()
            .expect("features")
            .iter()
            .filter_map(|f| f["id"].as_u64())
            .collect();
        assert_eq!(ids, [r[3], corrected], "Kharkiv");

        let incidents = server.get_json("/v1/incidents?limit=1000")["incidents"].clone();
        let (_, body) = export("incidents?format=ndjson");
        let exported: Vec<Value> =
            body.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
        assert_eq!(Value::Array(exported), incidents);
        let (_, body) = export("incidents?format=csv&hxl=true");
        assert_eq!(
            body.split("\r\n").filter(|l| !l.is_empty()).count(),
            2 + incidents.as_array().map_or(0, Vec::len)
        );

        for (query, parameter) in [
            ("reports", "format"),
            ("reports?format=xlsx", "format"),
            ("reports?format=ndjson&hxl=true", "hxl"),
            ("reports?format=csv&grade=verified", "grade"),
            ("reports?format=acled&time_zone=europe/kyiv", "time_zone"),
            ("incidents?format=csv&source=omm-1", "source"),
            ("incidents?format=acled", "format"),
        ] {
            let (status, _, body) = server.get(&format!("/v1/export/{query}"));
            assert_eq!(status, 400, "{query}: {body}");
            let problem: Value = serde_json::from_str(&body).expect("a problem");
            assert_eq!(problem["parameter"], json!(parameter), "{query}");
        }
    });
}
