//! Incidents, verdicts and daily reports: the assessment of the log as it
//! stands.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use truce_assess::{DailyOptions, Finding, Grade, Incident, Provenance};
use truce_entry::{EventKind, TargetCategory};
use truce_i18n::Lang;

use super::blocking;
use super::params::{Params, Segment, bad_parameter, preferred, wants_geojson};
use super::query::{entries_at, item};
use crate::access::View;
use crate::assessment::Assessed;
use crate::problem::Problem;
use crate::state::Shared;

/// The assessment of the log at its latest checkpoint.
pub(crate) async fn assessed(shared: &Arc<Shared>) -> Result<Arc<Assessed>, Problem> {
    let shared = shared.clone();
    blocking(move || shared.assessments.current(&shared)).await
}

/// What `GET /v1/incidents` can filter on.
pub(crate) struct IncidentFilter {
    from: Option<jiff::Timestamp>,
    to: Option<jiff::Timestamp>,
    bbox: Option<[f64; 4]>,
    grade: Option<Grade>,
    party: Option<String>,
    rule: Option<String>,
    kind: Option<EventKind>,
    target: Option<TargetCategory>,
    after: Option<String>,
    pub(crate) limit: usize,
}

pub(crate) fn incident_filter(params: &Params) -> Result<IncidentFilter, Problem> {
    let (from, to) = params.time_range()?;
    let grade = params.read("grade", |g| {
        Grade::ALL
            .iter()
            .find(|x| x.as_str() == g)
            .copied()
            .ok_or("must be verified, probable, reported, contested or discounted")
    })?;
    Ok(IncidentFilter {
        from,
        to,
        bbox: params.bbox()?,
        grade,
        party: params.identifier("party")?.map(str::to_owned),
        rule: params.identifier("rule")?.map(str::to_owned),
        kind: params.read("kind", str::parse)?,
        target: params.read("target", str::parse)?,
        after: params.read("cursor", |c| {
            is_incident_id(c)
                .then(|| c.to_owned())
                .ok_or("must be the next_cursor of the previous page")
        })?,
        limit: params.limit(100, 1000)? as usize,
    })
}

