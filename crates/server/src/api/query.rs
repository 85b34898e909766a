//! The query API over the index: reports, entries, sources, agreements.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use truce_entry::{EntryType, EventKind, TargetCategory, Timestamp};
use truce_store::{EntryRow, ReportFilter};

use super::{bad_parameter, blocking, only};
use crate::problem::Problem;
use crate::state::Shared;

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;

fn cursor_and_limit(params: &HashMap<String, String>) -> Result<(Option<u64>, u32), Problem> {
    let cursor = params
        .get("cursor")
        .map(|c| {
            c.parse::<u64>()
                .map_err(|_| bad_parameter("cursor", "must be a cursor from next_cursor"))
        })
        .transpose()?;
    let limit = match params.get("limit") {
        None => DEFAULT_LIMIT,
        Some(l) => {
            l.parse::<u32>().ok().filter(|l| (1..=MAX_LIMIT).contains(l)).ok_or_else(|| {
                bad_parameter("limit", format!("must be a whole number from 1 to {MAX_LIMIT}"))
            })?
        }
    };
    Ok((cursor, limit))
}

fn report_filter(params: &HashMap<String, String>) -> Result<ReportFilter, Problem> {
    only(params, &["from", "to", "bbox", "kind", "source", "target", "party", "cursor", "limit"])?;
    let time_of = |name: &'static str| -> Result<Option<i64>, Problem> {
        params
            .get(name)
            .map(|t| {
                Timestamp::parse(t)
                    .map(|t| t.instant().as_second())
                    .map_err(|m| bad_parameter(name, m))
            })
            .transpose()
    };
    let time = match (time_of("from")?, time_of("to")?) {
        (None, None) => None,
        (from, to) => {
            let (from, to) = (from.unwrap_or(i64::MIN), to.unwrap_or(i64::MAX));
            if to < from {
                return Err(bad_parameter("to", "must not be before from"));
            }
            Some((from, to))
        }
    };
    let bbox = params.get("bbox").map(|b| parse_bbox(b)).transpose()?;
    let kind = params
        .get("kind")
        .map(|k| {
            k.parse::<EventKind>()
                .map(|k| k.as_str().to_owned())
                .map_err(|m| bad_parameter("kind", m))
        })
        .transpose()?;
    let target = params
        .get("target")
        .map(|t| {
            t.parse::<TargetCategory>()
                .map(|t| t.as_str().to_owned())
                .map_err(|m| bad_parameter("target", m))
        })
        .transpose()?;
    let (after, limit) = cursor_and_limit(params)?;
    Ok(ReportFilter {
        time,
        bbox,
        event: kind,
        source: params.get("source").cloned(),
        target,
        party: params.get("party").cloned(),
        after,
        limit,
    })
}

fn parse_bbox(text: &str) -> Result<[f64; 4], Problem> {
    let shape = "must be min_lon,min_lat,max_lon,max_lat in degrees";
    let numbers: Vec<f64> = text
        .split(',')
        .map(|n| n.trim().parse::<f64>().ok().filter(|f| f.is_finite()))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| bad_parameter("bbox", shape))?;
    let [min_lon, min_lat, max_lon, max_lat] = numbers[..] else {
        return Err(bad_parameter("bbox", shape));
    };
    let lon_ok = |x: f64| (-180.0..=180.0).contains(&x);
    let lat_ok = |x: f64| (-90.0..=90.0).contains(&x);
    if !(lon_ok(min_lon) && lon_ok(max_lon) && lat_ok(min_lat) && lat_ok(max_lat)) {
        return Err(bad_parameter(
            "bbox",
            "longitudes must be in -180..180 and latitudes in -90..90",
        ));
    }
    if min_lon > max_lon || min_lat > max_lat {
        return Err(bad_parameter("bbox", "the minimum must not be above the maximum"));
    }
    Ok([min_lon, min_lat, max_lon, max_lat])
}

fn wants_geojson(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("application/geo+json"))
}

