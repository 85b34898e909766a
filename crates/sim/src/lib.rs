//! Deterministic, realistic Truce logs for tests and benchmarks.
//!
//! A [`Simulation`] plays out a war of strikes on Ukrainian and Russian
//! cities and along the front line, and yields the entries its sources
//! would submit, in the order they reach the log: the sources'
//! registrations and two agreements first, then reports from monitors,
//! sensors, both parties, open-source investigators and the media,
//! several of most events, placed and timed with each source's own error;
//! denials and counter-claims from the party blamed; corrections and
//! withdrawals; coverage gaps; and analysts' links, unlinks, credibility
//! ratings and attributions.
//!
//! The same [`Options`] give the same entries, byte for byte, on every
//! machine: all randomness comes from one ChaCha8 stream seeded by
//! [`Options::seed`], and the keys are derived from it too.
//!
//! ```
//! use truce_sim::{Options, Simulation};
//!
//! let simulation = Simulation::new(Options { reports: 50, days: 2, ..Options::default() })?;
//! let entries: Vec<_> = simulation.collect();
//! let reports = entries.iter().filter(|e| matches!(e.entry, truce_entry::Entry::Report(_)));
//! assert_eq!(reports.count(), 50);
//! # Ok::<(), truce_note::KeyError>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod events;
mod random;
mod world;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use truce_entry::{Entry, Identifier};
use truce_note::{KeyError, KeyName, SigningKey};

use crate::events::{Event, rfc3339};
use crate::random::Dice;
use crate::world::SOURCES;

/// What to simulate.
#[derive(Clone, Debug)]
pub struct Options {
    /// The seed: the same seed gives the same log.
    pub seed: u64,
    /// How many reports to write (corrections and withdrawals included).
    pub reports: u64,
    /// Over how many days.
    pub days: u32,
    /// The first day, UTC.
    pub start: jiff::civil::Date,
    /// The log's origin, which names the keys.
    pub origin: String,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            seed: 1,
            reports: 1_000,
            days: 30,
            start: jiff::civil::date(2025, 11, 10),
            origin: "sim.truce.example/log".to_owned(),
        }
    }
}

/// A simulated source: its registration's fields and its key.
#[derive(Debug)]
pub struct SimSource {
    /// The source identifier.
    pub id: Identifier,
    /// Its role, as the registration names it.
    pub role: &'static str,
    /// Its organisation.
    pub organisation: &'static str,
    /// The party it speaks for, if it is a party's source.
    pub party: Option<&'static str>,
    /// Its reliability, A to F.
    pub reliability: &'static str,
    /// Its signing key.
    pub key: SigningKey,
}

/// One entry of the simulated log.
#[derive(Clone, Debug)]
pub struct SimEntry {
    /// Its index in the log. Index 0 is the log's first entry, which
    /// registers the operator (`truce init` writes it); the simulation
    /// starts at 1.
    pub index: u64,
    /// The source that signs it: `operator` for registrations and
    /// agreements.
    pub source: Identifier,
    /// The entry.
    pub entry: Entry,
}

/// The simulated log, as an iterator of its entries in log order.
pub struct Simulation {
    options: Options,
    dice: Dice,
    log_key: SigningKey,
    operator: SigningKey,
    sources: Vec<SimSource>,
    /// The registrations and agreements not yet yielded.
    ready: VecDeque<(usize, Value)>,
    /// Entries not yet submitted, by the time they will be.
    pending: BinaryHeap<Reverse<Pending>>,
    /// Open events: their reports still pending, and those in the log.
    open: BTreeMap<u64, OpenEvent>,
    /// The last few events, for analysts to tell apart.
    recent: VecDeque<(i64, Option<usize>, u64)>,
    next_index: u64,
    next_event: u64,
    next_seq: u64,
    reports_drawn: u64,
    /// The first day whose coverage gaps are not drawn yet.
    next_day: i64,
    /// The number of entries each source has written, for their ids.
    counters: Vec<u64>,
}

/// The signer of a pending entry: a source, or the operator.
const OPERATOR: usize = usize::MAX;

#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Pending {
    due: i64,
    seq: u64,
    source: usize,
    what: Due,
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Due {
    /// A report of an event.
    Report { event: u64, value: String, mislocated: bool, denied: bool },
    /// An entry that calls for no follow-up: a correction, a withdrawal,
    /// a coverage gap, an assessment.
    Plain(String),
}

struct OpenEvent {
    waiting: u32,
    time: i64,
    place: Option<usize>,
    perpetrator: &'static str,
    reports: Vec<u64>,
    mislocated: Vec<u64>,
    disputed: bool,
}

