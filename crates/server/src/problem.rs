//! Errors as RFC 9457 problem details (`application/problem+json`), the one
//! error type of the HTTP layer.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use truce_entry::{AdmissionError, EntryError};
use truce_note::NoteError;

use crate::ingest::{EvidenceLimit, Refusal};

/// The `type` URIs of problems start with this.
pub const PROBLEM_BASE: &str = "https://truce.dev/problems/";

/// A problem, with what an API client needs to act on it.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// The HTTP status.
    pub status: StatusCode,
    /// The last segment of the `type` URI, e.g. `invalid-entry`.
    pub kind: &'static str,
    /// What happened, for this occurrence.
    pub detail: String,
    /// For an invalid entry, every problem: its JSON Pointer and the rule.
    pub errors: Vec<(String, String)>,
    /// Seconds to wait before retrying (`Retry-After`).
    pub retry_after: Option<u64>,
    /// Other members, e.g. the index of the entry a local id belongs to.
    pub extra: Vec<(&'static str, Value)>,
}

/// The title of each problem type: the same for every occurrence.
fn title(kind: &str) -> &'static str {
    match kind {
        "unsupported-media-type" => {
            "The body must be a signed entry (text/plain) or a JSON array of them"
        }
        "malformed-request" => "The request is not of the form the API takes",
        "invalid-parameter" => "A query parameter is invalid",
        "not-found" => "There is no such resource",
        "method-not-allowed" => "The resource does not take this method",
        "unauthorized" => "The request needs a valid credential",
        "forbidden" => "The credential does not allow this request",
        "malformed-note" => "The entry is not a well-formed signed note",
        "invalid-signature" => "A signature by a registered key does not verify",
        "unknown-signer" => "No signature is by a registered, active source",
        "revoked-signer" => "The entry is signed by a revoked key",
        "role-not-allowed" => "The source's role may not submit this type of entry",
        "registry-conflict" => "The source entry does not fit the source registry",
        "invalid-entry" => "The entry breaks the rules of its type",
        "entry-too-large" => "The entry is larger than an entry may be",
        "local-id-reused" => "The source already used this id for another entry",
        "foreign-supersedes" => "An entry may only supersede its own source's entries",
        "invalid-reference" => "The entry refers to an entry that is not of the right kind",
        "rate-limited" => "The source sent more entries than its rate allows",
        "evidence-too-large" => "The evidence file is larger than this log takes",
        "media-type-not-taken" => "This log does not take evidence files of this media type",
        "evidence-quota" => "The source has logged as much evidence as its quota allows",
        "evidence-not-logged" => "No evidence entry in the log names this file",
        "upload-offset" => "The upload does not stand where this piece starts",
        "evidence-too-long" => "More bytes than the evidence entry's size",
        "evidence-mismatch" => "The bytes uploaded do not hash to the digest named",
        "unavailable" => "The server cannot take entries now",
        "payload-too-large" => "The request body is too large",
        "request-timeout" => "The request body did not arrive in time",
        _ => "Internal error",
    }
}

impl Problem {
    /// A problem with no details beyond its detail line.
    pub fn new(status: StatusCode, kind: &'static str, detail: impl Into<String>) -> Problem {
        Problem {
            status,
            kind,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            extra: Vec::new(),
        }
    }

    /// The problem as its JSON object.
    pub fn to_json(&self) -> Value {
        let mut object = json!({
            "type": format!("{PROBLEM_BASE}{}", self.kind),
            "title": title(self.kind),
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        if !self.errors.is_empty() {
            object["errors"] = self
                .errors
                .iter()
                .map(|(pointer, detail)| json!({"pointer": pointer, "detail": detail}))
                .collect();
        }
        for (key, value) in &self.extra {
            object[*key] = value.clone();
        }
        object
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = self.to_json().to_string();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<&Refusal> for Problem {
    fn from(refusal: &Refusal) -> Problem {
        match refusal {
            Refusal::Admission(error) => admission_problem(error),
            Refusal::LocalIdReused { local_id, index } => {
                let mut problem = Problem::new(
                    StatusCode::CONFLICT,
                    "local-id-reused",
                    format!(
                        "this source's entry {index} already has id {local_id:?}, with other content"
                    ),
                );
                problem.errors.push(("/id".into(), "is already used by this source".into()));
                problem.extra.push(("index", json!(index)));
                problem
            }
            Refusal::ForeignSupersedes { index, owner } => {
                let mut problem = Problem::new(
                    StatusCode::FORBIDDEN,
                    "foreign-supersedes",
                    format!("entry {index} belongs to source {owner}"),
                );
                problem.errors.push(("/supersedes".into(), "names another source's entry".into()));
                problem
            }
            Refusal::BadReference { pointer, message } => {
                let mut problem = Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid-reference",
                    message.clone(),
                );
                problem.errors.push((pointer.clone(), message.clone()));
                problem
            }
            Refusal::EvidenceLimit { limit, message } => {
                let (status, kind, pointer) = match limit {
                    EvidenceLimit::Size => {
                        (StatusCode::PAYLOAD_TOO_LARGE, "evidence-too-large", "/size")
                    }
                    EvidenceLimit::MediaType => {
                        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "media-type-not-taken", "/media_type")
                    }
                    EvidenceLimit::Quota => (StatusCode::FORBIDDEN, "evidence-quota", "/size"),
                };
                let mut problem = Problem::new(status, kind, message.clone());
                problem.errors.push((pointer.into(), message.clone()));
                problem
            }
            Refusal::RateLimited { retry_after_secs } => {
                let mut problem = Problem::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate-limited",
                    format!("try again in {retry_after_secs} s"),
                );
                problem.retry_after = Some(*retry_after_secs);
                problem
            }
            Refusal::Unavailable { message, retry_after_secs } => {
                let mut problem =
                    Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message.clone());
                problem.retry_after = Some(*retry_after_secs);
                problem
            }
        }
    }
}

fn admission_problem(error: &AdmissionError) -> Problem {
    let detail = error.to_string();
    match error {
        AdmissionError::Entry(EntryError::Invalid(problems)) => {
            let mut problem = Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-entry",
                format!("{} problem(s) with the entry", problems.len()),
            );
            problem.errors =
                problems.iter().map(|p| (p.pointer.clone(), p.message.clone())).collect();
            problem
        }
        AdmissionError::Entry(EntryError::NotCanonical | EntryError::NotOneLine) => {
            let mut problem =
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-entry", &detail);
            problem.errors.push((String::new(), detail));
            problem
        }
        AdmissionError::Entry(EntryError::TooLarge { .. }) => {
            Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "entry-too-large", detail)
        }
        AdmissionError::Entry(EntryError::Note(NoteError::InvalidSignature { .. })) => {
            Problem::new(StatusCode::FORBIDDEN, "invalid-signature", detail)
        }
        AdmissionError::Entry(EntryError::Note(_)) => {
            Problem::new(StatusCode::BAD_REQUEST, "malformed-note", detail)
        }
        AdmissionError::UnknownSigner { .. } => {
            Problem::new(StatusCode::FORBIDDEN, "unknown-signer", detail)
        }
        AdmissionError::RevokedSigner { .. } => {
            Problem::new(StatusCode::FORBIDDEN, "revoked-signer", detail)
        }
        AdmissionError::RoleNotAllowed { .. } => {
            Problem::new(StatusCode::FORBIDDEN, "role-not-allowed", detail)
        }
        AdmissionError::RegistryConflict(_) => {
            Problem::new(StatusCode::CONFLICT, "registry-conflict", detail)
        }
        _ => Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-entry", detail),
    }
}
