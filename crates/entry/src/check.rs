//! The machinery that reads JSON into entry types while collecting every
//! problem, each at its JSON Pointer.
//!
//! Every type of an entry implements [`Field`]: how to read it from a JSON
//! value (recording problems rather than stopping at the first), how to write
//! it back, and its JSON Schema. Records and vocabularies are declared with
//! the [`record!`](crate::record) and [`vocabulary!`](crate::vocabulary)
//! macros, which derive all three from one declaration, so the validator,
//! the writer and the published schema cannot drift apart.

use std::fmt;

use serde_json::{Map, Value};

/// One thing wrong with an entry: where (a JSON Pointer, RFC 6901) and what.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Problem {
    /// The JSON Pointer of the offending value; empty for the whole entry.
    pub pointer: String,
    /// What rule the value breaks, in lower case, e.g. `must be between -90
    /// and 90`.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.pointer, self.message)
        }
    }
}

/// Every problem found in an entry, in document order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Problems(Vec<Problem>);

impl Problems {
    /// The problems.
    pub fn iter(&self) -> std::slice::Iter<'_, Problem> {
        self.0.iter()
    }

    /// How many problems there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no problem.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn whole(message: impl Into<String>) -> Problems {
        Problems(vec![Problem { pointer: String::new(), message: message.into() }])
    }

    pub(crate) fn push_whole(&mut self, message: impl Into<String>) {
        self.0.push(Problem { pointer: String::new(), message: message.into() });
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

impl<'a> IntoIterator for &'a Problems {
    type Item = &'a Problem;
    type IntoIter = std::slice::Iter<'a, Problem>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Walks a JSON document: knows where it is and gathers problems.
#[derive(Default)]
pub struct Checker {
    path: Vec<Segment>,
    problems: Vec<Problem>,
}

enum Segment {
    Key(String),
    Index(usize),
}

impl Checker {
    pub(crate) fn new() -> Checker {
        Checker::default()
    }

    /// Runs `f` one level deeper, at object member `key`.
    pub(crate) fn at_key<R>(&mut self, key: &str, f: impl FnOnce(&mut Checker) -> R) -> R {
        self.path.push(Segment::Key(key.to_owned()));
        let result = f(self);
        self.path.pop();
        result
    }

    /// Runs `f` one level deeper, at array element `index`.
    pub(crate) fn at_index<R>(&mut self, index: usize, f: impl FnOnce(&mut Checker) -> R) -> R {
        self.path.push(Segment::Index(index));
        let result = f(self);
        self.path.pop();
        result
    }

    /// Records a problem with the value at the current place.
    pub(crate) fn problem(&mut self, message: impl Into<String>) {
        let pointer = self.pointer();
        self.problems.push(Problem { pointer, message: message.into() });
    }

    /// Records a problem with the member `key` of the current object.
    pub(crate) fn problem_at(&mut self, key: &str, message: impl Into<String>) {
        self.at_key(key, |c| c.problem(message));
    }

    fn pointer(&self) -> String {
        let mut pointer = String::new();
        for segment in &self.path {
            pointer.push('/');
            match segment {
                // SPEC(RFC 6901): '~' is written "~0" and '/' is "~1".
                Segment::Key(key) => pointer.push_str(&key.replace('~', "~0").replace('/', "~1")),
                Segment::Index(i) => pointer.push_str(&i.to_string()),
            }
        }
        pointer
    }

    pub(crate) fn problem_count(&self) -> usize {
        self.problems.len()
    }

    pub(crate) fn into_problems(self) -> Problems {
        Problems(self.problems)
    }
}

/// A type that can be read from JSON with problems at JSON Pointers, written
/// back to JSON, and described by a JSON Schema.
pub trait Field: Sized {
    /// Reads the value, recording every problem in `at`. Returns `None` if
    /// there was any problem with it.
    fn read(value: &Value, at: &mut Checker) -> Option<Self>;

    /// The value as JSON.
    fn write(&self) -> Value;

    /// The JSON Schema (draft 2020-12) of the value.
    fn schema() -> Value;

    /// What a record member of this type is when it is absent: `None`
    /// (the member is required) except for `Option`.
    fn when_absent() -> Option<Self> {
        None
    }

    /// Writes the value as member `key` of `object`; `Option` leaves
    /// `None` out.
    fn write_member(&self, key: &str, object: &mut Map<String, Value>) {
        object.insert(key.to_owned(), self.write());
    }
}

impl<T: Field> Field for Option<T> {
    fn read(value: &Value, at: &mut Checker) -> Option<Self> {
        if value.is_null() {
            // One way to say "not given": leave the member out.
            at.problem("must be left out rather than null");
            return None;
        }
        T::read(value, at).map(Some)
    }

    fn write(&self) -> Value {
        self.as_ref().map_or(Value::Null, Field::write)
    }

    fn schema() -> Value {
        T::schema()
    }

    fn when_absent() -> Option<Self> {
        Some(None)
    }

    fn write_member(&self, key: &str, object: &mut Map<String, Value>) {
        if let Some(value) = self {
            value.write_member(key, object);
        }
    }
}

/// The most items any list in an entry may hold.
pub(crate) const MAX_ITEMS: usize = 1000;

impl<T: Field> Field for Vec<T> {
    fn read(value: &Value, at: &mut Checker) -> Option<Self> {
        read_list(value, at, 0)
    }

    fn write(&self) -> Value {
        Value::Array(self.iter().map(Field::write).collect())
    }

    fn schema() -> Value {
        serde_json::json!({"type": "array", "items": T::schema(), "maxItems": MAX_ITEMS})
    }

    /// An absent list is an empty list; an empty list is written by leaving
    /// it out, so that each entry has one canonical form.
    fn when_absent() -> Option<Self> {
        Some(Vec::new())
    }

    fn write_member(&self, key: &str, object: &mut Map<String, Value>) {
        if !self.is_empty() {
            object.insert(key.to_owned(), self.write());
        }
    }
}

/// A list with at least one item.
#[derive(Clone, Debug, PartialEq)]
pub struct NonEmpty<T>(pub Vec<T>);

impl<T> std::ops::Deref for NonEmpty<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T: Field> Field for NonEmpty<T> {
    fn read(value: &Value, at: &mut Checker) -> Option<Self> {
        read_list(value, at, 1).map(NonEmpty)
    }

    fn write(&self) -> Value {
        self.0.write()
    }

    fn schema() -> Value {
        serde_json::json!({"type": "array", "items": T::schema(), "minItems": 1, "maxItems": MAX_ITEMS})
    }
}

fn read_list<T: Field>(value: &Value, at: &mut Checker, min: usize) -> Option<Vec<T>> {
    let Some(items) = value.as_array() else {
        at.problem(format!("must be an array, not {}", kind_of(value)));
        return None;
    };
    if items.len() < min {
        at.problem("must not be empty");
        return None;
    }
    if items.len() > MAX_ITEMS {
        at.problem(format!("must hold at most {MAX_ITEMS} items"));
        return None;
    }
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match at.at_index(i, |at| T::read(item, at)) {
            Some(v) => out.push(v),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

impl Field for bool {
    fn read(value: &Value, at: &mut Checker) -> Option<Self> {
        let b = value.as_bool();
        if b.is_none() {
            at.problem(format!("must be true or false, not {}", kind_of(value)));
        }
        b
    }

    fn write(&self) -> Value {
        Value::Bool(*self)
    }

    fn schema() -> Value {
        serde_json::json!({"type": "boolean"})
    }
}

/// Reads the members of a JSON object, reporting unknown ones.
pub(crate) struct ObjectReader<'v> {
    object: &'v Map<String, Value>,
}

impl<'v> ObjectReader<'v> {
    /// Starts reading `value` as an object whose members may only be
    /// `known` (or `extra`, members the caller reads itself).
    pub(crate) fn new(
        value: &'v Value,
        at: &mut Checker,
        known: &[&str],
        extra: &[&str],
    ) -> Option<ObjectReader<'v>> {
        let Some(object) = value.as_object() else {
            at.problem(format!("must be an object, not {}", kind_of(value)));
            return None;
        };
        for key in object.keys() {
            if !known.contains(&key.as_str()) && !extra.contains(&key.as_str()) {
                let message = match closest(key, known) {
                    Some(near) => format!("unknown field; did you mean \"{near}\"?"),
                    None => format!("unknown field; expected one of: {}", known.join(", ")),
                };
                at.problem_at(key, message);
            }
        }
        Some(ObjectReader { object })
    }

    /// The object.
    pub(crate) fn map(&self) -> &'v Map<String, Value> {
        self.object
    }

    /// Reads member `key`; an absent member is an error unless `T` says what
    /// absence means.
    pub(crate) fn member<T: Field>(&self, at: &mut Checker, key: &str) -> Option<T> {
        match self.object.get(key) {
            Some(value) => at.at_key(key, |at| T::read(value, at)),
            None => {
                let absent = T::when_absent();
                if absent.is_none() {
                    at.problem_at(key, "is required");
                }
                absent
            }
        }
    }
}

/// The word for what a JSON value is, for messages.
pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The candidate nearest to `word`, if it is a plausible typo of it.
pub(crate) fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|&(d, c)| d <= 2 && d < c.chars().count())
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// Cross-field rules of a record.
pub trait Rules {
    /// Records every rule about which members must be present or absent,
    /// given the others. It reads the JSON object itself, so that these
    /// problems are reported even when some member's value is invalid.
    fn check_members(_object: &Map<String, Value>, _at: &mut Checker) {}

