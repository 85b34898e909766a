//! ACLED's export layout: rows to reports ([`Reader`]) and reports to rows
//! ([`record`]).
//!
//! The layout is found by the header, so both of ACLED's layouts read: the
//! 31 columns of the current export, and the older one with a numeric
//! `iso` and no `tags`. A row written by [`record`] carries Truce's own
//! kind, targets and party in `tags` (`truce-kind=…; truce-targets=…;
//! truce-party=…`), which the reader takes over the mapping rules, so an
//! export read back gives the same reports.

use std::io::Read;

use serde_json::{Value, json};
use truce_entry::{EventKind, TargetCategory};

use crate::mapping::AcledMapping;
use crate::report::{self, Draft, Problems, degrees, field_text, identifier, split_summary};
use crate::table::{FileError, MappedRows, Table};
use crate::time::{date_and_precision, month_window, parse_date, window};
use crate::{ImportOptions, Outcome};

/// The columns of ACLED's export, in its order.
pub const COLUMNS: [&str; 31] = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
];

/// The HXL hashtags of [`COLUMNS`], as the Humanitarian Data Exchange tags
/// ACLED's data.
pub const HXL: [&str; 31] = [
    "#event+code",
    "#date+occurred",
    "#date+year",
    "#date+precision",
    "#event+category",
    "#event+type",
    "#event+type+sub",
    "#group+name+first",
    "#group+name+first+assoc",
    "#group+type+first",
    "#group+name+second",
    "#group+name+second+assoc",
    "#group+type+second",
    "#group+interaction",
    "#indicator+civilians",
    "#country+code",
    "#region+name",
    "#country+name",
    "#adm1+name",
    "#adm2+name",
    "#adm3+name",
    "#loc+name",
    "#geo+lat",
    "#geo+lon",
    "#geo+precision",
    "#meta+source",
    "#meta+source+scale",
    "#description",
    "#affected+killed",
    "#meta+tags",
    "#date+updated",
];

/// The columns a row needs to become a report.
const REQUIRED: [&str; 11] = [
    "event_id_cnty",
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "latitude",
    "longitude",
    "geo_precision",
    "notes",
    "fatalities",
];

/// The rows of an ACLED export, mapped one at a time.
pub type Reader<'m, R> = MappedRows<'m, R, AcledMapping>;

impl<'m, R: Read> Reader<'m, R> {
    /// Reads the header of `input`.
    pub fn new(
        input: R,
        mapping: &'m AcledMapping,
        options: &'m ImportOptions,
    ) -> Result<Reader<'m, R>, FileError> {
        let optional: Vec<&'static str> =
            COLUMNS.iter().copied().filter(|c| !REQUIRED.contains(c)).collect();
        let table = Table::open(input, &REQUIRED, &optional)?;
        Ok(MappedRows { table, mapping, options, map: map_row })
    }
}

/// What a row written by Truce says in `tags`.
#[derive(Default)]
struct TruceTags<'a> {
    kind: Option<&'a str>,
    targets: Option<&'a str>,
    party: Option<&'a str>,
}

fn truce_tags(tags: &str) -> TruceTags<'_> {
    let mut found = TruceTags::default();
    for tag in tags.split(';').map(str::trim) {
        if let Some(kind) = tag.strip_prefix("truce-kind=") {
            found.kind = Some(kind);
        } else if let Some(targets) = tag.strip_prefix("truce-targets=") {
            found.targets = Some(targets);
        } else if let Some(party) = tag.strip_prefix("truce-party=") {
            found.party = Some(party);
        }
    }
    found
}

