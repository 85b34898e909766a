// Evidence files in the dashboard, against a log with a witness: an
// incident's page shows what the log says of each file its report cites
// (custodian, content credentials, the original a copy was made from),
// and the "Verify a file" view checks a file against its proof in the
// browser, dropped or chosen in any order: the genuine pair is dated by
// the witness's cosignature, a file with one byte changed fails on its
// hash, and a proof with one byte of the cosignature changed fails on
// that cosignature.

import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { TRUCE, launch, openPage, startWitnessedLog } from "./harness.mjs";

let log;
let browser;
let files;

const json = async (path) => (await fetch(`${log.url}${path}`)).json();
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

function truce(args) {
  return execFileSync(TRUCE, args, { cwd: log.dir, encoding: "utf8" }).trim();
}

/** Signs `entry` with `key` and submits it. */
function submit(name, entry, key) {
  writeFileSync(join(log.dir, name), JSON.stringify(entry));
  truce(["submit", "--url", log.url, "--key", key, name]);
}

/** Waits until the log's witnessed checkpoint covers `size` entries. */
async function witnessed(size) {
  for (let i = 0; i < 300; i++) {
    const { witnessed_checkpoint: checkpoint } = await json("/v1/log");
    if (checkpoint && Number(checkpoint.split("\n")[1]) >= size) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no witnessed checkpoint of size ${size}`);
}

/** The proof of `file`, as `truce evidence prove` makes it. */
function prove(file) {
  const out = `${file}.tlog-proof`;
  truce(["evidence", "prove", "--url", log.url, "--out", out, file]);
  return readFileSync(join(log.dir, out));
}

before(async () => {
  log = await startWitnessedLog();
  browser = await launch();
  // A monitoring team, registered by the operator.
  const key = truce(["key", "generate", "--name", "e2e.truce.example/team", "--out", "team.key"]);
  submit("team.json", {
    type: "truce.source/v1", source: "team", action: "register", key,
    name: "A monitoring team", role: "monitor", organisation: "Ceasefire Monitoring Mission", reliability: "B",
  }, log.operatorKey);
  // A photo, and a copy of it for publication, each logged as evidence.
  const photo = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(4000)]);
  const copy = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(3000)]);
  writeFileSync(join(log.dir, "photo.jpg"), photo);
  writeFileSync(join(log.dir, "photo.public.jpg"), copy);
  files = {
    photo: { name: "photo.jpg", bytes: photo, sha256: sha256(photo) },
    copy: { name: "photo.public.jpg", bytes: copy, sha256: sha256(copy) },
  };
  submit("photo.json", {
    type: "truce.evidence/v1", sha256: files.photo.sha256, size: photo.length, media_type: "image/jpeg",
    captured: "2025-11-18T06:40:00Z", place: { lat: 49.99, lon: 36.23, uncertainty_m: 20 },
    custodian: "Kharkiv team evidence locker", credentials: { state: "absent", actions: [], codes: [] },
  }, join(log.dir, "team.key"));
  submit("copy.json", {
    type: "truce.evidence/v1", sha256: files.copy.sha256, size: copy.length, media_type: "image/jpeg",
    custodian: "Mission press office", derived_from: { sha256: files.photo.sha256, method: "metadata_removed" },
    credentials: {
      state: "valid", signer: "Example Camera Co.", bytes_match: true, actions: ["c2pa.created", "c2pa.edited"], codes: [],
    },
  }, join(log.dir, "team.key"));
  submit("report.json", {
    type: "truce.report/v1", id: "team-2025-11-18-001",
    time: { from: "2025-11-18T06:30:00Z", to: "2025-11-18T06:35:00Z" },
    location: { lat: 49.99, lon: 36.23, uncertainty_m: 100, place: "Kharkiv" },
    event: "artillery", observation: { basis: "direct", confidence: "high" },
    summary: "Shelling of a residential block; photographed.",
    evidence: [
      { sha256: files.photo.sha256, size: photo.length, media_type: "image/jpeg" },
      { sha256: files.copy.sha256, size: copy.length, media_type: "image/jpeg" },
      { sha256: "0".repeat(64), size: 10, media_type: "image/png" },
    ],
  }, join(log.dir, "team.key"));
  files.photo.index = (await json(`/v1/evidence/${files.photo.sha256}/status`)).entries[0];
  await witnessed((await json("/v1/log")).size);
  files.photo.proof = prove("photo.jpg");
});

after(async () => {
  await browser?.close();
  await log?.stop();
});

test("an incident's page shows the evidence entries of the files its report cites", async () => {
  const { incidents } = await json("/v1/incidents");
  assert.equal(incidents.length, 1, "the report makes one incident");
  const { page, errors, context } = await openPage(browser, `${log.url}/#incident=${incidents[0].id}`);
  await page.waitForSelector("#evidence .evidence-card");
  await page.waitForFunction(() => [...document.querySelectorAll(".evidence-card")].every((c) => c.dataset.logged));
  const card = async (sha) => page.textContent(`.evidence-card[data-sha256="${sha}"]`);
  const photo = await card(files.photo.sha256);
  assert.match(photo, /Evidence entry \d+, signed by team/);
  assert.match(photo, /Held by: Kharkiv team evidence locker/);
  assert.match(photo, /No content credentials: the file carries no C2PA manifest/);
  assert.match(photo, /captured at 2025-11-18T06:40:00Z/);
  const copy = await card(files.copy.sha256);
  assert.match(copy, /Content credentials valid: signed by Example Camera Co\./);
  assert.match(copy, /The manifest's hash matches the file's bytes/);
  assert.match(copy, new RegExp(`A copy of the original ${files.photo.sha256} \\(logged in entry ${files.photo.index}\\): location and device metadata removed`));
  assert.match(copy, /Held by: Mission press office/);
  assert.match(await card("0".repeat(64)), /The log holds no evidence entry for this file/);
  assert.deepEqual(errors, []);
  await context.close();
});

