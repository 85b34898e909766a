//! Server configuration: a TOML file, then environment variables, then
//! command-line flags, each overriding the one before.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use truce_store::{Backends, IndexLocation, StorageLocation};

/// Everything `truce serve` can be told.
///
/// The TOML file has the same shape:
///
/// ```toml
/// listen = "127.0.0.1:8080"
/// max_body_bytes = 16777216     # request bodies larger than this: 413
/// max_batch = 1000              # entries in one POST /v1/entries array
/// request_timeout_secs = 30     # then 503
/// client_timeout_secs = 10      # to send a request's headers, and its
///                               # body; then the connection is closed, or 408
/// max_commit_entries = 16384    # entries in one group commit
/// queue_entries = 65536         # entries waiting to be sequenced; then 503
/// rate_per_second = 200         # entries per second per source
/// rate_burst = 2000             # entries a source may send at once
/// witness_timeout_ms = 3000     # how long to wait for each witness
///
/// # Where the log and its indexes live (the defaults: in the data directory)
/// storage = "file:/srv/truce/data/log"      # or "s3://BUCKET/PREFIX"
/// index = "sqlite:/srv/truce/data/index.sqlite"   # or "postgres://USER@HOST/DB"
/// read_only = false             # true: serve reads only, never sequence
/// lease_ttl_ms = 10000          # the sequencer lease of a log in a bucket
/// follow_interval_ms = 250      # how often a server that does not sequence
///                               # looks for a newer checkpoint
/// log_vkey = "truce.example/log+1a2b3c4d+AV..."  # for servers without the
///                               # log's private key (read-only replicas)
/// log_key = "env:TRUCE_LOG_PRIVATE_KEY"  # the log's private key, from a
///                               # file (mode 0600) or a variable; default:
///                               # the data directory's keys/log.key
///
/// [[witness]]                   # one table per witness (C2SP tlog-witness)
/// name = "un"
/// url = "https://witness.un.example"   # its submission prefix
/// vkey = "un.example/witness+a0059f11+BAOh..."
///
/// [evidence]                    # evidence files (photos, videos) by digest
/// location = "s3://BUCKET/PREFIX/evidence"  # default: beside the log
///                               # (the data directory's evidence/, or
///                               # PREFIX/evidence in the log's bucket)
/// max_bytes = 4294967296        # the largest file an evidence entry may name
/// quota_bytes = 107374182400    # the evidence bytes each source may log
/// media_types = ["image/jpeg", "video/mp4"]  # those an entry may name
///                               # (default: common photo, video, audio
///                               # and document types)
///
/// [tls]                         # serve HTTPS (default: plain HTTP)
/// cert = "/srv/truce/tls/server.pem"   # the certificate chain, PEM
/// key = "/srv/truce/tls/server.key"    # its private key, PEM, mode 0600
/// client_ca = "/srv/truce/tls/clients.pem"  # ask clients for certificates
///                               # these CAs issued (mutual TLS)
///
/// [access]                      # who may read and submit what
/// mode = "restricted"           # default "open": everything public
/// public_reads = false          # true: anyone reads the derived views
///                               # (reports, incidents...), coarsened
/// coarsen_km = 10               # the grid of coarsened coordinates
/// withhold = ["place", "target_names"]  # left out for them too (also:
///                               # admin2, summary)
/// audit_log = "/srv/truce/audit.log"   # default: the data directory's
///
/// [[access.token]]              # a bearer token (`truce token` makes one)
/// name = "analysts"
/// sha256 = "9f86d081884c7d65..."       # the token's SHA-256, not the token
/// permissions = ["read", "precise"]    # submit, read, precise
///
/// [[access.certificate]]        # a client certificate (with client_ca)
/// name = "field-team-3"
/// sha256 = "4d3c..."            # the SHA-256 of the certificate (DER)
/// permissions = ["submit"]
/// ```
///
/// Environment variables: `TRUCE_LISTEN`, `TRUCE_MAX_BODY_BYTES`,
/// `TRUCE_MAX_BATCH`, `TRUCE_REQUEST_TIMEOUT_SECS`, `TRUCE_CLIENT_TIMEOUT_SECS`,
/// `TRUCE_MAX_COMMIT_ENTRIES`, `TRUCE_QUEUE_ENTRIES`,
/// `TRUCE_RATE_PER_SECOND`, `TRUCE_RATE_BURST`, `TRUCE_STORAGE`,
/// `TRUCE_INDEX`, `TRUCE_READ_ONLY`, `TRUCE_LEASE_TTL_MS`,
/// `TRUCE_FOLLOW_INTERVAL_MS`, `TRUCE_LOG_VKEY`, `TRUCE_LOG_KEY`. A bucket's endpoint and
/// credentials come from the standard `AWS_*` variables
/// (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_REGION`, `AWS_ALLOW_HTTP`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The data directory (`truce init` made it).
    #[serde(skip)]
    pub data: PathBuf,
    /// The address to listen on.
    pub listen: SocketAddr,
    /// The largest request body accepted.
    pub max_body_bytes: usize,
    /// The most entries in one batch request.
    pub max_batch: usize,
    /// How long a request may take.
    pub request_timeout_secs: u64,
    /// How long a client may take to send a request's headers, and then
    /// its body.
    pub client_timeout_secs: u64,
    /// The most entries in one group commit.
    pub max_commit_entries: usize,
    /// How many entries may wait to be sequenced before the server answers
    /// 503.
    pub queue_entries: usize,
    /// Entries per second each source may submit, on average.
    pub rate_per_second: f64,
    /// Entries a source may submit at once.
    pub rate_burst: f64,
    /// The witnesses asked to cosign each checkpoint.
    #[serde(rename = "witness")]
    pub witnesses: Vec<WitnessConfig>,
    /// How long to wait for each witness's answer, in milliseconds.
    pub witness_timeout_ms: u64,
    /// Where the log's tiles are (`file:DIR`, `s3://BUCKET/PREFIX`);
    /// `None`: the data directory's `log/`.
    pub storage: Option<String>,
    /// Where the query index, the dedup index and (for a log in a bucket)
    /// the sequencer lock are (`sqlite:FILE`, `postgres://...`); `None`:
    /// the data directory's `index.sqlite`.
    pub index: Option<String>,
    /// Serve reads only: never take the log's lock or lease, never write
    /// the log or its index.
    pub read_only: bool,
    /// How long the sequencer lease of a log in a bucket runs unless
    /// renewed, in milliseconds: a standby takes over that long after a
    /// sequencer died.
    pub lease_ttl_ms: u64,
    /// How often a server that does not sequence looks for a newer
    /// checkpoint in the index, and a standby for a free lock, in
    /// milliseconds.
    pub follow_interval_ms: u64,
    /// The log's verifier key; `None`: the data directory's key files.
    pub log_vkey: Option<String>,
    /// Where the log's private key is: a file only its owner may read, or
    /// `env:NAME` for an environment variable; `None`: the data
    /// directory's `keys/log.key`.
    pub log_key: Option<String>,
    /// HTTPS, and mutual TLS; `None`: plain HTTP (behind a proxy that
    /// terminates TLS).
    pub tls: Option<TlsConfig>,
    /// Who may read and submit what.
    pub access: AccessConfig,
    /// Evidence files: where, and how large.
    pub evidence: EvidenceConfig,
}

