//! Restricted deployments: who may read and submit what, which view of
//! the log each caller gets (precise or coarsened coordinates), and the
//! audit log of who read what.
//!
//! Reports can reveal where monitors and civilians are. In the open mode
//! (the default) every request passes and sees precise coordinates. In the
//! restricted mode each request is matched to what it needs ([`Need`]),
//! its caller is named by a bearer token or a client certificate, and it
//! is answered only if the caller's grant allows it; callers without the
//! `precise` permission get coordinates on a grid
//! ([`truce_assess::Coarsening`]). What witnesses and verifiers need
//! (checkpoints, cosignatures, hash tiles, proofs) stays public: a hash
//! reveals nothing of an entry, which holds a signature nobody else can
//! make.

mod audit;
mod view;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use truce_assess::{Coarsening, Grid, Withheld};
use truce_entry::Sha256Hex;

pub(crate) use self::audit::Audit;
pub(crate) use self::view::View;
use crate::config::{AccessMode, Config, ConfigError, Grant};
use crate::problem::Problem;
use crate::state::Shared;

/// What a request needs of its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Need {
    /// Nothing: the log's public face (checkpoints, hash tiles, proofs),
    /// health, the API's description, the dashboard's files.
    Nothing,
    /// The `read` permission, or none with `public_reads`: the derived
    /// views, coarsened for callers without `precise`.
    Read,
    /// The `precise` permission: entries as signed (their coordinates
    /// cannot be coarsened without breaking their signatures).
    Precise,
    /// The `submit` permission.
    Submit,
}

/// What the request for `path` (with `method`) needs. Unknown paths of
/// the API need `read` and the tiles other than hash tiles `precise`, so
/// that a route added later, or a path spelled oddly, is never public by
/// mistake.
pub(crate) fn need(method: &axum::http::Method, path: &str) -> Need {
    if method == axum::http::Method::POST && path == "/v1/entries" {
        return Need::Submit;
    }
    if let Some(file) = path.strip_prefix("/v1/evidence/") {
        return match method {
            &axum::http::Method::PUT => Need::Submit,
            // An original may hold where it was taken, like an entry's
            // coordinates; what the log says of it is a derived view.
            _ if file.ends_with("/status") => Need::Read,
            _ => Need::Precise,
        };
    }
    match path {
        "/checkpoint" | "/v1/log" | "/v1/log/keys" | "/healthz" | "/openapi.json" => Need::Nothing,
        _ if path.starts_with("/v1/proof/") => Need::Nothing,
        _ if path.starts_with("/v1/entries") => Need::Precise,
        _ if path.starts_with("/v1/") || path == "/metrics" => Need::Read,
        _ => match path.strip_prefix("/tile/") {
            // A hash tile's path starts with its level, a number; entry
            // bundles' with `entries`.
            Some(tile) if tile.starts_with(|c: char| c.is_ascii_digit()) => Need::Nothing,
            Some(_) => Need::Precise,
            None => Need::Nothing,
        },
    }
}

/// The permissions of a grant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Permissions {
    submit: bool,
    read: bool,
    precise: bool,
}

impl Permissions {
    /// The permissions named in a grant; `precise` implies `read`.
    fn parse(names: &[String], at: &str) -> Result<Permissions, ConfigError> {
        let mut permissions = Permissions::default();
        for (i, name) in names.iter().enumerate() {
            match name.as_str() {
                "submit" => permissions.submit = true,
                "read" => permissions.read = true,
                "precise" => (permissions.read, permissions.precise) = (true, true),
                _ => {
                    return Err(ConfigError::Invalid(format!(
                        "{at}.permissions[{i}]: {name:?} is not submit, read or precise"
                    )));
                }
            }
        }
        Ok(permissions)
    }
}

/// Who holds a credential, and what it allows.
#[derive(Clone, Debug)]
struct Grantee {
    name: Arc<str>,
    permissions: Permissions,
}

