//! What happens, and what each source says of it.

use serde_json::{Map, Value, json};

use crate::random::{Dice, offset, round5};
use crate::world::{FRONT_LINE, PLACES, SOURCES, Setting, SourceSpec};

/// Something that happened.
pub(crate) struct Event {
    /// Seconds since the Unix epoch.
    pub(crate) time: i64,
    /// How long it lasted, in seconds.
    pub(crate) duration: i64,
    pub(crate) lat: f64,
    pub(crate) lon: f64,
    /// The city it happened in or near; `None` on the front line.
    pub(crate) place: Option<usize>,
    pub(crate) place_name: String,
    pub(crate) admin1: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) weapon: &'static str,
    /// The party that fired.
    pub(crate) perpetrator: &'static str,
    pub(crate) targets: Vec<(&'static str, &'static str)>,
    pub(crate) killed: u64,
    pub(crate) injured: u64,
    /// Customers who lost power, heating or water.
    pub(crate) disruption: Vec<(&'static str, u64)>,
}

impl Event {
    pub(crate) fn generate(dice: &mut Dice, time: i64) -> Event {
        let on_front = dice.chance(0.35);
        let (lat, lon, place, place_name, admin1, setting) = if on_front {
            let (lat, lon, admin1) = front_point(dice);
            (lat, lon, None, format!("Front line, {admin1}"), admin1, Setting::NearFront)
        } else {
            let weights: Vec<(usize, u32)> =
                PLACES.iter().enumerate().map(|(i, p)| (i, p.weight)).collect();
            let i = *dice.weighted(&weights);
            let p = &PLACES[i];
            let (lat, lon) = dice.near(p.lat, p.lon, p.radius_m);
            (lat, lon, Some(i), p.name.to_owned(), p.admin1, p.setting)
        };
        let (kind, weapon) = *dice.weighted(match (setting, on_front) {
            (Setting::Rear, _) => &[
                (("missile_strike", "Kh-101 cruise missile"), 20),
                (("missile_strike", "Iskander-M ballistic missile"), 12),
                (("drone_strike", "Shahed-136"), 60),
                (("interception", "Shahed-136 debris"), 8),
            ],
            (Setting::NearFront, false) => &[
                (("drone_strike", "Shahed-136"), 30),
                (("drone_strike", "FPV drone"), 10),
                (("guided_bomb", "KAB-500 glide bomb"), 20),
                (("missile_strike", "S-300 missile"), 12),
                (("artillery", "152 mm artillery"), 18),
                (("mlrs", "BM-21 Grad"), 10),
            ],
            (Setting::NearFront, true) => &[
                (("artillery", "152 mm artillery"), 40),
                (("mlrs", "BM-21 Grad"), 15),
                (("mortar", "120 mm mortar"), 15),
                (("drone_strike", "FPV drone"), 20),
                (("guided_bomb", "KAB-500 glide bomb"), 5),
                (("small_arms", "small arms"), 5),
            ],
            (Setting::Russia, _) => &[
                (("drone_strike", "long-range attack drone"), 90),
                (("missile_strike", "Neptune cruise missile"), 10),
            ],
        });
        let perpetrator = match setting {
            Setting::Russia => "ua",
            _ if on_front && dice.chance(0.4) => "ua",
            _ => "ru",
        };
        let port = place.is_some_and(|i| PLACES[i].port);
        let category_weights: &[(&str, u32)] = match (setting, on_front) {
            (_, true) => &[
                ("military", 55),
                ("residential", 28),
                ("agriculture", 6),
                ("energy_transmission", 6),
                ("road", 5),
            ],
            (Setting::Russia, _) => &[
                ("fuel_refinery", 35),
                ("fuel_storage", 20),
                ("energy_transmission", 10),
                ("military", 20),
                ("industrial", 10),
                ("residential", 5),
            ],
            _ => &[
                ("residential", 38),
                ("energy_generation", 6),
                ("energy_transmission", 12),
                ("heating", 5),
                ("gas", 3),
                ("commercial", 9),
                ("industrial", 9),
                ("rail", 5),
                ("medical", 2),
                ("education", 2),
                ("military", 4),
                ("port", if port { 12 } else { 0 }),
            ],
        };
        let mut targets = Vec::new();
        for _ in 0..1 + dice.geometric(0.7).min(2) {
            let category = *dice.weighted(category_weights);
            if !targets.iter().any(|(c, _)| *c == category) {
                let damage = *dice.weighted(&[
                    ("light", 3),
                    ("moderate", 4),
                    ("severe", 2),
                    ("destroyed", 1),
                ]);
                targets.push((category, damage));
            }
        }
        let deadly = targets
            .iter()
            .any(|(c, _)| matches!(*c, "residential" | "medical" | "education" | "commercial"));
        let (killed, injured) = if deadly {
            (dice.geometric(0.55), dice.geometric(0.2))
        } else {
            (dice.geometric(0.85), dice.geometric(0.5))
        };
        let mut disruption = Vec::new();
        for (category, _) in &targets {
            let service = match *category {
                "energy_generation" | "energy_transmission" => "electricity",
                "heating" => "heating",
                "gas" => "gas",
                _ => continue,
            };
            if !disruption.iter().any(|(s, _)| *s == service) {
                disruption.push((service, 1_000 * dice.int(1, 200)));
            }
        }
        if disruption.iter().any(|(s, _)| *s == "electricity") && dice.chance(0.3) {
            disruption.push(("water", 1_000 * dice.int(1, 60)));
        }
        Event {
            time,
            duration: 60 * dice.int(1, 20) as i64,
            lat,
            lon,
            place,
            place_name,
            admin1,
            kind,
            weapon,
            perpetrator,
            targets,
            killed,
            injured,
            disruption,
        }
    }

