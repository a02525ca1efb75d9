// Paced (open-loop) sender: a steady request rate, one request every 1000/rate ms, whatever the
// server's response times. autocannon's overallRate is not used for this: it sends each second's
// quota in a burst at the start of the second and then idles, which measures queueing, not steady load.
// `runPaced` spawns this file; run directly, it takes one JSON LoadSpec argument (with `rate`).
import { Agent, request } from "node:http";
import { pathToFileURL } from "node:url";
import { bodyMaker } from "./bodies.ts";
import { type LoadResult, type LoadSpec, type PhaseListener, spawnLoad } from "./load.ts";
import { percentile, sleep } from "./stats.ts";

/** Most requests in flight; beyond it a due request counts as failed instead of piling up. */
const MAX_IN_FLIGHT = 4096;

async function child(spec: LoadSpec): Promise<void> {
  const rate = spec.rate ?? 1000;
  const target = new URL(spec.path, spec.url);
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const next = bodyMaker(spec.kind, spec.batch, spec.tag, spec.seed);
  const latencies: number[] = [];
  let inFlight = 0;
  let ok = 0;
  let failed = 0;

  const send = (measured: boolean) => {
    if (inFlight >= MAX_IN_FLIGHT) {
      if (measured) failed++;
      return;
    }
    const body = next();
    const sentAt = performance.now();
    inFlight++;
    const done = (success: boolean) => {
      inFlight--;
      if (!measured) return;
      if (success) {
        ok++;
        latencies.push(performance.now() - sentAt);
      } else failed++;
    };
    const req = request(
      { agent, host: target.hostname, port: target.port, path: target.pathname, method: "POST" },
      (response) => {
        response.resume();
        response.on("end", () => done((response.statusCode ?? 0) < 300));
      },
    );
    req.setHeader("content-type", "application/json");
    req.on("error", () => done(false));
    req.end(body);
  };

  const warmupMs = spec.warmupSeconds * 1000;
  const totalMs = warmupMs + spec.seconds * 1000;
  const start = performance.now();
  let sent = 0;
  let measureStart = 0;
  let measuredAt = 0;
  let cpuBefore: NodeJS.CpuUsage | null = null;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - start;
      if (!cpuBefore && elapsed >= warmupMs) {
        measureStart = Date.now();
        measuredAt = performance.now();
        cpuBefore = process.cpuUsage();
        process.stdout.write(`measure-start ${measureStart}\n`);
      }
      if (elapsed >= totalMs) {
        clearInterval(timer);
        resolve();
        return;
      }
      const due = Math.min(Math.floor((elapsed * rate) / 1000) - sent, rate);
      for (let i = 0; i < due; i++) send(cpuBefore !== null);
      sent += Math.max(0, due);
    }, 1);
  });
  const seconds = (performance.now() - measuredAt) / 1000;
  const cpu = process.cpuUsage(cpuBefore ?? undefined);
  process.stdout.write(`measure-end ${Date.now()}\n`);
  // Let the last responses arrive (bounded).
  for (let waited = 0; inFlight > 0 && waited < 15_000; waited += 10) await sleep(10);
  agent.destroy();
  const result: LoadResult = {
    ok,
    non2xx: failed,
    errors: 0,
    seconds,
    requestsPerSecond: ok / seconds,
    itemsPerSecond: (ok * spec.batch) / seconds,
    latencyP50: percentile(latencies, 0.5),
    latencyP99: percentile(latencies, 0.99),
    measureStart,
    loadCpu: (cpu.user + cpu.system) / 1e6 / seconds,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Runs the paced sender in a child pinned to the load CPU. */
export function runPaced(spec: LoadSpec, onPhase?: PhaseListener): Promise<LoadResult> {
  return spawnLoad("bench/paced.ts", spec, onPhase);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const spec = JSON.parse(process.argv[2] ?? "{}") as LoadSpec;
  child(spec).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
