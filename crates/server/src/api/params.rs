//! The parameters of a request, read and refused the same way on every
//! route: a value the API does not take is a 400 `invalid-parameter` that
//! names the parameter, never a silently widened search.

use std::collections::BTreeMap;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::json;
use truce_entry::{Identifier, Timestamp};

use crate::problem::Problem;

/// A parameter with a wrong value: 400, naming it.
pub(crate) fn bad_parameter(name: &str, message: impl Into<String>) -> Problem {
    let message = message.into();
    let mut problem =
        Problem::new(StatusCode::BAD_REQUEST, "invalid-parameter", format!("{name}: {message}"));
    problem.extra.push(("parameter", json!(name)));
    problem
}

/// The one parameter in a route's path, as text. A path that does not
/// decode (percent-encoded bytes that are not UTF-8) is refused like any
/// other bad parameter, with a problem body, not axum's plain text.
pub(crate) struct Segment(pub(crate) String);

impl<S: Send + Sync> FromRequestParts<S> for Segment {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Segment, Problem> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(text)) => Ok(Segment(text)),
            Err(rejection) => Err(bad_parameter("path", rejection.body_text())),
        }
    }
}

/// The query parameters of a request: only known ones, each at most once,
/// none empty. A repeated or empty parameter is refused rather than read
/// one way or another, as the OpenAPI document says.
#[derive(Debug)]
pub(crate) struct Params(BTreeMap<&'static str, String>);

impl Params {
    /// Reads `query` (the part of the URI after `?`), which may hold only
    /// the parameters in `known`.
    pub(crate) fn parse(query: Option<&str>, known: &[&'static str]) -> Result<Params, Problem> {
        let mut params = BTreeMap::new();
        for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            let Some(&name) = known.iter().find(|k| **k == name) else {
                let mut problem = Problem::new(
                    StatusCode::BAD_REQUEST,
                    "invalid-parameter",
                    format!("unknown parameter {name:?}; known: {}", known.join(", ")),
                );
                problem.extra.push(("parameter", json!(name)));
                return Err(problem);
            };
            if value.is_empty() {
                return Err(bad_parameter(name, "must not be empty; leave it out instead"));
            }
            if params.insert(name, value.into_owned()).is_some() {
                return Err(bad_parameter(name, "must be given at most once"));
            }
        }
        Ok(Params(params))
    }

    /// The value of `name`, if given.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// The value of `name` read by `read`, if given; a value it refuses is
    /// a 400 naming the parameter, with `read`'s message.
    pub(crate) fn read<T, E: Into<String>>(
        &self,
        name: &'static str,
        read: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, Problem> {
        self.get(name).map(|v| read(v).map_err(|m| bad_parameter(name, m))).transpose()
    }

    /// An identifier (of a source, a party, a rule), if given.
    pub(crate) fn identifier(&self, name: &'static str) -> Result<Option<&str>, Problem> {
        let value = self.get(name);
        match value.map(Identifier::new) {
            Some(Err(e)) => Err(bad_parameter(name, e.to_string())),
            _ => Ok(value),
        }
    }

    /// `limit`: a page size from 1 to `max`, `default` when not given.
    pub(crate) fn limit(&self, default: u32, max: u32) -> Result<u32, Problem> {
        let limit = self.read("limit", |l| {
            l.parse::<u32>()
                .ok()
                .filter(|l| (1..=max).contains(l))
                .ok_or(format!("must be a whole number from 1 to {max}"))
        })?;
        Ok(limit.unwrap_or(default))
    }

    /// `from` and `to`: instants (RFC 3339 with a UTC offset), `to` not
    /// before `from`.
    pub(crate) fn time_range(
        &self,
    ) -> Result<(Option<jiff::Timestamp>, Option<jiff::Timestamp>), Problem> {
        let instant = |t: &str| Timestamp::parse(t).map(|t| t.instant());
        let (from, to) = (self.read("from", instant)?, self.read("to", instant)?);
        if let (Some(from), Some(to)) = (from, to)
            && to < from
        {
            return Err(bad_parameter("to", "must not be before from"));
        }
        Ok((from, to))
    }

    /// `bbox`: min_lon,min_lat,max_lon,max_lat in degrees.
    pub(crate) fn bbox(&self) -> Result<Option<[f64; 4]>, Problem> {
        self.read("bbox", parse_bbox)
    }
}

fn parse_bbox(text: &str) -> Result<[f64; 4], &'static str> {
    let shape = "must be min_lon,min_lat,max_lon,max_lat in decimal degrees";
    let numbers: Vec<f64> = text
        .split(',')
        .map(|n| is_decimal(n).then(|| n.parse::<f64>().ok()).flatten())
        .collect::<Option<Vec<_>>>()
        .ok_or(shape)?;
    let [min_lon, min_lat, max_lon, max_lat] = numbers[..] else {
        return Err(shape);
    };
    let lon_ok = |x: f64| (-180.0..=180.0).contains(&x);
    let lat_ok = |x: f64| (-90.0..=90.0).contains(&x);
    if !(lon_ok(min_lon) && lon_ok(max_lon) && lat_ok(min_lat) && lat_ok(max_lat)) {
        return Err("longitudes must be in -180..180 and latitudes in -90..90");
    }
    if min_lon > max_lon || min_lat > max_lat {
        return Err("the minimum must not be above the maximum");
    }
    Ok([min_lon, min_lat, max_lon, max_lat])
}

/// Whether `text` is a plain decimal number, `-?[0-9]+(\.[0-9]+)?`, as the
/// document's pattern for `bbox` says (Rust reads more: `1e3`, `inf`, `+1`).
fn is_decimal(text: &str) -> bool {
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    match unsigned.split_once('.') {
        Some((whole, fraction)) => digits(whole) && digits(fraction),
        None => digits(unsigned),
    }
}

/// A log index in a path, `/v1/entries/{index}` and the like: a whole
/// number (digits only, as the document's `integer` with `minimum: 0`).
pub(crate) fn path_index(text: &str) -> Result<u64, Problem> {
    text.bytes().all(|b| b.is_ascii_digit()).then(|| text.parse::<u64>().ok()).flatten().ok_or_else(
        || bad_parameter("index", format!("must be a whole number from 0 to {}", u64::MAX)),
    )
}

/// Which of `offered` media types the request's `Accept` header prefers,
/// by quality value (RFC 9110, section 12.5.1); the first offered one when
/// there is no `Accept` or none of it matches, as a server may answer
/// anything when it cannot please the client.
pub(crate) fn preferred<'a>(headers: &HeaderMap, offered: &[&'a str]) -> &'a str {
    let default = offered[0];
    let Some(accept) = headers.get(header::ACCEPT).and_then(|a| a.to_str().ok()) else {
        return default;
    };
    // For each offered type, the quality of the most specific range that
    // matches it; a tie goes to the earlier offered type.
    let mut best = (0.0_f32, default);
    for &media_type in offered {
        let (kind, _) = media_type.split_once('/').unwrap_or((media_type, ""));
        let mut quality: Option<(u8, f32)> = None;
        for range in accept.split(',') {
            let mut parts = range.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default().to_ascii_lowercase();
            let specificity = if name == media_type {
                2
            } else if name.strip_suffix("/*") == Some(kind) {
                1
            } else if name == "*/*" {
                0
            } else {
                continue;
            };
            let q = parts
                .filter_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if quality.is_none_or(|(s, _)| specificity > s) {
                quality = Some((specificity, q));
            }
        }
        if let Some((_, q)) = quality
            && q > best.0
        {
            best = (q, media_type);
        }
    }
    best.1
}