    /// The sources that report it, with the delay of each report in
    /// seconds, in the order they are drawn.
    pub(crate) fn reporters(&self, dice: &mut Dice) -> Vec<(usize, i64)> {
        let russia = self.place.is_some_and(|i| PLACES[i].setting == Setting::Russia);
        let on_front = self.place.is_none();
        let mut reporters = Vec::new();
        for (i, s) in SOURCES.iter().enumerate() {
            let p = match (s.role, s.watch) {
                ("monitor", Some(watch)) if !russia && within(self, watch) => {
                    if on_front {
                        0.25
                    } else {
                        0.45
                    }
                }
                ("sensor", Some(watch))
                    if !russia && self.kind != "small_arms" && within(self, watch) =>
                {
                    0.7
                }
                ("party", _) => match (s.party, russia) {
                    (Some("ua"), false) | (Some("ru"), true) => {
                        let p = if on_front { 0.35 } else { 0.8 };
                        if s.reliability == "C" { p / 2.0 } else { p }
                    }
                    // The party blamed answers now and then.
                    (Some(_), _) => 0.12,
                    _ => 0.0,
                },
                ("osint", _) => {
                    if on_front {
                        0.1
                    } else {
                        0.25
                    }
                }
                ("media", _) => match s.id {
                    "media-moscow" => {
                        if russia {
                            0.5
                        } else {
                            0.05
                        }
                    }
                    "media-channel" => 0.15,
                    _ if russia => 0.1,
                    _ if on_front => 0.05,
                    _ => 0.2,
                },
                _ => 0.0,
            };
            if dice.chance(p) {
                let delay = match s.role {
                    "sensor" => 60 * dice.int(2, 20),
                    "monitor" => 60 * dice.int(60, 600),
                    "party" => 60 * dice.int(30, 300),
                    _ => 60 * dice.int(20, 900),
                };
                reporters.push((i, delay as i64));
            }
        }
        if reporters.is_empty() {
            let media = SOURCES.iter().position(|s| s.id == "media-channel").unwrap_or(0);
            reporters.push((media, 60 * dice.int(10, 120) as i64));
        }
        reporters
    }

