//! Truce's messages in English, Ukrainian and Russian.
//!
//! The monitors, the parties' liaison officers and the public on both sides
//! of the line read Ukrainian or Russian first. Every text Truce renders for
//! people (the daily reports, the dashboard) comes from one catalogue per
//! language, in Project Fluent's format (`catalog/{en,uk,ru}.ftl`), compiled
//! into this crate:
//!
//! ```
//! use truce_i18n::{Lang, Messages};
//!
//! let uk = Messages::of(Lang::Uk);
//! assert_eq!(uk.format("dash-count-all", &[("all", 21u64.into())]), "21 інцидент");
//! assert_eq!(uk.format("dash-count-all", &[("all", 5u64.into())]), "5 інцидентів");
//! assert_eq!(Messages::of(Lang::Ru).date("2025-11-12"), "12 ноября 2025\u{202f}г.");
//! ```
//!
//! Plural forms follow CLDR's rules (Ukrainian and Russian have three for
//! whole numbers); numbers and dates are formatted by ICU4X with the CLDR
//! data compiled into it. Nothing depends on the machine's locale, so a
//! rendered text is a deterministic function of its inputs and of
//! [`catalogue_version`].
//!
//! The dashboard reads the same catalogues: [`dashboard_catalogue`] gives
//! one as JSON, each message's pattern as text, variables and selections,
//! which the browser fills with `Intl.PluralRules` and `Intl.NumberFormat`.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod dashboard;
mod locale;

use std::fmt;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use sha2::{Digest, Sha256};

pub use crate::dashboard::{CatalogueError, dashboard_catalogue};
pub use fluent_bundle::FluentValue;

/// A language Truce speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    /// English, the default.
    En,
    /// Ukrainian.
    Uk,
    /// Russian.
    Ru,
}

/// A language tag that is not one Truce speaks.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("language {0:?} is not one of en, uk, ru")]
pub struct UnknownLang(pub String);

impl Lang {
    /// Every language, the default first.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Uk, Lang::Ru];

    /// Its BCP 47 tag: `en`, `uk` or `ru`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Uk => "uk",
            Lang::Ru => "ru",
        }
    }

    /// The language of a BCP 47 tag whose primary language is one Truce
    /// speaks: `uk`, `uk-UA` and `ru-Cyrl-UA` are, `de` and `u` are not.
    pub fn from_tag(tag: &str) -> Result<Lang, UnknownLang> {
        let unknown = || UnknownLang(tag.to_owned());
        let locale =
            icu_locale_core::LanguageIdentifier::try_from_str(tag.trim()).map_err(|_| unknown())?;
        Lang::ALL.into_iter().find(|l| locale.language.as_str() == l.tag()).ok_or_else(unknown)
    }

    /// The language an HTTP `Accept-Language` header prefers among the
    /// ones Truce speaks, by quality then order; English if none.
    pub fn negotiate(accept_language: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for range in accept_language.split(',') {
            let mut parts = range.split(';');
            let Ok(lang) = Lang::from_tag(parts.next().unwrap_or_default()) else { continue };
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())
                .unwrap_or(0.0);
            if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, lang));
            }
        }
        best.map_or(Lang::En, |(_, lang)| lang)
    }

    /// The catalogue's Fluent source.
    pub fn catalogue(self) -> &'static str {
        match self {
            Lang::En => include_str!("../catalog/en.ftl"),
            Lang::Uk => include_str!("../catalog/uk.ftl"),
            Lang::Ru => include_str!("../catalog/ru.ftl"),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// The version of the three catalogues: the first 16 hex digits of the
/// SHA-256 of their sources. A rendered report names it, so that whoever
/// recomputes the report knows which wording to expect.
pub fn catalogue_version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let mut hash = Sha256::new();
        for lang in Lang::ALL {
            hash.update(lang.tag());
            hash.update([0]);
            hash.update(lang.catalogue());
            hash.update([0]);
        }
        hash.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
    })
}

/// The messages of one language.
pub struct Messages {
    lang: Lang,
    bundle: FluentBundle<FluentResource>,
}

impl fmt::Debug for Messages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Messages").field("lang", &self.lang).finish_non_exhaustive()
    }
}

impl Messages {
    /// The messages of `lang`, loaded once.
    pub fn of(lang: Lang) -> &'static Messages {
        static LOADED: [OnceLock<Messages>; 3] =
            [OnceLock::new(), OnceLock::new(), OnceLock::new()];
        LOADED[lang as usize].get_or_init(|| Messages::load(lang))
    }

    fn load(lang: Lang) -> Messages {
        // The catalogues are part of the build, and a test parses each: a
        // syntax error in one is caught before it ships, so what the parser
        // recovers here is all there is.
        let resource = FluentResource::try_new(lang.catalogue().to_owned())
            .unwrap_or_else(|(partial, _)| partial);
        let id: unic_langid::LanguageIdentifier =
            lang.tag().parse().unwrap_or_else(|_| unic_langid::LanguageIdentifier::default());
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        // Plain text out: no Unicode isolation marks around placeables, as
        // reports and table cells are not mixed-direction text.
        bundle.set_use_isolating(false);
        bundle.set_formatter(Some(locale::number_formatter(lang)));
        // Duplicate IDs are refused by the catalogue test, as above.
        let _ = bundle.add_resource(resource);
        Messages { lang, bundle }
    }

    /// The language.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The message `id` with no arguments.
    pub fn text(&self, id: &str) -> String {
        self.format(id, &[])
    }

    /// The message `id`, its variables filled from `args`. Numbers are
    /// formatted for the language and select plural forms; pass an index
    /// or an identifier as a string, so that it is not grouped (`entry
    /// 12345`, not `entry 12,345`). A message missing from the catalogue
    /// (which the catalogue test rules out) gives its ID.
    pub fn format(&self, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let Some(pattern) = self.bundle.get_message(id).and_then(|m| m.value()) else {
            return id.to_owned();
        };
        let args: FluentArgs<'_> = args.iter().map(|(k, v)| (*k, v.clone())).collect();
        let mut errors = Vec::new();
        self.bundle.format_pattern(pattern, Some(&args), &mut errors).into_owned()
    }

    /// The word for a value of the vocabulary: `term("kind", "mlrs")` is
    /// the message `kind-mlrs`; a value the catalogue does not know (a
    /// newer schema's) is shown as it is.
    pub fn term(&self, vocabulary: &str, value: &str) -> String {
        let id = format!("{vocabulary}-{value}");
        if self.bundle.has_message(&id) { self.text(&id) } else { value.to_owned() }
    }

    /// A whole number, grouped as the language writes it (`12,345`,
    /// `12 345`).
    pub fn number(&self, n: u64) -> String {
        locale::number(self.lang, n)
    }

    /// A calendar date given as `YYYY-MM-DD`, written out as the language
    /// writes dates (`12 November 2025`, `12 листопада 2025 р.`); anything
    /// else is returned as it is.
    pub fn date(&self, iso: &str) -> String {
        locale::date(self.lang, iso)
    }

    /// An RFC 3339 instant in UTC (`2025-11-12T03:40:00Z`), as date and
    /// 24-hour time; anything else is returned as it is.
    pub fn date_time(&self, rfc3339: &str) -> String {
        locale::date_time(self.lang, rfc3339)
    }
}

/// The message IDs of a catalogue, in order.
pub fn message_ids(lang: Lang) -> Vec<&'static str> {
    dashboard::message_ids(lang.catalogue())
}

#[cfg(test)]
mod tests;