/// Whether the client asked for GeoJSON rather than JSON.
pub(crate) fn wants_geojson(headers: &HeaderMap) -> bool {
    preferred(headers, &["application/json", "application/geo+json"]) == "application/geo+json"
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn parse(query: &str) -> Result<Params, Problem> {
        Params::parse(Some(query), &["bbox", "from", "to", "limit", "party"])
    }

    fn refused(query: &str) -> serde_json::Value {
        parse(query)
            .and_then(|p| {
                p.bbox()?;
                p.time_range()?;
                p.identifier("party")?;
                p.limit(100, 1000).map(|_| ())
            })
            .expect_err(query)
            .to_json()["parameter"]
            .clone()
    }

    #[test]
    fn each_refusal_names_its_parameter() {
        for (query, parameter) in [
            ("colour=red", "colour"),
            ("party=", "party"),
            ("party=ru&party=ua", "party"),
            ("bbox=1,2,3", "bbox"),
            ("bbox=37,49,36,50", "bbox"),
            ("bbox=200,0,201,1", "bbox"),
            ("bbox=1,2,3,NaN", "bbox"),
            ("bbox=1e1,2,3,4", "bbox"),
            ("bbox=1.,2,3,4", "bbox"),
            ("party=-ru", "party"),
            ("from=2025-11-14", "from"),
            ("from=2025-11-15T00:00:00Z&to=2025-11-14T00:00:00Z", "to"),
            ("limit=0", "limit"),
            ("limit=1001", "limit"),
        ] {
            assert_eq!(refused(query), json!(parameter), "{query}");
        }
        let params = parse("bbox=-36,49.5,37,50.5&party=ru%3A1&limit=7").expect("valid");
        assert_eq!(params.bbox().expect("bbox"), Some([-36.0, 49.5, 37.0, 50.5]));
        assert_eq!(params.identifier("party").expect("party"), Some("ru:1"));
        assert_eq!(params.limit(100, 1000).expect("limit"), 7);
    }

    #[test]
    fn path_indices_are_digits_within_u64() {
        assert_eq!(path_index("0").ok(), Some(0));
        assert_eq!(path_index("18446744073709551615").ok(), Some(u64::MAX));
        for text in ["-1", "+1", "1.0", "", "18446744073709551616", "x"] {
            assert_eq!(path_index(text).expect_err(text).to_json()["parameter"], json!("index"));
        }
    }

    #[test]
    fn accept_picks_by_quality_and_specificity() {
        let offered = ["application/json", "text/html", "text/markdown"];
        let pick = |accept: Option<&str>| {
            let mut headers = HeaderMap::new();
            if let Some(a) = accept {
                headers.insert(header::ACCEPT, HeaderValue::from_str(a).expect("header"));
            }
            preferred(&headers, &offered)
        };
        assert_eq!(pick(None), "application/json");
        assert_eq!(pick(Some("text/markdown")), "text/markdown");
        assert_eq!(pick(Some("text/html;q=0.5, text/markdown;q=0.9")), "text/markdown");
        assert_eq!(pick(Some("text/*")), "text/html");
        assert_eq!(pick(Some("text/*;q=0.2, text/markdown")), "text/markdown");
        assert_eq!(pick(Some("*/*")), "application/json");
        assert_eq!(pick(Some("image/png")), "application/json");
        assert_eq!(pick(Some("text/html;q=0")), "application/json");
    }
}
