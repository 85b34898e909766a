//! `truce evidence`: log photos and videos by their digest, upload their
//! bytes, and prove (offline, to anyone) that a file was in the log by a
//! time its witnesses vouch for.

use std::fs::File;
use std::io::{BufReader, Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use truce_entry::{Entry, EvidenceObject, Sha256Hex, SignedEntry};
use truce_log::{TlogProof, VerifiedCheckpoint};
use truce_note::{Signer, UnverifiedNote, VerifierKey, VerifierSet};

use crate::CheckFailed;
use crate::io::{open_entry_signer, read_policy, read_verifier_keys};
use crate::submit::Client;

#[derive(Subcommand)]
pub enum EvidenceCommand {
    /// Log files as evidence: hash each (SHA-256, any size), read its C2PA
    /// content credentials and what the device claims (EXIF time and
    /// place), sign a truce.evidence/v1 entry, submit it, check its
    /// inclusion proof, then upload the bytes (resuming after a cut).
    Add(AddArgs),
    /// Make the proof that a file was in the log: its evidence entry, the
    /// entry's inclusion proof and the witnessed checkpoint, as one C2SP
    /// tlog-proof file (the entry in its `extra` line).
    Prove(ProveArgs),
    /// Check a proof offline, with only the log's and the witnesses' keys:
    /// the file's digest is in the log no later than the earliest witness
    /// cosignature. Exit 1 if any check fails.
    Verify(VerifyArgs),
}

#[derive(Args)]
pub struct AddArgs {
    /// The server's URL.
    #[arg(long, value_name = "URL")]
    url: String,
    /// The source's key (a key file, env:NAME, or a PKCS#11 URI).
    #[arg(long, value_name = "KEY")]
    key: String,
    #[command(flatten)]
    claims: ClaimArgs,
    /// Also log a copy for publication, without location and device
    /// metadata (FILE.public.EXT), signed as derived from its original.
    #[arg(long)]
    public_copy: bool,
    /// The log's verifier key, to check the inclusion proofs with;
    /// without it, the key the server states.
    #[arg(long, value_name = "VKEY")]
    log_vkey: Option<String>,
    /// The files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

/// What `evidence add` and `field evidence` are told of the files beside
/// their bytes.
#[derive(Args)]
pub struct ClaimArgs {
    /// Who holds the originals (a team, an evidence locker).
    #[arg(long)]
    custodian: String,
    /// What the files show.
    #[arg(long)]
    description: Option<String>,
    /// The media type, when it cannot be told from the file.
    #[arg(long, value_name = "TYPE")]
    media_type: Option<String>,
    /// When the files were captured (RFC 3339), instead of what the device
    /// recorded.
    #[arg(long, value_name = "TIME")]
    captured: Option<String>,
    /// Where, as LAT,LON[,METRES], instead of what the device recorded.
    #[arg(long, value_name = "LAT,LON[,METRES]")]
    place: Option<String>,
}

impl ClaimArgs {
    /// The claims, with `follows` the device's previous entry.
    pub fn claims(&self, follows: Option<Sha256Hex>) -> Result<Claims> {
        Ok(Claims {
            custodian: self.custodian.clone(),
            description: self.description.clone(),
            media_type: self.media_type.clone(),
            captured: self.captured.clone(),
            place: self.place.as_deref().map(parse_place).transpose()?,
            follows,
        })
    }
}

#[derive(Args)]
pub struct ProveArgs {
    /// The server's URL.
    #[arg(long, value_name = "URL")]
    url: String,
    /// Where to write the proof; default FILE.tlog-proof.
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,
    /// The log's verifier key, to check the proof before saving it;
    /// without it, the key the server states.
    #[arg(long, value_name = "VKEY")]
    log_vkey: Option<String>,
    /// Wait until the checkpoint is cosigned as this witness policy (C2SP
    /// tlog-policy) asks, for up to --witness-wait seconds.
    #[arg(long, value_name = "FILE")]
    witness_policy: Option<PathBuf>,
    /// How long to wait for the witnesses, in seconds.
    #[arg(long, default_value_t = 30)]
    witness_wait: u64,
    /// The file.
    file: PathBuf,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// The log's verifier key.
    #[arg(long, value_name = "VKEY")]
    log_vkey: String,
    /// A witness's verifier key, or a file of them; each one given must
    /// have cosigned the proof's checkpoint.
    #[arg(long, value_name = "VKEY")]
    witness_vkey: Vec<String>,
    /// A witness policy (C2SP tlog-policy) the checkpoint must satisfy,
    /// instead of --witness-vkey.
    #[arg(long, value_name = "FILE")]
    witness_policy: Option<PathBuf>,
    /// The file the proof is for; without it, only the proof is checked.
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,
    /// The proof (a tlog-proof with the evidence entry in `extra`).
    proof: PathBuf,
}

pub fn run(command: EvidenceCommand) -> Result<()> {
    match command {
        EvidenceCommand::Add(args) => add(args),
        EvidenceCommand::Prove(args) => prove(args),
        EvidenceCommand::Verify(args) => verify(args),
    }
}

/// What is claimed of a file beside its bytes.
#[derive(Clone, Debug, Default)]
pub struct Claims {
    /// Who holds the original.
    pub custodian: String,
    /// What it shows.
    pub description: Option<String>,
    /// Its media type, if not told from the file.
    pub media_type: Option<String>,
    /// When it was captured (RFC 3339), if not from the device.
    pub captured: Option<String>,
    /// Where, `(lat, lon, metres)`, if not from the device.
    pub place: Option<(f64, f64, f64)>,
    /// The previous signed entry of this device, for the chain.
    pub follows: Option<Sha256Hex>,
}

/// The SHA-256 and size of a file, read once, in pieces.
pub fn hash_file(path: &Path) -> Result<(Sha256Hex, u64)> {
    let mut file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buffer).with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        size += n as u64;
    }
    Ok((Sha256Hex(hasher.finalize().into()), size))
}

