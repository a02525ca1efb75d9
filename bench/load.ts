// Load generator: autocannon in a process of its own, pinned to the other CPU than the server.
// `runLoad` spawns this file; run directly, it takes one JSON LoadSpec argument, runs the warm-up
// and the measured phase back to back, and prints one JSON LoadResult line.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { type BodyKind, bodyMaker } from "./bodies.ts";
import { LOAD_CPU, spawnPinned } from "./processes.ts";
import { REPO_ROOT } from "./sluice-server.ts";

export interface LoadSpec {
  url: string;
  path: string;
  kind: BodyKind;
  /** Items per request. */
  batch: number;
  connections: number;
  warmupSeconds: number;
  seconds: number;
  /** Requests per second (paced sender only; autocannon runs unlimited). */
  rate?: number;
  tag: string;
  seed: number;
}

export interface LoadResult {
  /** Responses with a 2xx status in the measured phase. */
  ok: number;
  non2xx: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  itemsPerSecond: number;
  /** Request latency (send to response) in ms. */
  latencyP50: number;
  latencyP99: number;
  /** Wall-clock ms when the measured phase started. */
  measureStart: number;
  /** CPU the load generator used in the measured phase, in cores (1 = one core busy). */
  loadCpu: number;
}

interface AutocannonResult {
  start: Date;
  finish: Date;
  errors: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
  latency: { p50: number; p99: number };
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

async function generate(spec: LoadSpec, seconds: number, tag: string): Promise<AutocannonResult> {
  const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;
  const next = bodyMaker(spec.kind, spec.batch, tag, spec.seed);
  return autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: seconds,
    timeout: 30,
    requests: [
      {
        method: "POST",
        path: spec.path,
        headers: { "content-type": "application/json" },
        setupRequest: (request: Record<string, unknown>) => {
          request.body = next();
          return request;
        },
      },
    ],
  });
}

async function child(spec: LoadSpec): Promise<void> {
  if (spec.warmupSeconds > 0) await generate(spec, spec.warmupSeconds, `${spec.tag}w`);
  const measureStart = Date.now();
  process.stdout.write(`measure-start ${measureStart}\n`);
  const cpuBefore = process.cpuUsage();
  const result = await generate(spec, spec.seconds, spec.tag);
  const cpu = process.cpuUsage(cpuBefore);
  process.stdout.write(`measure-end ${Date.now()}\n`);
  let ok = 0;
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) {
    if (code.startsWith("2")) ok += Number(stats.count);
  }
  const seconds = (result.finish.getTime() - result.start.getTime()) / 1000;
  const out: LoadResult = {
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    seconds,
    requestsPerSecond: ok / seconds,
    itemsPerSecond: (ok * spec.batch) / seconds,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    measureStart,
    loadCpu: (cpu.user + cpu.system) / 1e6 / seconds,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

export type PhaseListener = (phase: "start" | "end", at: number) => void;

/** Runs autocannon at full speed in a pinned child process. */
export function runLoad(spec: LoadSpec, onPhase?: PhaseListener): Promise<LoadResult> {
  return spawnLoad("bench/load.ts", spec, onPhase);
}

/**
 * Runs a load script (this one or bench/paced.ts) in a child pinned to the load CPU; `onPhase`
 * fires when its measured phase starts and ends.
 */
export function spawnLoad(script: string, spec: LoadSpec, onPhase?: PhaseListener): Promise<LoadResult> {
  const { child: proc, stderr } = spawnPinned(LOAD_CPU, process.execPath, ["--import", "tsx", script, JSON.stringify(spec)], {
    cwd: REPO_ROOT,
    stdout: "pipe",
  });
  const limitMs = (spec.warmupSeconds + spec.seconds + 60) * 1000;
  return new Promise((resolve, reject) => {
    let buffered = "";
    let result: LoadResult | null = null;
    const timer = setTimeout(() => proc.kill("SIGKILL"), limitMs);
    proc.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline = buffered.indexOf("\n");
      while (newline >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        const phase = /^measure-(start|end) (\d+)$/.exec(line);
        if (phase) onPhase?.(phase[1] as "start" | "end", Number(phase[2]));
        else if (line.startsWith("{")) result = JSON.parse(line) as LoadResult;
        newline = buffered.indexOf("\n");
      }
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      if (code === 0 && result) resolve(result);
      else reject(new Error(`load generator exited with ${code}:\n${stderr()}`));
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const spec = JSON.parse(process.argv[2] ?? "{}") as LoadSpec;
  child(spec).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
