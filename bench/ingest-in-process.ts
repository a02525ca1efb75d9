// In-process ingest cost, without HTTP sockets or a load generator: `createSluice` on a durable SQLite
// file (synchronous: full), the throughput bench's anomaly bodies (batches of 100, 16 requests in
// flight) through Fastify's inject. Prints signals/s and the process's CPU time per signal. Steadier
// than `npm run bench` on a shared machine, so it is what small before/after comparisons use: run it
// pinned (`taskset -c 0`) in a copy of the tree without the change and in the tree with it, alternating.
// Run: taskset -c 0 node --import tsx bench/ingest-in-process.ts   (REQUESTS=1500 by default)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { parseConfig } from "../src/config/loader.ts";
import { createSluice } from "../src/main.ts";
import { bodyMaker } from "./bodies.ts";

const REQUESTS = Number(process.env.REQUESTS ?? 1500);
const WARM_UP = 300;
const IN_FLIGHT = 16;
const root = fileURLToPath(new URL("..", import.meta.url));

const dir = mkdtempSync(join(tmpdir(), "bench-in-process-"));
const { config } = parseConfig({ log: { level: "silent" }, storage: { synchronous: "full" } }, {}, root, "bench");
const sluice = await createSluice(config, { dataDir: dir, logger: pino({ level: "silent" }), processMetrics: false });
sluice.start();
const make = bodyMaker("anomaly", 100, `in-process-${process.pid}`, 7);
const bodies = Array.from({ length: WARM_UP + REQUESTS }, () => make());

async function send(from: number, to: number): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < to) {
      const payload = bodies[next++] as string;
      const response = await sluice.server.inject({
        method: "POST",
        url: "/api/v1/signals",
        headers: { "content-type": "application/json" },
        payload,
      });
      if (response.statusCode !== 202) throw new Error(`${response.statusCode} ${response.body}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

try {
  // The warm-up opens most of the 1,000 (service, pattern) incidents; the measured part deduplicates.
  await send(0, WARM_UP);
  await sluice.runner.flush();
  const cpu = process.cpuUsage();
  const start = performance.now();
  await send(WARM_UP, WARM_UP + REQUESTS);
  await sluice.runner.flush();
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const signals = REQUESTS * 100;
  console.log(
    JSON.stringify({
      signals,
      signalsPerSecond: Math.round(signals / seconds),
      cpuMicrosecondsPerSignal: Number(((used.user + used.system) / signals).toFixed(2)),
    }),
  );
} finally {
  await sluice.close();
  rmSync(dir, { recursive: true, force: true });
}