/// Evidence files (`[evidence]`): where they are kept and what the log
/// takes. The limits are checked when an evidence entry is submitted, so
/// a file is refused before a byte of it is sent.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EvidenceConfig {
    /// `file:DIR` or `s3://BUCKET/PREFIX`; `None`: beside the log.
    pub location: Option<String>,
    /// The largest file an evidence entry may name, in bytes.
    pub max_bytes: u64,
    /// How many bytes of evidence each source may log, in all.
    pub quota_bytes: u64,
    /// The media types an evidence entry may name.
    pub media_types: Vec<String>,
}

impl Default for EvidenceConfig {
    fn default() -> EvidenceConfig {
        let media_types = [
            "image/jpeg",
            "image/png",
            "image/heic",
            "image/heif",
            "image/webp",
            "image/avif",
            "image/tiff",
            "video/mp4",
            "video/quicktime",
            "audio/mp4",
            "audio/mpeg",
            "audio/wav",
            "application/pdf",
        ];
        EvidenceConfig {
            location: None,
            max_bytes: 4 << 30,
            quota_bytes: 100 << 30,
            media_types: media_types.iter().map(|t| (*t).to_owned()).collect(),
        }
    }
}

/// The server's certificate and key, and the CAs of client certificates.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// The certificate chain, PEM, the server's own first.
    pub cert: PathBuf,
    /// Its private key, PEM (PKCS#8, PKCS#1 or SEC1), a file only its
    /// owner may read.
    pub key: PathBuf,
    /// The CAs whose client certificates are asked for and verified; a
    /// client may still connect without one, for the public reads.
    pub client_ca: Option<PathBuf>,
}

