//! The mapping tables: data files (`data/acled.toml`, `data/ucdp.toml`)
//! that say how a dataset's vocabulary becomes Truce's. They are read and
//! checked once; a table with an unknown kind, category or judgement is
//! refused with the entry it names, before any row is read.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};
use truce_entry::{EventKind, TargetCategory};

/// A mapping table that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("mapping table: {0}")]
pub struct MappingError(pub String);

/// How the dataset knows of an event, or on what basis it names who did it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Judgement {
    /// The basis, a word of `observation.basis` or `perpetrator.basis`.
    pub basis: String,
    /// The confidence: `low`, `medium` or `high`.
    pub confidence: String,
}

/// Words to look for in free text: whole words, or word beginnings when
/// they end in `*`, in any case.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(from = "Vec<String>")]
pub struct Words(Vec<(String, bool)>);

impl From<Vec<String>> for Words {
    fn from(words: Vec<String>) -> Words {
        Words(
            words
                .into_iter()
                .map(|w| match w.strip_suffix('*') {
                    Some(prefix) => (prefix.to_lowercase(), true),
                    None => (w.to_lowercase(), false),
                })
                .collect(),
        )
    }
}

impl Words {
    /// Whether any word occurs in `lowercase` (text already in lower case).
    pub fn any_in(&self, lowercase: &str) -> bool {
        self.0.iter().any(|(word, prefix)| occurs(lowercase, word, *prefix))
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Whether `word` occurs in `text` at the start of a word and, unless it
/// is a `prefix`, ending where the word ends.
fn occurs(text: &str, word: &str, prefix: bool) -> bool {
    let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
    text.match_indices(word).any(|(at, _)| {
        boundary(text[..at].chars().next_back())
            && (prefix || boundary(text[at + word.len()..].chars().next()))
    })
}

/// A rule for the kind of event: rows of class `class` (an ACLED
/// sub-event type, a UCDP type of violence) whose text holds one of
/// `words` (or any row of the class when there are none).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindRule {
    /// The class the rule applies to.
    #[serde(alias = "sub_event_type", alias = "type_of_violence")]
    pub class: String,
    /// Words that select the rule.
    #[serde(default)]
    pub words: Words,
    /// The kind of event.
    pub kind: String,
}

/// A rule for what was hit: text holding one of `words` names a target of
/// `category`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetRule {
    /// Words that select the rule.
    pub words: Words,
    /// The target category.
    pub category: String,
}

/// A party to the agreement, by the dataset's name of it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyName {
    /// The dataset's actor name, e.g. `Military Forces of Russia (2000-)`.
    pub actor: String,
    /// The party's identifier in agreements, e.g. `ru`.
    pub party: String,
}

/// The parts every dataset's table has.
#[derive(Clone, Debug)]
pub struct Vocabulary {
    /// How the dataset knows of events.
    pub observation: Judgement,
    /// On what basis it names who did it.
    pub attribution: Judgement,
    /// Uncertainty radius, in metres, of each geographic precision code.
    pub geo_precision: BTreeMap<String, f64>,
    /// The kind rules, in order.
    pub kinds: Vec<KindRule>,
    /// The target rules, in order.
    pub targets: Vec<TargetRule>,
    /// The parties' names.
    pub parties: Vec<PartyName>,
}

impl Vocabulary {
    fn check(&self) -> Result<(), MappingError> {
        let bad = |what: String| Err(MappingError(what));
        for judgement in [&self.observation, &self.attribution] {
            if judgement.confidence.parse::<truce_entry::Confidence>().is_err() {
                return bad(format!(
                    "confidence {:?} is not low, medium or high",
                    judgement.confidence
                ));
            }
        }
        if self.observation.basis.parse::<truce_entry::ObservationBasis>().is_err() {
            return bad(format!("observation basis {:?} is unknown", self.observation.basis));
        }
        if self.attribution.basis.parse::<truce_entry::AttributionBasis>().is_err() {
            return bad(format!("attribution basis {:?} is unknown", self.attribution.basis));
        }
        for rule in &self.kinds {
            if let Err(e) = rule.kind.parse::<EventKind>() {
                return bad(format!("kinds ({}): {e}", rule.class));
            }
        }
        for rule in &self.targets {
            if let Err(e) = rule.category.parse::<TargetCategory>() {
                return bad(format!("targets: {e}"));
            }
            if rule.words.is_empty() {
                return bad(format!("targets ({}): a rule needs words", rule.category));
            }
        }
        for name in &self.parties {
            if let Err(e) = truce_entry::Identifier::new(&name.party) {
                return bad(format!("parties ({}): {e}", name.actor));
            }
        }
        for (code, radius) in &self.geo_precision {
            if !(0.0..=1_000_000.0).contains(radius) {
                return bad(format!("geo_precision {code}: {radius} is not from 0 to 1000000"));
            }
        }
        Ok(())
    }

