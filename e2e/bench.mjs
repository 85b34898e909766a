// How long the dashboard takes to load and become interactive with many
// incidents: `npm run bench` (after `cargo build --release -p truce`).
// TRUCE_BENCH_REPORTS simulated reports (default 500,000, about 100,000
// incidents) are written by `truce simulate`, served by `truce serve`, and
// opened in headless Chromium; the figures are printed, not asserted.

import { mkdtempSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { TRUCE, launch, startTruce } from "./harness.mjs";

const reports = process.env.TRUCE_BENCH_REPORTS || "500000";
const dir = mkdtempSync(join(tmpdir(), "truce-bench-"));
try {
  let started = Date.now();
  execFileSync(TRUCE, ["simulate", "--seed", "1", "--reports", reports, "--days", "180", "--out", join(dir, "sim")], { stdio: "ignore" });
  console.log(`simulated ${reports} reports in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const server = await startTruce(["serve", "--data", join(dir, "sim"), "--listen", "127.0.0.1:0"]);
  try {
    started = Date.now();
    const summary = await (await fetch(`${server.url}/v1/dashboard`)).json();
    const incidents = summary.incidents.id.length;
    console.log(`server: first /v1/dashboard (assessment included) in ${((Date.now() - started) / 1000).toFixed(1)} s: ${incidents} incidents`);
    const browser = await launch();
    try {
      for (let run = 1; run <= 3; run++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        const page = await context.newPage();
        const t0 = Date.now();
        await page.goto(server.url);
        await page.waitForSelector("body[data-ready=true]", { timeout: 120_000 });
        const ready = Date.now() - t0;
        const inPage = await page.evaluate(() => Number(document.body.dataset.loadMs));
        const filter = await page.evaluate(async () => {
          const t = performance.now();
          const select = document.querySelector("#filters [name=grade]");
          select.value = "verified";
          select.dispatchEvent(new Event("change", { bubbles: true }));
          return performance.now() - t;
        });
        console.log(
          `run ${run}: ${incidents} incidents, interactive in ${ready} ms (navigation to ready; ${inPage} ms of it loading and parsing), a filter change redraws in ${filter.toFixed(0)} ms (target: interactive under 2,000 ms)`,
        );
        await context.close();
      }
    } finally {
      await browser.close();
    }
  } finally {
    await server.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
