// The views besides the map: an incident with its verification,
// compliance per agreement, the sources, and the log.

import {
  AccessError, DAY, PARTY_COLORS, POLICY_KEY, $, askToSignIn, dayOf, dayRange, el, getJson, gradeBadge, state, svg, withToken,
} from "/common.js";
import { currentLang, formatInstant, formatNumber, sayNodes, t, tNodes, term, verbatim } from "/i18n.js";
import { evidenceSection } from "/evidence.js";
import { parsePolicy, verifyEntry, verifyPasted } from "/verify.js";

function agreementById(index) {
  return state.agreements.find((a) => a.index === index);
}

function ruleOf(agreementIndex, ruleId) {
  const agreement = agreementById(agreementIndex);
  return agreement && agreement.entry.rules.find((r) => r.id === ruleId);
}

/**
 * A region as a report names it ("Kharkivska oblast"), in the reader's
 * language where the map's gazetteer knows it (the daily reports do the
 * same); English keeps the source's words.
 */
function regionName(reported) {
  const lang = currentLang();
  if (lang === "en" || !state.oblasts) return reported;
  const key = reported.toLowerCase().replace(/['’ʼ]/g, "").split(/\s+/).filter(Boolean).join(" ");
  const division = state.oblasts.features.find((f) => (f.properties.aliases || []).includes(key));
  return division ? division.properties[`name_${lang}`] : reported;
}

/** Why an incident has its grade, from the reason's code and numbers. */
function gradeReason(reason) {
  const { code, ...args } = reason;
  for (const k of ["entry", "denier", "affirmer"]) if (k in args) args[k] = String(args[k]);
  if (code === "perpetrators") {
    args.named = reason.named.map((n) => t("reason-perpetrator", { party: n.party.toUpperCase(), entry: String(n.entry) })).join(", ");
  }
  return t(`reason-${code}`, args);
}

/**
 * A report's summary: in the reader's language when the source gave one
 * (`summary_i18n`), else as the source wrote it, marked with its language
 * where known so that screen readers and fonts follow it.
 */
function summaryCell(entry) {
  const texts = entry.summary_i18n || {};
  const tag = Object.keys(texts).find((k) => k.toLowerCase().split("-")[0] === currentLang());
  if (tag) return el("td", { lang: tag, translate: "no", text: texts[tag] });
  if (entry.summary) return el("td", { translate: "no", text: entry.summary });
  return el("td", { text: entry.withdrawn ? t("dash-withdrawn") : "" });
}

export async function renderIncident(id) {
  const body = $("#incident-body");
  body.replaceChildren(el("p", { text: t("dash-loading") }));
  let answer;
  try {
    answer = await getJson(`/v1/incidents/${encodeURIComponent(id)}`);
  } catch (e) {
    body.replaceChildren(el("p", { text: t("dash-no-incident", { id, error: e.message }) }));
    if (e instanceof AccessError) askToSignIn(e);
    return;
  }
  const { incident, reports } = answer;
  const sourceOf = new Map(state.sources.map((s) => [s.source, s]));
  const place = incident.location.place || `${incident.location.lat}, ${incident.location.lon}`;
  $("#incident-title").replaceChildren(`${incident.kinds.map((k) => term("kind", k)).join(", ")}: `, el("span", { translate: "no", text: place }));
  const estimate = (e) => (e.low === e.high ? formatNumber(e.best) : `${formatNumber(e.best)} (${formatNumber(e.low)}–${formatNumber(e.high)})`);
  const harm = Object.entries(incident.harm)
    .filter(([, e]) => e)
    .map(([k, e]) => `${term("harm", k)} ${estimate(e)}`)
    .join("; ");
  const cited = new Set([...incident.reports, ...incident.verdicts.flatMap((v) => v.cites)]);
  const summary = el(
    "div",
    { class: "cards" },
    el(
      "div",
      { class: "card", id: "grade-card" },
      el("h3", {}, `${t("dash-grade")} `, gradeBadge(incident.grade)),
      el("ul", {}, incident.grade_reasons.map((r) => el("li", { text: gradeReason(r) }))),
      incident.uncorroborated_grade !== incident.grade
        ? el("p", { class: "muted", text: t("dash-before-corroboration", { grade: term("grade", incident.uncorroborated_grade) }) })
        : null,
    ),
    el(
      "div",
      { class: "card" },
      el("h3", { text: t("dash-what-where") }),
      el("p", { text: t("dash-time-range", { from: formatInstant(incident.time.from), to: formatInstant(incident.time.to) }) }),
      el(
        "p",
        {},
        tNodes("dash-place", {
          place: verbatim(`${place}${incident.location.region ? `, ${regionName(incident.location.region)}` : ""}`),
          metres: incident.location.uncertainty_m,
        }),
      ),
      el("p", { text: t("dash-targets", { list: incident.targets.map((k) => term("target", k)).join(", ") || "—" }) }),
      el("p", { text: t("dash-harm", { list: harm || t("dash-harm-none") }) }),
      incident.disruption.length
        ? el("p", { text: t("dash-disruption", { list: incident.disruption.map((d) => term("service", d.service)).join(", ") }) })
        : null,
      el("p", {
        text: incident.responsibility
          ? t("dash-responsibility", {
              party: incident.responsibility.party.toUpperCase(),
              basis: term("responsibility", incident.responsibility.basis),
              confidence: incident.responsibility.confidence ? term("confidence", incident.responsibility.confidence) : t("dash-confidence-unrated"),
            })
          : t("dash-responsibility-none"),
      }),
      incident.coverage_gaps.length ? el("p", { text: t("dash-gaps-overlap", { entries: incident.coverage_gaps.join(", ") }) }) : null,
    ),
  );
  const verdicts = el(
    "table",
    { id: "verdicts" },
    el("caption", { text: t("dash-verdicts") }),
    el(
      "thead",
      {},
      el("tr", {}, ["dash-col-agreement", "dash-col-rule", "dash-col-finding", "dash-col-party", "dash-col-reason", "dash-col-cites"].map((h) => el("th", { scope: "col", text: t(h) }))),
    ),
    el(
      "tbody",
      {},
      incident.verdicts.map((v) => {
        const rule = ruleOf(v.agreement, v.rule);
        const agreement = agreementById(v.agreement);
        return el(
          "tr",
          {},
          agreement ? el("td", { translate: "no", text: agreement.entry.title }) : el("td", { text: t("dash-entry", { index: String(v.agreement) }) }),
          el("td", { translate: "no" }, el("strong", { text: rule ? rule.title : v.rule }), rule ? el("p", { class: "muted", text: rule.text }) : null),
          el("td", { class: `finding-${v.finding}`, text: term("finding", v.finding) }),
          el("td", { text: v.party ? v.party.toUpperCase() : "—" }),
          el("td", { text: term("verdict", v.reason) }),
          el("td", { class: "hash", translate: "no", text: v.cites.join(", ") }),
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
      el("td", { text: r.superseded_by ? t("dash-superseded", { index: String(r.index), by: String(r.superseded_by) }) : String(r.index) }),
      el(
        "td",
        {},
        tNodes("dash-source-detail", {
          name: verbatim(s.name || r.source),
          role: term("role", s.role),
          organisation: verbatim(s.organisation || ""),
          reliability: s.reliability || "?",
        }),
      ),
      el("td", { text: e.time ? `${formatInstant(e.time.from)} – ${formatInstant(e.time.to)}` : "—" }),
      summaryCell(e),
      el("td", { class: "hash", translate: "no", text: (e.evidence || []).map((x) => `sha256:${x.sha256} (${x.media_type})`).join("\n") || "—" }),
    );
  });
  const reportTable = el(
    "table",
    { id: "reports" },
    el("caption", { text: t("dash-reports") }),
    el("thead", {}, el("tr", {}, ["dash-col-entry", "dash-col-source", "dash-col-time", "dash-col-summary", "dash-col-evidence"].map((h) => el("th", { scope: "col", text: t(h) })))),
    el("tbody", {}, reportRows),
  );
  const result = el("div", { id: "verify-result", "aria-live": "polite" });
  const button = el("button", { type: "button", id: "verify" }, t(state.keys.policy ? "dash-verify-policy" : "dash-verify", { entries: cited.size }));
  button.addEventListener("click", () => runVerification([...cited].sort((a, b) => a - b), result, button));
  const scroll = (table) => el("div", { class: "scroll" }, table);
  // Coarsened coordinates mean a reader without precise access, to whom
  // the server does not give the entries' signed bytes: say so at once
  // rather than offer a check bound to be refused.
  const coarsened = typeof answer.coarsened_km === "number";
  if (coarsened) verificationRestricted(result);
  body.replaceChildren(summary, scroll(verdicts), scroll(reportTable), evidenceSection(reports), el("section", { class: "verify" }, coarsened ? null : button, result));
}

/**
 * Says that verifying needs a token with precise access. Not the failed
 * state: nothing was checked, so nothing is claimed either way, and a
 * server that refuses the bytes has not shown false ones.
 */
function verificationRestricted(result) {
  result.className = "verify-result restricted";
  result.dataset.outcome = "restricted";
  const signIn = el("button", { type: "button", class: "link sign-in" }, t("dash-sign-in"));
  signIn.addEventListener("click", () => askToSignIn());
  result.replaceChildren(el("p", {}, t("dash-verify-restricted"), " ", signIn));
}

/**
 * The verification context, with a note of whether the server refused
 * bytes for want of access (an AccessError), which is not a failed check.
 */
function watchedKeys() {
  const watch = { denied: null };
  watch.keys = {
    ...state.keys,
    fetchBytes: async (path) => {
      try {
        return await state.keys.fetchBytes(path);
      } catch (e) {
        if (e instanceof AccessError) watch.denied = e;
        throw e;
      }
    },
  };
  return watch;
}

async function runVerification(indices, result, button) {
  button.disabled = true;
  result.className = "verify-result";
  result.replaceChildren(el("p", { text: t("dash-checking", { entries: indices.length }) }));
  const outcomes = [];
  const watch = watchedKeys();
  for (const index of indices) {
    outcomes.push({ index, ...(await verifyEntry(index, watch.keys)) });
    // Every other entry would be refused the same way.
    if (watch.denied) break;
  }
  if (watch.denied) {
    verificationRestricted(result);
    button.disabled = false;
    return;
  }
  const ok = outcomes.every((o) => o.ok);
  result.className = `verify-result ${ok ? "ok" : "failed"}`;
  result.dataset.outcome = ok ? "verified" : "failed";
  result.replaceChildren(
    el("p", {}, el("strong", { text: ok ? t("dash-verified-all", { entries: indices.length }) : t("dash-verify-failed") })),
    ...outcomes.map((o) =>
      el(
        "details",
        { open: !o.ok },
        el("summary", { text: t("dash-entry-outcome", { index: String(o.index), ok: o.ok ? "yes" : "no" }) }),
        el("ul", {}, o.steps.map((s) => el("li", { class: s.ok ? "step-ok" : "step-failed" }, el("strong", {}, sayNodes(s.what), ": "), el("span", { class: "hash" }, sayNodes(s.detail))))),
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
        el("caption", { text: t("dash-violations-table") }),
        el("thead", {}, el("tr", {}, el("th", { scope: "col", text: t("dash-col-rule") }), data.parties.map((p) => el("th", { scope: "col", text: p.toUpperCase() })))),
        el(
          "tbody",
          {},
          rules.map((rule, k) =>
            el("tr", {}, el("th", { scope: "row", translate: "no", text: rule.title }), counts[k].map((n, p) => el("td", {}, el("a", { href: `#view=map&rule=${encodeURIComponent(rule.id)}&party=${encodeURIComponent(data.parties[p])}`, text: String(n) })))),
          ),
        ),
      );
      const chart = svg("svg", { class: "compliance-chart", role: "img", "aria-label": t("dash-party-caption"), viewBox: "0 0 600 140", preserveAspectRatio: "none" });
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
        el("h3", { translate: "no", text: agreement.entry.title }),
        el("p", {
          class: "muted",
          text: agreement.entry.in_force.to
            ? t("dash-in-force-until", { index: String(agreement.index), from: formatInstant(agreement.entry.in_force.from), to: formatInstant(agreement.entry.in_force.to) })
            : t("dash-in-force", { index: String(agreement.index), from: formatInstant(agreement.entry.in_force.from) }),
        }),
        table,
        chart,
        range ? el("p", { class: "muted", text: t("dash-per-day", { from: dayOf(range.first * DAY), to: dayOf((range.first + range.days - 1) * DAY) }) }) : null,
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
          withToken(el("a", { href: `/v1/reports/daily/${day}?format=html&lang=${currentLang()}`, text: "HTML" }), `${day}.html`),
          " · ",
          withToken(el("a", { href: `/v1/reports/daily/${day}?format=json`, text: "JSON" }), `${day}.json`),
          " · ",
          withToken(el("a", { href: `/v1/reports/daily/${day}?format=md&lang=${currentLang()}`, text: "Markdown" }), `${day}.md`),
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
        el("td", { translate: "no" }, el("a", { href: `#view=map&source=${encodeURIComponent(s.source)}`, text: s.source })),
        el("td", { translate: "no", text: s.name }),
        el("td", { text: term("role", s.role) }),
        el("td", { translate: "no", text: s.organisation }),
        el("td", { text: s.party ? s.party.toUpperCase() : "—" }),
        el("td", { text: s.reliability }),
        el("td", { text: t(s.active ? "dash-active" : "dash-revoked") }),
      ),
    ),
  );
}

export async function renderLog() {
  const log = await getJson("/v1/log");
  const witnessedText = log.witnessed_checkpoint || log.checkpoint;
  const pasted = await verifyPasted(witnessedText, state.keys);
  const cosigned = state.keys.witnesses.map((witness) => {
    const step = pasted.steps.find((s) => s.key === witness.name);
    const status = t(!step ? "dash-no-cosignature" : step.ok ? "dash-cosignature-ok" : "dash-cosignature-bad");
    return el("li", { class: step && !step.ok ? "step-failed" : "" }, el("span", { translate: "no", text: witness.text }), `: ${status}`);
  });
  const policyText = localStorage.getItem(POLICY_KEY) || "";
  const policyBox = el("textarea", { id: "policy", rows: 6, spellcheck: "false", "aria-describedby": "policy-help" });
  policyBox.value = policyText;
  const status = el("p", { id: "policy-status", "aria-live": "polite", text: t(state.keys.policy ? "dash-policy-in-force" : "dash-policy-none") });
  const save = el("button", { type: "button", id: "policy-save" }, t("dash-policy-use"));
  save.addEventListener("click", async () => {
    const text = policyBox.value.trim();
    try {
      state.keys.policy = text ? await parsePolicy(text) : null;
      if (text) localStorage.setItem(POLICY_KEY, text);
      else localStorage.removeItem(POLICY_KEY);
      status.textContent = t(text ? "dash-policy-saved" : "dash-policy-cleared");
    } catch (e) {
      status.textContent = e.message;
    }
  });
  $("#log-body").replaceChildren(
    el("p", {}, tNodes("dash-log-summary", { origin: verbatim(log.origin), entries: log.size, root: verbatim(log.root_hash) })),
    el("p", {}, `${t("dash-log-key")} `, el("span", { class: "hash", translate: "no", text: log.vkey })),
    el("h3", { text: t(log.witnessed_checkpoint ? "dash-witnessed-checkpoint" : "dash-checkpoint") }),
    el("pre", { class: "note", translate: "no", text: witnessedText }),
    el("h3", { text: t("dash-witnesses") }),
    cosigned.length ? el("ul", {}, cosigned) : el("p", { class: "muted", text: t("dash-no-witnesses") }),
    el("h3", { text: t("dash-policy") }),
    el("p", { id: "policy-help", class: "muted", text: t("dash-policy-help") }),
    policyBox,
    el("p", {}, save),
    status,
  );
}

export function setUpPaste() {
  $("#paste-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = $("#paste-result");
    const watch = watchedKeys();
    try {
      const result = await verifyPasted($("#paste").value, watch.keys);
      if (watch.denied) {
        verificationRestricted(out);
        return;
      }
      out.className = `verify-result ${result.ok ? "ok" : "failed"}`;
      out.replaceChildren(
        el("p", {}, el("strong", { text: t(result.ok ? "dash-verified" : "dash-failed") })),
        el("ul", {}, result.steps.map((s) => el("li", { class: s.ok ? "step-ok" : "step-failed" }, sayNodes(s.what), ": ", sayNodes(s.detail)))),
      );
    } catch (e) {
      out.className = "verify-result failed";
      out.replaceChildren(el("p", { text: t("dash-cannot-verify", { error: e.message }) }));
    }
  });
}