    /// The kind of event of a row of `class` whose text, in lower case, is
    /// `lowercase`; `None` when no rule applies (the row is out of scope).
    pub fn kind(&self, class: &str, lowercase: &str) -> Option<&str> {
        self.kinds
            .iter()
            .filter(|rule| rule.class == class)
            .find(|rule| rule.words.is_empty() || rule.words.any_in(lowercase))
            .map(|rule| rule.kind.as_str())
    }

    /// The target categories that `lowercase` names, each once, in the
    /// table's order.
    pub fn targets(&self, lowercase: &str) -> Vec<&str> {
        let mut categories: Vec<&str> = Vec::new();
        for rule in &self.targets {
            if rule.words.any_in(lowercase) && !categories.contains(&rule.category.as_str()) {
                categories.push(&rule.category);
            }
        }
        categories
    }

    /// The party the dataset's actor name stands for, compared without the
    /// years in brackets.
    pub fn party_of(&self, actor: &str) -> Option<&str> {
        let actor = without_years(actor);
        self.parties.iter().find(|p| without_years(&p.actor) == actor).map(|p| p.party.as_str())
    }

    /// The dataset's actor name of `party`: the first the table gives.
    pub fn actor_of(&self, party: &str) -> Option<&str> {
        self.parties.iter().find(|p| p.party == party).map(|p| p.actor.as_str())
    }

    /// The uncertainty radius of a precision code.
    pub fn radius(&self, code: &str) -> Option<f64> {
        self.geo_precision.get(code).copied()
    }

    /// The smallest precision code whose radius covers `uncertainty_m`, the
    /// coarsest when none does.
    pub fn precision_code(&self, uncertainty_m: f64) -> Option<&str> {
        let mut codes: Vec<(&String, &f64)> = self.geo_precision.iter().collect();
        codes.sort_by(|a, b| a.1.total_cmp(b.1).then(a.0.cmp(b.0)));
        codes
            .iter()
            .find(|(_, radius)| uncertainty_m <= **radius)
            .or(codes.last())
            .map(|(code, _)| code.as_str())
    }

    /// `observation` as a report carries it.
    pub fn observation_value(&self) -> Value {
        json!({"basis": self.observation.basis, "confidence": self.observation.confidence})
    }

    /// `perpetrator` for a named party.
    pub fn perpetrator_value(&self, party: &str) -> Value {
        json!({
            "party": party,
            "basis": self.attribution.basis,
            "confidence": self.attribution.confidence,
        })
    }
}

fn without_years(actor: &str) -> &str {
    match actor.rsplit_once(" (") {
        Some((name, years)) if years.ends_with(')') => name.trim_end(),
        _ => actor.trim(),
    }
}

/// The ACLED table.
#[derive(Clone, Debug)]
pub struct AcledMapping {
    /// What every dataset's table has.
    pub vocabulary: Vocabulary,
    /// The ACLED event type and sub-event type of each kind of event.
    pub export: BTreeMap<String, (String, String)>,
}

