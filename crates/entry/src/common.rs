//! The small value types shared by every entry: identifiers, text, times,
//! coordinates, counts, hashes and keys.

use std::fmt;

use serde_json::{Value, json};

use crate::check::{Checker, Field, kind_of};
use crate::json::MAX_SAFE_INTEGER;

fn read_str<'v>(value: &'v Value, at: &mut Checker) -> Option<&'v str> {
    let s = value.as_str();
    if s.is_none() {
        at.problem(format!("must be a string, not {}", kind_of(value)));
    }
    s
}

fn read_f64(value: &Value, at: &mut Checker) -> Option<f64> {
    let n = value.as_f64();
    if n.is_none() {
        at.problem(format!("must be a number, not {}", kind_of(value)));
    }
    n
}

/// Reads a non-negative whole number up to `max`.
fn read_whole(value: &Value, at: &mut Checker, max: u64) -> Option<u64> {
    let n = read_f64(value, at)?;
    if n < 0.0 {
        at.problem("must not be negative");
        None
    } else if n.fract() != 0.0 {
        at.problem("must be a whole number");
        None
    } else if n > max as f64 {
        at.problem(format!("must be at most {max}"));
        None
    } else {
        // In range and integral, so the conversion is exact.
        Some(n as u64)
    }
}

/// Characters no text in an entry may hold: control characters, and the
/// bidirectional formatting characters that can make text display
/// differently from what it says.
fn is_forbidden_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn check_text(text: &str, at: &mut Checker, max_chars: usize, multiline: bool) -> bool {
    let mut ok = true;
    if text.trim().is_empty() {
        at.problem("must not be empty");
        return false;
    }
    if text.trim() != text {
        at.problem("must not start or end with white space");
        ok = false;
    }
    if let Some(c) = text.chars().find(|&c| is_forbidden_char(c) && !(multiline && c == '\n')) {
        at.problem(format!(
            "must not contain control or bidirectional formatting characters (found U+{:04X})",
            u32::from(c)
        ));
        ok = false;
    }
    let chars = text.chars().count();
    if chars > max_chars {
        at.problem(format!("must be at most {max_chars} characters long (is {chars})"));
        ok = false;
    }
    ok
}

/// One line of text of at most `MAX` characters: not empty, no leading or
/// trailing white space, no control or bidirectional formatting characters.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text<const MAX: usize>(String);

/// Text of at most `MAX` characters that may hold line breaks (`\n`), and
/// otherwise follows the rules of [`Text`].
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Prose<const MAX: usize>(String);

macro_rules! text_type {
    ($name:ident, $multiline:expr, $what:literal) => {
        impl<const MAX: usize> $name<MAX> {
            /// Checks `text` and wraps it.
            pub fn new(text: impl Into<String>) -> Result<Self, crate::Problems> {
                let text = text.into();
                let mut at = Checker::new();
                if check_text(&text, &mut at, MAX, $multiline) {
                    Ok($name(text))
                } else {
                    Err(at.into_problems())
                }
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl<const MAX: usize> Field for $name<MAX> {
            fn read(value: &Value, at: &mut Checker) -> Option<Self> {
                let text = read_str(value, at)?;
                check_text(text, at, MAX, $multiline).then(|| $name(text.to_owned()))
            }

            fn write(&self) -> Value {
                Value::String(self.0.clone())
            }

            fn schema() -> Value {
                json!({
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX,
                    "description": $what,
                })
            }
        }

        impl<const MAX: usize> fmt::Display for $name<MAX> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<const MAX: usize> fmt::Debug for $name<MAX> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl<const MAX: usize> serde::Serialize for $name<MAX> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }
    };
}

text_type!(Text, false, "One line of text: no control characters, no leading or trailing spaces.");
text_type!(Prose, true, "Text that may hold line breaks; no other control characters.");

/// An identifier chosen by people: a source, a party, a rule, a zone, a
/// source's own report id. 1 to 64 ASCII letters, digits, `.`, `_`, `-` or
/// `:`, starting with a letter or digit. Case matters.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Identifier(String);

const IDENTIFIER_PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$";

impl Identifier {
    /// Checks `id` and wraps it.
    pub fn new(id: impl Into<String>) -> Result<Identifier, crate::Problems> {
        let id = id.into();
        match identifier_problem(&id) {
            None => Ok(Identifier(id)),
            Some(message) => Err(crate::Problems::whole(message)),
        }
    }

    /// The identifier.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn identifier_problem(id: &str) -> Option<&'static str> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':');
    if id.is_empty() {
        Some("must not be empty")
    } else if id.len() > 64 {
        Some("must be at most 64 characters long")
    } else if !id.chars().all(allowed) {
        Some("may only hold ASCII letters, digits, '.', '_', '-' and ':'")
    } else if !id.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        Some("must start with a letter or a digit")
    } else {
        None
    }
}

