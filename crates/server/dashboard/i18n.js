// The dashboard's words, in English, Ukrainian or Russian. The messages are
// the Fluent catalogues the daily reports use (crates/i18n/catalog/*.ftl),
// served as /i18n/LANG.json: each message a list of parts (text, a variable,
// or a selection among variants). A selection picks the variant whose key
// is the value, else the value's plural category (Intl.PluralRules, so 1,
// 21 and 101 take the same form in Ukrainian), else the default, as Fluent
// does. Numbers and dates are formatted by Intl for the language.

export const LANGS = ["en", "uk", "ru"];

/** Each language's name in itself, for the switcher. */
export const ENDONYMS = { en: "English", uk: "Українська", ru: "Русский" };

let catalogue = { messages: {} };
let lang = "en";
let plural = new Intl.PluralRules("en");
let number = new Intl.NumberFormat("en-GB");
let dateTime = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
let localTime = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "long" });

export const currentLang = () => lang;

/** The language to show: the URL's `lang`, else the browser's first that we speak, else English. */
export function chooseLang() {
  const asked = new URLSearchParams(location.hash.slice(1)).get("lang");
  if (LANGS.includes(asked)) return asked;
  for (const tag of navigator.languages || [navigator.language]) {
    const primary = String(tag).toLowerCase().split("-")[0];
    if (LANGS.includes(primary)) return primary;
  }
  return "en";
}

export async function loadLang(wanted) {
  const response = await fetch(`/i18n/${wanted}.json`);
  if (!response.ok) throw new Error(`/i18n/${wanted}.json: HTTP ${response.status}`);
  catalogue = await response.json();
  lang = wanted;
  const locale = wanted === "en" ? "en-GB" : wanted;
  plural = new Intl.PluralRules(wanted);
  number = new Intl.NumberFormat(locale);
  dateTime = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
  localTime = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "long" });
  document.documentElement.lang = wanted;
}

/**
 * Text that a source wrote or that is the same in every language (a place,
 * a name, a key), as a message argument: shown as it is, and marked
 * `translate="no"` by `tNodes`.
 */
export const verbatim = (text) => ({ verbatim: String(text ?? "") });

function show(value) {
  if (typeof value === "number") return number.format(value);
  return value === undefined || value === null ? "" : String(value);
}

function pick(selection, value) {
  const { variants } = selection;
  let hit = variants.find(([key]) => key === String(value));
  if (!hit && typeof value === "number") {
    const category = plural.select(value);
    hit = variants.find(([key]) => key === category);
  }
  return (hit || variants[selection.default])[1];
}

/** The message's pieces: strings, and the `verbatim` arguments as they are. */
function pieces(parts, args, out) {
  for (const part of parts) {
    if (typeof part === "string") out.push(part);
    else if ("var" in part) {
      const value = args[part.var];
      if (Array.isArray(value)) out.push(...message(value[0], value[1] || {}));
      else out.push(value && typeof value === "object" && "verbatim" in value ? value : show(value));
    } else pieces(pick(part, args[part.select]), args, out);
  }
  return out;
}

function message(id, args) {
  const parts = catalogue.messages[id];
  if (!parts) {
    console.warn(`no message ${id} in ${lang}`);
    return [id];
  }
  return pieces(parts, args, []);
}

/**
 * The message `id` with `args`, as text. Pass counts as numbers (grouped,
 * and they choose plural forms), indices and identifiers as strings, and
 * what a source wrote through `verbatim`.
 */
export function t(id, args = {}) {
  return message(id, args)
    .map((p) => (typeof p === "string" ? p : p.verbatim))
    .join("");
}

/** The message as DOM nodes, each `verbatim` argument in a `<span translate="no">`. */
export function tNodes(id, args = {}) {
  return message(id, args).map((p) => {
    if (typeof p === "string") return document.createTextNode(p);
    const span = document.createElement("span");
    span.translate = false;
    span.textContent = p.verbatim;
    return span;
  });
}

/**
 * A message given as `[ID, ARGS]` (an argument may be one too), or text
 * that is the same in every language, as DOM nodes; the latter is marked
 * `translate="no"`.
 */
export function sayNodes(message) {
  if (Array.isArray(message)) return tNodes(...message);
  const span = document.createElement("span");
  span.translate = false;
  span.textContent = String(message);
  return [span];
}

/** The word for a value of a vocabulary (`term("kind", "mlrs")`); a value the catalogue lacks as it is. */
export function term(vocabulary, value) {
  const id = `${vocabulary}-${value}`;
  return catalogue.messages[id] ? t(id) : String(value || "").replaceAll("_", " ");
}

export const formatNumber = (n) => number.format(n);

/** An RFC 3339 instant as date and time in the language, in UTC. */
export const formatInstant = (iso) => `${dateTime.format(new Date(iso))} UTC`;

/**
 * A Date as date and time in the language, in the reader's own time zone,
 * to the second and with the zone's name: for a moment the reader
 * compares with their own clock (when a witness saw a file's entry).
 */
export const formatLocalInstant = (date) => localTime.format(date);

/**
 * Fills the page's fixed text: `data-i18n` gives an element's text, and
 * `data-i18n-ATTRIBUTE` one of its attributes (`data-i18n-aria-label`);
 * the title is the message `title`.
 */
export function translatePage(title = "dash-title") {
  document.title = t(title);
  for (const node of document.querySelectorAll("*")) {
    for (const [key, id] of Object.entries(node.dataset)) {
      if (key === "i18n") node.textContent = t(id);
      else if (key.startsWith("i18n")) {
        const attribute = key.slice(4).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/^-/, "");
        node.setAttribute(attribute, t(id));
      }
    }
  }
}
