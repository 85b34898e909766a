// Evidence files: what the log says of each file a report cites (its
// truce.evidence/v1 entry: custodian, content credentials, the original a
// copy was made from), and the page that checks a file against its proof
// (`truce evidence prove`) in this browser, without sending either.

import { AccessError, $, el, getJson, withToken, state } from "/common.js";
import { formatLocalInstant, sayNodes, t, tNodes, verbatim } from "/i18n.js";
import { sha256, verifyEvidenceFile } from "/verify.js";

/** At most this many files of an incident are looked up. */
const MOST_FILES = 50;

/** At most this many evidence entries of one file are shown. */
const MOST_ENTRIES = 5;

/** What each state of a file's content credentials is called. */
const CREDENTIALS = {
  absent: "dash-credentials-absent",
  valid: "dash-credentials-valid",
  trusted: "dash-credentials-trusted",
  invalid: "dash-credentials-invalid",
};

/** How a copy was made from its original (`derived_from.method`). */
const METHODS = {
  metadata_removed: "dash-derived-metadata_removed",
  redacted: "dash-derived-redacted",
  transcoded: "dash-derived-transcoded",
};

/** The files the reports cite, by digest, in the order first cited. */
function citedFiles(reports) {
  const files = new Map();
  for (const report of reports) {
    for (const file of report.entry.evidence || []) {
      if (!files.has(file.sha256)) files.set(file.sha256, { ...file, reports: [] });
      files.get(file.sha256).reports.push(report.index);
    }
  }
  return [...files.values()].slice(0, MOST_FILES);
}

/**
 * The section of an incident page that shows the evidence its reports
 * cite; each file's card fills in as the log answers. Null when they cite
 * none.
 */
export function evidenceSection(reports) {
  const files = citedFiles(reports);
  if (files.length === 0) return null;
  const cards = files.map((file) => {
    const card = el(
      "li",
      { class: "card evidence-card", "data-sha256": file.sha256 },
      el("h4", { class: "hash", translate: "no", text: `sha256:${file.sha256}` }),
      el("p", { class: "muted" }, tNodes("dash-evidence-cited", { media: verbatim(file.media_type), bytes: file.size, count: file.reports.length, reports: file.reports.join(", ") })),
      el("div", { class: "evidence-body" }, el("p", { text: t("dash-evidence-looking") })),
    );
    fillCard(card.querySelector(".evidence-body"), file);
    return card;
  });
  return el("section", { id: "evidence", class: "evidence" }, el("h3", { text: t("dash-evidence-title") }), el("ul", { class: "evidence-list" }, cards));
}

/** What the log says of one file, in `body`. */
async function fillCard(body, file) {
  const say = (...nodes) => body.replaceChildren(...nodes);
  let status;
  try {
    status = await getJson(`/v1/evidence/${file.sha256}/status`);
  } catch (e) {
    // The status is 404 when no evidence entry names the file.
    if (/HTTP 404/.test(e.message)) {
      body.closest(".evidence-card").dataset.logged = "no";
      say(el("p", { text: t("dash-evidence-unlogged") }));
    } else {
      say(el("p", { text: t(e instanceof AccessError ? "dash-evidence-restricted" : "dash-evidence-error", { error: e.message }) }));
    }
    return;
  }
  body.closest(".evidence-card").dataset.logged = "yes";
  const parts = [];
  for (const index of status.entries.slice(0, MOST_ENTRIES)) {
    try {
      const item = await getJson(`/v1/entries/${index}`);
      parts.push(await describeEntry(item));
    } catch (e) {
      parts.push(el("p", { text: t(e instanceof AccessError ? "dash-evidence-restricted" : "dash-evidence-error", { error: e.message }) }));
    }
  }
  if (status.entries.length > MOST_ENTRIES) parts.push(el("p", { class: "muted", text: t("dash-evidence-more", { entries: status.entries.length }) }));
  if (status.stored) {
    const link = withToken(el("a", { href: `/v1/evidence/${file.sha256}`, download: file.sha256, text: t("dash-evidence-download") }), file.sha256);
    parts.push(el("p", {}, `${t("dash-evidence-stored")} `, link));
  } else {
    parts.push(el("p", { class: "muted", text: t("dash-evidence-not-stored") }));
  }
  say(...parts);
}

/** One evidence entry: who holds the original, and what its content credentials say. */
async function describeEntry(item) {
  const e = item.entry;
  const c = e.credentials || { state: "absent" };
  const lines = [
    el("p", {}, el("strong", {}, tNodes("dash-evidence-entry", { index: String(item.index), source: verbatim(item.source) }))),
    el("p", {}, tNodes("dash-custodian", { custodian: verbatim(e.custodian) })),
    el("p", { class: `credentials credentials-${c.state}`, "data-credentials": c.state }, tNodes(CREDENTIALS[c.state] || "dash-credentials-invalid", { signer: verbatim(c.signer || "?"), codes: verbatim((c.codes || []).join(", ") || "—") })),
  ];
  if (c.issuer) lines.push(el("p", {}, tNodes("dash-credentials-issuer", { issuer: verbatim(c.issuer) })));
  if (c.bytes_match === true) lines.push(el("p", { text: t("dash-credentials-bytes-match") }));
  if (c.bytes_match === false) lines.push(el("p", { class: "step-failed", text: t("dash-credentials-bytes-differ") }));
  if (c.actions && c.actions.length) lines.push(el("p", {}, tNodes("dash-credentials-actions", { actions: verbatim(c.actions.join(", ")) })));
  if (e.derived_from) lines.push(await describeOriginal(e.derived_from));
  if (e.captured) lines.push(el("p", { text: t("dash-captured", { time: new Date(e.captured).toISOString().replace(".000Z", "Z") }) }));
  if (e.place) lines.push(el("p", { text: t("dash-captured-place", { lat: String(e.place.lat), lon: String(e.place.lon), metres: e.place.uncertainty_m }) }));
  if (e.description) lines.push(el("p", { translate: "no", text: e.description }));
  return el("div", { class: "evidence-entry" }, lines);
}

