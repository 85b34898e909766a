//! Coarsened locations, for readers who may not see where monitors and
//! civilians are: each point moves to the centre of its cell in a fixed
//! grid of about N km, its uncertainty grows to cover the whole cell, and
//! the fields that name a place precisely can be withheld.
//!
//! A fixed grid rather than random noise: asking again, or a thousand
//! times, tells nothing more than the cell, and the same log gives the
//! same coarse answer on every machine (the arithmetic is `libm`'s, as in
//! [`crate::geo`]).

use serde_json::{Map, Value};

use crate::daily::DailyReport;
use crate::findings::{Findings, Gap, Place};

/// Kilometres in a degree of latitude (the mean Earth radius,
/// 6,371.0088 km, times π/180).
const KM_PER_DEGREE: f64 = 111.195_08;

/// A grid of cells about `km` kilometres on each side: rows of equal
/// latitude, each cut into as many equal columns as fit cells at least
/// `km` wide where the row is widest.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Grid {
    km: f64,
    /// The height of a row, in degrees.
    row_degrees: f64,
}

impl Grid {
    /// A grid of `km` kilometres; `None` unless `km` is a finite number
    /// between 0.1 and 1,000.
    pub fn new(km: f64) -> Option<Grid> {
        (0.1..=1000.0).contains(&km).then(|| Grid { km, row_degrees: km / KM_PER_DEGREE })
    }

    /// The size of its cells, in kilometres.
    pub fn km(&self) -> f64 {
        self.km
    }

    /// The centre of the cell `(lat, lon)` is in, rounded to 1e-6 degrees
    /// (a tenth of a metre: nothing of the point is left in the digits).
    pub fn centre(&self, lat: f64, lon: f64) -> (f64, f64) {
        let rows = libm::ceil(180.0 / self.row_degrees);
        let row = libm::floor((lat.clamp(-90.0, 90.0) + 90.0) / self.row_degrees).min(rows - 1.0);
        let south = -90.0 + row * self.row_degrees;
        let north = (south + self.row_degrees).min(90.0);
        // The row is widest at its latitude nearest the equator.
        let widest = if south <= 0.0 && north >= 0.0 { 0.0 } else { south.abs().min(north.abs()) };
        let row_km = 360.0 * KM_PER_DEGREE * libm::cos(widest.to_radians());
        let columns = libm::floor(row_km / self.km).max(1.0);
        let column_degrees = 360.0 / columns;
        let column =
            libm::floor((lon.clamp(-180.0, 180.0) + 180.0) / column_degrees).min(columns - 1.0);
        let round = |x: f64| libm::round(x * 1e6) / 1e6;
        (round((south + north) / 2.0), round(-180.0 + (column + 0.5) * column_degrees))
    }

    /// The farthest a point of a cell can be from its centre, in metres:
    /// half the diagonal of the widest cell, rounded up.
    pub fn reach_m(&self) -> f64 {
        // A cell is at most twice as wide as tall (columns of a row are
        // cut at least `km` wide, and fewer than two fit in 2 * km).
        libm::ceil(self.km * 1000.0 * libm::sqrt(1.0 + 4.0) / 2.0)
    }
}

/// The location fields that can be withheld from readers of coarsened
/// locations, beyond the coordinates themselves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Withheld {
    /// The place name (a village, a street, a facility).
    Place,
    /// The second-level administrative unit (raion, hromada).
    Admin2,
    /// The names of the targets a report gives (a street, a building).
    TargetNames,
    /// The reports' and coverage entries' own words, which may name a
    /// place precisely.
    Summary,
}

impl Withheld {
    /// Every field, as spelled in the configuration.
    pub const ALL: [(&'static str, Withheld); 4] = [
        ("place", Withheld::Place),
        ("admin2", Withheld::Admin2),
        ("target_names", Withheld::TargetNames),
        ("summary", Withheld::Summary),
    ];

    /// The field named `name`.
    pub fn from_name(name: &str) -> Option<Withheld> {
        Withheld::ALL.iter().find(|(n, _)| *n == name).map(|(_, w)| *w)
    }
}

/// How locations are coarsened: the grid and the fields withheld.
#[derive(Clone, Debug, PartialEq)]
pub struct Coarsening {
    /// The grid points move to.
    pub grid: Grid,
    /// The fields left out.
    pub withheld: Vec<Withheld>,
}

impl Coarsening {
    fn withholds(&self, field: Withheld) -> bool {
        self.withheld.contains(&field)
    }

