// The dashboard against `truce demo`, in headless Chromium: the map shows
// the scenario's incidents, filters change what is shown and live in the
// URL, an incident shows its grade and verdicts, "Verify" succeeds on the
// genuine log and fails visibly when the server serves a tampered entry or
// proof, and no request leaves 127.0.0.1.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { TRUCE, launch, openPage, startDemo } from "./harness.mjs";

let demo;
let browser;
let summary;

before(async () => {
  demo = await startDemo();
  browser = await launch();
  summary = await (await fetch(`${demo.url}/v1/dashboard`)).json();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

async function streamText(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

const markers = (page) => page.$eval("#map", (c) => Number(c.dataset.markers));

test("the map shows every incident of the scenario, and nothing leaves 127.0.0.1", async () => {
  const { page, requests, errors, context } = await openPage(browser, demo.url);
  const total = summary.incidents.id.length;
  assert.ok(total >= 10, `the scenario has incidents (${total})`);
  assert.equal(await markers(page), total);
  assert.match(await page.textContent("#count"), new RegExp(`^${total} incidents`));
  assert.equal(await page.$$eval("#incident-table tbody tr", (rows) => rows.length), total);
  // Countries, oblasts and the timeline are drawn from the server's data.
  assert.ok(await page.$$eval("#timeline rect", (r) => r.length) > 0);
  // Zooming and dragging the timeline's brush work, and the brush filters.
  for (const button of ["#zoom-in", "#zoom-out", "#zoom-reset"]) await page.click(button);
  const box = await page.locator("#timeline").boundingBox();
  await page.mouse.move(box.x + 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
  await page.mouse.up();
  await page.waitForFunction(() => location.hash.includes("from="));
  assert.ok((await markers(page)) < total, "the first days hold only some incidents");
  await page.click("#timeline");
  await page.waitForFunction((n) => Number(document.querySelector("#map").dataset.markers) === n, total);
  for (const view of ["compliance", "sources", "log", "file"]) {
    await page.click(`nav a[data-view=${view}]`);
    await page.waitForSelector(`#view-${view}:not([hidden])`);
  }
  assert.ok(await page.$$eval("#daily-reports li", (l) => l.length) > 0);
  assert.ok(await page.$$eval("#sources-table tbody tr", (r) => r.length) > 0);
  const outside = requests.filter((u) => !/^(http:\/\/127\.0\.0\.1:\d+\/|data:|blob:)/.test(u));
  assert.deepEqual(outside, [], "every request stays on the loopback server");
  assert.deepEqual(errors, []);
  await context.close();
});

test("filtering by party changes the count, and the URL holds the filter", async () => {
  const { page, context } = await openPage(browser, demo.url);
  const total = await markers(page);
  const party = summary.parties.indexOf("ru");
  assert.ok(party >= 0, "the scenario attributes incidents to ru");
  const expected = summary.incidents.party.filter((p) => p === party).length;
  await page.selectOption("#filters [name=party]", "ru");
  await page.waitForFunction((n) => Number(document.querySelector("#map").dataset.markers) === n, expected);
  assert.ok(expected < total);
  assert.match(page.url(), /party=ru/);
  assert.match(await page.textContent("#count"), new RegExp(`^${expected} of ${total} incidents`));
  // The export holds exactly the filtered incidents.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-csv")]);
  const csv = (await streamText(await download.createReadStream())).trim().split("\n");
  assert.equal(csv[0].split(",")[0], "id");
  assert.equal(csv.length - 1, expected);
  assert.ok(csv.slice(1).every((line) => line.includes(",ru,")));
  // The same URL in a new page shows the same view.
  const shared = await openPage(browser, page.url());
  assert.equal(await markers(shared.page), expected);
  assert.equal(await shared.page.$eval("#filters [name=party]", (s) => s.value), "ru");
  await shared.context.close();
  await context.close();
});

/** An incident of the scenario with a violation verdict. */
function violationIncident() {
  const i = summary.incidents.violations.findIndex((v) => v.length > 0);
  assert.ok(i >= 0, "the scenario has a violation");
  return summary.incidents.id[i];
}

test("an incident page shows its grade and verdicts, and verifies", async () => {
  const id = violationIncident();
  const { page, requests, context } = await openPage(browser, `${demo.url}/#incident=${id}`);
  await page.waitForSelector("#verdicts tbody tr");
  const detail = await (await fetch(`${demo.url}/v1/incidents/${id}`)).json();
  assert.equal((await page.textContent("#grade-card .grade")).trim(), detail.incident.grade);
  assert.equal(await page.$$eval("#verdicts tbody tr", (r) => r.length), detail.incident.verdicts.length);
  assert.ok((await page.textContent("#verdicts")).includes("violation"));
  assert.ok(await page.$$eval("#reports tbody tr", (r) => r.length) >= 1);
  await page.click("#verify");
  await page.waitForSelector("#verify-result[data-outcome]", { timeout: 30_000 });
  assert.equal(await page.$eval("#verify-result", (r) => r.dataset.outcome), "verified");
  assert.match(await page.textContent("#verify-result"), /Verified: all \d+ entries/);
  const steps = await page.$$eval("#verify-result li", (l) => l.map((x) => x.textContent));
  for (const what of ["entry signature", "leaf hash", "checkpoint signature", "inclusion proof"]) {
    assert.ok(steps.some((s) => s.startsWith(what)), `${what} was checked`);
  }
  assert.ok(requests.every((u) => /^(http:\/\/127\.0\.0\.1:\d+\/|data:|blob:)/.test(u)));
  await context.close();
});

async function verifyWithTampering(pattern, tamper) {
  const id = violationIncident();
  const { page, context } = await openPage(browser, `${demo.url}/#incident=${id}`);
  await page.route(pattern, async (route) => {
    const response = await route.fetch();
    const body = Buffer.from(await response.body());
    await route.fulfill({ response, body: tamper(body) });
  });
  await page.waitForSelector("#verify");
  await page.click("#verify");
  await page.waitForSelector("#verify-result[data-outcome]", { timeout: 30_000 });
  const outcome = await page.$eval("#verify-result", (r) => r.dataset.outcome);
  const text = await page.textContent("#verify-result");
  const visible = await page.isVisible("#verify-result .step-failed");
  await context.close();
  return { outcome, text, visible };
}

test("a tampered entry fails verification, visibly", async () => {
  // One character of the entry's JSON changed: the source's signature and
  // the leaf hash no longer match.
  const result = await verifyWithTampering("**/v1/entries/*/note", (body) => {
    const text = body.toString("utf8");
    const at = text.indexOf('"id":"') + 6;
    return Buffer.from(text.slice(0, at) + (text[at] === "x" ? "y" : "x") + text.slice(at + 1), "utf8");
  });
  assert.equal(result.outcome, "failed");
  assert.match(result.text, /Verification FAILED/);
  assert.ok(result.visible);
});

test("a tampered proof fails verification, visibly", async () => {
  // One hash of the inclusion proof replaced.
  const result = await verifyWithTampering("**/v1/proof/*", (body) => {
    const lines = body.toString("utf8").split("\n");
    const at = lines.findIndex((l, i) => i > 1 && l.length === 44);
    if (at > 0) lines[at] = `${lines[at][0] === "A" ? "B" : "A"}${lines[at].slice(1)}`;
    return Buffer.from(lines.join("\n"), "utf8");
  });
  assert.equal(result.outcome, "failed");
  assert.match(result.text, /inclusion proof/);
  assert.ok(result.visible);
});

test("the dashboard is usable with the keyboard and on a phone-sized screen", async () => {
  const { page, context } = await openPage(browser, demo.url, { width: 390, height: 844 });
  const total = summary.incidents.id.length;
  assert.equal(await markers(page), total);
  // Tab reaches the map, whose arrow keys pan it, and the incident links.
  const view = () => page.$eval("#map", (c) => c.dataset.view.split(",").map(Number));
  await page.focus("#map");
  const [lon, lat, zoom] = await view();
  await page.keyboard.press("ArrowLeft");
  await page.waitForFunction((before) => Number(document.querySelector("#map").dataset.view.split(",")[0]) < before, lon);
  await page.keyboard.press("+");
  await page.waitForFunction((before) => Number(document.querySelector("#map").dataset.view.split(",")[2]) > before, zoom);
  assert.equal((await view())[1].toFixed(2), lat.toFixed(2), "panning left keeps the latitude");
  const link = page.locator("#incident-table tbody a").first();
  await link.focus();
  await page.keyboard.press("Enter");
  await page.waitForSelector("#view-incident:not([hidden]) #grade-card");
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 400, `no horizontal scrolling on a phone (${width} px)`);
  await context.close();
});

test("with a witness policy, an uncosigned checkpoint does not verify", async () => {
  const log = await (await fetch(`${demo.url}/v1/log`)).json();
  // A witness key of the cosignature type (0x04), with its key ID.
  const name = "witness.example/w1";
  const raw = new Uint8Array(33);
  raw[0] = 0x04;
  raw.set(new Uint8Array(32).fill(7), 1);
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new Uint8Array([...new TextEncoder().encode(name), 0x0a, ...raw])),
  );
  const id = Array.from(digest.slice(0, 4), (b) => b.toString(16).padStart(2, "0")).join("");
  const witness = `${name}+${id}+${Buffer.from(raw).toString("base64")}`;
  const policy = `log ${log.vkey}\nwitness w1 ${witness}\nquorum w1\n`;

  const { page, context } = await openPage(browser, `${demo.url}/#view=log`);
  await page.waitForSelector("#policy");
  await page.fill("#policy", policy);
  await page.click("#policy-save");
  await page.waitForFunction(() => document.querySelector("#policy-status").textContent.startsWith("Saved"));
  await page.goto(`${demo.url}/#incident=${violationIncident()}`);
  await page.waitForSelector("body[data-ready=true]");
  await page.click("#verify");
  await page.waitForSelector("#verify-result[data-outcome]", { timeout: 30_000 });
  assert.equal(await page.$eval("#verify-result", (r) => r.dataset.outcome), "failed");
  assert.match(await page.textContent("#verify-result"), /witness policy: cosigned by no witness; quorum w1/);
  // A policy without a quorum of witnesses accepts the log's signature.
  await page.goto(`${demo.url}/#view=log`);
  await page.waitForSelector("#policy");
  await page.fill("#policy", `log ${log.vkey}\nquorum none\n`);
  await page.click("#policy-save");
  await page.goto(`${demo.url}/#incident=${violationIncident()}`);
  await page.waitForSelector("body[data-ready=true]");
  await page.click("#verify");
  await page.waitForSelector("#verify-result[data-outcome]", { timeout: 30_000 });
  assert.equal(await page.$eval("#verify-result", (r) => r.dataset.outcome), "verified");
  await context.close();
});

test("a pasted checkpoint or proof is verified, a forged one is not", async () => {
  const log = await (await fetch(`${demo.url}/v1/log`)).json();
  const proof = await (await fetch(`${demo.url}/v1/proof/3`)).text();
  const { page, context } = await openPage(browser, `${demo.url}/#view=log`);
  const check = async (text) => {
    await page.fill("#paste", text);
    await page.click("#paste-form button");
    await page.waitForFunction(() => document.querySelector("#paste-result").textContent.length > 0);
    const result = await page.textContent("#paste-result");
    await page.$eval("#paste-result", (r) => r.replaceChildren());
    return result;
  };
  assert.match(await check(log.checkpoint), /^Verified/);
  assert.match(await check(proof), /^Verified/);
  const forged = log.checkpoint.replace(/\n(\d+)\n/, (_, n) => `\n${Number(n) + 1}\n`);
  assert.match(await check(forged), /^FAILED/);
  await context.close();
});

test("entries signed with a key the source has since rotated still verify", async () => {
  // The operator rotates the Kharkiv monitoring team's key.
  const sources = (await (await fetch(`${demo.url}/v1/sources`)).json()).sources;
  const team = sources.find((s) => s.source === "omm-kharkiv");
  assert.ok(team, "the scenario has the Kharkiv team");
  const run = (args) => execFileSync(TRUCE, args, { cwd: demo.dir, encoding: "utf8" });
  const key = run(["key", "generate", "--name", "demo.truce.example/omm-kharkiv-2", "--out", "omm-kharkiv-2.key"]).trim();
  const update = {
    type: "truce.source/v1", source: team.source, action: "update", key,
    name: team.name, role: team.role, organisation: team.organisation, reliability: team.reliability,
  };
  writeFileSync(join(demo.dir, "rotate.json"), JSON.stringify(update));
  run(["submit", "--url", demo.url, "--key", join(demo.dir, "demo", "keys", "operator.key"), "rotate.json"]);
  const rotated = (await (await fetch(`${demo.url}/v1/sources`)).json()).sources.find((s) => s.source === team.source);
  assert.equal(rotated.key, key);
  assert.deepEqual(rotated.previous_keys, [team.key]);

  // An incident resting on the team's earlier reports still verifies.
  const c = summary.incidents;
  const teamIndex = summary.sources.indexOf(team.source);
  const i = c.sources.findIndex((s) => s.includes(teamIndex));
  assert.ok(i >= 0, "an incident with a report by the team");
  const { page, context } = await openPage(browser, `${demo.url}/#incident=${c.id[i]}`);
  await page.click("#verify");
  await page.waitForSelector("#verify-result[data-outcome]", { timeout: 30_000 });
  assert.equal(await page.$eval("#verify-result", (r) => r.dataset.outcome), "verified");
  await context.close();
});

test("the page offers to update itself when the log grows", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  await context.addInitScript(() => localStorage.setItem("truce.poll-ms", "200"));
  const page = await context.newPage();
  await page.goto(`${demo.url}/#view=sources`);
  await page.waitForSelector("body[data-ready=true]");
  const before = await page.$$eval("#sources-table tbody tr", (rows) => rows.length);
  const key = execFileSync(TRUCE, ["key", "generate", "--name", "demo.truce.example/late-monitor", "--out", "late.key"], {
    cwd: demo.dir,
    encoding: "utf8",
  }).trim();
  const registration = {
    type: "truce.source/v1", source: "late-monitor", action: "register", key,
    name: "A late monitor", role: "monitor", organisation: "Ceasefire Monitoring Mission", reliability: "B",
  };
  writeFileSync(join(demo.dir, "late.json"), JSON.stringify(registration));
  execFileSync(TRUCE, ["submit", "--url", demo.url, "--key", join(demo.dir, "demo", "keys", "operator.key"), "late.json"], { cwd: demo.dir });
  await page.waitForSelector("#log-grew:not([hidden])", { timeout: 10_000 });
  assert.match(await page.textContent("#log-grew"), /grown by 1 entry/);
  await page.click("#log-grew button");
  await page.waitForFunction((n) => document.querySelectorAll("#sources-table tbody tr").length === n + 1, before);
  assert.ok(await page.isHidden("#log-grew"));
  assert.match(page.url(), /view=sources/);
  await context.close();
});

