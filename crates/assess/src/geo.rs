//! Distances and containment on the earth, computed the same way on every
//! machine.
//!
//! Verdicts turn on distances (is the strike within the buffer zone?), so a
//! last-bit difference between two machines' `sin` could flip a finding.
//! Every transcendental function here comes from `libm`, a pure-Rust port
//! of musl's math library, which gives the same bits everywhere; the rest is
//! IEEE 754 arithmetic, which Rust never fuses or reorders.

use truce_entry::{Geometry, Position};

/// The mean earth radius, in metres (IUGG).
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A point in decimal degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

impl From<Position> for Point {
    fn from(p: Position) -> Point {
        Point { lat: p.lat, lon: p.lon }
    }
}

/// The great-circle distance in metres (haversine).
pub fn distance_m(a: Point, b: Point) -> f64 {
    let (phi1, phi2) = (a.lat.to_radians(), b.lat.to_radians());
    let dphi = phi2 - phi1;
    let dlambda = (b.lon - a.lon).to_radians();
    let h = libm::sin(dphi / 2.0).powi(2)
        + libm::cos(phi1) * libm::cos(phi2) * libm::sin(dlambda / 2.0).powi(2);
    2.0 * EARTH_RADIUS_M * libm::asin(libm::sqrt(h.min(1.0)))
}

/// The distance in metres from `p` to the segment `a`–`b`, on a local
/// equirectangular projection around `p`: exact enough for buffer zones of
/// tens of kilometres, and the same on every machine.
fn distance_to_segment_m(p: Point, a: Point, b: Point) -> f64 {
    let k = libm::cos(p.lat.to_radians());
    let project = |q: Point| ((q.lon - p.lon) * k, q.lat - p.lat);
    let (ax, ay) = project(a);
    let (bx, by) = project(b);
    let (dx, dy) = (bx - ax, by - ay);
    let length2 = dx * dx + dy * dy;
    let t = if length2 == 0.0 { 0.0 } else { (-(ax * dx + ay * dy) / length2).clamp(0.0, 1.0) };
    let closest = Point { lon: p.lon + (ax + t * dx) / k, lat: p.lat + ay + t * dy };
    distance_m(p, closest)
}

/// Whether `p` is inside the ring (even-odd rule; a point on the boundary
/// may fall either way, the same way on every machine).
fn in_ring(p: Point, ring: &[Position]) -> bool {
    let mut inside = false;
    for pair in ring.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if (a.lat > p.lat) != (b.lat > p.lat) {
            let lon_at = a.lon + (p.lat - a.lat) / (b.lat - a.lat) * (b.lon - a.lon);
            if p.lon < lon_at {
                inside = !inside;
            }
        }
    }
    inside
}

/// Whether `p` is inside the outer ring and outside every hole.
pub(crate) fn in_polygon(p: Point, rings: &[Vec<Position>]) -> bool {
    match rings.split_first() {
        Some((outer, holes)) => in_ring(p, outer) && !holes.iter().any(|h| in_ring(p, h)),
        None => false,
    }
}

fn distance_to_rings_m(p: Point, rings: &[Vec<Position>]) -> f64 {
    rings
        .iter()
        .flat_map(|ring| ring.windows(2))
        .map(|w| distance_to_segment_m(p, w[0].into(), w[1].into()))
        .fold(f64::INFINITY, f64::min)
}

/// The distance in metres from `p` to a geometry: 0 inside a polygon.
pub fn distance_to_geometry_m(p: Point, geometry: &Geometry) -> f64 {
    match geometry {
        Geometry::Point(q) => distance_m(p, (*q).into()),
        Geometry::LineString(line) => match line.as_slice() {
            [only] => distance_m(p, (*only).into()),
            _ => line
                .windows(2)
                .map(|w| distance_to_segment_m(p, w[0].into(), w[1].into()))
                .fold(f64::INFINITY, f64::min),
        },
        Geometry::Polygon(rings) => {
            if in_polygon(p, rings) {
                0.0
            } else {
                distance_to_rings_m(p, rings)
            }
        }
        Geometry::MultiPolygon(polygons) => polygons
            .iter()
            .map(|rings| if in_polygon(p, rings) { 0.0 } else { distance_to_rings_m(p, rings) })
            .fold(f64::INFINITY, f64::min),
        _ => f64::INFINITY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KYIV: Point = Point { lat: 50.4501, lon: 30.5234 };
    const KHARKIV: Point = Point { lat: 49.9935, lon: 36.2304 };

    #[test]
    fn haversine_distances() {
        let d = distance_m(KYIV, KHARKIV);
        assert!((d - 410_000.0).abs() < 2_000.0, "{d}");
        assert_eq!(distance_m(KYIV, KYIV), 0.0);
        // One degree of latitude is about 111.2 km.
        let d = distance_m(Point { lat: 0.0, lon: 0.0 }, Point { lat: 1.0, lon: 0.0 });
        assert!((d - 111_195.0).abs() < 10.0, "{d}");
    }

    #[test]
    fn polygons_and_lines() {
        let square = |x0: f64, y0: f64, x1: f64, y1: f64| {
            vec![
                Position { lon: x0, lat: y0 },
                Position { lon: x1, lat: y0 },
                Position { lon: x1, lat: y1 },
                Position { lon: x0, lat: y1 },
                Position { lon: x0, lat: y0 },
            ]
        };
        let polygon = Geometry::Polygon(vec![square(30.0, 46.0, 31.0, 47.0)]);
        assert_eq!(distance_to_geometry_m(Point { lat: 46.5, lon: 30.5 }, &polygon), 0.0);
        let outside = distance_to_geometry_m(Point { lat: 46.5, lon: 31.1 }, &polygon);
        assert!((outside - 7_650.0).abs() < 100.0, "{outside}");
        let holed =
            Geometry::Polygon(vec![square(30.0, 46.0, 31.0, 47.0), square(30.4, 46.4, 30.6, 46.6)]);
        assert!(distance_to_geometry_m(Point { lat: 46.5, lon: 30.5 }, &holed) > 0.0);
        let line = Geometry::LineString(vec![
            Position { lon: 35.0, lat: 47.0 },
            Position { lon: 35.0, lat: 48.0 },
        ]);
        let d = distance_to_geometry_m(Point { lat: 47.5, lon: 35.1 }, &line);
        assert!((d - 7_520.0).abs() < 100.0, "{d}");
        let beyond_end = distance_to_geometry_m(Point { lat: 48.1, lon: 35.0 }, &line);
        assert!((beyond_end - 11_120.0).abs() < 50.0, "{beyond_end}");
    }
}