/// Whether `text` has the form of an incident's id: `inc-` and the index of
/// the incident's first report.
fn is_incident_id(text: &str) -> bool {
    text.strip_prefix("inc-")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

pub(crate) fn keep(i: &Incident, f: &IncidentFilter) -> bool {
    let parse = |t: &str| t.parse::<jiff::Timestamp>().ok();
    let (from, to) = (parse(&i.time.from), parse(&i.time.to));
    f.from.is_none_or(|start| to.is_some_and(|t| t >= start))
        && f.to.is_none_or(|end| from.is_some_and(|t| t <= end))
        && f.bbox.is_none_or(|[a, b, c, d]| {
            (a..=c).contains(&i.location.lon) && (b..=d).contains(&i.location.lat)
        })
        && f.grade.is_none_or(|g| i.grade == g)
        && f.party
            .as_deref()
            .is_none_or(|p| i.responsibility.as_ref().is_some_and(|r| r.party == p))
        && f.rule.as_deref().is_none_or(|r| i.verdicts.iter().any(|v| v.rule == r))
        && f.kind.is_none_or(|k| i.kinds.contains(&k))
        && f.target.is_none_or(|t| i.targets.contains(&t))
}

pub(crate) fn feature(i: &Incident) -> Value {
    let mut properties = serde_json::to_value(i).unwrap_or(Value::Null);
    if let Some(p) = properties.as_object_mut() {
        p.remove("location");
        p.insert("place".into(), json!(i.location.place));
        p.insert("region".into(), json!(i.location.region));
        p.insert("uncertainty_m".into(), json!(i.location.uncertainty_m));
    }
    json!({
        "type": "Feature",
        "id": i.id,
        "geometry": {"type": "Point", "coordinates": [i.location.lon, i.location.lat]},
        "properties": properties,
    })
}

fn json_response(content_type: &'static str, body: &Value) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body.to_string()).into_response()
}

/// `GET /v1/incidents`.
pub(crate) async fn incidents(
    State(shared): State<Arc<Shared>>,
    Extension(view): Extension<View>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, Problem> {
    let params = Params::parse(
        query.as_deref(),
        &["from", "to", "bbox", "grade", "party", "rule", "kind", "target", "cursor", "limit"],
    )?;
    let filter = incident_filter(&params)?;
    let assessed = assessed(&shared).await?;
    // A coarse view filters on the coarsened places, so that a small box
    // cannot tell where in its cell an incident is.
    let all: Vec<&Incident> =
        assessed.findings(&view).incidents.iter().filter(|i| keep(i, &filter)).collect();
    let start = match &filter.after {
        Some(id) => all.iter().position(|i| &i.id == id).map_or(all.len(), |p| p + 1),
        None => 0,
    };
    let page: Vec<&Incident> = all.iter().skip(start).take(filter.limit).copied().collect();
    let next_cursor =
        (start + page.len() < all.len()).then(|| page.last().map(|i| i.id.clone())).flatten();
    if wants_geojson(&headers) {
        let features: Vec<Value> = page.iter().map(|i| feature(i)).collect();
        let mut body =
            json!({"type": "FeatureCollection", "features": features, "next_cursor": next_cursor});
        view.mark(&mut body);
        return Ok(json_response("application/geo+json", &body));
    }
    let mut body = json!({"log_size": assessed.size, "agreements": assessed.agreements, "incidents": page, "next_cursor": next_cursor});
    view.mark(&mut body);
    Ok(json_response("application/json", &body))
}

/// `GET /v1/incidents/{id}`: the incident with its reports.
pub(crate) async fn incident(
    State(shared): State<Arc<Shared>>,
    Extension(view): Extension<View>,
    Segment(id): Segment,
) -> Result<Response, Problem> {
    if !is_incident_id(&id) {
        return Err(bad_parameter(
            "id",
            "must be inc- and the index of the incident's first report",
        ));
    }
    let assessed = assessed(&shared).await?;
    let incident =
        assessed.findings(&view).incidents.iter().find(|i| i.id == id).cloned().ok_or_else(
            || Problem::new(StatusCode::NOT_FOUND, "not-found", format!("no incident {id}")),
        )?;
    let indices: Vec<u64> = incident.reports.iter().chain(&incident.superseded).copied().collect();
    let mut rows = entries_at(&shared, indices).await?;
    view.rows(&mut rows, None);
    let reports = rows.iter().map(item).collect::<Result<Vec<_>, _>>()?;
    let mut body = json!({"incident": incident, "reports": reports, "log_size": assessed.size});
    view.mark(&mut body);
    Ok(json_response("application/json", &body))
}

/// `GET /v1/verdicts`: every verdict, by incident, filtered.
pub(crate) async fn verdicts(
    State(shared): State<Arc<Shared>>,
    Extension(view): Extension<View>,
    RawQuery(query): RawQuery,
) -> Result<Response, Problem> {
    let params = Params::parse(query.as_deref(), &["finding", "party", "rule"])?;
    let finding = params.read("finding", |f| {
        [Finding::Violation, Finding::NoViolation, Finding::NoFinding]
            .into_iter()
            .find(|x| x.as_str() == f)
            .ok_or("must be violation, no_violation or no_finding")
    })?;
    let (party, rule) = (params.identifier("party")?, params.identifier("rule")?);
    let assessed = assessed(&shared).await?;
    let verdicts: Vec<Value> = assessed
        .findings(&view)
        .incidents
        .iter()
        .flat_map(|i| i.verdicts.iter().map(move |v| (i, v)))
        .filter(|(_, v)| finding.is_none_or(|f| v.finding == f))
        .filter(|(_, v)| rule.is_none_or(|r| v.rule == r))
        .filter(|(_, v)| party.is_none_or(|p| v.party.as_deref() == Some(p)))
        .map(|(i, v)| {
            let mut value = serde_json::to_value(v).unwrap_or(Value::Null);
            value["incident"] = json!(i.id);
            value["grade"] = json!(i.grade);
            value["time"] = json!(i.time);
            value
        })
        .collect();
    Ok(json_response("application/json", &json!({"log_size": assessed.size, "verdicts": verdicts})))
}

/// The forms of the daily report, by media type.
const DAILY_FORMATS: [(&str, &str); 3] =
    [("json", "application/json"), ("html", "text/html"), ("md", "text/markdown")];

/// `GET /v1/reports/daily/{date}`: the daily report at the latest
/// checkpoint, as canonical JSON (default), HTML or Markdown, by `?format=`
/// or else by the `Accept` header.
pub(crate) async fn daily(
    State(shared): State<Arc<Shared>>,
    Extension(view): Extension<View>,
    headers: HeaderMap,
    Segment(date): Segment,
    RawQuery(query): RawQuery,
) -> Result<Response, Problem> {
    let params = Params::parse(query.as_deref(), &["format", "time_zone", "cutoff_hour", "lang"])?;
    let date: jiff::civil::Date =
        date.parse().ok().filter(|_| is_full_date(&date)).ok_or_else(|| {
            bad_parameter("date", format!("{date:?} is not a date like 2025-11-14"))
        })?;
    let format = match params.read("format", |f| {
        DAILY_FORMATS.iter().find(|(name, _)| *name == f).ok_or("must be json, html or md")
    })? {
        Some((name, _)) => *name,
        None => {
            let media_types = DAILY_FORMATS.map(|(_, media_type)| media_type);
            let media_type = preferred(&headers, &media_types);
            DAILY_FORMATS.iter().find(|(_, m)| *m == media_type).map_or("json", |(name, _)| name)
        }
    };
    // The language of the HTML and Markdown forms: `?lang=`, else the
    // `Accept-Language` header. The JSON is the same in every language.
    let lang =
        match params.read("lang", |l| Lang::from_tag(l).map_err(|_| "must be en, uk or ru"))? {
            Some(lang) => lang,
            None => headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map_or(Lang::En, Lang::negotiate),
        };
    let time_zone = params.get("time_zone").unwrap_or("Europe/Kyiv").to_owned();
    let cutoff_hour = params
        .read("cutoff_hour", |h| {
            h.parse::<i8>().ok().filter(|h| (0..=23).contains(h)).ok_or("must be 0 to 23")
        })?
        .unwrap_or(0);
    let assessed = assessed(&shared).await?;
    let checkpoint = shared.checkpoint();
    if checkpoint.size() != assessed.size {
        return Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the log grew; try again",
        ));
    }
    let mut parameters = std::collections::BTreeMap::new();
    parameters
        .insert("time_tolerance_minutes".to_owned(), json!(assessed.params.time_tolerance_s / 60));
    parameters
        .insert("distance_tolerance_m".to_owned(), json!(assessed.params.distance_tolerance_m));
    parameters.insert("time_zone".to_owned(), json!(time_zone));
    parameters.insert("cutoff_hour".to_owned(), json!(cutoff_hour));
    let provenance = Provenance {
        origin: shared.origin.clone(),
        checkpoint_size: checkpoint.size(),
        root_hash: checkpoint.root().to_string(),
        agreements: assessed.agreements.clone(),
        truce_version: env!("CARGO_PKG_VERSION").to_owned(),
        parameters,
    };
    let options = DailyOptions { date, time_zone, cutoff_hour };
    // Made from the precise findings, then coarsened: a daily report
    // counts what happened in each region by the sources' own places.
    let mut report =
        truce_assess::daily_report(assessed.findings(&View::Precise), &options, provenance)
            .map_err(|e| bad_parameter("time_zone", e.to_string()))?;
    if let Some(coarsening) = view.coarsening() {
        coarsening.daily_report(&mut report);
    }
    let (content_type, body) = match format {
        "html" => ("text/html; charset=utf-8", truce_assess::html(&report, lang)),
        "md" => ("text/markdown; charset=utf-8", truce_assess::markdown(&report, lang)),
        _ => ("application/json", report.canonical_json()),
    };
    let mut response =
        ([(header::CONTENT_TYPE, content_type), (header::VARY, "Accept, Accept-Language")], body)
            .into_response();
    if format != "json" {
        response
            .headers_mut()
            .insert(header::CONTENT_LANGUAGE, header::HeaderValue::from_static(lang.tag()));
    }
    Ok(response)
}

/// Whether `text` is an RFC 3339 full-date, `YYYY-MM-DD`, the form the
/// document's `format: date` names (jiff reads more, such as `+002025-11-14`).
fn is_full_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| if i == 4 || i == 7 { *b == b'-' } else { b.is_ascii_digit() })
}
