// The web console with 10,000 open incidents: how long the incident list takes to show its first rows
// (first paint) and to hold all of them, and how smooth scrolling it is (frame times while it scrolls
// through the whole list). Debian's chromium through playwright-core, Sluice in this process on SQLite.
// Run: npm run bench:console      (INCIDENTS=10000 by default; builds the console first)
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { chromium } from "playwright-core";
import { buildWeb } from "../scripts/build-web.ts";
import { parseConfig } from "../src/config/loader.ts";
import { createSluice } from "../src/main.ts";
import { provision } from "../test/support/provision.ts";

const INCIDENTS = Number(process.env.INCIDENTS ?? 10_000);
const root = fileURLToPath(new URL("..", import.meta.url));

await buildWeb();
const browserPath = provision("chromium.sh");
if ("problem" in browserPath) throw new Error(browserPath.problem);

const dir = mkdtempSync(join(tmpdir(), "bench-console-"));
const { config } = parseConfig({ log: { level: "silent" } }, {}, root, "bench");
const sluice = await createSluice(config, {
  dataDir: dir,
  logger: pino({ level: "silent" }),
  processMetrics: false,
  dryRun: true,
});
sluice.start();
await sluice.server.listen({ host: "127.0.0.1", port: 0 });
const url = `http://127.0.0.1:${(sluice.server.server.address() as AddressInfo).port}`;

process.stderr.write(`opening ${INCIDENTS} incidents…\n`);
const severities = ["critical", "high", "medium", "low"];
for (let start = 0; start < INCIDENTS; start += 250) {
  const batch = Array.from({ length: Math.min(250, INCIDENTS - start) }, (_, offset) => {
    const n = start + offset;
    // One service each: every signal opens its own incident.
    return {
      event_id: `bench-console-${n}`,
      "@timestamp": new Date().toISOString(),
      anomaly_type: "error_rate",
      anomaly_score: 0.95,
      severity: severities[n % severities.length],
      service: `service-${n}`,
      tenant_id: "acme",
      environment: "production",
      error_message: `connection refused calling dependency ${n % 7} of service-${n}`,
    };
  });
  const response = await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: batch });
  if (response.statusCode !== 202) throw new Error(`ingest answered ${response.statusCode}: ${response.body}`);
}
await sluice.runner.flush();
const open = await sluice.store.incidents.list({ state: ["open"], limit: 1 });
process.stderr.write(`store ready (newest ${open.items[0]?.key}); measuring in chromium…\n`);

const browser = await chromium.launch({ executablePath: browserPath.output[0] as string, args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
const runs: { firstPaint: number; all: number }[] = [];
for (let run = 0; run < 3; run++) {
  const started = Date.now();
  await page.goto(`${url}/`);
  await page.locator(".incident-row").first().waitFor({ timeout: 30_000 });
  const firstPaint = Date.now() - started;
  await page
    .getByTestId("count")
    .getByText(`${INCIDENTS.toLocaleString("en")} incidents`, { exact: true })
    .waitFor({ timeout: 120_000 });
  runs.push({ firstPaint, all: Date.now() - started });
}

/**
 * Scrolls the list for 4 s at `pxPerSecond` (0: from top to bottom in those 4 s, a fling through every
 * row), recording the time between animation frames.
 */
const scroll = async (pxPerSecond: number) =>
  (await page.evaluate(`new Promise((resolve) => {
  const list = document.querySelector(".vlist");
  list.scrollTop = 0;
  const end = list.scrollHeight - list.clientHeight;
  const speed = ${pxPerSecond} || end / 4;
  const gaps = [];
  const start = performance.now();
  let last = start;
  const step = (now) => {
    gaps.push(now - last);
    last = now;
    const elapsed = Math.min(4000, now - start);
    list.scrollTop = Math.min(end, (speed * elapsed) / 1000);
    if (elapsed < 4000) requestAnimationFrame(step);
    else resolve({ gaps: gaps.slice(1), rows: document.querySelectorAll(".vrow").length });
  };
  requestAnimationFrame(step);
})`)) as { gaps: number[]; rows: number };
const steady = await scroll(3000);
const fling = await scroll(0);
await browser.close();
await sluice.close();
rmSync(dir, { recursive: true, force: true });

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const frameRows = (label: string, frames: { gaps: number[]; rows: number }) => {
  const sorted = [...frames.gaps].sort((a, b) => a - b);
  const pick = (q: number) => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(1);
  const long = frames.gaps.filter((gap) => gap > 50).length;
  return `| ${label}: frames in 4 s, frame time p50 / p95 / max, frames over 50 ms, rows in the DOM | ${frames.gaps.length} (${(frames.gaps.length / 4).toFixed(0)} fps), ${pick(0.5)} / ${pick(0.95)} / ${pick(1)} ms, ${long}, ${frames.rows} |`;
};
process.stdout.write(
  [
    `| Figure (${INCIDENTS.toLocaleString("en")} open incidents, 3 page loads, medians) | Value |`,
    "| --- | --- |",
    `| List first paint (navigation → first row visible) | ${median(runs.map((r) => r.firstPaint))} ms (runs: ${runs.map((r) => r.firstPaint).join(", ")}) |`,
    `| All ${INCIDENTS.toLocaleString("en")} rows loaded (a page of 100, then pages of 500) | ${median(runs.map((r) => r.all))} ms |`,
    frameRows("Steady scroll, 3,000 px/s (68 rows/s)", steady),
    frameRows(`Fling: all ${INCIDENTS.toLocaleString("en")} rows in 4 s`, fling),
    "",
  ].join("\n"),
);