/** A copy's original: how the copy was made, and whether the log has the original's entry. */
async function describeOriginal(derived) {
  let logged = null;
  try {
    const status = await getJson(`/v1/evidence/${derived.sha256}/status`);
    logged = status.entries[0];
  } catch (e) {
    // Not in the log (404), or not to be read: said as "not logged".
  }
  return el(
    "p",
    {},
    tNodes("dash-derived", {
      method: [METHODS[derived.method] || "dash-derived-transcoded"],
      original: verbatim(derived.sha256),
      logged: logged === null || logged === undefined ? ["dash-original-unlogged"] : ["dash-original-logged", { index: String(logged) }],
    }),
  );
}

/** Whether a dropped file is a tlog-proof: by its name, or by its first line. */
async function isProof(file) {
  if (/\.tlog-proof$/i.test(file.name)) return true;
  const head = await file.slice(0, 22).text();
  return head === "c2sp.org/tlog-proof@v1";
}

/** The file and the proof dropped so far. */
const dropped = { file: null, proof: null };

/** Takes dropped or chosen files: a proof and a file to check, in any order. */
async function take(files) {
  for (const file of files) {
    if (await isProof(file)) dropped.proof = file;
    else dropped.file = file;
  }
  const name = (f) => (f ? el("span", { translate: "no", text: f.name }) : el("span", { "data-i18n": "dash-none-yet", text: t("dash-none-yet") }));
  $("#file-name").replaceChildren(name(dropped.file));
  $("#proof-name").replaceChildren(name(dropped.proof));
  if (dropped.file && dropped.proof) await check(dropped.file, dropped.proof);
}

/** How many checks have begun: a check that a later one overtook says nothing. */
let checks = 0;

/** Checks `file` against `proof` and says what came of it. */
async function check(file, proof) {
  const run = ++checks;
  const out = $("#file-result");
  delete out.dataset.outcome;
  out.className = "verify-result";
  out.replaceChildren(el("p", { text: t("dash-file-hashing") }));
  let result;
  try {
    // WebCrypto digests a whole buffer: the file is read into memory once.
    const digest = await sha256(new Uint8Array(await file.arrayBuffer()));
    result = await verifyEvidenceFile({ sha256: digest, size: file.size }, new Uint8Array(await proof.arrayBuffer()), state.keys);
  } catch (e) {
    if (run !== checks) return;
    out.className = "verify-result failed";
    out.dataset.outcome = "failed";
    out.replaceChildren(el("p", { text: t("dash-cannot-verify", { error: e.message }) }));
    return;
  }
  if (run !== checks) return;
  const earliest = result.cosigned.reduce((a, b) => (a && a.time <= b.time ? a : b), null);
  const outcome = !result.ok ? "failed" : earliest ? "verified" : "unwitnessed";
  out.className = `verify-result ${{ failed: "failed", verified: "ok", unwitnessed: "unwitnessed" }[outcome]}`;
  out.dataset.outcome = outcome;
  let headline;
  if (outcome === "verified") {
    const when = new Date(earliest.time * 1000);
    headline = ["dash-file-verified", { utc: verbatim(when.toISOString().replace(".000Z", "Z")), local: verbatim(formatLocalInstant(when)), witness: verbatim(earliest.witness), index: result.index }];
  } else if (outcome === "unwitnessed") {
    headline = ["dash-file-unwitnessed", { index: result.index }];
  } else {
    const failed = result.steps.find((s) => !s.ok);
    headline = ["dash-file-failed", { check: failed.what, detail: Array.isArray(failed.detail) ? failed.detail : verbatim(failed.detail) }];
  }
  out.replaceChildren(
    el("p", {}, el("strong", {}, sayNodes(headline))),
    el("ul", {}, result.steps.map((s) => el("li", { class: s.ok ? "step-ok" : "step-failed" }, sayNodes(s.what), ": ", el("span", { class: "hash" }, sayNodes(s.detail))))),
  );
}

/** Wires the drop zone and its file chooser, once. */
export function setUpFileCheck() {
  const zone = $("#drop");
  const input = $("#file-input");
  input.addEventListener("change", async () => {
    await take([...input.files]);
    // The same file chosen again is a change too.
    input.value = "";
  });
  for (const type of ["dragenter", "dragover"]) {
    zone.addEventListener(type, (event) => {
      event.preventDefault();
      zone.classList.add("dragging");
    });
  }
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    take([...event.dataTransfer.files]);
  });
}
