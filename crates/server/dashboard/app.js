// The Truce dashboard: a map, a timeline and lists of what the log says,
// filters kept in the URL, and in-browser verification of every entry an
// incident rests on. Everything it loads comes from the server it was
// served by: it works with no internet at all.
//
// This module loads the data, wires the filters, the exports and the
// incident list, and routes between the views.

import { renderTimeline, setUpBrush } from "/charts.js";
import {
  AccessError, FILTERS, GRADE_COLORS, POLICY_KEY, $, applyFilters, el, getBytes, getJson, gradeBadge, incidentHash, readHash,
  setToken, state, token, writeHash,
} from "/common.js";
import {
  ENDONYMS, LANGS, chooseLang, currentLang, formatInstant, loadLang, t, tNodes, term, translatePage, verbatim,
} from "/i18n.js";
import { setUpFileCheck } from "/evidence.js";
import { drawMap, setUpMap } from "/map.js";
import { renderCompliance, renderIncident, renderLog, renderSources, setUpPaste } from "/views.js";
import { keyRef, parsePolicy, parseVerifierKey } from "/verify.js";

const LIST_ROWS = 200;

/**
 * Loads what the page shows. Nothing of the state changes until all of it
 * has come: a token the server refuses (an AccessError) leaves the page
 * as it was.
 */
async function load() {
  const [log, data, sources, countries, oblasts] = await Promise.all([
    getJson("/v1/log"),
    getJson("/v1/dashboard"),
    getJson("/v1/sources"),
    getJson("/map/countries.geojson"),
    getJson("/map/oblasts.geojson"),
  ]);
  const agreements = await allAgreements();
  // Every key each source has signed with, current or rotated away, by
  // key name and ID.
  const sourceKeys = new Map();
  for (const s of sources.sources) {
    for (const text of [s.key, ...(s.previous_keys || [])]) {
      try {
        const key = await parseVerifierKey(text);
        sourceKeys.set(keyRef(key.name, key.id), key);
      } catch (e) {
        console.warn(`source ${s.source}: ${e.message}`);
      }
    }
  }
  const witnesses = [];
  for (const w of log.witnesses || []) {
    witnesses.push(await parseVerifierKey(w.vkey));
  }
  const keys = { fetchBytes: getBytes, logKey: await parseVerifierKey(log.vkey), sourceKeys, witnesses, policy: null };
  const saved = localStorage.getItem(POLICY_KEY);
  if (saved) {
    try {
      keys.policy = await parsePolicy(saved);
    } catch (e) {
      console.warn(`the saved witness policy: ${e.message}`);
    }
  }
  // A restricted server gives a reader without precise access
  // coordinates on a grid, and says how coarse.
  const coarsenedKm = typeof data.coarsened_km === "number" ? data.coarsened_km : null;
  Object.assign(state, { log, data, sources: sources.sources, countries, oblasts, agreements, keys, coarsenedKm });
  if (coarsenedKm !== null) state.restricted = true;
}

async function allAgreements() {
  const agreements = [];
  let cursor = "";
  for (;;) {
    const page = await getJson(`/v1/agreements?limit=1000${cursor}`);
    agreements.push(...page.agreements);
    if (!page.next_cursor) return agreements;
    cursor = `&cursor=${page.next_cursor}`;
  }
}

/**
 * Fills a filter's choices, each named by `describe`; `verbatim` marks
 * names that stay as written in every language (a source's name, a rule's
 * ID) with `translate="no"`.
 */
function fillSelect(name, values, describe, verbatim = false) {
  const select = $(`#filters [name=${name}]`);
  select.replaceChildren(el("option", { value: "", text: t("dash-any") }));
  for (const v of values) select.append(el("option", { value: v, text: describe(v), translate: verbatim ? "no" : null }));
}

let filtersWired = false;

