// The field page (/field): a monitor's phone signs reports with its own
// key, keeps them in an outbox on the device, and sends them to the log
// whenever there is a connection. Signing needs no network; sending is
// safe to repeat; a report is "verified" only once its inclusion proof
// checks out against the log's pinned key (field-sync.js).

import { $, el } from "/common.js";
import { ENDONYMS, LANGS, chooseLang, currentLang, formatLocalInstant, loadLang, sayNodes, t, term, translatePage, verbatim } from "/i18n.js";
import { addToOutbox, lastSigned, loadDevice, loadLogPin, outbox, saveDevice, updateOutbox } from "/field-store.js";
import { sync } from "/field-sync.js";
import { canonicalJson, isKeyName, keyId, signNote, verifierKey } from "/sign.js";
import { hex, sha256 } from "/verify.js";

const encoder = new TextEncoder();

/** The report vocabulary (schemas/truce.report.v1.json). */
const KINDS = [
  "missile_strike", "drone_strike", "air_strike", "guided_bomb", "artillery", "mlrs", "mortar", "tank_fire",
  "small_arms", "ground_assault", "naval_attack", "mine", "sabotage", "interception", "undetermined_explosion",
];
const BASES = {
  direct: "dash-basis-direct",
  sensor: "dash-basis-sensor",
  imagery: "dash-basis-imagery",
  secondhand: "dash-basis-secondhand",
  official: "dash-basis-official",
  media: "dash-basis-media",
};
const CONFIDENCES = ["low", "medium", "high"];

/** What each state of a note in the outbox is called. */
const STATES = {
  waiting: "dash-field-waiting",
  sent: "dash-field-sent",
  verified: "dash-field-verified",
  refused: "dash-field-state-refused",
};

/** How often to try again while notes wait and the device is online. */
const RETRY_MS = 30_000;

let device = null;

/** Shows `message` (`[ID, ARGS]`) in `node`, kept so that a change of language says it again. */
function say(node, message) {
  node.message = message;
  node.replaceChildren(...(message ? sayNodes(message) : []));
}

