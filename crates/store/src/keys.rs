//! Key files: a private key in Go's `PRIVATE+KEY+...` form, readable only
//! by its owner.

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

/// Reads a private key file.
pub fn read_key_file(path: &Path) -> Result<SigningKey, KeyFileError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| KeyFileError::Io { path: path.display().to_string(), source })?;
    text.parse()
        .map_err(|source| KeyFileError::Invalid { path: path.display().to_string(), source })
}
