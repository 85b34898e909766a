//! `truce.report/v1`: what a source observed or claims.

use serde_json::{Map, Value};

use crate::check::{Checker, Rules, require_members};
use crate::common::{
    Bearing, ByteSize, Count, Identifier, Latitude, LogIndex, Longitude, MediaType, Meters, Prose,
    Sha256Hex, Text, Timestamp, Translations,
};
use crate::{record, vocabulary};

/// The longest time window a report or coverage gap may span: 31 days.
pub const MAX_WINDOW_SECONDS: i64 = 31 * 24 * 3600;

record! {
    /// What a source observed or claims about one event. Signed by the
    /// source.
    ///
    /// Observation, attribution and assessment are kept apart: `observation`
    /// says how the source knows, `perpetrator` says whom the source blames
    /// and on what basis; analysts' assessments are separate entries.
    /// A report is corrected by a later report of the same source that
    /// `supersedes` it, or withdrawn by one with `withdrawn: true` (which
    /// then carries only `id`, `supersedes`, `withdrawn`, `summary` and
    /// `summary_i18n`).
    pub struct Report {
        /// The source's own identifier for the report. Submitting the same
        /// id again with different content is refused: it is the
        /// idempotency key.
        pub id: Identifier,
        /// The log index of an earlier report of the same source that this
        /// one corrects or withdraws.
        pub supersedes: Option<LogIndex>,
        /// `true` withdraws the superseded report without replacing it.
        pub withdrawn: Option<bool>,
        /// When the event happened, as precisely as the source knows it.
        pub time: Option<TimeWindow>,
        /// Where the event happened.
        pub location: Option<Location>,
        /// What kind of event it was.
        pub event: Option<EventKind>,
        /// Whether the source affirms that the event took place (the
        /// default) or denies it.
        pub occurrence: Option<Occurrence>,
        /// How the source knows.
        pub observation: Option<Observation>,
        /// The weapon, as specific as known (e.g. "Shahed-136", "Kh-101").
        pub weapon: Option<Text<200>>,
        /// Where the fire came from.
        pub direction: Option<Direction>,
        /// Whom the source holds responsible, and on what basis.
        pub perpetrator: Option<Attribution>,
        /// What was hit or targeted.
        pub targets: Vec<Target>,
        /// People killed and injured.
        pub harm: Option<Harm>,
        /// Services cut.
        pub disruption: Vec<Disruption>,
        /// Evidence held by the source; only its digest enters the log.
        pub evidence: Vec<Evidence>,
        /// What happened, in the source's words, in the language the
        /// source wrote.
        pub summary: Option<Prose<4000>>,
        /// The same summary in other languages, by BCP 47 tag (`{"uk":
        /// "...", "en": "..."}`); readers are shown theirs first.
        pub summary_i18n: Option<Translations<Prose<4000>>>,
        /// SHA-256 of the signed entry the same device made just before
        /// this one: a chain that fixes the order in which a device signed
        /// its entries, even offline (`truce field`).
        pub follows: Option<Sha256Hex>,
    }
}

impl Report {
    /// Whether the report withdraws the one it supersedes.
    pub fn is_withdrawal(&self) -> bool {
        self.withdrawn == Some(true)
    }

    /// Whether the source affirms the event took place.
    pub fn affirms(&self) -> bool {
        self.occurrence != Some(Occurrence::Denied)
    }
}

impl Rules for Report {
    fn check_members(object: &Map<String, Value>, at: &mut Checker) {
        // What a report says of the event: the first four are required,
        // and a withdrawal says none of it.
        const REQUIRED: &[&str] = &["time", "location", "event", "observation"];
        const OPTIONAL: &[&str] = &[
            "occurrence",
            "weapon",
            "direction",
            "perpetrator",
            "targets",
            "harm",
            "disruption",
            "evidence",
        ];
        match object.get("withdrawn") {
            Some(Value::Bool(true)) => {
                let message = "must be left out of a withdrawal";
                require_members(
                    object,
                    at,
                    &["supersedes"],
                    true,
                    "is required to withdraw a report",
                );
                require_members(object, at, REQUIRED, false, message);
                require_members(object, at, OPTIONAL, false, message);
            }
            Some(Value::Bool(false)) => {
                at.problem_at("withdrawn", "must be true or left out");
                require_members(object, at, REQUIRED, true, "is required");
            }
            None => require_members(object, at, REQUIRED, true, "is required"),
            // Not a boolean: its own problem says so, and what else must
            // be present cannot be known.
            Some(_) => {}
        }
    }