/// The caller of a request, as its credential names it.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    /// The grant's name; `None`: no credential.
    name: Option<Arc<str>>,
    /// `token`, `certificate` or `none`.
    via: &'static str,
    permissions: Permissions,
}

/// The connection a request came on: its peer, and the SHA-256 of the
/// client certificate it presented over TLS, which the TLS layer verified
/// against `tls.client_ca`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Connection {
    pub(crate) peer: SocketAddr,
    pub(crate) certificate: Option<[u8; 32]>,
}

/// The access rules of a server, from its configuration.
pub(crate) struct Policy {
    restricted: bool,
    public_reads: bool,
    coarsening: Arc<Coarsening>,
    /// By the SHA-256 of the token.
    tokens: HashMap<[u8; 32], Grantee>,
    /// By the SHA-256 of the certificate.
    certificates: HashMap<[u8; 32], Grantee>,
}

impl Policy {
    /// The policy `config` describes, or what is wrong with it.
    pub(crate) fn new(config: &Config) -> Result<Policy, ConfigError> {
        let access = &config.access;
        let invalid = |message: String| ConfigError::Invalid(message);
        let grid = Grid::new(access.coarsen_km).ok_or_else(|| {
            invalid(format!("access.coarsen_km: {} is not between 0.1 and 1000", access.coarsen_km))
        })?;
        let withheld = access
            .withhold
            .iter()
            .enumerate()
            .map(|(i, name)| {
                Withheld::from_name(name).ok_or_else(|| {
                    invalid(format!(
                        "access.withhold[{i}]: {name:?} is not place, admin2, target_names or summary"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let restricted = access.mode == AccessMode::Restricted;
        let grants = !(access.tokens.is_empty() && access.certificates.is_empty());
        if grants && !restricted {
            return Err(invalid(
                "access: tokens and certificates have no effect unless access.mode = \"restricted\""
                    .into(),
            ));
        }
        if !access.certificates.is_empty()
            && config.tls.as_ref().is_none_or(|tls| tls.client_ca.is_none())
        {
            return Err(invalid(
                "access.certificate: needs tls.client_ca, or no client is asked for a certificate"
                    .into(),
            ));
        }
        let mut seen = HashMap::new();
        Ok(Policy {
            restricted,
            public_reads: access.public_reads,
            coarsening: Arc::new(Coarsening { grid, withheld }),
            tokens: grantees(&access.tokens, "access.token", &mut seen)?,
            certificates: grantees(&access.certificates, "access.certificate", &mut seen)?,
        })
    }

    /// Whether requests need credentials at all.
    pub(crate) fn is_restricted(&self) -> bool {
        self.restricted
    }

    /// The caller a request's credentials name, or why they are refused:
    /// a credential that is presented must be valid, even where none is
    /// needed, so that a client learns at once that its token is wrong.
    fn caller(
        &self,
        headers: &HeaderMap,
        certificate: Option<[u8; 32]>,
    ) -> Result<Caller, Refusal> {
        if let Some(value) = headers.get(header::AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or(Refusal::MalformedCredential)?;
            let grantee = self
                .tokens
                .get(&<[u8; 32]>::from(Sha256::digest(token.as_bytes())))
                .ok_or(Refusal::InvalidToken)?;
            return Ok(Caller {
                name: Some(grantee.name.clone()),
                via: "token",
                permissions: grantee.permissions,
            });
        }
        if let Some(fingerprint) = certificate {
            // A certificate the CA issued but that no grant lists names
            // its holder, and allows nothing more than no credential.
            let (name, permissions) = match self.certificates.get(&fingerprint) {
                Some(grantee) => (grantee.name.clone(), grantee.permissions),
                None => (
                    format!("certificate {}", Sha256Hex(fingerprint)).into(),
                    Permissions::default(),
                ),
            };
            return Ok(Caller { name: Some(name), via: "certificate", permissions });
        }
        Ok(Caller { name: None, via: "none", permissions: Permissions::default() })
    }

    /// The view `caller` is answered with, if it may have what it needs.
    fn decide(&self, need: Need, caller: &Caller) -> Result<View, Refusal> {
        let p = caller.permissions;
        let allowed = match need {
            Need::Nothing => true,
            Need::Read => p.read || self.public_reads,
            Need::Precise => p.precise,
            Need::Submit => p.submit,
        };
        if !allowed {
            return Err(match caller.name {
                None => Refusal::NoCredential(need),
                Some(_) => Refusal::NotPermitted(need),
            });
        }
        Ok(if p.precise { View::Precise } else { View::Coarse(self.coarsening.clone()) })
    }
}

/// The grants of one kind by their hashes; a hash that two grants share
/// (of either kind) is refused, since one of them would be ignored.
fn grantees(
    grants: &[Grant],
    at: &str,
    seen: &mut HashMap<[u8; 32], String>,
) -> Result<HashMap<[u8; 32], Grantee>, ConfigError> {
    let mut grantees = HashMap::new();
    for (i, grant) in grants.iter().enumerate() {
        let here = format!("{at}[{i}]");
        let Sha256Hex(hash) = grant.sha256.parse().map_err(|_| {
            ConfigError::Invalid(format!(
                "{here}.sha256: must be 64 lower-case hexadecimal digits, the SHA-256 of the \
                 credential"
            ))
        })?;
        if grant.name.trim().is_empty() || grant.name.chars().any(char::is_control) {
            return Err(ConfigError::Invalid(format!(
                "{here}.name: must be a name without control characters"
            )));
        }
        if let Some(first) = seen.insert(hash, here.clone()) {
            return Err(ConfigError::Invalid(format!("{here}.sha256: the same as {first}'s")));
        }
        let permissions = Permissions::parse(&grant.permissions, &here)?;
        grantees.insert(hash, Grantee { name: grant.name.as_str().into(), permissions });
    }
    Ok(grantees)
}

/// Why a request is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refusal {
    /// An `Authorization` header that is not `Bearer <token>`.
    MalformedCredential,
    /// A token no grant has.
    InvalidToken,
    /// The request needs a credential and has none.
    NoCredential(Need),
    /// The credential does not allow what the request needs.
    NotPermitted(Need),
}

fn permission(need: Need) -> &'static str {
    match need {
        Need::Nothing | Need::Read => "read",
        Need::Precise => "precise",
        Need::Submit => "submit",
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (problem, challenge) = match self {
            Refusal::MalformedCredential => (
                Problem::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "the Authorization header must be Bearer and a token",
                ),
                r#"Bearer realm="truce", error="invalid_request""#,
            ),
            Refusal::InvalidToken => (
                Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", "the token is not valid"),
                r#"Bearer realm="truce", error="invalid_token""#,
            ),
            Refusal::NoCredential(need) => (
                Problem::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    format!(
                        "this log is restricted: a token or certificate with the {} permission is needed",
                        permission(need)
                    ),
                ),
                r#"Bearer realm="truce""#,
            ),
            Refusal::NotPermitted(need) => {
                let detail =
                    format!("the credential does not have the {} permission", permission(need));
                return Problem::new(StatusCode::FORBIDDEN, "forbidden", detail).into_response();
            }
        };
        let mut response = problem.into_response();
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        response
    }
}

/// The middleware that applies the policy: every request is answered in
/// a [`View`] (an extension the handlers read), or refused; in the
/// restricted mode, every request that needs or presents a credential is
/// recorded in the audit log before it is answered, and not answered if
/// it cannot be recorded.
pub(crate) async fn guard(
    State(shared): State<Arc<Shared>>,
    mut request: Request,
    next: Next,
) -> Response {
    let policy = &shared.access;
    if !policy.is_restricted() {
        request.extensions_mut().insert(View::Precise);
        return next.run(request).await;
    }
    let need = need(request.method(), request.uri().path());
    let connection = request.extensions().get::<Connection>().copied();
    let caller = policy.caller(request.headers(), connection.and_then(|c| c.certificate));
    let presented = caller.as_ref().map_or(true, |c| c.name.is_some());
    let mut line = audit::Line::new(&request, connection.map(|c| c.peer), caller.as_ref().ok());
    let response = match caller.and_then(|caller| policy.decide(need, &caller)) {
        Ok(view) => {
            line.view = Some(view.name());
            let coarsened_km = view.coarsening().map(|c| c.grid.km());
            request.extensions_mut().insert(view);
            let mut response = next.run(request).await;
            if need != Need::Nothing {
                keep_private(&mut response, coarsened_km);
            }
            response
        }
        Err(refusal) => refusal.into_response(),
    };
    if need == Need::Nothing && !presented {
        return response;
    }
    line.status = response.status().as_u16();
    match shared.audit.record(line).await {
        Ok(()) => response,
        Err(fault) => {
            tracing::error!("the audit log cannot be written: {fault}");
            let mut problem = Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                format!("the audit log cannot be written: {fault}"),
            );
            problem.retry_after = Some(5);
            problem.into_response()
        }
    }
}

/// Marks an answer that depends on the caller's credential: no shared
/// cache may keep it (a proxy would hand a precise answer to the next
/// caller), and a coarse one says its grid in `Truce-Coarsened-Km`, in
/// every format (a CSV export has no other place to say it).
fn keep_private(response: &mut Response, coarsened_km: Option<f64>) {
    let headers = response.headers_mut();
    let cache = match headers.get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()) {
        Some(cache) if cache.contains("public") => cache.replace("public", "private"),
        Some(cache) => format!("private, {cache}"),
        None => "private, no-cache".to_owned(),
    };
    if let Ok(cache) = HeaderValue::from_str(&cache) {
        headers.insert(header::CACHE_CONTROL, cache);
    }
    headers.append(header::VARY, HeaderValue::from_static("Authorization"));
    if let Some(km) = coarsened_km.and_then(|km| HeaderValue::from_str(&km.to_string()).ok()) {
        headers.insert("truce-coarsened-km", km);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AccessConfig, TlsConfig};

