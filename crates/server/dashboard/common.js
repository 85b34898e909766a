// What the dashboard's modules share: the state loaded from the server,
// the filters (kept in the URL), colours, and small DOM and date helpers.

import { term } from "/i18n.js";

export const GRADE_COLORS = {
  verified: "#0b6e4f",
  probable: "#1f5f99",
  reported: "#d08c00",
  contested: "#7b2d8e",
  discounted: "#8c959f",
};

export const PARTY_COLORS = ["#b35806", "#542788", "#1b7837", "#c51b7d", "#2166ac", "#8c510a"];

export const FILTERS = ["party", "grade", "rule", "kind", "target", "source", "from", "to"];

/** What the URL keeps besides the filters and the view. */
const KEPT = ["lang"];

export const DAY = 86400;

export const POLICY_KEY = "truce.witness-policy";

export const state = {
  data: null, // /v1/dashboard
  log: null, // /v1/log
  sources: [], // /v1/sources
  agreements: [], // agreement entries
  countries: null,
  oblasts: null,
  keys: null, // verification context
  coarsenedKm: null, // the grid the server coarsened coordinates to, for this reader; null if precise
  restricted: false, // whether the server has asked for a credential, or coarsened
  filters: {},
  filtered: new Int32Array(0),
};

export const $ = (selector) => document.querySelector(selector);

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const SVG = "http://www.w3.org/2000/svg";

export function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Where the access token is kept: sessionStorage, so that it leaves with
 * the tab (a token in localStorage would outlive it and be read by every
 * later visitor of the browser).
 */
export const TOKEN_KEY = "truce.token";

export const token = () => sessionStorage.getItem(TOKEN_KEY) || "";

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * A request the server refused for want of a credential (401) or of a
 * permission (403). `invalid`: the server does not accept the token sent
 * (`error="invalid_token"`), as opposed to none having been sent.
 */
export class AccessError extends Error {
  constructor(path, status, invalid, detail) {
    super(`${path}: HTTP ${status}${detail ? ` (${detail})` : ""}`);
    Object.assign(this, { path, status, invalid, detail });
  }
}

/**
 * `fetch` of the server's `path` with the access token, if any, as a
 * bearer credential. With a token the answer bypasses the browser's cache
 * both ways: an answer for a token is not kept for the anonymous reader
 * who may use the browser after it, and one kept from before signing in
 * (coarsened) is not shown to the token's holder. Without one, requests
 * are as they always were.
 */
export async function serverFetch(path, init = {}) {
  const credential = token();
  if (!credential) return fetch(path, init);
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${credential}`);
  return fetch(path, { ...init, headers, cache: "no-store" });
}

/** Throws an AccessError for a 401 or 403, an Error for any other failure. */
async function check(path, response) {
  if (response.ok) return response;
  if (response.status !== 401 && response.status !== 403) throw new Error(`${path}: HTTP ${response.status}`);
  // An RFC 9457 problem says why; the challenge says whether the token
  // was refused.
  let detail = "";
  try {
    const problem = await response.json();
    if (typeof problem.detail === "string") detail = problem.detail;
  } catch (e) {
    // Not a problem document: the status says enough.
  }
  const challenge = response.headers.get("www-authenticate") || "";
  throw new AccessError(path, response.status, /error="?invalid_token/.test(challenge), detail);
}

export async function getJson(path) {
  return (await check(path, await serverFetch(path, { headers: { accept: "application/json" } }))).json();
}

export async function getBytes(path) {
  const response = await check(path, await serverFetch(path, { cache: "no-store" }));
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Asks the page to show the sign-in form (app.js shows it), with the
 * AccessError that made it needed, or null when the reader asked.
 */
export function askToSignIn(error = null) {
  document.dispatchEvent(new CustomEvent("truce-sign-in", { detail: error }));
}

/**
 * A link to the server that needs the token when there is one: a plain
 * link cannot carry it, so a click fetches it with the token and saves
 * what came as a file named `name`. Without a token the link is followed
 * as ever.
 */
export function withToken(link, name) {
  link.addEventListener("click", async (event) => {
    if (!token()) return;
    event.preventDefault();
    try {
      const response = await check(link.href, await serverFetch(link.href));
      const blob = await response.blob();
      const save = el("a", { href: URL.createObjectURL(blob), download: name });
      save.click();
      setTimeout(() => URL.revokeObjectURL(save.href), 60_000);
    } catch (e) {
      if (e instanceof AccessError) askToSignIn(e);
      else console.warn(e.message);
    }
  });
  return link;
}

export const dayOf = (seconds) => new Date(seconds * 1000).toISOString().slice(0, 10);

export const secondsOf = (day) => Date.parse(`${day}T00:00:00Z`) / 1000;


export function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const filters = {};
  for (const name of FILTERS) if (params.get(name)) filters[name] = params.get(name);
  return { view: params.get("view") || (params.get("incident") ? "incident" : "map"), incident: params.get("incident"), filters };
}

export function writeHash(view, extra = {}) {
  const params = new URLSearchParams({ view });
  const current = new URLSearchParams(location.hash.slice(1));
  for (const k of KEPT) if (current.get(k)) params.set(k, current.get(k));
  for (const [k, v] of Object.entries(state.filters)) if (v) params.set(k, v);
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  const hash = `#${params}`;
  if (hash !== location.hash) history.pushState(null, "", hash);
}

/** The incidents passing the filters; `withoutTime` ignores from/to. */
export function applyFilters(withoutTime = false) {
  const { data, filters } = state;
  const c = data.incidents;
  const find = (list, name) => (filters[name] ? list.indexOf(filters[name]) : -2);
  const party = find(data.parties, "party");
  const grade = find(data.grades, "grade");
  const rule = find(data.rules, "rule");
  const kind = find(data.kinds, "kind");
  const target = find(data.targets, "target");
  const source = find(data.sources, "source");
  const from = !withoutTime && filters.from ? secondsOf(filters.from) : -Infinity;
  const to = !withoutTime && filters.to ? secondsOf(filters.to) + DAY : Infinity;
  const out = new Int32Array(c.id.length);
  let n = 0;
  for (let i = 0; i < c.id.length; i++) {
    if (party !== -2 && c.party[i] !== party) continue;
    if (grade !== -2 && c.grade[i] !== grade) continue;
    if (rule !== -2 && !c.violations[i].includes(rule)) continue;
    if (kind !== -2 && !c.kinds[i].includes(kind)) continue;
    if (target !== -2 && !c.targets[i].includes(target)) continue;
    if (source !== -2 && !c.sources[i].includes(source)) continue;
    if (c.to[i] < from || c.from[i] >= to) continue;
    out[n++] = i;
  }
  return out.subarray(0, n);
}

/** Days from the first to the last incident of `indices`. */
export function dayRange(indices) {
  const c = state.data.incidents;
  let min = Infinity;
  let max = -Infinity;
  for (const i of indices) {
    min = Math.min(min, c.from[i]);
    max = Math.max(max, c.from[i]);
  }
  if (min === Infinity) return null;
  const first = Math.floor(min / DAY);
  return { first, days: Math.floor(max / DAY) - first + 1 };
}

export function gradeBadge(grade) {
  return el("span", { class: `grade ${grade}`, text: term("grade", grade) });
}

/** The link to an incident's page, the language kept. */
export function incidentHash(id) {
  const lang = new URLSearchParams(location.hash.slice(1)).get("lang");
  return `#incident=${encodeURIComponent(id)}${lang ? `&lang=${lang}` : ""}`;
}

export function openIncident(id) {
  location.hash = incidentHash(id);
}