/// The UCDP table.
#[derive(Clone, Debug)]
pub struct UcdpMapping {
    /// What every dataset's table has.
    pub vocabulary: Vocabulary,
    /// The type_of_violence written for a report.
    pub default_type_of_violence: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AcledFile {
    observation: Judgement,
    attribution: Judgement,
    time_precision: TimePrecision,
    geo_precision: BTreeMap<String, f64>,
    kinds: Vec<KindRule>,
    export: BTreeMap<String, (String, String)>,
    #[serde(default)]
    targets: Vec<TargetRule>,
    #[serde(default)]
    parties: Vec<PartyName>,
}

/// ACLED's time_precision codes, fixed by its codebook: the table states
/// them so that a reader sees them, and a table that disagrees is refused.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TimePrecision {
    day: u8,
    week: u8,
    month: u8,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UcdpFile {
    observation: Judgement,
    attribution: Judgement,
    geo_precision: BTreeMap<String, f64>,
    kinds: Vec<KindRule>,
    export: UcdpExport,
    #[serde(default)]
    targets: Vec<TargetRule>,
    #[serde(default)]
    parties: Vec<PartyName>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UcdpExport {
    default_type_of_violence: String,
}

fn parse_toml<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, MappingError> {
    toml::from_str(text).map_err(|e| MappingError(e.to_string()))
}

impl AcledMapping {
    /// The table bundled with Truce (`data/acled.toml`).
    pub fn bundled() -> AcledMapping {
        AcledMapping::parse(include_str!("../data/acled.toml"))
            .unwrap_or_else(|e| unreachable!("the bundled table is checked by tests: {e}"))
    }

    /// A table in the form of `data/acled.toml`.
    pub fn parse(text: &str) -> Result<AcledMapping, MappingError> {
        let file: AcledFile = parse_toml(text)?;
        let TimePrecision { day, week, month } = file.time_precision;
        if (day, week, month) != (1, 2, 3) {
            return Err(MappingError(
                "time_precision must be day = 1, week = 2, month = 3, as ACLED codes it".into(),
            ));
        }
        let vocabulary = Vocabulary {
            observation: file.observation,
            attribution: file.attribution,
            geo_precision: file.geo_precision,
            kinds: file.kinds,
            targets: file.targets,
            parties: file.parties,
        };
        vocabulary.check()?;
        for kind in EventKind::ALL {
            if !file.export.contains_key(kind.as_str()) {
                return Err(MappingError(format!("export: no event type for {kind}")));
            }
        }
        Ok(AcledMapping { vocabulary, export: file.export })
    }
}

impl UcdpMapping {
    /// The table bundled with Truce (`data/ucdp.toml`).
    pub fn bundled() -> UcdpMapping {
        UcdpMapping::parse(include_str!("../data/ucdp.toml"))
            .unwrap_or_else(|e| unreachable!("the bundled table is checked by tests: {e}"))
    }

    /// A table in the form of `data/ucdp.toml`.
    pub fn parse(text: &str) -> Result<UcdpMapping, MappingError> {
        let file: UcdpFile = parse_toml(text)?;
        let vocabulary = Vocabulary {
            observation: file.observation,
            attribution: file.attribution,
            geo_precision: file.geo_precision,
            kinds: file.kinds,
            targets: file.targets,
            parties: file.parties,
        };
        vocabulary.check()?;
        Ok(UcdpMapping {
            vocabulary,
            default_type_of_violence: file.export.default_type_of_violence,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_tables_are_valid() {
        let acled = AcledMapping::bundled();
        assert_eq!(
            acled.vocabulary.kind("Air/drone strike", "a shahed drone hit"),
            Some("drone_strike")
        );
        assert_eq!(
            acled.vocabulary.kind("Air/drone strike", "aircraft bombed"),
            Some("air_strike")
        );
        assert_eq!(acled.vocabulary.kind("Peaceful protest", "a protest"), None);
        assert_eq!(acled.vocabulary.party_of("Military Forces of Russia (2000-)"), Some("ru"));
        assert_eq!(acled.vocabulary.party_of("Military Forces of Russia (2000-2024)"), Some("ru"));
        assert_eq!(acled.vocabulary.party_of("Wagner Group"), None);
        let ucdp = UcdpMapping::bundled();
        assert_eq!(ucdp.vocabulary.kind("3", "russian shelling of kherson"), Some("artillery"));
        assert_eq!(ucdp.vocabulary.party_of("Government of Ukraine"), Some("ua"));
    }

    #[test]
    fn words_match_whole_words_or_beginnings() {
        let words = Words::from(vec!["dam".to_owned(), "drone*".to_owned()]);
        assert!(words.any_in("the dam was hit"));
        assert!(words.any_in("dam"));
        assert!(!words.any_in("damage to houses"));
        assert!(!words.any_in("amsterdam"));
        assert!(words.any_in("two drones, shot down"));
        assert!(!words.any_in("antidrone"));
        let acled = AcledMapping::bundled();
        assert_eq!(
            acled.vocabulary.targets("damage to a residential building near the port"),
            ["residential", "port"]
        );
    }

    #[test]
    fn precision_codes_round_trip_through_their_radii() {
        let acled = AcledMapping::bundled();
        for code in ["1", "2", "3"] {
            let radius = acled.vocabulary.radius(code).expect("radius");
            assert_eq!(acled.vocabulary.precision_code(radius), Some(code));
        }
        assert_eq!(acled.vocabulary.precision_code(0.0), Some("1"));
        assert_eq!(acled.vocabulary.precision_code(5e5), Some("3"));
    }

    #[test]
    fn bad_tables_are_refused_naming_the_entry() {
        let text =
            include_str!("../data/acled.toml").replace("kind = \"mortar\"", "kind = \"catapult\"");
        let error = AcledMapping::parse(&text).expect_err("unknown kind").to_string();
        assert!(error.contains("catapult") && error.contains("Shelling"), "{error}");
        let text = include_str!("../data/acled.toml").replace("month = 3", "month = 4");
        assert!(AcledMapping::parse(&text).is_err());
    }
}
