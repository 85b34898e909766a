//! Reports written out for the tools people use: CSV (with an HXL hashtag
//! row for the humanitarian tools that read one), GeoJSON, NDJSON, and
//! ACLED's and UCDP's own layouts.
//!
//! An export holds the current reports: those no later report supersedes,
//! withdrawals left out. The log keeps the history; an export is the
//! record as it stands. Bytes are produced a report at a time, so a large
//! export streams.

use std::str::FromStr;

use serde_json::{Value, json};

use crate::mapping::{AcledMapping, UcdpMapping};
pub use crate::report::field_text;
use crate::sync::event_id;
use crate::{acled, ucdp};

/// An export format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// ACLED's 31-column layout.
    Acled,
    /// The columns of UCDP GED that a report fills.
    Ucdp,
    /// Truce's own flat CSV: one report per row.
    Csv,
    /// A GeoJSON FeatureCollection.
    Geojson,
    /// One API item (`{index, type, source, leaf_hash, superseded_by, entry}`) per line.
    Ndjson,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(word: &str) -> Result<Format, String> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == word)
            .ok_or(format!("{word:?} is not one of {}", Format::ALL.map(Format::as_str).join(", ")))
    }
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 5] =
        [Format::Acled, Format::Ucdp, Format::Csv, Format::Geojson, Format::Ndjson];

    /// The format's word.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Acled => "acled",
            Format::Ucdp => "ucdp",
            Format::Csv => "csv",
            Format::Geojson => "geojson",
            Format::Ndjson => "ndjson",
        }
    }

    /// The media type of the export.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Acled | Format::Ucdp | Format::Csv => "text/csv; charset=utf-8",
            Format::Geojson => "application/geo+json",
            Format::Ndjson => "application/x-ndjson",
        }
    }

    /// Whether the format is CSV, and so can carry an HXL row.
    pub fn is_csv(self) -> bool {
        matches!(self, Format::Acled | Format::Ucdp | Format::Csv)
    }
}

/// A logged report, as the index lists it.
#[derive(Clone, Copy, Debug)]
pub struct Item<'a> {
    /// Its log index.
    pub index: u64,
    /// The source that submitted it.
    pub source: &'a str,
    /// Its leaf hash, in hex.
    pub leaf_hash: &'a str,
    /// The report that supersedes it, if any.
    pub superseded_by: Option<u64>,
    /// The entry.
    pub entry: &'a Value,
}

impl Item<'_> {
    /// Whether the export holds it: a current report of an event.
    pub fn is_current(&self) -> bool {
        self.superseded_by.is_none()
            && self.entry["type"] == "truce.report/v1"
            && self.entry.get("withdrawn").is_none()
    }
}

/// Truce's own CSV columns.
pub const CSV_COLUMNS: [&str; 23] = [
    "index",
    "source",
    "id",
    "event",
    "time_from",
    "time_to",
    "lat",
    "lon",
    "uncertainty_m",
    "place",
    "admin1",
    "admin2",
    "perpetrator",
    "attribution",
    "targets",
    "weapon",
    "killed_civilian",
    "killed_military",
    "killed_unknown",
    "injured_civilian",
    "injured_military",
    "injured_unknown",
    "summary",
];

/// The HXL hashtags of [`CSV_COLUMNS`].
pub const CSV_HXL: [&str; 23] = [
    "#meta+index",
    "#meta+source",
    "#event+code",
    "#event+type",
    "#date+start",
    "#date+end",
    "#geo+lat",
    "#geo+lon",
    "#geo+precision",
    "#loc+name",
    "#adm1+name",
    "#adm2+name",
    "#group+perpetrator",
    "#meta+attribution",
    "#indicator+target",
    "#item+weapon",
    "#affected+killed+civilians",
    "#affected+killed+military",
    "#affected+killed+unknown",
    "#affected+injured+civilians",
    "#affected+injured+military",
    "#affected+injured+unknown",
    "#description",
];

/// A report as a GeoJSON Feature; `None` for one without a location.
pub fn feature(item: &Item<'_>) -> Option<Value> {
    let entry = item.entry;
    let location = entry.get("location")?;
    let (lon, lat) = (location.get("lon")?, location.get("lat")?);
    Some(json!({
        "type": "Feature",
        "id": item.index,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "index": item.index,
            "source": item.source,
            "superseded_by": item.superseded_by,
            "event": entry.get("event"),
            "time": entry.get("time"),
            "uncertainty_m": location.get("uncertainty_m"),
            "place": location.get("place"),
            "targets": entry.get("targets"),
            "harm": entry.get("harm"),
            "perpetrator": entry.get("perpetrator"),
            "summary": entry.get("summary"),
        },
    }))
}

