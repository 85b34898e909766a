//! What the capturing device says of a photo, from its EXIF: when it was
//! taken, where, and with what.
//!
//! These are claims, not findings: any program can write EXIF, and the
//! evidence entry records them as what the device *says* (`captured`,
//! `place`). So nothing is inferred or repaired here: a value is given
//! only when the EXIF states it whole and within range, and is otherwise
//! left out. In particular a local time without its offset is not given,
//! since the time zone would have to be guessed.
//!
//! The EXIF is read with the `kamadak-exif` crate, from JPEG, PNG, TIFF,
//! HEIF (HEIC, AVIF) and WebP. Coordinates are taken as WGS 84, which is
//! what GPS receivers give; `GPSMapDatum` is not read.

use std::io::{BufRead, Seek, SeekFrom};
use std::panic::{AssertUnwindSafe, catch_unwind};

use exif::{Exif, Field, In, Rational, Reader, Tag, Value};

use crate::read::essence;

/// The declared media types whose EXIF is read.
const EXIF_TYPES: [&str; 7] = [
    "image/jpeg",
    "image/png",
    "image/tiff",
    "image/heic",
    "image/heif",
    "image/avif",
    "image/webp",
];

/// The longest device name given, in characters; a longer one is cut.
const MAX_DEVICE_CHARS: usize = 200;

/// Coordinates are rounded to this many decimal places (about 1 cm), so
/// that the recorded number does not hang on the last bits of a float.
const COORDINATE_SCALE: f64 = 1e7;

/// What a file's EXIF says of its capture. Each field is `None` when the
/// EXIF does not say it, or says it incompletely or out of range.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeviceClaims {
    /// When the picture was taken, in RFC 3339 with its offset: from
    /// `DateTimeOriginal` with `OffsetTimeOriginal`
    /// (`2025-11-14T03:22:10+02:00`), or else from the GPS date and time
    /// stamps, which are UTC (`2025-11-14T01:22:10Z`, fractions of a
    /// second dropped). Never with a guessed offset.
    pub captured: Option<String>,
    /// Latitude in decimal degrees (south negative), rounded to 7 places.
    /// Given only together with [`DeviceClaims::lon`].
    pub lat: Option<f64>,
    /// Longitude in decimal degrees (west negative), rounded to 7 places.
    /// Given only together with [`DeviceClaims::lat`].
    pub lon: Option<f64>,
    /// The horizontal positioning error in metres (`GPSHPositioningError`),
    /// given only with a position.
    pub uncertainty_m: Option<f64>,
    /// The device: `Make` and `Model`, or the model alone when it already
    /// names the maker (`Canon EOS R5`, `Apple iPhone 15 Pro`).
    pub device: Option<String>,
}

/// What the EXIF in `stream`, a file of the declared `media_type`, says of
/// its capture. The stream is read from its start.
///
/// Never fails: a type that carries no EXIF here, a file without EXIF, a
/// stream that fails to read, or EXIF too broken to parse give
/// [`DeviceClaims::default`], all `None`. Of EXIF that is broken in places
/// (an entry pointing past the end, say), the fields that parse are used.
///
/// Like [`crate::inspect`], this reads the container the bytes turn out to
/// be, whatever the declared type, as long as the declared type is one
/// that carries EXIF. A TIFF is read into memory whole: callers should cap
/// the size of what they pass.
///
/// ```
/// use std::io::Cursor;
/// use truce_credentials::{DeviceClaims, device_claims};
///
/// let jpeg = b"\xff\xd8\xff\xd9"; // no EXIF at all
/// let claims = device_claims("image/jpeg", &mut Cursor::new(&jpeg[..]));
/// assert_eq!(claims, DeviceClaims::default());
/// ```
pub fn device_claims(media_type: &str, stream: &mut (impl BufRead + Seek)) -> DeviceClaims {
    if !EXIF_TYPES.contains(&essence(media_type).as_str()) {
        return DeviceClaims::default();
    }
    if stream.seek(SeekFrom::Start(0)).is_err() {
        return DeviceClaims::default();
    }
    // The parser reads hostile input, and values are decoded lazily, when
    // first asked for: a panic anywhere in reading is caught, and means
    // no claims. Nothing outside the closure is used after one but the
    // stream, whose position no longer matters.
    catch_unwind(AssertUnwindSafe(|| read(stream).map(|exif| claims(&exif))))
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// The EXIF in `stream`, as much of it as parses.
fn read(stream: &mut (impl BufRead + Seek)) -> Option<Exif> {
    let mut reader = Reader::new();
    match reader.continue_on_error(true).read_from_container(stream) {
        Ok(exif) => Some(exif),
        // Errors in single entries or sub-directories: the rest is kept.
        Err(error) => error.distill_partial_result(|_ignored| {}).ok(),
    }
}

/// The claims `exif` makes.
fn claims(exif: &Exif) -> DeviceClaims {
    let field = |tag| exif.get_field(tag, In::PRIMARY);
    let (lat, lon, uncertainty_m) = match position(&field) {
        Some((lat, lon)) => (Some(lat), Some(lon), uncertainty(field(Tag::GPSHPositioningError))),
        None => (None, None, None),
    };
    DeviceClaims {
        captured: local_time(&field).or_else(|| gps_time(&field)),
        lat,
        lon,
        uncertainty_m,
        device: device(field(Tag::Make), field(Tag::Model)),
    }
}

/// `DateTimeOriginal` at `OffsetTimeOriginal`, if both are there and valid.
fn local_time<'a>(field: &impl Fn(Tag) -> Option<&'a Field>) -> Option<String> {
    let when = ascii(field(Tag::DateTimeOriginal)?)?;
    let offset = ascii(field(Tag::OffsetTimeOriginal)?)?;
    // `YYYY:MM:DD HH:MM:SS` (EXIF 2.32, 4.6.5).
    let (date, rest) = when.split_at_checked(10)?;
    let time = rest.strip_prefix(b" ")?;
    Some(format!("{}T{}{}", date_of(date)?, time_of(time)?, offset_of(offset)?))
}

