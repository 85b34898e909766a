//! Accepting connections and serving HTTP/1.1 on them (hyper), with a
//! bound on how long a client may take to send a request's headers, from
//! the moment it connects or finished its last request: a client that
//! opens connections and sends nothing, or its headers a byte at a time
//! (slowloris), would otherwise hold each open for ever. `axum::serve`
//! sets no timer, without which hyper's header timeout does nothing, and
//! its sniffing for HTTP/2 waits for a preface without any bound. HTTP/2
//! is left to a proxy in front.
//!
//! With `[tls]` configured, connections are HTTPS (rustls), and with
//! `tls.client_ca` clients are asked for a certificate (mutual TLS): the
//! SHA-256 of the one a client presents names it to the access policy.
//! The handshake must end within the same bound as a request's headers.

use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest as _, Sha256};
use tower::ServiceExt as _;

use crate::ServerError;
use crate::access::Connection;
use crate::config::TlsConfig;

/// Serves `router` on `listener` until `shutdown` completes; then stops
/// accepting, and returns once every connection has finished the request
/// it was serving.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    header_timeout: Duration,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let tls = tls.map(tokio_rustls::TlsAcceptor::from);
    let mut builder = http1::Builder::new();
    // A request's head (its line and headers) has at most 64 KiB, or 431.
    builder.timer(TokioTimer::new()).header_read_timeout(header_timeout).max_header_size(64 << 10);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
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
        let (router, builder, watcher) = (router.clone(), builder.clone(), graceful.watcher());
        let tls = tls.clone();
        tokio::spawn(async move {
            let Some(tls) = tls else {
                let connection = Connection { peer, certificate: None };
                return serve_connection(stream, connection, router, &builder, watcher).await;
            };
            let stream = match tokio::time::timeout(header_timeout, tls.accept(stream)).await {
                Ok(Ok(stream)) => stream,
                Ok(Err(e)) => return tracing::debug!("TLS handshake with {peer}: {e}"),
                Err(_) => return tracing::debug!("TLS handshake with {peer}: timed out"),
            };
            let certificate = stream
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|chain| chain.first())
                .map(|certificate| <[u8; 32]>::from(Sha256::digest(certificate)));
            let connection = Connection { peer, certificate };
            serve_connection(stream, connection, router, &builder, watcher).await;
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Serves HTTP/1.1 on one connection, each request carrying what is
/// known of the connection.
async fn serve_connection<I>(
    io: I,
    connection: Connection,
    router: axum::Router,
    builder: &http1::Builder,
    watcher: Watcher,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = router.map_request(move |mut request: axum::http::Request<_>| {
        request.extensions_mut().insert(connection);
        request
    });
    let service = TowerToHyperService::new(service);
    if let Err(e) = watcher.watch(builder.serve_connection(TokioIo::new(io), service)).await {
        tracing::debug!("connection: {e}");
    }
}

/// The TLS configuration of `[tls]`: the certificate chain and key, and
/// the client CAs if any. Errors name the file.
pub(crate) fn tls_config(tls: &TlsConfig) -> Result<Arc<rustls::ServerConfig>, ServerError> {
    let setup = |what: &str, path: &std::path::Path, e: &dyn std::fmt::Display| {
        ServerError::Setup(format!("tls.{what}: {}: {e}", path.display()))
    };
    let certificates = |what: &str, path: &std::path::Path| {
        let chain = CertificateDer::pem_file_iter(path)
            .and_then(|certificates| certificates.collect::<Result<Vec<_>, _>>())
            .map_err(|e| setup(what, path, &e))?;
        match chain.is_empty() {
            true => Err(setup(what, path, &"holds no PEM certificate")),
            false => Ok(chain),
        }
    };
    let chain = certificates("cert", &tls.cert)?;
    let key_text = truce_store::read_secret(&tls.key).map_err(|e| setup("key", &tls.key, &e))?;
    let key = PrivateKeyDer::from_pem_slice(key_text.as_bytes())
        .map_err(|e| setup("key", &tls.key, &e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| ServerError::Setup(format!("tls: {e}")))?;
    let builder = match &tls.client_ca {
        None => builder.with_no_client_auth(),
        Some(path) => {
            let mut roots = rustls::RootCertStore::empty();
            for certificate in certificates("client_ca", path)? {
                roots.add(certificate).map_err(|e| setup("client_ca", path, &e))?;
            }
            // A client without a certificate may still connect: for the
            // public reads, and with a bearer token.
            let verifier =
                rustls::server::WebPkiClientVerifier::builder_with_provider(roots.into(), provider)
                    .allow_unauthenticated()
                    .build()
                    .map_err(|e| setup("client_ca", path, &e))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config =
        builder.with_single_cert(chain, key).map_err(|e| setup("key", &tls.key, &e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