    fn check_rules(&self, at: &mut Checker) {
        let mut seen = Vec::new();
        for (i, target) in self.targets.iter().enumerate() {
            if seen.contains(&(target.category, &target.name)) {
                at.at_key("targets", |at| at.problem_at(&i.to_string(), "is listed twice"));
            }
            seen.push((target.category, &target.name));
        }
        let mut services = Vec::new();
        for (i, d) in self.disruption.iter().enumerate() {
            if services.contains(&d.service) {
                at.at_key("disruption", |at| {
                    at.problem_at(&i.to_string(), "lists a service already listed")
                });
            }
            services.push(d.service);
        }
    }
}

record! {
    /// A time window: the event happened at some instant from `from` to
    /// `to`, both included. A precise time has `from` equal to `to`.
    pub struct TimeWindow {
        /// The earliest the event can have happened.
        pub from: Timestamp,
        /// The latest the event can have happened; not before `from`, and at
        /// most 31 days after it.
        pub to: Timestamp,
    }
}

impl Rules for TimeWindow {
    fn check_rules(&self, at: &mut Checker) {
        let span = self.to.instant().as_second() - self.from.instant().as_second();
        if self.to.instant() < self.from.instant() {
            at.problem_at("to", "must not be before from");
        } else if span > MAX_WINDOW_SECONDS {
            at.problem_at("to", "must be at most 31 days after from");
        }
    }
}

record! {
    /// A place on the earth with its uncertainty.
    pub struct Location {
        /// Latitude in decimal degrees, WGS 84.
        pub lat: Latitude,
        /// Longitude in decimal degrees, WGS 84.
        pub lon: Longitude,
        /// Radius in metres around the point within which the event
        /// happened. 0 means exact.
        pub uncertainty_m: Meters,
        /// The place name (a town, a district, a facility).
        pub place: Option<Text<200>>,
        /// The first-level administrative unit (oblast).
        pub admin1: Option<Text<200>>,
        /// The second-level administrative unit (raion, hromada).
        pub admin2: Option<Text<200>>,
    }
}

impl Rules for Location {}

record! {
    /// How the source knows of the event.
    pub struct Observation {
        /// The kind of knowledge.
        pub basis: ObservationBasis,
        /// The source's own confidence in its observation.
        pub confidence: Confidence,
    }
}

impl Rules for Observation {}

record! {
    /// Whom a source or an analyst holds responsible.
    pub struct Attribution {
        /// The party to the agreement held responsible; left out when
        /// unknown.
        pub party: Option<Identifier>,
        /// The basis of the attribution.
        pub basis: AttributionBasis,
        /// Confidence in the attribution.
        pub confidence: Option<Confidence>,
    }
}

impl Rules for Attribution {
    fn check_rules(&self, at: &mut Checker) {
        match (self.basis, &self.party) {
            (AttributionBasis::Unknown, Some(_)) => {
                at.problem_at("party", "must be left out when the basis is \"unknown\"")
            }
            (basis, None) if basis != AttributionBasis::Unknown => {
                at.problem_at("party", "is required unless the basis is \"unknown\"")
            }
            _ => {}
        }
    }
}

record! {
    /// The direction the fire came from.
    pub struct Direction {
        /// Bearing from the location to the origin of fire, degrees from
        /// true north.
        pub bearing_deg: Option<Bearing>,
        /// Where the fire came from, in words.
        pub origin: Option<Text<200>>,
    }
}

impl Rules for Direction {
    fn check_rules(&self, at: &mut Checker) {
        if self.bearing_deg.is_none() && self.origin.is_none() {
            at.problem("must give bearing_deg, origin or both");
        }
    }
}