impl Field for Identifier {
    fn read(value: &Value, at: &mut Checker) -> Option<Self> {
        let id = read_str(value, at)?;
        match identifier_problem(id) {
            None => Some(Identifier(id.to_owned())),
            Some(message) => {
                at.problem(message);
                None
            }
        }
    }

    fn write(&self) -> Value {
        Value::String(self.0.clone())
    }

    fn schema() -> Value {
        json!({"type": "string", "pattern": IDENTIFIER_PATTERN})
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl serde::Serialize for Identifier {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// A BCP 47 language tag in its canonical form (`uk`, `ru`, `en-GB`,
/// `uk-Latn`): the case ICU4X writes, so that one language has one
/// spelling and an entry one canonical form.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LanguageTag(String);

impl LanguageTag {
    /// Checks `tag` and wraps it.
    pub fn new(tag: &str) -> Result<LanguageTag, crate::Problems> {
        language_tag(tag).map_err(crate::Problems::whole)
    }

    /// The tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn language_tag(tag: &str) -> Result<LanguageTag, String> {
    let locale = icu_locale_core::Locale::try_from_str(tag)
        .map_err(|_| format!("{tag:?} is not a BCP 47 language tag such as \"uk\" or \"en-GB\""))?;
    let canonical = locale.to_string();
    if canonical != tag {
        return Err(format!("must be written {canonical:?}, the tag's canonical form"));
    }
    Ok(LanguageTag(canonical))
}

impl fmt::Display for LanguageTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for LanguageTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl serde::Serialize for LanguageTag {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// The most languages a [`Translations`] may hold.
pub const MAX_TRANSLATIONS: usize = 16;

/// The same text in several languages: a JSON object from
/// [`LanguageTag`]s to texts, 1 to [`MAX_TRANSLATIONS`] of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Translations<T>(pub std::collections::BTreeMap<LanguageTag, T>);

impl<T: Field> Field for Translations<T> {
    fn read(value: &Value, at: &mut Checker) -> Option<Self> {
        let Some(object) = value.as_object() else {
            at.problem(format!(
                "must be an object from language tags to texts, not {}",
                kind_of(value)
            ));
            return None;
        };
        if object.is_empty() || object.len() > MAX_TRANSLATIONS {
            at.problem(format!("must hold 1 to {MAX_TRANSLATIONS} languages"));
            return None;
        }
        let mut out = std::collections::BTreeMap::new();
        let mut ok = true;
        for (tag, text) in object {
            at.at_key(tag, |at| match language_tag(tag) {
                Err(message) => {
                    at.problem(message);
                    ok = false;
                }
                Ok(tag) => match T::read(text, at) {
                    Some(text) => {
                        out.insert(tag, text);
                    }
                    None => ok = false,
                },
            });
        }
        ok.then_some(Translations(out))
    }

    fn write(&self) -> Value {
        Value::Object(self.0.iter().map(|(tag, text)| (tag.0.clone(), text.write())).collect())
    }

    fn schema() -> Value {
        json!({
            "type": "object",
            "minProperties": 1,
            "maxProperties": MAX_TRANSLATIONS,
            "propertyNames": {"minLength": 2, "maxLength": 64},
            "additionalProperties": T::schema(),
            "description": "the same text in several languages, by BCP 47 language tag in canonical form",
        })
    }
}

impl<T: serde::Serialize> serde::Serialize for Translations<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// An instant, written in RFC 3339 with an explicit UTC offset
/// (`2025-11-14T03:20:00Z`, `2025-11-14T05:20:00+02:00`).
///
/// The text is kept as the signer wrote it (it is part of the signed bytes);
/// the instant is what comparisons use.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Timestamp {
    text: String,
    instant: jiff::Timestamp,
}

impl Timestamp {
    /// Parses an RFC 3339 timestamp with a UTC offset.
    pub fn parse(text: &str) -> Result<Timestamp, &'static str> {
        check_rfc3339_shape(text)?;
        let instant =
            text.parse::<jiff::Timestamp>().map_err(|_| "is not a valid date and time")?;
        Ok(Timestamp { text: text.to_owned(), instant })
    }

    /// The instant, in UTC, with the precision written (`Z` form).
    pub fn from_instant(instant: jiff::Timestamp) -> Timestamp {
        Timestamp { text: instant.to_string(), instant }
    }

    /// The instant.
    pub fn instant(&self) -> jiff::Timestamp {
        self.instant
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// The RFC 3339 `date-time` grammar, strictly: `T` and `Z` in upper case,
/// seconds present, a fraction of 1 to 9 digits, an offset always.
fn check_rfc3339_shape(text: &str) -> Result<(), &'static str> {
    const SHAPE: &str = "must be an RFC 3339 date and time like 2025-11-14T03:20:00Z";
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range).is_some_and(|s| s.iter().all(u8::is_ascii_digit))
    };
    let shape_ok = b.len() >= 19
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if !shape_ok {
        return Err(SHAPE);
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let n = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 || n > 9 {
            return Err("must have 1 to 9 digits after the decimal point of the seconds");
        }
        rest = &fraction[n..];
    }
    match rest.as_bytes() {
        [] => Err("must have a UTC offset (Z or +hh:mm)"),
        b"Z" => Ok(()),
        [b'+' | b'-', h1, h2, b':', m1, m2]
            if [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit()) =>
        {
            Ok(())
        }
        _ => Err("has an invalid UTC offset: use Z or +hh:mm"),
    }
}

impl Field for Timestamp {
    fn read(value: &Value, at: &mut Checker) -> Option<Self> {
        let text = read_str(value, at)?;
        Timestamp::parse(text).map_err(|message| at.problem(message)).ok()
    }