    /// A point with its uncertainty (metres), coarsened: the cell's centre,
    /// and an uncertainty that still covers every place the event may have
    /// been.
    pub fn point(&self, lat: f64, lon: f64, uncertainty_m: f64) -> (f64, f64, f64) {
        let (lat, lon) = self.grid.centre(lat, lon);
        (lat, lon, uncertainty_m + self.grid.reach_m())
    }

    /// An incident's place, coarsened.
    pub fn place(&self, place: &mut Place) {
        (place.lat, place.lon, place.uncertainty_m) =
            self.point(place.lat, place.lon, place.uncertainty_m);
        if self.withholds(Withheld::Place) {
            place.place = None;
        }
    }

    /// A coverage gap, coarsened.
    pub fn gap(&self, gap: &mut Gap) {
        (gap.lat, gap.lon, gap.radius_m) = self.point(gap.lat, gap.lon, gap.radius_m);
    }

    /// Findings, coarsened.
    pub fn findings(&self, findings: &mut Findings) {
        findings.incidents.iter_mut().for_each(|i| self.place(&mut i.location));
        findings.coverage_gaps.iter_mut().for_each(|g| self.gap(g));
    }

    /// A daily report, coarsened; its provenance says so (the
    /// `coarsened_km` parameter), so that its digest is never taken for
    /// that of the precise report.
    pub fn daily_report(&self, report: &mut DailyReport) {
        report.incidents.iter_mut().for_each(|i| self.place(&mut i.location));
        report.coverage_gaps.iter_mut().for_each(|g| self.gap(g));
        report.provenance.parameters.insert("coarsened_km".to_owned(), self.grid.km().into());
    }

    /// An entry's JSON, coarsened: a report's `location` and a coverage
    /// entry's `area` (other types hold no point of a report). Returns
    /// whether it changed anything.
    pub fn entry(&self, entry: &mut Value) -> bool {
        let Some(object) = entry.as_object_mut() else { return false };
        let mut changed = false;
        for (key, radius) in [("location", "uncertainty_m"), ("area", "radius_m")] {
            if let Some(Value::Object(location)) = object.get_mut(key) {
                changed |= self.location(location, radius);
            }
        }
        if !changed {
            return false;
        }
        if self.withholds(Withheld::Summary) {
            object.remove("summary");
            object.remove("summary_i18n");
        }
        if self.withholds(Withheld::TargetNames)
            && let Some(Value::Array(targets)) = object.get_mut("targets")
        {
            targets.iter_mut().filter_map(Value::as_object_mut).for_each(|t| {
                t.remove("name");
            });
        }
        true
    }

    fn location(&self, location: &mut Map<String, Value>, radius: &str) -> bool {
        let number = |key: &str| location.get(key).and_then(Value::as_f64);
        let (Some(lat), Some(lon)) = (number("lat"), number("lon")) else { return false };
        let (lat, lon, reach) = self.point(lat, lon, number(radius).unwrap_or(0.0));
        location.insert("lat".into(), lat.into());
        location.insert("lon".into(), lon.into());
        location.insert(radius.into(), reach.into());
        for (name, field) in [("place", Withheld::Place), ("admin2", Withheld::Admin2)] {
            if self.withholds(field) {
                location.remove(name);
            }
        }
        true
    }

    /// Whether the coarsened point of `(lat, lon)` is in `bbox`
    /// (`[min_lon, min_lat, max_lon, max_lat]`): the test a reader of
    /// coarsened locations filters by, so that a small box cannot find
    /// where in its cell a point is.
    pub fn in_bbox(&self, lat: f64, lon: f64, [a, b, c, d]: [f64; 4]) -> bool {
        let (lat, lon) = self.grid.centre(lat, lon);
        (a..=c).contains(&lon) && (b..=d).contains(&lat)
    }