/** Opens the "Verify a file" view. */
async function fileView() {
  const opened = await openPage(browser, `${log.url}/#view=file`);
  await opened.page.waitForSelector("#view-file:not([hidden])");
  return opened;
}

/** Gives the page files through the drop zone's file input. */
const choose = (page, ...chosen) =>
  page.setInputFiles("#file-input", chosen.map(({ name, bytes }) => ({ name, mimeType: "application/octet-stream", buffer: bytes })));

async function outcome(page) {
  await page.waitForSelector("#file-result[data-outcome]", { timeout: 30_000 });
  return { outcome: await page.$eval("#file-result", (r) => r.dataset.outcome), text: await page.textContent("#file-result") };
}

test("a file and its proof, dropped together, verify and are dated by the witness", async () => {
  const { page, errors, context } = await fileView();
  // A real drop: a DataTransfer holding both files, proof first.
  const transfer = await page.evaluateHandle(
    ([proof, photo]) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(proof)], "photo.jpg.tlog-proof"));
      data.items.add(new File([new Uint8Array(photo)], "photo.jpg", { type: "image/jpeg" }));
      return data;
    },
    [[...files.photo.proof], [...files.photo.bytes]],
  );
  await page.dispatchEvent("#drop", "dragenter", { dataTransfer: transfer });
  await page.dispatchEvent("#drop", "drop", { dataTransfer: transfer });
  const result = await outcome(page);
  assert.equal(result.outcome, "verified", result.text);
  assert.match(result.text, /^Verified: this file was in the log no later than \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(.+ your time\), as the cosignature of witness\.e2e\.example\/w1 attests/);
  assert.match(result.text, new RegExp(`entry ${files.photo.index}\\.`));
  const steps = await page.$$eval("#file-result li", (l) => l.map((x) => x.textContent));
  for (const what of ["the file's SHA-256", "the file's size", "entry signature", "checkpoint signature", "inclusion proof", "cosignature by witness.e2e.example/w1"]) {
    assert.ok(steps.some((s) => s.startsWith(what)), `${what} was checked: ${steps.join(" | ")}`);
  }
  assert.ok(steps.every((s) => !/FAILED/.test(s)));
  assert.deepEqual(errors, []);
  await context.close();
});

