//! UCDP's Georeferenced Event Dataset (GED): rows to reports ([`Reader`])
//! and reports to rows ([`record`]).
//!
//! GED gives each event a date range, a place with a precision code, and
//! deaths by side with a low, best and high estimate. The deaths become
//! `harm.killed` (the sides' deaths as military, the civilians', the
//! unknown), with `low` and `high` kept as the bounds of the estimate.

use std::io::Read;

use serde_json::{Map, Value, json};

use crate::mapping::UcdpMapping;
use crate::report::{self, Draft, Problems, degrees, field_text, identifier, split_summary};
use crate::table::{FileError, MappedRows, Row, Table};
use crate::time::{parse_date, rfc3339, window};
use crate::{ImportOptions, Outcome};

/// The columns of GED that [`record`] writes, in GED's order.
pub const COLUMNS: [&str; 22] = [
    "id",
    "year",
    "type_of_violence",
    "side_a",
    "side_b",
    "source_headline",
    "source_office",
    "where_prec",
    "where_coordinates",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
];

/// The HXL hashtags of [`COLUMNS`].
pub const HXL: [&str; 22] = [
    "#event+code",
    "#date+year",
    "#event+type",
    "#group+name+first",
    "#group+name+second",
    "#description",
    "#meta+source",
    "#geo+precision",
    "#loc+name",
    "#adm1+name",
    "#adm2+name",
    "#geo+lat",
    "#geo+lon",
    "#date+start",
    "#date+end",
    "#affected+killed+first",
    "#affected+killed+second",
    "#affected+killed+civilians",
    "#affected+killed+unknown",
    "#affected+killed",
    "#affected+killed+high",
    "#affected+killed+low",
];

const REQUIRED: [&str; 12] = [
    "id",
    "type_of_violence",
    "side_a",
    "side_b",
    "where_prec",
    "latitude",
    "longitude",
    "date_start",
    "date_end",
    "best",
    "high",
    "low",
];

const OPTIONAL: [&str; 10] = [
    "source_headline",
    "source_office",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
];

/// The rows of a GED export, mapped one at a time.
pub type Reader<'m, R> = MappedRows<'m, R, UcdpMapping>;

impl<'m, R: Read> Reader<'m, R> {
    /// Reads the header of `input`.
    pub fn new(
        input: R,
        mapping: &'m UcdpMapping,
        options: &'m ImportOptions,
    ) -> Result<Reader<'m, R>, FileError> {
        let table = Table::open(input, &REQUIRED, &OPTIONAL)?;
        Ok(MappedRows { table, mapping, options, map: map_row })
    }
}

fn map_row(row: &Row<'_>, mapping: &UcdpMapping, options: &ImportOptions) -> Outcome {
    let vocabulary = &mapping.vocabulary;
    let mut problems = Problems::default();
    let violence = row.get("type_of_violence");
    let headline = row.get("source_headline");
    let lowercase = format!("{headline} {}", row.get("where_description")).to_lowercase();
    let Some(kind) = vocabulary.kind(violence, &lowercase).map(str::to_owned) else {
        return Outcome::OutOfScope { class: format!("type_of_violence {violence}") };
    };
    let id = problems.required(row, "id", identifier);
    let start = problems.required(row, "date_start", parse_date);
    let end = problems.required(row, "date_end", parse_date);
    let window = match (start, end) {
        (Some(start), Some(end)) if end < start => {
            problems.add("date_end", "is before date_start");
            None
        }
        (Some(start), Some(end)) => {
            window(start, end, &options.time_zone).map_err(|e| problems.add("date_end", e)).ok()
        }
        _ => None,
    };
    let lat = problems.required(row, "latitude", degrees(90.0));
    let lon = problems.required(row, "longitude", degrees(180.0));
    let uncertainty_m = problems.required(row, "where_prec", |code| {
        vocabulary.radius(code).ok_or(format!("{code:?} is not a precision of the mapping table"))
    });
    let place = problems.line_of_text(row, "where_coordinates");
    let admin1 = problems.line_of_text(row, "adm_1");
    let admin2 = problems.line_of_text(row, "adm_2");
    let killed = deaths(row, &mut problems);
    let summary =
        report::summary(&mut problems, "source_headline", headline, row.get("source_office"));
    let party = (violence == "3")
        .then(|| vocabulary.party_of(row.get("side_a")))
        .flatten()
        .filter(|p| options.parties.as_ref().is_none_or(|parties| parties.contains(*p)));

    let (Some(id), Some(window), Some(lat), Some(lon), Some(uncertainty_m), true) =
        (id, window, lat, lon, uncertainty_m, problems.0.is_empty())
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
        perpetrator: party.map(|p| vocabulary.perpetrator_value(p)),
        targets: vocabulary.targets(&lowercase).into_iter().map(str::to_owned).collect(),
        killed,
        summary,
    };
    match draft.into_entry() {
        Ok(entry) => Outcome::Report { id, entry },
        Err(problems) => Outcome::Refused(problems),
    }
}

