// One throughput run: a fresh Sluice or Alertmanager, a warm-up, then a measured phase at full speed.
import { execFileSync } from "node:child_process";
import { startAlertmanager } from "./alertmanager.ts";
import { startCeiling } from "./ceiling-server.ts";
import { runLoad } from "./load.ts";
import { cpuSeconds } from "./processes.ts";
import { startSluice } from "./sluice-server.ts";

export type Target = "sluice" | "alertmanager" | "ceiling" | "durable";

export interface ThroughputRun {
  itemsPerSecond: number;
  /** CPU the server used in the measured phase, in cores (it is pinned to one). */
  serverCpu: number;
  loadCpu: number;
  latencyP50: number;
  latencyP99: number;
  failed: number;
  /** Sluice only: signals the pipeline applied per second in the measured phase (it runs behind the log's acks). */
  appliedPerSecond?: number;
  /** Sluice only: signals acknowledged but not yet applied when the measured phase ended. */
  backlogAtEnd?: number;
}

/** A counter or gauge from Sluice's /metrics (NaN when it cannot be read). */
/** One series' value from /metrics (NaN when missing or unreachable). */
export async function scrape(url: string, series: string): Promise<number> {
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
    const line = text.split("\n").find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export interface ThroughputOptions {
  batch: number;
  connections: number;
  warmupSeconds: number;
  seconds: number;
  run: number;
  cpuProfDir?: string;
}

export async function measureThroughput(target: Target, options: ThroughputOptions): Promise<ThroughputRun> {
  const server: { url: string; pid: number | undefined; stop(): Promise<void>; cleanup?(): void } =
    target === "sluice"
      ? await startSluice(options.cpuProfDir ? { cpuProfDir: options.cpuProfDir } : {})
      : target === "alertmanager"
        ? await startAlertmanager()
        : await startCeiling(target === "ceiling" ? "bare" : "durable");
  const cpu = { start: Number.NaN, end: Number.NaN };
  const applied: { start?: Promise<number>; end?: Promise<number>; backlog?: Promise<number> } = {};
  try {
    const result = await runLoad(
      {
        url: server.url,
        path: target === "alertmanager" ? "/api/v2/alerts" : "/api/v1/signals",
        kind: target === "alertmanager" ? "alert" : "anomaly",
        batch: options.batch,
        connections: options.connections,
        warmupSeconds: options.warmupSeconds,
        seconds: options.seconds,
        tag: `${target[0]}${options.batch}r${options.run}`,
        seed: 1000 + options.run,
      },
      (phase) => {
        cpu[phase] = cpuSeconds(server.pid);
        if (target === "sluice") {
          applied[phase] = scrape(server.url, 'sluice_signals_total{outcome="accepted"}');
          if (phase === "end") applied.backlog = scrape(server.url, "sluice_ingest_log_signals");
        }
      },
    );
    const serverCpu = (cpu.end - cpu.start) / result.seconds;
    const pipeline =
      target === "sluice"
        ? {
            appliedPerSecond: ((await applied.end) ?? Number.NaN) - ((await applied.start) ?? Number.NaN),
            backlogAtEnd: (await applied.backlog) ?? Number.NaN,
          }
        : {};
    if (pipeline.appliedPerSecond !== undefined) pipeline.appliedPerSecond /= result.seconds;
    return {
      itemsPerSecond: result.itemsPerSecond,
      serverCpu,
      loadCpu: result.loadCpu,
      latencyP50: result.latencyP50,
      latencyP99: result.latencyP99,
      failed: result.non2xx + result.errors,
      ...pipeline,
    };
  } finally {
    await server.stop();
    server.cleanup?.();
    // Write back what this server left dirty in the page cache now, not during the next server's run.
    execFileSync("sync");
  }
}