    /// What `source` says of the event, as the JSON of a report.
    pub(crate) fn report(&self, dice: &mut Dice, source: &SourceSpec, id: &str) -> Report {
        let victim = if self.perpetrator == "ru" { "ua" } else { "ru" };
        let blamed = source.party == Some(self.perpetrator);
        let media = source.role == "media";
        // Where the source puts it, and how sure it is of that.
        let (error_m, uncertainty_m) = match source.role {
            "monitor" => (150.0, 400),
            "sensor" => (1_500.0, 3_000),
            "osint" => (100.0, 250),
            "party" => (600.0, 1_500),
            _ => (1_000.0, 2_000),
        };
        let city_level = media && self.place.is_some() && dice.chance(0.3);
        let (lat, lon, uncertainty_m) = match self.place {
            // A media report placed at the city's centre, sometimes with an
            // uncertainty that does not reach the impact.
            Some(i) if city_level => {
                let p = &PLACES[i];
                let claimed = if dice.chance(0.3) { 3_000 } else { 2_000 + p.radius_m as u64 };
                (round5(p.lat), round5(p.lon), claimed)
            }
            _ => {
                let (lat, lon) = dice.near(self.lat, self.lon, error_m);
                (lat, lon, uncertainty_m)
            }
        };
        let mislocated = city_level && {
            let d = distance_m(lat, lon, self.lat, self.lon);
            d > uncertainty_m as f64
        };
        let slack = match source.role {
            "sensor" => 60,
            "monitor" => 300,
            _ if media => 1_800,
            _ => 600,
        };
        let from = self.time - dice.int(0, slack) as i64;
        let to = self.time + self.duration + dice.int(0, slack) as i64;
        let mut report = Map::new();
        report.insert("type".into(), json!("truce.report/v1"));
        report.insert("id".into(), json!(id));
        report.insert("time".into(), json!({"from": rfc3339(from), "to": rfc3339(to)}));
        report.insert(
            "location".into(),
            json!({
                "lat": lat,
                "lon": lon,
                "uncertainty_m": uncertainty_m,
                "place": self.place_name,
                "admin1": self.admin1,
            }),
        );
        report.insert("event".into(), json!(self.kind));
        let (basis, confidence) = match source.role {
            "monitor" => ("direct", "high"),
            "sensor" => ("sensor", "high"),
            "osint" => ("imagery", "medium"),
            "party" => ("official", "high"),
            _ => ("media", "medium"),
        };
        report.insert("observation".into(), json!({"basis": basis, "confidence": confidence}));
        if blamed {
            // The party blamed denies the event, or blames the other side.
            if dice.chance(0.6) {
                report.insert("occurrence".into(), json!("denied"));
                report.insert(
                    "summary".into(),
                    json!("No strike was carried out in this area at this time."),
                );
                return Report { value: Value::Object(report), mislocated, denied: true };
            }
            report.insert(
                "perpetrator".into(),
                json!({"party": victim, "basis": "claimed_by_party", "confidence": "medium"}),
            );
            report.insert(
                "summary".into(),
                json!("The damage was caused by the other side's own air defence."),
            );
        } else {
            report.insert("weapon".into(), json!(self.weapon));
            let perpetrator = match source.role {
                "sensor" => None,
                "party" => Some(
                    json!({"party": self.perpetrator, "basis": "claimed_by_party", "confidence": "high"}),
                ),
                "monitor" if dice.chance(0.7) => Some(
                    json!({"party": self.perpetrator, "basis": "assessed", "confidence": "medium"}),
                ),
                _ if dice.chance(0.5) => Some(
                    json!({"party": self.perpetrator, "basis": "assessed", "confidence": "low"}),
                ),
                _ => None,
            };
            if let Some(p) = perpetrator {
                report.insert("perpetrator".into(), p);
            }
        }
        if source.role != "sensor" {
            let targets: Vec<Value> = self
                .targets
                .iter()
                .map(|(category, damage)| json!({"category": category, "damage": damage}))
                .collect();
            report.insert("targets".into(), Value::Array(targets));
            let counted = |n: u64, dice: &mut Dice| {
                if media { n + dice.geometric(0.7) } else { n.saturating_sub(dice.geometric(0.8)) }
            };
            let (killed, injured) = (counted(self.killed, dice), counted(self.injured, dice));
            if killed + injured > 0 && !blamed {
                report.insert(
                    "harm".into(),
                    json!({"killed": {"civilian": killed}, "injured": {"civilian": injured}}),
                );
            }
            if !self.disruption.is_empty() && !blamed {
                let disruption: Vec<Value> = self
                    .disruption
                    .iter()
                    .map(|(service, customers)| json!({"service": service, "customers": customers}))
                    .collect();
                report.insert("disruption".into(), Value::Array(disruption));
            }
        }
        if matches!(source.role, "monitor" | "osint")
            || (source.role == "party" && dice.chance(0.3))
        {
            let evidence: Vec<Value> = (0..dice.int(1, 3))
                .map(|n| {
                    json!({
                        "sha256": dice.sha256_hex(),
                        "size": dice.int(200_000, 8_000_000),
                        "media_type": if n == 2 { "video/mp4" } else { "image/jpeg" },
                        "captured": rfc3339(to + 60 * dice.int(5, 180) as i64),
                    })
                })
                .collect();
            report.insert("evidence".into(), Value::Array(evidence));
        }
        Report { value: Value::Object(report), mislocated, denied: false }
    }
}

/// A report as drawn, and what it means for the analysts' follow-up.
pub(crate) struct Report {
    pub(crate) value: Value,
    /// Placed so far off that grouping will not find its incident.
    pub(crate) mislocated: bool,
    /// Denies the event.
    pub(crate) denied: bool,
}

fn within(event: &Event, (lat, lon, radius_m): (f64, f64, f64)) -> bool {
    distance_m(event.lat, event.lon, lat, lon) <= radius_m
}

/// A point on the front line, up to 8 km either side of it.
fn front_point(dice: &mut Dice) -> (f64, f64, &'static str) {
    let segment = dice.int(0, FRONT_LINE.len() as u64 - 2) as usize;
    let (lat1, lon1, admin1) = FRONT_LINE[segment];
    let (lat2, lon2, _) = FRONT_LINE[segment + 1];
    let t = dice.unit();
    let (lat, lon) = (lat1 + (lat2 - lat1) * t, lon1 + (lon2 - lon1) * t);
    let (north, east) = (dice.between(-8_000.0, 8_000.0), dice.between(-8_000.0, 8_000.0));
    let (lat, lon) = offset(lat, lon, north, east);
    (lat, lon, admin1)
}

/// An equirectangular distance: within a percent at these ranges, which
/// is all the simulation needs.
fn distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let k = libm::cos(((lat1 + lat2) / 2.0).to_radians());
    let (dy, dx) = ((lat2 - lat1) * 111_195.0, (lon2 - lon1) * 111_195.0 * k);
    libm::sqrt(dx * dx + dy * dy)
}

/// RFC 3339 in UTC, to the second.
pub(crate) fn rfc3339(seconds: i64) -> String {
    match jiff::Timestamp::from_second(seconds) {
        Ok(t) => t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Err(_) => "1970-01-01T00:00:00Z".to_owned(),
    }
}
