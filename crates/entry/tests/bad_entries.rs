//! A table of bad entries, each with the exact JSON Pointers and messages
//! the validator must give, all at once.

mod common;

use common::{remove, set, valid};
use serde_json::{Value, json};
use truce_entry::Entry;

struct Case {
    name: &'static str,
    input: Vec<u8>,
    want: Vec<(&'static str, String)>,
}

fn case(name: &'static str, input: Value, want: &[(&'static str, &str)]) -> Case {
    let input = serde_json::to_vec(&input).expect("serializes");
    Case { name, input, want: want.iter().map(|&(p, m)| (p, m.to_owned())).collect() }
}

fn raw(name: &'static str, input: impl Into<Vec<u8>>, want: &[(&'static str, &str)]) -> Case {
    Case { name, input: input.into(), want: want.iter().map(|&(p, m)| (p, m.to_owned())).collect() }
}

fn cases() -> Vec<Case> {
    let report = || valid("report-kharkiv");
    let source = || valid("source-monitor");
    let agreement = || valid("agreement-moratorium");
    let assessment = || valid("assessment-credibility");
    let statement = || valid("statement-daily");
    let coverage = || valid("coverage-access");
    let withdrawal = || valid("report-withdrawal");

    let mut oversize = report();
    let evidence = oversize["evidence"][0].clone();
    oversize["evidence"] = Value::Array(vec![evidence; 400]);
    let oversize_len = truce_entry::canonical(&oversize).len() + 1;
    let oversize_message =
        format!("entry is {oversize_len} bytes in canonical form; an entry holds at most 65535");

    let mut cases = vec![
        // The envelope: the type, the JSON itself.
        case(
            "unknown type",
            set(report(), "/type", json!("truce.repot/v1")),
            &[(
                "/type",
                "unknown entry type: unknown value \"truce.repot/v1\"; did you mean \"truce.report/v1\"?",
            )],
        ),
        case(
            "type from the future",
            set(report(), "/type", json!("truce.report/v9")),
            &[(
                "/type",
                "unknown entry type: unknown value \"truce.report/v9\"; did you mean \"truce.report/v1\"?",
            )],
        ),
        case(
            "type of another system",
            set(report(), "/type", json!("Feature")),
            &[(
                "/type",
                "unknown entry type: unknown value \"Feature\"; expected one of: truce.source/v1, truce.agreement/v1, truce.report/v1, truce.coverage/v1, truce.assessment/v1, truce.statement/v1, truce.log-key/v1, truce.evidence/v1",
            )],
        ),
        case("missing type", remove(report(), "/type"), &[("/type", "is required")]),
        case(
            "type is a number",
            set(report(), "/type", json!(1)),
            &[("/type", "must be a string, not a number")],
        ),
        case(
            "entry is an array",
            json!([1, 2]),
            &[("", "an entry must be a JSON object, not an array")],
        ),
        raw(
            "not UTF-8",
            b"{\"type\": \"truce.report/v1\", \"id\": \"\xff\"}".to_vec(),
            &[("", "must be valid UTF-8 (invalid byte at offset 35)")],
        ),
        raw(
            "not JSON",
            "{\"type\": \"truce.report/v1\",}",
            &[("", "invalid JSON: trailing comma at line 1 column 28")],
        ),
        raw(
            "duplicate member",
            r#"{"type": "truce.report/v1", "location": {"lat": 50, "lat": 51}}"#,
            &[("", "invalid JSON: duplicate member /location/lat at line 1 column 57")],
        ),
        raw(
            "integer beyond 2^53",
            r#"{"type": "truce.report/v1", "supersedes": 9007199254740993}"#,
            &[(
                "",
                "invalid JSON: integer 9007199254740993 cannot be held exactly by a JSON number (a double) at line 1 column 58",
            )],
        ),
        case("oversize entry", oversize, &[("", &oversize_message)]),
        raw(
            "input far beyond any entry",
            vec![b' '; 2 << 20],
            &[("", "entry is 2097152 bytes; an entry holds at most 65535")],
        ),
        // Unknown members: typos must not pass silently.
        case(
            "typo at the top",
            set(report(), "/sumary", json!("x")),
            &[("/sumary", "unknown field; did you mean \"summary\"?")],
        ),
        case(
            "unknown nested member",
            set(report(), "/location/altitude", json!(120)),
            &[(
                "/location/altitude",
                "unknown field; expected one of: lat, lon, uncertainty_m, place, admin1, admin2",
            )],
        ),
        // Wrong types.
        case(
            "latitude as a string",
            set(report(), "/location/lat", json!("49.99")),
            &[("/location/lat", "must be a number, not a string")],
        ),
        case(
            "location as a string",
            set(report(), "/location", json!("Kharkiv")),
            &[("/location", "must be an object, not a string")],
        ),
        case(
            "targets as an object",
            set(report(), "/targets", json!({"category": "water"})),
            &[("/targets", "must be an array, not an object")],
        ),
        case(
            "null for an optional member",
            set(report(), "/weapon", Value::Null),
            &[("/weapon", "must be left out rather than null")],
        ),
        case(
            "withdrawn as a string",
            set(withdrawal(), "/withdrawn", json!("yes")),
            &[("/withdrawn", "must be true or false, not a string")],
        ),
        // Coordinates and distances.
        case(
            "latitude above 90",
            set(report(), "/location/lat", json!(91)),
            &[("/location/lat", "must be between -90 and 90")],
        ),
        case(
            "longitude below -180",
            set(report(), "/location/lon", json!(-180.5)),
            &[("/location/lon", "must be between -180 and 180")],
        ),
        case(
            "negative uncertainty",
            set(report(), "/location/uncertainty_m", json!(-5)),
            &[("/location/uncertainty_m", "must be between 0 and 1000000 metres")],
        ),
        case(
            "bearing beyond 360",
            set(report(), "/direction/bearing_deg", json!(400)),
            &[("/direction/bearing_deg", "must be between 0 and 360 degrees")],
        ),
        // Times.
        case(
            "to before from",
            set(report(), "/time/to", json!("2025-11-14T03:00:00+02:00")),
            &[("/time/to", "must not be before from")],
        ),
        case(
            "timestamp without UTC offset",
            set(report(), "/time/from", json!("2025-11-14T03:18:00")),
            &[("/time/from", "must have a UTC offset (Z or +hh:mm)")],
        ),
        case(
            "timestamp as a date",
            set(report(), "/time/from", json!("2025-11-14")),
            &[("/time/from", "must be an RFC 3339 date and time like 2025-11-14T03:20:00Z")],
        ),
        case(
            "impossible date",
            set(report(), "/time/to", json!("2025-11-31T03:18:00Z")),
            &[("/time/to", "is not a valid date and time")],
        ),
        case(
            "window over 31 days",
            set(report(), "/time/to", json!("2025-12-24T03:18:00+02:00")),
            &[("/time/to", "must be at most 31 days after from")],
        ),
        // Counts.
        case(
            "negative casualty count",
            set(report(), "/harm/killed/civilian", json!(-1)),
            &[("/harm/killed/civilian", "must not be negative")],
        ),
        case(
            "fractional casualty count",
            set(report(), "/harm/injured/civilian", json!(2.5)),
            &[("/harm/injured/civilian", "must be a whole number")],
        ),
        case(
            "absurd customer count",
            set(report(), "/disruption/0/customers", json!(1e9)),
            &[("/disruption/0/customers", "must be at most 100000000")],
        ),
        case(
            "negative log index",
            set(withdrawal(), "/supersedes", json!(-7)),
            &[("/supersedes", "must not be negative")],
        ),
        case(
            "empty harm",
            set(report(), "/harm", json!({})),
            &[("/harm", "must give killed, injured or both")],
        ),
        case(
            "empty casualties",
            set(report(), "/harm/killed", json!({})),
            &[("/harm/killed", "must give at least one of civilian, military, unknown")],
        ),
        case(
            "estimate bounds that do not hold the count",
            set(report(), "/harm/killed", json!({"civilian": 4, "low": 5, "high": 3})),
            &[
                ("/harm/killed/low", "must not be above the total of the counts (4)"),
                ("/harm/killed/high", "must not be below the total of the counts (4)"),
            ],
        ),
        // Vocabularies.
        case(
            "unknown event kind",
            set(report(), "/event", json!("missle_strike")),
            &[("/event", "unknown value \"missle_strike\"; did you mean \"missile_strike\"?")],
        ),
        case(
            "unknown target category",
            set(report(), "/targets/1/category", json!("power")),
            &[(
                "/targets/1/category",
                "unknown value \"power\"; expected one of: residential, commercial, industrial, agriculture, energy_generation, energy_transmission, nuclear, hydro_dam, fuel_refinery, fuel_pipeline, fuel_storage, gas, water, heating, telecom, port, vessel, rail, road, airport, medical, education, cultural, religious, government, humanitarian, military",
            )],
        ),
        case(
            "unknown confidence",
            set(report(), "/observation/confidence", json!("certain")),
            &[(
                "/observation/confidence",
                "unknown value \"certain\"; expected one of: low, medium, high",
            )],
        ),
        case(
            "duplicate target",
            set(
                report(),
                "/targets/1",
                json!({"category": "residential", "name": "Apartment block, Heroiv Pratsi St."}),
            ),
            &[("/targets/1", "is listed twice")],
        ),
        // Required members and combinations.
        case("missing location", remove(report(), "/location"), &[("/location", "is required")]),
        case(
            "missing observation and event",
            remove(remove(report(), "/observation"), "/event"),
            &[("/event", "is required"), ("/observation", "is required")],
        ),
        case(
            "withdrawal without supersedes",
            remove(withdrawal(), "/supersedes"),
            &[("/supersedes", "is required to withdraw a report")],
        ),
        case(
            "withdrawal with a location",
            set(withdrawal(), "/location", report()["location"].clone()),
            &[("/location", "must be left out of a withdrawal")],
        ),
        case(
            "withdrawn false",
            set(report(), "/withdrawn", json!(false)),
            &[("/withdrawn", "must be true or left out")],
        ),
        case(
            "unknown perpetrator with a party",
            set(report(), "/perpetrator/basis", json!("unknown")),
            &[("/perpetrator/party", "must be left out when the basis is \"unknown\"")],
        ),
        case(
            "observed perpetrator without a party",
            remove(report(), "/perpetrator/party"),
            &[("/perpetrator/party", "is required unless the basis is \"unknown\"")],
        ),
        case(
            "empty direction",
            set(report(), "/direction", json!({})),
            &[("/direction", "must give bearing_deg, origin or both")],
        ),
        // Text.
        case(
            "identifier with a space",
            set(report(), "/id", json!("omm t3")),
            &[("/id", "may only hold ASCII letters, digits, '.', '_', '-' and ':'")],
        ),
        case(
            "identifier starting with a dash",
            set(report(), "/id", json!("-x")),
            &[("/id", "must start with a letter or a digit")],
        ),
        case(
            "control character in text",
            set(report(), "/summary", json!("Two explosions\u{7}.")),
            &[(
                "/summary",
                "must not contain control or bidirectional formatting characters (found U+0007)",
            )],
        ),
        // Summaries in other languages, by BCP 47 tag.
        case(
            "translations as a string",
            set(report(), "/summary_i18n", json!("Two explosions.")),
            &[("/summary_i18n", "must be an object from language tags to texts, not a string")],
        ),
        case(
            "no translation",
            set(report(), "/summary_i18n", json!({})),
            &[("/summary_i18n", "must hold 1 to 16 languages")],
        ),
        case(
            "a language tag in another case",
            set(
                report(),
                "/summary_i18n",
                json!({"UK": "Два вибухи.", "en-gb": "Two explosions."}),
            ),
            &[
                ("/summary_i18n/UK", "must be written \"uk\", the tag's canonical form"),
                ("/summary_i18n/en-gb", "must be written \"en-GB\", the tag's canonical form"),
            ],
        ),
        case(
            "not a language tag",
            set(report(), "/summary_i18n", json!({"Ukrainian!": "Два вибухи."})),
            &[(
                "/summary_i18n/Ukrainian!",
                "\"Ukrainian!\" is not a BCP 47 language tag such as \"uk\" or \"en-GB\"",
            )],
        ),
        case(
            "control character in a translation",
            set(report(), "/summary_i18n", json!({"uk": "Два вибухи\u{7}."})),
            &[(
                "/summary_i18n/uk",
                "must not contain control or bidirectional formatting characters (found U+0007)",
            )],
        ),
        case(
            "line break in a one-line text",
            set(report(), "/location/place", json!("Kharkiv\nSaltivka")),
            &[(
                "/location/place",
                "must not contain control or bidirectional formatting characters (found U+000A)",
            )],
        ),
        case(
            "bidirectional override",
            set(report(), "/weapon", json!("Shahed\u{202e}631")),
            &[(
                "/weapon",
                "must not contain control or bidirectional formatting characters (found U+202E)",
            )],
        ),
        case(
            "empty summary",
            set(report(), "/summary", json!("")),
            &[("/summary", "must not be empty")],
        ),
        case(
            "text with leading space",
            set(report(), "/location/place", json!(" Kharkiv")),
            &[("/location/place", "must not start or end with white space")],
        ),
        case(
            "text too long",
            set(report(), "/weapon", json!("x".repeat(201))),
            &[("/weapon", "must be at most 200 characters long (is 201)")],
        ),
        // Evidence.
        case(
            "upper-case digest",
            set(
                report(),
                "/evidence/0/sha256",
                json!("9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"),
            ),
            &[("/evidence/0/sha256", "must be a SHA-256 digest: 64 lower-case hex digits")],
        ),
        case(
            "media type with parameters",
            set(report(), "/evidence/0/media_type", json!("image/jpeg; q=1")),
            &[(
                "/evidence/0/media_type",
                "must be a lower-case media type like image/jpeg, without parameters",
            )],
        ),
        // Sources.
        case(
            "party source without party",
            remove(valid("source-party"), "/party"),
            &[("/party", "is required for a source with role \"party\"")],
        ),
        case(
            "monitor source with a party",
            set(source(), "/party", json!("ua")),
            &[(
                "/party",
                "must be left out unless the role is \"party\" (name the organisation instead)",
            )],
        ),
        case(
            "registration without key and name",
            remove(remove(source(), "/key"), "/name"),
            &[("/key", "is required to register"), ("/name", "is required to register")],
        ),
        case(
            "bad verifier key",
            set(
                source(),
                "/key",
                json!("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
            ),
            &[(
                "/key",
                "must be a verifier key <name>+<id>+<key>: key ID c74f20a4 does not match the key (computed c74f20a3)",
            )],
        ),
        case(
            "revocation with a role",
            set(valid("source-revoke"), "/role", json!("monitor")),
            &[("/role", "must be left out to revoke")],
        ),
        case(
            "reliability outside A-F",
            set(source(), "/reliability", json!("G")),
            &[("/reliability", "unknown value \"G\"; expected one of: A, B, C, D, E, F")],
        ),
        // Agreements.
        case(
            "rule binds an unknown party",
            set(agreement(), "/rules/0/binds/1", json!("by")),
            &[("/rules/0/binds/1", "names no party of the agreement: by")],
        ),
        case(
            "rule names an unknown zone",
            set(agreement(), "/rules/1/zones/0", json!("crimea")),
            &[("/rules/1/zones/0", "names no zone of the agreement: crimea")],
        ),
        case(
            "repeated rule id",
            set(agreement(), "/rules/1/id", json!("energy")),
            &[("/rules/1/id", "repeats the id energy")],
        ),
        case("no rules", set(agreement(), "/rules", json!([])), &[("/rules", "must not be empty")]),
        case(
            "agreement ends before it starts",
            set(agreement(), "/in_force/to", json!("2025-11-01T00:00:00Z")),
            &[("/in_force/to", "must be after from")],
        ),
        case(
            "rule in force outside the agreement",
            set(agreement(), "/rules/1/in_force/to", json!("2026-01-01T00:00:00Z")),
            &[("/rules/1/in_force", "must lie within the in_force period of the agreement")],
        ),
        case(
            "open ring",
            set(agreement(), "/zones/0/geometry/coordinates/0/4", json!([30.1, 46.6])),
            &[(
                "/zones/0/geometry/coordinates/0",
                "ring must be closed: its last position must equal its first",
            )],
        ),
        case(
            "zone latitude out of range",
            set(agreement(), "/zones/1/geometry/coordinates/2/1", json!(98.8)),
            &[("/zones/1/geometry/coordinates/2/1", "latitude must be between -90 and 90")],
        ),
        case(
            "unknown geometry type",
            set(agreement(), "/zones/0/geometry/type", json!("Circle")),
            &[(
                "/zones/0/geometry/type",
                "unknown value \"Circle\"; expected one of: Point, LineString, Polygon, MultiPolygon",
            )],
        ),
        case(
            "position with altitude",
            set(agreement(), "/zones/1/geometry/coordinates/0", json!([37.6, 49.9, 120])),
            &[("/zones/1/geometry/coordinates/0", "must be a position [longitude, latitude]")],
        ),
        // Coverage, assessments, statements.
        case(
            "unknown gap",
            set(coverage(), "/gap", json!("blackout")),
            &[(
                "/gap",
                "unknown value \"blackout\"; expected one of: access_denied, sensor_outage, jamming, restricted_movement",
            )],
        ),
        case(
            "credibility 7",
            set(assessment(), "/credibility", json!(7)),
            &[(
                "/credibility",
                "must be a whole number from 1 (confirmed) to 6 (cannot be judged)",
            )],
        ),
        case(
            "credibility assessment without a rating",
            remove(assessment(), "/credibility"),
            &[("/credibility", "is required for \"credibility\"")],
        ),
        case(
            "link of one report",
            set(valid("assessment-link"), "/reports", json!([12])),
            &[("/reports", "must list at least 2 reports for \"link\"")],
        ),
        case(
            "assessment attributed by claim",
            set(valid("assessment-attribution"), "/perpetrator/basis", json!("claimed_by_party")),
            &[("/perpetrator/basis", "must be \"assessed\" or \"unknown\" in an assessment")],
        ),
        case(
            "impossible date",
            set(statement(), "/date", json!("2025-02-30")),
            &[("/date", "must be a date like 2025-11-14")],
        ),
        case(
            "a log key that retires itself",
            set(
                valid("log-key-rotation"),
                "/key",
                json!("truce.example/log+da762820+AfjBIzAAnlUmscPSueh/NMDA28FFI5h5vZx+0iPIhkCT"),
            ),
            &[("/key", "must differ from previous")],
        ),
        case(
            "a log key of another log",
            set(valid("log-key-rotation"), "/origin", json!("other.example/log")),
            &[
                ("/previous", "must be named for the log's origin"),
                ("/key", "must be named for the log's origin"),
            ],
        ),
        case(
            "evidence derived from itself",
            set(
                valid("evidence-derivative"),
                "/derived_from/sha256",
                json!("0c4b1e2ab3d1e3b62ad8c0b44a1b1e58b1f5ee52fd7c4f2bb8a2e6a5f9d6e0a1"),
            ),
            &[("/derived_from/sha256", "must differ from sha256")],
        ),
        case(
            "evidence whose credentials contradict themselves",
            set(valid("evidence-photo"), "/credentials/bytes_match", json!(false)),
            &[("/credentials/state", "must be invalid when bytes_match is false")],
        ),
        case(
            "absent credentials with a signer",
            set(valid("evidence-photo"), "/credentials/state", json!("absent")),
            &[("/credentials/state", "is absent, so signer and bytes_match must be left out")],
        ),
        case(
            "evidence without custodian or credentials",
            remove(remove(valid("evidence-derivative"), "/custodian"), "/credentials"),
            &[("/custodian", "is required"), ("/credentials", "is required")],
        ),
        case(
            "evidence with a media type in capitals",
            set(valid("evidence-photo"), "/media_type", json!("Image/JPEG")),
            &[(
                "/media_type",
                "must be a lower-case media type like image/jpeg, without parameters",
            )],
        ),
        case(
            "short root hash",
            set(statement(), "/checkpoint/root", json!("YmFuYW5hcw==")),
            &[("/checkpoint/root", "must be a 32-byte hash in standard base64")],
        ),
    ];

    // Many problems at once, in document order, none lost.
    cases.push(case(
        "every problem at once",
        set(
            set(set(remove(report(), "/event"), "/location/lat", json!(-95)), "/time/from", json!("2025-11-14 03:18")),
            "/colour",
            json!("red"),
        ),
        &[
            ("/colour", "unknown field; expected one of: id, supersedes, withdrawn, time, location, event, occurrence, observation, weapon, direction, perpetrator, targets, harm, disruption, evidence, summary, summary_i18n, follows"),
            ("/time/from", "must be an RFC 3339 date and time like 2025-11-14T03:20:00Z"),
            ("/location/lat", "must be between -90 and 90"),
            ("/event", "is required"),
        ],
    ));
    cases
}

#[test]
fn every_bad_entry_gets_its_exact_problems() {
    let cases = cases();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let got: Vec<(String, String)> = match Entry::parse(&case.input) {
            Ok(_) => vec![("(accepted)".into(), String::new())],
            Err(problems) => {
                problems.iter().map(|p| (p.pointer.clone(), p.message.clone())).collect()
            }
        };
        let want: Vec<(String, String)> =
            case.want.iter().map(|(p, m)| (p.to_string(), m.clone())).collect();
        if got != want {
            failures.push(format!("{}:\n  want {want:?}\n  got  {got:?}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn the_valid_fixtures_are_valid() {
    for name in common::VALID {
        let value = valid(name);
        if let Err(problems) = Entry::from_value(&value) {
            panic!("{name}: {problems}");
        }
    }
}
