//! `truce.assessment/v1`: an analyst's judgement of reports.

use serde_json::{Map, Value};

use crate::check::{Checker, NonEmpty, Rules, str_member};
use crate::common::{Credibility, Identifier, LogIndex, Prose};
use crate::types::report::{Attribution, AttributionBasis};
use crate::{record, vocabulary};

record! {
    /// An analyst's assessment of reports: their credibility, an
    /// attribution, or whether they describe the same incident. Signed by
    /// an analyst. A later assessment by the same analyst that supersedes
    /// this one replaces it.
    pub struct Assessment {
        /// The analyst's own identifier for the entry (idempotency key).
        pub id: Identifier,
        /// The log index of an earlier assessment by the same analyst that
        /// this one replaces.
        pub supersedes: Option<LogIndex>,
        /// What is assessed.
        pub action: AssessmentAction,
        /// The log indices of the reports assessed.
        pub reports: NonEmpty<LogIndex>,
        /// For `credibility`: the Admiralty credibility of the reports, 1
        /// (confirmed) to 6 (cannot be judged).
        pub credibility: Option<Credibility>,
        /// For `attribution`: whom the analyst holds responsible (basis
        /// `assessed` or `unknown`).
        pub perpetrator: Option<Attribution>,
        /// The reasoning, for readers and for the record.
        pub rationale: Prose<4000>,
    }
}

impl Rules for Assessment {
    fn check_members(object: &Map<String, Value>, at: &mut Checker) {
        let Some(action) = str_member(object, "action") else { return };
        for (member, wanted_by) in [("credibility", "credibility"), ("perpetrator", "attribution")]
        {
            match (object.contains_key(member), action == wanted_by) {
                (false, true) => at.problem_at(member, format!("is required for \"{action}\"")),
                (true, false) => {
                    at.problem_at(member, format!("must be left out for \"{action}\""))
                }
                _ => {}
            }
        }
    }

    fn check_rules(&self, at: &mut Checker) {
        let action = self.action;
        if let Some(p) = &self.perpetrator
            && !matches!(p.basis, AttributionBasis::Assessed | AttributionBasis::Unknown)
        {
            at.at_key("perpetrator", |at| {
                at.problem_at("basis", "must be \"assessed\" or \"unknown\" in an assessment")
            });
        }
        if matches!(action, AssessmentAction::Link | AssessmentAction::Unlink)
            && self.reports.len() < 2
        {
            at.problem_at("reports", format!("must list at least 2 reports for \"{action}\""));
        }
        let mut sorted: Vec<u64> = self.reports.iter().map(|i| i.0).collect();
        sorted.sort_unstable();
        if sorted.windows(2).any(|w| w[0] == w[1]) {
            at.problem_at("reports", "must not list a report twice");
        }
    }
}

vocabulary! {
    /// What an assessment judges.
    pub enum AssessmentAction {
        /// How credible the reports are.
        Credibility = "credibility",
        /// Who is responsible for the event the reports describe.
        Attribution = "attribution",
        /// The reports describe one incident: group them.
        Link = "link",
        /// The reports describe different incidents: keep them apart.
        Unlink = "unlink",
    }
}
