//! The simulated world: the places struck, the front line, the sources
//! that watch them and the agreements they are judged against.

use serde_json::{Value, json};

/// How close a place is to the war, which decides what strikes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Setting {
    /// Far from the front: missiles and long-range drones.
    Rear,
    /// Within artillery, glide-bomb or short-range drone reach.
    NearFront,
    /// In Russia: long-range drones from Ukraine.
    Russia,
}

/// A city or town that strikes fall on.
pub(crate) struct Place {
    pub(crate) name: &'static str,
    pub(crate) lat: f64,
    pub(crate) lon: f64,
    /// Oblast (region).
    pub(crate) admin1: &'static str,
    /// How far from the centre strikes fall, in metres.
    pub(crate) radius_m: f64,
    pub(crate) setting: Setting,
    pub(crate) port: bool,
    /// How often it is struck, relative to the others.
    pub(crate) weight: u32,
}

const fn place(
    name: &'static str,
    (lat, lon): (f64, f64),
    admin1: &'static str,
    radius_km: f64,
    setting: Setting,
    port: bool,
    weight: u32,
) -> Place {
    Place { name, lat, lon, admin1, radius_m: radius_km * 1000.0, setting, port, weight }
}

use Setting::{NearFront, Rear, Russia};

pub(crate) const PLACES: &[Place] = &[
    place("Kyiv", (50.4501, 30.5234), "Kyiv", 12.0, Rear, false, 60),
    place("Kharkiv", (49.9935, 36.2304), "Kharkivska oblast", 10.0, NearFront, false, 90),
    place("Odesa", (46.4825, 30.7233), "Odeska oblast", 9.0, Rear, true, 60),
    place("Dnipro", (48.4647, 35.0462), "Dnipropetrovska oblast", 10.0, Rear, false, 45),
    place("Zaporizhzhia", (47.8388, 35.1396), "Zaporizka oblast", 9.0, NearFront, false, 80),
    place("Kherson", (46.6354, 32.6169), "Khersonska oblast", 7.0, NearFront, true, 90),
    place("Mykolaiv", (46.9750, 31.9946), "Mykolaivska oblast", 7.0, Rear, true, 30),
    place("Sumy", (50.9077, 34.7981), "Sumska oblast", 6.0, NearFront, false, 60),
    place("Chernihiv", (51.4982, 31.2893), "Chernihivska oblast", 6.0, Rear, false, 20),
    place("Poltava", (49.5883, 34.5514), "Poltavska oblast", 5.0, Rear, false, 15),
    place("Kryvyi Rih", (47.9105, 33.3918), "Dnipropetrovska oblast", 9.0, Rear, false, 25),
    place("Kramatorsk", (48.7389, 37.5848), "Donetska oblast", 5.0, NearFront, false, 40),
    place("Sloviansk", (48.8533, 37.6047), "Donetska oblast", 5.0, NearFront, false, 35),
    place("Pavlohrad", (48.5350, 35.8700), "Dnipropetrovska oblast", 4.0, Rear, false, 12),
    place("Nikopol", (47.5712, 34.3963), "Dnipropetrovska oblast", 4.0, NearFront, false, 70),
    place("Izmail", (45.3516, 28.8365), "Odeska oblast", 4.0, Rear, true, 10),
    place("Chornomorsk", (46.3009, 30.6556), "Odeska oblast", 3.0, Rear, true, 12),
    place("Vinnytsia", (49.2331, 28.4682), "Vinnytska oblast", 5.0, Rear, false, 8),
    place("Lviv", (49.8397, 24.0297), "Lvivska oblast", 6.0, Rear, false, 8),
    place("Ivano-Frankivsk", (48.9226, 24.7111), "Ivano-Frankivska oblast", 4.0, Rear, false, 5),
    place("Burshtyn", (49.2136, 24.6641), "Ivano-Frankivska oblast", 3.0, Rear, false, 4),
    place("Kremenchuk", (49.0659, 33.4204), "Poltavska oblast", 5.0, Rear, false, 12),
    place("Cherkasy", (49.4444, 32.0598), "Cherkaska oblast", 5.0, Rear, false, 6),
    place("Zhytomyr", (50.2547, 28.6587), "Zhytomyrska oblast", 5.0, Rear, false, 6),
    place("Bila Tserkva", (49.7968, 30.1311), "Kyivska oblast", 4.0, Rear, false, 6),
    place("Okhtyrka", (50.3103, 34.8988), "Sumska oblast", 3.0, NearFront, false, 20),
    place("Konotop", (51.2403, 33.2026), "Sumska oblast", 3.0, NearFront, false, 15),
    place("Kupiansk", (49.7106, 37.6156), "Kharkivska oblast", 3.0, NearFront, false, 40),
    place("Belgorod", (50.5997, 36.5983), "Belgorod oblast", 7.0, Russia, false, 20),
    place("Kursk", (51.7373, 36.1874), "Kursk oblast", 7.0, Russia, false, 10),
    place("Bryansk", (53.2521, 34.3717), "Bryansk oblast", 6.0, Russia, false, 8),
    place("Voronezh", (51.6608, 39.2003), "Voronezh oblast", 8.0, Russia, false, 6),
    place("Rostov-on-Don", (47.2357, 39.7015), "Rostov oblast", 8.0, Russia, false, 5),
    place("Novorossiysk", (44.7239, 37.7688), "Krasnodar krai", 5.0, Russia, true, 5),
    place("Tuapse", (44.1053, 39.0802), "Krasnodar krai", 3.0, Russia, true, 5),
];

