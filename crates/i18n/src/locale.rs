//! Numbers and dates as each language writes them, through ICU4X and the
//! CLDR data compiled into it (so the same on every machine).

use fluent_bundle::FluentValue;
use icu_datetime::fieldsets::{YMD, YMDT};
use icu_datetime::input::{Date, DateTime, Time};
use icu_datetime::{DateTimeFormatter, DateTimeFormatterPreferences};
use icu_decimal::input::Decimal;
use icu_decimal::{DecimalFormatter, DecimalFormatterPreferences};
use icu_locale_core::Locale;

use crate::Lang;

/// The CLDR locale of a language's formats. English is written the
/// international (British) way: `12 November 2025`, 24-hour times.
fn locale(lang: Lang) -> Locale {
    let tag = match lang {
        Lang::En => "en-GB",
        Lang::Uk => "uk",
        Lang::Ru => "ru",
    };
    Locale::try_from_str(tag).unwrap_or(Locale::UNKNOWN)
}

struct Formatters {
    number: Option<DecimalFormatter>,
    date: Option<DateTimeFormatter<YMD>>,
    date_time: Option<DateTimeFormatter<YMDT>>,
}

/// The formatters of `lang`, made once per thread (ICU4X's are not `Sync`).
fn with_formatters<R>(lang: Lang, f: impl FnOnce(&Formatters) -> R) -> R {
    thread_local! {
        static LOADED: [std::cell::OnceCell<Formatters>; 3] = const {
            [std::cell::OnceCell::new(), std::cell::OnceCell::new(), std::cell::OnceCell::new()]
        };
    }
    LOADED.with(|loaded| f(loaded[lang as usize].get_or_init(|| load(lang))))
}

fn load(lang: Lang) -> Formatters {
    let locale = locale(lang);
    Formatters {
        number: DecimalFormatter::try_new(
            DecimalFormatterPreferences::from(&locale),
            Default::default(),
        )
        .ok(),
        date: DateTimeFormatter::try_new(DateTimeFormatterPreferences::from(&locale), YMD::long())
            .ok(),
        date_time: DateTimeFormatter::try_new(
            DateTimeFormatterPreferences::from(&locale),
            YMD::long().with_time_hm(),
        )
        .ok(),
    }
}

pub(crate) fn number(lang: Lang, n: u64) -> String {
    with_formatters(lang, |f| match &f.number {
        Some(f) => f.format(&Decimal::from(n)).to_string(),
        None => n.to_string(),
    })
}

/// The formatter of numbers in a language's messages. Fluent takes a plain
/// function, so one per language.
pub(crate) fn number_formatter(
    lang: Lang,
) -> fn(&FluentValue<'_>, &intl_memoizer::concurrent::IntlLangMemoizer) -> Option<String> {
    fn whole(value: &FluentValue<'_>) -> Option<u64> {
        match value {
            FluentValue::Number(n)
                if n.value >= 0.0 && n.value.fract() == 0.0 && n.value < 9.0e15 =>
            {
                // Exact: a whole number below 2^53.
                Some(n.value as u64)
            }
            _ => None,
        }
    }
    match lang {
        Lang::En => |v, _| whole(v).map(|n| number(Lang::En, n)),
        Lang::Uk => |v, _| whole(v).map(|n| number(Lang::Uk, n)),
        Lang::Ru => |v, _| whole(v).map(|n| number(Lang::Ru, n)),
    }
}

/// `YYYY-MM-DD` to its parts.
fn parse_date(iso: &str) -> Option<Date<icu_calendar::Gregorian>> {
    let b = iso.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = iso.get(0..4)?.parse().ok()?;
    let month = iso.get(5..7)?.parse().ok()?;
    let day = iso.get(8..10)?.parse().ok()?;
    Date::try_new_gregorian(year, month, day).ok()
}

pub(crate) fn date(lang: Lang, iso: &str) -> String {
    with_formatters(lang, |f| match (&f.date, parse_date(iso)) {
        (Some(f), Some(date)) => f.format(&date).to_string(),
        _ => iso.to_owned(),
    })
}

/// `YYYY-MM-DDTHH:MM[:SS]Z` to date and time (seconds dropped: reports
/// give minutes).
pub(crate) fn date_time(lang: Lang, rfc3339: &str) -> String {
    let parsed = (|| {
        let (day, time) = rfc3339.strip_suffix('Z')?.split_once('T')?;
        let date = parse_date(day)?;
        let hour = time.get(0..2)?.parse().ok()?;
        let minute = time.get(3..5)?.parse().ok()?;
        (time.as_bytes().get(2) == Some(&b':')).then_some(())?;
        Some(DateTime { date, time: Time::try_new(hour, minute, 0, 0).ok()? })
    })();
    with_formatters(lang, |f| match (&f.date_time, parsed) {
        (Some(f), Some(at)) => f.format(&at).to_string(),
        _ => rfc3339.to_owned(),
    })
}
