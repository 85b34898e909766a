//! The query API over the index: reports, entries, sources, agreements.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use truce_entry::{EntryType, EventKind, TargetCategory};
use truce_store::{EntryRow, ReportFilter};

use super::blocking;
use super::params::{Params, Segment, path_index, wants_geojson};
use crate::access::View;
use crate::problem::Problem;
use crate::state::Shared;

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;

/// `cursor`: the `next_cursor` of the previous page, a log index.
fn cursor(params: &Params) -> Result<Option<u64>, Problem> {
    params.read("cursor", |c| {
        c.parse::<u64>().map_err(|_| "must be the next_cursor of the previous page")
    })
}

pub(crate) fn report_filter(params: &Params) -> Result<ReportFilter, Problem> {
    let (from, to) = params.time_range()?;
    let time = (from.is_some() || to.is_some()).then(|| {
        let second = |t: Option<jiff::Timestamp>, or| t.map_or(or, |t| t.as_second());
        (second(from, i64::MIN), second(to, i64::MAX))
    });
    Ok(ReportFilter {
        time,
        bbox: params.bbox()?,
        event: params.read("kind", |k| k.parse::<EventKind>().map(|k| k.as_str().to_owned()))?,
        source: params.identifier("source")?.map(str::to_owned),
        target: params
            .read("target", |t| t.parse::<TargetCategory>().map(|t| t.as_str().to_owned()))?,
        party: params.identifier("party")?.map(str::to_owned),
        after: cursor(params)?,
        limit: params.limit(DEFAULT_LIMIT, MAX_LIMIT)?,
    })
}

/// An entry as the API lists it. The entry's JSON is passed through as the
/// index holds it, not parsed and written again.
#[derive(Serialize)]
pub(crate) struct Item<'a> {
    index: u64,
    #[serde(rename = "type")]
    entry_type: &'a str,
    source: &'a str,
    leaf_hash: String,
    superseded_by: Option<u64>,
    entry: &'a RawValue,
}

pub(crate) fn item(row: &EntryRow) -> Result<Item<'_>, Problem> {
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

/// A page of a listing, under `key`, marked as coarsened in a coarse
/// `view` (whose rows are coarsened already).
fn page(
    key: &str,
    rows: &[EntryRow],
    next_cursor: Option<String>,
    view: &View,
) -> Result<Response, Problem> {
    let internal = |e: serde_json::Error| {
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
    };
    let items = rows.iter().map(item).collect::<Result<Vec<_>, _>>()?;
    let items = serde_json::value::to_raw_value(&items).map_err(internal)?;
    let next_cursor = serde_json::value::to_raw_value(&next_cursor).map_err(internal)?;
    let coarsened_km = view.coarsening().map(|c| c.grid.km());
    let coarsened_km = serde_json::value::to_raw_value(&coarsened_km).map_err(internal)?;
    let mut body: std::collections::BTreeMap<&str, &RawValue> =
        [(key, &*items), ("next_cursor", &*next_cursor)].into();
    if view.coarsening().is_some() {
        body.insert("coarsened_km", &coarsened_km);
    }
    let text = serde_json::to_string(&body).map_err(internal)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], text).into_response())
}

/// A report as a GeoJSON Feature; `None` for one without a location (a
/// withdrawal).
fn feature(row: &EntryRow) -> Option<Value> {
    let entry: Value = serde_json::from_str(&row.json).ok()?;
    let leaf_hash = row.leaf.to_string();
    truce_interop::export::feature(&truce_interop::export::Item {
        index: row.index,
        source: &row.source,
        leaf_hash: &leaf_hash,
        superseded_by: row.superseded_by,
        entry: &entry,
    })
}

fn json_response(content_type: &'static str, body: &Value) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body.to_string()).into_response()
}

