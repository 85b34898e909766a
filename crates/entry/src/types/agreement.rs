//! `truce.agreement/v1`: the terms that reports are judged against.

use crate::check::{Checker, NonEmpty, Rules};
use crate::common::{Count, Identifier, LogIndex, Meters, Prose, Text, Timestamp};
use crate::geometry::Geometry;
use crate::record;
use crate::types::report::{EventKind, TargetCategory};

record! {
    /// An agreement in force between parties: its rules, where and when
    /// they apply, and whom they bind. Signed by the operator, and
    /// optionally cosigned by the parties. A later agreement entry that
    /// `supersedes` this one replaces it from the time the new one is in
    /// force.
    pub struct Agreement {
        /// The agreement's identifier, stable across its versions.
        pub agreement: Identifier,
        /// Its title.
        pub title: Text<300>,
        /// What it is, in words; or the text of the agreement.
        pub summary: Option<Prose<20000>>,
        /// The parties to it.
        pub parties: NonEmpty<Party>,
        /// When it is in force. An agreement without an end stays in force
        /// until superseded.
        pub in_force: Period,
        /// Named areas the rules refer to.
        pub zones: Vec<Zone>,
        /// The rules.
        pub rules: NonEmpty<Rule>,
        /// The log index of the agreement entry this one replaces.
        pub supersedes: Option<LogIndex>,
        /// Parameters of assessment under this agreement; defaults apply to
        /// what is left out.
        pub parameters: Option<Parameters>,
    }
}

impl Agreement {
    /// The zone with this identifier.
    pub fn zone(&self, id: &Identifier) -> Option<&Zone> {
        self.zones.iter().find(|z| &z.id == id)
    }
}

impl Rules for Agreement {
    fn check_rules(&self, at: &mut Checker) {
        check_unique(at, "parties", self.parties.iter().map(|p| &p.id));
        check_unique(at, "zones", self.zones.iter().map(|z| &z.id));
        check_unique(at, "rules", self.rules.iter().map(|r| &r.id));
        let is_party = |id: &Identifier| self.parties.iter().any(|p| &p.id == id);
        let is_zone = |id: &Identifier| self.zones.iter().any(|z| &z.id == id);
        at.at_key("rules", |at| {
            for (i, rule) in self.rules.iter().enumerate() {
                at.at_index(i, |at| {
                    for (j, party) in rule.binds.iter().enumerate() {
                        if !is_party(party) {
                            at.at_key("binds", |at| {
                                at.at_index(j, |at| {
                                    at.problem(format!("names no party of the agreement: {party}"))
                                })
                            });
                        }
                    }
                    for (j, zone) in rule.zones.iter().enumerate() {
                        if !is_zone(zone) {
                            at.at_key("zones", |at| {
                                at.at_index(j, |at| {
                                    at.problem(format!("names no zone of the agreement: {zone}"))
                                })
                            });
                        }
                    }
                    if let Some(period) = &rule.in_force {
                        let starts_early = period.from.instant() < self.in_force.from.instant();
                        let ends_late = match (&period.to, &self.in_force.to) {
                            (_, None) => false,
                            (None, Some(_)) => true,
                            (Some(rule_end), Some(end)) => rule_end.instant() > end.instant(),
                        };
                        if starts_early || ends_late {
                            at.problem_at(
                                "in_force",
                                "must lie within the in_force period of the agreement",
                            );
                        }
                    }
                })
            }
        });
    }
}

fn check_unique<'a>(at: &mut Checker, list: &str, ids: impl Iterator<Item = &'a Identifier>) {
    let mut seen: Vec<&Identifier> = Vec::new();
    for (i, id) in ids.enumerate() {
        if seen.contains(&id) {
            at.at_key(list, |at| {
                at.at_index(i, |at| at.problem_at("id", format!("repeats the id {id}")))
            });
        }
        seen.push(id);
    }
}

record! {
    /// A party to the agreement.
    pub struct Party {
        /// The identifier that sources and rules use for the party.
        pub id: Identifier,
        /// Its name.
        pub name: Text<200>,
    }
}

impl Rules for Party {}

record! {
    /// A period of time. Without `to`, it has no end.
    pub struct Period {
        /// The start, included.
        pub from: Timestamp,
        /// The end, excluded.
        pub to: Option<Timestamp>,
    }
}

impl Rules for Period {
    fn check_rules(&self, at: &mut Checker) {
        if let Some(to) = &self.to
            && to.instant() <= self.from.instant()
        {
            at.problem_at("to", "must be after from");
        }
    }
}

record! {
    /// A named area: a GeoJSON geometry, widened by a buffer.
    pub struct Zone {
        /// The identifier rules use for the zone.
        pub id: Identifier,
        /// Its name.
        pub name: Text<200>,
        /// The area (a polygon), the line (a line of contact) or the point.
        pub geometry: Geometry,
        /// The zone also covers everything within this distance of the
        /// geometry: the buffer zone along a line of contact, the radius
        /// around a point.
        pub buffer_m: Option<Meters>,
    }
}

impl Rules for Zone {}

record! {
    /// A rule: a prohibition that binds some parties, in some places, at
    /// some times.
    ///
    /// An event breaks the rule when it is of a prohibited kind, hits a
    /// protected target category (any target if none is listed), lies in
    /// one of the zones (anywhere if none is listed), happens while the rule
    /// is in force, and is attributed to a party the rule binds.
    pub struct Rule {
        /// The rule's identifier within the agreement.
        pub id: Identifier,
        /// Its title.
        pub title: Text<300>,
        /// Its text, as agreed.
        pub text: Prose<5000>,
        /// The parties the rule binds.
        pub binds: NonEmpty<Identifier>,
        /// The kinds of events the rule prohibits.
        pub prohibited: NonEmpty<EventKind>,
        /// The target categories the rule protects; none listed means every
        /// target.
        pub protected: Vec<TargetCategory>,
        /// The zones the rule applies in; none listed means everywhere.
        pub zones: Vec<Identifier>,
        /// When the rule is in force, if narrower than the agreement (a
        /// window of silence for repairs, say).
        pub in_force: Option<Period>,
    }
}

impl Rules for Rule {}

record! {
    /// Parameters of the assessment under an agreement.
    pub struct Parameters {
        /// How far apart in time, in minutes, two reports' windows may be
        /// and still describe one incident.
        pub time_tolerance_minutes: Option<Count>,
        /// How far apart in metres two reports' locations may be, beyond
        /// their stated uncertainties, and still describe one incident.
        pub distance_tolerance_m: Option<Meters>,
    }
}

impl Rules for Parameters {}