/// An entry as the API lists it. The entry's JSON is passed through as the
/// index holds it, not parsed and written again.
#[derive(Serialize)]
struct Item<'a> {
    index: u64,
    #[serde(rename = "type")]
    entry_type: &'a str,
    source: &'a str,
    leaf_hash: String,
    superseded_by: Option<u64>,
    entry: &'a RawValue,
}

fn item(row: &EntryRow) -> Result<Item<'_>, Problem> {
    let entry = serde_json::from_str::<&RawValue>(&row.json).map_err(|e| {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("entry {}: {e}", row.index),
        )
    })?;
    Ok(Item {
        index: row.index,
        entry_type: &row.entry_type,
        source: &row.source,
        leaf_hash: row.leaf.to_string(),
        superseded_by: row.superseded_by,
        entry,
    })
}

/// A page of a listing, under `key`.
fn page(key: &str, rows: &[EntryRow], next_cursor: Option<String>) -> Result<Response, Problem> {
    let internal = |e: serde_json::Error| {
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
    };
    let items = rows.iter().map(item).collect::<Result<Vec<_>, _>>()?;
    let items = serde_json::value::to_raw_value(&items).map_err(internal)?;
    let next_cursor = serde_json::value::to_raw_value(&next_cursor).map_err(internal)?;
    let body: std::collections::BTreeMap<&str, &RawValue> =
        [(key, &*items), ("next_cursor", &*next_cursor)].into();
    let text = serde_json::to_string(&body).map_err(internal)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], text).into_response())
}

/// A report as a GeoJSON Feature; `None` for one without a location (a
/// withdrawal).
fn feature(row: &EntryRow) -> Option<Value> {
    let entry: Value = serde_json::from_str(&row.json).ok()?;
    let location = entry.get("location")?;
    let (lon, lat) = (location.get("lon")?.clone(), location.get("lat")?.clone());
    Some(json!({
        "type": "Feature",
        "id": row.index,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "index": row.index,
            "source": row.source,
            "superseded_by": row.superseded_by,
            "event": entry.get("event"),
            "time": entry.get("time"),
            "uncertainty_m": location.get("uncertainty_m"),
            "place": location.get("place"),
            "targets": entry.get("targets"),
            "harm": entry.get("harm"),
            "perpetrator": entry.get("perpetrator"),
            "summary": entry.get("summary"),
        },
    }))
}

fn json_response(content_type: &'static str, body: &Value) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body.to_string()).into_response()
}

/// `GET /v1/reports`: reports by time range, bounding box, kind, source,
/// target category and party, in log order, a page at a time.
pub(crate) async fn reports(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, Problem> {
    let filter = report_filter(&params)?;
    let limit = filter.limit as usize;
    let reader = shared.clone();
    let rows = blocking(move || reader.with_index(|index| index.reports(&filter))).await?;
    let next_cursor =
        (rows.len() == limit).then(|| rows.last().map(|r| r.index.to_string())).flatten();
    if wants_geojson(&headers) {
        let features: Vec<Value> = rows.iter().filter_map(feature).collect();
        let body =
            json!({"type": "FeatureCollection", "features": features, "next_cursor": next_cursor});
        return Ok(json_response("application/geo+json", &body));
    }
    page("reports", &rows, next_cursor)
}

async fn one_entry(shared: Arc<Shared>, index: u64) -> Result<EntryRow, Problem> {
    blocking(move || shared.with_index(|i| i.entry(index))).await?.ok_or_else(|| {
        Problem::new(StatusCode::NOT_FOUND, "not-found", format!("no entry {index}"))
    })
}

/// The index's rows of the entries at `indices` (those it holds), in that
/// order.
pub(crate) async fn entries_at(
    shared: &Arc<Shared>,
    indices: Vec<u64>,
) -> Result<Vec<EntryRow>, Problem> {
    let shared = shared.clone();
    blocking(move || {
        shared.with_index(|index| {
            indices
                .iter()
                .filter_map(|&i| index.entry(i).transpose())
                .collect::<Result<Vec<_>, _>>()
        })
    })
    .await
}

/// `GET /v1/reports/{index}`.
pub(crate) async fn report(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(index): Path<u64>,
) -> Result<Response, Problem> {
    let row = one_entry(shared, index).await?;
    if row.entry_type != EntryType::Report.as_str() {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("entry {index} is a {}, not a report", row.entry_type),
        ));
    }
    if wants_geojson(&headers)
        && let Some(feature) = feature(&row)
    {
        return Ok(json_response("application/geo+json", &feature));
    }
    one(&row)
}

