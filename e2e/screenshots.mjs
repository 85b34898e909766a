// Regenerates the screenshots in docs/screenshots/ from `truce demo`:
// `npm run screenshots` (after `cargo build -p truce`).

import { mkdirSync } from "node:fs";

import { launch, openPage, startDemo } from "./harness.mjs";

const out = new URL("../docs/screenshots/", import.meta.url).pathname;
mkdirSync(out, { recursive: true });

const demo = await startDemo();
const browser = await launch();
try {
  const summary = await (await fetch(`${demo.url}/v1/dashboard`)).json();
  const violation = summary.incidents.id[summary.incidents.violations.findIndex((v) => v.length > 0)];
  const shots = [
    ["map.png", "/", { width: 1280, height: 900 }],
    ["map-filtered.png", "/#view=map&party=ru", { width: 1280, height: 900 }],
    ["incident.png", `/#incident=${violation}`, { width: 1280, height: 1100 }],
    ["compliance.png", "/#view=compliance", { width: 1280, height: 900 }],
    ["log.png", "/#view=log", { width: 1280, height: 800 }],
    ["phone.png", "/", { width: 390, height: 844 }],
    // In Ukrainian: the browser's language chooses it.
    ["uk-map.png", "/", { width: 1280, height: 900 }, "uk-UA"],
    ["uk-incident.png", `/#incident=${violation}`, { width: 1280, height: 1100 }, "uk-UA"],
    ["uk-compliance.png", "/#view=compliance", { width: 1280, height: 900 }, "uk-UA"],
    ["uk-log.png", "/#view=log", { width: 1280, height: 800 }, "uk-UA"],
  ];
  for (const [file, path, viewport, locale] of shots) {
    const { page, context } = await openPage(browser, `${demo.url}${path}`, viewport, locale);
    if (file.endsWith("incident.png")) {
      await page.waitForSelector("#verdicts");
      await page.click("#verify");
      await page.waitForSelector("#verify-result[data-outcome]");
    }
    await page.waitForTimeout(200);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${out}${file}`, fullPage: file.endsWith("incident.png") });
    console.log(`docs/screenshots/${file}`);
    await context.close();
  }
} finally {
  await browser.close();
  await demo.stop();
}
