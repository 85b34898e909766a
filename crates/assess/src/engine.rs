//! From live report chains grouped into incidents, to findings: grades,
//! responsibility, harm, disruption, coverage and verdicts.

use std::collections::{BTreeMap, BTreeSet};

use truce_entry::{
    Agreement, AttributionBasis, Confidence, Coverage, Entry, Identifier, Reliability, Report,
    Role, Rule, Service,
};

use crate::AssessError;
use crate::findings::{
    Disruption, Estimate, Finding, Gap, Grade, GradeReason, Harm, Incident, NamedParty, Place,
    Responsibility, Verdict, VerdictReason, Window,
};
use crate::geo::{Point, distance_m, distance_to_geometry_m};
use crate::live::ReportChain;
use crate::model::{Log, LogEntry, SourceInfo};
use crate::notes::Notes;

/// What judging an incident needs besides its reports.
pub(crate) struct Judge<'a> {
    pub(crate) log: &'a Log,
    /// Ratings, attributions and coverage gaps of the whole log prefix.
    pub(crate) notes: &'a Notes,
    /// The agreements judged against: each a chain of versions.
    pub(crate) agreements: &'a [Vec<(u64, &'a Agreement)>],
}

/// A live coverage gap as the findings list it.
pub(crate) fn gap(index: u64, source: &Identifier, c: &Coverage) -> Gap {
    Gap {
        index,
        source: source.as_str().to_owned(),
        gap: c.gap,
        time: Window { from: utc(c.time.from.instant()), to: utc(c.time.to.instant()) },
        lat: c.area.lat.0,
        lon: c.area.lon.0,
        radius_m: c.area.radius_m.0,
        region: c.area.admin1.as_ref().map(|r| r.as_str().to_owned()),
        by: c.by.as_ref().map(|p| p.as_str().to_owned()),
    }
}

/// The agreement at `index`, then every later agreement entry that
/// supersedes it (directly or through another), in log order.
pub(crate) fn agreement_chain(
    log: &Log,
    index: u64,
) -> Result<Vec<(u64, &Agreement)>, AssessError> {
    let first = match log.entry(index).map(|e| &e.entry) {
        Some(Entry::Agreement(a)) => a,
        Some(_) => return Err(AssessError::NotAnAgreement(index)),
        None => return Err(AssessError::NoSuchEntry(index)),
    };
    let mut chain = vec![(index, first)];
    for entry in log.entries().iter().filter(|e| e.index > index) {
        if let Entry::Agreement(a) = &entry.entry
            && a.supersedes.is_some_and(|s| chain.iter().any(|(i, _)| *i == s.0))
        {
            chain.push((entry.index, a));
        }
    }
    Ok(chain)
}

fn utc(instant: jiff::Timestamp) -> String {
    instant.to_string()
}

fn reliability_rank(r: Reliability) -> u8 {
    match r {
        Reliability::A => 0,
        Reliability::B => 1,
        Reliability::C => 2,
        Reliability::D => 3,
        Reliability::E => 4,
        _ => 5,
    }
}

fn confidence_rank(c: Option<Confidence>) -> u8 {
    match c {
        Some(Confidence::High) => 3,
        Some(Confidence::Medium) => 2,
        Some(Confidence::Low) => 1,
        _ => 0,
    }
}