record! {
    /// Something hit or targeted.
    pub struct Target {
        /// The category, which agreements protect.
        pub category: TargetCategory,
        /// The object's name, e.g. "Trypilska thermal power plant".
        pub name: Option<Text<200>>,
        /// How badly it was damaged.
        pub damage: Option<Damage>,
    }
}

impl Rules for Target {}

record! {
    /// People killed and injured, as known to the source.
    pub struct Harm {
        /// People killed.
        pub killed: Option<Casualties>,
        /// People injured.
        pub injured: Option<Casualties>,
    }
}

impl Rules for Harm {
    fn check_rules(&self, at: &mut Checker) {
        if self.killed.is_none() && self.injured.is_none() {
            at.problem("must give killed, injured or both");
        }
    }
}

record! {
    /// A count of people by status. Leave out what is not known; 0 means
    /// none.
    pub struct Casualties {
        /// Civilians.
        pub civilian: Option<Count>,
        /// Military personnel.
        pub military: Option<Count>,
        /// People whose status is not known.
        pub unknown: Option<Count>,
        /// The lowest estimate of the total, when the source gives a range
        /// (as UCDP's low, best and high estimates: the counts are the best).
        pub low: Option<Count>,
        /// The highest estimate of the total, when the source gives a range.
        pub high: Option<Count>,
    }
}

impl Casualties {
    /// The total of the counts given.
    pub fn total(&self) -> u64 {
        [self.civilian, self.military, self.unknown].iter().flatten().map(|c| u64::from(c.0)).sum()
    }
}

impl Rules for Casualties {
    fn check_rules(&self, at: &mut Checker) {
        if self.civilian.is_none() && self.military.is_none() && self.unknown.is_none() {
            at.problem("must give at least one of civilian, military, unknown");
        }
        let total = self.total();
        if self.low.is_some_and(|low| u64::from(low.0) > total) {
            at.problem_at("low", format!("must not be above the total of the counts ({total})"));
        }
        if self.high.is_some_and(|high| u64::from(high.0) < total) {
            at.problem_at("high", format!("must not be below the total of the counts ({total})"));
        }
    }
}

record! {
    /// A service cut by the event.
    pub struct Disruption {
        /// The service.
        pub service: Service,
        /// How many customers (households, connections) lost it.
        pub customers: Option<Count>,
        /// When it came back, if it has.
        pub restored: Option<Timestamp>,
    }
}

impl Rules for Disruption {}

record! {
    /// A piece of evidence the source holds. Only its digest enters the
    /// log: the media itself is shared out of band, and anyone who obtains
    /// it can check it against the digest.
    pub struct Evidence {
        /// SHA-256 of the file, lower-case hex.
        pub sha256: Sha256Hex,
        /// Size of the file in bytes.
        pub size: ByteSize,
        /// Media type of the file, e.g. image/jpeg.
        pub media_type: MediaType,
        /// When the evidence was captured.
        pub captured: Option<Timestamp>,
        /// What it shows.
        pub description: Option<Text<500>>,
    }
}

impl Rules for Evidence {}

vocabulary! {
    /// The kind of event.
    pub enum EventKind {
        /// A ballistic or cruise missile strike.
        MissileStrike = "missile_strike",
        /// A strike by a one-way attack drone or loitering munition.
        DroneStrike = "drone_strike",
        /// A strike by aircraft with unguided weapons or unknown munitions.
        AirStrike = "air_strike",
        /// A guided or glide bomb (e.g. KAB).
        GuidedBomb = "guided_bomb",
        /// Tube artillery fire.
        Artillery = "artillery",
        /// Multiple-launch rocket system fire.
        Mlrs = "mlrs",
        /// Mortar fire.
        Mortar = "mortar",
        /// Tank or armoured-vehicle gun fire.
        TankFire = "tank_fire",
        /// Small-arms and light-weapons fire.
        SmallArms = "small_arms",
        /// A ground attack or an advance.
        GroundAssault = "ground_assault",
        /// An attack at sea or on a port from the sea.
        NavalAttack = "naval_attack",
        /// A mine or an explosive remnant of war going off.
        Mine = "mine",
        /// Sabotage.
        Sabotage = "sabotage",
        /// An interception by air defence (falling debris included).
        Interception = "interception",
        /// An explosion of undetermined cause.
        UndeterminedExplosion = "undetermined_explosion",
    }
}

