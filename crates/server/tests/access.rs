//! Restricted deployments against a real server: who may read and submit
//! what, coarsened coordinates in every view, the audit log of who read
//! what, and mutual TLS.

mod common;

use std::collections::BTreeMap;

use common::{Backend, TestServer, fixture, on_every_backend, report, sign};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use truce_server::{AccessConfig, AccessMode, Config, Grant};

const READER: &str = "reader-token-7f3a";
const ANALYST: &str = "analyst-token-91c4";
const FIELD: &str = "field-token-d20e";

/// The report's place, as its source gave it.
const PRECISE: (f64, f64) = (49.9935, 36.2304);

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn grant(name: &str, credential: &[u8], permissions: &[&str]) -> Grant {
    Grant {
        name: name.into(),
        sha256: sha256_hex(credential),
        permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
    }
}

fn restrict(config: &mut Config, public_reads: bool) {
    config.access = AccessConfig {
        mode: AccessMode::Restricted,
        public_reads,
        tokens: vec![
            grant("reader", READER.as_bytes(), &["read"]),
            grant("analyst", ANALYST.as_bytes(), &["precise"]),
            grant("field", FIELD.as_bytes(), &["submit"]),
        ],
        ..AccessConfig::default()
    };
}

/// A log with an agreement, a report in Kharkiv and a coverage gap, made
/// open and then served restricted.
fn restricted_log(backend: &Backend, public_reads: bool) -> (TestServer, tempfile::TempDir) {
    let mut open = TestServer::start_with(backend, |_| {});
    let monitor = open.register("omm-1", "monitor", "Mission", None);
    open.log(&sign(&fixture("agreement-moratorium"), &[&open.operator]));
    let (lat, lon) = PRECISE;
    open.log(&sign(&report("r-1", lat, lon, 14), &[&monitor]));
    open.log(&sign(&fixture("coverage-access"), &[&monitor]));
    let dir = open.keep_data().expect("a data directory");
    let data = open.stop();
    (TestServer::start_on(backend, data, |config| restrict(config, public_reads)), dir)
}

/// An answer: status, headers (lower-case names), body.
struct Answer {
    status: u16,
    headers: BTreeMap<String, String>,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }
}

fn answer(mut response: ureq::http::Response<ureq::Body>) -> Answer {
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let status = response.status().as_u16();
    Answer { status, headers, body: response.body_mut().read_to_string().unwrap_or_default() }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

fn get(server: &TestServer, path: &str, token: Option<&str>) -> Answer {
    let mut request = agent().get(format!("{}{path}", server.url));
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    answer(request.call().expect("GET"))
}

fn post(server: &TestServer, note: &[u8], token: Option<&str>) -> Answer {
    let mut request = agent().post(format!("{}/v1/entries", server.url));
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    answer(request.header("content-type", "text/plain").send(note).expect("POST"))
}

/// The audit log's lines.
fn audit_lines(server: &TestServer) -> Vec<Value> {
    let text = std::fs::read_to_string(server.data.root().join("audit.log")).expect("audit log");
    text.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect()
}

fn the_report(body: &Value) -> &Value {
    body["reports"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["type"] == "truce.report/v1"))
        .map(|r| &r["entry"])
        .expect("the report")
}