/**
 * The English phrases a page in `lang` must not show: each text part of an
 * English message (split at its variables and selections) with a word of
 * three letters or more, unless the language's own catalogue has it too (a
 * technical name such as "tlog-cosignature/v1").
 */
function englishPhrases(english, other) {
  const parts = [];
  const walk = (pattern, into) => {
    for (const part of pattern) {
      if (typeof part === "string") into.push(part);
      else if ("select" in part) for (const [, variant] of part.variants) walk(variant, into);
    }
  };
  const theirs = [];
  for (const pattern of Object.values(other.messages)) walk(pattern, theirs);
  const theirText = theirs.join("\n");
  for (const pattern of Object.values(english.messages)) walk(pattern, parts);
  const phrases = new Set();
  for (const part of parts) {
    for (const piece of part.split(/[:;()·,.…]/)) {
      const phrase = piece.trim();
      if (/[A-Za-z]{3}/.test(phrase) && !theirText.includes(phrase)) phrases.add(phrase);
    }
  }
  return [...phrases];
}

/** The text a reader sees (and the options of the filters), leaving out what sources wrote (translate="no"). */
const visibleText = () => {
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest('[translate="no"], script, style')) continue;
    if (parent.tagName !== "OPTION" && !parent.checkVisibility()) continue;
    texts.push(node.textContent);
  }
  for (const labelled of document.querySelectorAll("[aria-label]")) {
    if (!labelled.closest('[translate="no"]') && labelled.checkVisibility()) texts.push(labelled.getAttribute("aria-label"));
  }
  texts.push(document.title);
  return texts.join("\n");
};