/// The media type of a file: from its first bytes when they say, else
/// from its name.
pub fn media_type_of(path: &Path) -> Option<&'static str> {
    let mut head = [0u8; 16];
    let n = File::open(path).and_then(|mut f| f.read(&mut head)).unwrap_or(0);
    let head = &head[..n];
    let sniffed = match head {
        [0xff, 0xd8, 0xff, ..] => Some("image/jpeg"),
        [0x89, b'P', b'N', b'G', ..] => Some("image/png"),
        [b'%', b'P', b'D', b'F', ..] => Some("application/pdf"),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some("image/webp"),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'A', b'V', b'E', ..] => Some("audio/wav"),
        [_, _, _, _, b'f', b't', b'y', b'p', brand @ ..] => match &brand[..brand.len().min(4)] {
            b"heic" | b"heix" | b"mif1" => Some("image/heic"),
            b"avif" => Some("image/avif"),
            b"qt  " => Some("video/quicktime"),
            b"M4A " => Some("audio/mp4"),
            _ => Some("video/mp4"),
        },
        _ => None,
    };
    sniffed.or_else(|| {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match extension.as_str() {
            "jpg" | "jpeg" => "image/jpeg",
            "png" => "image/png",
            "mp4" => "video/mp4",
            "mov" => "video/quicktime",
            "mp3" => "audio/mpeg",
            "m4a" => "audio/mp4",
            "pdf" => "application/pdf",
            _ => return None,
        })
    })
}

