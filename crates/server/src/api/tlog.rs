//! The C2SP tlog-tiles read endpoints and tlog-proof inclusion proofs.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use truce_log::{
    LogStorage as _, StorageTiles, TileHashReader, TilePath, TlogProof, inclusion_proof,
    read_objects,
};

use super::params::{Params, Segment, path_index};
use crate::problem::Problem;
use crate::state::Shared;

/// SPEC(tlog-tiles): tiles are immutable; "caching headers SHOULD be
/// long-lived".
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `GET /checkpoint`: the latest signed checkpoint, cached briefly. With
/// witnesses configured, the latest one they were asked to cosign, with
/// their cosignatures (a round behind the newest at most).
pub(crate) async fn checkpoint(State(shared): State<Arc<Shared>>) -> Response {
    let body = match shared.witnessed() {
        Some(witnessed) => witnessed.note.clone(),
        None => shared.checkpoint().to_bytes(),
    };
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=2"),
        ],
        body,
    )
        .into_response()
}

/// `GET /tile/...`: a hash tile or an entry bundle the latest checkpoint
/// covers.
pub(crate) async fn tile(
    State(shared): State<Arc<Shared>>,
    Segment(path): Segment,
) -> Result<Response, Problem> {
    let not_found = || Problem::new(StatusCode::NOT_FOUND, "not-found", format!("no tile/{path}"));
    let tile: TilePath = format!("tile/{path}").parse().map_err(|_| not_found())?;
    if !tile.within(shared.checkpoint().size()) {
        return Err(not_found());
    }
    let reader = shared.clone();
    let data = tokio::task::spawn_blocking(move || read_objects(&reader.storage, &[tile]))
        .await
        .map_err(|_| not_found())?
        .map_err(|e| Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", e.to_string()))?
        .into_iter()
        .next()
        .flatten()
        .ok_or_else(not_found)?;
    Ok((
        [(header::CONTENT_TYPE, "application/octet-stream"), (header::CACHE_CONTROL, IMMUTABLE)],
        data,
    )
        .into_response())
}

/// `GET /v1/proof/{index}`: a c2sp.org/tlog-proof@v1 for the entry, against
/// the latest checkpoint or the one of `?size=`.
pub(crate) async fn proof(
    State(shared): State<Arc<Shared>>,
    Segment(index): Segment,
    RawQuery(query): RawQuery,
) -> Result<Response, Problem> {
    let index = path_index(&index)?;
    let params = Params::parse(query.as_deref(), &["size"])?;
    let size = params.read("size", |s| {
        s.parse::<u64>()
            .ok()
            .filter(|s| *s >= 1)
            .ok_or("must be a tree size, a whole number from 1")
    })?;
    let latest = shared.checkpoint();
    // With witnesses, prove against the witnessed checkpoint (cosigned)
    // when it covers the entry.
    let witnessed = shared.witnessed();
    let default_size = match &witnessed {
        Some(w) if index < w.size => w.size,
        _ => latest.size(),
    };
    let size = size.unwrap_or(default_size);
    if index >= size || size > latest.size() {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("no entry {index} in a tree of size {size} (the log has {})", latest.size()),
        ));
    }
    let reader = shared.clone();
    let text = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, Problem> {
        let unavailable =
            |e: String| Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", e);
        let checkpoint = if let Some(w) = witnessed.filter(|w| w.size == size) {
            w.note.clone()
        } else if size == latest.size() {
            latest.to_bytes()
        } else {
            reader
                .storage
                .read_checkpoint_at(size)
                .map_err(|e| unavailable(e.to_string()))?
                .ok_or_else(|| {
                    Problem::new(
                        StatusCode::NOT_FOUND,
                        "not-found",
                        format!("no checkpoint of size {size} was published"),
                    )
                })?
        };
        let tiles = TileHashReader::new(size, StorageTiles(&reader.storage));
        let hashes =
            inclusion_proof(index, size, &tiles).map_err(|e| unavailable(e.to_string()))?;
        Ok(TlogProof::from_parts(index, hashes, checkpoint).to_bytes())
    })
    .await
    .map_err(|e| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))??;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response())
}

/// `GET /v1/log`: what a client needs to verify the log.
/// `GET /v1/log/keys`: the keys the log has signed with, and the
/// transition checkpoint that began each one's period, for a client that
/// trusts an earlier key to follow.
pub(crate) async fn log_keys(State(shared): State<Arc<Shared>>) -> Result<Response, Problem> {
    let origin = shared.origin.clone();
    let history = super::blocking(move || crate::rotation::key_history(&shared)).await?;
    let keys: Vec<_> = history
        .iter()
        .map(|period| match &period.transition {
            None => json!({"key": period.key.to_string(), "from_size": period.from_size}),
            Some((announcement, checkpoint)) => json!({
                "key": period.key.to_string(),
                "from_size": period.from_size,
                "announcement": announcement,
                "transition": String::from_utf8_lossy(checkpoint),
            }),
        })
        .collect();
    let body = json!({"origin": origin, "keys": keys});
    Ok(([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response())
}

pub(crate) async fn log_info(State(shared): State<Arc<Shared>>) -> Response {
    let checkpoint = shared.checkpoint();
    let witnesses: Vec<_> = shared
        .config
        .witnesses
        .iter()
        .map(|w| json!({"name": w.name, "url": w.url, "vkey": w.vkey}))
        .collect();
    let witnessed = shared.witnessed();
    let body = json!({
        "origin": shared.origin,
        "vkey": shared.log_key().to_string(),
        "role": shared.role(),
        "size": checkpoint.size(),
        "root_hash": checkpoint.root().to_string(),
        "checkpoint": String::from_utf8_lossy(&checkpoint.to_bytes()),
        "witnesses": witnesses,
        "witnessed_checkpoint": witnessed.map(|w| String::from_utf8_lossy(&w.note).into_owned()),
    });
    ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}
