// The field page (/field) against `truce demo`, in headless Chromium at a
// phone's size: the device makes its key, a report it signs before the
// operator registered the key is refused and kept, reports signed offline
// wait in the outbox without a single request, and once online they are
// sent, logged exactly once, chained by `follows`, and marked verified
// only after their inclusion proofs check out; a tampered proof is not
// accepted.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { TRUCE, launch, startDemo, startTruce, startWitnessedLog } from "./harness.mjs";

let demo;
let browser;
let context;
let page;
const requests = [];
const errors = [];

before(async () => {
  demo = await startDemo();
  browser = await launch();
  // Without the page's service worker: page.route (a tampered proof, below)
  // sees only what the page itself requests. The last test has it.
  context = await browser.newContext({ viewport: { width: 360, height: 640 }, locale: "en-US", isMobile: true, hasTouch: true, serviceWorkers: "block" });
  page = await context.newPage();
  page.on("request", (request) => requests.push(request.url()));
  page.on("pageerror", (error) => errors.push(error.message));
});

after(async () => {
  await context?.close();
  await browser?.close();
  await demo?.stop();
});

const json = async (path) => (await fetch(`${demo.url}${path}`)).json();

/** The outbox as the page shows it: `{ id, state, index, problem, text }` per note, oldest first. */
const outbox = (on = page) =>
  on.$$eval(".outbox-item", (items) =>
    items.map((li) => ({ id: li.dataset.id, state: li.dataset.state, index: li.dataset.index, problem: li.dataset.problem === "yes", text: li.textContent })).reverse(),
  );

/** Waits until the note `id` is in `state` (and, with `problem`, carries one). */
async function waitFor(id, state, problem = false, on = page) {
  await on.waitForFunction(
    ([id, state, problem]) => {
      const li = [...document.querySelectorAll(".outbox-item")].find((x) => x.dataset.id === id);
      return li && li.dataset.state === state && (li.dataset.problem === "yes") === problem;
    },
    [id, state, problem],
    { timeout: 30_000 },
  );
}

/** Fills the form and signs; returns the new report's id. */
async function sign(summary, lat = "49.9935", lon = "36.2304", on = page) {
  const count = (await outbox(on)).length;
  await on.fill("#lat", lat);
  await on.fill("#lon", lon);
  await on.fill("#uncertainty", "250");
  await on.selectOption("#event", "artillery");
  await on.selectOption("#basis", "direct");
  await on.selectOption("#confidence", "high");
  await on.fill("#summary", summary);
  await on.click("#sign");
  await on.waitForFunction((n) => document.querySelectorAll(".outbox-item").length === n + 1, count);
  return (await outbox(on)).at(-1).id;
}

/** Every entry of the log whose JSON has one of `ids`, by id: their indices. */
async function logged(ids) {
  const size = (await json("/v1/log")).size;
  const found = new Map(ids.map((id) => [id, []]));
  for (let i = 0; i < size; i++) {
    const item = await json(`/v1/entries/${i}`);
    if (found.has(item.entry.id)) found.get(item.entry.id).push(i);
  }
  return found;
}

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

let refused;
let offline;

test("a device makes its key, and what it signs before registration is refused and kept", async () => {
  await page.goto(`${demo.url}/field`);
  await page.waitForSelector("body[data-ready=true]");
  assert.match(await page.inputValue("#key-name"), /^field-[0-9a-f]{8}$/);
  await page.fill("#key-name", "demo.truce.example/field-phone");
  await page.click("#setup-form button[type=submit]");
  await page.waitForSelector("#identity:not([hidden])");
  // The log's key is pinned at first contact.
  const log = await json("/v1/log");
  await page.waitForFunction((key) => document.querySelector("#log-pin").textContent.includes(key), log.vkey);

  refused = await sign("Shelling heard from the north-east, before our key was registered.");
  await waitFor(refused, "refused", true);
  const [item] = (await outbox()).filter((r) => r.id === refused);
  assert.match(item.text, /refused by the log/);
  assert.match(item.text, /The log says: /);
});

