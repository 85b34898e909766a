//! Evidence files: `PUT /v1/evidence/{sha256}` (resumable),
//! `GET /v1/evidence/{sha256}` and `GET /v1/evidence/{sha256}/status`.
//!
//! The server takes the bytes of a file only once an evidence entry in the
//! log names its digest: the entry was signed by a registered source and
//! passed the limits of `[evidence]` (size, media type, quota), so the
//! upload needs no other authority, and the store keeps the bytes only if
//! they hash to the digest. The size is the one the earliest entry naming
//! the digest gives.
//!
//! An upload that is cut keeps what arrived. `status` (or the answer to
//! the cut request, if the client saw it) says how many bytes are there;
//! the client sends the rest with `Upload-Offset` set to that number.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt as _};
use serde_json::json;
use truce_entry::{Entry, EvidenceObject, Sha256Hex};
use truce_store::{EvidenceError, Upload};

use super::blocking;
use super::params::{Segment, bad_parameter};
use crate::problem::Problem;
use crate::state::Shared;

/// The header that says where a piece of an upload starts.
const UPLOAD_OFFSET: &str = "upload-offset";

/// What the log says of a file: its size and media type, from the earliest
/// entry naming it, and every entry naming it.
struct Logged {
    size: u64,
    media_type: String,
    entries: Vec<u64>,
}

/// `PUT /v1/evidence/{sha256}`: the file's bytes, or the part of them
/// from `Upload-Offset` on.
pub(crate) async fn put(
    State(shared): State<Arc<Shared>>,
    Segment(digest): Segment,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Problem> {
    let digest = parse_digest(&digest)?;
    if shared.config.read_only {
        return Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "this server is a read-only replica; upload evidence to a server that takes entries",
        ));
    }
    let offset = match headers.get(UPLOAD_OFFSET) {
        None => 0,
        Some(value) => {
            value.to_str().ok().and_then(|v| v.parse::<u64>().ok()).ok_or_else(|| {
                bad_parameter("Upload-Offset", "must be a byte offset: a whole number")
            })?
        }
    };
    let logged = logged(&shared, digest).await?;
    let body = idle_limited(body, shared.config.client_timeout());
    let stored = shared.evidence.append(&digest, logged.size, offset, body).await;
    match stored {
        Ok(upload) => Ok(answer(&digest, &logged, upload)),
        Err(error) => Err(upload_problem(&digest, &logged, error)),
    }
}

/// `GET /v1/evidence/{sha256}/status`: what the log says of the file, and
/// how much of it the server holds.
pub(crate) async fn status(
    State(shared): State<Arc<Shared>>,
    Segment(digest): Segment,
) -> Result<Response, Problem> {
    let digest = parse_digest(&digest)?;
    let logged = logged(&shared, digest).await?;
    let upload = shared.evidence.status(&digest).await.map_err(storage_problem)?;
    Ok(answer(&digest, &logged, upload))
}

/// `GET /v1/evidence/{sha256}`: the file, as stored (checked against its
/// digest when it was taken).
pub(crate) async fn file(
    State(shared): State<Arc<Shared>>,
    Segment(digest): Segment,
) -> Result<Response, Problem> {
    let digest = parse_digest(&digest)?;
    let logged = logged(&shared, digest).await?;
    let read = shared.evidence.read(&digest).await.map_err(storage_problem)?.ok_or_else(|| {
        Problem::new(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("the log names {digest}, but its bytes have not been uploaded here"),
        )
    })?;
    let mut response = Body::from_stream(read.bytes).into_response();
    let headers = response.headers_mut();
    if let Ok(media_type) = HeaderValue::from_str(&logged.media_type) {
        headers.insert(header::CONTENT_TYPE, media_type);
    }
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(read.size));
    // The bytes under a digest never change.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{digest}\"")) {
        headers.insert(header::ETAG, etag);
    }
    Ok(response)
}