fn map_row(
    row: &crate::table::Row<'_>,
    mapping: &AcledMapping,
    options: &ImportOptions,
) -> Outcome {
    let vocabulary = &mapping.vocabulary;
    let mut problems = Problems::default();
    let notes = row.get("notes");
    let lowercase = notes.to_lowercase();
    let tags = truce_tags(row.get("tags"));

    let kind = match tags.kind {
        Some(kind) => match kind.parse::<EventKind>() {
            Ok(kind) => Some(kind.as_str().to_owned()),
            Err(e) => {
                problems.add("tags", format!("truce-kind: {e}"));
                None
            }
        },
        None => match vocabulary.kind(row.get("sub_event_type"), &lowercase) {
            Some(kind) => Some(kind.to_owned()),
            None => {
                let class = format!("{} / {}", row.get("event_type"), row.get("sub_event_type"));
                return Outcome::OutOfScope { class };
            }
        },
    };
    let id = problems.required(row, "event_id_cnty", identifier);
    let date = problems.required(row, "event_date", parse_date);
    let precision = problems.required(row, "time_precision", |p| match p {
        "1" | "2" | "3" => Ok(p.to_owned()),
        _ => Err(format!("{p:?} is not 1 (day), 2 (week) or 3 (month)")),
    });
    let window = match (date, precision.as_deref()) {
        (Some(date), Some(precision)) => {
            let zone = &options.time_zone;
            let days = |n: i64| jiff::Span::new().days(n);
            let window = match precision {
                "1" => window(date, date, zone),
                "2" => match (date.checked_sub(days(3)), date.checked_add(days(3))) {
                    (Ok(first), Ok(last)) => window(first, last, zone),
                    _ => Err("is too near the end of the calendar".to_owned()),
                },
                _ => month_window(date, zone),
            };
            window.map_err(|e| problems.add("event_date", e)).ok()
        }
        _ => None,
    };
    let lat = problems.required(row, "latitude", degrees(90.0));
    let lon = problems.required(row, "longitude", degrees(180.0));
    let uncertainty_m = problems.required(row, "geo_precision", |code| {
        vocabulary.radius(code).ok_or(format!("{code:?} is not a precision of the mapping table"))
    });
    let place = problems.line_of_text(row, "location");
    let admin1 = problems.line_of_text(row, "admin1");
    let admin2 = problems.line_of_text(row, "admin2");
    let killed = problems.count(row, "fatalities").map(|n| json!({"unknown": n}));
    let summary = report::summary(&mut problems, "notes", notes, row.get("source"));

    let from_truce = tags.kind.is_some();
    let party = if from_truce {
        tags.party.map(str::to_owned)
    } else {
        vocabulary
            .party_of(row.get("actor1"))
            .filter(|p| options.parties.as_ref().is_none_or(|parties| parties.contains(*p)))
            .map(str::to_owned)
    };
    let targets: Vec<String> = match (from_truce, tags.targets) {
        (true, Some(targets)) => targets
            .split(',')
            .filter_map(|t| match t.parse::<TargetCategory>() {
                Ok(category) => Some(category.as_str().to_owned()),
                Err(e) => {
                    problems.add("tags", format!("truce-targets: {e}"));
                    None
                }
            })
            .collect(),
        (true, None) => Vec::new(),
        (false, _) => vocabulary.targets(&lowercase).into_iter().map(str::to_owned).collect(),
    };

    let (Some(id), Some(window), Some(lat), Some(lon), Some(uncertainty_m), Some(kind), true) =
        (id, window, lat, lon, uncertainty_m, kind, problems.0.is_empty())
    else {
        return Outcome::Refused(problems.0);
    };
    let draft = Draft {
        id: id.clone(),
        window,
        lat,
        lon,
        uncertainty_m,
        place,
        admin1,
        admin2,
        kind,
        observation: vocabulary.observation_value(),
        perpetrator: party.map(|p| vocabulary.perpetrator_value(&p)),
        targets,
        killed,
        summary,
    };
    match draft.into_entry() {
        Ok(entry) => Outcome::Report { id, entry },
        Err(problems) => Outcome::Refused(problems),
    }
}