vocabulary! {
    /// The category of a target, as agreements protect them.
    pub enum TargetCategory {
        /// Homes and residential buildings.
        Residential = "residential",
        /// Shops, offices, markets.
        Commercial = "commercial",
        /// Factories and industrial sites.
        Industrial = "industrial",
        /// Farms, grain stores and silos.
        Agriculture = "agriculture",
        /// Power generation: thermal, combined heat and power, solar, wind.
        EnergyGeneration = "energy_generation",
        /// Power transmission and distribution, substations included.
        EnergyTransmission = "energy_transmission",
        /// Nuclear power plants and their sites.
        Nuclear = "nuclear",
        /// Hydroelectric plants and dams.
        HydroDam = "hydro_dam",
        /// Oil refineries.
        FuelRefinery = "fuel_refinery",
        /// Oil and gas pipelines and pumping stations.
        FuelPipeline = "fuel_pipeline",
        /// Fuel depots and storage.
        FuelStorage = "fuel_storage",
        /// Gas production, storage and distribution.
        Gas = "gas",
        /// Water supply and treatment.
        Water = "water",
        /// District heating and boiler houses.
        Heating = "heating",
        /// Telecommunications.
        Telecom = "telecom",
        /// Sea and river ports.
        Port = "port",
        /// Ships and boats.
        Vessel = "vessel",
        /// Railways and rail stations.
        Rail = "rail",
        /// Roads and bridges.
        Road = "road",
        /// Airports.
        Airport = "airport",
        /// Hospitals and clinics.
        Medical = "medical",
        /// Schools, universities, kindergartens.
        Education = "education",
        /// Cultural heritage and cultural sites.
        Cultural = "cultural",
        /// Places of worship.
        Religious = "religious",
        /// Civil administration buildings.
        Government = "government",
        /// Humanitarian premises and convoys.
        Humanitarian = "humanitarian",
        /// Military objects.
        Military = "military",
    }
}

vocabulary! {
    /// Damage to a target.
    pub enum Damage {
        /// No visible damage.
        NoDamage = "none",
        /// Light damage.
        Light = "light",
        /// Moderate damage.
        Moderate = "moderate",
        /// Severe damage.
        Severe = "severe",
        /// Destroyed.
        Destroyed = "destroyed",
    }
}

vocabulary! {
    /// Whether a report affirms or denies that an event happened.
    pub enum Occurrence {
        /// The event took place.
        Affirmed = "affirmed",
        /// The event did not take place (a denial).
        Denied = "denied",
    }
}

vocabulary! {
    /// How a source knows of an event.
    pub enum ObservationBasis {
        /// Seen or heard by the source's own people.
        Direct = "direct",
        /// Recorded by the source's instrument.
        Sensor = "sensor",
        /// From photographs, video or satellite imagery the source examined.
        Imagery = "imagery",
        /// From witnesses, local authorities or other second-hand accounts.
        Secondhand = "secondhand",
        /// From an official statement.
        Official = "official",
        /// From news or social media.
        Media = "media",
    }
}

vocabulary! {
    /// The basis of an attribution.
    pub enum AttributionBasis {
        /// The source saw who fired (e.g. the launch, the unit).
        Observed = "observed",
        /// A party says so: an accusation, or a claim of responsibility.
        ClaimedByParty = "claimed_by_party",
        /// Inferred by analysis (weapon, direction, range, pattern).
        Assessed = "assessed",
        /// Not known.
        Unknown = "unknown",
    }
}

vocabulary! {
    /// Confidence in an observation or an attribution.
    pub enum Confidence {
        /// Low confidence.
        Low = "low",
        /// Medium confidence.
        Medium = "medium",
        /// High confidence.
        High = "high",
    }
}

vocabulary! {
    /// A public service.
    pub enum Service {
        /// Electricity.
        Electricity = "electricity",
        /// Water supply.
        Water = "water",
        /// Heating.
        Heating = "heating",
        /// Gas supply.
        Gas = "gas",
        /// Telephone and internet.
        Telecom = "telecom",
    }
}