test("reports signed offline wait without a request, then are logged once, chained and verified", async () => {
  // The operator registers the device's key as a monitor.
  const vkey = (await page.textContent("#vkey")).trim();
  assert.match(vkey, /^demo\.truce\.example\/field-phone\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
  const registration = {
    type: "truce.source/v1", source: "field-phone", action: "register", key: vkey,
    name: "A monitor's phone", role: "monitor", organisation: "Ceasefire Monitoring Mission", reliability: "B",
  };
  writeFileSync(join(demo.dir, "field-phone.json"), JSON.stringify(registration));
  execFileSync(TRUCE, ["submit", "--url", demo.url, "--key", join(demo.dir, "demo", "keys", "operator.key"), "field-phone.json"], { cwd: demo.dir });

  await context.setOffline(true);
  await page.waitForSelector("#connection[data-online=false]");
  const before = requests.length;
  const first = await sign("Two impacts on the substation, seen from the checkpoint.");
  const second = await sign("A third impact, 10 minutes later.", "49.9941", "36.2311");
  offline = [first, second];
  const waiting = (await outbox()).filter((r) => offline.includes(r.id));
  assert.deepEqual(waiting.map((r) => r.state), ["waiting", "waiting"]);
  // Give a sync every chance to (wrongly) try.
  await page.click("#sync");
  await page.waitForTimeout(500);
  assert.deepEqual(requests.slice(before), [], "nothing is requested while offline");
  assert.match(await page.textContent("#sync-status"), /^Offline/);

  await context.setOffline(false);
  await page.click("#sync");
  await waitFor(first, "verified");
  await waitFor(second, "verified");
  // The refused note stays refused until the monitor sends it again.
  assert.equal((await outbox()).find((r) => r.id === refused).state, "refused");
  await page.click(`.outbox-item[data-id="${refused}"] button.retry`);
  await waitFor(refused, "verified");

  const found = await logged([refused, first, second]);
  for (const [id, indices] of found) assert.equal(indices.length, 1, `${id} is in the log exactly once (${indices})`);
  const [a, b, c] = [refused, first, second].map((id) => found.get(id)[0]);
  const note = async (i) => Buffer.from(await (await fetch(`${demo.url}/v1/entries/${i}/note`)).arrayBuffer());
  const [entryB, entryC] = [(await json(`/v1/entries/${b}`)).entry, (await json(`/v1/entries/${c}`)).entry];
  assert.equal(entryC.follows, sha256(await note(b)), "the second follows the first");
  assert.equal(entryB.follows, sha256(await note(a)), "the first follows the note signed before it");
  assert.equal((await json(`/v1/entries/${a}`)).entry.follows, undefined, "the device's first note follows nothing");
  assert.equal(entryB.location.uncertainty_m, 250);
  assert.equal((await json(`/v1/entries/${b}`)).source, "field-phone");
  // Each shows its index.
  for (const id of offline) assert.equal(Number((await outbox()).find((r) => r.id === id).index), found.get(id)[0]);
});

test("a note whose proof does not check out is not marked verified", async () => {
  // One hash of every inclusion proof flipped.
  await page.route("**/v1/proof/*", async (route) => {
    const response = await route.fetch();
    const lines = (await response.text()).split("\n");
    const at = lines.findIndex((l, i) => i > 1 && l.length === 44);
    lines[at] = `${lines[at][0] === "A" ? "B" : "A"}${lines[at].slice(1)}`;
    await route.fulfill({ response, body: lines.join("\n") });
  });
  const id = await sign("An explosion at the rail depot.");
  await waitFor(id, "sent", true);
  const item = (await outbox()).find((r) => r.id === id);
  assert.match(item.text, /did NOT check out/);
  assert.match(item.text, /do not lead to the root/);
  // The next sync, with the genuine proof, verifies it.
  await page.unroute("**/v1/proof/*");
  await page.click("#sync");
  await waitFor(id, "verified");
});

test("the field page fits a 360 px screen, labels every control and left no errors", async () => {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `no horizontal scrolling (${width} px)`);
  const unlabelled = await page.$$eval("input, select, textarea, button", (controls) =>
    controls.filter((c) => c.checkVisibility() && !(c.labels?.length || c.textContent.trim() || c.getAttribute("aria-label"))).map((c) => c.id || c.outerHTML),
  );
  assert.deepEqual(unlabelled, []);
  const outside = requests.filter((u) => !/^(http:\/\/127\.0\.0\.1:\d+\/|data:|blob:)/.test(u));
  assert.deepEqual(outside, []);
  assert.deepEqual(errors, []);
});

test("the field page speaks Ukrainian", async () => {
  const uk = await (await fetch(`${demo.url}/i18n/uk.json`)).json();
  // A new hash alone does not load the page again.
  await page.goto(`${demo.url}/field#lang=uk`);
  await page.reload();
  await page.waitForSelector("body[data-ready=true]");
  assert.equal(await page.getAttribute("html", "lang"), "uk");
  assert.equal(await page.textContent("#sync"), uk.messages["dash-field-sync"].join(""));
  assert.match(await page.textContent(".outbox-item"), /перевірено: запис \d+/);
});