    fn write(&self) -> Value {
        Value::String(self.text.clone())
    }

    fn schema() -> Value {
        json!({
            "type": "string",
            "format": "date-time",
            "pattern": "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$",
        })
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.text, f)
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

/// A calendar date, `YYYY-MM-DD`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Date(pub jiff::civil::Date);

impl Field for Date {
    fn read(value: &Value, at: &mut Checker) -> Option<Self> {
        let text = read_str(value, at)?;
        let shaped = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
        match text.parse::<jiff::civil::Date>() {
            Ok(date) if shaped => Some(Date(date)),
            _ => {
                at.problem("must be a date like 2025-11-14");
                None
            }
        }
    }

    fn write(&self) -> Value {
        Value::String(self.0.to_string())
    }

    fn schema() -> Value {
        json!({"type": "string", "format": "date", "pattern": "^\\d{4}-\\d{2}-\\d{2}$"})
    }
}

macro_rules! bounded_number {
    ($(#[doc = $doc:literal])* $name:ident, $min:expr, $max:expr, $message:literal) => {
        $(#[doc = $doc])*
        #[derive(Clone, Copy, PartialEq, PartialOrd, Debug)]
        pub struct $name(pub f64);

        impl Field for $name {
            fn read(value: &Value, at: &mut Checker) -> Option<Self> {
                let n = read_f64(value, at)?;
                if ($min..=$max).contains(&n) {
                    Some($name(n))
                } else {
                    at.problem($message);
                    None
                }
            }

            fn write(&self) -> Value {
                json!(self.0)
            }

            fn schema() -> Value {
                json!({"type": "number", "minimum": $min, "maximum": $max})
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_f64(self.0)
            }
        }
    };
}

bounded_number!(
    /// Latitude in decimal degrees, WGS 84.
    Latitude, -90.0, 90.0, "must be between -90 and 90"
);
bounded_number!(
    /// Longitude in decimal degrees, WGS 84.
    Longitude, -180.0, 180.0, "must be between -180 and 180"
);
bounded_number!(
    /// A distance in metres, up to 1,000 km.
    Meters, 0.0, 1_000_000.0, "must be between 0 and 1000000 metres"
);
bounded_number!(
    /// A compass bearing in degrees clockwise from true north.
    Bearing, 0.0, 360.0, "must be between 0 and 360 degrees"
);

/// A count of people, customers or items: a whole number from 0 to
/// 100,000,000.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Count(pub u32);

const MAX_COUNT: u64 = 100_000_000;

impl Field for Count {
    fn read(value: &Value, at: &mut Checker) -> Option<Self> {
        // MAX_COUNT fits in u32.
        read_whole(value, at, MAX_COUNT).map(|n| Count(n as u32))
    }

    fn write(&self) -> Value {
        json!(self.0)
    }

    fn schema() -> Value {
        json!({"type": "integer", "minimum": 0, "maximum": MAX_COUNT})
    }
}

impl serde::Serialize for Count {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.0)
    }
}

/// The index of an entry in the log (0-based).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct LogIndex(pub u64);

impl Field for LogIndex {
    fn read(value: &Value, at: &mut Checker) -> Option<Self> {
        read_whole(value, at, MAX_SAFE_INTEGER).map(LogIndex)
    }