/// The GPS date and time stamps, which are UTC, if both are there and
/// valid. Fractions of a second are dropped.
fn gps_time<'a>(field: &impl Fn(Tag) -> Option<&'a Field>) -> Option<String> {
    let date = date_of(ascii(field(Tag::GPSDateStamp)?)?)?;
    let Value::Rational(hms) = &field(Tag::GPSTimeStamp)?.value else { return None };
    let [hour, minute, second] = hms.as_slice() else { return None };
    let whole =
        |r: &Rational| (r.denom != 0 && r.num.is_multiple_of(r.denom)).then(|| r.num / r.denom);
    let (hour, minute) = (whole(hour)?, whole(minute)?);
    let second = second.num.checked_div(second.denom)?;
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some(format!("{date}T{hour:02}:{minute:02}:{second:02}Z"))
}

/// `YYYY:MM:DD` as `YYYY-MM-DD`, if it is a real date.
fn date_of(text: &[u8]) -> Option<String> {
    let [y0, y1, y2, y3, b':', m0, m1, b':', d0, d1] = *text else { return None };
    let (year, month, day) = (number(&[y0, y1, y2, y3])?, number(&[m0, m1])?, number(&[d0, d1])?);
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    // Year 0 is a common placeholder for "not set", as are zero months
    // and days; none is a date.
    (year >= 1 && (1..=days).contains(&day)).then(|| format!("{year:04}-{month:02}-{day:02}"))
}

/// `HH:MM:SS`, if it is a time of day. A leap second (60) is refused:
/// devices do not write one, and the ledger's timestamps do not take one.
fn time_of(text: &[u8]) -> Option<String> {
    let [h0, h1, b':', m0, m1, b':', s0, s1] = *text else { return None };
    let (hour, minute, second) = (number(&[h0, h1])?, number(&[m0, m1])?, number(&[s0, s1])?);
    (hour <= 23 && minute <= 59 && second <= 59)
        .then(|| format!("{hour:02}:{minute:02}:{second:02}"))
}

/// `+HH:MM` or `-HH:MM`, if it is a valid offset. `-00:00` is refused: in
/// RFC 3339 it means "offset unknown", and would turn a local time into a
/// UTC one.
fn offset_of(text: &[u8]) -> Option<String> {
    let [sign @ (b'+' | b'-'), h0, h1, b':', m0, m1] = *text else { return None };
    let (hour, minute) = (number(&[h0, h1])?, number(&[m0, m1])?);
    if hour > 23 || minute > 59 || (sign == b'-' && hour == 0 && minute == 0) {
        return None;
    }
    Some(format!("{}{hour:02}:{minute:02}", char::from(sign)))
}

/// ASCII digits as a number.
fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, &d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
}

