//! `GET /v1/export/reports` and `/v1/export/incidents`: the current reports
//! in the formats of truce-interop (ACLED, UCDP, CSV with HXL, GeoJSON,
//! NDJSON), streamed a page of the index at a time so that an export of the
//! whole log needs no more memory than a page; and the incidents of the
//! assessment as CSV, GeoJSON or NDJSON.

use std::sync::Arc;

use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::{StreamExt as _, stream};
use serde_json::Value;
use truce_interop::export::{Exporter, Format, Item, csv_line, field_text};
use truce_store::EntryRow;

use super::assess::{assessed, feature as incident_feature, incident_filter, keep};
use super::blocking;
use super::params::{Params, bad_parameter};
use super::query::report_filter;
use crate::access::View;
use crate::problem::Problem;
use crate::state::Shared;

/// Reports read from the index at a time.
const PAGE: u32 = 1000;

/// The format and the HXL choice of an export that offers `formats`.
fn format_and_hxl(params: &Params, formats: &[Format]) -> Result<(Format, bool), Problem> {
    let words: Vec<&str> = formats.iter().map(|f| f.as_str()).collect();
    let format = params
        .read("format", |word| {
            str::parse::<Format>(word)
                .ok()
                .filter(|f| formats.contains(f))
                .ok_or(format!("must be one of {}", words.join(", ")))
        })?
        .ok_or_else(|| {
            bad_parameter("format", format!("is required: one of {}", words.join(", ")))
        })?;
    let hxl = params
        .read("hxl", |h| match h {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err("must be true or false"),
        })?
        .unwrap_or(false);
    if hxl && !format.is_csv() {
        return Err(bad_parameter("hxl", "applies to the CSV formats only"));
    }
    Ok((format, hxl))
}

fn attachment(format: Format, what: &str, body: Body) -> Response {
    let disposition = format!("attachment; filename=\"truce-{what}.{}\"", extension(format));
    (
        [
            (header::CONTENT_TYPE, format.media_type().to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

/// `GET /v1/export/reports`.
pub(crate) async fn reports(
    State(shared): State<Arc<Shared>>,
    Extension(view): Extension<View>,
    RawQuery(query): RawQuery,
) -> Result<Response, Problem> {
    let params = Params::parse(
        query.as_deref(),
        &["format", "hxl", "time_zone", "from", "to", "bbox", "kind", "source", "target", "party"],
    )?;
    let (format, hxl) = format_and_hxl(&params, &Format::ALL)?;
    let time_zone = params.read("time_zone", time_zone)?.unwrap_or(jiff::tz::TimeZone::UTC);
    let body = reports_body(shared, view, &params, Exporter::new(format, hxl, time_zone))?;
    Ok(attachment(format, "reports", body))
}

/// `GET /v1/export/incidents`.
pub(crate) async fn incidents(
    State(shared): State<Arc<Shared>>,
    Extension(view): Extension<View>,
    RawQuery(query): RawQuery,
) -> Result<Response, Problem> {
    let params = Params::parse(
        query.as_deref(),
        &["format", "hxl", "from", "to", "bbox", "kind", "target", "party", "grade", "rule"],
    )?;
    let (format, hxl) = format_and_hxl(&params, &[Format::Csv, Format::Geojson, Format::Ndjson])?;
    let body = incidents_body(&shared, &view, &params, format, hxl).await?;
    Ok(attachment(format, "incidents", body))
}

fn extension(format: Format) -> &'static str {
    match format {
        Format::Acled | Format::Ucdp | Format::Csv => "csv",
        Format::Geojson => "geojson",
        Format::Ndjson => "ndjson",
    }
}

/// A zone of the bundled database, spelled as it spells it.
fn time_zone(name: &str) -> Result<jiff::tz::TimeZone, String> {
    truce_assess::time_zones()
        .iter()
        .any(|zone| zone == name)
        .then(|| jiff::tz::TimeZone::get(name).ok())
        .flatten()
        .ok_or(format!("{name:?} is not a time zone of the IANA database (e.g. Europe/Kyiv)"))
}

/// The reports of the export, a page of the index at a time: a task reads
/// and formats the pages and sends their bytes down a short channel, so an
/// export of the whole log holds a few pages in memory, and stops when the
/// client goes away.
fn reports_body(
    shared: Arc<Shared>,
    view: View,
    params: &Params,
    mut exporter: Exporter,
) -> Result<Body, Problem> {
    let mut filter = report_filter(params)?;
    filter.limit = PAGE;
    let bbox = filter.bbox;
    filter.bbox = view.index_bbox(bbox);
    // The log as it stands now: reports logged during the export are left
    // to the next one, so that an export is of one log prefix.
    let size = shared.checkpoint().size();
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        if sender.send(Ok(Bytes::from(exporter.start()))).await.is_err() {
            return;
        }
        loop {
            let (reader, page_filter) = (shared.clone(), filter.clone());
            let mut rows = match blocking(move || {
                reader.with_index(|index| index.reports(&page_filter))
            })
            .await
            {
                Ok(rows) => rows,
                Err(problem) => {
                    tracing::warn!("export stopped: {}", problem.detail);
                    let _ = sender.send(Err(std::io::Error::other(problem.detail))).await;
                    return;
                }
            };
            let last = rows.len() < PAGE as usize || rows.last().is_some_and(|r| r.index >= size);
            filter.after = rows.last().map(|r| r.index);
            rows.retain(|r| r.index < size);
            view.rows(&mut rows, bbox);
            let mut bytes = Vec::new();
            for row in &rows {
                bytes.extend(export_row(&mut exporter, row));
            }
            if last {
                bytes.extend(exporter.finish());
            }
            if sender.send(Ok(Bytes::from(bytes))).await.is_err() || last {
                return;
            }
        }
    });
    // Fused: the compression layer may poll once more after the end.
    let chunks = stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    })
    .filter(|chunk| std::future::ready(chunk.as_ref().map_or(true, |bytes| !bytes.is_empty())))
    .fuse();
    Ok(Body::from_stream(chunks))
}