/// The line of contact, roughly as it stood in late 2025, from the Dnipro
/// delta to the state border north of Kharkiv: (lat, lon, oblast).
pub(crate) const FRONT_LINE: &[(f64, f64, &str)] = &[
    (46.50, 32.10, "Khersonska oblast"),
    (46.62, 32.75, "Khersonska oblast"),
    (46.78, 33.40, "Khersonska oblast"),
    (47.40, 34.30, "Zaporizka oblast"),
    (47.50, 34.65, "Zaporizka oblast"),
    (47.44, 35.28, "Zaporizka oblast"),
    (47.52, 35.80, "Zaporizka oblast"),
    (47.66, 36.26, "Zaporizka oblast"),
    (47.84, 36.83, "Donetska oblast"),
    (48.28, 37.18, "Donetska oblast"),
    (48.53, 37.72, "Donetska oblast"),
    (48.59, 37.84, "Donetska oblast"),
    (48.87, 38.10, "Donetska oblast"),
    (49.00, 37.80, "Donetska oblast"),
    (49.71, 37.62, "Kharkivska oblast"),
    (50.29, 36.94, "Kharkivska oblast"),
    (50.40, 36.30, "Kharkivska oblast"),
];

/// What a source is, for the simulation: who it is and where it looks.
pub(crate) struct SourceSpec {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) role: &'static str,
    pub(crate) organisation: &'static str,
    pub(crate) party: Option<&'static str>,
    pub(crate) reliability: &'static str,
    /// For monitors and sensors: the point they watch from and how far
    /// they see, in metres.
    pub(crate) watch: Option<(f64, f64, f64)>,
}

const MISSION: &str = "Ceasefire Monitoring Mission";

const fn source(
    id: &'static str,
    name: &'static str,
    role: &'static str,
    organisation: &'static str,
    party: Option<&'static str>,
    reliability: &'static str,
    watch: Option<(f64, f64, f64)>,
) -> SourceSpec {
    SourceSpec { id, name, role, organisation, party, reliability, watch }
}

pub(crate) const SOURCES: &[SourceSpec] = &[
    source(
        "omm-kyiv",
        "Monitoring team Kyiv",
        "monitor",
        MISSION,
        None,
        "A",
        Some((50.45, 30.52, 120_000.0)),
    ),
    source(
        "omm-kharkiv",
        "Monitoring team Kharkiv",
        "monitor",
        MISSION,
        None,
        "A",
        Some((49.99, 36.23, 130_000.0)),
    ),
    source(
        "omm-dnipro",
        "Monitoring team Dnipro",
        "monitor",
        MISSION,
        None,
        "A",
        Some((48.46, 35.05, 150_000.0)),
    ),
    source(
        "omm-zaporizhzhia",
        "Monitoring team Zaporizhzhia",
        "monitor",
        MISSION,
        None,
        "A",
        Some((47.84, 35.14, 110_000.0)),
    ),
    source(
        "omm-south",
        "Monitoring team South",
        "monitor",
        MISSION,
        None,
        "A",
        Some((46.80, 31.90, 200_000.0)),
    ),
    source(
        "omm-donetsk",
        "Monitoring team Donetsk",
        "monitor",
        MISSION,
        None,
        "A",
        Some((48.74, 37.58, 90_000.0)),
    ),
    source(
        "sensor-kharkiv-north",
        "Acoustic and radar station Kharkiv-North",
        "sensor",
        MISSION,
        None,
        "B",
        Some((50.06, 36.29, 60_000.0)),
    ),
    source(
        "sensor-zaporizhzhia",
        "Acoustic and radar station Zaporizhzhia",
        "sensor",
        MISSION,
        None,
        "B",
        Some((47.84, 35.14, 60_000.0)),
    ),
    source(
        "sensor-odesa",
        "Acoustic and radar station Odesa",
        "sensor",
        MISSION,
        None,
        "B",
        Some((46.48, 30.72, 60_000.0)),
    ),
    source(
        "sensor-kramatorsk",
        "Acoustic and radar station Kramatorsk",
        "sensor",
        MISSION,
        None,
        "B",
        Some((48.74, 37.58, 60_000.0)),
    ),
    source(
        "ua-liaison",
        "Liaison officer of Ukraine to the Joint Coordination Centre",
        "party",
        "General Staff of the Armed Forces of Ukraine",
        Some("ua"),
        "D",
        None,
    ),
    source(
        "ua-emergency",
        "State Emergency Service of Ukraine",
        "party",
        "State Emergency Service of Ukraine",
        Some("ua"),
        "C",
        None,
    ),
    source(
        "ru-liaison",
        "Liaison officer of the Russian Federation to the Joint Coordination Centre",
        "party",
        "Ministry of Defence of the Russian Federation",
        Some("ru"),
        "D",
        None,
    ),
    source(
        "ru-regional",
        "Regional governors' press offices of the Russian Federation",
        "party",
        "Government of the Russian Federation",
        Some("ru"),
        "D",
        None,
    ),
    source(
        "osint-geoloc",
        "Open Geolocation Project",
        "osint",
        "Open Geolocation Project",
        None,
        "B",
        None,
    ),
    source("osint-fires", "Fire Detection Watch", "osint", "Fire Detection Watch", None, "C", None),
    source(
        "osint-frontline",
        "Frontline Mapping Collective",
        "osint",
        "Frontline Mapping Collective",
        None,
        "C",
        None,
    ),
    source(
        "media-wire",
        "International Wire Service",
        "media",
        "International Wire Service",
        None,
        "B",
        None,
    ),
    source("media-kyiv", "Kyiv Daily", "media", "Kyiv Daily", None, "C", None),
    source("media-dnipro", "Dnipro Wire", "media", "Dnipro Wire", None, "C", None),
    source("media-south", "Black Sea News", "media", "Black Sea News", None, "C", None),
    source("media-moscow", "Moscow Evening", "media", "Moscow Evening", None, "D", None),
    source("media-channel", "Front Channel (messaging)", "media", "Front Channel", None, "E", None),
    source("analyst-1", "Mission analyst 1", "analyst", MISSION, None, "A", None),
    source("analyst-2", "Mission analyst 2", "analyst", MISSION, None, "A", None),
];

