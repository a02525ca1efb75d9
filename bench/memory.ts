// Memory per open incident. Run as `node --expose-gc --import tsx bench/memory.ts <N>` (the
// orchestrator does, pinned to the server CPU): createSluice in this process on a fresh durable
// store, a warm-up, then N signals that each open an incident, through the HTTP routes
// (fastify inject) and the outbox to the in-memory platform. Prints one JSON MemoryResult line.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseConfig } from "../src/config/loader.ts";
import type { MemoryConnector } from "../src/connectors/memory/memory-connector.ts";
import { createSluice, type Sluice } from "../src/main.ts";
import { bodyMaker } from "./bodies.ts";
import { SERVER_CPU, spawnPinned } from "./processes.ts";
import { REPO_ROOT } from "./sluice-server.ts";
import { sleep } from "./stats.ts";

export interface MemoryResult {
  incidents: number;
  /** Bytes per open incident: (after - baseline) / incidents. */
  rssPerIncident: number;
  heapPerIncident: number;
  /** The same after dropping what the in-memory platform keeps (its list of received deliveries and tickets). */
  rssPerIncidentWithoutPlatform: number;
  heapPerIncidentWithoutPlatform: number;
  baselineRss: number;
  baselineHeap: number;
}

const BATCH = 500;
const WARMUP_INCIDENTS = 2_000;

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with node --expose-gc");
  gc();
  gc();
}

async function settle(): Promise<{ rss: number; heap: number }> {
  collect();
  await sleep(200);
  collect();
  const usage = process.memoryUsage();
  return { rss: usage.rss, heap: usage.heapUsed };
}

async function openIncidents(sluice: Sluice, count: number, tag: string): Promise<number> {
  const next = bodyMaker("unique-anomaly", BATCH, tag, 7);
  let opened = 0;
  for (let sent = 0; sent < count; sent += BATCH) {
    const response = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      headers: { "content-type": "application/json" },
      payload: next(),
    });
    if (response.statusCode !== 202) throw new Error(`ingest answered ${response.statusCode}: ${response.body}`);
    const body = response.json() as { results: { outcome: string }[] };
    opened += body.results.filter((result) => result.outcome === "opened").length;
  }
  await drainOutbox(sluice, 300_000);
  return opened;
}

async function drainOutbox(sluice: Sluice, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const counts = await sluice.store.deliveries.countByStatus();
    if (!counts.pending) return;
    await sleep(100);
  }
  throw new Error(`outbox not drained within ${timeoutMs} ms`);
}

async function child(incidents: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "benchrun-memory-"));
  const { config } = parseConfig(
    { storage: { dataDir: join(dir, "data"), synchronous: "full" }, log: { level: "warn" } },
    process.env,
    dir,
    "bench",
  );
  const sluice = await createSluice(config);
  sluice.start();
  try {
    await openIncidents(sluice, WARMUP_INCIDENTS, "mw");
    const baseline = await settle();
    const opened = await openIncidents(sluice, incidents, "mm");
    const after = await settle();
    const platform = sluice.connectors.get("memory") as MemoryConnector;
    platform.received.length = 0;
    platform.tickets.clear();
    const withoutPlatform = await settle();
    const result: MemoryResult = {
      incidents: opened,
      rssPerIncident: (after.rss - baseline.rss) / opened,
      heapPerIncident: (after.heap - baseline.heap) / opened,
      rssPerIncidentWithoutPlatform: (withoutPlatform.rss - baseline.rss) / opened,
      heapPerIncidentWithoutPlatform: (withoutPlatform.heap - baseline.heap) / opened,
      baselineRss: baseline.rss,
      baselineHeap: baseline.heap,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await sluice.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs this script in a child on the server CPU and returns its result. */
export function measureMemory(incidents: number): Promise<MemoryResult> {
  const args = ["--expose-gc", "--import", "tsx", "bench/memory.ts", String(incidents)];
  const { child: proc, stderr } = spawnPinned(SERVER_CPU, process.execPath, args, { cwd: REPO_ROOT, stdout: "pipe" });
  let stdout = "";
  proc.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 600_000);
  return new Promise((resolve, reject) => {
    proc.once("exit", (code) => {
      clearTimeout(timer);
      // Other lines may be the server's JSON logs.
      const line = stdout.split("\n").find((candidate) => candidate.startsWith('{"incidents"'));
      if (code === 0 && line) resolve(JSON.parse(line) as MemoryResult);
      else reject(new Error(`memory run exited with ${code}:\n${stderr()}`));
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  child(Number(process.argv[2] ?? 20_000)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