/// The evidence entry of the file at `path`: its digest and size, its
/// media type, its C2PA credentials as read now, and what the device
/// claims unless `claims` says otherwise.
pub fn evidence_entry(
    path: &Path,
    claims: &Claims,
    derived_from: Option<Sha256Hex>,
) -> Result<(EvidenceObject, Sha256Hex)> {
    let (sha256, size) = hash_file(path)?;
    let media_type =
        claims.media_type.clone().or_else(|| media_type_of(path).map(str::to_owned)).with_context(
            || format!("{}: cannot tell its media type: give --media-type", path.display()),
        )?;
    let mut file = BufReader::new(
        File::open(path).with_context(|| format!("cannot read {}", path.display()))?,
    );
    let credentials = truce_credentials::inspect(&media_type, &mut file)
        .with_context(|| format!("reading the content credentials of {}", path.display()))?;
    let mut entry = json!({
        "type": "truce.evidence/v1",
        "sha256": sha256.to_string(),
        "size": size,
        "media_type": media_type,
        "custodian": claims.custodian,
        "credentials": credentials_json(&credentials),
    });
    if let Some(description) = &claims.description {
        entry["description"] = json!(description);
    }
    // A derivative made for publication says nothing of where it was taken.
    if derived_from.is_none() {
        let _ = file.seek(SeekFrom::Start(0));
        let device = truce_credentials::device_claims(&media_type, &mut file);
        if let Some(captured) = claims.captured.clone().or(device.captured) {
            entry["captured"] = json!(captured);
        }
        let place = claims
            .place
            .or_else(|| Some((device.lat?, device.lon?, device.uncertainty_m.unwrap_or(0.0))));
        if let Some((lat, lon, metres)) = place {
            entry["place"] = json!({"lat": lat, "lon": lon, "uncertainty_m": metres});
        }
    }
    if let Some(original) = derived_from {
        entry["derived_from"] =
            json!({"sha256": original.to_string(), "method": "metadata_removed"});
    }
    if let Some(follows) = claims.follows {
        entry["follows"] = json!(follows.to_string());
    }
    match Entry::from_value(&entry) {
        Ok(Entry::Evidence(evidence)) => Ok((evidence, sha256)),
        Ok(_) => unreachable!("the JSON names truce.evidence/v1"),
        Err(problems) => Err(CheckFailed(format!("{}: {problems}", path.display())).into()),
    }
}

/// The credentials as the entry records them, each text cut to the
/// length the entry takes.
fn credentials_json(credentials: &truce_credentials::Credentials) -> Value {
    fn cut(text: &str, max: usize) -> String {
        text.chars().filter(|c| !c.is_control()).take(max).collect::<String>().trim().to_owned()
    }
    let mut value = json!({
        "state": credentials.state.as_str(),
        "actions": credentials.actions.iter().map(|a| cut(a, 100)).collect::<Vec<_>>(),
        "codes": credentials.codes.iter().map(|c| cut(c, 200)).collect::<Vec<_>>(),
    });
    let texts = [
        ("signer", &credentials.signer, 500),
        ("issuer", &credentials.issuer, 500),
        ("signed_at", &credentials.signed_at, 64),
        ("claim_generator", &credentials.claim_generator, 500),
        ("title", &credentials.title, 500),
    ];
    for (member, text, max) in texts {
        if let Some(text) = text.as_deref().map(|t| cut(t, max)).filter(|t| !t.is_empty()) {
            value[member] = json!(text);
        }
    }
    if let Some(matches) = credentials.bytes_match {
        value["bytes_match"] = json!(matches);
    }
    value
}

