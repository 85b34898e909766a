//! The dashboard and the field page: their static files, served from the
//! binary (they must work with no internet at all), and the two reads made
//! for the dashboard: a compact, columnar summary of every incident, and
//! an entry's signed bytes for in-browser verification.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use axum::Extension;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use truce_entry::Entry;
use truce_i18n::Lang;

use super::assess::assessed;
use super::params::Segment;
use super::query::entries_at;
use super::{blocking, no_resource};
use crate::access::View;
use crate::problem::Problem;
use crate::state::Shared;

/// The dashboard's files: path, content type, bytes.
const FILES: &[(&str, &str, &str)] = &[
    ("/", "text/html; charset=utf-8", include_str!("../../dashboard/index.html")),
    ("/app.js", "text/javascript; charset=utf-8", include_str!("../../dashboard/app.js")),
    ("/common.js", "text/javascript; charset=utf-8", include_str!("../../dashboard/common.js")),
    ("/map.js", "text/javascript; charset=utf-8", include_str!("../../dashboard/map.js")),
    ("/charts.js", "text/javascript; charset=utf-8", include_str!("../../dashboard/charts.js")),
    ("/views.js", "text/javascript; charset=utf-8", include_str!("../../dashboard/views.js")),
    ("/verify.js", "text/javascript; charset=utf-8", include_str!("../../dashboard/verify.js")),
    ("/i18n.js", "text/javascript; charset=utf-8", include_str!("../../dashboard/i18n.js")),
    ("/app.css", "text/css; charset=utf-8", include_str!("../../dashboard/app.css")),
    ("/evidence.js", "text/javascript; charset=utf-8", include_str!("../../dashboard/evidence.js")),
    // The field page: monitors sign reports on their phones, offline.
    ("/field", "text/html; charset=utf-8", include_str!("../../dashboard/field.html")),
    ("/field.js", "text/javascript; charset=utf-8", include_str!("../../dashboard/field.js")),
    (
        "/field-store.js",
        "text/javascript; charset=utf-8",
        include_str!("../../dashboard/field-store.js"),
    ),
    (
        "/field-sync.js",
        "text/javascript; charset=utf-8",
        include_str!("../../dashboard/field-sync.js"),
    ),
    ("/sign.js", "text/javascript; charset=utf-8", include_str!("../../dashboard/sign.js")),
    ("/field.css", "text/css; charset=utf-8", include_str!("../../dashboard/field.css")),
    ("/field-sw.js", "text/javascript; charset=utf-8", include_str!("../../dashboard/field-sw.js")),
    ("/map/countries.geojson", "application/geo+json", truce_assess::COUNTRIES_GEOJSON),
    ("/map/oblasts.geojson", "application/geo+json", truce_assess::OBLASTS_GEOJSON),
];

/// The paths of the dashboard's files.
pub(crate) fn paths() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|(path, ..)| *path)
}

/// `GET /`, `/app.js`, ...: a file of the dashboard.
pub(crate) async fn file(uri: axum::http::Uri) -> Response {
    match FILES.iter().find(|(path, ..)| *path == uri.path()) {
        Some((_, content_type, body)) => {
            ([(header::CONTENT_TYPE, *content_type), (header::CACHE_CONTROL, "no-cache")], *body)
                .into_response()
        }
        None => no_resource(uri.path()).into_response(),
    }
}

/// `GET /i18n/{lang}.json`: the message catalogue of `en`, `uk` or `ru`,
/// as the dashboard reads it (the daily reports' own catalogues).
pub(crate) async fn catalogue(Segment(file): Segment) -> Response {
    static JSON: [OnceLock<Option<String>>; 3] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let Some(lang) = Lang::ALL.into_iter().find(|l| file == format!("{l}.json")) else {
        return no_resource(&format!("/i18n/{file}")).into_response();
    };
    let json = JSON[lang as usize].get_or_init(|| match truce_i18n::dashboard_catalogue(lang) {
        Ok(json) => Some(json),
        Err(e) => {
            tracing::error!("{e}");
            None
        }
    });
    match json {
        Some(json) => (
            [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-cache")],
            json.clone(),
        )
            .into_response(),
        None => Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("the {lang} catalogue does not convert"),
        )
        .into_response(),
    }
}