    /// Records every rule the record's values break together; it runs only
    /// when every member is valid. Members are named relative to the
    /// record with [`Checker::problem_at`].
    fn check_rules(&self, _at: &mut Checker) {}
}

/// The string value of member `key`, if it is a string.
pub(crate) fn str_member<'v>(object: &'v Map<String, Value>, key: &str) -> Option<&'v str> {
    object.get(key).and_then(Value::as_str)
}

/// Records that each member in `members` that is present (`must_be` false)
/// or absent (`must_be` true) should not be, with `message`.
pub(crate) fn require_members(
    object: &Map<String, Value>,
    at: &mut Checker,
    members: &[&str],
    must_be: bool,
    message: &str,
) {
    for member in members {
        if object.contains_key(*member) != must_be {
            at.problem_at(member, message);
        }
    }
}

/// Declares a record: a JSON object with a fixed set of members.
///
/// It derives the struct, its [`Field`] implementation (unknown members are
/// problems; an `Option` or list member may be absent; every other member is
/// required), its JSON Schema with the doc comments as descriptions, and a
/// `serde::Serialize` that writes the same JSON. The type must also
/// implement [`Rules`].
#[macro_export]
#[doc(hidden)]
macro_rules! record {
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident {
            $(
                $(#[doc = $field_doc:literal])*
                pub $field:ident : $ty:ty
            ),* $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Clone, Debug, PartialEq)]
        pub struct $name {
            $(
                $(#[doc = $field_doc])*
                pub $field: $ty,
            )*
        }

        impl $name {
            /// The member names of the record.
            pub const MEMBERS: &'static [&'static str] = &[$(stringify!($field)),*];

            #[allow(dead_code)]
            pub(crate) fn read_object(
                value: &serde_json::Value,
                at: &mut $crate::check::Checker,
                extra: &[&str],
            ) -> Option<Self> {
                let object = $crate::check::ObjectReader::new(value, at, Self::MEMBERS, extra)?;
                $(
                    let $field = object.member::<$ty>(at, stringify!($field));
                )*
                <$name as $crate::check::Rules>::check_members(object.map(), at);
                let record = $name { $($field: $field?,)* };
                $crate::check::Rules::check_rules(&record, at);
                Some(record)
            }

            pub(crate) fn write_object(&self) -> serde_json::Map<String, serde_json::Value> {
                #[allow(unused_mut)]
                let mut object = serde_json::Map::new();
                $(
                    $crate::check::Field::write_member(&self.$field, stringify!($field), &mut object);
                )*
                object
            }

            pub(crate) fn object_schema() -> serde_json::Value {
                let mut properties = serde_json::Map::new();
                #[allow(unused_mut)]
                let mut required: Vec<&str> = Vec::new();
                $(
                    let mut schema = <$ty as $crate::check::Field>::schema();
                    $crate::schema::describe(&mut schema, &[$($field_doc),*]);
                    properties.insert(stringify!($field).to_owned(), schema);
                    if <$ty as $crate::check::Field>::when_absent().is_none() {
                        required.push(stringify!($field));
                    }
                )*
                let mut schema = serde_json::json!({
                    "type": "object",
                    "properties": properties,
                    "required": required,
                    "additionalProperties": false,
                });
                $crate::schema::describe(&mut schema, &[$($doc),*]);
                schema
            }
        }

        impl $crate::check::Field for $name {
            fn read(value: &serde_json::Value, at: &mut $crate::check::Checker) -> Option<Self> {
                let before = at.problem_count();
                let record = Self::read_object(value, at, &[])?;
                // A record whose rules failed is not a valid value.
                (at.problem_count() == before).then_some(record)
            }

            fn write(&self) -> serde_json::Value {
                serde_json::Value::Object(self.write_object())
            }

            fn schema() -> serde_json::Value {
                Self::object_schema()
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serde::Serialize::serialize(&$crate::check::Field::write(self), serializer)
            }
        }
    };
}