fn parse_digest(text: &str) -> Result<Sha256Hex, Problem> {
    text.parse().map_err(|e: &str| bad_parameter("sha256", e))
}

/// The evidence entries naming `digest`, or 404.
async fn logged(shared: &Arc<Shared>, digest: Sha256Hex) -> Result<Logged, Problem> {
    let for_index = shared.clone();
    let rows = blocking(move || for_index.with_index(|i| i.evidence(&digest))).await?;
    let first = rows.first().ok_or_else(|| {
        Problem::new(
            StatusCode::NOT_FOUND,
            "evidence-not-logged",
            format!("no evidence entry in the log names {digest}: submit the entry first"),
        )
    })?;
    let internal = |message: &str| {
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message.to_owned())
    };
    let evidence: EvidenceObject = match Entry::parse(first.json.as_bytes()) {
        Ok(Entry::Evidence(evidence)) => evidence,
        _ => return Err(internal("the index holds an evidence row that is not evidence")),
    };
    Ok(Logged {
        size: evidence.size.0,
        media_type: evidence.media_type.as_str().to_owned(),
        entries: rows.iter().map(|r| r.index).collect(),
    })
}

fn answer(digest: &Sha256Hex, logged: &Logged, upload: Upload) -> Response {
    let (received, stored) = match upload {
        Upload::Stored { size } => (size, true),
        Upload::Partial { received } => (received, false),
    };
    let body = json!({
        "sha256": digest.to_string(),
        "size": logged.size,
        "media_type": logged.media_type,
        "received": received,
        "stored": stored,
        "entries": logged.entries,
    });
    let mut response =
        ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response();
    response.headers_mut().insert(UPLOAD_OFFSET, HeaderValue::from(received));
    response
}

fn upload_problem(digest: &Sha256Hex, logged: &Logged, error: EvidenceError) -> Problem {
    let detail = error.to_string();
    let mut problem = match &error {
        EvidenceError::Offset { expected } => {
            let mut problem = Problem::new(StatusCode::CONFLICT, "upload-offset", detail);
            problem.extra.push(("received", json!(expected)));
            problem
        }
        EvidenceError::TooLong { .. } => {
            Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "evidence-too-long", detail)
        }
        EvidenceError::Mismatch { actual, .. } => {
            let mut problem =
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "evidence-mismatch", detail);
            problem.extra.push(("actual", json!(actual.to_string())));
            problem
        }
        EvidenceError::Interrupted { received, .. } => {
            let mut problem = Problem::new(StatusCode::REQUEST_TIMEOUT, "request-timeout", detail);
            problem.extra.push(("received", json!(received)));
            problem
        }
        _ => return storage_problem(error),
    };
    problem.extra.push(("sha256", json!(digest.to_string())));
    problem.extra.push(("size", json!(logged.size)));
    problem
}

fn storage_problem(error: EvidenceError) -> Problem {
    tracing::error!(%error, "evidence storage failed");
    let mut problem =
        Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", error.to_string());
    problem.retry_after = Some(1);
    problem
}

/// The request's body, ending in an error if no bytes come for `idle`: an
/// upload may take hours on a poor link, but a client that stopped sending
/// must not hold the upload open. What arrived before is kept.
fn idle_limited(
    body: Body,
    idle: Duration,
) -> impl Stream<Item = Result<axum::body::Bytes, String>> + Send {
    let frames = body.into_data_stream();
    futures_util::stream::unfold(Some(frames), move |frames| async move {
        let mut frames = frames?;
        match tokio::time::timeout(idle, frames.next()).await {
            Ok(Some(Ok(bytes))) => Some((Ok(bytes), Some(frames))),
            Ok(Some(Err(e))) => Some((Err(e.to_string()), None)),
            Ok(None) => None,
            Err(_) => Some((Err(format!("no bytes for {} s", idle.as_secs())), None)),
        }
    })
}
