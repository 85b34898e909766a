//! Calendar dates of datasets and the time windows of reports.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// A date as ACLED and UCDP write it: `2024-02-15`, `15 February 2024`,
/// `15-February-2024` or `15-Feb-24` (ACLED's styles), with any time of
/// day after it ignored (`2024-02-15 00:00:00.000`, as UCDP writes it).
pub fn parse_date(text: &str) -> Result<Date, String> {
    let bad = || format!("{text:?} is not a date (2024-02-15 or 15 February 2024)");
    let day_part = text.split([' ', 'T']).next().unwrap_or_default();
    if let Ok(date) = day_part.parse::<Date>() {
        return Ok(date);
    }
    let parts: Vec<&str> = text.split([' ', '-']).filter(|p| !p.is_empty()).collect();
    let [day, month, year] = parts[..] else {
        return Err(bad());
    };
    let month = month_number(month).ok_or_else(bad)?;
    let day: i8 = day.parse().map_err(|_| bad())?;
    let year: i16 = match (year.len(), year.parse::<i16>()) {
        (4, Ok(year)) => year,
        (2, Ok(year)) => 2000 + year,
        _ => return Err(bad()),
    };
    Date::new(year, month, day).map_err(|_| bad())
}

fn month_number(name: &str) -> Option<i8> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let name = name.to_ascii_lowercase();
    let position = MONTHS.iter().position(|m| {
        *m == name
            || (name.len() == 3 && m.starts_with(&name))
            || (name == "sept" && *m == "september")
    })?;
    i8::try_from(position + 1).ok()
}

/// The instant a day starts in `zone`.
fn start_of(date: Date, zone: &TimeZone) -> Result<Timestamp, String> {
    zone.to_timestamp(date.at(0, 0, 0, 0)).map_err(|e| format!("{date} in the time zone: {e}"))
}

/// The window from the start of `first` to the end of `last` (one second
/// before the next day starts), in `zone`, as RFC 3339 texts.
pub fn window(first: Date, last: Date, zone: &TimeZone) -> Result<(String, String), String> {
    let from = start_of(first, zone)?;
    let next = last.checked_add(1.day()).map_err(|e| e.to_string())?;
    let to = start_of(next, zone)? - 1.second();
    Ok((rfc3339(from, zone), rfc3339(to, zone)))
}

/// The window of the month of `date`, in `zone`. A report's window spans
/// at most 31 days, and a 31-day month in which the clocks go back is an
/// hour longer: its last hour is left out.
pub fn month_window(date: Date, zone: &TimeZone) -> Result<(String, String), String> {
    let from = start_of(date.first_of_month(), zone)?;
    let next =
        start_of(date.last_of_month().checked_add(1.day()).map_err(|e| e.to_string())?, zone)?;
    let longest = from + truce_entry::MAX_WINDOW_SECONDS.seconds();
    let to = (next - 1.second()).min(longest);
    Ok((rfc3339(from, zone), rfc3339(to, zone)))
}

/// `instant` in RFC 3339 with the zone's offset at that instant, `Z` for
/// UTC: the form the report schema takes.
pub fn rfc3339(instant: Timestamp, zone: &TimeZone) -> String {
    let offset = zone.to_offset(instant);
    if offset.seconds() == 0 {
        instant.to_string()
    } else {
        instant.display_with_offset(offset).to_string()
    }
}

/// How precisely a window is known, as ACLED codes it (1 a day, 2 a week,
/// 3 a month), and the date that stands for it in `zone`: its middle, or
/// for a month the 15th of the month its middle falls in.
pub fn date_and_precision(from: &str, to: &str, zone: &TimeZone) -> Option<(Date, u8)> {
    let (from, to): (Timestamp, Timestamp) = (from.parse().ok()?, to.parse().ok()?);
    let width = to.as_second() - from.as_second();
    let middle = Timestamp::from_second(from.as_second() + width / 2).ok()?;
    let date = zone.to_datetime(middle).date();
    // A day is 23 to 25 hours where clocks change.
    if width < 25 * 3600 {
        Some((date, 1))
    } else if width < 7 * 86400 + 3600 {
        Some((date, 2))
    } else {
        // A month: its middle stands for it, so that the date read back
        // as a month is written again as the same date.
        Some((date.first_of_month().checked_add(14.days()).ok()?, 3))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_style() {
        let expected = Date::new(2024, 2, 15).expect("date");
        for text in [
            "2024-02-15",
            "15 February 2024",
            "15-February-2024",
            "15-Feb-24",
            "2024-02-15 00:00:00.000",
        ] {
            assert_eq!(parse_date(text), Ok(expected), "{text}");
        }
        for text in ["2024-02-30", "31 Febr 2024", "15/02/2024", "", "February 2024"] {
            assert!(parse_date(text).is_err(), "{text}");
        }
    }

    #[test]
    fn windows_are_whole_local_days() {
        let kyiv = TimeZone::get("Europe/Kyiv").expect("zone");
        let day = Date::new(2024, 3, 31).expect("date");
        let (from, to) = window(day, day, &kyiv).expect("window");
        // The clocks went forward that night: a 23-hour day.
        assert_eq!(
            (from.as_str(), to.as_str()),
            ("2024-03-31T00:00:00+02:00", "2024-03-31T23:59:59+03:00")
        );
        assert_eq!(date_and_precision(&from, &to, &kyiv), Some((day, 1)));
        let (from, to) = window(day, day, &TimeZone::UTC).expect("window");
        assert_eq!((from.as_str(), to.as_str()), ("2024-03-31T00:00:00Z", "2024-03-31T23:59:59Z"));
    }
}