test("with its server gone, the page opens from its offline copy, signs and keeps the note", async () => {
  const server = await startWitnessedLog("e2e.truce.example/field");
  const phone = await browser.newContext({ viewport: { width: 360, height: 640 }, locale: "en-US", isMobile: true, hasTouch: true });
  try {
    const on = await phone.newPage();
    const failures = [];
    on.on("pageerror", (error) => failures.push(error.message));
    await on.goto(`${server.url}/field`);
    await on.waitForSelector("body[data-ready=true]");
    await on.click("#setup-form button[type=submit]");
    await on.waitForSelector("#identity:not([hidden])");
    await on.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const vkey = await on.textContent("#vkey");
    await server.stop();
    await on.reload();
    await on.waitForSelector("body[data-ready=true]");
    assert.equal(await on.textContent("#vkey"), vkey, "the same key, from IndexedDB");
    const id = await sign("Signed with the server out of reach.", "50.45", "30.52", on);
    await on.waitForFunction(() => /cannot be reached/.test(document.querySelector("#sync-status").textContent));
    assert.equal((await outbox(on)).find((r) => r.id === id).state, "waiting");
    assert.deepEqual(failures, []);
  } finally {
    await phone.close();
    await server.stop();
  }
});

test("the device follows a signed rotation of the log's key, and refuses a key no rotation leads to", async () => {
  const dir = mkdtempSync(join(tmpdir(), "truce-e2e-"));
  const data = join(dir, "data");
  const origin = "e2e.truce.example/rotating";
  const run = (args) => execFileSync(TRUCE, args, { cwd: dir, encoding: "utf8" }).trim();
  const serve = (listen) => startTruce(["serve", "--data", data, "--listen", listen], /serving .* at (http:\/\/127\.0\.0\.1:\d+)/);
  run(["init", "--data", data, "--origin", origin]);
  let server = await serve("127.0.0.1:0");
  // The page's storage belongs to its origin: the server comes back on the same port.
  const listen = server.url.replace("http://", "");
  const phone = await browser.newContext({ viewport: { width: 360, height: 640 }, locale: "en-US", serviceWorkers: "block" });
  try {
    const on = await phone.newPage();
    await on.goto(`${server.url}/field`);
    await on.waitForSelector("body[data-ready=true]");
    await on.click("#setup-form button[type=submit]");
    const first = (await (await fetch(`${server.url}/v1/log`)).json()).vkey;
    await on.waitForFunction((key) => document.querySelector("#log-pin").textContent.includes(key), first);
    const registration = {
      type: "truce.source/v1", source: "phone", action: "register", key: (await on.textContent("#vkey")).trim(),
      name: "A phone", role: "monitor", organisation: "Mission", reliability: "B",
    };
    writeFileSync(join(dir, "phone.json"), JSON.stringify(registration));
    run(["submit", "--url", server.url, "--key", join(data, "keys", "operator.key"), "phone.json"]);

    // The operator rotates the log's key while the server is stopped.
    await server.stop();
    run(["key", "generate", "--name", origin, "--out", join(dir, "new.key")]);
    run(["rotate-key", "--data", data, "--new-key", join(dir, "new.key")]);
    server = await serve(listen);
    const second = (await (await fetch(`${server.url}/v1/log`)).json()).vkey;
    assert.notEqual(second, first);
    const id = await sign("After the rotation.", "49.99", "36.23", on);
    await waitFor(id, "verified", false, on);
    assert.match(await on.textContent("#log-pin"), new RegExp(second.replace(/[+/]/g, "\\$&")));

    // A server stating a key no signed rotation leads to gets nothing.
    const stranger = run(["key", "generate", "--name", origin, "--out", join(dir, "stranger.key")]);
    await on.route("**/v1/log", async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, json: { ...(await response.json()), vkey: stranger } });
    });
    const posted = [];
    on.on("request", (request) => request.method() === "POST" && posted.push(request.url()));
    const refused = await sign("To a server with a stranger's key.", "49.99", "36.23", on);
    await on.waitForFunction(() => /is not the key pinned on this device/.test(document.querySelector("#sync-status").textContent));
    assert.equal((await outbox(on)).find((r) => r.id === refused).state, "waiting");
    assert.deepEqual(posted, [], "nothing is sent");
  } finally {
    await phone.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
