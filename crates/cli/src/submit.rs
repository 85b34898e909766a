//! `truce submit`: sign (if needed), submit, and check the inclusion proof
//! of every entry before reporting it logged.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};
use truce_entry::SignedEntry;
use truce_log::TlogProof;
use truce_note::{UnverifiedNote, VerifierKey};

use crate::CheckFailed;
use crate::io::{check_policy, open_entry_signer, read_policy};

#[derive(Args)]
pub struct SubmitArgs {
    /// The server's URL, e.g. http://127.0.0.1:8080.
    #[arg(long, value_name = "URL")]
    url: String,
    /// The key to sign JSON entries with (signed entries are sent as they
    /// are): a key file, env:NAME, or a PKCS#11 URI whose object label is
    /// the key's name.
    #[arg(long, value_name = "KEY")]
    key: Option<String>,
    /// The log's verifier key, to check proofs with. Without it, the key the
    /// server states is used, which only checks the server against itself.
    #[arg(long, value_name = "VKEY")]
    log_vkey: Option<String>,
    /// A witness policy (C2SP tlog-policy): report success only once an entry's
    /// proof is against a checkpoint that a quorum of them cosigned (waits
    /// up to --witness-wait seconds).
    #[arg(long, value_name = "FILE")]
    witness_policy: Option<PathBuf>,
    /// How long to wait for a witnessed checkpoint, in seconds.
    #[arg(long, default_value_t = 30)]
    witness_wait: u64,
    /// Entry files: JSON entries to sign, or signed entries.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// The most entries sent in one request.
const BATCH: usize = 1000;

pub fn run(args: SubmitArgs) -> Result<()> {
    let key = args.key.as_deref().map(open_entry_signer).transpose()?;
    let mut notes = Vec::with_capacity(args.files.len());
    for file in &args.files {
        let bytes =
            std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        let note = if UnverifiedNote::parse(&bytes).is_ok() {
            bytes
        } else {
            let key = key.as_ref().with_context(|| {
                format!("{} is not a signed entry: give --key to sign it", file.display())
            })?;
            SignedEntry::sign_json(&bytes, &[key.as_ref()])
                .map_err(|e| CheckFailed(format!("{}: {e}", file.display())))?
                .into_bytes()
        };
        notes.push(note);
    }

    let client = Client::new(&args.url)?;
    let log = client.get_json("/v1/log")?;
    let origin = log["origin"].as_str().context("the server did not state its origin")?.to_owned();
    let policy = read_policy(args.witness_policy.as_deref())?;
    // The log's key: given, or the policy's, or else the one the server
    // states. A key given may have been rotated since: the log's
    // transitions are followed from it to the key that signs now.
    let policy_key = policy.as_ref().and_then(|p| p.logs().find(|k| k.name().as_str() == origin));
    let trusted = match (&args.log_vkey, policy_key) {
        (Some(vkey), _) => Some(vkey.parse::<VerifierKey>().context("--log-vkey")?),
        (None, key) => key.cloned(),
    };
    let (log_key, policy) = match trusted {
        Some(trusted) => {
            let checkpoint = log["checkpoint"].as_str().unwrap_or_default().as_bytes();
            let source = crate::fetch::UrlSource::new(&args.url)?;
            let mut keys = truce_log::LogKeys::new(trusted, &origin);
            crate::fetch::follow_log_keys(&source, &mut keys, checkpoint)?;
            (keys.current().clone(), policy.map(|p| p.following(&keys)))
        }
        None => {
            let key: VerifierKey =
                log["vkey"].as_str().context("the server did not state its key")?.parse()?;
            eprintln!("note: checking proofs with the key the server states: {key}");
            (key, policy)
        }
    };

    let progress = ProgressBar::new(notes.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} entries {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut refused = 0;
    for (chunk, files) in notes.chunks(BATCH).zip(args.files.chunks(BATCH)) {
        let results = client.submit(chunk)?;
        for ((result, note), file) in results.iter().zip(chunk).zip(files) {
            match result["index"].as_u64() {
                Some(index) => {
                    let proof = match &policy {
                        None => fetch_proof(&client, index, file)?,
                        Some(policy) => witnessed_proof(
                            &client,
                            index,
                            file,
                            policy,
                            &origin,
                            args.witness_wait,
                        )?,
                    };
                    let checkpoint = proof.verify(note, &log_key, &origin).map_err(|e| {
                        CheckFailed(format!(
                            "{}: the inclusion proof does not verify: {e}",
                            file.display()
                        ))
                    })?;
                    let duplicate =
                        if result["duplicate"] == json!(true) { " (already logged)" } else { "" };
                    progress.suspend(|| {
                        println!(
                            "{}: {index}{duplicate}, proved in tree of size {}",
                            file.display(),
                            checkpoint.size()
                        )
                    });
                }
                None => {
                    refused += 1;
                    progress
                        .suspend(|| eprintln!("{}: refused: {}", file.display(), describe(result)));
                }
            }
            progress.inc(1);
        }
    }
    progress.finish_and_clear();
    if refused > 0 {
        return Err(CheckFailed(format!("{refused} of {} entries refused", notes.len())).into());
    }
    Ok(())
}

fn fetch_proof(client: &Client, index: u64, file: &Path) -> Result<TlogProof> {
    let proof = client.get_text(&format!("/v1/proof/{index}"))?;
    Ok(TlogProof::parse(proof.as_bytes())
        .map_err(|e| CheckFailed(format!("{}: the server's proof: {e}", file.display())))?)
}

/// The entry's proof once it is against a checkpoint the policy accepts:
/// the log asks its witnesses after each checkpoint, so this is a moment
/// after the acknowledgement.
pub(crate) fn witnessed_proof(
    client: &Client,
    index: u64,
    file: &Path,
    policy: &truce_log::Policy,
    origin: &str,
    wait_secs: u64,
) -> Result<TlogProof> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(wait_secs);
    loop {
        let proof = fetch_proof(client, index, file)?;
        match check_policy(policy, proof.checkpoint_bytes(), origin) {
            Ok(_) => return Ok(proof),
            Err(e) if std::time::Instant::now() >= deadline => {
                return Err(e.context(format!(
                    "{}: no witnessed checkpoint within {wait_secs} s",
                    file.display()
                )));
            }
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(100)),
        }
    }
}