const PLURALS = {
  uk: ["1 інцидент", "2 інциденти", "5 інцидентів", "21 інцидент"],
  ru: ["1 инцидент", "2 инцидента", "5 инцидентов", "21 инцидент"],
};

for (const [lang, locale] of [["uk", "uk-UA"], ["ru", "ru-RU"]]) {
  test(`in ${lang}, chosen by the browser's language, no English is left in any view`, async () => {
    const english = await (await fetch(`${demo.url}/i18n/en.json`)).json();
    const catalogue = await (await fetch(`${demo.url}/i18n/${lang}.json`)).json();
    const phrases = englishPhrases(english, catalogue);
    assert.ok(phrases.length > 150, `${phrases.length} English phrases to look for`);
    const { page, errors, context } = await openPage(browser, demo.url, undefined, locale);
    assert.equal(await page.getAttribute("html", "lang"), lang);
    assert.match(page.url(), new RegExp(`lang=${lang}`), "the language is kept in the URL");
    const leftovers = async (where) => {
      const text = await page.evaluate(visibleText);
      const found = phrases.filter((p) => new RegExp(`(^|[^A-Za-z])${p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^A-Za-z])`).test(text));
      assert.deepEqual(found, [], `English left in the ${where} view in ${lang}`);
      return text;
    };
    const mapText = await leftovers("map");
    // Counts in the language's plural forms.
    const total = summary.incidents.id.length;
    assert.equal(await page.textContent("#count"), await page.evaluate(async (n) => (await import("/i18n.js")).t("dash-count-all", { all: n }), total));
    assert.ok(mapText.length > 500);
    const plurals = await page.evaluate(async () => {
      const { t } = await import("/i18n.js");
      return [1, 2, 5, 21].map((n) => t("dash-count-all", { all: n }));
    });
    assert.deepEqual(plurals, PLURALS[lang]);
    // Every view, the incident page and its verification.
    for (const view of ["compliance", "sources", "log", "file"]) {
      await page.click(`nav a[data-view=${view}]`);
      await page.waitForSelector(`#view-${view}:not([hidden])`);
      if (view === "log") await page.waitForSelector("#policy");
      assert.match(page.url(), new RegExp(`lang=${lang}`), `the ${view} view keeps the language`);
      await leftovers(view);
    }
    const violation = summary.incidents.id[summary.incidents.violations.findIndex((v) => v.length > 0)];
    await page.goto(`${demo.url}/#incident=${violation}&lang=${lang}`);
    await page.waitForSelector("#verdicts");
    await page.click("#verify");
    await page.waitForSelector("#verify-result[data-outcome]", { timeout: 30_000 });
    assert.equal(await page.$eval("#verify-result", (r) => r.dataset.outcome), "verified");
    await page.$$eval("#verify-result details", (all) => all.forEach((d) => (d.open = true)));
    await leftovers("incident");
    // The Ukrainian liaison's report carries its summary in three
    // languages: the reader's is shown.
    const summaries = await page.$$eval("#reports td[lang]", (cells) => cells.map((c) => [c.lang, c.textContent]));
    assert.equal(summaries.length, 1, JSON.stringify(summaries));
    assert.equal(summaries[0][0], lang);
    assert.match(summaries[0][1], lang === "uk" ? /Іскандер-М/ : /Искандер-М/);
    // The switcher changes the language in place, and the URL with it.
    const other = lang === "uk" ? "ru" : "uk";
    await page.selectOption("#lang", other);
    await page.waitForFunction((l) => document.documentElement.lang === l, other);
    assert.match(page.url(), new RegExp(`lang=${other}`));
    const otherCatalogue = await (await fetch(`${demo.url}/i18n/${other}.json`)).json();
    assert.equal(await page.textContent("nav a[data-view=sources]"), otherCatalogue.messages["dash-view-sources"].join(""));
    assert.notEqual(otherCatalogue.messages["dash-view-sources"].join(""), catalogue.messages["dash-view-sources"].join(""));
    assert.deepEqual(errors, []);
    await context.close();
  });
}
