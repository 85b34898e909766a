//! The HTTP API: routes, and the middleware around them.

use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use tower_http::compression::CompressionLayer;

use crate::problem::Problem;
use crate::state::Shared;

mod assess;
mod dashboard;
mod entries;
mod evidence;
mod export;
mod openapi;
mod params;
mod query;
mod tlog;

pub use openapi::openapi_document;

/// The router of the whole API, over `shared`.
pub fn router(shared: Arc<Shared>) -> Router {
    let timeout = shared.config.request_timeout();
    // Reads are compressed for clients that ask; submissions' answers are
    // small or read by machines on the same network, not worth the CPU.
    let reads = Router::new()
        .route("/v1/proof/{index}", get(tlog::proof))
        .route("/checkpoint", get(tlog::checkpoint))
        .route("/tile/{*path}", get(tlog::tile))
        .route("/v1/reports", get(query::reports))
        .route("/v1/export/reports", get(export::reports))
        .route("/v1/export/incidents", get(export::incidents))
        .route("/v1/reports/{index}", get(query::report))
        .route("/v1/entries/{index}", get(query::entry))
        .route("/v1/entries/{index}/note", get(dashboard::note))
        .route("/v1/dashboard", get(dashboard::summary))
        .route("/v1/sources", get(query::sources))
        .route("/v1/agreements", get(query::agreements))
        .route("/v1/incidents", get(assess::incidents))
        .route("/v1/incidents/{id}", get(assess::incident))
        .route("/v1/verdicts", get(assess::verdicts))
        .route("/v1/reports/daily/{date}", get(assess::daily))
        .route("/v1/log", get(tlog::log_info))
        .route("/v1/log/keys", get(tlog::log_keys))
        .route("/v1/evidence/{sha256}/status", get(evidence::status))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .route("/i18n/{file}", get(dashboard::catalogue));
    let reads = dashboard::paths()
        .fold(reads, |router, path| router.route(path, get(dashboard::file)))
        .layer(CompressionLayer::new());
    let timed = Router::new().route("/v1/entries", post(entries::post_entries)).merge(reads).layer(
        axum::middleware::from_fn(move |request, next: Next| async move {
            within(timeout, next.run(request)).await
        }),
    );
    // Evidence files take as long as their bytes take to arrive (an idle
    // body still times out) or to be read.
    let streamed = Router::new().route(
        "/v1/evidence/{sha256}",
        put(evidence::put).get(evidence::file).layer(CompressionLayer::new()),
    );
    timed
        .merge(streamed)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(shared.clone(), crate::access::guard))
        .with_state(shared)
}

/// The answer of `answer`, or 503 with a problem body once `timeout`
/// passed: a client of the API reads every error the same way.
async fn within(timeout: std::time::Duration, answer: impl Future<Output = Response>) -> Response {
    match tokio::time::timeout(timeout, answer).await {
        Ok(response) => response,
        Err(_) => {
            let mut problem = Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                format!("no answer within {} s; try again", timeout.as_secs()),
            );
            problem.retry_after = Some(1);
            problem.into_response()
        }
    }
}

/// Runs blocking work (storage, the index, the engine) off the async
/// threads. A store that fails is 503; a task that panicked, 500.
pub(crate) async fn blocking<T, E>(
    work: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, Problem>
where
    T: Send + 'static,
    E: std::fmt::Display + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?
        .map_err(|e| Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", e.to_string()))
}

async fn healthz(axum::extract::State(shared): axum::extract::State<Arc<Shared>>) -> Response {
    let body = serde_json::json!({
        "status": "ok", "log_size": shared.checkpoint().size(), "role": shared.role(),
    });
    ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

async fn metrics(axum::extract::State(shared): axum::extract::State<Arc<Shared>>) -> Response {
    let body = shared.metrics.render(shared.checkpoint().size());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body).into_response()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi_document()).into_response()
}

async fn not_found(uri: axum::http::Uri) -> Problem {
    no_resource(uri.path())
}

/// 404: nothing at `path`.
pub(crate) fn no_resource(path: &str) -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not-found", format!("no resource at {path}"))
}

/// 405: a route that exists, asked with a method it does not take.
async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        format!("{} does not take {method}", uri.path()),
    )
}

#[cfg(test)]
mod tests {
    use super::openapi_document;

    /// Every route the router serves, and only those, is in the OpenAPI
    /// document, with the same method.
    #[test]
    fn the_openapi_document_lists_every_route() {
        let document: serde_json::Value =
            serde_json::from_str(openapi_document()).expect("valid JSON");
        let routes = [
            ("post", "/v1/entries"),
            ("get", "/v1/proof/{index}"),
            ("get", "/checkpoint"),
            ("get", "/tile/{path}"),
            ("get", "/v1/reports"),
            ("get", "/v1/export/reports"),
            ("get", "/v1/export/incidents"),
            ("get", "/v1/reports/{index}"),
            ("get", "/v1/entries/{index}"),
            ("get", "/v1/entries/{index}/note"),
            ("get", "/v1/dashboard"),
            ("get", "/v1/sources"),
            ("get", "/v1/agreements"),
            ("get", "/v1/incidents"),
            ("get", "/v1/incidents/{id}"),
            ("get", "/v1/verdicts"),
            ("get", "/v1/reports/daily/{date}"),
            ("get", "/v1/log"),
            ("get", "/v1/log/keys"),
            ("put", "/v1/evidence/{sha256}"),
            ("get", "/v1/evidence/{sha256}"),
            ("get", "/v1/evidence/{sha256}/status"),
            ("get", "/healthz"),
            ("get", "/metrics"),
            ("get", "/openapi.json"),
        ];
        let paths = document["paths"].as_object().expect("paths");
        let distinct: std::collections::BTreeSet<&str> = routes.iter().map(|r| r.1).collect();
        assert_eq!(paths.len(), distinct.len());
        for (method, path) in routes {
            assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path}");
        }
        assert_eq!(document["openapi"], "3.1.0");
    }
}