#[test]
fn a_restricted_log_answers_each_caller_by_its_grant() {
    on_every_backend(|backend| {
        let (server, _dir) = restricted_log(backend, false);
        let size = server.size();
        let bundle = format!("/tile/entries/000.p/{size}");

        // The log's public face, for witnesses and verifiers: no credential.
        for path in ["/checkpoint", &format!("/tile/0/000.p/{size}"), "/v1/proof/2", "/v1/log"] {
            assert_eq!(get(&server, path, None).status, 200, "{path}");
        }
        // Everything else needs one; the refusal says which, and how to send it.
        for path in ["/v1/reports", "/v1/incidents", "/v1/dashboard", "/metrics", &bundle] {
            let refused = get(&server, path, None);
            assert_eq!(refused.status, 401, "{path}");
            assert_eq!(refused.header("www-authenticate"), r#"Bearer realm="truce""#);
            assert_eq!(refused.header("content-type"), "application/problem+json");
            assert_eq!(refused.json()["type"], "https://truce.dev/problems/unauthorized");
        }
        assert!(
            get(&server, "/v1/entries/2", None).json()["detail"]
                .as_str()
                .is_some_and(|d| d.contains("precise"))
        );
        // A wrong token is refused even where none is needed.
        let wrong = get(&server, "/checkpoint", Some("reader-token-7f3b"));
        assert_eq!(wrong.status, 401);
        assert_eq!(
            wrong.header("www-authenticate"),
            r#"Bearer realm="truce", error="invalid_token""#
        );

        // A reader sees the report on the grid, without its place or its
        // targets' names, and never the entry as signed.
        let coarse = get(&server, "/v1/reports", Some(READER));
        assert_eq!(coarse.status, 200);
        assert_eq!(coarse.header("cache-control"), "private, no-cache");
        assert!(coarse.header("vary").contains("Authorization"));
        let body = coarse.json();
        assert_eq!(body["coarsened_km"], json!(10.0));
        let location = &the_report(&body)["location"];
        assert_ne!(
            (location["lat"].as_f64(), location["lon"].as_f64()),
            (Some(PRECISE.0), Some(PRECISE.1))
        );
        assert!(location["uncertainty_m"].as_f64().expect("a number") >= 300.0 + 11_000.0);
        assert!(location.get("place").is_none() && location.get("admin1").is_some());
        assert!(the_report(&body)["targets"][0].get("name").is_none());
        for path in ["/v1/entries/2", "/v1/entries/2/note", &bundle] {
            let refused = get(&server, path, Some(READER));
            assert_eq!(refused.status, 403, "{path}");
            assert!(refused.json()["detail"].as_str().is_some_and(|d| d.contains("precise")));
        }
        // In every view: incidents, one incident, GeoJSON, the dashboard,
        // exports, the daily report.
        let incidents = get(&server, "/v1/incidents", Some(READER)).json();
        let incident = &incidents["incidents"][0];
        assert_eq!(
            (incident["location"]["lat"].clone(), incident["location"]["lon"].clone()),
            (location["lat"].clone(), location["lon"].clone())
        );
        let id = incident["id"].as_str().expect("an id");
        let one = get(&server, &format!("/v1/incidents/{id}"), Some(READER)).json();
        assert_eq!(one["coarsened_km"], json!(10.0));
        assert_eq!(the_report(&one)["location"], *location);
        let dashboard = get(&server, "/v1/dashboard", Some(READER)).json();
        assert_eq!(dashboard["incidents"]["lat"][0], location["lat"]);
        assert_eq!(dashboard["coarsened_km"], json!(10.0));
        assert_ne!(dashboard["gaps"][0]["lat"], json!(50.37));
        let export = get(&server, "/v1/export/reports?format=csv", Some(READER));
        assert_eq!(export.header("truce-coarsened-km"), "10");
        assert!(
            !export.body.contains("49.9935") && !export.body.contains("Saltivskyi"),
            "{}",
            export.body
        );
        let daily = get(&server, "/v1/reports/daily/2025-11-14", Some(READER)).json();
        assert_eq!(daily["provenance"]["parameters"]["coarsened_km"].as_f64(), Some(10.0));
        assert!(!daily.to_string().contains("49.9935"));

        // A small box around the precise point finds nothing; one around
        // the cell's centre finds the report: boxes cannot locate a point
        // within its cell.
        let (clat, clon) =
            (location["lat"].as_f64().expect("lat"), location["lon"].as_f64().expect("lon"));
        let around = |lat: f64, lon: f64| {
            format!("bbox={},{},{},{}", lon - 0.001, lat - 0.001, lon + 0.001, lat + 0.001)
        };
        let count = |query: String| {
            get(&server, &format!("/v1/reports?{query}"), Some(READER)).json()["reports"]
                .as_array()
                .map_or(0, Vec::len)
        };
        assert_eq!(count(around(PRECISE.0, PRECISE.1)), 0);
        assert_eq!(count(around(clat, clon)), 1);
        let incidents_near = |query: String| {
            get(&server, &format!("/v1/incidents?{query}"), Some(READER)).json()["incidents"]
                .as_array()
                .map_or(0, Vec::len)
        };
        assert_eq!(incidents_near(around(PRECISE.0, PRECISE.1)), 0);
        assert_eq!(incidents_near(around(clat, clon)), 1);

        // An analyst sees what the source signed.
        let precise = get(&server, "/v1/reports", Some(ANALYST)).json();
        assert!(precise.get("coarsened_km").is_none());
        assert_eq!(the_report(&precise)["location"]["lat"], json!(PRECISE.0));
        assert_eq!(
            the_report(&precise)["location"]["place"],
            json!("Kharkiv, Saltivskyi district")
        );
        assert_eq!(get(&server, &bundle, Some(ANALYST)).status, 200);
        assert_eq!(get(&server, "/v1/entries/2/note", Some(ANALYST)).status, 200);
        assert_eq!(count(around(PRECISE.0, PRECISE.1)), 0, "the reader's view is unchanged");

        // Only the field token submits; a refused submission changes nothing.
        let monitor = common::key("omm-1");
        let note = sign(&report("r-2", 50.0, 36.3, 15), &[&monitor]);
        assert_eq!(post(&server, &note, None).status, 401);
        assert_eq!(post(&server, &note, Some(READER)).status, 403);
        assert_eq!(server.size(), size);
        assert_eq!(post(&server, &note, Some(FIELD)).status, 201);
        assert_eq!(server.size(), size + 1);

        // The audit log: a line for each request that needed or presented
        // a credential, none for the public face asked without one.
        let lines = audit_lines(&server);
        assert!(lines.iter().all(|l| l["target"] != "/checkpoint" || l["via"] == "invalid"));
        let line = lines
            .iter()
            .find(|l| l["who"] == "reader" && l["target"] == "/v1/reports")
            .expect("the reader's first read");
        assert_eq!(
            (line["via"].clone(), line["status"].clone(), line["view"].clone()),
            (json!("token"), json!(200), json!("coarse"))
        );
        assert!(line["peer"].as_str().is_some_and(|p| p.starts_with("127.0.0.1:")));
        assert!(
            lines
                .iter()
                .any(|l| l["who"] == "analyst" && l["target"] == bundle && l["view"] == "precise")
        );
        assert!(
            lines
                .iter()
                .any(|l| l["who"].is_null() && l["target"] == "/v1/reports" && l["status"] == 401)
        );
        assert!(
            lines
                .iter()
                .any(|l| l["who"] == "field" && l["method"] == "POST" && l["status"] == 201)
        );
        assert!(
            lines.iter().any(|l| l["via"] == "invalid"
                && l["target"] == "/checkpoint"
                && l["status"] == 401)
        );
        assert!(
            !std::fs::read_to_string(server.data.root().join("audit.log"))
                .expect("text")
                .contains(READER),
            "tokens are never written"
        );
    });
}

#[test]
fn public_reads_give_everyone_the_coarse_view_and_nothing_more() {
    let (server, _dir) = restricted_log(&Backend::embedded(), true);
    let body = get(&server, "/v1/reports", None).json();
    assert_eq!(body["coarsened_km"], json!(10.0));
    assert_ne!(the_report(&body)["location"]["lat"], json!(PRECISE.0));
    assert_eq!(get(&server, "/v1/entries/2", None).status, 401);
    let size = server.size();
    assert_eq!(get(&server, &format!("/tile/entries/000.p/{size}"), None).status, 401);
    let monitor = common::key("omm-1");
    assert_eq!(post(&server, &sign(&report("r-3", 50.0, 36.3, 15), &[&monitor]), None).status, 401);
    assert_eq!(server.size(), size);
}

#[test]
fn an_audit_log_that_cannot_be_written_answers_no_read() {
    // /dev/full takes the file open and refuses every write: no space.
    let (restricted, _dir) = restricted_log(&Backend::embedded(), false);
    let data = restricted.stop();
    let server = TestServer::start_on(&Backend::embedded(), data, |config| {
        restrict(config, false);
        config.access.audit_log = Some("/dev/full".into());
    });
    let refused = get(&server, "/v1/reports", Some(ANALYST));
    assert_eq!(refused.status, 503);
    let detail = refused.json()["detail"].as_str().unwrap_or_default().to_owned();
    assert!(detail.contains("audit log") && detail.contains("full"), "{detail}");
    assert!(!refused.body.contains("49.9935"));
    assert_eq!(get(&server, "/checkpoint", None).status, 200, "the public face needs no audit");
}

/// mutual TLS: a CA, the server's certificate, a client's.
mod tls {
    use super::*;
    use rcgen::{
        BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    };

    struct Authority {
        issuer: Issuer<'static, KeyPair>,
        pem: String,
    }

    fn authority(name: &str) -> Authority {
        let mut params = CertificateParams::new(Vec::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(rcgen::DnType::CommonName, name);
        let key = KeyPair::generate().expect("key");
        let pem = params.self_signed(&key).expect("self-signed").pem();
        Authority { issuer: Issuer::new(params, key), pem }
    }

    /// A certificate for `names` issued by `ca`: its DER, PEM and key PEM.
    fn issue(
        ca: &Authority,
        names: &[&str],
        usage: ExtendedKeyUsagePurpose,
    ) -> (Vec<u8>, String, String) {
        let mut params =
            CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
                .expect("params");
        params.extended_key_usages = vec![usage];
        let key = KeyPair::generate().expect("key");
        let certificate = params.signed_by(&key, &ca.issuer).expect("signed");
        (certificate.der().to_vec(), certificate.pem(), key.serialize_pem())
    }

    fn client(ca_pem: &str, identity: Option<(&str, &str)>) -> ureq::Agent {
        use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig};
        let root = Certificate::from_pem(ca_pem.as_bytes()).expect("CA");
        let mut tls = TlsConfig::builder().root_certs(RootCerts::Specific(vec![root].into()));
        if let Some((cert, key)) = identity {
            let cert = Certificate::from_pem(cert.as_bytes()).expect("certificate");
            let key = PrivateKey::from_pem(key.as_bytes()).expect("key");
            tls = tls.client_cert(Some(ClientCert::new_with_certs(&[cert], key)));
        }
        ureq::Agent::config_builder()
            .tls_config(tls.build())
            .http_status_as_error(false)
            .build()
            .into()
    }

    #[test]
    fn a_client_certificate_names_its_holder_and_others_are_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).expect("writes");
            let owner_only = std::os::unix::fs::PermissionsExt::from_mode(0o600);
            std::fs::set_permissions(&path, owner_only).expect("chmod");
            path
        };
        let servers_ca = authority("Truce test server CA");
        let clients_ca = authority("Truce test client CA");
        let strangers_ca = authority("Someone else's CA");
        let (_, server_pem, server_key) =
            issue(&servers_ca, &["localhost", "127.0.0.1"], ExtendedKeyUsagePurpose::ServerAuth);
        let (field_der, field_pem, field_key) =
            issue(&clients_ca, &["field-team-3"], ExtendedKeyUsagePurpose::ClientAuth);
        let (_, unlisted_pem, unlisted_key) =
            issue(&clients_ca, &["intern"], ExtendedKeyUsagePurpose::ClientAuth);
        let (_, stranger_pem, stranger_key) =
            issue(&strangers_ca, &["field-team-3"], ExtendedKeyUsagePurpose::ClientAuth);
        let tls = truce_server::TlsConfig {
            cert: write("server.pem", &server_pem),
            key: write("server.key", &server_key),
            client_ca: Some(write("clients.pem", &clients_ca.pem)),
        };

        let (restricted, _data_dir) = restricted_log(&Backend::embedded(), false);
        let data = restricted.stop();
        let server = TestServer::start_on(&Backend::embedded(), data, |config| {
            restrict(config, false);
            config.tls = Some(tls);
            config.access.certificates =
                vec![grant("field-team-3", &field_der, &["submit", "precise"])];
        });
        let url = server.url.replace("http://", "https://");
        let reports =
            |agent: &ureq::Agent| agent.get(format!("{url}/v1/reports")).call().map(answer);

        let field = client(&servers_ca.pem, Some((&field_pem, &field_key)));
        let answer = reports(&field).expect("HTTPS");
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert!(answer.json().get("coarsened_km").is_none(), "precise, as granted");
        let unlisted =
            reports(&client(&servers_ca.pem, Some((&unlisted_pem, &unlisted_key)))).expect("HTTPS");
        assert_eq!(unlisted.status, 403, "a certificate no grant lists allows nothing");
        let anonymous = client(&servers_ca.pem, None);
        assert_eq!(reports(&anonymous).expect("HTTPS").status, 401);
        assert_eq!(anonymous.get(format!("{url}/checkpoint")).call().expect("HTTPS").status(), 200);
        assert!(
            reports(&client(&servers_ca.pem, Some((&stranger_pem, &stranger_key)))).is_err(),
            "a certificate of another CA fails the handshake"
        );
        assert!(agent().get(format!("{}/checkpoint", server.url)).call().is_err(), "no plain HTTP");
        let lines = audit_lines(&server);
        assert!(lines.iter().any(|l| l["who"] == "field-team-3"
            && l["via"] == "certificate"
            && l["view"] == "precise"));
    }
}
