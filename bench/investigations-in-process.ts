// In-process CPU cost of one investigation (issues 11 and 18): `createSluice` on a durable SQLite file, the
// latency bench's unique-anomaly bodies (each opens an incident of its own, so each gets one investigation),
// ingested and their first tickets delivered with investigations held back, then the investigations run
// and their reports delivered. Prints CPU µs per investigation: the investigator's own part (claim, collect,
// analyse, store the report, queue its comments) and the delivery of those comments, measured apart. Compare trees by running it pinned
// (`taskset -c 0`) in each, alternating; SLUICE_ROOT=/path/to/tree measures another checkout's code.
// Run: INCIDENTS=2000 taskset -c 0 node --import tsx bench/investigations-in-process.ts
//   PROFILE=file.cpuprofile writes a V8 CPU profile of the investigations (not their comments); SQL_PROFILE=1 prints its
//   statements that took the most time.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import pino from "pino";
import { bodyMaker } from "./bodies.ts";
import { injectBodies } from "./inject-bodies.ts";
import { printSqlTimes, profileSql } from "./sql-profile.ts";

const INCIDENTS = Number(process.env.INCIDENTS ?? 2000);
const WARM_UP = 300;
const root = process.env.SLUICE_ROOT ? resolve(process.env.SLUICE_ROOT) : fileURLToPath(new URL("..", import.meta.url));
const { parseConfig } = (await import(
  pathToFileURL(join(root, "src/config/loader.ts")).href
)) as typeof import("../src/config/loader.ts");
const { createSluice } = (await import(pathToFileURL(join(root, "src/main.ts")).href)) as typeof import("../src/main.ts");

const sql = process.env.SQL_PROFILE ? profileSql() : null;
const sqlTime = sql?.times ?? new Map<string, { ms: number; calls: number }>();

const dir = mkdtempSync(join(tmpdir(), "bench-investigations-"));
const { config } = parseConfig({ log: { level: "silent" }, storage: { synchronous: "full" } }, {}, root, "bench");
const sluice = await createSluice(config, { dataDir: dir, logger: pino({ level: "silent" }), processMetrics: false });
const investigator = sluice.investigator;
if (!investigator) throw new Error("investigation is switched off in the default config");
// Not started until the measured part: ingest and the first tickets run without investigations beside them.
const make = bodyMaker("unique-anomaly", 1, `inv-${process.pid}`, 11);
const bodies = Array.from({ length: WARM_UP + INCIDENTS }, () => make());
const cpuMicros = (used: NodeJS.CpuUsage) => used.user + used.system;

async function ingest(from: number, to: number): Promise<void> {
  await injectBodies(sluice, bodies, from, to, 64);
  await sluice.ingestLog.drain();
  await sluice.runner.flush();
  await sluice.worker.flush();
}

try {
  sluice.start();
  await ingest(0, WARM_UP);
  await investigator.flush();
  await sluice.worker.flush();
  // Investigations wait for a busy ingest (MAX_DEFER_MS); the measured incidents are all in before they run.
  await ingest(WARM_UP, WARM_UP + INCIDENTS);
  // The outbox's loop stops, so the investigations and the delivery of their comments are measured apart.
  await sluice.worker.shutdown();
  const session = process.env.PROFILE ? new Session() : null;
  session?.connect();
  await session?.post("Profiler.enable");
  await session?.post("Profiler.start");
  if (sql) sql.on = true;
  const cpu = process.cpuUsage();
  const start = performance.now();
  await investigator.flush();
  const investigateCpu = cpuMicros(process.cpuUsage(cpu));
  if (session) {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(process.env.PROFILE as string, JSON.stringify(profile));
    session.disconnect();
  }
  await sluice.worker.flush();
  const totalCpu = cpuMicros(process.cpuUsage(cpu));
  const comments = (await sluice.store.deliveries.list({ limit: 10_000 })).filter((d) => d.action === "comment");
  const seconds = (performance.now() - start) / 1000;
  if (sql) sql.on = false;
  console.log(
    JSON.stringify({
      investigations: INCIDENTS,
      investigateCpuMicros: Math.round(investigateCpu / INCIDENTS),
      commentsCpuMicros: Math.round((totalCpu - investigateCpu) / INCIDENTS),
      totalCpuMicros: Math.round(totalCpu / INCIDENTS),
      commentsDelivered: comments.filter((d) => d.status === "delivered").length,
      seconds: Number(seconds.toFixed(2)),
    }),
  );
  printSqlTimes(sqlTime);
} finally {
  await sluice.close();
  rmSync(dir, { recursive: true, force: true });
}
