//! `truce.coverage/v1`: where and when a source could not see.

use crate::check::Rules;
use crate::common::{Identifier, Latitude, LogIndex, Longitude, Meters, Prose, Text};
use crate::types::report::TimeWindow;
use crate::{record, vocabulary};

record! {
    /// A gap in a source's coverage: access denied, a sensor down, jamming,
    /// movement restricted. Silence is not compliance: reports show these
    /// gaps beside the counts of incidents. Signed by the source.
    pub struct Coverage {
        /// The source's own identifier for the entry (idempotency key).
        pub id: Identifier,
        /// The log index of an earlier coverage entry of the same source
        /// that this one corrects.
        pub supersedes: Option<LogIndex>,
        /// What kind of gap.
        pub gap: GapKind,
        /// When the gap lasted.
        pub time: TimeWindow,
        /// Where the gap was.
        pub area: Area,
        /// The party that caused it (who denied access, who jammed), when
        /// known.
        pub by: Option<Identifier>,
        /// What happened, in the source's words.
        pub summary: Option<Prose<4000>>,
    }
}

impl Rules for Coverage {}

record! {
    /// A circular area.
    pub struct Area {
        /// Latitude of the centre in decimal degrees, WGS 84.
        pub lat: Latitude,
        /// Longitude of the centre in decimal degrees, WGS 84.
        pub lon: Longitude,
        /// Radius in metres.
        pub radius_m: Meters,
        /// The place name.
        pub place: Option<Text<200>>,
        /// The first-level administrative unit (oblast).
        pub admin1: Option<Text<200>>,
        /// The second-level administrative unit (raion, hromada).
        pub admin2: Option<Text<200>>,
    }
}

impl Rules for Area {}

vocabulary! {
    /// The kind of coverage gap.
    pub enum GapKind {
        /// A party denied the source access.
        AccessDenied = "access_denied",
        /// A sensor was out of service.
        SensorOutage = "sensor_outage",
        /// Signals (sensor links, drones, GNSS) were jammed.
        Jamming = "jamming",
        /// The source's movement was restricted (e.g. by security
        /// guarantees not given, or by mines).
        RestrictedMovement = "restricted_movement",
    }
}