    fn write(&self) -> Value {
        json!(self.0)
    }

    fn schema() -> Value {
        json!({"type": "integer", "minimum": 0, "maximum": MAX_SAFE_INTEGER})
    }
}

impl serde::Serialize for LogIndex {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl fmt::Display for LogIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A size in bytes, up to 2^53 - 1.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct ByteSize(pub u64);

impl Field for ByteSize {
    fn read(value: &Value, at: &mut Checker) -> Option<Self> {
        read_whole(value, at, MAX_SAFE_INTEGER).map(ByteSize)
    }

    fn write(&self) -> Value {
        json!(self.0)
    }

    fn schema() -> Value {
        json!({"type": "integer", "minimum": 0, "maximum": MAX_SAFE_INTEGER})
    }
}

impl serde::Serialize for ByteSize {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

/// An analyst's credibility rating on the Admiralty scale: 1 (confirmed) to
/// 6 (cannot be judged).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Credibility(pub u8);

impl Field for Credibility {
    fn read(value: &Value, at: &mut Checker) -> Option<Self> {
        let n = read_f64(value, at)?;
        if (1.0..=6.0).contains(&n) && n.fract() == 0.0 {
            // A whole number from 1 to 6.
            Some(Credibility(n as u8))
        } else {
            at.problem("must be a whole number from 1 (confirmed) to 6 (cannot be judged)");
            None
        }
    }

    fn write(&self) -> Value {
        json!(self.0)
    }

    fn schema() -> Value {
        json!({"type": "integer", "minimum": 1, "maximum": 6})
    }
}

impl serde::Serialize for Credibility {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.0)
    }
}

/// A SHA-256 digest in lower-case hex (64 digits).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sha256Hex(pub [u8; 32]);

impl Field for Sha256Hex {
    fn read(value: &Value, at: &mut Checker) -> Option<Self> {
        let text = read_str(value, at)?;
        let digest = text.parse().ok();
        if digest.is_none() {
            at.problem("must be a SHA-256 digest: 64 lower-case hex digits");
        }
        digest
    }

    fn write(&self) -> Value {
        Value::String(self.to_string())
    }

    fn schema() -> Value {
        json!({"type": "string", "pattern": "^[0-9a-f]{64}$"})
    }
}

impl std::str::FromStr for Sha256Hex {
    type Err = &'static str;

    /// Reads 64 lower-case hex digits: a digest has one spelling.
    fn from_str(text: &str) -> Result<Sha256Hex, &'static str> {
        let invalid = "must be a SHA-256 digest: 64 lower-case hex digits";
        let lower_hex = |b: &u8| b.is_ascii_digit() || (b'a'..=b'f').contains(b);
        if text.len() != 64 || !text.as_bytes().iter().all(lower_hex) {
            return Err(invalid);
        }
        let mut digest = [0u8; 32];
        for (byte, pair) in digest.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
            let pair = std::str::from_utf8(pair).map_err(|_| invalid)?;
            *byte = u8::from_str_radix(pair, 16).map_err(|_| invalid)?;
        }
        Ok(Sha256Hex(digest))
    }
}

impl fmt::Display for Sha256Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for Sha256Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256Hex({self})")
    }
}

impl serde::Serialize for Sha256Hex {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A media type such as `image/jpeg` (RFC 6838), in lower case, without
/// parameters.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct MediaType(String);

impl MediaType {
    /// `text` as a media type, if it is one: lower case, without
    /// parameters.
    pub fn new(text: &str) -> Option<MediaType> {
        is_media_type(text).then(|| MediaType(text.to_owned()))
    }

    /// The media type.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_media_type(text: &str) -> bool {
    let token = |s: &str| {
        (1..=127).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "!#$&-^_.+".contains(c))
    };
    text.split_once('/').is_some_and(|(t, s)| token(t) && token(s))
}