/// The agreements the simulated log holds, valid for `from` to `to`
/// (RFC 3339).
pub(crate) fn agreements(from: &str, to: &str) -> Vec<Value> {
    let aerial =
        ["missile_strike", "drone_strike", "air_strike", "guided_bomb", "artillery", "mlrs"];
    let parties =
        json!([{"id": "ua", "name": "Ukraine"}, {"id": "ru", "name": "Russian Federation"}]);
    vec![
        json!({
            "type": "truce.agreement/v1",
            "agreement": "sim-energy-moratorium",
            "title": "Moratorium on strikes against energy and heating infrastructure",
            "summary": "Both parties refrain from striking energy generation, transmission, fuel and heating infrastructure.",
            "parties": parties,
            "in_force": {"from": from, "to": to},
            "rules": [{
                "id": "energy",
                "title": "No strikes on energy and heating infrastructure",
                "text": "Neither party shall strike energy generation, transmission and distribution facilities, nuclear power plants, hydroelectric dams, refineries, pipelines, fuel storage, gas installations or district heating.",
                "binds": ["ua", "ru"],
                "prohibited": aerial,
                "protected": ["energy_generation", "energy_transmission", "nuclear", "hydro_dam", "fuel_refinery", "fuel_pipeline", "fuel_storage", "gas", "heating"]
            }],
            "parameters": {"time_tolerance_minutes": 30, "distance_tolerance_m": 2000}
        }),
        json!({
            "type": "truce.agreement/v1",
            "agreement": "sim-civilian-protection",
            "title": "Protection of homes, hospitals, schools and ports",
            "summary": "Both parties refrain from striking homes, medical and educational facilities, and the ports of the Black Sea coast.",
            "parties": parties,
            "in_force": {"from": from, "to": to},
            "zones": [{
                "id": "black-sea-coast",
                "name": "The north-western Black Sea coast and its ports",
                "geometry": {"type": "Polygon", "coordinates": [[
                    [28.5, 45.1], [31.2, 45.1], [31.2, 47.1], [28.5, 47.1], [28.5, 45.1]
                ]]}
            }],
            "rules": [
                {
                    "id": "civilians",
                    "title": "No strikes on homes, hospitals and schools",
                    "text": "Neither party shall strike residential buildings, medical or educational facilities.",
                    "binds": ["ua", "ru"],
                    "prohibited": aerial,
                    "protected": ["residential", "medical", "education"]
                },
                {
                    "id": "ports",
                    "title": "No strikes on ports and merchant vessels on the coast",
                    "text": "Neither party shall strike ports or vessels in the north-western Black Sea coastal zone.",
                    "binds": ["ru"],
                    "prohibited": aerial,
                    "protected": ["port", "vessel"],
                    "zones": ["black-sea-coast"]
                }
            ]
        }),
    ]
}
