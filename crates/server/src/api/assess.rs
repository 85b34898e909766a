//! Incidents, verdicts and daily reports: the assessment of the log as it
//! stands.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use truce_assess::{DailyOptions, Finding, Grade, Incident, Provenance};
use truce_entry::{EventKind, TargetCategory, Timestamp};

use super::query::entries_at;
use super::{bad_parameter, blocking, only};
use crate::assessment::Assessed;
use crate::problem::Problem;
use crate::state::Shared;

/// The assessment of the log at its latest checkpoint.
pub(crate) async fn assessed(shared: &Arc<Shared>) -> Result<Arc<Assessed>, Problem> {
    let shared = shared.clone();
    blocking(move || shared.assessments.current(&shared)).await
}

/// What `GET /v1/incidents` can filter on.
struct IncidentFilter {
    from: Option<jiff::Timestamp>,
    to: Option<jiff::Timestamp>,
    bbox: Option<[f64; 4]>,
    grade: Option<String>,
    party: Option<String>,
    rule: Option<String>,
    kind: Option<EventKind>,
    target: Option<TargetCategory>,
    after: Option<String>,
    limit: usize,
}

fn incident_filter(params: &HashMap<String, String>) -> Result<IncidentFilter, Problem> {
    only(
        params,
        &["from", "to", "bbox", "grade", "party", "rule", "kind", "target", "cursor", "limit"],
    )?;
    let time = |name: &'static str| -> Result<Option<jiff::Timestamp>, Problem> {
        params
            .get(name)
            .map(|t| Timestamp::parse(t).map(|t| t.instant()).map_err(|m| bad_parameter(name, m)))
            .transpose()
    };
    let bbox = match params.get("bbox") {
        None => None,
        Some(b) => {
            let n: Vec<f64> =
                b.split(',').map(|x| x.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(
                    |_| bad_parameter("bbox", "must be min_lon,min_lat,max_lon,max_lat"),
                )?;
            match n[..] {
                [a, b, c, d] if a <= c && b <= d => Some([a, b, c, d]),
                _ => return Err(bad_parameter("bbox", "must be min_lon,min_lat,max_lon,max_lat")),
            }
        }
    };
    let grade = params.get("grade").cloned();
    if let Some(g) = &grade
        && !Grade::ALL.iter().any(|x| x.as_str() == g)
    {
        return Err(bad_parameter(
            "grade",
            "must be verified, probable, reported, contested or discounted",
        ));
    }
    let limit = match params.get("limit") {
        None => 100,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=1000).contains(l))
            .ok_or_else(|| bad_parameter("limit", "must be 1 to 1000"))?,
    };
    Ok(IncidentFilter {
        from: time("from")?,
        to: time("to")?,
        bbox,
        grade,
        party: params.get("party").cloned(),
        rule: params.get("rule").cloned(),
        kind: params
            .get("kind")
            .map(|k| k.parse().map_err(|m| bad_parameter("kind", m)))
            .transpose()?,
        target: params
            .get("target")
            .map(|t| t.parse().map_err(|m| bad_parameter("target", m)))
            .transpose()?,
        after: params.get("cursor").cloned(),
        limit,
    })
}

fn keep(i: &Incident, f: &IncidentFilter) -> bool {
    let parse = |t: &str| t.parse::<jiff::Timestamp>().ok();
    let (from, to) = (parse(&i.time.from), parse(&i.time.to));
    f.from.is_none_or(|start| to.is_some_and(|t| t >= start))
        && f.to.is_none_or(|end| from.is_some_and(|t| t <= end))
        && f.bbox.is_none_or(|[a, b, c, d]| {
            (a..=c).contains(&i.location.lon) && (b..=d).contains(&i.location.lat)
        })
        && f.grade.as_deref().is_none_or(|g| i.grade.as_str() == g)
        && f.party
            .as_deref()
            .is_none_or(|p| i.responsibility.as_ref().is_some_and(|r| r.party == p))
        && f.rule.as_deref().is_none_or(|r| i.verdicts.iter().any(|v| v.rule == r))
        && f.kind.is_none_or(|k| i.kinds.contains(&k))
        && f.target.is_none_or(|t| i.targets.contains(&t))
}

fn feature(i: &Incident) -> Value {
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

fn wants_geojson(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("application/geo+json"))
}