test("the wrong file, or the proof of another, fails on the file's hash", async () => {
  const { page, context } = await fileView();
  const changed = Buffer.from(files.photo.bytes);
  changed[100] ^= 0x01;
  // The proof first, the file after: either order works.
  await choose(page, { name: "photo.jpg.tlog-proof", bytes: files.photo.proof });
  assert.match(await page.textContent("#proof-name"), /photo\.jpg\.tlog-proof/);
  await choose(page, { name: "photo.jpg", bytes: changed });
  const result = await outcome(page);
  assert.equal(result.outcome, "failed");
  assert.match(result.text, new RegExp(`^NOT verified: the file's SHA-256 failed \\(wrong file: its SHA-256 is ${sha256(changed)}, the entry names ${files.photo.sha256}\\)`));
  // The right file again: verified.
  await choose(page, files.photo);
  await page.waitForFunction(() => document.querySelector("#file-result").dataset.outcome === "verified");
  await context.close();
});

test("a proof with one byte of the witness's cosignature changed fails on that cosignature", async () => {
  const text = files.photo.proof.toString("utf8");
  const line = text.split("\n").find((l) => l.startsWith("\u2014 witness.e2e.example/w1 "));
  assert.ok(line, "the proof's checkpoint is cosigned by the witness");
  // A character well inside the signature: the key ID (4 bytes) and the
  // timestamp (8) come first.
  const at = line.lastIndexOf(" ") + 60;
  const altered = line.slice(0, at) + (line[at] === "A" ? "B" : "A") + line.slice(at + 1);
  const { page, context } = await fileView();
  await choose(page, files.photo, { name: "altered.tlog-proof", bytes: Buffer.from(text.replace(line, altered)) });
  const result = await outcome(page);
  assert.equal(result.outcome, "failed");
  assert.match(result.text, /^NOT verified: cosignature by witness\.e2e\.example\/w1 failed/);
  const failed = await page.$$eval("#file-result li.step-failed", (l) => l.map((x) => x.textContent));
  assert.equal(failed.length, 1, failed.join(" | "));
  // What the log signed still holds: only the cosignature is refused.
  const passed = await page.$$eval("#file-result li.step-ok", (l) => l.map((x) => x.textContent));
  assert.ok(passed.some((s) => s.startsWith("checkpoint signature")));
  assert.ok(passed.some((s) => s.startsWith("inclusion proof")));
  await context.close();
});

test("a proof altered in its hashes fails on the inclusion proof", async () => {
  const lines = files.photo.proof.toString("utf8").split("\n");
  const at = lines.findIndex((l, i) => i > 2 && l.length === 44);
  assert.ok(at > 0, "the proof has a hash");
  lines[at] = `${lines[at][0] === "A" ? "B" : "A"}${lines[at].slice(1)}`;
  const { page, context } = await fileView();
  await choose(page, files.photo, { name: "photo.jpg.tlog-proof", bytes: Buffer.from(lines.join("\n")) });
  const result = await outcome(page);
  assert.equal(result.outcome, "failed");
  assert.match(result.text, /^NOT verified: inclusion proof failed/);
  await context.close();
});

test("a proof without the witness's cosignature verifies against the log's key alone, and says so", async () => {
  const text = files.photo.proof.toString("utf8");
  const stripped = text.replace(/\u2014 witness\.e2e\.example\/w1 \S+\n/, "");
  assert.notEqual(stripped, text);
  const { page, context } = await fileView();
  await choose(page, files.photo, { name: "photo.jpg.tlog-proof", bytes: Buffer.from(stripped) });
  const result = await outcome(page);
  assert.equal(result.outcome, "unwitnessed", result.text);
  assert.match(result.text, new RegExp(`^The file's evidence entry is in the log \\(entry ${files.photo.index}\\), under a checkpoint signed by the log's key, but no witness cosigned that checkpoint`));
  await context.close();
});
