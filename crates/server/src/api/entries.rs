//! `POST /v1/entries`: one signed entry, or a batch of them.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::{Value, json};
use truce_entry::SignedEntry;

use crate::ingest::{Outcome, Refusal};
use crate::problem::Problem;
use crate::state::{Prepared, Shared};

/// What the body holds, by its media type.
enum Body {
    One(Vec<u8>),
    Batch(Vec<Vec<u8>>),
}

pub(crate) async fn post_entries(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let started = Instant::now();
    let parsed = match not_sequencing(&shared) {
        Some(problem) => Err(problem),
        None => match read_body(&shared, body).await {
            Ok(body) => parse_body(&shared, &headers, &body),
            Err(problem) => Err(problem),
        },
    };
    let response = match parsed {
        Ok(body) => respond(&shared, body).await,
        Err(problem) => {
            shared.metrics.error(problem.kind);
            problem.into_response()
        }
    };
    shared.metrics.acknowledged(started.elapsed());
    response
}

/// A server that does not sequence the log now refuses every submission:
/// 503 with Retry-After, so that a client (or a load balancer) tries again,
/// reaching the sequencer or this server once it took over.
fn not_sequencing(shared: &Shared) -> Option<Problem> {
    (!shared.is_sequencing()).then(|| {
        let message = match (shared.role(), shared.fault()) {
            ("read-only", _) => {
                "this server is a read-only replica; submit to the log's sequencer".to_owned()
            }
            (_, Some(fault)) => format!("{fault}; try again"),
            _ => "this server stands by while another sequences the log; try again".to_owned(),
        };
        Problem::from(&Refusal::unavailable(message))
    })
}

/// The body, read within the size limit (else 413) and the time a client
/// has to send it (else 408: a client that trickles its body must not
/// hold a connection and a buffer for ever).
async fn read_body(shared: &Shared, body: axum::body::Body) -> Result<Bytes, Problem> {
    let timeout = shared.config.client_timeout();
    let limited = Limited::new(body, shared.config.max_body_bytes);
    match tokio::time::timeout(timeout, limited.collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => Err(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            format!(
                "the body is larger than the server takes ({} bytes); send fewer entries at a time",
                shared.config.max_body_bytes
            ),
        )),
        Ok(Err(e)) => Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed-request",
            format!("the body could not be read: {e}"),
        )),
        Err(_) => Err(Problem::new(
            StatusCode::REQUEST_TIMEOUT,
            "request-timeout",
            format!("the body did not arrive within {} s", timeout.as_secs()),
        )),
    }
}

fn parse_body(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<Body, Problem> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
    match media_type.as_deref() {
        Some("text/plain") => {
            if body.is_empty() {
                return Err(Problem::new(
                    StatusCode::BAD_REQUEST,
                    "malformed-request",
                    "the body is empty",
                ));
            }
            Ok(Body::One(body.to_vec()))
        }
        Some("application/json") => {
            let entries: Vec<String> = serde_json::from_slice(body).map_err(|e| {
                Problem::new(
                    StatusCode::BAD_REQUEST,
                    "malformed-request",
                    format!("a batch is a JSON array of signed entries as strings: {e}"),
                )
            })?;
            if entries.is_empty() || entries.len() > shared.config.max_batch {
                return Err(Problem::new(
                    StatusCode::BAD_REQUEST,
                    "malformed-request",
                    format!(
                        "a batch holds 1 to {} entries, not {}",
                        shared.config.max_batch,
                        entries.len()
                    ),
                ));
            }
            Ok(Body::Batch(entries.into_iter().map(String::into_bytes).collect()))
        }
        other => Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            format!(
                "Content-Type {} is not text/plain (one signed entry) or application/json (an array of them)",
                other.unwrap_or("(none)")
            ),
        )),
    }
}

