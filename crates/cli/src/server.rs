//! `truce init`, `truce serve`, `truce reindex`.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::Args;
use truce_server::{App, Config, DataDir, InitOptions};

#[derive(Args)]
pub struct InitArgs {
    /// The data directory to create.
    #[arg(long, value_name = "DIR")]
    data: PathBuf,
    /// The log's origin, e.g. truce.example/ceasefire.
    #[arg(long)]
    origin: String,
    /// The operator's organisation.
    #[arg(long, default_value = "Monitoring mission")]
    organisation: String,
}

#[derive(Args)]
pub struct ServeArgs {
    /// The data directory (`truce init` made it).
    #[arg(long, value_name = "DIR", env = "TRUCE_DATA")]
    data: PathBuf,
    /// The address to listen on (overrides the config file and TRUCE_LISTEN).
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// A TOML configuration file (see the README).
    #[arg(long, value_name = "FILE", env = "TRUCE_CONFIG")]
    config: Option<PathBuf>,
}

#[derive(Args)]
pub struct ReindexArgs {
    /// The data directory.
    #[arg(long, value_name = "DIR", env = "TRUCE_DATA")]
    data: PathBuf,
}

pub fn init(args: InitArgs) -> Result<()> {
    let data = DataDir::new(&args.data);
    truce_server::init(
        &data,
        &InitOptions { origin: args.origin.clone(), organisation: args.organisation },
    )?;
    let vkey = truce_store::read_key_file(&data.log_key())?.verifier_key();
    let operator = truce_store::read_key_file(&data.operator_key())?.verifier_key();
    println!("created {} for log {}", args.data.display(), args.origin);
    println!("log key:      {vkey}");
    println!("operator key: {operator}");
    Ok(())
}

pub fn serve(args: ServeArgs) -> Result<()> {
    init_tracing();
    let mut config = Config::load(&args.data, args.config.as_deref())?;
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    runtime()?.block_on(async move {
        let listen = config.listen;
        let app = App::open(config)?;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        eprintln!("truce: serving {} at http://{}/", args.data.display(), listener.local_addr()?);
        app.serve(listener, shutdown_signal()).await?;
        eprintln!("truce: stopped");
        Ok(())
    })
}

pub fn reindex(args: ReindexArgs) -> Result<()> {
    init_tracing();
    let config = Config::load(&args.data, None)?;
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