/// Whether the API is open to everyone or needs credentials.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccessMode {
    /// Every read and every submission is public (submissions are still
    /// signed by registered sources); nothing is coarsened.
    #[default]
    Open,
    /// Submissions and queries need a credential with the permission;
    /// checkpoints, cosignatures, hash tiles and proofs stay public for
    /// witnesses and verifiers.
    Restricted,
}

/// Who may read and submit what (`[access]`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccessConfig {
    /// Open or restricted.
    pub mode: AccessMode,
    /// Restricted: whether callers without a credential may read the
    /// derived views (reports, incidents, verdicts, daily reports, the
    /// dashboard), with coarsened coordinates.
    pub public_reads: bool,
    /// The size of the grid, in km, on which callers without the
    /// `precise` permission see coordinates.
    pub coarsen_km: f64,
    /// Fields left out for them: `place`, `admin2`, `target_names`,
    /// `summary`.
    pub withhold: Vec<String>,
    /// Where each request that needs or presents a credential is
    /// recorded; `None`: the data directory's `audit.log`.
    pub audit_log: Option<PathBuf>,
    /// Bearer tokens.
    #[serde(rename = "token")]
    pub tokens: Vec<Grant>,
    /// Client certificates (with `tls.client_ca`).
    #[serde(rename = "certificate")]
    pub certificates: Vec<Grant>,
}

impl Default for AccessConfig {
    fn default() -> AccessConfig {
        AccessConfig {
            mode: AccessMode::Open,
            public_reads: false,
            coarsen_km: 10.0,
            withhold: vec!["place".to_owned(), "target_names".to_owned()],
            audit_log: None,
            tokens: Vec::new(),
            certificates: Vec::new(),
        }
    }
}

/// A credential and what it may do.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// Who holds it, as the audit log names them.
    pub name: String,
    /// The SHA-256 of the token, or of the certificate (DER), in hex.
    pub sha256: String,
    /// Of `submit`, `read`, `precise` (which implies `read`).
    pub permissions: Vec<String>,
}