/// `GET /v1/entries/{index}/note`: the entry's bytes as logged (its
/// signed note), the leaf the log hashed.
pub(crate) async fn note(
    State(shared): State<Arc<Shared>>,
    Segment(index): Segment,
) -> Result<Response, Problem> {
    let index = super::params::path_index(&index)?;
    let size = shared.checkpoint().size();
    let reader = shared.clone();
    let bytes = blocking(move || truce_log::read_entry(&reader.storage, index, size))
        .await?
        .ok_or_else(|| {
            Problem::new(StatusCode::NOT_FOUND, "not-found", format!("no entry {index} in the log"))
        })?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /v1/dashboard`: every incident in columns (one array per field,
/// values as indices into the lists of names), the coverage gaps and the
/// agreements' zones: what the map, the timeline and the filters need,
/// small enough for 100,000 incidents.
pub(crate) async fn summary(
    State(shared): State<Arc<Shared>>,
    Extension(view): Extension<View>,
) -> Result<Response, Problem> {
    let assessed = assessed(&shared).await?;
    if let Some(body) = assessed.dashboard(&view).get() {
        return Ok(([(header::CONTENT_TYPE, "application/json")], body.clone()).into_response());
    }
    let zones = agreement_zones(&shared, &assessed.agreements).await?;
    // Made once per log size, off the async threads: it waits for the
    // assessor and walks every incident.
    let body = blocking(move || {
        let body = assessed.dashboard(&view).get_or_init(|| {
            let findings = assessed.findings(&view);
            let sources = shared.assessments.sources_of(&findings.incidents);
            build(&assessed, findings, &view, &sources, zones)
        });
        Ok::<_, std::convert::Infallible>(body.clone())
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// The zones of the agreements judged against, as GeoJSON features.
async fn agreement_zones(shared: &Arc<Shared>, agreements: &[u64]) -> Result<Vec<Value>, Problem> {
    let rows = entries_at(shared, agreements.to_vec()).await?;
    let mut features = Vec::new();
    for row in rows {
        let Ok(value) = serde_json::from_str::<Value>(&row.json) else { continue };
        let Ok(Entry::Agreement(agreement)) = Entry::from_value(&value) else { continue };
        for zone in &agreement.zones {
            let geometry = value["zones"].as_array().and_then(|zones| {
                zones
                    .iter()
                    .find(|z| z["id"] == json!(zone.id.as_str()))
                    .map(|z| z["geometry"].clone())
            });
            features.push(json!({
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "agreement": row.index, "title": agreement.title.as_str(),
                    "zone": zone.id.as_str(), "name": zone.name.as_str(),
                    "buffer_m": zone.buffer_m.map(|b| b.0),
                },
            }));
        }
    }
    Ok(features)
}

/// Names as indices: the list, and each name's place in it.
#[derive(Default)]
struct Names(BTreeMap<String, usize>);

impl Names {
    fn index(&mut self, name: &str) -> usize {
        let next = self.0.len();
        *self.0.entry(name.to_owned()).or_insert(next)
    }

    fn list(self) -> Vec<String> {
        let mut names: Vec<(String, usize)> = self.0.into_iter().collect();
        names.sort_by_key(|(_, i)| *i);
        names.into_iter().map(|(n, _)| n).collect()
    }
}

fn seconds(time: &str) -> i64 {
    time.parse::<jiff::Timestamp>().map_or(0, |t| t.as_second())
}

/// The incidents, one array per field, in the order of the findings.
#[derive(Default, serde::Serialize)]
struct Columns<'a> {
    id: Vec<&'a str>,
    from: Vec<i64>,
    to: Vec<i64>,
    lat: Vec<f64>,
    lon: Vec<f64>,
    grade: Vec<usize>,
    /// Killed and injured, best estimates.
    harm: Vec<u64>,
    /// The responsible party's index, or -1.
    party: Vec<i64>,
    /// 1 where a coverage gap overlaps.
    gap: Vec<u8>,
    kinds: Vec<Vec<usize>>,
    targets: Vec<Vec<usize>>,
    /// Rules found violated.
    violations: Vec<Vec<usize>>,
    /// Rules judged against (any finding).
    rules: Vec<Vec<usize>>,
    sources: Vec<Vec<usize>>,
}

fn build(
    assessed: &crate::assessment::Assessed,
    findings: &truce_assess::Findings,
    view: &View,
    incident_sources: &[Vec<String>],
    zones: Vec<Value>,
) -> Vec<u8> {
    let (mut kinds, mut targets, mut parties, mut rules, mut sources) =
        (Names::default(), Names::default(), Names::default(), Names::default(), Names::default());
    let grades = truce_assess::Grade::ALL;
    let mut c = Columns::default();
    for (incident, incident_sources) in findings.incidents.iter().zip(incident_sources) {
        c.id.push(&incident.id);
        c.from.push(seconds(&incident.time.from));
        c.to.push(seconds(&incident.time.to));
        c.lat.push(incident.location.lat);
        c.lon.push(incident.location.lon);
        c.grade.push(grades.iter().position(|g| *g == incident.grade).unwrap_or(0));
        let best = |e: &Option<truce_assess::Estimate>| e.as_ref().map_or(0, |e| e.best);
        c.harm.push(best(&incident.harm.killed) + best(&incident.harm.injured));
        let party = incident.responsibility.as_ref().map(|r| parties.index(&r.party) as i64);
        c.party.push(party.unwrap_or(-1));
        c.gap.push(u8::from(!incident.coverage_gaps.is_empty()));
        c.kinds.push(incident.kinds.iter().map(|k| kinds.index(k.as_str())).collect());
        c.targets.push(incident.targets.iter().map(|t| targets.index(t.as_str())).collect());
        c.violations.push(
            incident
                .verdicts
                .iter()
                .filter(|v| v.finding == truce_assess::Finding::Violation)
                .map(|v| rules.index(&v.rule))
                .collect(),
        );
        c.rules.push(incident.verdicts.iter().map(|v| rules.index(&v.rule)).collect());
        c.sources.push(incident_sources.iter().map(|s| sources.index(s)).collect());
    }
    let gaps: Vec<Value> = findings
        .coverage_gaps
        .iter()
        .map(|g| {
            json!({"index": g.index, "source": g.source, "from": seconds(&g.time.from),
                   "to": seconds(&g.time.to), "lat": g.lat, "lon": g.lon,
                   "radius_m": g.radius_m, "region": g.region})
        })
        .collect();
    let summary = Summary {
        log_size: assessed.size,
        agreements: &assessed.agreements,
        grades: grades.iter().map(|g| g.as_str()).collect(),
        kinds: kinds.list(),
        targets: targets.list(),
        parties: parties.list(),
        rules: rules.list(),
        sources: sources.list(),
        incidents: c,
        gaps,
        zones: json!({"type": "FeatureCollection", "features": zones}),
        coarsened_km: view.coarsening().map(|c| c.grid.km()),
    };
    // Serialising plain vectors and strings cannot fail.
    serde_json::to_vec(&summary).unwrap_or_default()
}

#[derive(serde::Serialize)]
struct Summary<'a> {
    log_size: u64,
    agreements: &'a [u64],
    grades: Vec<&'static str>,
    kinds: Vec<String>,
    targets: Vec<String>,
    parties: Vec<String>,
    rules: Vec<String>,
    sources: Vec<String>,
    incidents: Columns<'a>,
    gaps: Vec<Value>,
    zones: Value,
    /// The grid, for a coarse view.
    #[serde(skip_serializing_if = "Option::is_none")]
    coarsened_km: Option<f64>,
}