function randomHex(bytes) {
  return hex(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** First visit: a key pair made here, its private half not extractable, kept in IndexedDB. */
async function createKey(event) {
  event.preventDefault();
  const name = $("#key-name").value.trim();
  if (!isKeyName(name)) {
    say($("#setup-message"), ["dash-field-bad-name"]);
    return;
  }
  let keyPair;
  try {
    keyPair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
  } catch (e) {
    // An older browser, without Ed25519 in WebCrypto.
    say($("#setup-message"), ["dash-field-no-ed25519", { error: verbatim(e.message) }]);
    return;
  }
  const publicKey = new Uint8Array(await crypto.subtle.exportKey("raw", keyPair.publicKey));
  const made = { name, id: await keyId(name, publicKey), keyPair, vkey: await verifierKey(name, publicKey) };
  await saveDevice(made);
  // Ask the browser not to evict the outbox under storage pressure.
  await navigator.storage?.persist?.().catch(() => false);
  device = made;
  await showDevice();
  // First contact pins the log's key, if the device is online.
  runSync();
}

async function showDevice() {
  $("#setup").hidden = true;
  for (const id of ["#identity", "#report", "#outbox"]) $(id).hidden = false;
  $("#vkey").textContent = device.vkey;
  await renderOutbox();
  await showPin();
  document.body.dataset.ready = "true";
}

async function showPin() {
  const pin = await loadLogPin();
  say($("#log-pin"), pin ? ["dash-field-log-pinned", { origin: verbatim(pin.origin), key: verbatim(pin.keys.at(-1).key) }] : ["dash-field-log-unpinned"]);
}

async function copyKey() {
  try {
    await navigator.clipboard.writeText(device.vkey);
    say($("#copied"), ["dash-field-copied"]);
  } catch (e) {
    // No clipboard (permissions, an old browser): select it for the user.
    getSelection().selectAllChildren($("#vkey"));
    say($("#copied"), ["dash-field-copy-failed"]);
  }
}

function fillChoices() {
  const fill = (select, options) => {
    const value = select.value;
    select.replaceChildren(...options.map(([v, text]) => el("option", { value: v, text })));
    if (value) select.value = value;
  };
  fill($("#event"), KINDS.map((k) => [k, term("kind", k)]));
  fill($("#basis"), Object.entries(BASES).map(([v, id]) => [v, t(id)]));
  fill($("#confidence"), CONFIDENCES.map((c) => [c, term("confidence", c)]));
}

function locate() {
  const message = $("#locate-message");
  if (!navigator.geolocation) {
    say(message, ["dash-field-no-location", { why: "unavailable" }]);
    return;
  }
  say(message, ["dash-field-locating"]);
  navigator.geolocation.getCurrentPosition(
    (position) => {
      const { latitude, longitude, accuracy } = position.coords;
      // Six decimals are about 10 cm: more would claim what no phone knows.
      $("#lat").value = String(Math.round(latitude * 1e6) / 1e6);
      $("#lon").value = String(Math.round(longitude * 1e6) / 1e6);
      $("#uncertainty").value = String(Math.min(1_000_000, Math.ceil(accuracy)));
      say(message, ["dash-field-located", { metres: Math.ceil(accuracy) }]);
    },
    (error) => say(message, ["dash-field-no-location", { why: { 1: "denied", 3: "timeout" }[error.code] || "unavailable" }]),
    { enableHighAccuracy: true, timeout: 30_000, maximumAge: 60_000 },
  );
}

/** One line of text as entries take it: no control characters, no spaces at the ends. */
const oneLine = (text) => text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();

/** Text that may hold line breaks, and no other control character. */
const multiLine = (text) => text.replace(/\r\n?/g, "\n").replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, " ").trim();

/** An RFC 3339 instant in UTC, to the second. */
const rfc3339 = (date) => `${date.toISOString().slice(0, 19)}Z`;

/** The report the form describes, as a truce.report/v1 (without `follows`). */
function reportFromForm(now) {
  const form = $("#new-report-form");
  const time = form.elements.time.value ? new Date(form.elements.time.value) : now;
  const place = oneLine(form.elements.place.value);
  const summary = multiLine(form.elements.summary.value);
  const stamp = rfc3339(now).replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return {
    type: "truce.report/v1",
    // Unique without a server to ask: the device's clock and randomness.
    id: `field-${stamp}-${randomHex(3)}`,
    time: { from: rfc3339(time), to: rfc3339(time) },
    location: {
      lat: Number(form.elements.lat.value),
      lon: Number(form.elements.lon.value),
      uncertainty_m: Math.round(Number(form.elements.uncertainty.value)),
      place: place || undefined,
    },
    event: form.elements.event.value,
    observation: { basis: form.elements.basis.value, confidence: form.elements.confidence.value },
    summary: summary || undefined,
  };
}

/**
 * Signs the form's report and keeps it in the outbox at once: no network
 * is needed. `follows` chains it to the note this device signed before,
 * fixing the order the device signed in, whatever order the log gets
 * them in. One signature at a time, across the device's tabs too, so that
 * the chain does not fork.
 */
async function signReport(event) {
  event.preventDefault();
  const form = $("#new-report-form");
  if (!form.reportValidity()) return;
  const button = $("#sign");
  button.disabled = true;
  try {
    const record = await navigator.locks.request("truce-field-sign", async () => {
      const now = new Date();
      const report = reportFromForm(now);
      const previous = await lastSigned();
      if (previous) report.follows = previous.hash;
      const note = await signNote(`${canonicalJson(report)}\n`, { name: device.name, id: device.id, privateKey: device.keyPair.privateKey });
      const signed = { note, hash: hex(await sha256(encoder.encode(note))), id: report.id, event: report.event, signed: now.toISOString(), state: "waiting", problem: null };
      await addToOutbox(signed);
      return signed;
    });
    say($("#sign-message"), ["dash-field-signed", { id: verbatim(record.id) }]);
    form.elements.summary.value = "";
    form.elements.time.value = "";
    await renderOutbox();
    runSync();
  } catch (e) {
    say($("#sign-message"), ["dash-field-sign-error", { error: verbatim(e.message) }]);
  } finally {
    button.disabled = false;
  }
}

async function renderOutbox() {
  const records = (await outbox()).reverse();
  $("#outbox-empty").hidden = records.length > 0;
  $("#outbox-list").replaceChildren(
    ...records.map((r) => {
      const retry = el("button", { type: "button", class: "retry" }, t("dash-field-retry"));
      retry.addEventListener("click", async () => {
        Object.assign(r, { state: "waiting", problem: null });
        await updateOutbox(r);
        await renderOutbox();
        runSync();
      });
      return el(
        "li",
        { class: `outbox-item state-${r.state}`, "data-state": r.state, "data-id": r.id, "data-index": r.index ?? null, "data-problem": r.problem ? "yes" : null },
        el("p", {}, el("strong", { translate: "no", text: r.id }), " · ", term("kind", r.event)),
        el("p", { class: "muted", text: t("dash-field-signed-at", { time: formatLocalInstant(new Date(r.signed)) }) }),
        el("p", { class: "state" }, sayNodes([STATES[r.state], { index: String(r.index ?? ""), size: String(r.checkpoint ?? "") }])),
        r.problem ? el("p", { class: "problem" }, sayNodes(r.problem)) : null,
        r.state === "refused" ? retry : null,
        el("details", {}, el("summary", { text: t("dash-field-show-note") }), el("pre", { class: "note", translate: "no", text: r.note })),
      );
    }),
  );
}

let syncing = null;

/** Syncs unless a sync is under way; says how it ended. */
function runSync() {
  if (!device) return Promise.resolve();
  syncing ??= (async () => {
    if (navigator.onLine) say($("#sync-status"), ["dash-field-syncing"]);
    try {
      const ended = await sync(() => renderOutbox());
      say($("#sync-status"), ended);
      await renderOutbox();
      await showPin();
    } finally {
      syncing = null;
    }
  })();
  return syncing;
}

function showConnection() {
  say($("#connection"), [navigator.onLine ? "dash-field-connection-online" : "dash-field-connection-offline"]);
  $("#connection").dataset.online = String(navigator.onLine);
}

/** The language: the URL's, else the browser's; switchable, kept in the URL. */
async function setUpLanguages() {
  const select = $("#lang");
  select.replaceChildren(...LANGS.map((l) => el("option", { value: l, lang: l, text: ENDONYMS[l] })));
  select.value = currentLang();
  select.addEventListener("change", async () => {
    await loadLang(select.value);
    history.replaceState(null, "", `#lang=${select.value}`);
    translatePage("dash-field-title");
    fillChoices();
    for (const node of document.querySelectorAll("[role=status], [role=alert], #log-pin")) if (node.message) say(node, node.message);
    showConnection();
    if (device) await renderOutbox();
  });
}

/** The service worker that lets the page open with no connection (field-sw.js). */
function keepForOffline() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/field-sw.js", { scope: "/field" }).catch((e) => console.warn(`offline copy: ${e.message}`));
}

async function start() {
  keepForOffline();
  try {
    await loadLang(chooseLang());
  } catch (e) {
    console.warn(`the messages: ${e.message}`);
  }
  translatePage("dash-field-title");
  await setUpLanguages();
  fillChoices();
  showConnection();
  $("#setup-form").addEventListener("submit", createKey);
  $("#copy").addEventListener("click", copyKey);
  $("#locate").addEventListener("click", locate);
  $("#new-report-form").addEventListener("submit", signReport);
  $("#sync").addEventListener("click", runSync);
  window.addEventListener("online", () => {
    showConnection();
    runSync();
  });
  window.addEventListener("offline", () => {
    showConnection();
    say($("#sync-status"), ["dash-field-offline"]);
  });
  setInterval(async () => {
    if (navigator.onLine && (await outbox()).some((r) => r.state === "waiting" || r.state === "sent")) runSync();
  }, RETRY_MS);
  device = await loadDevice();
  if (device) {
    await showDevice();
    runSync();
  } else {
    $("#key-name").value = `field-${randomHex(4)}`;
    $("#setup").hidden = false;
    document.body.dataset.ready = "true";
  }
}

start();
