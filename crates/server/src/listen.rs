//! Accepting connections and serving HTTP/1.1 on them (hyper), with a
//! bound on how long a client may take to send a request's headers, from
//! the moment it connects or finished its last request: a client that
//! opens connections and sends nothing, or its headers a byte at a time
//! (slowloris), would otherwise hold each open for ever. `axum::serve`
//! sets no timer, without which hyper's header timeout does nothing, and
//! its sniffing for HTTP/2 waits for a preface without any bound. HTTP/2
//! is left to a proxy in front, which terminates TLS anyway.

use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;

/// Serves `router` on `listener` until `shutdown` completes; then stops
/// accepting, and returns once every connection has finished the request
/// it was serving.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let mut builder = http1::Builder::new();
    // A request's head (its line and headers) has at most 64 KiB, or 431.
    builder.timer(TokioTimer::new()).header_read_timeout(header_timeout).max_header_size(64 << 10);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(connection) => connection,
                Err(e) => {
                    // Out of file descriptors, most often: the connections
                    // open now finish, or time out, and free some.
                    tracing::warn!("accepting a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(router.clone());
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("connection: {e}");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
