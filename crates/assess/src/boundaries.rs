//! The borders drawn on Truce's maps: Ukraine and its neighbours, within
//! internationally recognised borders (Crimea is Ukraine), and Ukraine's
//! oblasts.
//!
//! The polygons come from Natural Earth's public-domain 1:10m countries in
//! the German point of view, clipped to the region and simplified; see
//! `data/boundaries/README.md` for the source and how to rebuild them. They
//! are for maps and labels only: no verdict depends on them, since an
//! agreement carries its own zones.

use std::sync::OnceLock;

use serde::Deserialize;
use truce_entry::Position;
use truce_i18n::Lang;

use crate::geo::{Point, in_polygon};

/// The boundaries as a GeoJSON `FeatureCollection` (RFC 7946): one
/// `MultiPolygon` feature per country with properties `iso_a3` and `name`.
pub const COUNTRIES_GEOJSON: &str = include_str!("../data/boundaries/countries.geojson");

/// Ukraine's first-level divisions (oblasts, Kyiv city, the Autonomous
/// Republic of Crimea, Sevastopol) as a GeoJSON `FeatureCollection`, each
/// feature with properties `name`, `name_uk`, `name_ru`, `iso` (ISO
/// 3166-2) and `aliases` (what reports may call it, lower case, without
/// apostrophes).
pub const OBLASTS_GEOJSON: &str = include_str!("../data/boundaries/oblasts.geojson");

/// The name of a region of Ukraine in `lang`, for a region named as a
/// report names it ("Kharkivska oblast", "Kharkiv", "Харківська область"):
/// `None` for a name the gazetteer does not know, which is then shown as
/// the source wrote it. English keeps the source's own spelling.
pub fn region_name(reported: &str, lang: Lang) -> Option<&'static str> {
    #[derive(Deserialize)]
    struct Collection {
        features: Vec<Feature>,
    }
    #[derive(Deserialize)]
    struct Feature {
        properties: Division,
    }
    #[derive(Deserialize)]
    struct Division {
        name_uk: String,
        name_ru: String,
        aliases: Vec<String>,
    }
    static DIVISIONS: OnceLock<Vec<Division>> = OnceLock::new();
    let divisions = DIVISIONS.get_or_init(|| {
        serde_json::from_str::<Collection>(OBLASTS_GEOJSON)
            .map(|c| c.features.into_iter().map(|f| f.properties).collect())
            .unwrap_or_default()
    });
    let key = reported
        .to_lowercase()
        .replace(['\'', '’', 'ʼ'], "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let division = divisions.iter().find(|d| d.aliases.contains(&key))?;
    match lang {
        Lang::En => None,
        Lang::Uk => Some(&division.name_uk),
        Lang::Ru => Some(&division.name_ru),
    }
}

/// One country's outline.
#[derive(Clone, Debug)]
pub struct Country {
    /// ISO 3166-1 alpha-3 code, such as `UKR`.
    pub iso_a3: String,
    /// English short name.
    pub name: String,
    /// Its polygons: each an outer ring then its holes, `[lon, lat]`.
    pub polygons: Vec<Vec<Vec<Position>>>,
}

impl Country {
    /// Whether the point lies inside the country's outline.
    pub fn contains(&self, p: Point) -> bool {
        self.polygons.iter().any(|rings| in_polygon(p, rings))
    }
}

/// The countries, parsed once, sorted by code.
pub fn countries() -> &'static [Country] {
    static COUNTRIES: OnceLock<Vec<Country>> = OnceLock::new();
    COUNTRIES.get_or_init(|| {
        #[derive(Deserialize)]
        struct Collection {
            features: Vec<Feature>,
        }
        #[derive(Deserialize)]
        struct Feature {
            properties: Properties,
            geometry: MultiPolygon,
        }
        #[derive(Deserialize)]
        struct Properties {
            iso_a3: String,
            name: String,
        }
        #[derive(Deserialize)]
        struct MultiPolygon {
            coordinates: Vec<Vec<Vec<[f64; 2]>>>,
        }
        // The file is part of this crate and checked by its tests, so
        // parsing is not an input path.
        let collection: Collection = serde_json::from_str(COUNTRIES_GEOJSON)
            .expect("the bundled boundaries are valid GeoJSON");
        collection
            .features
            .into_iter()
            .map(|f| Country {
                iso_a3: f.properties.iso_a3,
                name: f.properties.name,
                polygons: f
                    .geometry
                    .coordinates
                    .into_iter()
                    .map(|polygon| {
                        polygon
                            .into_iter()
                            .map(|ring| {
                                ring.into_iter().map(|[lon, lat]| Position { lon, lat }).collect()
                            })
                            .collect()
                    })
                    .collect(),
            })
            .collect()
    })
}

