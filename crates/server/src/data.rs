//! The data directory of a Truce server, and `truce init`.
//!
//! ```text
//! DIR/keys/log.key        the log's key: signs checkpoints (mode 0600)
//! DIR/keys/log.vkey       its verifier key (what a read-only replica needs)
//! DIR/keys/operator.key   the operator's key: signs sources, agreements,
//!                         statements (mode 0600)
//! DIR/log/                the tlog-tiles log (served at / as is), unless
//!                         the configuration puts it in a bucket
//! DIR/index.sqlite        the query index, derived from the log, unless
//!                         the configuration puts it in PostgreSQL; beside
//!                         it index.dedup.sqlite (leaf hash to index) and,
//!                         for a log in a bucket, index.sequencer.sqlite
//! ```

use std::path::{Path, PathBuf};

use truce_entry::{
    Entry, Identifier, Reliability, Role, SignedEntry, Source, SourceAction, Text, VerifierKeyText,
};
use truce_log::{LogKeys, Sequencer};
use truce_note::{Signer, SigningKey, VerifierKey};

use truce_store::Writer;

use crate::config::Config;

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

    /// The log's verifier key file.
    pub fn log_vkey(&self) -> PathBuf {
        self.root.join("keys/log.vkey")
    }

    /// The rotations of the log's key that a copy of the log (`truce
    /// mirror`) followed: each transition checkpoint, named by its size.
    pub fn log_key_transitions(&self) -> PathBuf {
        self.root.join("keys/transitions")
    }

    /// The log's keys: its verifier key, and the rotations recorded in
    /// [`DataDir::log_key_transitions`] followed again, each verified with
    /// the key before it.
    pub fn log_keys(&self, origin: &str) -> Result<LogKeys, ServerError> {
        let mut keys = LogKeys::new(self.log_verifier_key()?, origin);
        let dir = self.log_key_transitions();
        let setup =
            |e: &dyn std::fmt::Display| ServerError::Setup(format!("{}: {e}", dir.display()));
        let mut sizes: Vec<u64> = match std::fs::read_dir(&dir) {
            Ok(files) => files.filter_map(|f| f.ok()?.file_name().to_str()?.parse().ok()).collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(setup(&e)),
        };
        sizes.sort_unstable();
        for size in sizes {
            let note = std::fs::read(dir.join(size.to_string())).map_err(|e| setup(&e))?;
            keys.follow(&note).map_err(|e| setup(&e))?;
        }
        Ok(keys)
    }

    /// The operator's key file.
    pub fn operator_key(&self) -> PathBuf {
        self.root.join("keys/operator.key")
    }

    /// The log directory.
    pub fn log(&self) -> PathBuf {
        self.root.join("log")
    }

    /// The query index, unless the configuration puts it elsewhere.
    pub fn index(&self) -> PathBuf {
        self.root.join("index.sqlite")
    }

    /// Reads a key file.
    pub fn read_key(path: &Path) -> Result<SigningKey, ServerError> {
        truce_store::read_key_file(path).map_err(|e| ServerError::Setup(e.to_string()))
    }

    /// The log's verifier key: `keys/log.vkey`, or derived from
    /// `keys/log.key` (data directories made before the first existed).
    pub fn log_verifier_key(&self) -> Result<VerifierKey, ServerError> {
        match std::fs::read_to_string(self.log_vkey()) {
            Ok(text) => text
                .trim()
                .parse()
                .map_err(|e| ServerError::Setup(format!("{}: {e}", self.log_vkey().display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Ok(DataDir::read_key(&self.log_key())?.verifier_key())
            }
            Err(e) => Err(ServerError::Setup(format!("{}: {e}", self.log_vkey().display()))),
        }
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

/// Creates a data directory (the log's and the operator's keys) and a log,
/// where `config` puts it, whose first entry registers the operator as a
/// source.
///
/// The log's key is made here and written to `keys/log.key`, unless the
/// configuration's `log_key` names a key in a PKCS#11 token (`truce key
/// generate --pkcs11` makes one), which then signs the log from the start.
pub fn init(config: &Config, options: &InitOptions) -> Result<(), ServerError> {
    let setup = |message: String| ServerError::Setup(message);
    let operator_key = SigningKey::generate(&format!("{}/operator", options.origin))
        .map_err(|e| setup(e.to_string()))?;
    if config.log_key.as_deref().is_some_and(truce_store::Pkcs11Uri::is_one) {
        let log_key = config.log_signer(&options.origin)?;
        return create(config, options, log_key, &operator_key);
    }
    let log_key = SigningKey::generate(&options.origin).map_err(|e| setup(e.to_string()))?;
    init_with_keys(config, options, &log_key, &operator_key)
}

/// [`init`] with the given keys, for logs whose keys are made elsewhere
/// (`truce simulate` derives them from its seed).
pub fn init_with_keys(
    config: &Config,
    options: &InitOptions,
    log_key: &SigningKey,
    operator_key: &SigningKey,
) -> Result<(), ServerError> {
    let data = DataDir::new(&config.data);
    create_keys_dir(&data)?;
    truce_store::write_key_file(&data.log_key(), log_key)
        .map_err(|e| ServerError::Setup(e.to_string()))?;
    create(config, options, Box::new(log_key.clone()), operator_key)
}

fn create_keys_dir(data: &DataDir) -> Result<(), ServerError> {
    std::fs::create_dir_all(data.root().join("keys"))
        .map_err(|e| ServerError::Setup(format!("cannot create {}: {e}", data.root().display())))
}

/// The data directory's operator key and `log.vkey`, and the log with its
/// first entry, signed by `log_key`.
fn create(
    config: &Config,
    options: &InitOptions,
    log_key: Box<dyn Signer>,
    operator_key: &SigningKey,
) -> Result<(), ServerError> {
    let setup = |message: String| ServerError::Setup(message);
    let data = DataDir::new(&config.data);
    let backends = config.backends().map_err(|e| setup(e.to_string()))?;
    // First: an SQLite index and its siblings live in the data directory
    // by default, and opening the storage opens them.
    create_keys_dir(&data)?;
    let reader = backends.open_reader().map_err(|e| setup(format!("{}: {e}", backends.storage)))?;
    if reader.read_checkpoint().map_err(|e| setup(format!("{}: {e}", backends.storage)))?.is_some()
    {
        return Err(setup(format!("{} already holds a log", backends.storage)));
    }
    truce_store::write_key_file(&data.operator_key(), operator_key)
        .map_err(|e| setup(e.to_string()))?;
    std::fs::write(data.log_vkey(), format!("{}\n", log_key.verifier_key()))
        .map_err(|e| setup(format!("{}: {e}", data.log_vkey().display())))?;

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

    let Writer { storage, dedup, lease } = backends
        .open_writer(&truce_store::holder_name(), config.lease_ttl())
        .map_err(|e| setup(format!("{}: {e}", backends.storage)))?
        .ok_or_else(|| setup(format!("another process is writing {}", backends.storage)))?;
    let mut log = Sequencer::create(storage, dedup, log_key, &options.origin)
        .map_err(|e| setup(e.to_string()))?;
    log.append(&[genesis.as_bytes()]).map_err(|e| setup(e.to_string()))?;
    // Released before the start-up path takes the log again.
    drop((log, lease));
    // The query index starts covering the log at once: read-only
    // replicas serve what it covers.
    crate::ingest::Ingest::recover(config, &backends, &options.origin)?;
    Ok(())
}

fn identifier(id: &str) -> Result<Identifier, ServerError> {
    Identifier::new(id).map_err(|e| ServerError::Setup(format!("{id:?}: {e}")))
}

fn text<const MAX: usize>(value: &str) -> Result<Text<MAX>, ServerError> {
    Text::new(value).map_err(|e| ServerError::Setup(format!("{value:?}: {e}")))
}
