//! An ACLED export read back gives the same reports: export, import, export
//! again, byte for byte, for any valid reports.

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use truce_entry::{Entry, EventKind, TargetCategory};
use truce_interop::export::{Exporter, Format, Item};
use truce_interop::{AcledMapping, ImportOptions, Outcome, acled};

fn zone() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get("Europe/Kyiv").expect("zone")
}

/// Free text as sources write it: words with commas, quotes, Cyrillic and
/// line breaks.
fn prose(multiline: bool) -> impl Strategy<Value = String> {
    let word = prop_oneof![
        "[a-zA-Z]{1,9}",
        Just("Харків".to_owned()),
        Just("Запоріжжя,".to_owned()),
        Just("\"quoted\"".to_owned()),
        Just("a,b".to_owned()),
        Just("drones".to_owned()),
        Just("port".to_owned()),
    ];
    let separator = if multiline {
        prop_oneof![Just(" "), Just("\n"), Just("\n\n")].boxed()
    } else {
        Just(" ").boxed()
    };
    proptest::collection::vec((word, separator), 1..12).prop_map(|parts| {
        let mut text = String::new();
        for (i, (word, separator)) in parts.iter().enumerate() {
            if i > 0 {
                text.push_str(separator);
            }
            text.push_str(word);
        }
        text
    })
}

fn report() -> impl Strategy<Value = Value> {
    let kinds: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
    let categories: Vec<&str> = TargetCategory::ALL.iter().map(|c| c.as_str()).collect();
    (
        ("[A-Z]{3}[0-9]{1,8}", 1_577_836_800i64..1_798_761_600, 0i64..31 * 86400),
        (-900_000i32..900_000, -1_800_000i32..1_800_000, 0u32..1_000_000),
        (proptest::option::of(prose(false)), proptest::option::of(prose(false))),
        (
            proptest::sample::select(kinds),
            proptest::option::of(proptest::sample::select(vec!["ru", "ua", "by"])),
        ),
        proptest::sample::subsequence(categories, 0..4),
        (proptest::option::of((0u64..50, 0u64..50)), proptest::option::of(prose(true))),
    )
        .prop_map(
            |(
                (id, from, width),
                (lat, lon, uncertainty),
                (place, admin1),
                (kind, party),
                targets,
                (killed, summary),
            )| {
                let instant =
                    |s: i64| jiff::Timestamp::from_second(s).expect("instant").to_string();
                let mut location = Map::new();
                location.insert("lat".into(), json!(f64::from(lat) / 1e4));
                location.insert("lon".into(), json!(f64::from(lon) / 1e4));
                location.insert("uncertainty_m".into(), json!(uncertainty));
                if let Some(place) = place {
                    location.insert("place".into(), json!(place));
                }
                if let Some(admin1) = admin1 {
                    location.insert("admin1".into(), json!(admin1));
                }
                let mut entry = json!({
                    "type": "truce.report/v1", "id": id,
                    "time": {"from": instant(from), "to": instant(from + width)},
                    "location": location, "event": kind,
                    "observation": {"basis": "direct", "confidence": "high"},
                });
                if let Some(party) = party {
                    entry["perpetrator"] = json!({"party": party, "basis": "observed"});
                }
                if !targets.is_empty() {
                    entry["targets"] = targets.iter().map(|c| json!({"category": c})).collect();
                }
                if let Some((civilian, military)) = killed {
                    entry["harm"] = json!({"killed": {"civilian": civilian, "military": military}});
                }
                if let Some(summary) = summary {
                    entry["summary"] = json!(summary);
                }
                entry
            },
        )
}

fn export(entries: &[Value]) -> String {
    let mut exporter = Exporter::new(Format::Acled, false, zone());
    let mut bytes = exporter.start();
    for (index, entry) in entries.iter().enumerate() {
        let item = Item {
            index: index as u64,
            source: "acled",
            leaf_hash: "",
            superseded_by: None,
            entry,
        };
        bytes.extend(exporter.item(&item));
    }
    String::from_utf8(bytes).expect("UTF-8")
}

fn import(csv: &str) -> Vec<Value> {
    let mapping = AcledMapping::bundled();
    let options = ImportOptions { time_zone: zone(), parties: None };
    acled::Reader::new(csv.as_bytes(), &mapping, &options)
        .expect("header")
        .map(|row| match row.outcome {
            Outcome::Report { entry, .. } => entry,
            other => panic!("line {}: {other:?}\n{csv}", row.line),
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn an_acled_export_reads_back_as_itself(entries in proptest::collection::vec(report(), 1..20)) {
        for entry in &entries {
            prop_assert!(Entry::from_value(entry).is_ok(), "{entry}");
        }
        let first = export(&entries);
        let imported = import(&first);
        prop_assert_eq!(imported.len(), entries.len());
        let second = export(&imported);
        prop_assert_eq!(&first, &second);
        // And once more: the imported reports are a fixed point.
        prop_assert_eq!(import(&second), imported);
    }
}