impl Field for MediaType {
    fn read(value: &Value, at: &mut Checker) -> Option<Self> {
        let text = read_str(value, at)?;
        if is_media_type(text) {
            Some(MediaType(text.to_owned()))
        } else {
            at.problem("must be a lower-case media type like image/jpeg, without parameters");
            None
        }
    }

    fn write(&self) -> Value {
        Value::String(self.0.clone())
    }

    fn schema() -> Value {
        json!({"type": "string", "pattern": "^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$"})
    }
}

impl serde::Serialize for MediaType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// A signed-note verifier key of type Ed25519 (`0x01`), in its text form.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct VerifierKeyText(pub truce_note::VerifierKey);

impl Field for VerifierKeyText {
    fn read(value: &Value, at: &mut Checker) -> Option<Self> {
        let text = read_str(value, at)?;
        match text.parse::<truce_note::VerifierKey>() {
            Ok(key) if key.algorithm() == truce_note::Algorithm::Ed25519 => {
                Some(VerifierKeyText(key))
            }
            Ok(_) => {
                at.problem("must be an Ed25519 (type 0x01) verifier key");
                None
            }
            Err(e) => {
                at.problem(format!("must be a verifier key <name>+<id>+<key>: {e}"));
                None
            }
        }
    }

    fn write(&self) -> Value {
        Value::String(self.0.to_string())
    }

    fn schema() -> Value {
        json!({"type": "string", "pattern": "^[^+\\s]+\\+[0-9a-f]{8}\\+[A-Za-z0-9+/]+=*$"})
    }
}

impl serde::Serialize for VerifierKeyText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// A 32-byte hash in standard base64, as checkpoints write root hashes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Base64Hash(pub [u8; 32]);

impl Field for Base64Hash {
    fn read(value: &Value, at: &mut Checker) -> Option<Self> {
        use base64::Engine as _;
        let text = read_str(value, at)?;
        let decoded = base64::engine::general_purpose::STANDARD.decode(text).ok();
        match decoded.and_then(|d| <[u8; 32]>::try_from(d).ok()) {
            Some(hash) => Some(Base64Hash(hash)),
            None => {
                at.problem("must be a 32-byte hash in standard base64");
                None
            }
        }
    }

    fn write(&self) -> Value {
        use base64::Engine as _;
        Value::String(base64::engine::general_purpose::STANDARD.encode(self.0))
    }

    fn schema() -> Value {
        json!({"type": "string", "pattern": "^[A-Za-z0-9+/]{43}=$"})
    }
}

impl serde::Serialize for Base64Hash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.write().serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_shapes() {
        for ok in [
            "2025-11-14T03:20:00Z",
            "2025-11-14T03:20:00.5Z",
            "2025-11-14T05:20:00+02:00",
            "2025-11-14T03:20:00.123456789-01:30",
        ] {
            assert!(Timestamp::parse(ok).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("2025-11-14T03:20:00", "must have a UTC offset (Z or +hh:mm)"),
            ("2025-11-14 03:20:00Z", "must be an RFC 3339 date and time like 2025-11-14T03:20:00Z"),
            ("2025-11-14T03:20Z", "must be an RFC 3339 date and time like 2025-11-14T03:20:00Z"),
            ("2025-11-14T03:20:00z", "has an invalid UTC offset: use Z or +hh:mm"),
            ("2025-11-14T03:20:00+0200", "has an invalid UTC offset: use Z or +hh:mm"),
            ("2025-02-30T03:20:00Z", "is not a valid date and time"),
            (
                "2025-11-14T03:20:00.Z",
                "must have 1 to 9 digits after the decimal point of the seconds",
            ),
        ] {
            assert_eq!(Timestamp::parse(bad).err(), Some(why), "{bad}");
        }
    }

    #[test]
    fn offsets_are_honoured() {
        let a = Timestamp::parse("2025-11-14T05:20:00+02:00").expect("valid");
        let b = Timestamp::parse("2025-11-14T03:20:00Z").expect("valid");
        assert_eq!(a.instant(), b.instant());
        assert_ne!(a, b, "the written form is part of the value");
    }

    #[test]
    fn media_types() {
        assert!(is_media_type("image/jpeg"));
        assert!(is_media_type("application/vnd.geo+json"));
        assert!(!is_media_type("image/JPEG"));
        assert!(!is_media_type("image/jpeg; q=1"));
        assert!(!is_media_type("image"));
    }
}
