//! The HTTP agent of the commands that talk to a Truce server, with the
//! credentials of a restricted deployment, from the environment:
//!
//! * `TRUCE_TOKEN`: a bearer token (`truce token` makes one), sent to the
//!   log's server, never to a witness;
//! * `TRUCE_CA`: a PEM file of the CAs to trust instead of the system's
//!   (a deployment's own CA);
//! * `TRUCE_CLIENT_CERT` and `TRUCE_CLIENT_KEY`: a client certificate
//!   and its key (PEM), for mutual TLS.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig};

/// Credentials from the environment.
#[derive(Clone)]
struct Credentials {
    token: Option<String>,
    tls: TlsConfig,
}

/// The environment's credentials, read once.
fn credentials() -> Result<&'static Credentials> {
    static CREDENTIALS: OnceLock<Result<Credentials, String>> = OnceLock::new();
    CREDENTIALS
        .get_or_init(|| from_env().map_err(|e| format!("{e:#}")))
        .as_ref()
        .map_err(|e| anyhow::anyhow!("{e}"))
}

fn from_env() -> Result<Credentials> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let read = |name: &str, path: String| {
        std::fs::read(&path).with_context(|| format!("{name}={path}: cannot read"))
    };
    let mut tls = TlsConfig::builder();
    if let Some(path) = var("TRUCE_CA") {
        let pem = read("TRUCE_CA", path.clone())?;
        let roots: Vec<Certificate<'static>> = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => Some(Ok(c)),
                Ok(_) => None,
                Err(e) => Some(Err(e)),
            })
            .collect::<Result<_, _>>()
            .with_context(|| format!("TRUCE_CA={path}"))?;
        if roots.is_empty() {
            bail!("TRUCE_CA={path}: holds no PEM certificate");
        }
        tls = tls.root_certs(RootCerts::Specific(Arc::new(roots)));
    }
    match (var("TRUCE_CLIENT_CERT"), var("TRUCE_CLIENT_KEY")) {
        (Some(cert), Some(key)) => {
            let pem = read("TRUCE_CLIENT_CERT", cert.clone())?;
            let chain =
                Certificate::from_pem(&pem).with_context(|| format!("TRUCE_CLIENT_CERT={cert}"))?;
            let text = truce_store::read_secret(key.as_ref())
                .with_context(|| "TRUCE_CLIENT_KEY".to_owned())?;
            let key = PrivateKey::from_pem(text.as_bytes())
                .with_context(|| format!("TRUCE_CLIENT_KEY={key}"))?;
            tls = tls.client_cert(Some(ClientCert::new_with_certs(&[chain], key)));
        }
        (None, None) => {}
        _ => bail!("TRUCE_CLIENT_CERT and TRUCE_CLIENT_KEY go together"),
    }
    Ok(Credentials { token: var("TRUCE_TOKEN"), tls: tls.build() })
}

/// An agent for a log's server, with the environment's credentials;
/// statuses are answers, not errors.
pub fn agent(timeout: Duration) -> Result<ureq::Agent> {
    let credentials = credentials()?;
    let mut config = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .tls_config(credentials.tls.clone());
    if let Some(token) = &credentials.token {
        let bearer = format!("Bearer {token}");
        config = config.middleware(
            move |mut request: ureq::http::Request<ureq::SendBody>,
                  next: ureq::middleware::MiddlewareNext| {
                if let Ok(value) = bearer.parse() {
                    request.headers_mut().insert("authorization", value);
                }
                next.handle(request)
            },
        );
    }
    Ok(config.build().into())
}

/// An agent for anyone else (a witness): no token.
pub fn anonymous_agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into()
}
