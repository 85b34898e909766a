// The dashboard against a restricted server (`[access] mode =
// "restricted"`), in headless Chromium: without public reads the page
// asks for an access token and shows no data until the server takes one;
// a read-only token loads the map with coarsened coordinates, and an
// incident says that verifying needs precise access; with public reads the
// page loads for anyone, coarsened, and a token with precise access lifts
// the coarsening and lets an incident verify. The token lives in
// sessionStorage only, goes as a bearer credential, and no request leaves
// 127.0.0.1. On an open server none of this shows.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { TRUCE, launch, startTruce } from "./harness.mjs";

const LOOPBACK = /^(http:\/\/127\.0\.0\.1:\d+\/|data:|blob:)/;

/** A fresh random token, and the SHA-256 (lowercase hex) the config holds for it. */
function newToken() {
  const token = `truce-e2e-${randomBytes(24).toString("base64url")}`;
  return { token, sha256: createHash("sha256").update(token, "utf8").digest("hex") };
}

const reader = newToken();
const analyst = newToken();
const stranger = newToken(); // in no config

/** The TOML of a restricted server with the reader's and the analyst's tokens. */
function restrictedConfig(publicReads) {
  return `[access]
mode = "restricted"
public_reads = ${publicReads}
coarsen_km = 10
withhold = ["place"]

[[access.token]]
name = "e2e-reader"
sha256 = "${reader.sha256}"
permissions = ["read"]

[[access.token]]
name = "e2e-analyst"
sha256 = "${analyst.sha256}"
permissions = ["read", "precise"]
`;
}

let dir;
let browser;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "truce-e2e-restricted-"));
  execFileSync(TRUCE, ["demo", "--no-serve", "--data", join(dir, "demo")], { stdio: "ignore" });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * `truce serve` over a copy of the demo's data directory (each server its
 * own, as each sequences its log), with `config` if given.
 */
async function serve(name, config) {
  const data = join(dir, name);
  cpSync(join(dir, "demo"), data, { recursive: true });
  const args = ["serve", "--data", data, "--listen", "127.0.0.1:0"];
  if (config !== undefined) {
    writeFileSync(join(dir, `${name}.toml`), config);
    args.push("--config", join(dir, `${name}.toml`));
  }
  return startTruce(args);
}

/** GET with the token, if any, as a bearer credential. */
const get = (url, token) => fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });

/**
 * A page at `url` without waiting for it to load (it may stop at the
 * sign-in form); records every request with its Authorization header.
 */
async function openBare(url, locale = "en-US") {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale });
  const page = await context.newPage();
  const requests = [];
  page.on("request", (request) => requests.push({ url: request.url(), authorization: request.headers().authorization }));
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(url);
  return { page, requests, errors, context };
}

const markers = (page) => page.$eval("#map", (c) => Number(c.dataset.markers));

/** What the browser keeps: the token's place in sessionStorage, and every value of localStorage. */
const storage = (page) =>
  page.evaluate(() => ({
    session: sessionStorage.getItem("truce.token"),
    local: Object.keys(localStorage).map((k) => localStorage.getItem(k)),
  }));

/** Types `token` into the form and submits it with the keyboard. */
async function signInWith(page, token) {
  await page.waitForSelector("#signin:not([hidden]) #token");
  await page.focus("#token");
  await page.keyboard.type(token);
  await page.keyboard.press("Enter");
}

/** An incident of the scenario with a violation verdict, from a dashboard summary. */
function violationIncident(summary) {
  const i = summary.incidents.violations.findIndex((v) => v.length > 0);
  assert.ok(i >= 0, "the scenario has a violation");
  return summary.incidents.id[i];
}