/// `harm.killed` of a row: the deaths by side as military, the civilians'
/// and the unknown ones (which GED says add up to `best`), or `best` as
/// unknown when the row does not split them; `low` and `high` as bounds.
fn deaths(row: &Row<'_>, problems: &mut Problems) -> Option<Value> {
    let [a, b, civilian, unknown, best, low, high] =
        ["deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "best", "low", "high"]
            .map(|column| problems.count(row, column));
    let best = best?;
    let mut killed = Map::new();
    if [a, b, civilian, unknown].iter().all(Option::is_none) {
        killed.insert("unknown".into(), json!(best));
    } else {
        let split = [a, b, civilian, unknown].iter().flatten().sum::<u64>();
        if split != best {
            problems.add("best", format!("is {best}, but the deaths by side add up to {split}"));
        }
        if a.is_some() || b.is_some() {
            killed.insert("military".into(), json!(a.unwrap_or(0) + b.unwrap_or(0)));
        }
        if let Some(civilian) = civilian {
            killed.insert("civilian".into(), json!(civilian));
        }
        if let Some(unknown) = unknown {
            killed.insert("unknown".into(), json!(unknown));
        }
    }
    match (low, high) {
        (Some(low), _) if low > best => problems.add("low", format!("is above best ({best})")),
        (_, Some(high)) if high < best => problems.add("high", format!("is below best ({best})")),
        _ => {}
    }
    if let Some(low) = low {
        killed.insert("low".into(), json!(low));
    }
    if let Some(high) = high {
        killed.insert("high".into(), json!(high));
    }
    Some(Value::Object(killed))
}

/// A report as a row of [`COLUMNS`]; `None` for an entry that is not a
/// report of an event.
pub fn record(
    entry: &Value,
    id: &str,
    mapping: &UcdpMapping,
    time_zone: &jiff::tz::TimeZone,
) -> Option<Vec<String>> {
    let location = entry.get("location")?;
    let date = |key: &str| -> Option<String> {
        let instant: jiff::Timestamp = entry["time"][key].as_str()?.parse().ok()?;
        let local = rfc3339(instant, time_zone);
        Some(local.get(..10)?.to_owned())
    };
    let (start, end) = (date("from")?, date("to")?);
    let party = entry["perpetrator"]["party"].as_str();
    let side_a = party.map(|p| mapping.vocabulary.actor_of(p).unwrap_or(p)).unwrap_or_default();
    let killed = &entry["harm"]["killed"];
    let count = |key: &str| killed[key].as_u64().map(|n| n.to_string()).unwrap_or_default();
    let best = if killed.is_object() { report::total(killed).to_string() } else { String::new() };
    let (headline, office) = split_summary(entry["summary"].as_str().unwrap_or_default());
    let uncertainty = location["uncertainty_m"].as_f64().unwrap_or_default();
    let text = |key: &str| location[key].as_str().unwrap_or_default().to_owned();
    Some(vec![
        id.to_owned(),
        start.get(..4).unwrap_or_default().to_owned(),
        mapping.default_type_of_violence.clone(),
        side_a.to_owned(),
        String::new(),
        headline.to_owned(),
        office.to_owned(),
        mapping.vocabulary.precision_code(uncertainty).unwrap_or("7").to_owned(),
        text("place"),
        text("admin1"),
        text("admin2"),
        field_text(&location["lat"]),
        field_text(&location["lon"]),
        start,
        end,
        count("military"),
        String::new(),
        count("civilian"),
        count("unknown"),
        best.clone(),
        killed.get("high").map_or(best.clone(), field_text),
        killed.get("low").map_or(best, field_text),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Mapped;

    #[test]
    fn an_event_becomes_a_report_with_bounds() {
        let csv = "id,relid,year,type_of_violence,side_a,side_b,source_headline,source_office,where_prec,where_coordinates,where_description,adm_1,adm_2,latitude,longitude,date_start,date_end,deaths_a,deaths_b,deaths_civilians,deaths_unknown,best,high,low\n\
            544001,UKR-2024-1-1,2024,3,Government of Russia (Soviet Union),Civilians,\"Russian shelling of Kherson kills 3, injures 7\",Ukrinform,1,Kherson town,Kherson city,Khersonska oblast,Khersonskyi raion,46.6354,32.6169,2024-02-14 00:00:00.000,2024-02-15 00:00:00.000,0,0,3,0,3,5,3\n";
        let mapping = UcdpMapping::bundled();
        let options = ImportOptions { time_zone: jiff::tz::TimeZone::UTC, parties: None };
        let rows: Vec<Mapped> =
            Reader::new(csv.as_bytes(), &mapping, &options).expect("header").collect();
        let Outcome::Report { id, entry } = &rows[0].outcome else { panic!("{rows:?}") };
        assert_eq!(id, "544001");
        assert_eq!(entry["event"], "artillery");
        assert_eq!(
            entry["time"],
            json!({"from": "2024-02-14T00:00:00Z", "to": "2024-02-15T23:59:59Z"})
        );
        assert_eq!(
            entry["harm"]["killed"],
            json!({"military": 0, "civilian": 3, "unknown": 0, "low": 3, "high": 5})
        );
        assert_eq!(entry["perpetrator"]["party"], "ru");
        let row = record(entry, id, &mapping, &options.time_zone).expect("a row");
        assert_eq!(&row[13..], ["2024-02-14", "2024-02-15", "0", "", "3", "0", "3", "5", "3"]);
    }
}