impl Simulation {
    /// A simulation with the given options; fails if the origin cannot
    /// name a key.
    pub fn new(options: Options) -> Result<Simulation, KeyError> {
        let mut dice = Dice::new(options.seed);
        let log_key = derive_key(options.seed, &options.origin)?;
        let operator = derive_key(options.seed, &format!("{}/operator", options.origin))?;
        let mut sources = Vec::with_capacity(SOURCES.len());
        for s in SOURCES {
            sources.push(SimSource {
                id: identifier(s.id),
                role: s.role,
                organisation: s.organisation,
                party: s.party,
                reliability: s.reliability,
                key: derive_key(options.seed, &format!("{}/{}", options.origin, s.id))?,
            });
        }
        let mut ready = VecDeque::new();
        for (s, spec) in sources.iter().zip(SOURCES) {
            let mut registration = json!({
                "type": "truce.source/v1",
                "source": spec.id,
                "action": "register",
                "key": s.key.verifier_key().to_string(),
                "name": spec.name,
                "role": spec.role,
                "organisation": spec.organisation,
                "reliability": spec.reliability,
            });
            if let Some(party) = spec.party {
                registration["party"] = json!(party);
            }
            ready.push_back((OPERATOR, registration));
        }
        let start = start_second(&options);
        let end = start + i64::from(options.days.max(1)) * 86_400;
        for agreement in world::agreements(&rfc3339(start), &rfc3339(end + 7 * 86_400)) {
            ready.push_back((OPERATOR, agreement));
        }
        // Burn one word so that the stream the events see does not start
        // where a caller's own ChaCha8 with the same seed would.
        let _ = dice.unit();
        Ok(Simulation {
            dice,
            log_key,
            operator,
            ready,
            pending: BinaryHeap::new(),
            open: BTreeMap::new(),
            recent: VecDeque::new(),
            next_index: 1,
            next_event: 0,
            next_seq: 0,
            reports_drawn: 0,
            next_day: 0,
            counters: vec![0; sources.len()],
            sources,
            options,
        })
    }

    /// The key that signs the log's checkpoints.
    pub fn log_key(&self) -> &SigningKey {
        &self.log_key
    }

    /// The operator's key, which signs registrations and agreements.
    pub fn operator_key(&self) -> &SigningKey {
        &self.operator
    }

    /// The simulated sources.
    pub fn sources(&self) -> &[SimSource] {
        &self.sources
    }

    /// The signing key of a source, or of the operator.
    pub fn key_of(&self, source: &str) -> Option<&SigningKey> {
        if source == "operator" {
            return Some(&self.operator);
        }
        self.sources.iter().find(|s| s.id.as_str() == source).map(|s| &s.key)
    }

    /// The log indices of the agreements: right after the registrations.
    pub fn agreement_indices(&self) -> Vec<u64> {
        let first = 1 + SOURCES.len() as u64;
        vec![first, first + 1]
    }

    fn seconds(&self) -> (i64, i64) {
        let start = start_second(&self.options);
        (start, i64::from(self.options.days.max(1)) * 86_400)
    }

    /// Draws the next event and schedules its reports; once every report
    /// is drawn, nothing.
    fn draw_event(&mut self) {
        let (start, span) = self.seconds();
        let progress = self.reports_drawn as f64 / self.options.reports.max(1) as f64;
        // Events come a little out of order: up to half an hour late.
        let time = start + (progress * span as f64) as i64 + self.dice.int(0, 1_800) as i64;
        while self.next_day * 86_400 <= time - start && self.next_day < span / 86_400 {
            self.draw_gaps(start + self.next_day * 86_400);
            self.next_day += 1;
        }
        let event = Event::generate(&mut self.dice, time);
        let id = self.next_event;
        self.next_event += 1;
        let mut waiting = 0;
        for (source, delay) in event.reporters(&mut self.dice) {
            if self.reports_drawn >= self.options.reports {
                break;
            }
            self.reports_drawn += 1;
            let report_id = self.local_id(source);
            let report = event.report(&mut self.dice, &world::SOURCES[source], &report_id);
            let due = time + event.duration + delay;
            self.schedule(
                due,
                source,
                Due::Report {
                    event: id,
                    value: report.value.to_string(),
                    mislocated: report.mislocated,
                    denied: report.denied,
                },
            );
            waiting += 1;
        }
        if waiting > 0 {
            self.open.insert(
                id,
                OpenEvent {
                    waiting,
                    time,
                    place: event.place,
                    perpetrator: event.perpetrator,
                    reports: Vec::new(),
                    mislocated: Vec::new(),
                    disputed: false,
                },
            );
        }
    }

