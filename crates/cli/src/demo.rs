//! `truce demo`: a server with the sample scenario, loaded through the real
//! API.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use clap::Args;
use serde::Deserialize;
use serde_json::{Value, json};
use truce_entry::{Entry, SignedEntry};
use truce_note::SigningKey;
use truce_server::{App, Config, DataDir, InitOptions, OPERATOR};

use crate::server::{init_tracing, runtime, shutdown_signal};
use crate::submit::Client;

include!(concat!(env!("OUT_DIR"), "/scenario.rs"));

#[derive(Args)]
pub struct DemoArgs {
    /// The address to serve on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    listen: SocketAddr,
    /// The data directory to create; by default a new one in the system's
    /// temporary directory.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Load the scenario, print what to try, and stop instead of serving.
    #[arg(long)]
    no_serve: bool,
}

/// `scenario/manifest.json`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    origin: String,
    sources: Vec<Value>,
    entries: Vec<ManifestEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestEntry {
    name: String,
    signer: String,
    file: String,
}

fn scenario_file(path: &str) -> Result<&'static str> {
    SCENARIO
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, contents)| *contents)
        .with_context(|| format!("the scenario has no file {path}"))
}

pub fn run(args: DemoArgs) -> Result<()> {
    init_tracing();
    let manifest: Manifest =
        serde_json::from_str(scenario_file("manifest.json")?).context("scenario/manifest.json")?;
    let root = match args.data {
        Some(dir) => {
            if dir.exists() {
                bail!("{} exists; the demo starts from a fresh data directory", dir.display());
            }
            dir
        }
        None => tempfile::Builder::new().prefix("truce-demo-").tempdir()?.keep(),
    };
    let data = DataDir::new(&root);
    truce_server::init(
        &Config { data: root.clone(), ..Config::default() },
        &InitOptions {
            origin: manifest.origin.clone(),
            organisation: "Ceasefire Monitoring Mission".into(),
        },
    )?;

    runtime()?.block_on(async move {
        let config = Config { data: root.clone(), listen: args.listen, ..Config::default() };
        let app = tokio::task::spawn_blocking(move || App::open(config)).await??;
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let url = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(app.serve(listener, async move {
            tokio::select! {
                _ = stopped => {}
                () = shutdown_signal() => {}
            }
        }));
        let load_url = url.clone();
        let data_for_load = data.clone();
        let loaded =
            tokio::task::spawn_blocking(move || load(&load_url, &data_for_load, &manifest))
                .await
                .context("loading the scenario")?;
        let loaded = match loaded {
            Ok(loaded) => loaded,
            Err(e) => {
                let _ = stop.send(());
                let _ = server.await;
                return Err(e);
            }
        };
        print_tour(&url, &root, loaded, !args.no_serve);
        if args.no_serve {
            let _ = stop.send(());
        }
        server.await.context("the server")??;
        Ok(())
    })
}

/// Registers the scenario's sources and submits its entries through the
/// HTTP API, in manifest order; returns how many entries the log holds.
fn load(url: &str, data: &DataDir, manifest: &Manifest) -> Result<u64> {
    let client = Client::new(url)?;
    let operator = DataDir::read_key(&data.operator_key())?;
    let keys_dir = data.root().join("demo-keys");
    std::fs::create_dir_all(&keys_dir)?;
    let mut keys: HashMap<String, SigningKey> = HashMap::new();
    keys.insert(OPERATOR.to_owned(), operator.clone());
    let mut names: HashMap<String, u64> = HashMap::new();

    for source in &manifest.sources {
        let id = source["source"].as_str().context("a source without an id")?.to_owned();
        let key = SigningKey::generate(&format!("demo.truce.example/{id}"))?;
        truce_store::write_key_file(&keys_dir.join(format!("{id}.key")), &key)?;
        let mut registration = source.clone();
        registration["type"] = json!("truce.source/v1");
        registration["action"] = json!("register");
        registration["key"] = json!(key.verifier_key().to_string());
        submit(&client, &registration, &operator, &format!("source {id}"))?;
        keys.insert(id, key);
    }
    let mut size = 0;
    for item in &manifest.entries {
        let mut value: Value = serde_json::from_str(scenario_file(&item.file)?)
            .with_context(|| format!("scenario/{}", item.file))?;
        resolve(&mut value, &names).with_context(|| format!("scenario/{}", item.file))?;
        let key = keys.get(&item.signer).with_context(|| format!("no source {}", item.signer))?;
        let index = submit(&client, &value, key, &item.file)?;
        names.insert(item.name.clone(), index);
        size = index + 1;
    }
    Ok(size)
}

/// Replaces every `"@name"` by the log index of the named entry.
fn resolve(value: &mut Value, names: &HashMap<String, u64>) -> Result<()> {
    match value {
        Value::String(s) if s.starts_with('@') => {
            let index =
                names.get(&s[1..]).with_context(|| format!("{s} names no earlier entry"))?;
            *value = json!(index);
        }
        Value::Array(items) => items.iter_mut().try_for_each(|v| resolve(v, names))?,
        Value::Object(members) => members.values_mut().try_for_each(|v| resolve(v, names))?,
        _ => {}
    }
    Ok(())
}

fn submit(client: &Client, value: &Value, key: &SigningKey, what: &str) -> Result<u64> {
    let entry = Entry::from_value(value).map_err(|p| anyhow::anyhow!("{what}: {p}"))?;
    let signed = SignedEntry::sign(&entry, &[key]).with_context(|| what.to_owned())?;
    let results = client.submit(&[signed.into_bytes()])?;
    let result = results.into_iter().next().context("no result")?;
    result["index"].as_u64().with_context(|| format!("{what} was refused: {}", result["problem"]))
}

fn print_tour(url: &str, root: &std::path::Path, size: u64, serving: bool) {
    println!(
        "\nTruce demo: {size} entries of the sample scenario (November 2025) are in the log.\n\
         \n  Dashboard:       {url}/\
         \n  Data directory:  {root}\
         \n  API:             {url}/openapi.json\
         \n\nTry:\
         \n  curl {url}/checkpoint\
         \n  curl '{url}/v1/reports?bbox=35.9,49.8,36.6,50.2'          # reports around Kharkiv\
         \n  curl -H 'Accept: application/geo+json' '{url}/v1/reports?kind=missile_strike'\
         \n  curl {url}/v1/sources\
         \n  curl {url}/v1/proof/12                                  # a tlog-proof\
         \n  truce log audit --url {url} --vkey \"$(curl -s {url}/v1/log | jq -r .vkey)\" --entries\
         \n\n{}\n",
        if serving { "Press Ctrl-C to stop." } else { "Stopped (--no-serve)." },
        root = root.display()
    );
}