fn parse_place(text: &str) -> Result<(f64, f64, f64)> {
    let numbers: Vec<f64> = text
        .split(',')
        .map(|n| n.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .with_context(|| format!("--place {text:?}: must be LAT,LON or LAT,LON,METRES"))?;
    match numbers[..] {
        [lat, lon] => Ok((lat, lon, 0.0)),
        [lat, lon, metres] => Ok((lat, lon, metres)),
        _ => bail!("--place {text:?}: must be LAT,LON or LAT,LON,METRES"),
    }
}

fn add(args: AddArgs) -> Result<()> {
    let key = open_entry_signer(&args.key)?;
    let claims = args.claims.claims(None)?;
    // Each file, and its public copy after it: the copy cites an original
    // the log must already hold.
    let mut files: Vec<(PathBuf, EvidenceObject)> = Vec::new();
    for path in &args.files {
        let (evidence, sha256) = evidence_entry(path, &claims, None)?;
        files.push((path.clone(), evidence.clone()));
        if args.public_copy {
            let copy = public_copy(path, &evidence)?;
            let (derived, _) = evidence_entry(&copy, &claims, Some(sha256))?;
            files.push((copy, derived));
        }
    }
    let notes: Vec<Vec<u8>> = files
        .iter()
        .map(|(path, evidence)| {
            sign(evidence, key.as_ref()).with_context(|| format!("signing {}", path.display()))
        })
        .collect::<Result<_>>()?;

    let client = Client::new(&args.url)?;
    let (origin, log_key) = log_key(&client, &args.url, args.log_vkey.as_deref())?;
    let results = client.submit(&notes)?;
    let mut refused = 0;
    for (((path, evidence), note), result) in files.iter().zip(&notes).zip(&results) {
        let Some(index) = result["index"].as_u64() else {
            refused += 1;
            eprintln!("{}: refused: {}", path.display(), crate::submit::describe(result));
            continue;
        };
        let proof = TlogProof::parse(client.get_text(&format!("/v1/proof/{index}"))?.as_bytes())
            .map_err(|e| CheckFailed(format!("{}: the server's proof: {e}", path.display())))?;
        proof.verify(note, &log_key, &origin).map_err(|e| {
            CheckFailed(format!("{}: the inclusion proof does not verify: {e}", path.display()))
        })?;
        upload(&client, &evidence.sha256, evidence.size.0, path)?;
        println!(
            "{}: {} logged at {index}, content credentials {}, {} bytes uploaded",
            path.display(),
            evidence.sha256,
            evidence.credentials.state.as_str(),
            evidence.size.0
        );
    }
    if refused > 0 {
        return Err(CheckFailed(format!("{refused} of {} files refused", files.len())).into());
    }
    Ok(())
}

/// Writes the copy of `path` for publication, without its metadata.
fn public_copy(path: &Path, evidence: &EvidenceObject) -> Result<PathBuf> {
    let media_type = evidence.media_type.as_str();
    if !truce_credentials::can_strip(media_type) {
        bail!("{}: cannot make a public copy of a {media_type} file", path.display());
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let stripped = truce_credentials::strip_metadata(media_type, &bytes)
        .map_err(|e| CheckFailed(format!("{}: {e}", path.display())))?;
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("evidence");
    let extension = path.extension().and_then(|s| s.to_str()).unwrap_or("bin");
    let copy = path.with_file_name(format!("{stem}.public.{extension}"));
    std::fs::write(&copy, &stripped.bytes)
        .with_context(|| format!("cannot write {}", copy.display()))?;
    eprintln!("{}: removed {}", copy.display(), stripped.removed.join(", "));
    Ok(copy)
}

/// The evidence entry, signed.
pub fn sign(evidence: &EvidenceObject, key: &dyn Signer) -> Result<Vec<u8>> {
    let entry = Entry::from(evidence.clone());
    Ok(SignedEntry::sign(&entry, &[key])?.into_bytes())
}

/// The log's origin and key: `given` (following the log's rotations
/// since), or the one the server states.
pub fn log_key(client: &Client, url: &str, given: Option<&str>) -> Result<(String, VerifierKey)> {
    let log = client.get_json("/v1/log")?;
    let origin = log["origin"].as_str().context("the server did not state its origin")?;
    let key = match given {
        Some(text) => {
            let trusted: VerifierKey = text.parse().context("--log-vkey")?;
            let mut keys = truce_log::LogKeys::new(trusted, origin);
            let checkpoint = log["checkpoint"].as_str().unwrap_or_default().as_bytes();
            crate::fetch::follow_log_keys(
                &crate::fetch::UrlSource::new(url)?,
                &mut keys,
                checkpoint,
            )?;
            keys.current().clone()
        }
        None => {
            let key = log["vkey"].as_str().context("the server did not state its key")?;
            eprintln!("note: checking proofs with the key the server states: {key}");
            key.parse()?
        }
    };
    Ok((origin.to_owned(), key))
}

/// Uploads the file's bytes, from where the server's copy stands,
/// resuming after a cut connection, until the server holds it checked.
pub fn upload(client: &Client, sha256: &Sha256Hex, size: u64, path: &Path) -> Result<()> {
    const ATTEMPTS: u32 = 20;
    let status_path = format!("/v1/evidence/{sha256}/status");
    for attempt in 1..=ATTEMPTS {
        let status = client.get_json(&status_path)?;
        if status["stored"] == json!(true) {
            return Ok(());
        }
        let received = status["received"].as_u64().unwrap_or(0);
        match client.put_from(&format!("/v1/evidence/{sha256}"), path, received, size) {
            Ok(answer) if answer["stored"] == json!(true) => return Ok(()),
            Ok(_) => {}
            Err(e) if attempt < ATTEMPTS => {
                eprintln!("{}: upload cut at attempt {attempt} ({e:#}); resuming", path.display());
                std::thread::sleep(Duration::from_millis(200 * u64::from(attempt)));
            }
            Err(e) => return Err(e),
        }
    }
    bail!("{}: the server does not hold the file after {ATTEMPTS} attempts", path.display())
}

fn prove(args: ProveArgs) -> Result<()> {
    let (sha256, size) = hash_file(&args.file)?;
    let client = Client::new(&args.url)?;
    let (origin, log_key) = log_key(&client, &args.url, args.log_vkey.as_deref())?;
    let status = client.get_json(&format!("/v1/evidence/{sha256}/status")).with_context(|| {
        format!("{}: no evidence entry in the log names {sha256}", args.file.display())
    })?;
    let index = status["entries"][0].as_u64().context("the server listed no entry")?;
    let note = client.get_text(&format!("/v1/entries/{index}/note"))?.into_bytes();
    let policy = read_policy(args.witness_policy.as_deref())?;
    let proof = match &policy {
        None => TlogProof::parse(client.get_text(&format!("/v1/proof/{index}"))?.as_bytes())
            .map_err(|e| CheckFailed(format!("the server's proof: {e}")))?,
        Some(policy) => crate::submit::witnessed_proof(
            &client,
            index,
            &args.file,
            policy,
            &origin,
            args.witness_wait,
        )?,
    };
    let proof = proof.with_extra(note.clone());
    let checkpoint = proof
        .verify(&note, &log_key, &origin)
        .map_err(|e| CheckFailed(format!("the inclusion proof does not verify: {e}")))?;
    let evidence = evidence_of(&note)?;
    if evidence.sha256 != sha256 || evidence.size.0 != size {
        return Err(CheckFailed(format!("entry {index} does not name this file")).into());
    }
    let out = args.out.unwrap_or_else(|| {
        let mut name = args.file.clone().into_os_string();
        name.push(".tlog-proof");
        PathBuf::from(name)
    });
    std::fs::write(&out, proof.to_bytes())
        .with_context(|| format!("cannot write {}", out.display()))?;
    let cosignatures = cosignature_times(&client, &log_key, proof.checkpoint_bytes());
    println!(
        "{}: {sha256} is entry {index} of {origin}, proved in the tree of size {}; {}",
        args.file.display(),
        checkpoint.size(),
        match cosignatures.iter().min() {
            Some(earliest) => format!(
                "{} witness cosignature(s), the earliest at {}",
                cosignatures.len(),
                timestamp(*earliest)
            ),
            None => "not yet cosigned by a witness".to_owned(),
        }
    );
    println!("proof written to {}", out.display());
    Ok(())
}

/// The times at which the witnesses the server names cosigned the
/// checkpoint, each cosignature verified with its witness's key.
fn cosignature_times(client: &Client, log_key: &VerifierKey, checkpoint: &[u8]) -> Vec<u64> {
    let mut set = VerifierSet::new();
    set.insert(log_key.clone());
    let log = client.get_json("/v1/log").unwrap_or_default();
    for witness in log["witnesses"].as_array().into_iter().flatten() {
        if let Some(key) = witness["vkey"].as_str().and_then(|k| k.parse::<VerifierKey>().ok()) {
            set.insert(key);
        }
    }
    UnverifiedNote::parse(checkpoint)
        .and_then(|note| note.verify(&set))
        .map(|note| note.verified().iter().filter_map(|s| s.timestamp()).collect())
        .unwrap_or_default()
}

fn timestamp(seconds: u64) -> String {
    i64::try_from(seconds)
        .ok()
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .map_or_else(|| format!("{seconds} s after 1970"), |t| t.to_string())
}

/// The evidence entry in a signed note, unverified (the log admitted it;
/// the proof binds it to the log).
fn evidence_of(note: &[u8]) -> Result<EvidenceObject> {
    let text = UnverifiedNote::parse(note)
        .map_err(|e| CheckFailed(format!("the entry is not a signed note: {e}")))?
        .text_unverified()
        .to_owned();
    match Entry::parse(text.trim_end_matches('\n').as_bytes()) {
        Ok(Entry::Evidence(evidence)) => Ok(evidence),
        Ok(other) => Err(CheckFailed(format!(
            "the entry is a {}, not a truce.evidence/v1",
            other.entry_type()
        ))
        .into()),
        Err(problems) => Err(CheckFailed(format!("the entry is not valid: {problems}")).into()),
    }
}

fn verify(args: VerifyArgs) -> Result<()> {
    let log_key: VerifierKey = args.log_vkey.parse().context("--log-vkey")?;
    let origin = log_key.name().as_str().to_owned();
    let witnesses = read_verifier_keys(&args.witness_vkey)?;
    let policy = read_policy(args.witness_policy.as_deref())?;
    if witnesses.is_empty() && policy.is_none() {
        bail!(
            "give the witnesses' keys (--witness-vkey) or a witness policy: without them the \
             proof says nothing of when the file was logged"
        );
    }
    let text = std::fs::read(&args.proof)
        .with_context(|| format!("cannot read {}", args.proof.display()))?;
    let failed = |what: String| CheckFailed(format!("{}: {what}", args.proof.display()));
    let proof = TlogProof::parse(&text).map_err(|e| failed(e.to_string()))?;
    let note = proof
        .extra()
        .ok_or_else(|| failed("the proof carries no entry (no extra line)".into()))?
        .to_vec();
    let checkpoint: VerifiedCheckpoint =
        proof.verify(&note, &log_key, &origin).map_err(|e| failed(e.to_string()))?;
    let evidence = evidence_of(&note).map_err(|e| failed(e.to_string()))?;

    // Each cosignature by a key given must verify; a quorum of them must be
    // there.
    let cosigned: Vec<(String, u64)> = match &policy {
        Some(policy) => policy
            .verify(proof.checkpoint_bytes(), Some(&origin))
            .map_err(|e| failed(format!("witness policy: {e}")))?
            .cosigned()
            .to_vec(),
        None => {
            let mut set = VerifierSet::new();
            set.insert(log_key.clone());
            witnesses.iter().cloned().for_each(|w| set.insert(w));
            let verified = UnverifiedNote::parse(proof.checkpoint_bytes())
                .and_then(|n| n.verify(&set))
                .map_err(|e| failed(format!("the checkpoint's signatures: {e}")))?;
            let mut cosigned = Vec::new();
            for witness in &witnesses {
                let found = verified
                    .verified()
                    .iter()
                    .find(|s| s.key() == witness)
                    .and_then(|s| s.timestamp());
                match found {
                    Some(time) => cosigned.push((witness.name().as_str().to_owned(), time)),
                    None => {
                        return Err(failed(format!(
                            "the witness {} did not cosign the checkpoint",
                            witness.name()
                        ))
                        .into());
                    }
                }
            }
            cosigned
        }
    };
    let Some((first_witness, earliest)) = cosigned.iter().min_by_key(|(_, t)| *t).cloned() else {
        return Err(failed("no witness cosigned the checkpoint".into()).into());
    };

    if let Some(file) = &args.file {
        let (sha256, size) = hash_file(file)?;
        if sha256 != evidence.sha256 || size != evidence.size.0 {
            return Err(CheckFailed(format!(
                "{}: the file's SHA-256 is {sha256} ({size} bytes); the proof is for {} ({} \
                 bytes)",
                file.display(),
                evidence.sha256,
                evidence.size.0
            ))
            .into());
        }
    }
    println!(
        "verified: {} ({} bytes, {}) is entry {} of {origin}, in the tree of size {}",
        evidence.sha256,
        evidence.size.0,
        evidence.media_type.as_str(),
        proof.index(),
        checkpoint.size()
    );
    println!(
        "it was in the log no later than {} (cosigned by {first_witness})",
        timestamp(earliest)
    );
    for (name, time) in &cosigned {
        println!("  cosigned by {name} at {}", timestamp(*time));
    }
    println!(
        "content credentials when logged: {}{}",
        evidence.credentials.state.as_str(),
        evidence
            .credentials
            .signer
            .as_ref()
            .map_or(String::new(), |s| format!(", signed by {}", s.as_str()))
    );
    if let Some(original) = &evidence.derived_from {
        println!("derived from {} ({})", original.sha256, original.method.as_str());
    }
    Ok(())
}
