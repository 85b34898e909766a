//! Hostile input against the running server: malformed HTTP, oversize and
//! slow bodies, invalid UTF-8, deep JSON, huge numbers, duplicate keys,
//! forged and replayed signatures, revoked keys, path traversal and header
//! injection. Each case is sent as raw bytes over TCP and has its expected
//! status (and problem type, where the API answers); after each, the log is
//! what it was and the server still answers.
//!
//! The table of cases in SECURITY.md is generated from this file: the test
//! rewrites it, and fails, if it is not up to date.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::{TestServer, key, report, sign};
use serde_json::{Value, json};

const PROBLEMS: &str = "https://truce.dev/problems/";

/// What a case expects back.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// This status, with a problem body of this type (`None`: the answer
    /// comes from the HTTP layer, before the API, without a body).
    Status(u16, Option<&'static str>),
    /// The connection closed without an answer, within a bound.
    Closed,
    /// A batch answered 200, every entry in it refused with this problem.
    Batch(&'static str),
    /// 200: every entry is in the log already, and is not logged again.
    Replayed,
}

/// One hostile request.
struct Case {
    group: &'static str,
    what: String,
    /// The bytes sent, at once; the connection stays open until the
    /// server closes it.
    request: Vec<u8>,
    expect: Expect,
}

/// An answer read off the wire.
#[derive(Debug)]
struct Answer {
    status: Option<u16>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Sends `case` to `address` and reads the answer until the server closes
/// the connection (every request asks it to) or 20 s passed.
fn exchange(address: &str, case: &Case) -> Answer {
    let mut stream = TcpStream::connect(address).expect("connects");
    stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    // A server that refuses early may close before everything was sent.
    // The write side stays open: hyper takes a half-closed connection as
    // one the client gave up on, and answers nothing.
    let _ = stream.write_all(&case.request);
    let mut raw = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("{}: reading the answer: {e}", case.what),
        }
    }
    parse_answer(&raw)
}

fn parse_answer(raw: &[u8]) -> Answer {
    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Answer { status: None, headers: Vec::new(), body: Vec::new() };
    };
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        body = dechunk(&body);
    }
    Answer { status, headers, body }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&body[..end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok());
        let Some(size) = size.filter(|&s| s > 0 && body.len() >= end + 2 + s) else { break };
        out.extend_from_slice(&body[end + 2..end + 2 + size]);
        body = &body[(end + 4 + size).min(body.len())..];
    }
    out
}

