//! `truce init`, `truce serve`, `truce reindex`.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::Args;
use truce_server::{App, Config, DataDir, InitOptions};

/// Where the server's data, configuration, log and indexes are: the
/// flags override the configuration file, which overrides the defaults.
#[derive(Args)]
pub struct Place {
    /// The data directory: keys, and by default the log and its index.
    #[arg(long, value_name = "DIR", env = "TRUCE_DATA")]
    data: PathBuf,
    /// A TOML configuration file (see the README).
    #[arg(long, value_name = "FILE", env = "TRUCE_CONFIG")]
    config: Option<PathBuf>,
    /// Where the log's tiles are: file:DIR or s3://BUCKET/PREFIX (the
    /// bucket's endpoint and keys from the AWS_* variables). Default: the
    /// data directory's log/.
    #[arg(long, value_name = "LOCATION")]
    storage: Option<String>,
    /// Where the query and dedup indexes (and a bucket's sequencer lock)
    /// are: sqlite:FILE or postgres://USER@HOST/DB. Default: the data
    /// directory's index.sqlite.
    #[arg(long, value_name = "LOCATION")]
    index: Option<String>,
}

impl Place {
    /// The configuration: file, environment, then these flags.
    pub fn config(&self) -> Result<Config> {
        let mut config = Config::load(&self.data, self.config.as_deref())?;
        if let Some(storage) = &self.storage {
            config.storage = Some(storage.clone());
        }
        if let Some(index) = &self.index {
            config.index = Some(index.clone());
        }
        config.backends()?;
        Ok(config)
    }
}

#[derive(Args)]
pub struct InitArgs {
    #[command(flatten)]
    place: Place,
    /// The log's origin, e.g. truce.example/ceasefire.
    #[arg(long)]
    origin: String,
    /// The operator's organisation.
    #[arg(long, default_value = "Monitoring mission")]
    organisation: String,
}

#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    place: Place,
    /// The address to listen on (overrides the config file and TRUCE_LISTEN).
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Serve reads only (the API, the dashboard, the tiles) from the shared
    /// storage and index; never sequence, never write the log or its index.
    #[arg(long)]
    read_only: bool,
}

#[derive(Args)]
pub struct ReindexArgs {
    #[command(flatten)]
    place: Place,
}

pub fn init(args: InitArgs) -> Result<()> {
    let config = args.place.config()?;
    truce_server::init(
        &config,
        &InitOptions { origin: args.origin.clone(), organisation: args.organisation },
    )?;
    let data = DataDir::new(&config.data);
    let vkey = data.log_verifier_key()?;
    let operator = truce_store::read_key_file(&data.operator_key())?.verifier_key();
    println!("created {} for log {}", config.data.display(), args.origin);
    println!("log key:      {vkey}");
    println!("operator key: {operator}");
    Ok(())
}

pub fn serve(args: ServeArgs) -> Result<()> {
    init_tracing();
    let mut config = args.place.config()?;
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    config.read_only |= args.read_only;
    let backends = config.backends()?;
    runtime()?.block_on(async move {
        let listen = config.listen;
        let app = tokio::task::spawn_blocking(move || App::open(config)).await??;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        eprintln!(
            "truce: serving {} (index {}) at http://{}/",
            backends.storage,
            backends.index,
            listener.local_addr()?
        );
        app.serve(listener, shutdown_signal()).await?;
        eprintln!("truce: stopped");
        Ok(())
    })
}

/// A server of a local data directory, run inside this process on a
/// loopback port for a command that would otherwise talk to a running
/// server (`truce import --dir`): the same admission, sequencing and
/// indexing, and stopped cleanly, every acknowledged entry durable.
pub struct LocalServer {
    /// Its URL.
    pub url: String,
    stop: tokio::sync::oneshot::Sender<()>,
    serving: std::thread::JoinHandle<Result<()>>,
}

impl LocalServer {
    /// Opens the data directory `data` (with the configuration its
    /// environment gives) and serves it; fails if a server sequences it.
    pub fn start(data: PathBuf) -> Result<LocalServer> {
        let data_dir = data.clone();
        let mut config = Config::load(&data, None)?;
        config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
        if config.read_only {
            anyhow::bail!("{}: TRUCE_READ_ONLY is set; a local import writes", data.display());
        }
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready, url) = std::sync::mpsc::channel::<Result<String>>();
        let serving = std::thread::spawn(move || -> Result<()> {
            runtime()?.block_on(async move {
                let opened = tokio::task::spawn_blocking(move || App::open(config))
                    .await
                    .map_err(anyhow::Error::from)
                    .and_then(|app| Ok(app?));
                let app = match opened {
                    Ok(app) => app,
                    Err(e) => {
                        let _ = ready.send(Err(e));
                        return Ok(());
                    }
                };
                let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
                let _ = ready.send(Ok(format!("http://{}", listener.local_addr()?)));
                app.serve(listener, async move {
                    let _ = stopped.await;
                })
                .await?;
                Ok(())
            })
        });
        let url = url.recv().context("the local server did not start")??;
        let server = LocalServer { url, stop, serving };
        // A server that runs on the directory holds its lock: this one then
        // only stands by, and would take nothing.
        let health = crate::submit::Client::new(&server.url)?.get_json("/healthz")?;
        if health["role"] != "sequencer" {
            server.stop()?;
            anyhow::bail!(
                "{}: another server sequences this log; give its --url instead",
                data_dir.display()
            );
        }
        Ok(server)
    }

    /// Stops it once every queued entry is logged.
    pub fn stop(self) -> Result<()> {
        let _ = self.stop.send(());
        self.serving.join().map_err(|_| anyhow::anyhow!("the local server panicked"))?
    }
}

#[derive(Args)]
pub struct RotateKeyArgs {
    #[command(flatten)]
    place: Place,
    /// The new key: a private key file (mode 0600), env:NAME, or a PKCS#11
    /// URI. It must be named for the log's origin.
    #[arg(long, value_name = "KEY")]
    new_key: String,
    /// The operator's private key, which signs the announcement: a key
    /// file, env:NAME or a PKCS#11 URI whose object label is the key's name
    /// (default: the data directory's keys/operator.key).
    #[arg(long, value_name = "KEY")]
    operator_key: Option<String>,
    /// Why the key changes, recorded in the announcement.
    #[arg(long)]
    note: Option<String>,
}

pub fn rotate_key(args: RotateKeyArgs) -> Result<()> {
    init_tracing();
    let config = args.place.config()?;
    let operator_key = args
        .operator_key
        .unwrap_or_else(|| DataDir::new(&config.data).operator_key().display().to_string());
    let operator = crate::io::open_entry_signer(&operator_key).context("--operator-key")?;
    let rotation = truce_server::rotate_log_key(
        &config,
        &args.new_key,
        operator.as_ref(),
        args.note.as_deref(),
    )?;
    let verb = if rotation.resumed { "had rotated" } else { "rotated" };
    println!(
        "the log {verb} its key at entry {}: checkpoints from size {} on are signed by\n{}\n(retired: {})",
        rotation.announcement, rotation.from_size, rotation.key, rotation.previous
    );
    if !rotation.key_files_replaced {
        println!(
            "set log_key = \"{}\" (and log_vkey, if set) in the configuration before starting the server",
            args.new_key
        );
    }
    Ok(())
}

pub fn reindex(args: ReindexArgs) -> Result<()> {
    init_tracing();
    let config = args.place.config()?;
    let size = truce_server::reindex(&config)?;
    println!("indexed {size} entries");
    Ok(())
}

pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")
}

pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TRUCE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    eprintln!("truce: stopping; finishing the requests in flight");
}