    /// A box that holds every point whose cell's centre is in `bbox`: the
    /// box to ask an index for before filtering with
    /// [`Coarsening::in_bbox`].
    pub fn widened(&self, [a, b, c, d]: [f64; 4]) -> [f64; 4] {
        let rows = self.grid.row_degrees;
        let (south, north) = ((b - rows).max(-90.0), (d + rows).min(90.0));
        // Columns are widest in the row nearest a pole.
        let nearest_pole = south.abs().max(north.abs()).min(90.0);
        let widest_km = self.grid.km * 2.0;
        let cos = libm::cos(nearest_pole.to_radians());
        let columns = if cos * KM_PER_DEGREE * 360.0 <= widest_km {
            360.0
        } else {
            widest_km / (KM_PER_DEGREE * cos)
        };
        [(a - columns).max(-180.0), south, (c + columns).min(180.0), north]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ten_km() -> Coarsening {
        Coarsening {
            grid: Grid::new(10.0).expect("valid"),
            withheld: vec![Withheld::Place, Withheld::TargetNames],
        }
    }

    #[test]
    fn grids_are_between_100_m_and_1000_km() {
        assert!(Grid::new(0.0).is_none());
        assert!(Grid::new(f64::NAN).is_none());
        assert!(Grid::new(1000.5).is_none());
        assert!(Grid::new(0.1).is_some());
    }

    #[test]
    fn nearby_points_share_a_centre_and_the_centre_is_near() {
        let coarse = ten_km();
        // Two points 300 m apart in Kharkiv, in the same cell.
        let (a, b) = (coarse.grid.centre(49.9935, 36.2304), coarse.grid.centre(49.9962, 36.2304));
        assert_eq!(a, b);
        let distance = crate::geo::distance_m(
            crate::geo::Point { lat: 49.9935, lon: 36.2304 },
            crate::geo::Point { lat: a.0, lon: a.1 },
        );
        assert!(distance <= coarse.grid.reach_m(), "{distance} m from its centre");
    }

    #[test]
    fn an_entry_loses_its_precise_point_and_its_place_name() {
        let mut entry = serde_json::json!({"id": "r1", "summary": "School No. 5 hit",
            "targets": [{"category": "education", "name": "School No. 5"}],
            "location": {"lat": 49.9935, "lon": 36.2304, "uncertainty_m": 50,
                         "place": "School No. 5", "admin1": "Kharkivska"}});
        assert!(ten_km().entry(&mut entry));
        let location = &entry["location"];
        assert_ne!(location["lat"], 49.9935);
        assert!(location["uncertainty_m"].as_f64().expect("number") > 7_000.0);
        assert!(location.get("place").is_none());
        assert_eq!(location["admin1"], "Kharkivska");
        assert_eq!(entry["targets"], serde_json::json!([{"category": "education"}]));
        assert_eq!(entry["summary"], "School No. 5 hit", "summaries stay unless withheld");
        let mut with_summary = Coarsening { withheld: vec![Withheld::Summary], ..ten_km() };
        with_summary.withheld.push(Withheld::Place);
        let mut entry = entry.clone();
        with_summary.entry(&mut entry);
        assert!(entry.get("summary").is_none());
        let mut agreement = serde_json::json!({"zones": []});
        assert!(!ten_km().entry(&mut agreement));
    }

    proptest! {
        /// Every point is within the reach of its cell's centre, and in
        /// the widened box of any box that holds that centre.
        #[test]
        fn a_centre_is_within_reach_and_widened_boxes_hold_the_points(
            lat in -89.9f64..89.9, lon in -179.9f64..179.9, km in 1.0f64..200.0,
        ) {
            let coarse = Coarsening { grid: Grid::new(km).expect("valid"), withheld: vec![] };
            let (clat, clon) = coarse.grid.centre(lat, lon);
            let distance = crate::geo::distance_m(
                crate::geo::Point { lat, lon },
                crate::geo::Point { lat: clat, lon: clon },
            );
            prop_assert!(distance <= coarse.grid.reach_m() + 1.0, "{distance}");
            let [a, b, c, d] = coarse.widened([clon, clat, clon, clat]);
            prop_assert!((a..=c).contains(&lon) && (b..=d).contains(&lat));
            prop_assert_eq!(coarse.grid.centre(clat, clon), (clat, clon));
        }
    }
}