impl<'a> Judge<'a> {
    fn source(&self, chain: &ReportChain<'_>) -> Option<&'a SourceInfo> {
        self.log.sources().get(chain.source)
    }

    /// Whether a chain's source is credible: reliability A to C, unless an
    /// analyst rated the report 4 to 6.
    fn credible(&self, chain: &ReportChain<'_>) -> bool {
        let reliable = self.source(chain).is_some_and(|s| reliability_rank(s.reliability) <= 2);
        let rated_down = self.notes.credibility(chain.content.0).is_some_and(|rating| rating >= 4);
        reliable && !rated_down
    }

    fn observer_with_evidence(&self, chain: &ReportChain<'_>) -> bool {
        let observer =
            self.source(chain).is_some_and(|s| matches!(s.role, Role::Monitor | Role::Sensor));
        observer && !chain.content.1.evidence.is_empty()
    }

    fn group_of(&self, chain: &ReportChain<'_>) -> String {
        self.source(chain)
            .map_or_else(|| format!("source:{}", chain.source), SourceInfo::independence_group)
    }

    /// The incident that `chains` report.
    pub(crate) fn incident(&self, chains: &[&ReportChain<'_>]) -> Incident {
        let affirming: Vec<&ReportChain<'_>> =
            chains.iter().copied().filter(|c| c.affirms()).collect();
        let live: Vec<&ReportChain<'_>> = chains.iter().copied().filter(|c| !c.withdrawn).collect();

        let id = chains.iter().map(|c| c.versions[0]).min().unwrap_or_default();
        let mut reports: Vec<u64> = live.iter().map(|c| c.head()).collect();
        reports.sort_unstable();
        let mut superseded: Vec<u64> = chains
            .iter()
            .flat_map(|c| c.versions.iter().copied().filter(move |&v| v != c.head() || c.withdrawn))
            .collect();
        superseded.sort_unstable();
        let from = chains.iter().map(|c| c.from).min().unwrap_or_default();
        let to = chains.iter().map(|c| c.to).max().unwrap_or_default();
        let time = Window { from: utc(seconds(from)), to: utc(seconds(to)) };

        // The most precise report locates the incident.
        let basis: &[&ReportChain<'_>] = if affirming.is_empty() { chains } else { &affirming };
        let precise = basis
            .iter()
            .min_by(|a, b| a.uncertainty_m.total_cmp(&b.uncertainty_m).then(a.key.cmp(&b.key)))
            .copied();
        let location = precise.map_or(
            Place { lat: 0.0, lon: 0.0, uncertainty_m: 0.0, place: None, region: None },
            |p| {
                let named = |f: fn(&Report) -> Option<String>| {
                    f(p.content.1).or_else(|| basis.iter().find_map(|c| f(c.content.1)))
                };
                Place {
                    lat: p.point.lat,
                    lon: p.point.lon,
                    uncertainty_m: p.uncertainty_m,
                    place: named(|r| {
                        r.location.as_ref()?.place.as_ref().map(|t| t.as_str().to_owned())
                    }),
                    region: named(|r| {
                        r.location.as_ref()?.admin1.as_ref().map(|t| t.as_str().to_owned())
                    }),
                }
            },
        );

        let kinds: BTreeSet<_> = live.iter().filter_map(|c| c.content.1.event).collect();
        let targets: BTreeSet<_> =
            affirming.iter().flat_map(|c| c.content.1.targets.iter().map(|t| t.category)).collect();

        let (uncorroborated_grade, mut grade_reasons) = self.corroboration(&affirming);
        let contest = contest(&live);
        let grade = if affirming.is_empty() {
            grade_reasons = vec![if chains.iter().any(|c| c.withdrawn) {
                GradeReason::Withdrawn
            } else {
                GradeReason::NotAffirmed
            }];
            Grade::Discounted
        } else if let Some(reason) = contest {
            grade_reasons.insert(0, reason);
            Grade::Contested
        } else {
            uncorroborated_grade
        };

        let point = Point { lat: location.lat, lon: location.lon };
        let mut coverage_gaps: Vec<u64> = self
            .notes
            .gaps_during(from, to)
            .filter(|(_, g)| distance_m(point, g.centre) <= g.radius_m + location.uncertainty_m)
            .map(|(index, _)| index)
            .collect();
        coverage_gaps.sort_unstable();

        let responsibility = self.responsibility(chains, &affirming);
        let mut incident = Incident {
            id: format!("inc-{id}"),
            reports,
            superseded,
            time,
            location,
            kinds: kinds.into_iter().collect(),
            targets: targets.into_iter().collect(),
            grade,
            uncorroborated_grade,
            grade_reasons,
            responsibility,
            harm: self.harm(&affirming),
            disruption: self.disruption(&affirming),
            coverage_gaps,
            verdicts: Vec::new(),
        };
        if grade != Grade::Discounted {
            incident.verdicts = self.verdicts(&incident, &affirming, from, to);
        }
        incident
    }

    /// The grade the affirming chains earn, were nobody to disagree.
    fn corroboration(&self, affirming: &[&ReportChain<'_>]) -> (Grade, Vec<GradeReason>) {
        if affirming.is_empty() {
            return (Grade::Discounted, Vec::new());
        }
        let groups: BTreeSet<String> = affirming.iter().map(|c| self.group_of(c)).collect();
        let credible_groups: BTreeSet<String> =
            affirming.iter().filter(|c| self.credible(c)).map(|c| self.group_of(c)).collect();
        if let Some(observer) = affirming.iter().find(|c| self.observer_with_evidence(c)) {
            return (
                Grade::Verified,
                vec![GradeReason::ObservedWithEvidence { entry: observer.head() }],
            );
        }
        if credible_groups.len() >= 2 {
            return (
                Grade::Verified,
                vec![GradeReason::CredibleGroups { groups: credible_groups.len() }],
            );
        }
        if groups.len() >= 2 {
            return (
                Grade::Probable,
                vec![GradeReason::IndependentGroups {
                    groups: groups.len(),
                    credible: credible_groups.len(),
                }],
            );
        }
        if let Some(c) =
            affirming.iter().find(|c| self.credible(c) && !c.content.1.evidence.is_empty())
        {
            return (Grade::Probable, vec![GradeReason::CredibleWithEvidence { entry: c.head() }]);
        }
        (Grade::Reported, vec![GradeReason::Uncorroborated { groups: groups.len() }])
    }

    /// Who is responsible: the analyst's latest attribution of the
    /// incident's reports; else the party every affirming report that names
    /// one names, if a source that is not a party observed or assessed it.
    fn responsibility(
        &self,
        chains: &[&ReportChain<'_>],
        affirming: &[&ReportChain<'_>],
    ) -> Option<Responsibility> {
        let latest = self.notes.attribution(chains.iter().flat_map(|c| c.versions.iter().copied()));
        let analyst = latest.and_then(|index| match self.log.entry(index) {
            Some(LogEntry { entry: Entry::Assessment(a), .. }) => Some((index, a)),
            _ => None,
        });
        if let Some((index, assessment)) = analyst {
            let perpetrator = assessment.perpetrator.as_ref()?;
            return Some(Responsibility {
                party: perpetrator.party.as_ref()?.as_str().to_owned(),
                basis: "assessment",
                confidence: perpetrator.confidence,
                cites: vec![index],
            });
        }
        let naming: Vec<(&ReportChain<'_>, &str)> = affirming
            .iter()
            .filter_map(|c| {
                let p = c.content.1.perpetrator.as_ref()?;
                (p.basis != AttributionBasis::Unknown).then_some((*c, p.party.as_ref()?.as_str()))
            })
            .collect();
        let party = naming.first()?.1;
        if naming.iter().any(|(_, p)| *p != party) {
            return None;
        }
        let independent: Vec<&ReportChain<'_>> = naming
            .iter()
            .map(|(c, _)| *c)
            .filter(|c| {
                let not_party = self.source(c).is_some_and(|s| s.role != Role::Party);
                let basis = c.content.1.perpetrator.as_ref().map(|p| p.basis);
                not_party
                    && matches!(
                        basis,
                        Some(AttributionBasis::Observed | AttributionBasis::Assessed)
                    )
            })
            .collect();
        let confidence = independent
            .iter()
            .filter_map(|c| c.content.1.perpetrator.as_ref()?.confidence)
            .max_by_key(|c| confidence_rank(Some(*c)));
        let mut cites: Vec<u64> = independent.iter().map(|c| c.head()).collect();
        if cites.is_empty() {
            return None;
        }
        cites.sort_unstable();
        Some(Responsibility { party: party.to_owned(), basis: "reports", confidence, cites })
    }

    /// The chains in the order of trust: most reliable source first, then
    /// monitors and sensors, then by key.
    fn by_trust<'c>(&self, chains: &[&'c ReportChain<'c>]) -> Vec<&'c ReportChain<'c>> {
        let mut sorted = chains.to_vec();
        sorted.sort_by_key(|c| {
            let source = self.source(c);
            let rank = source.map_or(9, |s| reliability_rank(s.reliability));
            let observer = source.is_some_and(|s| matches!(s.role, Role::Monitor | Role::Sensor));
            (rank, !observer, c.key)
        });
        sorted
    }

    fn harm(&self, affirming: &[&ReportChain<'_>]) -> Harm {
        let trusted = self.by_trust(affirming);
        let estimate = |figure: &dyn Fn(&Report) -> Option<u64>| -> Option<Estimate> {
            let figures: Vec<u64> = trusted.iter().filter_map(|c| figure(c.content.1)).collect();
            Some(Estimate {
                low: *figures.iter().min()?,
                best: *figures.first()?,
                high: *figures.iter().max()?,
            })
        };
        Harm {
            killed: estimate(&|r| Some(r.harm.as_ref()?.killed.as_ref()?.total())),
            killed_civilian: estimate(&|r| {
                Some(u64::from(r.harm.as_ref()?.killed.as_ref()?.civilian?.0))
            }),
            injured: estimate(&|r| Some(r.harm.as_ref()?.injured.as_ref()?.total())),
            injured_civilian: estimate(&|r| {
                Some(u64::from(r.harm.as_ref()?.injured.as_ref()?.civilian?.0))
            }),
        }
    }

    fn disruption(&self, affirming: &[&ReportChain<'_>]) -> Vec<Disruption> {
        let trusted = self.by_trust(affirming);
        let services: BTreeSet<Service> =
            trusted.iter().flat_map(|c| c.content.1.disruption.iter().map(|d| d.service)).collect();
        services
            .into_iter()
            .map(|service| {
                let of = |c: &&ReportChain<'_>| {
                    c.content.1.disruption.iter().find(|d| d.service == service).cloned()
                };
                let figures: Vec<u64> = trusted
                    .iter()
                    .filter_map(of)
                    .filter_map(|d| Some(u64::from(d.customers?.0)))
                    .collect();
                let customers = match (figures.first(), figures.iter().min(), figures.iter().max())
                {
                    (Some(&best), Some(&low), Some(&high)) => Some(Estimate { low, best, high }),
                    _ => None,
                };
                let restored = trusted
                    .iter()
                    .filter_map(of)
                    .find_map(|d| d.restored.map(|t| utc(t.instant())));
                Disruption { service, customers, restored }
            })
            .collect()
    }

    fn verdicts(
        &self,
        incident: &Incident,
        affirming: &[&ReportChain<'_>],
        from: i64,
        to: i64,
    ) -> Vec<Verdict> {
        let point = Point { lat: incident.location.lat, lon: incident.location.lon };
        let mut verdicts = Vec::new();
        for chain in self.agreements {
            // The version in force when the incident began: the latest one
            // that had started by then (the first, if none had).
            let (index, agreement) = chain
                .iter()
                .rev()
                .find(|(_, a)| a.in_force.from.instant().as_second() <= from)
                .unwrap_or(&chain[0]);
            if !in_force(&agreement.in_force, from, to) {
                continue;
            }
            for rule in agreement.rules.iter() {
                if rule.in_force.as_ref().is_some_and(|p| !in_force(p, from, to)) {
                    continue;
                }
                if !rule.zones.is_empty()
                    && !self.in_zones(agreement, rule, point, incident.location.uncertainty_m)
                {
                    continue;
                }
                verdicts.push(self.verdict(*index, rule, incident, affirming));
            }
        }
        verdicts
    }

    fn in_zones(
        &self,
        agreement: &Agreement,
        rule: &Rule,
        point: Point,
        uncertainty_m: f64,
    ) -> bool {
        rule.zones.iter().filter_map(|id| agreement.zone(id)).any(|zone| {
            let buffer = zone.buffer_m.map_or(0.0, |b| b.0);
            distance_to_geometry_m(point, &zone.geometry) <= buffer + uncertainty_m
        })
    }

    fn verdict(
        &self,
        agreement: u64,
        rule: &Rule,
        incident: &Incident,
        affirming: &[&ReportChain<'_>],
    ) -> Verdict {
        let breaking: Vec<u64> = affirming
            .iter()
            .filter(|c| {
                let report = c.content.1;
                let kind = report.event.is_some_and(|k| rule.prohibited.contains(&k));
                let target = rule.protected.is_empty()
                    || report.targets.iter().any(|t| rule.protected.contains(&t.category));
                kind && target
            })
            .map(|c| c.head())
            .collect();
        let mut verdict = Verdict {
            agreement,
            rule: rule.id.as_str().to_owned(),
            finding: Finding::NoViolation,
            reason: VerdictReason::NoProhibitedAct,
            party: None,
            confidence: None,
            cites: vec![agreement],
        };
        if breaking.is_empty() {
            verdict.cites.extend(&incident.reports);
            verdict.cites.sort_unstable();
            return verdict;
        }
        verdict.cites.extend(&breaking);
        let established =
            matches!(incident.uncorroborated_grade, Grade::Verified | Grade::Probable);
        if !established {
            verdict.finding = Finding::NoFinding;
            if incident.coverage_gaps.is_empty() {
                verdict.reason = VerdictReason::InsufficientCorroboration;
            } else {
                verdict.reason = VerdictReason::CoverageGap;
                verdict.cites.extend(&incident.coverage_gaps);
            }
        } else {
            match &incident.responsibility {
                None => {
                    verdict.finding = Finding::NoFinding;
                    verdict.reason = VerdictReason::ResponsibilityUnknown;
                }
                Some(r) => {
                    verdict.party = Some(r.party.clone());
                    verdict.confidence = r.confidence;
                    verdict.cites.extend(&r.cites);
                    if rule.binds.iter().any(|p| p.as_str() == r.party) {
                        verdict.finding = Finding::Violation;
                        verdict.reason = VerdictReason::ProhibitedAct;
                    } else {
                        verdict.reason = VerdictReason::PartyNotBound;
                    }
                }
            }
        }
        verdict.cites.sort_unstable();
        verdict.cites.dedup();
        verdict
    }
}

fn seconds(s: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(s).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// Whether a period (start included, end excluded) overlaps `[from, to]`.
fn in_force(period: &truce_entry::Period, from: i64, to: i64) -> bool {
    let starts = period.from.instant().as_second();
    let ends = period.to.as_ref().map_or(i64::MAX, |t| t.instant().as_second());
    starts <= to && from < ends
}

/// Why the live reports of an incident disagree, if they do: one denies
/// what another affirms, or they name different perpetrators.
fn contest(live: &[&ReportChain<'_>]) -> Option<GradeReason> {
    if let (Some(a), Some(d)) =
        (live.iter().find(|c| c.affirms()), live.iter().find(|c| c.denies()))
    {
        return Some(GradeReason::Denied { denier: d.head(), affirmer: a.head() });
    }
    let named: BTreeMap<&str, u64> = live
        .iter()
        .filter_map(|c| {
            let p = c.content.1.perpetrator.as_ref()?;
            (p.basis != AttributionBasis::Unknown).then_some((p.party.as_ref()?.as_str(), c.head()))
        })
        .collect();
    if named.len() >= 2 {
        let named = named
            .into_iter()
            .map(|(party, entry)| NamedParty { party: party.to_owned(), entry })
            .collect();
        return Some(GradeReason::Perpetrators { named });
    }
    None
}
