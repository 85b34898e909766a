//! `truce export`: a server's reports or incidents as a file, in the
//! formats of `GET /v1/export/…` (ACLED, UCDP, CSV with HXL, GeoJSON,
//! NDJSON), streamed to a file or standard output.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use crate::submit::Client;

#[derive(Args)]
pub struct ExportArgs {
    /// The server's URL, e.g. http://127.0.0.1:8080.
    #[arg(long, value_name = "URL")]
    url: String,
    /// The format: acled, ucdp, csv, geojson or ndjson (incidents: csv,
    /// geojson or ndjson).
    #[arg(long)]
    format: String,
    /// What to export.
    #[arg(long, value_enum, default_value_t = What::Reports)]
    what: What,
    /// Add the HXL hashtag row after the CSV header.
    #[arg(long)]
    hxl: bool,
    /// The zone of the calendar dates of the acled and ucdp formats.
    #[arg(long, value_name = "ZONE")]
    time_zone: Option<String>,
    /// Reports or incidents from this instant (RFC 3339).
    #[arg(long)]
    from: Option<String>,
    /// Reports or incidents up to this instant (RFC 3339).
    #[arg(long)]
    to: Option<String>,
    /// min_lon,min_lat,max_lon,max_lat.
    #[arg(long)]
    bbox: Option<String>,
    /// An event kind.
    #[arg(long)]
    kind: Option<String>,
    /// Reports of this source.
    #[arg(long)]
    source: Option<String>,
    /// A target category.
    #[arg(long)]
    target: Option<String>,
    /// The party held responsible.
    #[arg(long)]
    party: Option<String>,
    /// Incidents of this grade.
    #[arg(long)]
    grade: Option<String>,
    /// Incidents judged against this rule.
    #[arg(long)]
    rule: Option<String>,
    /// Where to write; standard output when not given.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum What {
    Reports,
    Incidents,
}

pub fn run(args: ExportArgs) -> Result<()> {
    let what = match args.what {
        What::Reports => "reports",
        What::Incidents => "incidents",
    };
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("format", &args.format);
    if args.hxl {
        query.append_pair("hxl", "true");
    }
    for (name, value) in [
        ("time_zone", &args.time_zone),
        ("from", &args.from),
        ("to", &args.to),
        ("bbox", &args.bbox),
        ("kind", &args.kind),
        ("source", &args.source),
        ("target", &args.target),
        ("party", &args.party),
        ("grade", &args.grade),
        ("rule", &args.rule),
    ] {
        if let Some(value) = value {
            query.append_pair(name, value);
        }
    }
    let path = format!("/v1/export/{what}?{}", query.finish());
    let progress = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} {bytes} ({bytes_per_sec}) {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let client = Client::new(&args.url)?;
    let started = std::time::Instant::now();
    let size = match &args.out {
        Some(file) => {
            let output = std::fs::File::create(file)
                .with_context(|| format!("cannot create {}", file.display()))?;
            let mut output = progress.wrap_write(std::io::BufWriter::new(output));
            let size = client.download(&path, &mut output)?;
            output.flush().with_context(|| format!("writing {}", file.display()))?;
            size
        }
        None => {
            let stdout = std::io::stdout();
            let mut output = std::io::BufWriter::new(stdout.lock());
            let size = client.download(&path, &mut output)?;
            output.flush().context("writing to standard output")?;
            size
        }
    };
    progress.finish_and_clear();
    eprintln!(
        "exported {what} as {}: {size} bytes in {:.1} s",
        args.format,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