/// The position, if latitude and longitude are both there and valid, and
/// the receiver did not mark the fix void.
fn position<'a>(field: &impl Fn(Tag) -> Option<&'a Field>) -> Option<(f64, f64)> {
    // `V`: "measurement interrupted" (EXIF 2.32, GPSStatus).
    if field(Tag::GPSStatus).and_then(ascii).is_some_and(|s| s.eq_ignore_ascii_case(b"V")) {
        return None;
    }
    let lat =
        coordinate(field(Tag::GPSLatitude)?, field(Tag::GPSLatitudeRef)?, [b'N', b'S'], 90.0)?;
    let lon =
        coordinate(field(Tag::GPSLongitude)?, field(Tag::GPSLongitudeRef)?, [b'E', b'W'], 180.0)?;
    Some((lat, lon))
}

/// A coordinate from its degrees, minutes and seconds and its reference
/// (`[positive, negative]`, `N`/`S` or `E`/`W`), in decimal degrees
/// rounded to 7 places, if it is within `limit` degrees.
fn coordinate(value: &Field, reference: &Field, refs: [u8; 2], limit: f64) -> Option<f64> {
    let Value::Rational(dms) = &value.value else { return None };
    let [degrees, minutes, seconds] = dms.as_slice() else { return None };
    let part = |r: &Rational| (r.denom != 0).then(|| r.to_f64());
    let (degrees, minutes, seconds) = (part(degrees)?, part(minutes)?, part(seconds)?);
    if minutes >= 60.0 || seconds >= 60.0 {
        return None;
    }
    let magnitude = degrees + minutes / 60.0 + seconds / 3600.0;
    let magnitude = (magnitude * COORDINATE_SCALE).round() / COORDINATE_SCALE;
    if magnitude > limit {
        return None;
    }
    match ascii(reference)? {
        [r] if r.eq_ignore_ascii_case(&refs[0]) => Some(magnitude),
        // Negated only when not zero: -0.0 would be written `-0`.
        [r] if r.eq_ignore_ascii_case(&refs[1]) => {
            Some(if magnitude == 0.0 { 0.0 } else { -magnitude })
        }
        _ => None,
    }
}

/// The horizontal positioning error in metres, if it is a number.
fn uncertainty(field: Option<&Field>) -> Option<f64> {
    let Value::Rational(values) = &field?.value else { return None };
    let [error] = values.as_slice() else { return None };
    (error.denom != 0).then(|| error.to_f64())
}

/// The device's name from its `Make` and `Model`.
fn device(make: Option<&Field>, model: Option<&Field>) -> Option<String> {
    let make = make.and_then(ascii).and_then(clean);
    let model = model.and_then(ascii).and_then(clean);
    let name = match (make, model) {
        (Some(make), Some(model)) if model.to_lowercase().starts_with(&make.to_lowercase()) => {
            model
        }
        (Some(make), Some(model)) => format!("{make} {model}"),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => return None,
    };
    Some(name.chars().take(MAX_DEVICE_CHARS).collect())
}

/// Text from EXIF with control characters and runs of white space made
/// single spaces, trimmed; `None` if nothing is left. EXIF says ASCII;
/// other bytes are shown as the replacement character.
fn clean(raw: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// The first string of an ASCII field.
fn ascii(field: &Field) -> Option<&[u8]> {
    match &field.value {
        Value::Ascii(strings) => strings.first().map(Vec::as_slice),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date_of(b"2024:02:29").as_deref(), Some("2024-02-29"));
        for bad in [
            &b"2023:02:29"[..],
            b"1900:02:29",
            b"0000:00:00",
            b"2025:13:01",
            b"2025:04:31",
            b"2025-04-01",
            b"2025:4:1",
            b"    :  :  ",
        ] {
            assert_eq!(date_of(bad), None, "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(date_of(b"2000:02:29").as_deref(), Some("2000-02-29"));
    }

    #[test]
    fn times_and_offsets() {
        assert_eq!(time_of(b"23:59:59").as_deref(), Some("23:59:59"));
        assert_eq!(time_of(b"24:00:00"), None);
        assert_eq!(time_of(b"12:00:60"), None);
        assert_eq!(time_of(b"12:0:00"), None);
        assert_eq!(offset_of(b"+02:00").as_deref(), Some("+02:00"));
        assert_eq!(offset_of(b"-05:30").as_deref(), Some("-05:30"));
        assert_eq!(offset_of(b"+00:00").as_deref(), Some("+00:00"));
        for bad in [&b"-00:00"[..], b"+24:00", b"+01:60", b"02:00", b"+2:00", b"   :  "] {
            assert_eq!(offset_of(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn cleaning() {
        assert_eq!(clean(b"  Canon\0 \x01EOS   R5 ").as_deref(), Some("Canon EOS R5"));
        assert_eq!(clean(b" \t "), None);
    }
}
