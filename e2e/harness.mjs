// Starts `truce demo` (or `truce serve` on a given data directory, with a
// witness) on a loopback port and a headless Chromium, for the end-to-end
// tests, the screenshots and the load benchmark.

import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const TRUCE = process.env.TRUCE_BIN || new URL("../target/debug/truce", import.meta.url).pathname;
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

/**
 * Runs `truce args...` until it prints its URL (the first match of
 * `pattern`, or its first group); returns { url, stop }.
 */
export async function startTruce(args, pattern = /http:\/\/127\.0\.0\.1:\d+/) {
  const child = spawn(TRUCE, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const url = await new Promise((resolve, reject) => {
    const look = (chunk) => {
      output += chunk;
      const match = pattern.exec(output);
      if (match) resolve(match[1] || match[0]);
    };
    child.stdout.on("data", look);
    child.stderr.on("data", look);
    child.on("exit", (code) => reject(new Error(`truce ${args.join(" ")} exited (${code}):\n${output}`)));
    setTimeout(() => reject(new Error(`truce did not start:\n${output}`)), 120_000).unref();
  });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.on("exit", resolve);
      child.kill("SIGTERM");
    });
  return { url, stop };
}

/** `truce demo` in a fresh temporary data directory. */
export async function startDemo() {
  const dir = mkdtempSync(join(tmpdir(), "truce-e2e-"));
  const server = await startTruce(["demo", "--listen", "127.0.0.1:0", "--data", join(dir, "demo")]);
  // The demo prints its URL once the scenario is loaded.
  return {
    ...server,
    dir,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A new log (`truce init`) served by `truce serve` with one witness
 * (`truce witness serve`), each on a loopback port, in a fresh temporary
 * directory: `{ url, dir, origin, logKey, operatorKey, witnessKey, stop }`,
 * the keys as verifier keys and `operatorKey` as the file that signs the
 * operator's entries.
 */
export async function startWitnessedLog(origin = "e2e.truce.example/witnessed") {
  const dir = mkdtempSync(join(tmpdir(), "truce-e2e-"));
  const data = join(dir, "data");
  const run = (args) => execFileSync(TRUCE, args, { cwd: dir, encoding: "utf8" }).trim();
  run(["init", "--data", data, "--origin", origin]);
  const logKey = run(["key", "public", "--key", join(data, "keys", "log.key")]);
  const witnessKey = run(["key", "generate", "--cosigner", "--name", "witness.e2e.example/w1", "--out", join(dir, "w1.key")]);
  const witness = await startTruce(["witness", "serve", "--key", join(dir, "w1.key"), "--state", join(dir, "w1"), "--listen", "127.0.0.1:0", "--log", `${origin}=${logKey}`]);
  const config = join(dir, "truce.toml");
  writeFileSync(config, `[[witness]]\nname = "w1"\nurl = "${witness.url}"\nvkey = "${witnessKey}"\n`);
  // The server's own line, not a log line that may name the witness's URL.
  const server = await startTruce(["serve", "--data", data, "--config", config, "--listen", "127.0.0.1:0"], /serving .* at (http:\/\/127\.0\.0\.1:\d+)/);
  return {
    url: server.url,
    dir,
    origin,
    logKey,
    witnessKey,
    operatorKey: join(data, "keys", "operator.key"),
    stop: async () => {
      await server.stop();
      await witness.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/**
 * A page that records every request it makes; `locale` is the browser's
 * language (navigator.languages and Accept-Language), English by default.
 */
export async function openPage(browser, url, viewport = { width: 1280, height: 860 }, locale = "en-US") {
  const context = await browser.newContext({ viewport, locale });
  const page = await context.newPage();
  const requests = [];
  page.on("request", (request) => requests.push(request.url()));
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(url);
  await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
  return { page, requests, errors, context };
}