    fn grant(name: &str, token: &str, permissions: &[&str]) -> Grant {
        Grant {
            name: name.into(),
            sha256: Sha256Hex(Sha256::digest(token.as_bytes()).into()).to_string(),
            permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    fn restricted(tokens: Vec<Grant>, public_reads: bool) -> Config {
        Config {
            access: AccessConfig {
                mode: AccessMode::Restricted,
                public_reads,
                tokens,
                ..AccessConfig::default()
            },
            ..Config::default()
        }
    }

    fn bearer(token: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, format!("Bearer {token}").parse().expect("ascii"));
        headers
    }

    #[test]
    fn what_each_path_needs() {
        use axum::http::Method;
        let cases = [
            ("/checkpoint", Need::Nothing),
            ("/tile/0/000", Need::Nothing),
            ("/tile/1/x001/234.p/5", Need::Nothing),
            ("/tile/entries/000", Need::Precise),
            ("/tile/%65ntries/000", Need::Precise),
            ("/tile/../entries/000", Need::Precise),
            ("/v1/proof/7", Need::Nothing),
            ("/v1/log", Need::Nothing),
            ("/v1/log/keys", Need::Nothing),
            ("/v1/entries/7", Need::Precise),
            ("/v1/entries/7/note", Need::Precise),
            ("/v1/reports", Need::Read),
            ("/v1/incidents/inc-3", Need::Read),
            ("/v1/reports/daily/2025-11-14", Need::Read),
            ("/v1/not-yet-a-route", Need::Read),
            ("/metrics", Need::Read),
            ("/v1/evidence/ab12", Need::Precise),
            ("/v1/evidence/ab12/status", Need::Read),
            ("/", Need::Nothing),
            ("/app.js", Need::Nothing),
        ];
        for (path, expected) in cases {
            assert_eq!(need(&Method::GET, path), expected, "{path}");
        }
        assert_eq!(need(&Method::POST, "/v1/entries"), Need::Submit);
        assert_eq!(need(&Method::PUT, "/v1/evidence/ab12"), Need::Submit);
    }

    #[test]
    fn callers_get_what_their_grants_allow() {
        let config = restricted(
            vec![grant("reader", "r-token", &["read"]), grant("analyst", "a-token", &["precise"])],
            false,
        );
        let policy = Policy::new(&config).expect("valid");
        let anonymous = policy.caller(&HeaderMap::new(), None).expect("no credential");
        assert_eq!(policy.decide(Need::Read, &anonymous), Err(Refusal::NoCredential(Need::Read)));
        assert!(matches!(policy.decide(Need::Nothing, &anonymous), Ok(View::Coarse(_))));
        let reader = policy.caller(&bearer("r-token"), None).expect("valid token");
        assert!(matches!(policy.decide(Need::Read, &reader), Ok(View::Coarse(_))));
        assert_eq!(
            policy.decide(Need::Precise, &reader),
            Err(Refusal::NotPermitted(Need::Precise))
        );
        assert_eq!(policy.decide(Need::Submit, &reader), Err(Refusal::NotPermitted(Need::Submit)));
        let analyst = policy.caller(&bearer("a-token"), None).expect("valid token");
        assert!(matches!(policy.decide(Need::Read, &analyst), Ok(View::Precise)));
        assert!(matches!(policy.decide(Need::Precise, &analyst), Ok(View::Precise)));
        assert_eq!(policy.caller(&bearer("r-tokeN"), None).err(), Some(Refusal::InvalidToken));
        let mut basic = HeaderMap::new();
        basic.insert(header::AUTHORIZATION, "Basic cjpy".parse().expect("ascii"));
        assert_eq!(policy.caller(&basic, None).err(), Some(Refusal::MalformedCredential));

        let public = Policy::new(&restricted(vec![], true)).expect("valid");
        let anonymous = public.caller(&HeaderMap::new(), None).expect("no credential");
        assert!(matches!(public.decide(Need::Read, &anonymous), Ok(View::Coarse(_))));
        assert_eq!(
            public.decide(Need::Precise, &anonymous),
            Err(Refusal::NoCredential(Need::Precise))
        );
    }

    #[test]
    fn a_bad_access_configuration_names_its_field() {
        let check = |config: Config, expected: &str| {
            let error = Policy::new(&config).err().expect("refused").to_string();
            assert!(error.contains(expected), "{error}");
        };
        let mut config = restricted(vec![grant("a", "t", &["read", "reed"])], false);
        check(config.clone(), "access.token[0].permissions[1]: \"reed\"");
        config.access.tokens = vec![grant("a", "t", &["read"]), grant("b", "t", &["submit"])];
        check(config.clone(), "access.token[1].sha256: the same as access.token[0]'s");
        config.access.tokens = vec![Grant { sha256: "abc".into(), ..grant("a", "t", &[]) }];
        check(config.clone(), "access.token[0].sha256: must be 64 lower-case hexadecimal digits");
        config.access.tokens = vec![];
        config.access.coarsen_km = 0.0;
        check(config.clone(), "access.coarsen_km");
        config.access.coarsen_km = 10.0;
        config.access.withhold = vec!["street".into()];
        check(config.clone(), "access.withhold[0]: \"street\"");
        config.access.withhold = vec![];
        config.access.certificates = vec![grant("field", "cert", &["submit"])];
        check(config.clone(), "access.certificate: needs tls.client_ca");
        config.tls =
            Some(TlsConfig { cert: "c".into(), key: "k".into(), client_ca: Some("ca".into()) });
        assert!(Policy::new(&config).is_ok());
        let mut open = config.clone();
        open.access.mode = AccessMode::Open;
        check(open, "have no effect unless access.mode = \"restricted\"");
    }
}