/// A problem, in one line and its errors below.
pub(crate) fn describe(result: &Value) -> String {
    let problem = result.get("problem").unwrap_or(result);
    let mut text = problem["detail"].as_str().unwrap_or("unknown error").to_owned();
    if let Some(errors) = problem["errors"].as_array() {
        for error in errors {
            text.push_str(&format!(
                "\n  {}: {}",
                error["pointer"].as_str().unwrap_or_default(),
                error["detail"].as_str().unwrap_or_default()
            ));
        }
    }
    text
}

/// A small HTTP client for the API.
#[derive(Clone)]
pub struct Client {
    base: String,
    agent: ureq::Agent,
}

impl Client {
    /// The server at `url`, with the environment's credentials
    /// (`crate::http`).
    pub fn new(url: &str) -> Result<Client> {
        let agent = crate::http::agent(Duration::from_secs(120))?;
        Ok(Client { base: url.trim_end_matches('/').to_owned(), agent })
    }

    fn read(url: &str, mut response: ureq::http::Response<ureq::Body>) -> Result<(u16, String)> {
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_string()
            .with_context(|| format!("reading {url}"))?;
        Ok((status, body))
    }

    pub fn get_text(&self, path: &str) -> Result<String> {
        let url = format!("{}{path}", self.base);
        let response = self.agent.get(&url).call().with_context(|| format!("GET {url}"))?;
        let (status, body) = Client::read(&url, response)?;
        if status != 200 {
            bail!("GET {url}: HTTP {status}: {body}");
        }
        Ok(body)
    }

