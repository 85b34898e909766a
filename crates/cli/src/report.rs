//! `truce report` and `truce incidents`: findings computed from a log
//! prefix, byte for byte the same on any machine; `truce report --check`
//! recomputes a published statement's report and compares digests.

use std::collections::BTreeMap;
use std::io::Write as _;

use anyhow::{Context as _, Result, bail};
use clap::{Args, ValueEnum};
use serde_json::{Value, json};
use truce_assess::{DailyOptions, Findings, Log, LogEntry, Params, Provenance, SourceInfo};
use truce_entry::{Entry, Registry};
use truce_i18n::Lang;
use truce_log::{Checkpoint, Hash, TilePath, TreeBuilder, VerifiedCheckpoint, leaf_hash};
use truce_note::{UnverifiedNote, VerifierKey};

use crate::CheckFailed;
use crate::fetch::{Source, required, source_of};

#[derive(Clone, Copy, ValueEnum)]
pub enum ReportFormat {
    /// The canonical JSON (RFC 8785): what a statement's digest covers.
    Json,
    /// A self-contained, printable HTML page with a map.
    Html,
    /// Markdown.
    Md,
    /// The `truce.statement/v1` entry that publishes the report's digest,
    /// for the operator to sign and submit.
    Statement,
}

fn parse_lang(tag: &str) -> Result<Lang, String> {
    Lang::from_tag(tag).map_err(|e| e.to_string())
}

#[derive(Clone, Copy, ValueEnum)]
pub enum IncidentsFormat {
    /// The findings as canonical JSON.
    Json,
    /// The incidents as a GeoJSON FeatureCollection.
    Geojson,
}

/// Where the log is and which prefix to read.
#[derive(Args)]
pub struct LogArgs {
    /// The log: a directory, or a URL (where /checkpoint and /tile/ are).
    #[arg(long, value_name = "DIR|URL")]
    log: String,
    /// Read the first SIZE entries (default: the latest checkpoint's size).
    #[arg(long, value_name = "SIZE")]
    at: Option<u64>,
    /// The log's verifier key: check the checkpoint's signature.
    #[arg(long, value_name = "VKEY")]
    vkey: Option<String>,
}

#[derive(Args)]
pub struct ReportArgs {
    #[command(flatten)]
    log: LogArgs,
    /// The log index of an agreement to judge against; repeat for more.
    #[arg(long = "agreement", value_name = "INDEX", required_unless_present = "check")]
    agreements: Vec<u64>,
    /// The day, YYYY-MM-DD.
    #[arg(long, required_unless_present = "check")]
    date: Option<jiff::civil::Date>,
    /// The output format.
    #[arg(long, value_enum, default_value = "json")]
    format: ReportFormat,
    /// The language of the HTML and Markdown forms (en, uk or ru; a BCP 47
    /// tag such as uk-UA will do). The JSON and the statement are the same
    /// in every language.
    #[arg(long, default_value = "en", value_parser = parse_lang)]
    lang: Lang,
    /// The IANA time zone of the day.
    #[arg(long, default_value = "Europe/Kyiv")]
    time_zone: String,
    /// The hour, local time, at which the day starts.
    #[arg(long, default_value_t = 0)]
    cutoff_hour: i8,
    /// Recompute the report that the statement at this log index publishes,
    /// and say whether its digest matches (exit 1 if not).
    #[arg(long, value_name = "STATEMENT_INDEX", conflicts_with_all = ["agreements", "date", "at"])]
    check: Option<u64>,
}

#[derive(Args)]
pub struct IncidentsArgs {
    #[command(flatten)]
    log: LogArgs,
    /// The log index of an agreement to judge against; repeat for more.
    #[arg(long = "agreement", value_name = "INDEX")]
    agreements: Vec<u64>,
    /// The output format.
    #[arg(long, value_enum, default_value = "json")]
    format: IncidentsFormat,
}

/// A log prefix read and admitted.
struct Loaded {
    log: Log,
    origin: String,
    size: u64,
    root: Hash,
}