/** Fills the filters' choices from the data; wires them the first time. */
function setUpFilters() {
  const { data } = state;
  const sourceName = new Map(state.sources.map((s) => [s.source, s.name]));
  fillSelect("party", data.parties, (p) => p.toUpperCase());
  fillSelect("grade", data.grades, (g) => term("grade", g));
  fillSelect("rule", data.rules, String, true);
  fillSelect("kind", data.kinds, (k) => term("kind", k));
  fillSelect("target", data.targets, (k) => term("target", k));
  fillSelect("source", data.sources, (s) => `${sourceName.get(s) || s} (${s})`, true);
  $("#legend").replaceChildren(
    ...data.grades.map((g) => el("li", {}, el("span", { class: "swatch", style: `background:${GRADE_COLORS[g]}` }), term("grade", g))),
  );
  if (filtersWired) return;
  filtersWired = true;
  const form = $("#filters");
  form.addEventListener("change", () => {
    for (const name of FILTERS) state.filters[name] = form.elements[name].value || undefined;
    writeHash("map");
    renderMap();
  });
  form.addEventListener("reset", (event) => {
    event.preventDefault();
    state.filters = {};
    writeHash("map");
    route();
  });
  $("#export-geojson").addEventListener("click", (e) => download(e, "application/geo+json", exportGeoJson()));
  $("#export-csv").addEventListener("click", (e) => download(e, "text/csv", exportCsv()));
}

function syncForm() {
  const form = $("#filters");
  for (const name of FILTERS) form.elements[name].value = state.filters[name] || "";
}

function incidentRecord(i) {
  const { data } = state;
  const c = data.incidents;
  return {
    id: c.id[i],
    from: new Date(c.from[i] * 1000).toISOString(),
    to: new Date(c.to[i] * 1000).toISOString(),
    lat: c.lat[i],
    lon: c.lon[i],
    grade: data.grades[c.grade[i]],
    party: c.party[i] >= 0 ? data.parties[c.party[i]] : "",
    kinds: c.kinds[i].map((k) => data.kinds[k]),
    targets: c.targets[i].map((t) => data.targets[t]),
    violations: c.violations[i].map((r) => data.rules[r]),
    killed_and_injured: c.harm[i],
    coverage_gap: c.gap[i] === 1,
    sources: c.sources[i].map((s) => data.sources[s]),
  };
}

function exportGeoJson() {
  const features = Array.from(state.filtered, (i) => {
    const { lat, lon, ...properties } = incidentRecord(i);
    return { type: "Feature", id: properties.id, geometry: { type: "Point", coordinates: [lon, lat] }, properties };
  });
  return JSON.stringify({ type: "FeatureCollection", features });
}