/// The country a point lies in, if it lies in one of the mapped countries.
pub fn country_at(p: Point) -> Option<&'static Country> {
    countries().iter().find(|c| c.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(lat: f64, lon: f64) -> Option<&'static str> {
        country_at(Point { lat, lon }).map(|c| c.iso_a3.as_str())
    }

    #[test]
    fn crimea_is_ukraine() {
        assert_eq!(code(44.952, 34.102), Some("UKR"), "Simferopol");
        assert_eq!(code(44.585, 33.545), Some("UKR"), "Sevastopol");
        assert_eq!(code(45.357, 36.468), Some("UKR"), "Kerch");
        assert_eq!(code(45.190, 33.367), Some("UKR"), "Yevpatoria");
    }

    #[test]
    fn the_region_is_mapped() {
        assert_eq!(code(50.450, 30.523), Some("UKR"), "Kyiv");
        assert_eq!(code(48.015, 37.803), Some("UKR"), "Donetsk");
        assert_eq!(code(47.097, 37.543), Some("UKR"), "Mariupol");
        assert_eq!(code(47.222, 39.720), Some("RUS"), "Rostov-on-Don");
        assert_eq!(code(45.035, 38.975), Some("RUS"), "Krasnodar");
        assert_eq!(code(53.902, 27.561), Some("BLR"), "Minsk");
        assert_eq!(code(47.011, 28.863), Some("MDA"), "Chisinau");
        assert_eq!(code(52.230, 21.011), Some("POL"), "Warsaw");
        assert_eq!(code(44.426, 26.102), Some("ROU"), "Bucharest");
        // The Black Sea and the Sea of Azov belong to nobody on the map.
        assert_eq!(code(43.5, 34.0), None);
        assert_eq!(code(46.2, 36.5), None);
    }

    /// The ISO 3166-2 codes of the oblasts (and cities with their status)
    /// whose outlines hold the point.
    fn oblasts_at(lat: f64, lon: f64) -> Vec<String> {
        let collection: serde_json::Value =
            serde_json::from_str(OBLASTS_GEOJSON).expect("valid GeoJSON");
        let ring = |r: &serde_json::Value| -> Vec<Position> {
            let points = r.as_array().expect("a ring");
            points
                .iter()
                .map(|p| Position {
                    lon: p[0].as_f64().expect("lon"),
                    lat: p[1].as_f64().expect("lat"),
                })
                .collect()
        };
        let polygon = |p: &serde_json::Value| -> Vec<Vec<Position>> {
            p.as_array().expect("a polygon").iter().map(ring).collect()
        };
        let features = collection["features"].as_array().expect("features");
        assert_eq!(features.len(), 27, "24 oblasts, Kyiv, Crimea and Sevastopol");
        features
            .iter()
            .filter(|f| {
                let g = &f["geometry"];
                let polygons: Vec<Vec<Vec<Position>>> = match g["type"].as_str() {
                    Some("Polygon") => vec![polygon(&g["coordinates"])],
                    Some("MultiPolygon") => {
                        g["coordinates"].as_array().expect("polygons").iter().map(polygon).collect()
                    }
                    other => panic!("unexpected geometry {other:?}"),
                };
                polygons.iter().any(|rings| in_polygon(Point { lat, lon }, rings))
            })
            .map(|f| f["properties"]["iso"].as_str().expect("an ISO code").to_owned())
            .collect()
    }

    #[test]
    fn regions_are_named_in_each_language_as_reports_name_them() {
        assert_eq!(region_name("Kharkivska oblast", Lang::Uk), Some("Харківська область"));
        assert_eq!(region_name("Kharkiv Oblast", Lang::Ru), Some("Харьковская область"));
        assert_eq!(region_name("Odes'ka Oblast'", Lang::Uk), Some("Одеська область"));
        assert_eq!(region_name("  zaporizka   OBLAST ", Lang::Ru), Some("Запорожская область"));
        assert_eq!(region_name("Kyiv", Lang::Uk), Some("Київ"));
        assert_eq!(region_name("Kyivska oblast", Lang::Uk), Some("Київська область"));
        assert_eq!(region_name("Харківська область", Lang::Ru), Some("Харьковская область"));
        assert_eq!(
            region_name("Автономна Республіка Крим", Lang::Ru),
            Some("Автономная Республика Крым")
        );
        assert_eq!(
            region_name("Kharkivska oblast", Lang::En),
            None,
            "English keeps the source's words"
        );
        assert_eq!(region_name("Krasnodar Krai", Lang::Uk), None, "not a region of Ukraine");
    }

    #[test]
    fn crimea_and_sevastopol_are_ukrainian_divisions() {
        assert_eq!(oblasts_at(44.952, 34.102), ["UA-43"], "Simferopol");
        assert_eq!(oblasts_at(44.585, 33.545), ["UA-40"], "Sevastopol");
        assert_eq!(oblasts_at(49.990, 36.230), ["UA-63"], "Kharkiv");
        assert_eq!(oblasts_at(49.840, 24.030), ["UA-46"], "Lviv");
        assert_eq!(oblasts_at(50.450, 30.523), ["UA-30"], "Kyiv city, not Kyiv Oblast");
        assert_eq!(oblasts_at(48.015, 37.803), ["UA-14"], "Donetsk");
        assert!(oblasts_at(47.222, 39.720).is_empty(), "Rostov-on-Don is not in Ukraine");
    }

    #[test]
    fn every_country_is_well_formed() {
        let countries = countries();
        assert!(countries.windows(2).all(|w| w[0].iso_a3 < w[1].iso_a3));
        for c in countries {
            assert!(!c.polygons.is_empty(), "{}", c.iso_a3);
            for ring in c.polygons.iter().flatten() {
                assert!(ring.len() >= 4 && ring.first() == ring.last(), "{}", c.iso_a3);
            }
        }
    }
}
