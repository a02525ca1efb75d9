// In-process cost of opening incidents (issue 18, "open incidents in bulk"): `createSluice` on a
// durable SQLite file, the latency bench's unique-anomaly bodies (every signal opens its own incident,
// so each causes one delivery and one investigation), sent through Fastify's inject. Prints CPU µs per
// new incident for the ingest part (request to committed incident) and for the whole (plus the first
// deliveries and the investigations they cause). Compare trees by running it pinned
// (`taskset -c 0`) in a copy without a change and with it, alternating; a CPU profile
// (`node --cpu-prof`) shows where the time goes.
// Run: taskset -c 0 node --import tsx bench/new-incidents-in-process.ts
//   INCIDENTS (default 3000), BATCH signals per request (default 1), IN_FLIGHT requests (default 64),
//   BENCH_SLUICE_CONFIG JSON merged into the config (e.g. '{"ingest":{"acknowledge":"logged"}}'),
//   PROFILE=file.cpuprofile writes a V8 CPU profile of the measured ingest part only,
//   SQL_PROFILE=1 prints the SQL statements that took the most time in the measured part (=ingest: its ingest part only).
//   PIPELINE_ONLY=1 (with `ingest.acknowledge: logged`): the log consumer is paused while the measured requests
//   are appended, then resumed, so the pipeline's CPU (the log's backlog applied in batches, the first tickets)
//   is measured apart from the HTTP requests and appends: prints appendCpuMicrosPerIncident and
//   pipelineCpuMicrosPerIncident instead (PROFILE and SQL_PROFILE then cover the pipeline part only).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { parseConfig } from "../src/config/loader.ts";
import { createSluice } from "../src/main.ts";
import { bodyMaker } from "./bodies.ts";
import { injectBodies } from "./inject-bodies.ts";
import { printSqlTimes, profileSql } from "./sql-profile.ts";

const INCIDENTS = Number(process.env.INCIDENTS ?? 3000);
const BATCH = Number(process.env.BATCH ?? 1);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 64);
const WARM_UP = 300;
// SQL_STACKS=text: also counts where the statements containing it are run from (an async caller may be missing).
const sql = process.env.SQL_PROFILE ? profileSql(process.env.SQL_STACKS) : null;
const sqlTime = sql?.times ?? new Map<string, { ms: number; calls: number }>();
const stacks = sql?.stacks ?? new Map<string, number>();
const root = fileURLToPath(new URL("..", import.meta.url));

const dir = mkdtempSync(join(tmpdir(), "bench-new-incidents-"));
const extra = JSON.parse(process.env.BENCH_SLUICE_CONFIG ?? "{}") as Record<string, unknown>;
const { config } = parseConfig({ log: { level: "silent" }, storage: { synchronous: "full" }, ...extra }, {}, root, "bench");
const sluice = await createSluice(config, { dataDir: dir, logger: pino({ level: "silent" }), processMetrics: false });
sluice.start();
const make = bodyMaker("unique-anomaly", BATCH, `new-${process.pid}`, 11);
const requests = Math.ceil(INCIDENTS / BATCH);
const warmRequests = Math.ceil(WARM_UP / BATCH);
const bodies = Array.from({ length: warmRequests + requests }, () => make());

function send(from: number, to: number): Promise<void> {
  return injectBodies(sluice, bodies, from, to, IN_FLIGHT);
}

async function settle(): Promise<void> {
  await sluice.ingestLog.drain();
  await sluice.runner.flush();
  await sluice.worker.flush();
  await sluice.investigator?.flush();
  await sluice.worker.flush();
}

const cpuMicros = (used: NodeJS.CpuUsage) => used.user + used.system;

try {
  await send(0, warmRequests);
  await settle();
  // PROFILE_PART=after profiles what follows the ingest part instead (deliveries, investigations).
  const part = process.env.PROFILE_PART ?? "ingest";
  const session = process.env.PROFILE ? new Session() : null;
  session?.connect();
  const startProfile = async () => {
    await session?.post("Profiler.enable");
    await session?.post("Profiler.start");
  };
  const stopProfile = async () => {
    if (!session) return;
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(process.env.PROFILE as string, JSON.stringify(profile));
    session.disconnect();
  };
  if (process.env.PIPELINE_ONLY) await pipelineOnly(startProfile, stopProfile);
  else await ingestAndTotal(part, startProfile, stopProfile);
} finally {
  await closeAll();
}

async function ingestAndTotal(part: string, startProfile: () => Promise<void>, stopProfile: () => Promise<void>): Promise<void> {
  if (part === "ingest") await startProfile();
  if (sql) sql.on = true;
  const cpu = process.cpuUsage();
  const start = performance.now();
  await send(warmRequests, warmRequests + requests);
  await sluice.ingestLog.drain();
  await sluice.runner.flush();
  const ingestSeconds = (performance.now() - start) / 1000;
  const ingestCpu = cpuMicros(process.cpuUsage(cpu));
  if (sql && process.env.SQL_PROFILE === "ingest") sql.on = false;
  if (part === "ingest") await stopProfile();
  else await startProfile();
  await settle();
  const totalSeconds = (performance.now() - start) / 1000;
  const totalCpu = cpuMicros(process.cpuUsage(cpu));
  if (sql) sql.on = false;
  if (part !== "ingest") await stopProfile();
  // Every unique-anomaly signal names a service of its own, so each opens one incident.
  const opened = requests * BATCH;
  console.log(
    JSON.stringify({
      opened,
      batch: BATCH,
      ingestIncidentsPerSecond: Math.round(opened / ingestSeconds),
      ingestCpuMicrosPerIncident: Math.round(ingestCpu / opened),
      totalSeconds: Number(totalSeconds.toFixed(2)),
      totalCpuMicrosPerIncident: Math.round(totalCpu / opened),
      rssBytes: process.memoryUsage().rss,
    }),
  );
  for (const [where, count] of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(count, where);
  printSqlTimes(sqlTime);
}

async function closeAll(): Promise<void> {
  await sluice.close();
  rmSync(dir, { recursive: true, force: true });
}

// The consumer has `pause` (ingest.paused) but no resume: the bench clears the flag and drains, which is
// what a restart with a backlog does.
async function pipelineOnly(startProfile: () => Promise<void>, stopProfile: () => Promise<void>): Promise<void> {
  const consumer = sluice.ingestLog as unknown as { pause(): void; paused: boolean };
  consumer.pause();
  const appendCpu = process.cpuUsage();
  await send(warmRequests, warmRequests + requests);
  const appendMicros = cpuMicros(process.cpuUsage(appendCpu));
  await startProfile();
  if (sql) sql.on = true;
  const cpu = process.cpuUsage();
  const start = performance.now();
  consumer.paused = false;
  await settle();
  const pipelineMicros = cpuMicros(process.cpuUsage(cpu));
  const seconds = (performance.now() - start) / 1000;
  if (sql) sql.on = false;
  await stopProfile();
  const opened = requests * BATCH;
  console.log(
    JSON.stringify({
      opened,
      batch: BATCH,
      appendCpuMicrosPerIncident: Math.round(appendMicros / opened),
      pipelineCpuMicrosPerIncident: Math.round(pipelineMicros / opened),
      pipelineIncidentsPerSecond: Math.round(opened / seconds),
    }),
  );
  printSqlTimes(sqlTime);
}