/// Declares a vocabulary: a closed set of strings, as a Rust enum.
///
/// It derives the enum, `as_str`, `ALL`, `FromStr`, `Display`, its
/// [`Field`] implementation (an unknown word is a problem that lists the
/// known ones), its JSON Schema (each word with its doc comment), and
/// `serde::Serialize`.
#[macro_export]
#[doc(hidden)]
macro_rules! vocabulary {
    (
        $(#[doc = $doc:literal])*
        pub enum $name:ident {
            $(
                $(#[doc = $variant_doc:literal])*
                $variant:ident = $word:literal
            ),* $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $(
                $(#[doc = $variant_doc])*
                $variant,
            )*
        }

        impl $name {
            /// Every word of the vocabulary, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The word as it appears in JSON.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)*
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(word: &str) -> Result<Self, String> {
                match word {
                    $($word => Ok($name::$variant),)*
                    _ => Err($crate::check::unknown_word(word, &[$($word),*])),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::check::Field for $name {
            fn read(value: &serde_json::Value, at: &mut $crate::check::Checker) -> Option<Self> {
                let Some(word) = value.as_str() else {
                    at.problem(format!("must be a string, not {}", $crate::check::kind_of(value)));
                    return None;
                };
                word.parse().map_err(|message: String| at.problem(message)).ok()
            }

            fn write(&self) -> serde_json::Value {
                serde_json::Value::String(self.as_str().to_owned())
            }

            fn schema() -> serde_json::Value {
                let words = vec![$({
                    let mut word = serde_json::json!({"const": $word});
                    $crate::schema::describe(&mut word, &[$($variant_doc),*]);
                    word
                }),*];
                let mut schema = serde_json::json!({"type": "string", "oneOf": words});
                $crate::schema::describe(&mut schema, &[$($doc),*]);
                schema
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

/// The message for a word outside a vocabulary.
#[doc(hidden)]
pub fn unknown_word(word: &str, words: &[&str]) -> String {
    match closest(word, words) {
        Some(near) => format!("unknown value \"{word}\"; did you mean \"{near}\"?"),
        None => format!("unknown value \"{word}\"; expected one of: {}", words.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_escape_tilde_and_slash() {
        let mut at = Checker::new();
        at.at_key("a/b~c", |at| at.at_index(3, |at| at.problem("bad")));
        assert_eq!(
            at.into_problems().iter().next().map(|p| p.pointer.as_str()),
            Some("/a~1b~0c/3")
        );
    }

    #[test]
    fn typos_are_recognised_but_unrelated_words_are_not() {
        assert_eq!(closest("locaton", &["location", "time"]), Some("location"));
        assert_eq!(closest("zzz", &["location", "time"]), None);
        assert_eq!(closest("to", &["to", "from"]), Some("to"));
        // A one-letter word is not "close" to another one-letter word.
        assert_eq!(closest("x", &["y"]), None);
    }
}