/// A report as a row of ACLED's layout ([`COLUMNS`]); `None` for an entry
/// that is not a report of an event (a withdrawal). `id` is the event's
/// identifier to write (the report's own, or the one of the report it
/// corrects).
pub fn record(
    entry: &Value,
    id: &str,
    mapping: &AcledMapping,
    time_zone: &jiff::tz::TimeZone,
) -> Option<Vec<String>> {
    let kind = entry["event"].as_str()?;
    let location = entry.get("location")?;
    let (date, precision) = date_and_precision(
        entry["time"]["from"].as_str()?,
        entry["time"]["to"].as_str()?,
        time_zone,
    )?;
    let (event_type, sub_event_type) = mapping.export.get(kind)?;
    let disorder_type = if event_type == "Strategic developments" {
        "Strategic developments"
    } else {
        "Political violence"
    };
    let party = entry["perpetrator"]["party"].as_str();
    let actor1 = party.map(|p| mapping.vocabulary.actor_of(p).unwrap_or(p)).unwrap_or_default();
    let targets: Vec<&str> = entry["targets"]
        .as_array()
        .map(|ts| ts.iter().filter_map(|t| t["category"].as_str()).collect())
        .unwrap_or_default();
    let mut tags = vec![format!("truce-kind={kind}")];
    if !targets.is_empty() {
        tags.push(format!("truce-targets={}", targets.join(",")));
    }
    if let Some(party) = party {
        tags.push(format!("truce-party={party}"));
    }
    let (notes, sources) = split_summary(entry["summary"].as_str().unwrap_or_default());
    let fatalities = entry["harm"].get("killed").map(|k| report::total(k).to_string());
    let text = |key: &str| location[key].as_str().unwrap_or_default().to_owned();
    let uncertainty = location["uncertainty_m"].as_f64().unwrap_or_default();
    let geo_precision = mapping.vocabulary.precision_code(uncertainty).unwrap_or("3");

    let mut row: Vec<String> = vec![String::new(); COLUMNS.len()];
    let mut set = |column: &str, value: String| {
        if let Some(i) = COLUMNS.iter().position(|c| *c == column) {
            row[i] = value;
        }
    };
    set("event_id_cnty", id.to_owned());
    set("event_date", date.to_string());
    set("year", date.year().to_string());
    set("time_precision", precision.to_string());
    set("disorder_type", disorder_type.to_owned());
    set("event_type", event_type.clone());
    set("sub_event_type", sub_event_type.clone());
    set("actor1", actor1.to_owned());
    set("admin1", text("admin1"));
    set("admin2", text("admin2"));
    set("location", text("place"));
    set("latitude", field_text(&location["lat"]));
    set("longitude", field_text(&location["lon"]));
    set("geo_precision", geo_precision.to_owned());
    set("source", sources.to_owned());
    set("notes", notes.to_owned());
    set("fatalities", fatalities.unwrap_or_default());
    set("tags", tags.join("; "));
    Some(row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Mapped;

    fn options() -> ImportOptions {
        ImportOptions {
            time_zone: jiff::tz::TimeZone::get("Europe/Kyiv").expect("zone"),
            parties: None,
        }
    }

    fn read(csv: &str) -> Vec<Mapped> {
        let mapping = AcledMapping::bundled();
        let options = options();
        Reader::new(csv.as_bytes(), &mapping, &options).expect("header").collect()
    }

    const HEADER: &str = "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp";

    #[test]
    fn a_strike_becomes_a_report() {
        let csv = format!(
            "{HEADER}\nUKR1001,15 February 2024,2024,1,Political violence,Explosions/Remote violence,Air/drone strike,Military Forces of Russia (2000-),,8,Civilians (Ukraine),,7,78,Civilian targeting,804,Europe,Ukraine,Kharkiv,Kharkivskyi,Kharkiv,Kharkiv,49.9935,36.2304,1,Suspilne,National,\"On 15 February 2024, Russian Shahed drones hit an apartment block in Kharkiv, killing 2.\",2,,1708300000\n"
        );
        let rows = read(&csv);
        let Outcome::Report { id, entry } = &rows[0].outcome else { panic!("{rows:?}") };
        assert_eq!((rows[0].line, id.as_str()), (2, "UKR1001"));
        assert_eq!(entry["event"], "drone_strike");
        assert_eq!(
            entry["time"],
            json!({"from": "2024-02-15T00:00:00+02:00", "to": "2024-02-15T23:59:59+02:00"})
        );
        assert_eq!(entry["location"]["uncertainty_m"], json!(2000.0));
        assert_eq!(entry["perpetrator"]["party"], "ru");
        assert_eq!(entry["targets"], json!([{"category": "residential"}]));
        assert_eq!(entry["harm"], json!({"killed": {"unknown": 2}}));
        assert!(entry["summary"].as_str().expect("summary").ends_with("\n\nSources: Suspilne"));
    }

    #[test]
    fn bad_rows_name_their_columns_and_protests_are_out_of_scope() {
        let csv = format!(
            "{HEADER}\nUKR1,2024-02-31,2024,4,Political violence,Explosions/Remote violence,Shelling/artillery/missile attack,,,,,,,,,804,Europe,Ukraine,,,,,95.1,36.2,1,,,,-1,,\nUKR2,2024-02-15,2024,1,Demonstrations,Protests,Peaceful protest,,,,,,,,,804,Europe,Ukraine,,,,Kyiv,50.45,30.52,1,,,,0,,\n"
        );
        let rows = read(&csv);
        let Outcome::Refused(problems) = &rows[0].outcome else { panic!("{rows:?}") };
        let columns: Vec<&str> = problems.iter().map(|p| p.column.as_str()).collect();
        assert_eq!(columns, ["event_date", "time_precision", "latitude", "fatalities"]);
        assert_eq!(
            rows[1].outcome,
            Outcome::OutOfScope { class: "Protests / Peaceful protest".into() }
        );
    }
}