    /// The day's coverage gaps: teams kept out or held back, sensors down,
    /// jamming near the front.
    fn draw_gaps(&mut self, day: i64) {
        for (i, spec) in SOURCES.iter().enumerate() {
            let Some((lat, lon, radius)) = spec.watch else { continue };
            let (p, kinds): (f64, &[(&str, u32)]) = match spec.role {
                "monitor" => (0.3, &[("restricted_movement", 3), ("access_denied", 2)]),
                _ => (0.12, &[("sensor_outage", 3), ("jamming", 1)]),
            };
            if !self.dice.chance(p) {
                continue;
            }
            let gap = *self.dice.weighted(kinds);
            let from = day + 3_600 * self.dice.int(0, 20) as i64;
            let to = from + 3_600 * self.dice.int(2, 30) as i64;
            let (clat, clon) = self.dice.near(lat, lon, radius / 2.0);
            let area_m =
                if spec.role == "monitor" { 1_000 * self.dice.int(2, 15) } else { radius as u64 };
            let id = self.local_id(i);
            let value = json!({
                "type": "truce.coverage/v1",
                "id": id,
                "gap": gap,
                "time": {"from": rfc3339(from), "to": rfc3339(to)},
                "area": {"lat": clat, "lon": clon, "radius_m": area_m},
            });
            self.schedule(to + 1_800, i, Due::Plain(value.to_string()));
        }
    }

    fn schedule(&mut self, due: i64, source: usize, what: Due) {
        self.pending.push(Reverse(Pending { due, seq: self.next_seq, source, what }));
        self.next_seq += 1;
    }

    fn local_id(&mut self, source: usize) -> String {
        self.counters[source] += 1;
        format!("{}-{:07}", SOURCES[source].id, self.counters[source])
    }

    /// Enters an entry into the log.
    fn emit(&mut self, signer: usize, value: &Value) -> SimEntry {
        let index = self.next_index;
        self.next_index += 1;
        let entry = Entry::from_value(value).unwrap_or_else(|problems| {
            // The generator wrote something the entry types refuse: a bug
            // here, which the crate's tests catch.
            panic!("simulated entry {index} is invalid: {problems}\n{value}")
        });
        let source = identifier(if signer == OPERATOR { "operator" } else { SOURCES[signer].id });
        SimEntry { index, source, entry }
    }

    /// Enters a due entry into the log and draws the follow-ups it calls
    /// for.
    fn submit(&mut self, pending: Pending) -> SimEntry {
        match pending.what {
            Due::Plain(value) => self.emit(pending.source, &parse(&value)),
            Due::Report { event, value, mislocated, denied } => {
                let value = parse(&value);
                let index = self.next_index;
                self.follow_report(pending.due, pending.source, index, &value);
                self.follow_event(event, index, mislocated, denied);
                self.emit(pending.source, &value)
            }
        }
    }

    /// Sometimes a source corrects or withdraws its report.
    fn follow_report(&mut self, due: i64, source: usize, index: u64, report: &Value) {
        if self.reports_drawn >= self.options.reports {
            return;
        }
        let role = SOURCES[source].role;
        let later = due + 3_600 * self.dice.int(1, 30) as i64;
        if role == "media" && self.dice.chance(0.01) {
            self.reports_drawn += 1;
            let id = self.local_id(source);
            let withdrawal = json!({
                "type": "truce.report/v1",
                "id": id,
                "supersedes": index,
                "withdrawn": true,
                "summary": "Withdrawn: the footage was of an earlier strike elsewhere.",
            });
            self.schedule(later, source, Due::Plain(withdrawal.to_string()));
        } else if report.get("harm").is_some() && self.dice.chance(0.04) {
            self.reports_drawn += 1;
            let mut correction = report.clone();
            correction["id"] = json!(self.local_id(source));
            correction["supersedes"] = json!(index);
            if let Some(killed) = correction.pointer_mut("/harm/killed/civilian") {
                *killed = json!(killed.as_u64().unwrap_or(0) + self.dice.int(0, 3));
            }
            if let Some(injured) = correction.pointer_mut("/harm/injured/civilian") {
                *injured = json!(injured.as_u64().unwrap_or(0) + self.dice.int(1, 6));
            }
            self.schedule(later, source, Due::Plain(correction.to_string()));
        }
    }

