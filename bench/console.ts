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

// Scrolls the list from top to bottom in 4 s at a steady pace, recording the time between frames.
const frames = (await page.evaluate(`new Promise((resolve) => {
  const list = document.querySelector(".vlist");
  const end = list.scrollHeight - list.clientHeight;
  const gaps = [];
  const start = performance.now();
  let last = start;
  const step = (now) => {
    gaps.push(now - last);
    last = now;
    const progress = Math.min(1, (now - start) / 4000);
    list.scrollTop = end * progress;
    if (progress < 1) requestAnimationFrame(step);
    else resolve({ gaps: gaps.slice(1), rows: document.querySelectorAll(".vrow").length, top: list.scrollTop });
  };
  requestAnimationFrame(step);
})`)) as { gaps: number[]; rows: number; top: number };
await browser.close();
await sluice.close();
rmSync(dir, { recursive: true, force: true });

const sorted = [...frames.gaps].sort((a, b) => a - b);
const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const long = frames.gaps.filter((gap) => gap > 50).length;
process.stdout.write(
  [
    `| Figure (${INCIDENTS.toLocaleString("en")} open incidents, 3 page loads, medians) | Value |`,
    "| --- | --- |",
    `| List first paint (navigation → first row visible) | ${median(runs.map((r) => r.firstPaint))} ms (runs: ${runs.map((r) => r.firstPaint).join(", ")}) |`,
    `| All ${INCIDENTS.toLocaleString("en")} rows loaded (20 pages of 500) | ${median(runs.map((r) => r.all))} ms |`,
    `| Scrolling top to bottom in 4 s: frames | ${frames.gaps.length} (${(frames.gaps.length / 4).toFixed(0)} fps) |`,
    `| Frame time p50 / p95 / max | ${pick(0.5).toFixed(1)} / ${pick(0.95).toFixed(1)} / ${pick(1).toFixed(1)} ms |`,
    `| Frames over 50 ms | ${long} |`,
    `| Rows in the DOM while scrolling | ${frames.rows} |`,
    "",
  ].join("\n"),
);
