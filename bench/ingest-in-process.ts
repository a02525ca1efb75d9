// In-process ingest cost, without HTTP sockets or a load generator: `createSluice` on a durable SQLite
// file (synchronous: full), the throughput bench's anomaly bodies (batches of 100, 16 requests in
// flight) through Fastify's inject. Prints signals/s and the process's CPU time per signal. Steadier
// than `npm run bench` on a shared machine, so it is what small before/after comparisons use: run it
// pinned (`taskset -c 0`) in a copy of the tree without the change and in the tree with it, alternating.
// Run: taskset -c 0 node --import tsx bench/ingest-in-process.ts   (REQUESTS=1500 by default)
// BATCH=1 IN_FLIGHT=64 REQUESTS=5000 measures one signal per request (the HTTP bench's second figure);
// SLUICE_CONFIG='{"ingest":{"acknowledge":"logged"}}' merges JSON into the config, as BENCH_SLUICE_CONFIG does.
// The CPU figure counts the investigations the measured requests queued (they may wait while ingest is busy)
// and the deliveries they send: settling waits for all of them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { parseConfig } from "../src/config/loader.ts";
import { createSluice } from "../src/main.ts";
import { bodyMaker } from "./bodies.ts";
import { injectBodies } from "./inject-bodies.ts";

const REQUESTS = Number(process.env.REQUESTS ?? 1500);
const BATCH = Number(process.env.BATCH ?? 100);
const WARM_UP = Number(process.env.WARM_UP ?? (BATCH === 1 ? 3000 : 300));
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 16);
const root = fileURLToPath(new URL("..", import.meta.url));

const dir = mkdtempSync(join(tmpdir(), "bench-in-process-"));
const { config } = parseConfig(
  { log: { level: "silent" }, storage: { synchronous: "full" }, ...JSON.parse(process.env.SLUICE_CONFIG ?? "{}") },
  {},
  root,
  "bench",
);
const sluice = await createSluice(config, { dataDir: dir, logger: pino({ level: "silent" }), processMetrics: false });
sluice.start();
const make = bodyMaker("anomaly", BATCH, `in-process-${process.pid}`, 7);
const bodies = Array.from({ length: WARM_UP + REQUESTS }, () => make());

function send(from: number, to: number): Promise<void> {
  return injectBodies(sluice, bodies, from, to, IN_FLIGHT);
}

/** Counters that say what the measured requests caused besides their own storage (for the profile's reader). */
async function counters(): Promise<Record<string, number>> {
  const text = (await sluice.server.inject({ method: "GET", url: "/metrics" })).body;
  const out: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const match =
      /^(sluice_(?:incidents_opened_total|signals_total\{outcome="(?:opened|deduplicated|duplicate|accepted)"\}|deliveries_total\{[^}]*\}|investigations_total\{[^}]*\}))\s+(\S+)/.exec(
        line,
      );
    if (match?.[1] && match[2]) out[match[1]] = Number(match[2]);
  }
  return out;
}

/** Everything acknowledged so far applied (logged mode: the log consumer drained) and committed. */
async function settle(): Promise<void> {
  await sluice.ingestLog.drain();
  await sluice.runner.flush();
  await sluice.investigator?.flush();
  await sluice.worker.flush();
}

try {
  // The warm-up opens most of the 1,000 (service, pattern) incidents; the measured part deduplicates.
  await send(0, WARM_UP);
  await settle();
  const before = process.env.COUNTERS ? await counters() : {};
  const cpu = process.cpuUsage();
  const start = performance.now();
  await send(WARM_UP, WARM_UP + REQUESTS);
  const acknowledged = (performance.now() - start) / 1000;
  await settle();
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const signals = REQUESTS * BATCH;
  if (process.env.COUNTERS) {
    const after = await counters();
    for (const [name, value] of Object.entries(after)) console.error(`${name} +${value - (before[name] ?? 0)}`);
  }
  console.log(
    JSON.stringify({
      signals,
      signalsPerSecond: Math.round(signals / seconds),
      acknowledgedPerSecond: Math.round(signals / acknowledged),
      cpuMicrosecondsPerSignal: Number(((used.user + used.system) / signals).toFixed(2)),
      ...(BATCH === 1 ? {} : { cpuMicrosecondsPerRequest: Number(((used.user + used.system) / REQUESTS).toFixed(2)) }),
    }),
  );
} finally {
  await sluice.close();
  rmSync(dir, { recursive: true, force: true });
}