fn csv_record(item: &Item<'_>) -> Vec<String> {
    let entry = item.entry;
    let location = &entry["location"];
    let targets: Vec<&str> = entry["targets"]
        .as_array()
        .map(|ts| ts.iter().filter_map(|t| t["category"].as_str()).collect())
        .unwrap_or_default();
    let harm = &entry["harm"];
    vec![
        item.index.to_string(),
        item.source.to_owned(),
        field_text(&entry["id"]),
        field_text(&entry["event"]),
        field_text(&entry["time"]["from"]),
        field_text(&entry["time"]["to"]),
        field_text(&location["lat"]),
        field_text(&location["lon"]),
        field_text(&location["uncertainty_m"]),
        field_text(&location["place"]),
        field_text(&location["admin1"]),
        field_text(&location["admin2"]),
        field_text(&entry["perpetrator"]["party"]),
        field_text(&entry["perpetrator"]["basis"]),
        targets.join(";"),
        field_text(&entry["weapon"]),
        field_text(&harm["killed"]["civilian"]),
        field_text(&harm["killed"]["military"]),
        field_text(&harm["killed"]["unknown"]),
        field_text(&harm["injured"]["civilian"]),
        field_text(&harm["injured"]["military"]),
        field_text(&harm["injured"]["unknown"]),
        field_text(&entry["summary"]),
    ]
}

/// One CSV record as RFC 4180 writes it: fields quoted when they hold a
/// quote, a comma or a line break, lines ended by CRLF.
pub fn csv_line<S: AsRef<str>>(fields: impl IntoIterator<Item = S>) -> String {
    let mut line = String::new();
    for (i, field) in fields.into_iter().enumerate() {
        let field = field.as_ref();
        if i > 0 {
            line.push(',');
        }
        if field.contains(['"', ',', '\r', '\n']) {
            line.push('"');
            line.push_str(&field.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(field);
        }
    }
    line.push_str("\r\n");
    line
}

/// Writes an export a report at a time: [`start`](Exporter::start), then
/// [`item`](Exporter::item) for each report in log order, then
/// [`finish`](Exporter::finish).
pub struct Exporter {
    format: Format,
    hxl: bool,
    time_zone: jiff::tz::TimeZone,
    acled: AcledMapping,
    ucdp: UcdpMapping,
    written: u64,
}

impl Exporter {
    /// An export in `format`, with an HXL row after a CSV header when
    /// `hxl`; ACLED's and UCDP's dates are the calendar dates of
    /// `time_zone`.
    pub fn new(format: Format, hxl: bool, time_zone: jiff::tz::TimeZone) -> Exporter {
        Exporter {
            format,
            hxl: hxl && format.is_csv(),
            time_zone,
            acled: AcledMapping::bundled(),
            ucdp: UcdpMapping::bundled(),
            written: 0,
        }
    }

    fn csv_row<S: AsRef<str>>(&self, fields: impl IntoIterator<Item = S>) -> Vec<u8> {
        csv_line(fields).into_bytes()
    }

    /// The bytes before the first report: the header and HXL rows, or the
    /// opening of the FeatureCollection.
    pub fn start(&mut self) -> Vec<u8> {
        let (columns, hxl): (&[&str], &[&str]) = match self.format {
            Format::Acled => (&acled::COLUMNS, &acled::HXL),
            Format::Ucdp => (&ucdp::COLUMNS, &ucdp::HXL),
            Format::Csv => (&CSV_COLUMNS, &CSV_HXL),
            Format::Geojson => return b"{\"type\":\"FeatureCollection\",\"features\":[\n".to_vec(),
            Format::Ndjson => return Vec::new(),
        };
        let mut bytes = self.csv_row(columns);
        if self.hxl {
            bytes.extend(self.csv_row(hxl));
        }
        bytes
    }

    /// The bytes of one report; nothing for an item the export does not
    /// hold (see [`Item::is_current`]).
    pub fn item(&mut self, item: &Item<'_>) -> Vec<u8> {
        if !item.is_current() {
            return Vec::new();
        }
        let event = event_id(item.entry["id"].as_str().unwrap_or_default()).to_owned();
        let bytes = match self.format {
            Format::Acled => {
                match acled::record(item.entry, &event, &self.acled, &self.time_zone) {
                    Some(row) => self.csv_row(row),
                    None => return Vec::new(),
                }
            }
            Format::Ucdp => match ucdp::record(item.entry, &event, &self.ucdp, &self.time_zone) {
                Some(row) => self.csv_row(row),
                None => return Vec::new(),
            },
            Format::Csv => {
                let row = csv_record(item);
                self.csv_row(row)
            }
            Format::Geojson => {
                let Some(feature) = feature(item) else { return Vec::new() };
                let separator = if self.written == 0 { "" } else { ",\n" };
                format!("{separator}{feature}").into_bytes()
            }
            Format::Ndjson => {
                let line = json!({
                    "index": item.index,
                    "type": item.entry["type"],
                    "source": item.source,
                    "leaf_hash": item.leaf_hash,
                    "superseded_by": item.superseded_by,
                    "entry": item.entry,
                });
                format!("{line}\n").into_bytes()
            }
        };
        self.written += 1;
        bytes
    }

    /// The bytes after the last report.
    pub fn finish(&mut self) -> Vec<u8> {
        match self.format {
            Format::Geojson => b"\n]}\n".to_vec(),
            _ => Vec::new(),
        }
    }
}
