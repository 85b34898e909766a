//! The data directory of a Truce server, and `truce init`.
//!
//! ```text
//! DIR/keys/log.key        the log's key: signs checkpoints (mode 0600)
//! DIR/keys/operator.key   the operator's key: signs sources, agreements,
//!                         statements (mode 0600)
//! DIR/log/                the tlog-tiles log (served at / as is)
//! DIR/log/.dedup.sqlite   leaf hash to index, derived from the log
//! DIR/index.sqlite        the query index, derived from the log
//! ```

use std::path::{Path, PathBuf};

use truce_entry::{
    Entry, Identifier, Reliability, Role, SignedEntry, Source, SourceAction, Text, VerifierKeyText,
};
use truce_log::Sequencer;
use truce_note::SigningKey;
use truce_store::{FsStorage, SqliteDedup};

use crate::ServerError;

/// The paths of a data directory.
#[derive(Clone, Debug)]
pub struct DataDir {
    root: PathBuf,
}

/// The identifier of the operator's source, registered by the first entry.
pub const OPERATOR: &str = "operator";

impl DataDir {
    /// The data directory at `root`.
    pub fn new(root: impl Into<PathBuf>) -> DataDir {
        DataDir { root: root.into() }
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The log's key file.
    pub fn log_key(&self) -> PathBuf {
        self.root.join("keys/log.key")
    }

    /// The operator's key file.
    pub fn operator_key(&self) -> PathBuf {
        self.root.join("keys/operator.key")
    }

    /// The log directory.
    pub fn log(&self) -> PathBuf {
        self.root.join("log")
    }

    /// The dedup index.
    pub fn dedup(&self) -> PathBuf {
        self.log().join(".dedup.sqlite")
    }

    /// The query index.
    pub fn index(&self) -> PathBuf {
        self.root.join("index.sqlite")
    }

    /// The latest checkpoint with its witnesses' cosignatures.
    pub fn witnessed_checkpoint(&self) -> PathBuf {
        self.root.join("witnessed-checkpoint")
    }

    /// Reads a key file.
    pub fn read_key(path: &Path) -> Result<SigningKey, ServerError> {
        truce_store::read_key_file(path).map_err(|e| ServerError::Setup(e.to_string()))
    }
}

/// What `truce init` needs to know.
#[derive(Clone, Debug)]
pub struct InitOptions {
    /// The log's origin, e.g. `truce.example/ceasefire`.
    pub origin: String,
    /// The operator's organisation, for its source record.
    pub organisation: String,
}

/// Creates a data directory: the log's and the operator's keys, and a log
/// whose first entry registers the operator as a source.
pub fn init(data: &DataDir, options: &InitOptions) -> Result<(), ServerError> {
    let setup = |message: String| ServerError::Setup(message);
    let log_key = SigningKey::generate(&options.origin).map_err(|e| setup(e.to_string()))?;
    let operator_key = SigningKey::generate(&format!("{}/operator", options.origin))
        .map_err(|e| setup(e.to_string()))?;
    init_with_keys(data, options, &log_key, &operator_key)
}

/// [`init`] with the given keys, for logs whose keys are made elsewhere
/// (`truce simulate` derives them from its seed).
pub fn init_with_keys(
    data: &DataDir,
    options: &InitOptions,
    log_key: &SigningKey,
    operator_key: &SigningKey,
) -> Result<(), ServerError> {
    let setup = |message: String| ServerError::Setup(message);
    if data.log().join(truce_store::CHECKPOINT).exists() {
        return Err(setup(format!("{} already holds a log", data.root().display())));
    }
    std::fs::create_dir_all(data.root().join("keys"))
        .map_err(|e| setup(format!("cannot create {}: {e}", data.root().display())))?;
    for (path, key) in [(data.log_key(), log_key), (data.operator_key(), operator_key)] {
        truce_store::write_key_file(&path, key).map_err(|e| setup(e.to_string()))?;
    }

    let genesis = Entry::Source(Source {
        source: identifier(OPERATOR)?,
        action: SourceAction::Register,
        key: Some(VerifierKeyText(operator_key.verifier_key())),
        name: Some(text("Operator of the log")?),
        role: Some(Role::Operator),
        organisation: Some(text(&options.organisation)?),
        party: None,
        reliability: Some(Reliability::A),
        note: None,
    });
    let genesis = SignedEntry::sign(&genesis, &[operator_key])
        .map_err(|e| setup(format!("the first entry: {e}")))?;

    let storage = FsStorage::open_writer(data.log()).map_err(|e| setup(e.to_string()))?;
    let dedup = SqliteDedup::open(&data.dedup()).map_err(|e| setup(e.to_string()))?;
    let mut log = Sequencer::create(storage, dedup, log_key.clone(), &options.origin)
        .map_err(|e| setup(e.to_string()))?;
    log.append(&[genesis.as_bytes()]).map_err(|e| setup(e.to_string()))?;
    Ok(())
}

fn identifier(id: &str) -> Result<Identifier, ServerError> {
    Identifier::new(id).map_err(|e| ServerError::Setup(format!("{id:?}: {e}")))
}

fn text<const MAX: usize>(value: &str) -> Result<Text<MAX>, ServerError> {
    Text::new(value).map_err(|e| ServerError::Setup(format!("{value:?}: {e}")))
}
