//! Key files: a private key in Go's `PRIVATE+KEY+...` form, readable only
//! by its owner; or, where a secret manager provides it, the same text in
//! an environment variable (`env:NAME` wherever a key file is named).

use std::io::Write as _;
use std::path::Path;

use truce_note::SigningKey;

/// An error reading or writing a key file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyFileError {
    /// The file exists; key files are never overwritten.
    #[error("{0} already exists; a key file is never overwritten")]
    Exists(String),
    /// The file cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Others than the owner may read the file (Unix).
    #[error(
        "{path} may be read by others than its owner (mode {mode:o}): a private key must not be; \
         run chmod 600 {path}"
    )]
    Exposed {
        /// The file.
        path: String,
        /// Its permission bits.
        mode: u32,
    },
    /// `env:NAME` names a variable that is not set.
    #[error("the environment variable {0} holding a private key is not set")]
    Unset(String),
    /// The file holds no valid private key.
    #[error("{path} holds no valid private key: {source}")]
    Invalid {
        /// The file.
        path: String,
        /// Why.
        source: truce_note::KeyError,
    },
}

/// Writes `key` to a new file at `path`, mode 0600, fsynced.
pub fn write_key_file(path: &Path, key: &SigningKey) -> Result<(), KeyFileError> {
    let io = |source| KeyFileError::Io { path: path.display().to_string(), source };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            KeyFileError::Exists(path.display().to_string())
        } else {
            io(e)
        }
    })?;
    writeln!(file, "{}", key.to_private_key_string()).and_then(|()| file.sync_all()).map_err(io)
}

/// Reads a private key: from the file at `path`, which only its owner
/// may read; or, if `path` is `env:NAME`, from the environment variable
/// NAME. Errors name the file or variable, never the key.
pub fn read_key_file(path: &Path) -> Result<SigningKey, KeyFileError> {
    read_secret(path)?
        .parse()
        .map_err(|source| KeyFileError::Invalid { path: path.display().to_string(), source })
}

/// Reads a secret's text (a private key of any form) as
/// [`read_key_file`] reads a key: from a file only its owner may read,
/// or from the variable `env:NAME` names.
pub fn read_secret(path: &Path) -> Result<String, KeyFileError> {
    let shown = path.display().to_string();
    match shown.strip_prefix("env:") {
        Some(name) => std::env::var(name).map_err(|_| KeyFileError::Unset(name.to_owned())),
        None => {
            let io = |source| KeyFileError::Io { path: shown.clone(), source };
            let file = std::fs::File::open(path).map_err(io)?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt as _;
                let mode = file.metadata().map_err(io)?.permissions().mode() & 0o777;
                if mode & 0o077 != 0 {
                    return Err(KeyFileError::Exposed { path: shown, mode });
                }
            }
            std::io::read_to_string(file).map_err(io)
        }
    }
}