/// Reads the first `at` entries (or all the checkpoint covers), recomputes
/// the root, and replays every entry through the source registry, as the
/// server admitted them.
fn load(source: &dyn Source, at: Option<u64>, vkey: Option<&VerifierKey>) -> Result<Loaded> {
    let bytes = source.get("checkpoint")?.context("the log has no checkpoint")?;
    let note = UnverifiedNote::parse(&bytes).context("the checkpoint")?;
    let parsed = Checkpoint::parse(note.text_unverified()).context("the checkpoint")?;
    if let Some(vkey) = vkey {
        VerifiedCheckpoint::verify(&bytes, vkey, parsed.origin())
            .map_err(|e| CheckFailed(format!("the checkpoint: {e}")))?;
    }
    let size = at.unwrap_or(parsed.size());
    if size > parsed.size() {
        bail!("the log has {} entries, not {size}", parsed.size());
    }
    let mut tree = TreeBuilder::new();
    let mut registry = Registry::new();
    let mut entries = Vec::new();
    for bundle in truce_log::bundles_for_size(size) {
        let data = required(source, TilePath::Entries(bundle))?;
        let first = bundle.index() * 256;
        for (i, bytes) in truce_log::decode_bundle(bundle, &data)?.into_iter().enumerate() {
            let index = first + i as u64;
            tree.append(leaf_hash(bytes))?;
            match registry.admit(index, bytes) {
                Ok(admitted) => entries.push(LogEntry {
                    index,
                    source: admitted.source,
                    entry: admitted.entry.entry().clone(),
                }),
                Err(e) => {
                    eprintln!("truce: entry {index} is not a valid Truce entry; left out: {e}")
                }
            }
        }
    }
    let root = tree.root();
    if size == parsed.size() && root != parsed.root() {
        return Err(CheckFailed(format!(
            "the entries give root {root}, the checkpoint says {}",
            parsed.root()
        ))
        .into());
    }
    let sources: BTreeMap<_, _> = registry
        .sources()
        .map(|s| {
            let info = SourceInfo {
                role: s.role,
                organisation: s.organisation.clone(),
                party: s.party.clone(),
                reliability: s.reliability,
            };
            (s.id.clone(), info)
        })
        .collect();
    Ok(Loaded { log: Log::new(entries, sources), origin: parsed.origin().to_owned(), size, root })
}

/// The parameters of the assessment: those of the first agreement, or the
/// defaults.
fn params(log: &Log, agreements: &[u64]) -> Params {
    match agreements.first().and_then(|&i| log.entry(i)).map(|e| &e.entry) {
        Some(Entry::Agreement(a)) => Params::of_agreement(a),
        _ => Params::default(),
    }
}

fn findings(loaded: &Loaded, agreements: &[u64]) -> Result<(Findings, Params)> {
    let params = params(&loaded.log, agreements);
    let findings = truce_assess::assess(&loaded.log, agreements, &params)?;
    Ok((findings, params))
}

struct Day<'a> {
    agreements: &'a [u64],
    date: jiff::civil::Date,
    time_zone: &'a str,
    cutoff_hour: i8,
}

fn daily(loaded: &Loaded, day: &Day<'_>) -> Result<truce_assess::DailyReport> {
    let (findings, params) = findings(loaded, day.agreements)?;
    let mut parameters = BTreeMap::new();
    parameters.insert("time_tolerance_minutes".to_owned(), json!(params.time_tolerance_s / 60));
    parameters.insert("distance_tolerance_m".to_owned(), json!(params.distance_tolerance_m));
    parameters.insert("time_zone".to_owned(), json!(day.time_zone));
    parameters.insert("cutoff_hour".to_owned(), json!(day.cutoff_hour));
    let provenance = Provenance {
        origin: loaded.origin.clone(),
        checkpoint_size: loaded.size,
        root_hash: loaded.root.to_string(),
        agreements: day.agreements.to_vec(),
        truce_version: env!("CARGO_PKG_VERSION").to_owned(),
        parameters,
    };
    let options = DailyOptions {
        date: day.date,
        time_zone: day.time_zone.to_owned(),
        cutoff_hour: day.cutoff_hour,
    };
    Ok(truce_assess::daily_report(&findings, &options, provenance)?)
}

fn write(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    Ok(())
}

fn vkey(args: &LogArgs) -> Result<Option<VerifierKey>> {
    args.vkey.as_deref().map(|v| v.parse().context("--vkey")).transpose()
}