    /// When the last report of an event is in, the analysts look at it.
    fn follow_event(&mut self, event: u64, index: u64, mislocated: bool, denied: bool) {
        let Some(open) = self.open.get_mut(&event) else { return };
        open.reports.push(index);
        if mislocated {
            open.mislocated.push(index);
        }
        open.disputed |= denied;
        open.waiting -= 1;
        if open.waiting > 0 {
            return;
        }
        let Some(open) = self.open.remove(&event) else { return };
        let analyst = if self.dice.chance(0.5) { SOURCES.len() - 2 } else { SOURCES.len() - 1 };
        let later = open.time + 3_600 * self.dice.int(12, 48) as i64;
        let reports = open.reports.clone();
        let assess = |sim: &mut Simulation, body: Value| {
            let mut value = json!({"type": "truce.assessment/v1", "id": sim.local_id(analyst)});
            if let (Some(v), Value::Object(body)) = (value.as_object_mut(), body) {
                v.extend(body);
            }
            sim.schedule(later, analyst, Due::Plain(value.to_string()));
        };
        if !open.mislocated.is_empty() && reports.len() >= 2 && self.dice.chance(0.6) {
            assess(
                self,
                json!({
                    "action": "link",
                    "reports": reports,
                    "rationale": "The media report is placed at the city centre, but its time, damage and casualties are those of this strike: one incident.",
                }),
            );
        }
        if open.disputed && self.dice.chance(0.5) {
            assess(
                self,
                json!({
                    "action": "attribution",
                    "reports": reports,
                    "perpetrator": {"party": open.perpetrator, "basis": "assessed", "confidence": "medium"},
                    "rationale": "Fragments and the direction of approach point to this party; the denial is not supported by what was found.",
                }),
            );
        }
        if self.dice.chance(0.03) {
            let rating = self.dice.int(1, 6);
            let rated = reports[self.dice.int(0, reports.len() as u64 - 1) as usize];
            assess(
                self,
                json!({
                    "action": "credibility",
                    "reports": [rated],
                    "credibility": rating,
                    "rationale": "Rated against the imagery and the mission's own observations.",
                }),
            );
        }
        if let Some(&(_, _, other)) = self.recent.iter().find(|(time, place, _)| {
            open.place.is_some() && *place == open.place && (open.time - time).abs() < 2_400
        }) && self.dice.chance(0.5)
        {
            assess(
                self,
                json!({
                    "action": "unlink",
                    "reports": [other, reports[0]],
                    "rationale": "Two separate strikes on the same city within the hour: different districts and weapons.",
                }),
            );
        }
        self.recent.push_back((open.time, open.place, reports[0]));
        if self.recent.len() > 16 {
            self.recent.pop_front();
        }
    }
}

impl Iterator for Simulation {
    type Item = SimEntry;

    fn next(&mut self) -> Option<SimEntry> {
        loop {
            if let Some((signer, value)) = self.ready.pop_front() {
                return Some(self.emit(signer, &value));
            }
            // What falls due before the next event can be drawn is
            // submitted first; events are drawn at most half an hour after
            // the time the reports drawn so far have reached.
            let (start, span) = self.seconds();
            let drawing = self.reports_drawn < self.options.reports;
            let frontier = if drawing {
                let progress = self.reports_drawn as f64 / self.options.reports.max(1) as f64;
                start + (progress * span as f64) as i64
            } else {
                i64::MAX
            };
            match self.pending.peek() {
                Some(Reverse(p)) if p.due <= frontier => {
                    let Reverse(pending) = self.pending.pop()?;
                    return Some(self.submit(pending));
                }
                _ if drawing => self.draw_event(),
                _ => return None,
            }
        }
    }
}

/// Reads back a value this crate serialised.
fn parse(json: &str) -> Value {
    serde_json::from_str(json).unwrap_or(Value::Null)
}

fn identifier(id: &str) -> Identifier {
    Identifier::new(id).unwrap_or_else(|_| unreachable!("the roster's ids are valid: {id}"))
}

fn start_second(options: &Options) -> i64 {
    jiff::tz::TimeZone::UTC
        .to_timestamp(options.start.to_datetime(jiff::civil::Time::midnight()))
        .map_or(0, |t| t.as_second())
}

/// A key derived from the seed and its name: the simulation's keys are as
/// reproducible as its entries.
fn derive_key(seed: u64, name: &str) -> Result<SigningKey, KeyError> {
    let digest = Sha256::new()
        .chain_update(b"truce-sim key\0")
        .chain_update(seed.to_be_bytes())
        .chain_update(name.as_bytes())
        .finalize();
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(&digest);
    Ok(SigningKey::from_seed(KeyName::new(name)?, &bytes))
}
