//! A catalogue for the dashboard: the same Fluent source, parsed here by
//! Fluent's own parser and handed to the browser as JSON.
//!
//! Each message becomes a list of parts: a string, `{"var": NAME}`, or
//! `{"select": NAME, "variants": [[KEY, PARTS], ...], "default": N}`. The
//! browser picks a variant as Fluent does (the key equal to the value, else
//! the value's plural category by `Intl.PluralRules`, else the default) and
//! formats numbers with `Intl.NumberFormat`. Only these constructs are
//! carried; a catalogue that uses another (a function, a term, a message
//! reference, an attribute) is refused, and the catalogue test runs this
//! on every catalogue.

use fluent_syntax::ast::{
    Entry, Expression, InlineExpression, Pattern, PatternElement, VariantKey,
};
use serde_json::{Map, Value, json};

use crate::Lang;

/// Why a catalogue cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CatalogueError {
    /// Fluent's parser refused part of it.
    #[error("{lang}.ftl: Fluent syntax error at bytes {start}..{end}: {kind}")]
    Syntax {
        /// The catalogue.
        lang: Lang,
        /// Where.
        start: usize,
        /// Where it ends.
        end: usize,
        /// What the parser says.
        kind: String,
    },
    /// A construct the dashboard does not evaluate.
    #[error(
        "{lang}.ftl: message {id}: {what} is not supported (only text, variables and selections are)"
    )]
    Unsupported {
        /// The catalogue.
        lang: Lang,
        /// The message.
        id: String,
        /// The construct.
        what: &'static str,
    },
    /// A message ID given twice.
    #[error("{lang}.ftl: message {id} is defined twice")]
    Duplicate {
        /// The catalogue.
        lang: Lang,
        /// The message.
        id: String,
    },
}

/// The catalogue of `lang` as the dashboard reads it (see the module).
pub fn dashboard_catalogue(lang: Lang) -> Result<String, CatalogueError> {
    let resource = fluent_syntax::parser::parse(lang.catalogue()).map_err(|(_, errors)| {
        let (start, end, kind) = errors
            .first()
            .map_or((0, 0, String::new()), |e| (e.pos.start, e.pos.end, e.kind.to_string()));
        CatalogueError::Syntax { lang, start, end, kind }
    })?;
    let mut messages = Map::new();
    for entry in resource.body {
        match entry {
            Entry::Message(message) => {
                let id = message.id.name.to_owned();
                let unsupported = |what| CatalogueError::Unsupported { lang, id: id.clone(), what };
                if !message.attributes.is_empty() {
                    return Err(unsupported("an attribute"));
                }
                let Some(value) = message.value else {
                    return Err(unsupported("a message without a value"));
                };
                let parts = pattern(&value).map_err(unsupported)?;
                if messages.insert(id.clone(), parts).is_some() {
                    return Err(CatalogueError::Duplicate { lang, id });
                }
            }
            Entry::Term(term) => {
                return Err(CatalogueError::Unsupported {
                    lang,
                    id: format!("-{}", term.id.name),
                    what: "a term",
                });
            }
            Entry::Comment(_) | Entry::GroupComment(_) | Entry::ResourceComment(_) => {}
            // The parser reports junk as an error, above.
            Entry::Junk { .. } => {}
        }
    }
    Ok(json!({ "lang": lang.tag(), "version": crate::catalogue_version(), "messages": messages })
        .to_string())
}

fn pattern(value: &Pattern<&str>) -> Result<Value, &'static str> {
    let mut parts: Vec<Value> = Vec::new();
    for element in &value.elements {
        let part = match element {
            PatternElement::TextElement { value } => Value::from(*value),
            PatternElement::Placeable { expression } => match expression {
                Expression::Inline(inline) => inline_part(inline)?,
                Expression::Select { selector, variants } => {
                    let InlineExpression::VariableReference { id } = selector else {
                        return Err("a selection on anything but a variable");
                    };
                    let mut list = Vec::new();
                    let mut default = 0;
                    for (n, variant) in variants.iter().enumerate() {
                        let key = match &variant.key {
                            VariantKey::Identifier { name } => *name,
                            VariantKey::NumberLiteral { value } => *value,
                        };
                        list.push(json!([key, pattern(&variant.value)?]));
                        if variant.default {
                            default = n;
                        }
                    }
                    json!({ "select": id.name, "variants": list, "default": default })
                }
            },
        };
        // Adjacent strings (text around a literal) as one.
        match (parts.last_mut(), &part) {
            (Some(Value::String(last)), Value::String(next)) => last.push_str(next),
            _ => parts.push(part),
        }
    }
    Ok(Value::Array(parts))
}

fn inline_part(inline: &InlineExpression<&str>) -> Result<Value, &'static str> {
    match inline {
        InlineExpression::VariableReference { id } => Ok(json!({ "var": id.name })),
        // `{"{"}` and the like: literal text.
        InlineExpression::StringLiteral { value } => {
            Ok(Value::from(fluent_syntax::unicode::unescape_unicode_to_string(value).into_owned()))
        }
        InlineExpression::NumberLiteral { value } => Ok(Value::from(*value)),
        InlineExpression::FunctionReference { .. } => Err("a function"),
        InlineExpression::MessageReference { .. } => Err("a message reference"),
        InlineExpression::TermReference { .. } => Err("a term reference"),
        InlineExpression::Placeable { .. } => Err("a nested placeable"),
    }
}

/// The message IDs of a Fluent source, in order.
pub(crate) fn message_ids(source: &str) -> Vec<&str> {
    let resource = match fluent_syntax::parser::parse(source) {
        Ok(resource) => resource,
        Err((partial, _)) => partial,
    };
    resource
        .body
        .into_iter()
        .filter_map(|entry| match entry {
            Entry::Message(m) => Some(m.id.name),
            _ => None,
        })
        .collect()
}
