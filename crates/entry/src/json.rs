//! Strict JSON parsing and the canonical form of RFC 8785 (JCS).
//!
//! Entries are signed in their canonical form: members sorted by their
//! UTF-16 code units, no insignificant white space, strings with the minimal
//! escapes, numbers as ECMAScript prints them. Parsing is strict where
//! canonical JSON needs it: duplicate member names and integers that a double
//! cannot hold exactly are refused, because two readers could disagree on
//! what such a document says.

use std::cell::RefCell;
use std::fmt::{self, Write as _};

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// The largest integer a JSON number carries exactly (2^53 - 1, I-JSON).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Parses JSON text strictly: no duplicate member names, no integer beyond
/// ±(2^53 - 1), nothing after the value. The error names the place.
pub fn parse_strict(text: &str) -> Result<Value, String> {
    let path = RefCell::new(Vec::new());
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = StrictSeed { path: &path }.deserialize(&mut deserializer).map_err(|e| {
        // serde_json reports our custom errors with a position; keep both.
        e.to_string()
    })?;
    deserializer.end().map_err(|e| e.to_string())?;
    Ok(value)
}

/// SPEC(RFC 8785 3.2.2.3, I-JSON): JSON numbers are IEEE 754 doubles. An
/// integer beyond ±2^53 is accepted only if the double nearest to it prints
/// as the same digits, so that canonicalization never changes what a number
/// says (`9007199254740993` would silently become `...992`).
fn exact_integer<E: de::Error>(magnitude: u64, digits: impl Fn() -> String) -> Result<(), E> {
    if magnitude <= MAX_SAFE_INTEGER {
        return Ok(());
    }
    let written = digits();
    let nearest = written.parse::<f64>().unwrap_or(f64::NAN);
    if nearest.is_finite() && ryu_js::Buffer::new().format_finite(nearest) == written {
        Ok(())
    } else {
        Err(E::custom(format!(
            "integer {written} cannot be held exactly by a JSON number (a double)"
        )))
    }
}

/// Builds a `Value`, tracking the JSON Pointer of the value being read so
/// that a duplicate member can be named.
struct StrictSeed<'p> {
    path: &'p RefCell<Vec<String>>,
}

impl StrictSeed<'_> {
    fn pointer(&self, last: &str) -> String {
        let mut pointer = String::new();
        for segment in self.path.borrow().iter().map(String::as_str).chain([last]) {
            pointer.push('/');
            pointer.push_str(&segment.replace('~', "~0").replace('/', "~1"));
        }
        pointer
    }
}

impl<'de> DeserializeSeed<'de> for StrictSeed<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        exact_integer(v.unsigned_abs(), || v.to_string())?;
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        exact_integer(v, || v.to_string())?;
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v).map(Value::Number).ok_or_else(|| E::custom("number is not finite"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            self.path.borrow_mut().push(items.len().to_string());
            let item = seq.next_element_seed(StrictSeed { path: self.path });
            self.path.borrow_mut().pop();
            match item? {
                Some(value) => items.push(value),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format!("duplicate member {}", self.pointer(&key))));
            }
            self.path.borrow_mut().push(key.clone());
            let value = map.next_value_seed(StrictSeed { path: self.path });
            self.path.borrow_mut().pop();
            object.insert(key, value?);
        }
        Ok(Value::Object(object))
    }
}

/// The canonical form (RFC 8785) of a JSON value.
pub fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

/// `value` with the members of every object in sorted order, for text
/// that must not depend on the order serde_json's map keeps (see
/// [`write_canonical`]): published schemas, the API's description.
pub fn sorted(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        Value::Object(object) => {
            let mut members: Vec<(&String, &Value)> = object.iter().collect();
            members.sort_unstable_by(|a, b| a.0.cmp(b.0));
            Value::Object(members.into_iter().map(|(k, v)| (k.clone(), sorted(v))).collect())
        }
        other => other.clone(),
    }
}