describe("a restricted server without public reads", () => {
  let server;
  before(async () => {
    server = await serve("closed", restrictedConfig(false));
  });
  after(async () => {
    await server?.stop();
  });

  test("the server asks for a token as the dashboard expects", async () => {
    const missing = await get(`${server.url}/v1/dashboard`);
    assert.equal(missing.status, 401);
    assert.match(missing.headers.get("www-authenticate"), /^Bearer realm="truce"/);
    assert.doesNotMatch(missing.headers.get("www-authenticate"), /invalid_token/);
    assert.match(missing.headers.get("content-type"), /^application\/problem\+json/);
    const problem = await missing.json();
    for (const member of ["type", "title", "status", "detail"]) assert.ok(member in problem, `the problem has ${member}`);
    const refused = await get(`${server.url}/v1/dashboard`, stranger.token);
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get("www-authenticate"), /error="invalid_token"/);
    const note = await get(`${server.url}/v1/entries/0/note`, reader.token);
    assert.equal(note.status, 403);
    assert.match((await note.json()).detail, /precise/);
    // What stays public for verifiers.
    for (const path of ["/v1/log", "/checkpoint", "/v1/proof/0", "/healthz", "/i18n/en.json", "/app.js"]) {
      assert.equal((await get(`${server.url}${path}`)).status, 200, path);
    }
  });

  test("the page asks for a token, refuses a wrong one, and loads coarsened with a read-only one", async () => {
    const summary = await (await get(`${server.url}/v1/dashboard`, reader.token)).json();
    assert.equal(summary.coarsened_km, 10, "a read-only token gets coarsened coordinates");
    const total = summary.incidents.id.length;
    const { page, requests, errors, context } = await openBare(server.url);

    // The form, labelled, focused, a password field; no data behind it.
    await page.waitForSelector("#signin:not([hidden])");
    assert.equal(await page.getAttribute("#token", "type"), "password");
    assert.equal(await page.getByLabel("Access token").getAttribute("id"), "token");
    assert.equal(await page.evaluate(() => document.activeElement.id), "token");
    assert.match(await page.textContent("#signin"), /This log is restricted/);
    assert.ok(await page.isHidden("#view-map"));
    assert.equal(await page.$$eval("#incident-table tbody tr", (rows) => rows.length), 0);
    assert.equal(await page.$eval("#map", (c) => c.dataset.markers), undefined);
    assert.equal(await page.getAttribute("body", "data-ready"), null);
    assert.ok(await page.isHidden("#signin-cancel"), "nothing to go back to");

    // A token the server does not know: refused, said, and not kept.
    await signInWith(page, stranger.token);
    await page.waitForFunction(() => document.querySelector("#signin-message").textContent.length > 0);
    assert.match(await page.textContent("#signin-message"), /refused this token/);
    assert.ok(await page.isVisible("#signin-form"));
    assert.equal(await page.$eval("#token", (input) => input.value), "", "the form is ready for another");
    assert.equal((await storage(page)).session, null);

    // The reader's token: the map, coarsened, and the notice.
    await signInWith(page, reader.token);
    await page.waitForSelector("body[data-ready=true]");
    assert.ok(await page.isHidden("#signin"));
    assert.equal(await markers(page), total);
    assert.equal(await page.$$eval("#incident-table tbody tr", (rows) => rows.length), total);
    assert.ok(await page.isVisible("#coarsened"));
    assert.equal((await page.textContent("#coarsened")).trim(), "Coordinates are shown to the nearest 10 km.");
    assert.ok(await page.isVisible("#sign-out"));
    assert.ok(await page.isHidden("#sign-in"));

    // The token went with every API request after signing in.
    const api = requests.filter((r) => /\/v1\/(dashboard|sources|agreements)/.test(r.url));
    const first = api.findIndex((r) => r.authorization === `Bearer ${reader.token}`);
    assert.ok(first >= 0, "the reads were made again with the token");
    assert.ok(api.slice(first).every((r) => r.authorization === `Bearer ${reader.token}`));
    // (c) In sessionStorage, not in localStorage.
    const kept = await storage(page);
    assert.equal(kept.session, reader.token);
    assert.ok(!kept.local.some((v) => v.includes(reader.token)), "the token is not in localStorage");

    // The token outlives a reload of the tab.
    await page.reload();
    await page.waitForSelector("body[data-ready=true]");
    assert.ok(await page.isHidden("#signin"));
    assert.equal(await markers(page), total);

    // An incident: it says that verifying needs precise access, without
    // the failed state.
    const id = violationIncident(summary);
    await page.goto(`${server.url}/#incident=${id}`);
    await page.waitForSelector("#verdicts tbody tr");
    await page.waitForSelector("#verify-result[data-outcome]");
    assert.equal(await page.$eval("#verify-result", (r) => r.dataset.outcome), "restricted");
    assert.match(await page.textContent("#verify-result"), /Verification needs an access token with precise access/);
    assert.ok(!(await page.$eval("#verify-result", (r) => r.classList.contains("failed"))));
    assert.equal(await page.$$eval("#verify-result .step-failed", (s) => s.length), 0);
    assert.equal(await page.$$("#verify").then((b) => b.length), 0, "no check is offered that the server would refuse");

    // A daily report, which a plain link could not fetch without the
    // token, downloads with it.
    await page.click("nav a[data-view=compliance]");
    await page.waitForSelector("#daily-reports li a");
    const link = page.locator("#daily-reports li").first().getByText("JSON", { exact: true });
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    const chunks = [];
    for await (const chunk of await download.createReadStream()) chunks.push(chunk);
    const report = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    assert.match(report.date, /^\d{4}-\d{2}-\d{2}$/);
    assert.match(download.suggestedFilename(), /^\d{4}-\d{2}-\d{2}\.json$/);

    assert.deepEqual(requests.map((r) => r.url).filter((u) => !LOOPBACK.test(u)), [], "every request stays on the loopback server");
    assert.deepEqual(errors, []);

    // Signing out forgets the token, and the form is back.
    await Promise.all([page.waitForEvent("load"), page.click("#sign-out")]);
    await page.waitForSelector("#signin:not([hidden])");
    assert.equal((await storage(page)).session, null);
    assert.ok(await page.isHidden("#view-map"));
    await context.close();
  });

  test("in Ukrainian, the form, the refusal and the notice are in Ukrainian", async () => {
    const uk = (await (await get(`${server.url}/i18n/uk.json`)).json()).messages;
    const text = (id) => uk[id].map((p) => (typeof p === "string" ? p : "")).join("");
    const { page, errors, context } = await openBare(server.url, "uk-UA");
    await page.waitForSelector("#signin:not([hidden])");
    assert.equal(await page.textContent("#signin-title"), text("dash-restricted-title"));
    assert.equal(await page.textContent("label[for=token]"), text("dash-token"));
    assert.equal(await page.textContent("#signin-form [type=submit]"), text("dash-sign-in"));
    await signInWith(page, stranger.token);
    await page.waitForFunction(() => document.querySelector("#signin-message").textContent.length > 0);
    assert.equal(await page.textContent("#signin-message"), text("dash-token-refused"));
    await signInWith(page, reader.token);
    await page.waitForSelector("body[data-ready=true]");
    assert.equal((await page.textContent("#coarsened")).trim(), "Координати показано з точністю до 10 км.");
    assert.equal(await page.textContent("#sign-out"), text("dash-sign-out"));
    assert.deepEqual(errors, []);
    await context.close();
  });
});

