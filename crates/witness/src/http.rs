//! The witness over HTTP.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::{AddError, Witness};

/// The largest request body: 63 proof lines and a checkpoint with up to
/// 100 signatures fit well within it.
const MAX_BODY: usize = 64 * 1024;

/// The routes of the tlog-witness protocol:
/// `POST /add-checkpoint` and `GET /{origin hash}/checkpoint`.
pub fn router(witness: Arc<Witness>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/{origin_hash}/checkpoint", get(checkpoint))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(witness)
}

async fn add_checkpoint(State(witness): State<Arc<Witness>>, body: Bytes) -> Response {
    // Verifying, proving and syncing are blocking work.
    let answer = tokio::task::spawn_blocking(move || witness.add_checkpoint(&body)).await;
    match answer {
        Ok(Ok(lines)) => {
            ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], lines).into_response()
        }
        Ok(Err(AddError::Conflict(size))) => {
            // SPEC(tlog-witness): the body is the size, the content type
            // text/x.tlog.size.
            (
                StatusCode::CONFLICT,
                [(header::CONTENT_TYPE, "text/x.tlog.size")],
                format!("{size}\n"),
            )
                .into_response()
        }
        Ok(Err(e)) => {
            if matches!(e, AddError::Storage(_) | AddError::ClockBehind { .. }) {
                tracing::error!("{e}");
            }
            let status =
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{e}\n"))
                .into_response()
        }
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}

async fn checkpoint(
    State(witness): State<Arc<Witness>>,
    Path(origin_hash): Path<String>,
) -> Response {
    match witness.latest(&origin_hash) {
        Some(recorded) => {
            ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], recorded.note).into_response()
        }
        None => (StatusCode::NOT_FOUND, "no checkpoint cosigned for this log\n").into_response(),
    }
}