function exportCsv() {
  const quote = (v) => (/[",\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v));
  const rows = Array.from(state.filtered, incidentRecord);
  const header = ["id", "from", "to", "lat", "lon", "grade", "party", "kinds", "targets", "violations", "killed_and_injured", "coverage_gap", "sources"];
  const lines = rows.map((r) => header.map((h) => quote(Array.isArray(r[h]) ? r[h].join(" ") : r[h])).join(","));
  return [header.join(","), ...lines].join("\n") + "\n";
}

function download(event, type, text) {
  const link = event.currentTarget;
  URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([text], { type }));
}

function renderMap() {
  state.filtered = applyFilters();
  drawMap();
  renderCount();
  renderTimeline();
  renderList();
}

function renderCount() {
  const n = state.filtered.length;
  const all = state.data.incidents.id.length;
  $("#count").textContent = n === all ? t("dash-count-all", { all }) : t("dash-count", { shown: n, all });
}

function renderList() {
  const { data } = state;
  const c = data.incidents;
  const rows = Array.from(state.filtered).sort((a, b) => c.from[b] - c.from[a]).slice(0, LIST_ROWS);
  $("#incident-table tbody").replaceChildren(
    ...rows.map((i) =>
      el(
        "tr",
        {},
        el("td", {}, el("a", { href: incidentHash(c.id[i]), text: formatInstant(new Date(c.from[i] * 1000).toISOString()) })),
        el("td", { text: `${c.lat[i].toFixed(3)}, ${c.lon[i].toFixed(3)}` }),
        el("td", { text: c.kinds[i].map((k) => term("kind", data.kinds[k])).join(", ") }),
        el("td", {}, gradeBadge(data.grades[c.grade[i]])),
        el("td", { text: c.party[i] >= 0 ? data.parties[c.party[i]].toUpperCase() : "—" }),
        el("td", { text: c.violations[i].map((r) => data.rules[r]).join(", ") || "—", translate: "no" }),
      ),
    ),
  );
  $("#list-more").textContent =
    state.filtered.length > LIST_ROWS ? t("dash-list-more", { rows: LIST_ROWS, all: state.filtered.length }) : "";
}

function show(view) {
  for (const section of document.querySelectorAll("main > .view")) section.hidden = section.id !== `view-${view}`;
  for (const link of document.querySelectorAll(".top nav a")) {
    if (link.dataset.view === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function route() {
  const { view, incident, filters } = readHash();
  state.filters = filters;
  syncForm();
  if (incident) {
    show("incident");
    renderIncident(incident);
    return;
  }
  show(view);
  if (view === "map") renderMap();
  else if (view === "compliance") renderCompliance();
  else if (view === "sources") renderSources();
  else if (view === "log") renderLog();
}

function describeLog() {
  const { log, data } = state;
  $("#log-line").replaceChildren(
    ...tNodes("dash-log-line", {
      origin: verbatim(log.origin),
      entries: log.size,
      incidents: data.incidents.id.length,
      root: verbatim(log.root_hash),
    }),
  );
}

/**
 * Watches the log's size; when it grows, offers to update the page (the
 * filters and the view stay). Every `truce.poll-ms` milliseconds (kept in
 * the browser; 15 s by default).
 */
function watchLog() {
  const every = Number(localStorage.getItem("truce.poll-ms")) || 15000;
  const banner = $("#log-grew");
  // While the page reloads, `state.log` still holds the old size: a poll
  // answered then would offer an update that is already under way.
  let reloading = false;
  banner.querySelector("button").addEventListener("click", async () => {
    banner.hidden = true;
    reloading = true;
    try {
      await load();
    } catch (e) {
      if (!(e instanceof AccessError)) throw e;
      showSignIn(refusal(e));
      return;
    } finally {
      reloading = false;
    }
    describeAccess();
    describeLog();
    setUpFilters();
    route();
  });
  setInterval(async () => {
    try {
      const health = await getJson("/healthz");
      if (reloading) return;
      const grown = health.log_size - state.log.size;
      if (grown > 0) {
        banner.querySelector("span").textContent = t("dash-log-grew", { entries: grown });
        banner.hidden = false;
      }
    } catch (e) {
      // The server is away for a moment: ask again later.
    }
  }, every);
}

/** Puts the language in the URL when a link left it out, so that every view can be shared as seen. */
function keepLang() {
  const params = new URLSearchParams(location.hash.slice(1));
  if (params.get("lang") === currentLang()) return;
  params.set("lang", currentLang());
  history.replaceState(null, "", `#${params}`);
}

/** Redraws the page in `lang`. */
async function switchLang(lang) {
  await loadLang(lang);
  $("#lang").value = lang;
  translatePage();
  describeAccess();
  if (state.data) {
    describeLog();
    setUpFilters();
  }
}

/** The language switcher: the choice goes into the URL, and the page is redrawn in it. */
function setUpLanguages() {
  const select = $("#lang");
  select.replaceChildren(...LANGS.map((l) => el("option", { value: l, lang: l, text: ENDONYMS[l] })));
  select.value = currentLang();
  select.addEventListener("change", async () => {
    await switchLang(select.value);
    keepLang();
    // Behind the sign-in form there is nothing to show yet.
    if (state.data) route();
  });
}

/** A new URL: in the language it asks for, if another. */
async function onHashChange() {
  const asked = new URLSearchParams(location.hash.slice(1)).get("lang");
  if (LANGS.includes(asked) && asked !== currentLang()) await switchLang(asked);
  keepLang();
  route();
}

/**
 * The header's access line: the grid coordinates are coarsened to, and
 * signing in or out. On an open server, with no token, it stays hidden.
 */
function describeAccess() {
  const coarsened = $("#coarsened");
  coarsened.hidden = state.coarsenedKm === null;
  coarsened.textContent = coarsened.hidden ? "" : t("dash-coarsened", { km: state.coarsenedKm });
  const signedIn = token() !== "";
  // While the form is up, its own button is the one to use.
  $("#sign-in").hidden = signedIn || !state.restricted || !$("#signin").hidden;
  $("#sign-out").hidden = !signedIn;
  $("#access").hidden = coarsened.hidden && $("#sign-in").hidden && $("#sign-out").hidden;
}

/**
 * What to tell the reader about an AccessError: the token was refused
 * (unknown, revoked), or it does not allow reading; nothing when none was
 * sent (the form's own words say why it is there).
 */
function refusal(error) {
  if (error.status === 403) return "dash-token-no-read";
  return error.invalid ? "dash-token-refused" : null;
}

/** Whether the page has loaded once and is wired: until then the form stands in for it. */
let begun = false;

/**
 * Shows the sign-in form, with the message `id` (a refusal) if any.
 * Before the page could load anything, the form is all it shows; after,
 * it sits above the view, and can be put away.
 */
function showSignIn(id = null) {
  state.restricted = true;
  const message = $("#signin-message");
  // Kept as data-i18n, so that a change of language translates it too.
  if (id) {
    message.dataset.i18n = id;
    message.textContent = t(id);
  } else {
    delete message.dataset.i18n;
    message.textContent = "";
  }
  if (!begun) {
    // Nothing to show or go to yet.
    for (const section of document.querySelectorAll("main > .view")) section.hidden = true;
    $(".top nav").hidden = true;
    // As data-i18n, for the same reason.
    $("#log-line").dataset.i18n = "dash-restricted-title";
    $("#log-line").textContent = t("dash-restricted-title");
  }
  $("#signin-cancel").hidden = !begun;
  $("#signin").hidden = false;
  describeAccess();
  const input = $("#token");
  input.value = "";
  input.focus();
}

function hideSignIn() {
  $("#signin").hidden = true;
  $("#signin-message").textContent = "";
  delete $("#signin-message").dataset.i18n;
  describeAccess();
}

/**
 * Signs in with the token typed: the page is loaded again with it. A
 * token the server refuses is not kept; the one before it (or none)
 * stays, with the page it loaded.
 */
async function signIn(event) {
  event.preventDefault();
  const submit = $("#signin-form [type=submit]");
  const previous = token();
  setToken($("#token").value.trim());
  submit.disabled = true;
  try {
    await load();
  } catch (e) {
    setToken(previous);
    if (e instanceof AccessError) {
      showSignIn(refusal(e) || "dash-token-refused");
    } else {
      delete $("#signin-message").dataset.i18n;
      $("#signin-message").textContent = t("dash-cannot-load", { error: e.message });
    }
    return;
  } finally {
    submit.disabled = false;
  }
  hideSignIn();
  if (!begun) {
    begin();
    return;
  }
  describeLog();
  setUpFilters();
  route();
}

/**
 * Signing out forgets the token and reloads the page: nothing an answer
 * to the token held stays in memory, and a server without public reads
 * asks for a token again.
 */
function signOut() {
  setToken("");
  location.reload();
}

function setUpSignIn() {
  $("#signin-form").addEventListener("submit", signIn);
  $("#signin-cancel").addEventListener("click", hideSignIn);
  $("#sign-in").addEventListener("click", () => showSignIn());
  $("#sign-out").addEventListener("click", signOut);
  // The views ask for it when the server refuses them (common.js).
  document.addEventListener("truce-sign-in", (event) => showSignIn(event.detail ? refusal(event.detail) : null));
}

/**
 * The first load. A token kept from earlier in this tab that the server
 * now refuses (revoked, say) is dropped, and the page loaded as for a
 * reader without one, if the server allows that; else the refusal is
 * thrown. Returns the refusal, if any, to say above the page.
 */
async function firstLoad() {
  try {
    await load();
    return null;
  } catch (e) {
    if (!(e instanceof AccessError) || !token()) throw e;
    setToken("");
    await load().catch((again) => {
      throw again instanceof AccessError ? e : again;
    });
    return e;
  }
}

let started = 0;

async function start() {
  started = performance.now();
  try {
    await loadLang(chooseLang());
  } catch (e) {
    console.warn(`the messages: ${e.message}`);
  }
  translatePage();
  setUpLanguages();
  setUpSignIn();
  let why;
  try {
    why = await firstLoad();
  } catch (e) {
    if (e instanceof AccessError) {
      // Nothing can be read without a token: the form; signing in goes on from there.
      showSignIn(refusal(e));
      return;
    }
    $("#log-line").textContent = t("dash-cannot-load", { error: e.message });
    return;
  }
  begin();
  if (why) showSignIn(refusal(why));
}

/** Wires and shows the page, once its data has loaded. */
function begin() {
  begun = true;
  $(".top nav").hidden = false;
  $("#log-line").dataset.i18n = "dash-loading-log";
  describeAccess();
  describeLog();
  setUpFilters();
  setUpMap();
  setUpBrush(() => {
    syncForm();
    writeHash("map");
    renderMap();
  });
  setUpPaste();
  setUpFileCheck();
  window.addEventListener("hashchange", onHashChange);
  keepLang();
  route();
  watchLog();
  document.body.dataset.ready = "true";
  document.body.dataset.loadMs = String(Math.round(performance.now() - started));
}

start();
