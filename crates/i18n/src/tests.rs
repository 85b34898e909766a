//! The catalogues against each other and against the code that uses them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};

use super::*;

fn variables(pattern: &Pattern<&str>, out: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            match expression {
                Expression::Inline(InlineExpression::VariableReference { id }) => {
                    out.insert(id.name.to_owned());
                }
                Expression::Select { selector, variants } => {
                    if let InlineExpression::VariableReference { id } = selector {
                        out.insert(id.name.to_owned());
                    }
                    for v in variants {
                        variables(&v.value, out);
                    }
                }
                Expression::Inline(_) => {}
            }
        }
    }
}

/// Each message's variables, by ID.
fn messages(lang: Lang) -> Vec<(String, BTreeSet<String>)> {
    let resource = fluent_syntax::parser::parse(lang.catalogue())
        .unwrap_or_else(|(_, errors)| panic!("{lang}.ftl: {errors:?}"));
    resource
        .body
        .iter()
        .filter_map(|entry| match entry {
            Entry::Message(m) => {
                let mut vars = BTreeSet::new();
                variables(m.value.as_ref()?, &mut vars);
                Some((m.id.name.to_owned(), vars))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn every_catalogue_parses_and_the_dashboard_can_read_it() {
    for lang in Lang::ALL {
        let json = dashboard_catalogue(lang).unwrap_or_else(|e| panic!("{e}"));
        let value: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        assert_eq!(value["lang"], lang.tag());
        assert!(value["messages"]["dash-title"].is_array(), "{lang}");
    }
}

#[test]
fn every_catalogue_has_the_same_messages_with_the_same_variables() {
    let english = messages(Lang::En);
    for lang in [Lang::Uk, Lang::Ru] {
        let other = messages(lang);
        let ids = |m: &[(String, BTreeSet<String>)]| {
            m.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>()
        };
        let missing: Vec<_> =
            ids(&english).into_iter().filter(|id| !ids(&other).contains(id)).collect();
        let extra: Vec<_> =
            ids(&other).into_iter().filter(|id| !ids(&english).contains(id)).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{lang}.ftl: missing {missing:?}, not in en.ftl {extra:?}"
        );
        assert_eq!(
            ids(&english),
            ids(&other),
            "{lang}.ftl: the messages in another order than en.ftl"
        );
        for ((id, en_vars), (_, vars)) in english.iter().zip(&other) {
            assert_eq!(
                en_vars, vars,
                "{lang}.ftl: message {id} uses other variables than in English"
            );
        }
    }
}

/// The source files that may name a message: Rust, and the dashboard's
/// HTML and JavaScript.
fn code_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name != "target" && name != "node_modules" && name != "tests" {
                code_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs" || e == "js" || e == "html") {
            out.push(path);
        }
    }
}

/// Message IDs the code spells out whole: the `dash-`, `report-`, `check-`
/// and `detail-` families. (The vocabulary families, `grade-` to `city-`,
/// are built from the vocabularies' values; truce-assess's tests hold them
/// to the enums.)
const LITERAL_FAMILIES: [&str; 4] = ["dash-", "report-", "check-", "detail-"];

#[test]
fn the_code_uses_every_message_and_no_other() {
    // The crates' directory, from this package's (the working directory
    // of its tests).
    let mut files = Vec::new();
    code_files(Path::new(".."), &mut files);
    assert!(files.len() > 20, "found only {files:?}");
    let mut used = BTreeSet::new();
    for file in &files {
        if file.ends_with("i18n/src/tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(file).expect("read");
        for (start, _) in text.match_indices(['"', '\'', '`']) {
            let rest = &text[start + 1..];
            if !LITERAL_FAMILIES.iter().any(|f| rest.starts_with(f)) {
                continue;
            }
            let id: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            // A whole ID, not a family named in prose (`dash-`).
            if !id.ends_with('-') && rest[id.len()..].starts_with(['"', '\'', '`']) {
                used.insert(id);
            }
        }
    }
    let catalogue: BTreeSet<String> = message_ids(Lang::En)
        .into_iter()
        .filter(|id| LITERAL_FAMILIES.iter().any(|f| id.starts_with(f)))
        .map(str::to_owned)
        .collect();
    let unused: Vec<_> = catalogue.difference(&used).collect();
    let missing: Vec<_> = used.difference(&catalogue).collect();
    assert!(unused.is_empty(), "messages no code uses: {unused:?}");
    assert!(missing.is_empty(), "messages the code uses that en.ftl lacks: {missing:?}");
}

#[test]
fn plural_forms_follow_each_language() {
    let count = |lang, n: u64| Messages::of(lang).format("dash-count-all", &[("all", n.into())]);
    let expect = [
        (
            Lang::En,
            [(1, "1 incident"), (2, "2 incidents"), (5, "5 incidents"), (21, "21 incidents")],
        ),
        (
            Lang::Uk,
            [(1, "1 інцидент"), (2, "2 інциденти"), (5, "5 інцидентів"), (21, "21 інцидент")],
        ),
        (
            Lang::Ru,
            [(1, "1 инцидент"), (2, "2 инцидента"), (5, "5 инцидентов"), (21, "21 инцидент")],
        ),
    ];
    for (lang, cases) in expect {
        for (n, text) in cases {
            assert_eq!(count(lang, n), text, "{lang}, {n}");
        }
    }
    // Numbers grouped as each language writes them.
    assert_eq!(count(Lang::En, 12_345), "12,345 incidents");
    assert_eq!(count(Lang::Uk, 12_345), "12\u{a0}345 інцидентів");
    assert_eq!(count(Lang::Ru, 12_342), "12\u{a0}342 инцидента");
}

#[test]
fn dates_are_written_as_each_language_writes_them() {
    assert_eq!(Messages::of(Lang::En).date("2025-11-12"), "12 November 2025");
    assert_eq!(Messages::of(Lang::Uk).date("2025-11-12"), "12 листопада 2025\u{202f}р.");
    assert_eq!(Messages::of(Lang::Ru).date("2025-11-12"), "12 ноября 2025\u{202f}г.");
    assert_eq!(Messages::of(Lang::Uk).date("2025-13-12"), "2025-13-12");
    let at = Messages::of(Lang::En).date_time("2025-11-12T03:40:00Z");
    assert!(at.contains("12 November 2025") && at.contains("03:40"), "{at}");
    let at = Messages::of(Lang::Uk).date_time("2025-11-12T23:05:00Z");
    assert!(at.contains("12 листопада 2025") && at.contains("23:05"), "{at}");
}

#[test]
fn languages_are_read_from_tags_and_accept_language() {
    assert_eq!(Lang::from_tag("uk"), Ok(Lang::Uk));
    assert_eq!(Lang::from_tag("uk-UA"), Ok(Lang::Uk));
    assert_eq!(Lang::from_tag("ru-Cyrl-UA"), Ok(Lang::Ru));
    assert_eq!(Lang::from_tag("de"), Err(UnknownLang("de".into())));
    assert!(Lang::from_tag("uk_UA!").is_err());
    assert!(Lang::from_tag("").is_err());
    assert_eq!(Lang::negotiate("uk-UA,uk;q=0.9,en-US;q=0.8,en;q=0.7"), Lang::Uk);
    assert_eq!(Lang::negotiate("de-DE, ru;q=0.5, en;q=0.4"), Lang::Ru);
    assert_eq!(Lang::negotiate("en;q=0.2, ru;q=0.9"), Lang::Ru);
    assert_eq!(Lang::negotiate("uk;q=0, fr"), Lang::En);
    assert_eq!(Lang::negotiate(""), Lang::En);
}

#[test]
fn a_missing_message_or_vocabulary_value_shows_itself() {
    let en = Messages::of(Lang::En);
    assert_eq!(en.text("no-such-message"), "no-such-message");
    assert_eq!(en.term("kind", "mlrs"), "multiple rocket launcher fire");
    assert_eq!(en.term("kind", "a_newer_kind"), "a_newer_kind");
}