describe("a restricted server with public reads", () => {
  let server;
  before(async () => {
    server = await serve("public", restrictedConfig(true));
  });
  after(async () => {
    await server?.stop();
  });

  test("the page loads for anyone, coarsened; a token with precise access lifts that, and an incident verifies", async () => {
    const summary = await (await get(`${server.url}/v1/dashboard`)).json();
    assert.equal(summary.coarsened_km, 10, "anonymous readers get coarsened coordinates");
    const precise = await (await get(`${server.url}/v1/dashboard`, analyst.token)).json();
    assert.ok(!("coarsened_km" in precise), "a token with precise access gets them as they are");
    const total = summary.incidents.id.length;
    const id = violationIncident(summary);

    const { page, requests, errors, context } = await openBare(`${server.url}/#incident=${id}`);
    await page.waitForSelector("body[data-ready=true]");
    assert.ok(await page.isHidden("#signin"), "no form when reading needs no token");
    assert.ok(await page.isVisible("#coarsened"));
    assert.match(await page.textContent("#coarsened"), /nearest 10 km/);
    assert.ok(await page.isVisible("#sign-in"));
    assert.ok(await page.isHidden("#sign-out"));
    await page.waitForSelector("#verify-result[data-outcome=restricted]");
    assert.match(await page.textContent("#verify-result"), /needs an access token with precise access/);

    // Signing in from the incident's own offer, with the keyboard.
    await page.focus("#verify-result button.sign-in");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#signin:not([hidden])");
    assert.ok(await page.isVisible("#signin-cancel"), "the page behind can be gone back to");
    await signInWith(page, analyst.token);
    await page.waitForSelector("#coarsened", { state: "hidden" });
    assert.ok(await page.isHidden("#signin"));
    assert.ok(await page.isVisible("#sign-out"));
    assert.ok(await page.isHidden("#sign-in"));

    // The incident, now with its precise record, verifies.
    await page.waitForSelector("#verify");
    await page.click("#verify");
    await page.waitForSelector("#verify-result[data-outcome=verified], #verify-result[data-outcome=failed]", { timeout: 30_000 });
    assert.equal(await page.$eval("#verify-result", (r) => r.dataset.outcome), "verified");
    assert.match(await page.textContent("#verify-result"), /Verified: all \d+ entries/);
    const notes = requests.filter((r) => /\/v1\/entries\/\d+\/note$/.test(r.url));
    assert.ok(notes.length > 0 && notes.every((r) => r.authorization === `Bearer ${analyst.token}`));

    // The map: every incident, no notice.
    await page.click("nav a[data-view=map]");
    await page.waitForSelector("#view-map:not([hidden])");
    assert.equal(await markers(page), total);
    assert.ok(await page.isHidden("#access #coarsened"));

    // (c) In sessionStorage, not in localStorage.
    const kept = await storage(page);
    assert.equal(kept.session, analyst.token);
    assert.ok(!kept.local.some((v) => v.includes(analyst.token)), "the token is not in localStorage");

    assert.deepEqual(requests.map((r) => r.url).filter((u) => !LOOPBACK.test(u)), [], "every request stays on the loopback server");
    assert.deepEqual(errors, []);

    // Signing out: anonymous again, coarsened again.
    await Promise.all([page.waitForEvent("load"), page.click("#sign-out")]);
    await page.waitForSelector("body[data-ready=true]");
    await page.waitForSelector("#coarsened:not([hidden])");
    assert.equal((await storage(page)).session, null);

    // A token kept in the tab that the server no longer takes (revoked,
    // say) is dropped: the page loads as for anyone, and says why.
    await page.evaluate((token) => sessionStorage.setItem("truce.token", token), stranger.token);
    await page.reload();
    await page.waitForSelector("body[data-ready=true]");
    assert.ok(await page.isVisible("#signin"));
    assert.match(await page.textContent("#signin-message"), /refused this token/);
    assert.ok(await page.isVisible("#coarsened"));
    assert.equal((await storage(page)).session, null);
    await page.click("#signin-cancel");
    assert.ok(await page.isHidden("#signin"));
    assert.ok(await page.isVisible("#sign-in"));
    await context.close();
  });
});

describe("an open server", () => {
  let server;
  before(async () => {
    server = await serve("open");
  });
  after(async () => {
    await server?.stop();
  });

  test("shows no sign-in and no notice, and sends no credential", async () => {
    const summary = await (await get(`${server.url}/v1/dashboard`)).json();
    assert.ok(!("coarsened_km" in summary));
    const { page, requests, errors, context } = await openBare(`${server.url}/#incident=${violationIncident(summary)}`);
    await page.waitForSelector("body[data-ready=true]");
    await page.waitForSelector("#verify");
    assert.ok(await page.isHidden("#access"));
    assert.ok(await page.isHidden("#signin"));
    assert.equal((await storage(page)).session, null);
    assert.ok(requests.every((r) => r.authorization === undefined), "no credential is sent");
    assert.ok(requests.every((r) => LOOPBACK.test(r.url)));
    assert.deepEqual(errors, []);
    await context.close();
  });
});