async fn respond(shared: &Arc<Shared>, body: Body) -> Response {
    let (entries, batch) = match body {
        Body::One(entry) => (vec![entry], false),
        Body::Batch(entries) => (entries, true),
    };
    let outcomes = process(shared, entries).await;
    if !batch {
        let outcome = outcomes.into_iter().next();
        return match outcome {
            Some(Outcome::Logged { index, leaf, duplicate }) => {
                let status = if duplicate { StatusCode::OK } else { StatusCode::CREATED };
                let body = json!({
                    "index": index,
                    "leaf_hash": leaf.to_string(),
                    "duplicate": duplicate,
                    "checkpoint": checkpoint_text(shared),
                });
                json_response(status, &body)
            }
            Some(Outcome::Refused(refusal)) => refused(shared, &refusal).into_response(),
            None => Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "no outcome")
                .into_response(),
        };
    }
    let results: Vec<Value> = outcomes
        .iter()
        .map(|outcome| match outcome {
            Outcome::Logged { index, leaf, duplicate } => {
                json!({"index": index, "leaf_hash": leaf.to_string(), "duplicate": duplicate})
            }
            Outcome::Refused(refusal) => json!({"problem": refused(shared, refusal).to_json()}),
        })
        .collect();
    json_response(
        StatusCode::OK,
        &json!({"results": results, "checkpoint": checkpoint_text(shared)}),
    )
}

fn refused(shared: &Shared, refusal: &Refusal) -> Problem {
    let problem = Problem::from(refusal);
    shared.metrics.error(problem.kind);
    problem
}

fn checkpoint_text(shared: &Shared) -> String {
    String::from_utf8_lossy(&shared.checkpoint().to_bytes()).into_owned()
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// Verifies every entry, applies the rate limits, sends the rest to be
/// logged, and puts the outcomes back in order.
///
/// One entry is verified right here: its signature takes tens of
/// microseconds, less than handing it to another thread would. A batch
/// goes to the blocking pool, and from there to every core.
async fn process(shared: &Arc<Shared>, entries: Vec<Vec<u8>>) -> Vec<Outcome> {
    let mut prepared: Vec<Prepared> = if entries.len() == 1 {
        entries.iter().map(|e| shared.prepare(e)).collect()
    } else {
        let verifier = shared.clone();
        let prepared = tokio::task::spawn_blocking(move || verify_all(&verifier, &entries)).await;
        match prepared {
            Ok(prepared) => prepared,
            Err(_) => return vec![],
        }
    };
    // Those that did not verify may be in the log already: a look in the
    // stores, off the async threads.
    if prepared.iter().any(|p| matches!(p, Prepared::Unverified(..))) {
        let settler = shared.clone();
        let settled = tokio::task::spawn_blocking(move || {
            prepared.into_iter().map(|p| settler.settle(p)).collect::<Vec<_>>()
        })
        .await;
        match settled {
            Ok(settled) => prepared = settled,
            Err(_) => return vec![],
        }
    }
    let mut per_source: Vec<(String, usize)> = Vec::new();
    for p in &prepared {
        if let Prepared::Verified(_, source) = p {
            match per_source.iter_mut().find(|(s, _)| s == source) {
                Some((_, n)) => *n += 1,
                None => per_source.push((source.clone(), 1)),
            }
        }
    }
    for (source, count) in per_source {
        if let Err(refusal) = shared.rate_limit(&source, count) {
            for p in prepared.iter_mut() {
                if matches!(p, Prepared::Verified(_, s) if *s == source) {
                    *p = Prepared::Done(Outcome::Refused(refusal.clone()));
                }
            }
        }
    }
    let mut to_log: Vec<SignedEntry> = Vec::new();
    let mut slots: Vec<Option<Outcome>> = Vec::with_capacity(prepared.len());
    for p in prepared {
        match p {
            Prepared::Done(outcome) => slots.push(Some(outcome)),
            Prepared::Verified(entry, _) => {
                to_log.push(*entry);
                slots.push(None);
            }
            Prepared::Unverified(error, _) => {
                slots.push(Some(Outcome::Refused(Refusal::Admission(error))))
            }
        }
    }
    let mut logged =
        if to_log.is_empty() { Vec::new() } else { shared.submit(to_log).await }.into_iter();
    slots
        .into_iter()
        .map(|slot| {
            slot.or_else(|| logged.next())
                .unwrap_or(Outcome::Refused(Refusal::unavailable("no outcome")))
        })
        .collect()
}

/// Verification on every core for a large batch.
fn verify_all(shared: &Shared, entries: &[Vec<u8>]) -> Vec<Prepared> {
    const PER_THREAD: usize = 64;
    if entries.len() < 2 * PER_THREAD {
        return entries.iter().map(|e| shared.prepare(e)).collect();
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = entries.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let parts: Vec<_> = entries
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || part.iter().map(|e| shared.prepare(e)).collect::<Vec<_>>())
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|p| p.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}