/// A request with `Connection: close`, the right Content-Length, and the
/// extra header lines given.
fn request(method: &str, target: &str, headers: &[&str], body: &[u8]) -> Vec<u8> {
    let mut head =
        format!("{method} {target} HTTP/1.1\r\nHost: truce.test\r\nConnection: close\r\n");
    for line in headers {
        head.push_str(line);
        head.push_str("\r\n");
    }
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn get(target: &str) -> Vec<u8> {
    request("GET", target, &[], b"")
}

fn post_note(note: &[u8]) -> Vec<u8> {
    request("POST", "/v1/entries", &["Content-Type: text/plain; charset=utf-8"], note)
}

fn post_batch(body: &[u8]) -> Vec<u8> {
    request("POST", "/v1/entries", &["Content-Type: application/json"], body)
}

/// Signs the entry `text` (one line of JSON, as given, even if it is not
/// a valid entry) with `key`.
fn sign_text(text: &str, key: &truce_note::SigningKey) -> Vec<u8> {
    truce_note::sign(&format!("{text}\n"), &[key]).expect("signs")
}

/// The note's text and its one signature line's name and decoded bytes
/// (key ID, then the signature).
fn split_note(note: &[u8]) -> (String, String, Vec<u8>) {
    let note = std::str::from_utf8(note).expect("UTF-8");
    let (text, signatures) = note.split_once("\n\n").expect("a signed note");
    let line = signatures.lines().next().expect("a signature");
    let (name, encoded) = line.trim_start_matches("— ").split_once(' ').expect("name and bytes");
    let bytes = STANDARD.decode(encoded).expect("base64");
    (format!("{text}\n"), name.to_owned(), bytes)
}

fn join_note(text: &str, name: &str, bytes: &[u8]) -> Vec<u8> {
    format!("{text}\n— {name} {}\n", STANDARD.encode(bytes)).into_bytes()
}

/// The signature with L (the order of the group) added to its S: the same
/// signature to a lax verifier, malleable and refused by a strict one.
fn plus_order(signature: &mut [u8]) {
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let s = &mut signature[32..64];
    let mut carry = 0u16;
    for (byte, l) in s.iter_mut().zip(L) {
        let sum = u16::from(*byte) + u16::from(l) + carry;
        *byte = sum as u8;
        carry = sum >> 8;
    }
}

fn nested(depth: usize) -> String {
    "[".repeat(depth) + &"]".repeat(depth)
}

/// An entry as canonical one-line JSON with `edit` applied to its text.
fn edited(value: &Value, edit: impl Fn(String) -> String) -> String {
    edit(serde_json::to_string(value).expect("JSON"))
}

fn status(code: u16, kind: &'static str) -> Expect {
    Expect::Status(code, Some(kind))
}

fn http(code: u16) -> Expect {
    Expect::Status(code, None)
}

/// Every case, against a server with a registered monitor, analyst and a
/// revoked source, and one report logged by the monitor.
fn cases(keys: &Keys) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut add = |group: &'static str, what: &str, request: Vec<u8>, expect: Expect| {
        cases.push(Case { group, what: what.to_owned(), request, expect });
    };

    // Malformed HTTP: hyper refuses these before the API sees them.
    let g = "malformed HTTP";
    add(g, "a request line that is not HTTP", b"GARBAGE\r\n\r\n".to_vec(), http(400));
    add(g, "no HTTP version (HTTP/0.9 style)", b"GET /checkpoint\r\n\r\n".to_vec(), http(400));
    add(g, "HTTP/9.9", b"GET /checkpoint HTTP/9.9\r\nHost: x\r\n\r\n".to_vec(), http(400));
    add(
        g,
        "a header line without a colon",
        b"GET /checkpoint HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n".to_vec(),
        http(400),
    );
    add(
        g,
        "a space in a header name",
        b"GET /checkpoint HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n".to_vec(),
        http(400),
    );
    add(
        g,
        "a NUL byte in a header value",
        b"GET /checkpoint HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n".to_vec(),
        http(400),
    );
    add(
        g,
        "a bare CR in a header value",
        b"GET /checkpoint HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n".to_vec(),
        http(400),
    );
    add(
        g,
        "a folded header (obs-fold)",
        b"GET /checkpoint HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n".to_vec(),
        http(400),
    );
    add(
        g,
        "a header of 100 KiB",
        request("GET", "/checkpoint", &[&format!("X-Big: {}", "a".repeat(100 << 10))], b""),
        http(431),
    );
    let many: Vec<String> = (0..200).map(|n| format!("X-H{n}: {n}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    add(g, "200 header lines", request("GET", "/checkpoint", &many, b""), http(431));
    add(
        g,
        "a request target of 100 KiB",
        get(&format!("/v1/reports?source={}", "a".repeat(100 << 10))),
        http(431),
    );
    add(
        g,
        "a Content-Length that is not a number",
        b"POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n".to_vec(),
        http(400),
    );
    add(
        g,
        "a negative Content-Length",
        b"POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n".to_vec(),
        http(400),
    );
    add(
        g,
        "a Content-Length past 2^64",
        b"POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n"
            .to_vec(),
        http(400),
    );
    add(
        g,
        "two different Content-Lengths",
        b"POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"
            .to_vec(),
        http(400),
    );
    add(g, "Content-Length and chunked together (smuggling)", b"POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".to_vec(), http(400));
    add(
        g,
        "a transfer coding other than chunked",
        b"POST /v1/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n".to_vec(),
        http(400),
    );
    add(g, "a chunk size that is not hexadecimal", b"POST /v1/entries HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n".to_vec(), status(400, "malformed-request"));
    add(
        g,
        "an HTTP/2 preface followed by garbage",
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\ngarbage garbage garbage".to_vec(),
        Expect::Closed,
    );

    // Methods and routes.
    let g = "methods and routes";
    add(
        g,
        "DELETE /v1/entries",
        request("DELETE", "/v1/entries", &[], b""),
        status(405, "method-not-allowed"),
    );
    add(
        g,
        "PUT /checkpoint",
        request("PUT", "/checkpoint", &[], b"x"),
        status(405, "method-not-allowed"),
    );
    add(
        g,
        "an unknown method",
        request("BREW", "/checkpoint", &[], b""),
        status(405, "method-not-allowed"),
    );
    add(g, "TRACE", request("TRACE", "/v1/entries", &[], b""), status(405, "method-not-allowed"));
    add(g, "GET /v1/entries (a POST route)", get("/v1/entries"), status(405, "method-not-allowed"));
    add(g, "a path that does not exist", get("/admin"), status(404, "not-found"));

    // The body of a submission.
    let g = "bodies";
    add(
        g,
        "no Content-Type",
        request("POST", "/v1/entries", &[], b"x"),
        status(415, "unsupported-media-type"),
    );
    add(
        g,
        "Content-Type application/xml",
        request("POST", "/v1/entries", &["Content-Type: application/xml"], b"<entry/>"),
        status(415, "unsupported-media-type"),
    );
    add(
        g,
        "a Content-Type of invalid UTF-8",
        request("POST", "/v1/entries", &["Content-Type: text/\u{ff}plain"], b"x"),
        status(415, "unsupported-media-type"),
    );
    add(g, "an empty text/plain body", post_note(b""), status(400, "malformed-request"));
    add(
        g,
        "a JSON object instead of an array",
        post_batch(b"{}"),
        status(400, "malformed-request"),
    );
    add(g, "an empty array", post_batch(b"[]"), status(400, "malformed-request"));
    add(g, "an array of numbers", post_batch(b"[1, 2]"), status(400, "malformed-request"));
    add(
        g,
        "1,001 entries in one array",
        post_batch(&serde_json::to_vec(&vec!["x"; 1001]).expect("JSON")),
        status(400, "malformed-request"),
    );
    add(
        g,
        "a body over the limit, with its length",
        post_note(&vec![b'x'; (256 << 10) + 1]),
        status(413, "payload-too-large"),
    );
    let mut chunked = b"POST /v1/entries HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..300 {
        chunked.extend_from_slice(format!("400\r\n{}\r\n", "x".repeat(1024)).as_bytes());
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    add(g, "a chunked body over the limit", chunked, status(413, "payload-too-large"));
    add(
        g,
        "one entry over the entry size limit",
        post_note(&vec![b'x'; 70_000]),
        status(413, "entry-too-large"),
    );
    add(
        g,
        "a batch nested 100,000 arrays deep",
        post_batch(nested(100_000).as_bytes()),
        status(400, "malformed-request"),
    );
    add(
        g,
        "a batch of invalid UTF-8",
        post_batch(b"[\"\xff\xfe\"]"),
        status(400, "malformed-request"),
    );
    add(
        g,
        "a batch whose one string is not a note",
        post_batch(b"[\"not a note\"]"),
        Expect::Batch("malformed-note"),
    );

    // Signed notes.
    let g = "signed notes";
    let good = sign(&report("hostile-1", 50.0, 36.2, 14), &[&keys.monitor]);
    add(g, "not a signed note", post_note(b"not a signed note"), status(400, "malformed-note"));
    add(
        g,
        "invalid UTF-8",
        post_note(b"{\"type\":\"truce.report/v1\"}\n\n\xe2\x80\x94 omm-1 \xff\xff\n"),
        status(400, "malformed-note"),
    );
    add(g, "text without a signature", post_note(b"{}\n\n"), status(400, "malformed-note"));
    add(
        g,
        "no blank line before the signatures",
        post_note(&String::from_utf8_lossy(&good).replacen("\n\n", "\n", 1).into_bytes()),
        status(400, "malformed-note"),
    );
    let (text, name, bytes) = split_note(&good);
    add(
        g,
        "a signature that is not base64",
        post_note(format!("{text}\n— {name} !!!notbase64!!!\n").as_bytes()),
        status(400, "malformed-note"),
    );
    add(
        g,
        "a signature cut to 40 bytes",
        post_note(&join_note(&text, &name, &bytes[..40])),
        status(403, "invalid-signature"),
    );
    let mut longer = bytes.clone();
    longer.push(0);
    add(
        g,
        "a signature one byte too long",
        post_note(&join_note(&text, &name, &longer)),
        status(403, "invalid-signature"),
    );
    add(
        g,
        "text with a carriage return",
        post_note(&String::from_utf8_lossy(&good).replacen("\n", "\r\n", 1).into_bytes()),
        status(400, "malformed-note"),
    );
    add(
        g,
        "a NUL byte in the text",
        post_note(&String::from_utf8_lossy(&good).replacen("{", "{\u{0}", 1).into_bytes()),
        status(400, "malformed-note"),
    );

    // Forged and replayed signatures.
    let g = "signatures";
    let mut flipped = bytes.clone();
    flipped[10] ^= 1;
    add(
        g,
        "one bit of the signature flipped",
        post_note(&join_note(&text, &name, &flipped)),
        status(403, "invalid-signature"),
    );
    let changed = text.replacen("Kharkiv", "Kharkov", 1);
    add(
        g,
        "one word of the signed text changed",
        post_note(&join_note(&changed, &name, &bytes)),
        status(403, "invalid-signature"),
    );
    let impostor = truce_note::SigningKey::from_seed(
        truce_note::KeyName::new("omm-1").expect("a name"),
        &[9; 32],
    );
    let (_, _, forged) = split_note(&sign(&report("hostile-1", 50.0, 36.2, 14), &[&impostor]));
    let mut forged_as_monitor = bytes[..4].to_vec();
    forged_as_monitor.extend_from_slice(&forged[4..]);
    add(
        g,
        "signed by another key under the monitor's name and key ID",
        post_note(&join_note(&text, &name, &forged_as_monitor)),
        status(403, "invalid-signature"),
    );
    add(
        g,
        "signed by another key under the monitor's name",
        post_note(&join_note(&text, &name, &forged)),
        status(403, "unknown-signer"),
    );
    let mut malleable = bytes.clone();
    plus_order(&mut malleable[4..]);
    add(
        g,
        "S + L: the same signature to a lax verifier",
        post_note(&join_note(&text, &name, &malleable)),
        status(403, "invalid-signature"),
    );
    let mut zero = bytes[..4].to_vec();
    zero.extend_from_slice(&[0; 64]);
    add(
        g,
        "an all-zero signature",
        post_note(&join_note(&text, &name, &zero)),
        status(403, "invalid-signature"),
    );
    let other = sign(&report("hostile-2", 50.0, 36.2, 14), &[&keys.monitor]);
    let (_, _, other_bytes) = split_note(&other);
    add(
        g,
        "the signature of another entry",
        post_note(&join_note(&text, &name, &other_bytes)),
        status(403, "invalid-signature"),
    );
    add(
        g,
        "signed by a key nobody registered",
        post_note(&sign(&report("hostile-3", 50.0, 36.2, 14), &[&key("stranger")])),
        status(403, "unknown-signer"),
    );
    add(
        g,
        "signed by a revoked source",
        post_note(&sign(&report("hostile-4", 50.0, 36.2, 14), &[&keys.revoked])),
        status(403, "revoked-signer"),
    );
    add(
        g,
        "signed by a source's key before its rotation",
        post_note(&sign(&report("hostile-5", 50.0, 36.2, 14), &[&keys.rotated_away])),
        status(403, "revoked-signer"),
    );
    add(
        g,
        "a revoked source's entry in a batch",
        post_batch(
            json!([String::from_utf8_lossy(&sign(
                &report("hostile-6", 50.0, 36.2, 14),
                &[&keys.revoked]
            ))])
            .to_string()
            .as_bytes(),
        ),
        Expect::Batch("revoked-signer"),
    );
    add(g, "a replay of an entry in the log", post_note(&keys.logged), Expect::Replayed);
    add(
        g,
        "the same entry twice in one batch",
        post_batch(
            json!([String::from_utf8_lossy(&keys.logged), String::from_utf8_lossy(&keys.logged)])
                .to_string()
                .as_bytes(),
        ),
        Expect::Replayed,
    );
    add(
        g,
        "an entry in the log, re-signed by a stranger as well",
        post_note(&{
            let (text, ..) = split_note(&keys.logged);
            let extra = truce_note::sign(&text, &[&key("stranger")]).expect("signs");
            let (_, extra_name, extra_bytes) = split_note(&extra);
            let mut note = keys.logged.clone();
            note.extend_from_slice(
                format!("— {extra_name} {}\n", STANDARD.encode(extra_bytes)).as_bytes(),
            );
            note
        }),
        status(409, "local-id-reused"),
    );
    add(
        g,
        "a source registration signed by a monitor",
        post_note(&sign(
            &json!({
                "type": "truce.source/v1", "source": "mole", "action": "register",
                "key": key("mole").verifier_key().to_string(), "name": "mole", "role": "monitor",
                "organisation": "Mission", "reliability": "A"
            }),
            &[&keys.monitor],
        )),
        status(403, "role-not-allowed"),
    );
    add(
        g,
        "a revocation of the monitor signed by the monitor",
        post_note(&sign(
            &json!({
                "type": "truce.source/v1", "source": "omm-1", "action": "revoke", "note": "Self-revoked."
            }),
            &[&keys.monitor],
        )),
        status(403, "role-not-allowed"),
    );

    // Entries: JSON that signs but is not an entry.
    let g = "entries";
    let base = report("hostile-7", 50.0, 36.2, 14);
    let entry = |text: String| post_note(&sign_text(&text, &keys.monitor));
    add(
        g,
        "a duplicate key (\"type\" twice)",
        entry(edited(&base, |t| t.replacen('{', "{\"type\":\"truce.report/v1\",", 1))),
        status(422, "invalid-entry"),
    );
    add(
        g,
        "a duplicate key (\"id\" twice)",
        entry(edited(&base, |t| t.replacen('{', "{\"id\":\"other\",", 1))),
        status(422, "invalid-entry"),
    );
    add(
        g,
        "a duplicate nested key (location.lat twice)",
        entry(edited(&base, |t| t.replacen("\"lat\":", "\"lat\":1,\"lat\":", 1))),
        status(422, "invalid-entry"),
    );
    add(
        g,
        "a number past f64 (lat 1e400)",
        entry(edited(&base, |t| t.replacen("\"lat\":50.0", "\"lat\":1e400", 1))),
        status(422, "invalid-entry"),
    );
    add(
        g,
        "a number below f64's precision (lat 50.0000000000000000000001)",
        entry(edited(&base, |t| {
            t.replacen("\"lat\":50.0", "\"lat\":50.0000000000000000000001", 1)
        })),
        status(422, "invalid-entry"),
    );
    add(
        g,
        "a number in another form (lat 5e1)",
        entry(edited(&base, |t| t.replacen("\"lat\":50.0", "\"lat\":5e1", 1))),
        status(422, "invalid-entry"),
    );
    add(
        g,
        "a latitude of 95",
        entry(edited(&base, |t| t.replacen("\"lat\":50.0", "\"lat\":95", 1))),
        status(422, "invalid-entry"),
    );
    add(
        g,
        "an uncertainty of 1e308 metres",
        entry(edited(&base, |t| {
            t.replacen("\"uncertainty_m\":", "\"uncertainty_m\":1e308,\"x\":", 1)
        })),
        status(422, "invalid-entry"),
    );
    let mut superseding = base.clone();
    superseding["supersedes"] = json!(1);
    for (what, value) in
        [("2^64", "18446744073709551616"), ("-1", "-1"), ("1.5", "1.5"), ("\"1\"", "\"1\"")]
    {
        add(
            g,
            &format!("supersedes {what}"),
            entry(edited(&superseding, |t| {
                t.replacen("\"supersedes\":1", &format!("\"supersedes\":{value}"), 1)
            })),
            status(422, "invalid-entry"),
        );
    }
    add(
        g,
        "a casualty count of 2^53 + 1",
        entry(edited(&base, |t| {
            t.replacen('{', "{\"harm\":{\"killed\":{\"civilian\":9007199254740993}},", 1)
        })),
        status(422, "invalid-entry"),
    );
    add(
        g,
        "JSON nested 10,000 arrays deep",
        entry(edited(&base, |t| t.replacen('{', &format!("{{\"deep\":{},", nested(10_000)), 1))),
        status(422, "invalid-entry"),
    );
    add(
        g,
        "an unknown field",
        entry(edited(&base, |t| t.replacen('{', "{\"admin\":true,", 1))),
        status(422, "invalid-entry"),
    );
    add(
        g,
        "an unknown entry type",
        entry(edited(&base, |t| t.replacen("truce.report/v1", "truce.report/v9", 1))),
        status(422, "invalid-entry"),
    );
    add(g, "JSON that is not an object", entry("[1,2,3]".to_owned()), status(422, "invalid-entry"));
    add(g, "not JSON", entry("hello".to_owned()), status(422, "invalid-entry"));
    add(
        g,
        "keys out of canonical order",
        entry(edited(&base, |t| {
            let value: Value = serde_json::from_str(&t).expect("JSON");
            let mut fields: Vec<(String, Value)> =
                value.as_object().expect("an object").clone().into_iter().collect();
            fields.reverse();
            format!(
                "{{{}}}",
                fields
                    .iter()
                    .map(|(k, v)| format!("{}:{v}", json!(k)))
                    .collect::<Vec<_>>()
                    .join(",")
            )
        })),
        status(422, "invalid-entry"),
    );
    add(
        g,
        "whitespace between tokens",
        entry(edited(&base, |t| t.replacen(":", ": ", 1))),
        status(422, "invalid-entry"),
    );
    add(
        g,
        "an escaped character that needs none (\\u0041)",
        entry(edited(&base, |t| t.replacen("Kharkiv", "\\u004bharkiv", 1))),
        status(422, "invalid-entry"),
    );
    add(
        g,
        "a lone surrogate escape",
        entry(edited(&base, |t| t.replacen("Kharkiv", "\\ud800harkiv", 1))),
        status(422, "invalid-entry"),
    );
    add(
        g,
        "a control character in a string",
        entry(edited(&base, |t| t.replacen("Kharkiv", "Khar\\u0007kiv", 1))),
        status(422, "invalid-entry"),
    );
    add(
        g,
        "a date that does not exist (30 February)",
        entry(edited(&base, |t| t.replacen("2025-11-14T03:00:00Z", "2025-02-30T03:00:00Z", 1))),
        status(422, "invalid-entry"),
    );
    add(
        g,
        "a time with an offset instead of Z",
        entry(edited(&base, |t| {
            t.replacen("2025-11-14T03:00:00Z", "2025-11-14T05:00:00+02:00", 1)
        })),
        status(422, "invalid-entry"),
    );
    add(
        g,
        "a summary of 1 MB",
        post_note(&sign_text(
            &edited(&base, |t| {
                t.replacen('{', &format!("{{\"summary\":\"{}\",", "a".repeat(1 << 20)), 1)
            }),
            &keys.monitor,
        )),
        status(413, "payload-too-large"),
    );

    // Path traversal and odd paths.
    let g = "paths";
    for path in [
        "/tile/../../etc/passwd",
        "/tile/0/../../../etc/passwd",
        "/tile/%2e%2e/%2e%2e/etc/passwd",
        "/tile/0/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/tile/0/x001/..%2f..%2f..%2fetc%2fpasswd",
        "/tile/entries/..",
        "/tile/0/000%00",
        "/tile/0/..%5c..%5cwindows%5cwin.ini",
        "/tile/0/000.p/0",
        "/tile/0/000.p/257",
        "/tile/99/000",
        "/tile/0/x1/000",
        "/tile/0/0000",
        "/tile/0/-01",
        "/tile//000",
        "/tile/0/999999999999999999999999",
        "/checkpoint/../../etc/passwd",
        "/i18n/..%2f..%2f..%2fetc%2fpasswd",
        "/i18n/en.json%00.txt",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/dashboard/../../../../etc/passwd",
        "/app.js/../../../etc/passwd",
    ] {
        add(g, &format!("GET {path}"), get(path), status(404, "not-found"));
    }
    add(
        g,
        "a raw byte 0xFF in the path",
        b"GET /tile/\xff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
        http(400),
    );
    add(
        g,
        "a raw space in the path",
        b"GET /tile/0 000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
        http(400),
    );

    // Parameters: indices, numbers and text in paths and queries.
    let g = "parameters";
    for (path, kind) in [
        ("/v1/entries/18446744073709551616", "invalid-parameter"),
        ("/v1/entries/-1", "invalid-parameter"),
        ("/v1/entries/1e3", "invalid-parameter"),
        ("/v1/entries/%ff", "invalid-parameter"),
        ("/v1/entries/%ff/note", "invalid-parameter"),
        ("/v1/reports/%c0%af", "invalid-parameter"),
        ("/v1/entries/99999999", "not-found"),
        ("/v1/proof/99999999", "not-found"),
        ("/v1/proof/0?size=18446744073709551616", "invalid-parameter"),
        ("/v1/reports?limit=99999999999999999999", "invalid-parameter"),
        ("/v1/reports?limit=-5", "invalid-parameter"),
        ("/v1/reports?bbox=NaN,NaN,NaN,NaN", "invalid-parameter"),
        ("/v1/reports?bbox=-inf,0,inf,1", "invalid-parameter"),
        ("/v1/reports?bbox=1,2,3", "invalid-parameter"),
        ("/v1/reports?from=2025-13-45", "invalid-parameter"),
        ("/v1/reports?source=%ff%fe", "invalid-parameter"),
        ("/v1/reports?limit=1&limit=2", "invalid-parameter"),
        ("/v1/incidents?grade=certain", "invalid-parameter"),
        ("/v1/reports/daily/2025-02-30", "invalid-parameter"),
        ("/v1/reports/daily/..%2f..%2fetc%2fpasswd", "invalid-parameter"),
        ("/v1/export/reports?format=xlsx", "invalid-parameter"),
    ] {
        add(
            g,
            &format!("GET {path}"),
            get(path),
            status(if kind == "not-found" { 404 } else { 400 }, kind),
        );
    }

    // Header injection: nothing a client sends comes back as a header line.
    let g = "header injection";
    add(
        g,
        "?lang= with CR LF and a header",
        get("/v1/reports/daily/2025-11-14?lang=uk%0d%0aX-Injected:%201"),
        status(400, "invalid-parameter"),
    );
    add(
        g,
        "?lang= with a bare LF",
        get("/v1/reports/daily/2025-11-14?lang=uk%0aX-Injected:%201"),
        status(400, "invalid-parameter"),
    );
    add(
        g,
        "an incident id with CR LF and a header",
        get("/v1/incidents/x%0d%0aX-Injected:%201"),
        status(400, "invalid-parameter"),
    );
    add(
        g,
        "an export format with CR LF",
        get("/v1/export/reports?format=csv%0d%0aX-Injected:%201"),
        status(400, "invalid-parameter"),
    );
    add(
        g,
        "an Accept-Language that is not a language list",
        request("GET", "/v1/reports/daily/2025-11-14", &["Accept-Language: ;;;=,,q=abc"], b""),
        http(200),
    );
    add(
        g,
        "an Accept-Language of invalid UTF-8",
        request("GET", "/v1/reports/daily/2025-11-14", &["Accept-Language: uk\u{ff}"], b""),
        http(200),
    );
    add(
        g,
        "an Accept that names nothing the server makes (a preference: JSON)",
        request("GET", "/v1/reports/daily/2025-11-14", &["Accept: image/png"], b""),
        http(200),
    );

    cases
}

/// Keys and entries the cases use.
struct Keys {
    monitor: truce_note::SigningKey,
    revoked: truce_note::SigningKey,
    rotated_away: truce_note::SigningKey,
    /// A report already in the log.
    logged: Vec<u8>,
}

/// The log's size and root hash, from its checkpoint. Asked on a
/// connection of its own: the server closes idle ones after the client
/// timeout (a second here), sooner than a pooling client expects.
fn tree(address: &str) -> String {
    let case = Case {
        group: "",
        what: "the checkpoint".into(),
        request: get("/checkpoint"),
        expect: http(200),
    };
    let answer = exchange(address, &case);
    assert_eq!(answer.status, Some(200), "{}", String::from_utf8_lossy(&answer.body));
    String::from_utf8_lossy(&answer.body).lines().skip(1).take(2).collect::<Vec<_>>().join(" ")
}

#[test]
fn every_hostile_input_is_refused_or_harmless_and_changes_nothing() {
    let server = TestServer::start(|config| {
        config.max_body_bytes = 256 << 10;
        config.client_timeout_secs = 1;
        config.rate_burst = 1e6;
    });
    let address = server.url.trim_start_matches("http://").to_owned();
    let monitor = server.register("omm-1", "monitor", "Mission", None);
    server.register("analyst-1", "analyst", "Mission", None);
    let revoked = server.register("omm-9", "monitor", "Mission", None);
    server.log(&sign(
        &json!({"type": "truce.source/v1", "source": "omm-9", "action": "revoke", "note": "Key lost."}),
        &[&server.operator],
    ));
    let rotated_away = server.register("omm-8", "monitor", "Mission", None);
    server.log(&sign(
        &json!({"type": "truce.source/v1", "source": "omm-8", "action": "update",
                "key": key("omm-8-new").verifier_key().to_string(), "name": "omm-8",
                "role": "monitor", "organisation": "Mission", "reliability": "B"}),
        &[&server.operator],
    ));
    let logged = sign(&report("logged-1", 50.0, 36.2, 14), &[&monitor]);
    server.log(&logged);
    let keys = Keys { monitor, revoked, rotated_away, logged };

    let mut cases = cases(&keys);
    for (what, request, expect) in [
        (
            "headers sent in part, then nothing (slowloris)",
            &b"POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Type: text/pl"[..],
            Expect::Closed,
        ),
        (
            "a body of 100 bytes sent in part, then nothing",
            b"POST /v1/entries HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nonly part of it",
            status(408, "request-timeout"),
        ),
        ("a connection opened and never used", b"", Expect::Closed),
    ] {
        let request = request.to_vec();
        cases.push(Case { group: "slow clients", what: what.into(), request, expect });
    }

    let mut failures = Vec::new();
    for case in &cases {
        let before = tree(&address);
        let started = Instant::now();
        let answer = exchange(&address, case);
        let took = started.elapsed();
        if let Err(why) = check(case, &answer, took) {
            failures.push(format!("{} / {}: {why}", case.group, case.what));
        }
        assert_eq!(tree(&address), before, "{}: the log changed", case.what);
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert!(cases.len() >= 100, "{} cases", cases.len());

    // Still serving, and still taking entries.
    let after = Case {
        group: "",
        what: "an entry after all that".into(),
        request: post_note(&sign(&report("after-1", 50.0, 36.2, 14), &[&keys.monitor])),
        expect: http(201),
    };
    let answer = exchange(&address, &after);
    assert_eq!(answer.status, Some(201), "{}", String::from_utf8_lossy(&answer.body));

    ensure_table(&cases);
}

fn check(case: &Case, answer: &Answer, took: Duration) -> Result<(), String> {
    if let Some(injected) = answer.header("x-injected") {
        return Err(format!("an injected header came back: {injected}"));
    }
    if String::from_utf8_lossy(&answer.body).contains("root:") {
        return Err("the body holds /etc/passwd".into());
    }
    match case.expect {
        Expect::Closed => {
            if let Some(status) = answer.status {
                return Err(format!("expected the connection closed, got {status}"));
            }
            // The client timeout is 1 s; the bound leaves room for a busy machine.
            if took > Duration::from_secs(10) {
                return Err(format!("closed only after {took:?}"));
            }
        }
        Expect::Status(expected, kind) => {
            let status = answered(answer, expected)?;
            if let Some(kind) = kind {
                let problem: Value = serde_json::from_slice(&answer.body).map_err(|e| {
                    format!(
                        "the body is not a problem ({e}): {}",
                        String::from_utf8_lossy(&answer.body)
                    )
                })?;
                is_problem(&problem, kind, status)?;
                let media = answer.header("content-type").unwrap_or_default();
                if media != "application/problem+json" {
                    return Err(format!("a problem served as {media}"));
                }
            }
        }
        Expect::Batch(kind) => {
            answered(answer, 200)?;
            let body: Value = serde_json::from_slice(&answer.body).map_err(|e| e.to_string())?;
            let results = body["results"].as_array().ok_or(format!("no results: {body}"))?;
            for result in results {
                is_problem(
                    &result["problem"],
                    kind,
                    result["problem"]["status"].as_u64().unwrap_or(0) as u16,
                )?;
            }
        }
        Expect::Replayed => {
            answered(answer, 200)?;
            let body: Value = serde_json::from_slice(&answer.body).map_err(|e| e.to_string())?;
            let results = body["results"].as_array().cloned().unwrap_or_else(|| vec![body.clone()]);
            if results.iter().any(|r| r["duplicate"] != json!(true) || !r["index"].is_u64()) {
                return Err(format!("not every entry was answered as a duplicate: {body}"));
            }
        }
    }
    Ok(())
}

/// The status, if it is `expected`.
fn answered(answer: &Answer, expected: u16) -> Result<u16, String> {
    match answer.status {
        None => Err(format!("expected {expected}, the connection closed without an answer")),
        Some(status) if status != expected => Err(format!(
            "expected {expected}, got {status}: {}",
            String::from_utf8_lossy(&answer.body)
        )),
        Some(status) => Ok(status),
    }
}

/// Whether `problem` is a problem of type `kind` with `status`, title and
/// detail.
fn is_problem(problem: &Value, kind: &str, status: u16) -> Result<(), String> {
    if problem["type"] != json!(format!("{PROBLEMS}{kind}")) || problem["status"] != json!(status) {
        return Err(format!("expected a {kind} problem, got {problem}"));
    }
    if !problem["title"].is_string() || !problem["detail"].is_string() {
        return Err(format!("a problem without title or detail: {problem}"));
    }
    Ok(())
}

/// Writes the table of cases into SECURITY.md, between its markers; fails
/// if it was not up to date (run the test again: it now is).
fn ensure_table(cases: &[Case]) {
    let mut table = String::from("| # | what is sent | expected answer |\n| ---: | --- | --- |\n");
    let mut group = "";
    for (n, case) in cases.iter().enumerate() {
        if case.group != group {
            group = case.group;
            table.push_str(&format!("| | **{group}** | |\n"));
        }
        let expected = match case.expect {
            Expect::Status(status, Some(kind)) => format!("{status} `{kind}`"),
            Expect::Status(status, None) => format!("{status} (HTTP layer, no body)"),
            Expect::Closed => "connection closed, no answer (within the client timeout)".to_owned(),
            Expect::Batch(kind) => format!("200, each entry refused: `{kind}`"),
            Expect::Replayed => "200, `\"duplicate\": true` with the index it has".to_owned(),
        };
        let what = case.what.replace('|', "\\|");
        table.push_str(&format!("| {} | {what} | {expected} |\n", n + 1));
    }
    let path = std::path::Path::new("../../SECURITY.md");
    let text = std::fs::read_to_string(path).expect("SECURITY.md, from crates/server");
    const START: &str = "<!-- hostile inputs: generated by crates/server/tests/hostile.rs -->\n";
    const END: &str = "<!-- end of hostile inputs -->";
    let (Some(start), Some(end)) = (text.find(START), text.find(END)) else {
        panic!("SECURITY.md has no markers for the table of hostile inputs");
    };
    let updated = format!("{}{START}{table}{}", &text[..start], &text[end..]);
    if updated != text {
        std::fs::write(path, updated).expect("writes SECURITY.md");
        panic!(
            "SECURITY.md's table of hostile inputs was out of date; it is updated now: run the test again and commit it"
        );
    }
}