/// Appends the canonical form (RFC 8785) of `value` to `out`.
pub fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_number(n, out),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(object) => {
            let mut members: Vec<(&String, &Value)> = object.iter().collect();
            // SPEC(RFC 8785 3.2.3): members are sorted by the UTF-16 code
            // units of their names. Sorted here, whatever order the map
            // keeps: serde_json's `preserve_order` feature, which any crate
            // of a build can turn on (c2pa does), makes it insertion order.
            // UTF-8 byte order is UTF-16 order unless a name holds a
            // character at or above U+E000: only then sort again.
            members.sort_unstable_by(|a, b| a.0.cmp(b.0));
            if object.keys().any(|k| k.chars().any(|c| c >= '\u{e000}')) {
                members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            }
            out.push('{');
            for (i, (key, value)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_canonical(value, out);
            }
            out.push('}');
        }
    }
}

/// SPEC(RFC 8785 3.2.2.3): numbers are serialized as ECMAScript's
/// `Number.prototype.toString` does.
fn write_number(n: &Number, out: &mut String) {
    if let Some(i) = n.as_i64() {
        // Integers within ±2^53 print as their digits in ECMAScript too.
        if i.unsigned_abs() <= MAX_SAFE_INTEGER {
            let _ = write!(out, "{i}");
            return;
        }
    }
    if let Some(u) = n.as_u64()
        && u <= MAX_SAFE_INTEGER
    {
        let _ = write!(out, "{u}");
        return;
    }
    let f = n.as_f64().unwrap_or(f64::NAN);
    if f.is_finite() {
        out.push_str(ryu_js::Buffer::new().format_finite(f));
    } else {
        // serde_json never holds a non-finite number; stay total anyway.
        out.push_str("null");
    }
}

/// SPEC(RFC 8785 3.2.2.2): strings use the escapes `\"`, `\\`, `\b`, `\f`,
/// `\n`, `\r`, `\t`, and `\u00xx` (lower-case hex) for other control
/// characters; everything else is written as is.
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(text: &str) -> String {
        canonical(&parse_strict(text).expect("parses"))
    }

    #[test]
    fn rfc8785_example_sorting_and_numbers() {
        // The example of RFC 8785 section 3.2.3 (sorting) and 3.2.2.3.
        let input = r#"{
            "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
            "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
            "literals": [null, true, false]
        }"#;
        assert_eq!(
            canon(input),
            r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        );
    }

    #[test]
    fn rfc8785_utf16_member_order() {
        let input = r#"{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}"#;
        let out = canon(input);
        let keys: Vec<_> = ["\\r", "1", "\u{80}", "\u{f6}", "\u{20ac}", "\u{1f600}", "\u{fb33}"]
            .iter()
            .map(|k| out.find(&format!("\"{k}\"")).expect("key present"))
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{out}");
    }

    #[test]
    fn numbers_print_as_ecmascript_does() {
        for (input, want) in [
            ("0", "0"),
            ("-0", "0"),
            ("-0.0", "0"),
            ("1.0", "1"),
            ("100", "100"),
            ("1e2", "100"),
            ("50.450100", "50.4501"),
            ("1e21", "1e+21"),
            ("123456789012345680000", "123456789012345680000"),
            ("0.000001", "0.000001"),
            ("0.0000001", "1e-7"),
            ("9007199254740991", "9007199254740991"),
            ("-9007199254740991", "-9007199254740991"),
        ] {
            assert_eq!(canon(input), want, "{input}");
        }
    }

    #[test]
    fn duplicate_members_are_refused_with_their_pointer() {
        let err = parse_strict(r#"{"a":{"b":[1,{"c":1,"c":2}]}}"#).expect_err("duplicate");
        assert!(err.contains("duplicate member /a/b/1/c"), "{err}");
    }

    #[test]
    fn unsafe_integers_and_trailing_text_are_refused() {
        assert!(parse_strict("9007199254740993").is_err());
        assert!(parse_strict("-9007199254740993").is_err());
        // Beyond 2^53, integers that a double holds exactly are fine.
        assert_eq!(canon("9007199254740992"), "9007199254740992");
        assert_eq!(canon("-10000000000000000000"), "-10000000000000000000");
        assert!(parse_strict("{} x").is_err());
        assert!(parse_strict("1e400").is_err());
    }

    #[test]
    fn canonical_form_is_a_fixed_point() {
        let input = r#"{ "b" : [ 1.50, "x\ty" ], "a": {"z": null, "y": -2E-7} }"#;
        let once = canon(input);
        assert_eq!(canon(&once), once);
        assert_eq!(once, r#"{"a":{"y":-2e-7,"z":null},"b":[1.5,"x\ty"]}"#);
    }
}