pub fn report(args: ReportArgs) -> Result<()> {
    let source = source_of(&args.log.log)?;
    let vkey = vkey(&args.log)?;
    if let Some(index) = args.check {
        return check(source.as_ref(), index, vkey.as_ref());
    }
    let date = args.date.context("--date")?;
    let loaded = load(source.as_ref(), args.log.at, vkey.as_ref())?;
    let day = Day {
        agreements: &args.agreements,
        date,
        time_zone: &args.time_zone,
        cutoff_hour: args.cutoff_hour,
    };
    let report = daily(&loaded, &day)?;
    match args.format {
        ReportFormat::Json => write(&report.canonical_json()),
        ReportFormat::Md => write(&truce_assess::markdown(&report, args.lang)),
        ReportFormat::Html => write(&truce_assess::html(&report, args.lang)),
        ReportFormat::Statement => {
            let statement = json!({
                "type": "truce.statement/v1",
                "statement": "daily_report",
                "date": report.date,
                "agreements": args.agreements,
                "checkpoint": {"origin": loaded.origin, "size": loaded.size, "root": loaded.root.to_string()},
                "digest": report.digest(),
                "truce_version": env!("CARGO_PKG_VERSION"),
                "time_zone": args.time_zone,
                "cutoff_hour": args.cutoff_hour,
            });
            write(&serde_json::to_string_pretty(&truce_entry::sorted(&statement))?)
        }
    }
}

/// Recomputes the report a statement publishes and compares.
fn check(source: &dyn Source, index: u64, vkey: Option<&VerifierKey>) -> Result<()> {
    let whole = load(source, None, vkey)?;
    let Some(Entry::Statement(statement)) = whole.log.entry(index).map(|e| &e.entry) else {
        bail!("entry {index} is not an admitted statement");
    };
    let agreements: Vec<u64> = statement.agreements.iter().map(|a| a.0).collect();
    let loaded = load(source, Some(statement.checkpoint.size.0), None)?;
    let mut problems = Vec::new();
    if loaded.origin != statement.checkpoint.origin.as_str() {
        problems.push(format!(
            "the log's origin is {}, the statement names {}",
            loaded.origin, statement.checkpoint.origin
        ));
    }
    if loaded.root.0 != statement.checkpoint.root.0 {
        problems.push(format!(
            "the log's root at size {} is {}, the statement says {}",
            loaded.size,
            loaded.root,
            Hash(statement.checkpoint.root.0)
        ));
    }
    let day = Day {
        agreements: &agreements,
        date: statement.date.0,
        time_zone: statement.time_zone.as_ref().map_or("Europe/Kyiv", |t| t.as_str()),
        cutoff_hour: statement.cutoff_hour.map_or(0, |h| i8::try_from(h.0).unwrap_or(i8::MAX)),
    };
    let report = daily(&loaded, &day)?;
    let digest = report.digest();
    if digest != statement.digest.to_string() {
        problems.push(format!(
            "the recomputed report's digest is {digest}, the statement says {} (Truce {} published it; this is Truce {})",
            statement.digest,
            statement.truce_version,
            env!("CARGO_PKG_VERSION")
        ));
    }
    if problems.is_empty() {
        println!(
            "statement {index} matches: the daily report of {} at tree size {} has digest {digest}",
            statement.date.0, loaded.size
        );
        Ok(())
    } else {
        Err(CheckFailed(format!("statement {index} does not match:\n{}", problems.join("\n")))
            .into())
    }
}

pub fn incidents(args: IncidentsArgs) -> Result<()> {
    let source = source_of(&args.log.log)?;
    let loaded = load(source.as_ref(), args.log.at, vkey(&args.log)?.as_ref())?;
    let (findings, _) = findings(&loaded, &args.agreements)?;
    match args.format {
        IncidentsFormat::Json => {
            let value = serde_json::to_value(&findings)?;
            write(&truce_entry::canonical(&value))
        }
        IncidentsFormat::Geojson => {
            let features: Vec<Value> = findings
                .incidents
                .iter()
                .map(|i| {
                    let mut properties = serde_json::to_value(i).unwrap_or(Value::Null);
                    if let Some(p) = properties.as_object_mut() {
                        p.remove("location");
                    }
                    json!({
                        "type": "Feature",
                        "id": i.id,
                        "geometry": {"type": "Point", "coordinates": [i.location.lon, i.location.lat]},
                        "properties": properties,
                    })
                })
                .collect();
            let collection = json!({"type": "FeatureCollection", "features": features});
            write(&truce_entry::canonical(&collection))
        }
    }
}
