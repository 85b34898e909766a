// The views besides the map: an incident with its verification,
// compliance per agreement, the sources, and the log.

import {
  DAY, PARTY_COLORS, POLICY_KEY, $, dayOf, dayRange, el, getJson, gradeBadge, label, state, svg, when,
} from "/common.js";
import { parsePolicy, verifyEntry, verifyPasted } from "/verify.js";

function agreementById(index) {
  return state.agreements.find((a) => a.index === index);
}

function ruleOf(agreementIndex, ruleId) {
  const agreement = agreementById(agreementIndex);
  return agreement && agreement.entry.rules.find((r) => r.id === ruleId);
}

export async function renderIncident(id) {
  const body = $("#incident-body");
  body.replaceChildren(el("p", { text: "Loading…" }));
  let answer;
  try {
    answer = await getJson(`/v1/incidents/${encodeURIComponent(id)}`);
  } catch (e) {
    body.replaceChildren(el("p", { text: `No incident ${id}: ${e.message}` }));
    return;
  }
  const { incident, reports } = answer;
  const sourceOf = new Map(state.sources.map((s) => [s.source, s]));
  const place = incident.location.place || `${incident.location.lat}, ${incident.location.lon}`;
  $("#incident-title").textContent = `${incident.kinds.map(label).join(", ")}: ${place}`;
  const harm = Object.entries(incident.harm)
    .filter(([, e]) => e)
    .map(([k, e]) => `${label(k)} ${e.low === e.high ? e.best : `${e.best} (${e.low}–${e.high})`}`)
    .join("; ");
  const cited = new Set([...incident.reports, ...incident.verdicts.flatMap((v) => v.cites)]);
  const summary = el(
    "div",
    { class: "cards" },
    el(
      "div",
      { class: "card", id: "grade-card" },
      el("h3", {}, "Grade ", gradeBadge(incident.grade)),
      el("ul", {}, incident.grade_reasons.map((r) => el("li", { text: r }))),
      incident.uncorroborated_grade !== incident.grade ? el("p", { class: "muted", text: `Before corroboration: ${incident.uncorroborated_grade}` }) : null,
    ),
    el(
      "div",
      { class: "card" },
      el("h3", { text: "What and where" }),
      el("p", { text: `${when(incident.time.from)} to ${when(incident.time.to)}` }),
      el("p", { text: `${place}${incident.location.region ? `, ${incident.location.region}` : ""} (±${incident.location.uncertainty_m} m)` }),
      el("p", { text: `Targets: ${incident.targets.map(label).join(", ") || "—"}` }),
      el("p", { text: `Harm: ${harm || "none reported"}` }),
      incident.disruption.length ? el("p", { text: `Disruption: ${incident.disruption.map((d) => label(d.service)).join(", ")}` }) : null,
      el("p", {
        text: incident.responsibility
          ? `Responsibility: ${incident.responsibility.party.toUpperCase()} (${label(incident.responsibility.basis)}, ${incident.responsibility.confidence || "unrated"} confidence)`
          : "Responsibility: not established",
      }),
      incident.coverage_gaps.length ? el("p", { text: `Coverage gaps overlap: entries ${incident.coverage_gaps.join(", ")}` }) : null,
    ),
  );
  const verdicts = el(
    "table",
    { id: "verdicts" },
    el("caption", { text: "Verdicts" }),
    el("thead", {}, el("tr", {}, ["Agreement", "Rule", "Finding", "Party", "Reason", "Cites"].map((h) => el("th", { scope: "col", text: h })))),
    el(
      "tbody",
      {},
      incident.verdicts.map((v) => {
        const rule = ruleOf(v.agreement, v.rule);
        const agreement = agreementById(v.agreement);
        return el(
          "tr",
          {},
          el("td", { text: agreement ? agreement.entry.title : `entry ${v.agreement}` }),
          el("td", {}, el("strong", { text: rule ? rule.title : v.rule }), rule ? el("p", { class: "muted", text: rule.text }) : null),
          el("td", { class: `finding-${v.finding}`, text: label(v.finding) }),
          el("td", { text: v.party ? v.party.toUpperCase() : "—" }),
          el("td", { text: v.reason }),
          el("td", { class: "hash", text: v.cites.join(", ") }),
        );
      }),
    ),
  );
  const reportRows = reports.map((r) => {
    const s = sourceOf.get(r.source) || {};
    const e = r.entry;
    return el(
      "tr",
      {},
      el("td", { text: `${r.index}${r.superseded_by ? ` (superseded by ${r.superseded_by})` : ""}` }),
      el("td", { text: `${s.name || r.source} (${label(s.role)}, ${s.organisation || ""}, reliability ${s.reliability || "?"})` }),
      el("td", { text: e.time ? `${when(e.time.from)} – ${when(e.time.to)}` : "—" }),
      el("td", { text: e.summary || (e.withdrawn ? "withdrawn" : "") }),
      el("td", { class: "hash", text: (e.evidence || []).map((x) => `sha256:${x.sha256} (${x.media_type})`).join("\n") || "—" }),
    );
  });
  const reportTable = el(
    "table",
    { id: "reports" },
    el("caption", { text: "Reports" }),
    el("thead", {}, el("tr", {}, ["Entry", "Source", "Time", "Summary", "Evidence"].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, reportRows),
  );
  const result = el("div", { id: "verify-result", "aria-live": "polite" });
  const policyNote = state.keys.policy ? " (with your witness policy)" : "";
  const button = el("button", { type: "button", id: "verify" }, `Verify the ${cited.size} entries this rests on${policyNote}`);
  button.addEventListener("click", () => runVerification([...cited].sort((a, b) => a - b), result, button));
  const scroll = (table) => el("div", { class: "scroll" }, table);
  body.replaceChildren(summary, scroll(verdicts), scroll(reportTable), el("section", { class: "verify" }, button, result));
}

async function runVerification(indices, result, button) {
  button.disabled = true;
  result.className = "verify-result";
  result.replaceChildren(el("p", { text: `Checking ${indices.length} entries in this browser…` }));
  const outcomes = [];
  for (const index of indices) outcomes.push({ index, ...(await verifyEntry(index, state.keys)) });
  const ok = outcomes.every((o) => o.ok);
  result.className = `verify-result ${ok ? "ok" : "failed"}`;
  result.dataset.outcome = ok ? "verified" : "failed";
  result.replaceChildren(
    el("p", {}, el("strong", { text: ok ? `Verified: all ${indices.length} entries are signed, in the log, and covered by its signed checkpoint.` : "Verification FAILED: do not trust this incident's record as served." })),
    ...outcomes.map((o) =>
      el(
        "details",
        { open: !o.ok },
        el("summary", { text: `Entry ${o.index}: ${o.ok ? "verified" : "FAILED"}` }),
        el("ul", {}, o.steps.map((s) => el("li", { class: s.ok ? "step-ok" : "step-failed" }, el("strong", { text: `${s.what}: ` }), el("span", { class: "hash", text: s.detail })))),
      ),
    ),
  );
  button.disabled = false;
}

export function renderCompliance() {
  const { data } = state;
  const c = data.incidents;
  const body = $("#compliance-body");
  const roots = state.agreements.filter((a) => data.agreements.includes(a.index));
  const range = dayRange(Array.from({ length: c.id.length }, (_, i) => i));
  body.replaceChildren(
    ...roots.map((agreement) => {
      const rules = agreement.entry.rules;
      const counts = rules.map((rule) => {
        const r = data.rules.indexOf(rule.id);
        const perParty = new Array(data.parties.length).fill(0);
        for (let i = 0; i < c.id.length; i++) if (r >= 0 && c.violations[i].includes(r) && c.party[i] >= 0) perParty[c.party[i]]++;
        return perParty;
      });
      const table = el(
        "table",
        {},
        el("caption", { text: "Violations per party and rule" }),
        el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Rule" }), data.parties.map((p) => el("th", { scope: "col", text: p.toUpperCase() })))),
        el(
          "tbody",
          {},
          rules.map((rule, k) =>
            el("tr", {}, el("th", { scope: "row", text: rule.title }), counts[k].map((n, p) => el("td", {}, el("a", { href: `#view=map&rule=${encodeURIComponent(rule.id)}&party=${encodeURIComponent(data.parties[p])}`, text: String(n) })))),
          ),
        ),
      );
      const chart = svg("svg", { class: "compliance-chart", role: "img", "aria-label": `Violations of ${agreement.entry.title} per day and party`, viewBox: "0 0 600 140", preserveAspectRatio: "none" });
      if (range) {
        const ruleIds = new Set(rules.map((r) => data.rules.indexOf(r.id)));
        const perDay = data.parties.map(() => new Array(range.days).fill(0));
        for (let i = 0; i < c.id.length; i++) {
          if (c.party[i] >= 0 && c.violations[i].some((r) => ruleIds.has(r))) perDay[c.party[i]][Math.floor(c.from[i] / DAY) - range.first]++;
        }
        const peak = Math.max(1, ...perDay.flat());
        const step = 600 / range.days;
        perDay.forEach((days, p) => {
          days.forEach((n, d) => {
            if (!n) return;
            const h = (n / peak) * 120;
            chart.append(svg("rect", { x: d * step + (p * step) / data.parties.length, y: 130 - h, width: Math.max(1, step / data.parties.length - 0.5), height: h, fill: PARTY_COLORS[p % PARTY_COLORS.length] }));
          });
        });
      }
      return el(
        "section",
        { class: "card" },
        el("h3", { text: agreement.entry.title }),
        el("p", { class: "muted", text: `Entry ${agreement.index}; in force from ${agreement.entry.in_force.from}${agreement.entry.in_force.to ? ` to ${agreement.entry.in_force.to}` : ""}` }),
        table,
        chart,
        range ? el("p", { class: "muted", text: `Violations per day, ${dayOf(range.first * DAY)} to ${dayOf((range.first + range.days - 1) * DAY)}, by party:` }) : null,
        el("p", { class: "muted" }, data.parties.map((p, k) => el("span", { style: `color:${PARTY_COLORS[k % PARTY_COLORS.length]};margin-right:1rem`, text: `■ ${p.toUpperCase()}` }))),
      );
    }),
  );
  const list = $("#daily-reports");
  list.replaceChildren();
  if (range) {
    for (let d = range.days - 1; d >= 0; d--) {
      const day = dayOf((range.first + d) * DAY);
      list.append(
        el(
          "li",
          {},
          `${day}: `,
          el("a", { href: `/v1/reports/daily/${day}?format=html`, text: "HTML" }),
          " · ",
          el("a", { href: `/v1/reports/daily/${day}?format=json`, text: "JSON" }),
          " · ",
          el("a", { href: `/v1/reports/daily/${day}?format=md`, text: "Markdown" }),
        ),
      );
    }
  }
}

export function renderSources() {
  $("#sources-table tbody").replaceChildren(
    ...state.sources.map((s) =>
      el(
        "tr",
        {},
        el("td", {}, el("a", { href: `#view=map&source=${encodeURIComponent(s.source)}`, text: s.source })),
        el("td", { text: s.name }),
        el("td", { text: label(s.role) }),
        el("td", { text: s.organisation }),
        el("td", { text: s.party ? s.party.toUpperCase() : "—" }),
        el("td", { text: s.reliability }),
        el("td", { text: s.active ? "active" : "revoked" }),
      ),
    ),
  );
}

export async function renderLog() {
  const log = await getJson("/v1/log");
  const witnessedText = log.witnessed_checkpoint || log.checkpoint;
  const pasted = await verifyPasted(witnessedText, state.keys);
  const cosigned = state.keys.witnesses.map((witness) => {
    const step = pasted.steps.find((s) => s.what === `signature by ${witness.name}`);
    const status = !step ? "no cosignature on this checkpoint" : step.ok ? "cosignature verified" : "INVALID cosignature";
    return el("li", { class: step && !step.ok ? "step-failed" : "", text: `${witness.text}: ${status}` });
  });
  const policyText = localStorage.getItem(POLICY_KEY) || "";
  const policyBox = el("textarea", { id: "policy", rows: 6, spellcheck: "false", "aria-describedby": "policy-help" });
  policyBox.value = policyText;
  const status = el("p", { id: "policy-status", "aria-live": "polite", text: state.keys.policy ? "A witness policy is in force for verification." : "No witness policy: verification trusts the log's key alone." });
  const save = el("button", { type: "button", id: "policy-save" }, "Use this policy");
  save.addEventListener("click", async () => {
    const text = policyBox.value.trim();
    try {
      state.keys.policy = text ? await parsePolicy(text) : null;
      if (text) localStorage.setItem(POLICY_KEY, text);
      else localStorage.removeItem(POLICY_KEY);
      status.textContent = text ? "Saved: verification now requires this policy's quorum." : "Cleared: verification trusts the log's key alone.";
    } catch (e) {
      status.textContent = e.message;
    }
  });
  $("#log-body").replaceChildren(
    el("p", { text: `Origin ${log.origin}; ${log.size} entries; root ${log.root_hash}` }),
    el("p", {}, "Log key: ", el("span", { class: "hash", text: log.vkey })),
    el("h3", { text: log.witnessed_checkpoint ? "Latest witnessed checkpoint" : "Latest checkpoint" }),
    el("pre", { class: "note", text: witnessedText }),
    el("h3", { text: "Witnesses" }),
    cosigned.length ? el("ul", {}, cosigned) : el("p", { class: "muted", text: "This log is configured with no witnesses." }),
    el("h3", { text: "Your witness policy" }),
    el("p", { id: "policy-help", class: "muted", text: "A C2SP tlog-policy (log, witness, group and quorum lines). Kept in this browser; with it, Verify accepts a checkpoint only if the policy's log signed it and a quorum of its witnesses cosigned it." }),
    policyBox,
    el("p", {}, save),
    status,
  );
}

export function setUpPaste() {
  $("#paste-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = $("#paste-result");
    try {
      const result = await verifyPasted($("#paste").value, state.keys);
      out.className = `verify-result ${result.ok ? "ok" : "failed"}`;
      out.replaceChildren(
        el("p", {}, el("strong", { text: result.ok ? "Verified" : "FAILED" })),
        el("ul", {}, result.steps.map((s) => el("li", { class: s.ok ? "step-ok" : "step-failed", text: `${s.what}: ${s.detail}` }))),
      );
    } catch (e) {
      out.className = "verify-result failed";
      out.replaceChildren(el("p", { text: `Cannot verify: ${e.message}` }));
    }
  });
}