/// `GET /v1/reports`: reports by time range, bounding box, kind, source,
/// target category and party, in log order, a page at a time.
pub(crate) async fn reports(
    State(shared): State<Arc<Shared>>,
    Extension(view): Extension<View>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, Problem> {
    let params = Params::parse(
        query.as_deref(),
        &["from", "to", "bbox", "kind", "source", "target", "party", "cursor", "limit"],
    )?;
    let mut filter = report_filter(&params)?;
    let limit = filter.limit as usize;
    let bbox = filter.bbox;
    filter.bbox = view.index_bbox(bbox);
    let reader = shared.clone();
    let mut rows = blocking(move || reader.with_index(|index| index.reports(&filter))).await?;
    // The cursor is the index's: a coarse view may leave rows out of a page.
    let next_cursor =
        (rows.len() == limit).then(|| rows.last().map(|r| r.index.to_string())).flatten();
    view.rows(&mut rows, bbox);
    if wants_geojson(&headers) {
        let features: Vec<Value> = rows.iter().filter_map(feature).collect();
        let mut body =
            json!({"type": "FeatureCollection", "features": features, "next_cursor": next_cursor});
        view.mark(&mut body);
        return Ok(json_response("application/geo+json", &body));
    }
    page("reports", &rows, next_cursor, &view)
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
    Extension(view): Extension<View>,
    headers: HeaderMap,
    Segment(index): Segment,
) -> Result<Response, Problem> {
    let index = path_index(&index)?;
    let mut rows = vec![one_entry(shared, index).await?];
    view.rows(&mut rows, None);
    let row = rows.remove(0);
    if row.entry_type != EntryType::Report.as_str() {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("entry {index} is a {}, not a report", row.entry_type),
        ));
    }
    if wants_geojson(&headers)
        && let Some(mut feature) = feature(&row)
    {
        view.mark(&mut feature);
        return Ok(json_response("application/geo+json", &feature));
    }
    one(&row, &view)
}

fn one(row: &EntryRow, view: &View) -> Result<Response, Problem> {
    let internal = |e: serde_json::Error| {
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
    };
    let item = item(row)?;
    // The entry passes through as the index holds it, unless coarsened.
    let body = match view.coarsening() {
        None => serde_json::to_string(&item),
        Some(_) => serde_json::to_value(&item).map(|mut body| {
            view.mark(&mut body);
            body.to_string()
        }),
    }
    .map_err(internal)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// `GET /v1/entries/{index}`: any entry, as the index holds it.
pub(crate) async fn entry(
    State(shared): State<Arc<Shared>>,
    Segment(index): Segment,
) -> Result<Response, Problem> {
    let row = one_entry(shared, path_index(&index)?).await?;
    // Entries as signed are for precise callers only (see `access`).
    one(&row, &View::Precise)
}

/// `GET /v1/sources`: the source registry.
pub(crate) async fn sources(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
) -> Result<Response, Problem> {
    Params::parse(query.as_deref(), &[])?;
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
    RawQuery(query): RawQuery,
) -> Result<Response, Problem> {
    let params = Params::parse(query.as_deref(), &["cursor", "limit"])?;
    let (after, limit) = (cursor(&params)?, params.limit(DEFAULT_LIMIT, MAX_LIMIT)?);
    let rows = blocking(move || {
        shared.with_index(|i| i.entries_of_type(EntryType::Agreement, after, limit))
    })
    .await?;
    let next_cursor =
        (rows.len() == limit as usize).then(|| rows.last().map(|r| r.index.to_string())).flatten();
    page("agreements", &rows, next_cursor, &View::Precise)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_filters_are_parsed_and_bad_ones_name_their_parameter() {
        let known = ["from", "to", "bbox", "kind", "source", "target", "party", "cursor", "limit"];
        let filter_of = |query: &str| {
            Params::parse(Some(query), &known).and_then(|params| report_filter(&params))
        };
        let filter = filter_of(
            "from=2025-11-14T00:00:00Z&bbox=36,49.5,37,50.5&kind=missile_strike&limit=10",
        )
        .expect("valid");
        assert_eq!(filter.bbox, Some([36.0, 49.5, 37.0, 50.5]));
        assert_eq!(filter.time, Some((1_763_078_400, i64::MAX)));
        assert_eq!(filter.event.as_deref(), Some("missile_strike"));
        assert_eq!(filter.limit, 10);
        for (name, value) in
            [("kind", "missle"), ("target", "power"), ("cursor", "x"), ("cursor", "-1")]
        {
            let problem = filter_of(&format!("{name}={value}")).expect_err(name);
            assert_eq!(problem.extra, vec![("parameter", json!(name))], "{name}={value}");
        }
    }
}
