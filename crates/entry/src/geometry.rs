//! GeoJSON geometries (RFC 7946) for agreement zones: points, lines and
//! polygons, in WGS 84 `[longitude, latitude]` order.

use serde_json::{Value, json};

use crate::check::{Checker, Field, ObjectReader, kind_of};

/// A position: longitude and latitude in decimal degrees, WGS 84.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Position {
    /// Longitude, -180 to 180.
    pub lon: f64,
    /// Latitude, -90 to 90.
    pub lat: f64,
}

/// A GeoJSON geometry of one of the types an agreement zone can have.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Geometry {
    /// A single position (with a buffer, a circle).
    Point(Position),
    /// A line of two or more positions (with a buffer, a strip along a
    /// line of contact).
    LineString(Vec<Position>),
    /// A polygon: an outer ring and any holes; each ring closed.
    Polygon(Vec<Vec<Position>>),
    /// Several polygons.
    MultiPolygon(Vec<Vec<Vec<Position>>>),
}

const TYPES: &[&str] = &["Point", "LineString", "Polygon", "MultiPolygon"];

impl Field for Geometry {
    fn read(value: &Value, at: &mut Checker) -> Option<Self> {
        let object = ObjectReader::new(value, at, &["type", "coordinates"], &[])?;
        let kind: Option<String> = object.member::<GeometryType>(at, "type").map(|t| t.0);
        let coordinates = value.get("coordinates");
        if coordinates.is_none() {
            at.problem_at("coordinates", "is required");
        }
        let (kind, coordinates) = (kind?, coordinates?);
        at.at_key("coordinates", |at| match kind.as_str() {
            "Point" => read_position(coordinates, at).map(Geometry::Point),
            "LineString" => read_line(coordinates, at).map(Geometry::LineString),
            "Polygon" => read_polygon(coordinates, at).map(Geometry::Polygon),
            _ => read_array(coordinates, at, 1, read_polygon).map(Geometry::MultiPolygon),
        })
    }

    fn write(&self) -> Value {
        let (kind, coordinates) = match self {
            Geometry::Point(p) => ("Point", write_position(p)),
            Geometry::LineString(line) => ("LineString", write_line(line)),
            Geometry::Polygon(rings) => ("Polygon", write_polygon(rings)),
            Geometry::MultiPolygon(polygons) => {
                ("MultiPolygon", Value::Array(polygons.iter().map(|p| write_polygon(p)).collect()))
            }
        };
        json!({"type": kind, "coordinates": coordinates})
    }

    fn schema() -> Value {
        let position = json!({
            "type": "array",
            "prefixItems": [
                {"type": "number", "minimum": -180, "maximum": 180},
                {"type": "number", "minimum": -90, "maximum": 90}
            ],
            "minItems": 2,
            "maxItems": 2
        });
        let line = json!({"type": "array", "items": position, "minItems": 2});
        let ring = json!({"type": "array", "items": position, "minItems": 4});
        let polygon = json!({"type": "array", "items": ring, "minItems": 1});
        let shape = |kind: &str, coordinates: &Value| {
            json!({
                "type": "object",
                "properties": {"type": {"const": kind}, "coordinates": coordinates},
                "required": ["type", "coordinates"],
                "additionalProperties": false
            })
        };
        json!({
            "description": "A GeoJSON geometry (RFC 7946), positions as [longitude, latitude]. Polygon rings are closed: the last position equals the first.",
            "oneOf": [
                shape("Point", &position),
                shape("LineString", &line),
                shape("Polygon", &polygon),
                shape("MultiPolygon", &json!({"type": "array", "items": polygon, "minItems": 1})),
            ]
        })
    }
}

impl serde::Serialize for Geometry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.write().serialize(s)
    }
}

/// The `type` member of a geometry.
struct GeometryType(String);

impl Field for GeometryType {
    fn read(value: &Value, at: &mut Checker) -> Option<Self> {
        let Some(word) = value.as_str() else {
            at.problem(format!("must be a string, not {}", kind_of(value)));
            return None;
        };
        if TYPES.contains(&word) {
            Some(GeometryType(word.to_owned()))
        } else {
            at.problem(crate::check::unknown_word(word, TYPES));
            None
        }
    }

    fn write(&self) -> Value {
        Value::String(self.0.clone())
    }

    fn schema() -> Value {
        json!({"enum": TYPES})
    }
}

fn read_array<T>(
    value: &Value,
    at: &mut Checker,
    min: usize,
    item: impl Fn(&Value, &mut Checker) -> Option<T>,
) -> Option<Vec<T>> {
    let Some(items) = value.as_array() else {
        at.problem(format!("must be an array, not {}", kind_of(value)));
        return None;
    };
    if items.len() < min {
        at.problem(format!("must hold at least {min} positions or parts"));
        return None;
    }
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, v) in items.iter().enumerate() {
        match at.at_index(i, |at| item(v, at)) {
            Some(x) => out.push(x),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn read_position(value: &Value, at: &mut Checker) -> Option<Position> {
    let pair = value.as_array().filter(|a| a.len() == 2);
    let Some([lon, lat]) = pair.map(|a| [&a[0], &a[1]]) else {
        at.problem("must be a position [longitude, latitude]");
        return None;
    };
    let lon = at.at_index(0, |at| coordinate(lon, at, 180.0, "longitude"));
    let lat = at.at_index(1, |at| coordinate(lat, at, 90.0, "latitude"));
    Some(Position { lon: lon?, lat: lat? })
}

fn coordinate(value: &Value, at: &mut Checker, limit: f64, name: &str) -> Option<f64> {
    match value.as_f64() {
        Some(x) if (-limit..=limit).contains(&x) => Some(x),
        Some(_) => {
            at.problem(format!("{name} must be between -{limit} and {limit}"));
            None
        }
        None => {
            at.problem(format!("{name} must be a number, not {}", kind_of(value)));
            None
        }
    }
}

fn read_line(value: &Value, at: &mut Checker) -> Option<Vec<Position>> {
    read_array(value, at, 2, read_position)
}

fn read_polygon(value: &Value, at: &mut Checker) -> Option<Vec<Vec<Position>>> {
    read_array(value, at, 1, |ring, at| {
        let positions = read_array(ring, at, 4, read_position)?;
        if positions.first() != positions.last() {
            at.problem("ring must be closed: its last position must equal its first");
            return None;
        }
        Some(positions)
    })
}

fn write_position(p: &Position) -> Value {
    json!([p.lon, p.lat])
}

fn write_line(line: &[Position]) -> Value {
    Value::Array(line.iter().map(write_position).collect())
}

fn write_polygon(rings: &[Vec<Position>]) -> Value {
    Value::Array(rings.iter().map(|r| write_line(r)).collect())
}
