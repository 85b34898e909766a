//! Server configuration: a TOML file, then environment variables, then
//! command-line flags, each overriding the one before.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// Everything `truce serve` can be told.
///
/// The TOML file has the same shape:
///
/// ```toml
/// listen = "127.0.0.1:8080"
/// max_body_bytes = 16777216     # request bodies larger than this: 413
/// max_batch = 1000              # entries in one POST /v1/entries array
/// request_timeout_secs = 30     # then 503
/// max_commit_entries = 16384    # entries in one group commit
/// queue_entries = 65536         # entries waiting to be sequenced; then 503
/// rate_per_second = 200         # entries per second per source
/// rate_burst = 2000             # entries a source may send at once
/// witness_timeout_ms = 3000     # how long to wait for each witness
///
/// [[witness]]                   # one table per witness (C2SP tlog-witness)
/// name = "un"
/// url = "https://witness.un.example"   # its submission prefix
/// vkey = "un.example/witness+a0059f11+BAOh..."
/// ```
///
/// Environment variables: `TRUCE_LISTEN`, `TRUCE_MAX_BODY_BYTES`,
/// `TRUCE_MAX_BATCH`, `TRUCE_REQUEST_TIMEOUT_SECS`,
/// `TRUCE_MAX_COMMIT_ENTRIES`, `TRUCE_QUEUE_ENTRIES`,
/// `TRUCE_RATE_PER_SECOND`, `TRUCE_RATE_BURST`.
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
            max_commit_entries: 16_384,
            queue_entries: 65_536,
            rate_per_second: 200.0,
            rate_burst: 2000.0,
            witnesses: Vec::new(),
            witness_timeout_ms: 3000,
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
}

impl Config {
    /// The configuration for `data`: defaults, overridden by the TOML file
    /// if given, then by the environment.
    pub fn load(data: &Path, file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
                toml::from_str(&text).map_err(|e| ConfigError::Toml {
                    path: path.to_owned(),
                    message: e.to_string(),
                })?
            }
            None => Config::default(),
        };
        config.data = data.to_owned();
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
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
        Ok(())
    }

    /// The request timeout.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
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
    }
}