    /// Copies the body of `path` to `out` as it arrives; returns its size.
    pub fn download(&self, path: &str, out: &mut dyn std::io::Write) -> Result<u64> {
        let url = format!("{}{path}", self.base);
        let mut response = self.agent.get(&url).call().with_context(|| format!("GET {url}"))?;
        let status = response.status().as_u16();
        if status != 200 {
            let (_, body) = Client::read(&url, response)?;
            bail!("GET {url}: HTTP {status}: {body}");
        }
        let mut body = response.body_mut().with_config().limit(u64::MAX).reader();
        std::io::copy(&mut body, out).with_context(|| format!("reading {url}"))
    }

    /// Sends the bytes of the file at `file` from `offset` to `size` as
    /// the body of a PUT to `path`, with `Upload-Offset`; returns the
    /// answer's JSON.
    pub fn put_from(&self, path: &str, file: &Path, offset: u64, size: u64) -> Result<Value> {
        use std::io::{Read as _, Seek as _};
        let url = format!("{}{path}", self.base);
        let mut reader =
            std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
        reader.seek(std::io::SeekFrom::Start(offset))?;
        let mut body = reader.take(size.saturating_sub(offset));
        // The transfer of a large file takes as long as the link needs.
        let agent = crate::http::agent(Duration::from_secs(24 * 3600))?;
        let response = agent
            .put(&url)
            .header("upload-offset", offset.to_string())
            .header("content-type", "application/octet-stream")
            .send(ureq::SendBody::from_reader(&mut body))
            .with_context(|| format!("PUT {url}"))?;
        let (status, text) = Client::read(&url, response)?;
        let value: Value = serde_json::from_str(&text)
            .with_context(|| format!("PUT {url}: HTTP {status}: {text}"))?;
        if status != 200 {
            bail!("PUT {url}: HTTP {status}: {}", describe(&value));
        }
        Ok(value)
    }

    pub fn get_json(&self, path: &str) -> Result<Value> {
        let text = self.get_text(path)?;
        serde_json::from_str(&text).with_context(|| format!("GET {path}: not JSON"))
    }

    /// Submits signed entries; returns each one's result: `{index, ...}` or
    /// `{problem: ...}`. Retries when the server asks to (429, 503).
    pub fn submit(&self, notes: &[Vec<u8>]) -> Result<Vec<Value>> {
        let url = format!("{}/v1/entries", self.base);
        let strings: Vec<String> =
            notes.iter().map(|n| String::from_utf8_lossy(n).into_owned()).collect();
        let body = serde_json::to_vec(&strings)?;
        for _attempt in 0..30 {
            let response = self
                .agent
                .post(&url)
                .header("content-type", "application/json")
                .send(&body[..])
                .with_context(|| format!("POST {url}"))?;
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            let (status, text) = Client::read(&url, response)?;
            if let (429 | 503, Some(seconds)) = (status, retry_after) {
                std::thread::sleep(Duration::from_secs(seconds.min(30)));
                continue;
            }
            let value: Value = serde_json::from_str(&text)
                .with_context(|| format!("POST {url}: HTTP {status}: {text}"))?;
            if status != 200 {
                return Ok(vec![json!({"problem": value}); notes.len()]);
            }
            let results = value["results"].as_array().context("no results")?.clone();
            // Entries refused for the moment (rate limit, overload) are sent
            // again.
            let retry: Vec<usize> = results
                .iter()
                .enumerate()
                .filter(|(_, r)| matches!(r["problem"]["status"].as_u64(), Some(429 | 503)))
                .map(|(i, _)| i)
                .collect();
            if retry.is_empty() {
                return Ok(results);
            }
            std::thread::sleep(Duration::from_secs(1));
            let again: Vec<Vec<u8>> = retry.iter().map(|&i| notes[i].clone()).collect();
            let mut results = results;
            for (i, result) in retry.into_iter().zip(self.submit(&again)?) {
                results[i] = result;
            }
            return Ok(results);
        }
        bail!("POST {url}: the server kept asking to retry later")
    }
}