/// A witness the log asks for cosignatures.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessConfig {
    /// A name for logs and metrics.
    pub name: String,
    /// Its submission prefix: `add-checkpoint` is posted below it.
    pub url: String,
    /// Its cosignature verifier key.
    pub vkey: String,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            data: PathBuf::new(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            max_body_bytes: 16 << 20,
            max_batch: 1000,
            request_timeout_secs: 30,
            client_timeout_secs: 10,
            max_commit_entries: 16_384,
            queue_entries: 65_536,
            rate_per_second: 200.0,
            rate_burst: 2000.0,
            witnesses: Vec::new(),
            witness_timeout_ms: 3000,
            storage: None,
            index: None,
            read_only: false,
            lease_ttl_ms: 10_000,
            follow_interval_ms: 250,
            log_vkey: None,
            log_key: None,
            tls: None,
            access: AccessConfig::default(),
            evidence: EvidenceConfig::default(),
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for a configuration.
    #[error("{path}: {message}")]
    Toml {
        /// The file.
        path: PathBuf,
        /// What is wrong, where.
        message: String,
    },
    /// An environment variable has a value of the wrong kind.
    #[error("environment variable {name}={value:?}: {message}")]
    Env {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
        /// What is wrong.
        message: String,
    },
    /// A value names no usable place or key.
    #[error("configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// The configuration for `data`: defaults, overridden by the TOML file
    /// if given, then by the environment.
    pub fn load(data: &Path, file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
                Config::parse(&text, path)?
            }
            None => Config::default(),
        };
        config.data = data.to_owned();
        config.apply_env(|name| std::env::var(name).ok())?;
        config.backends()?;
        config.evidence_location()?;
        for (i, media_type) in config.evidence.media_types.iter().enumerate() {
            if truce_entry::MediaType::new(media_type).is_none() {
                return Err(ConfigError::Invalid(format!(
                    "evidence.media_types[{i}]: {media_type:?} is not a lower-case media type \
                     like image/jpeg"
                )));
            }
        }
        crate::access::Policy::new(&config)?;
        Ok(config)
    }

    /// The configuration a TOML file's `text` gives (`path` names the file
    /// in errors), over the defaults; the environment is not read.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        toml::from_str(text)
            .map_err(|e| ConfigError::Toml { path: path.to_owned(), message: e.to_string() })
    }

    /// Where the log and its indexes are: the configured locations, or the
    /// data directory's.
    pub fn backends(&self) -> Result<Backends, ConfigError> {
        let invalid = |e: truce_store::LocationError| ConfigError::Invalid(e.to_string());
        let storage = match &self.storage {
            Some(text) => text.parse().map_err(invalid)?,
            None => StorageLocation::Dir(self.data.join("log")),
        };
        let index = match &self.index {
            Some(text) => text.parse().map_err(invalid)?,
            None => IndexLocation::Sqlite(self.data.join("index.sqlite")),
        };
        Ok(Backends::new(storage, index))
    }

    /// Where the evidence files are: the configured location, or beside
    /// the log.
    pub fn evidence_location(&self) -> Result<StorageLocation, ConfigError> {
        match &self.evidence.location {
            Some(text) => text.parse().map_err(|e: truce_store::LocationError| {
                ConfigError::Invalid(format!("evidence.location: {e}"))
            }),
            None => Ok(truce_store::EvidenceStore::beside(&self.backends()?.storage)),
        }
    }

    /// Applies the `TRUCE_*` variables that `get` finds.
    pub fn apply_env(
        &mut self,
        get: impl Fn(&'static str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(name: &'static str, value: String) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            value.parse().map_err(|e: T::Err| ConfigError::Env {
                name,
                value,
                message: e.to_string(),
            })
        }
        if let Some(v) = get("TRUCE_LISTEN") {
            self.listen = parse("TRUCE_LISTEN", v)?;
        }
        if let Some(v) = get("TRUCE_MAX_BODY_BYTES") {
            self.max_body_bytes = parse("TRUCE_MAX_BODY_BYTES", v)?;
        }
        if let Some(v) = get("TRUCE_MAX_BATCH") {
            self.max_batch = parse("TRUCE_MAX_BATCH", v)?;
        }
        if let Some(v) = get("TRUCE_REQUEST_TIMEOUT_SECS") {
            self.request_timeout_secs = parse("TRUCE_REQUEST_TIMEOUT_SECS", v)?;
        }
        if let Some(v) = get("TRUCE_CLIENT_TIMEOUT_SECS") {
            self.client_timeout_secs = parse("TRUCE_CLIENT_TIMEOUT_SECS", v)?;
        }
        if let Some(v) = get("TRUCE_MAX_COMMIT_ENTRIES") {
            self.max_commit_entries = parse("TRUCE_MAX_COMMIT_ENTRIES", v)?;
        }
        if let Some(v) = get("TRUCE_QUEUE_ENTRIES") {
            self.queue_entries = parse("TRUCE_QUEUE_ENTRIES", v)?;
        }
        if let Some(v) = get("TRUCE_RATE_PER_SECOND") {
            self.rate_per_second = parse("TRUCE_RATE_PER_SECOND", v)?;
        }
        if let Some(v) = get("TRUCE_RATE_BURST") {
            self.rate_burst = parse("TRUCE_RATE_BURST", v)?;
        }
        if let Some(v) = get("TRUCE_STORAGE") {
            self.storage = Some(v);
        }
        if let Some(v) = get("TRUCE_INDEX") {
            self.index = Some(v);
        }
        if let Some(v) = get("TRUCE_READ_ONLY") {
            self.read_only = parse("TRUCE_READ_ONLY", v)?;
        }
        if let Some(v) = get("TRUCE_LEASE_TTL_MS") {
            self.lease_ttl_ms = parse("TRUCE_LEASE_TTL_MS", v)?;
        }
        if let Some(v) = get("TRUCE_FOLLOW_INTERVAL_MS") {
            self.follow_interval_ms = parse("TRUCE_FOLLOW_INTERVAL_MS", v)?;
        }
        if let Some(v) = get("TRUCE_LOG_VKEY") {
            self.log_vkey = Some(v);
        }
        if let Some(v) = get("TRUCE_LOG_KEY") {
            self.log_key = Some(v);
        }
        Ok(())
    }

    /// The log's private key, which signs as `origin`: the data
    /// directory's `keys/log.key`, or what `log_key` names (a file only
    /// its owner may read, `env:NAME`, or a key in a PKCS#11 token).
    pub fn log_signer(
        &self,
        origin: &str,
    ) -> Result<Box<dyn truce_note::Signer>, crate::ServerError> {
        let source = match &self.log_key {
            Some(source) => source.clone(),
            None => crate::DataDir::new(&self.data).log_key().display().to_string(),
        };
        let name = truce_note::KeyName::new(origin)
            .map_err(|e| crate::ServerError::Setup(format!("the log's origin: {e}")))?;
        truce_store::open_signer(&source, &name, truce_note::Algorithm::Ed25519)
            .map_err(|e| crate::ServerError::Setup(format!("the log's key: {e}")))
    }

    /// Where the restricted mode's audit log is.
    pub fn audit_log(&self) -> PathBuf {
        self.access.audit_log.clone().unwrap_or_else(|| self.data.join("audit.log"))
    }

    /// The request timeout.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    /// How long a client may take to send a request's headers, and then
    /// its body; at least a second.
    pub fn client_timeout(&self) -> Duration {
        Duration::from_secs(self.client_timeout_secs.max(1))
    }

    /// The sequencer lease's time to live.
    pub fn lease_ttl(&self) -> Duration {
        Duration::from_millis(self.lease_ttl_ms.max(100))
    }

    /// How often to look for a newer checkpoint or a free lock.
    pub fn follow_interval(&self) -> Duration {
        Duration::from_millis(self.follow_interval_ms.max(10))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_environment() {
        let dir = std::env::temp_dir().join(format!("truce-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("truce.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:9000\"\nmax_batch = 10\n").expect("writes");
        let mut config = Config::load(&dir, Some(&file)).expect("loads");
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.max_batch, 10);
        assert_eq!(config.rate_burst, Config::default().rate_burst);
        config
            .apply_env(|name| (name == "TRUCE_MAX_BATCH").then(|| "7".to_owned()))
            .expect("applies");
        assert_eq!(config.max_batch, 7);
        let bad = config.apply_env(|name| (name == "TRUCE_LISTEN").then(|| "nowhere".to_owned()));
        assert!(matches!(bad, Err(ConfigError::Env { name: "TRUCE_LISTEN", .. })));
        std::fs::write(&file, "listne = \"127.0.0.1:9000\"\n").expect("writes");
        let typo = Config::load(&dir, Some(&file)).expect_err("unknown field");
        assert!(typo.to_string().contains("unknown field `listne`"), "{typo}");
        std::fs::write(&file, "storage = \"/srv/log\"\n").expect("writes");
        let unusable = Config::load(&dir, Some(&file)).expect_err("not a location");
        assert!(unusable.to_string().contains("storage: "), "{unusable}");
        std::fs::write(&file, "storage = \"s3://b/p\"\nindex = \"postgres://u@h/d\"\n")
            .expect("writes");
        let backends = Config::load(&dir, Some(&file)).expect("loads").backends().expect("ok");
        assert_eq!(backends.storage.to_string(), "s3://b/p");
        assert_eq!(backends.index.to_string(), "postgres://u@h/d");
    }
}