fn one(row: &EntryRow) -> Result<Response, Problem> {
    let body = serde_json::to_string(&item(row)?)
        .map_err(|e| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// `GET /v1/entries/{index}`: any entry, as the index holds it.
pub(crate) async fn entry(
    State(shared): State<Arc<Shared>>,
    Path(index): Path<u64>,
) -> Result<Response, Problem> {
    let row = one_entry(shared, index).await?;
    one(&row)
}

/// `GET /v1/sources`: the source registry.
pub(crate) async fn sources(
    State(shared): State<Arc<Shared>>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, Problem> {
    only(&params, &[])?;
    let registry = shared.registry();
    let rows = blocking(move || shared.with_index(|i| i.sources())).await?;
    let sources: Vec<Value> = rows
        .iter()
        .map(|s| {
            // Keys rotated away still verify what they signed.
            let previous: Vec<String> = truce_entry::Identifier::new(s.id.as_str())
                .ok()
                .and_then(|id| registry.source(&id))
                .map(|r| r.previous_keys.iter().map(ToString::to_string).collect())
                .unwrap_or_default();
            json!({
                "source": s.id, "name": s.name, "role": s.role, "organisation": s.organisation,
                "party": s.party, "reliability": s.reliability, "key": s.key,
                "previous_keys": previous,
                "registered_at": s.registered_at, "updated_at": s.updated_at,
                "revoked_at": s.revoked_at, "active": s.revoked_at.is_none(),
            })
        })
        .collect();
    Ok(json_response("application/json", &json!({"sources": sources})))
}

/// `GET /v1/agreements`: every agreement entry, with what supersedes it.
pub(crate) async fn agreements(
    State(shared): State<Arc<Shared>>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, Problem> {
    only(&params, &["cursor", "limit"])?;
    let (after, limit) = cursor_and_limit(&params)?;
    let rows = blocking(move || {
        shared.with_index(|i| i.entries_of_type(EntryType::Agreement, after, limit))
    })
    .await?;
    let next_cursor =
        (rows.len() == limit as usize).then(|| rows.last().map(|r| r.index.to_string())).flatten();
    page("agreements", &rows, next_cursor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn filters_are_parsed_and_bad_ones_name_their_parameter() {
        let filter = report_filter(&params(&[
            ("from", "2025-11-14T00:00:00Z"),
            ("bbox", "36,49.5,37,50.5"),
            ("kind", "missile_strike"),
            ("limit", "10"),
        ]))
        .expect("valid");
        assert_eq!(filter.bbox, Some([36.0, 49.5, 37.0, 50.5]));
        assert_eq!(filter.time.map(|t| t.0), Some(1_763_078_400));
        assert_eq!(filter.limit, 10);
        for (name, value) in [
            ("bbox", "1,2,3"),
            ("bbox", "37,49,36,50"),
            ("bbox", "200,0,201,1"),
            ("from", "2025-11-14"),
            ("kind", "missle"),
            ("target", "power"),
            ("limit", "0"),
            ("limit", "5000"),
            ("cursor", "x"),
            ("colour", "red"),
        ] {
            let problem = report_filter(&params(&[(name, value)])).expect_err(name);
            assert_eq!(problem.extra, vec![("parameter", json!(name))], "{name}={value}");
        }
    }
}