/// `GET /v1/incidents`.
pub(crate) async fn incidents(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, Problem> {
    let filter = incident_filter(&params)?;
    let assessed = assessed(&shared).await?;
    let all: Vec<&Incident> =
        assessed.findings.incidents.iter().filter(|i| keep(i, &filter)).collect();
    let start = match &filter.after {
        Some(id) => all.iter().position(|i| &i.id == id).map_or(all.len(), |p| p + 1),
        None => 0,
    };
    let page: Vec<&Incident> = all.iter().skip(start).take(filter.limit).copied().collect();
    let next_cursor =
        (start + page.len() < all.len()).then(|| page.last().map(|i| i.id.clone())).flatten();
    if wants_geojson(&headers) {
        let features: Vec<Value> = page.iter().map(|i| feature(i)).collect();
        return Ok(json_response(
            "application/geo+json",
            &json!({"type": "FeatureCollection", "features": features, "next_cursor": next_cursor}),
        ));
    }
    Ok(json_response(
        "application/json",
        &json!({"log_size": assessed.size, "agreements": assessed.agreements, "incidents": page, "next_cursor": next_cursor}),
    ))
}

/// `GET /v1/incidents/{id}`: the incident with its reports.
pub(crate) async fn incident(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let assessed = assessed(&shared).await?;
    let incident =
        assessed.findings.incidents.iter().find(|i| i.id == id).cloned().ok_or_else(|| {
            Problem::new(StatusCode::NOT_FOUND, "not-found", format!("no incident {id}"))
        })?;
    let indices: Vec<u64> = incident.reports.iter().chain(&incident.superseded).copied().collect();
    let rows = entries_at(&shared, indices).await?;
    let reports: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "index": r.index, "source": r.source, "leaf_hash": r.leaf.to_string(),
                "superseded_by": r.superseded_by,
                "entry": serde_json::from_str::<Value>(&r.json).unwrap_or(Value::Null),
            })
        })
        .collect();
    Ok(json_response(
        "application/json",
        &json!({"incident": incident, "reports": reports, "log_size": assessed.size}),
    ))
}

/// `GET /v1/verdicts`: every verdict, by incident, filtered.
pub(crate) async fn verdicts(
    State(shared): State<Arc<Shared>>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, Problem> {
    only(&params, &["finding", "party", "rule"])?;
    if let Some(f) = params.get("finding")
        && ![Finding::Violation, Finding::NoViolation, Finding::NoFinding]
            .iter()
            .any(|x| x.as_str() == f)
    {
        return Err(bad_parameter("finding", "must be violation, no_violation or no_finding"));
    }
    let assessed = assessed(&shared).await?;
    let verdicts: Vec<Value> = assessed
        .findings
        .incidents
        .iter()
        .flat_map(|i| i.verdicts.iter().map(move |v| (i, v)))
        .filter(|(_, v)| params.get("finding").is_none_or(|f| v.finding.as_str() == f))
        .filter(|(_, v)| params.get("rule").is_none_or(|r| &v.rule == r))
        .filter(|(_, v)| params.get("party").is_none_or(|p| v.party.as_ref() == Some(p)))
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

/// `GET /v1/reports/daily/{date}`: the daily report at the latest
/// checkpoint, as canonical JSON (default), `?format=html` or `md`.
pub(crate) async fn daily(
    State(shared): State<Arc<Shared>>,
    Path(date): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, Problem> {
    only(&params, &["format", "time_zone", "cutoff_hour"])?;
    let date: jiff::civil::Date = date.parse().map_err(|_| {
        Problem::new(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("{date} is not a date like 2025-11-14"),
        )
    })?;
    let time_zone = params.get("time_zone").cloned().unwrap_or_else(|| "Europe/Kyiv".to_owned());
    let cutoff_hour = match params.get("cutoff_hour") {
        None => 0,
        Some(h) => h
            .parse::<i8>()
            .ok()
            .filter(|h| (0..=23).contains(h))
            .ok_or_else(|| bad_parameter("cutoff_hour", "must be 0 to 23"))?,
    };
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
    let report = truce_assess::daily_report(&assessed.findings, &options, provenance)
        .map_err(|e| bad_parameter("time_zone", e.to_string()))?;
    Ok(match params.get("format").map(String::as_str) {
        None | Some("json") => {
            ([(header::CONTENT_TYPE, "application/json")], report.canonical_json()).into_response()
        }
        Some("html") => {
            ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], truce_assess::html(&report))
                .into_response()
        }
        Some("md") => (
            [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
            truce_assess::markdown(&report),
        )
            .into_response(),
        Some(_) => return Err(bad_parameter("format", "must be json, html or md")),
    })
}