/// The bytes of one row of the index (none for a row whose JSON does not
/// parse, which the index never holds).
fn export_row(exporter: &mut Exporter, row: &EntryRow) -> Vec<u8> {
    let Ok(entry) = serde_json::from_str::<Value>(&row.json) else {
        return Vec::new();
    };
    let leaf_hash = row.leaf.to_string();
    exporter.item(&Item {
        index: row.index,
        source: &row.source,
        leaf_hash: &leaf_hash,
        superseded_by: row.superseded_by,
        entry: &entry,
    })
}

/// The incidents of the assessment at the latest checkpoint: as NDJSON
/// (the API's incident objects), GeoJSON, or CSV.
async fn incidents_body(
    shared: &Arc<Shared>,
    view: &View,
    params: &Params,
    format: Format,
    hxl: bool,
) -> Result<Body, Problem> {
    let mut filter = incident_filter(params)?;
    filter.limit = usize::MAX;
    let assessed = assessed(shared).await?;
    let incidents = assessed.findings(view).incidents.iter().filter(|i| keep(i, &filter));
    let mut out = String::new();
    match format {
        Format::Ndjson => {
            for incident in incidents {
                out.push_str(&serde_json::to_string(incident).unwrap_or_default());
                out.push('\n');
            }
        }
        Format::Geojson => {
            let features: Vec<Value> = incidents.map(incident_feature).collect();
            out =
                serde_json::json!({"type": "FeatureCollection", "features": features}).to_string();
            out.push('\n');
        }
        _ => {
            out.push_str(&csv_line(INCIDENT_COLUMNS));
            if hxl {
                out.push_str(&csv_line(INCIDENT_HXL));
            }
            for incident in incidents {
                out.push_str(&csv_line(incident_record(
                    &serde_json::to_value(incident).unwrap_or_default(),
                )));
            }
        }
    }
    Ok(Body::from(out))
}

const INCIDENT_COLUMNS: [&str; 15] = [
    "id",
    "time_from",
    "time_to",
    "lat",
    "lon",
    "uncertainty_m",
    "place",
    "grade",
    "party",
    "kinds",
    "targets",
    "killed_best",
    "injured_best",
    "violations",
    "reports",
];

const INCIDENT_HXL: [&str; 15] = [
    "#event+code",
    "#date+start",
    "#date+end",
    "#geo+lat",
    "#geo+lon",
    "#geo+precision",
    "#loc+name",
    "#indicator+grade",
    "#group+perpetrator",
    "#event+type",
    "#indicator+target",
    "#affected+killed",
    "#affected+injured",
    "#indicator+violations",
    "#meta+reports",
];

/// An incident (as the API serializes it) as a row of [`INCIDENT_COLUMNS`].
fn incident_record(incident: &Value) -> Vec<String> {
    let words = |v: &Value| {
        v.as_array()
            .map(|a| a.iter().map(field_text).collect::<Vec<_>>().join(";"))
            .unwrap_or_default()
    };
    let violations: Vec<String> = incident["verdicts"]
        .as_array()
        .map(|verdicts| {
            verdicts
                .iter()
                .filter(|v| v["finding"] == "violation")
                .map(|v| field_text(&v["rule"]))
                .collect()
        })
        .unwrap_or_default();
    vec![
        field_text(&incident["id"]),
        field_text(&incident["time"]["from"]),
        field_text(&incident["time"]["to"]),
        field_text(&incident["location"]["lat"]),
        field_text(&incident["location"]["lon"]),
        field_text(&incident["location"]["uncertainty_m"]),
        field_text(&incident["location"]["place"]),
        field_text(&incident["grade"]),
        field_text(&incident["responsibility"]["party"]),
        words(&incident["kinds"]),
        words(&incident["targets"]),
        field_text(&incident["harm"]["killed"]["best"]),
        field_text(&incident["harm"]["injured"]["best"]),
        violations.join(";"),
        words(&incident["reports"]),
    ]
}
