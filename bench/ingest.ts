// `npm run bench` (`node --import tsx bench/ingest.ts [--quick] [--runs N] [--cpu-prof DIR] [--storm]`):
// Sluice (full pipeline, durable SQLite, in-memory platform) against Prometheus Alertmanager on the
// same machine, one CPU for the server and one for the load generator. Prints Markdown to stdout,
// progress to stderr. BENCHMARKS.md explains the method and records a run.
import { mkdirSync } from "node:fs";
import { cpus, release } from "node:os";
import { parseArgs } from "node:util";
import { alertmanagerVersion, ensureAlertmanager } from "./alertmanager.ts";
import { measureLatency } from "./latency.ts";
import { measureMemory } from "./memory.ts";
import { CPUS, canPin, LOAD_CPU, pinSelf } from "./processes.ts";
import { type BenchResults, detailTable, type ReportSettings, summaryTable } from "./report.ts";
import { measureStorm, stormTable } from "./storm.ts";
import { measureThroughput, type Target } from "./throughput.ts";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    runs: { type: "string" },
    "cpu-prof": { type: "string" },
    // Only the incident-storm search (bench/storm.ts): the highest rate of new incidents held.
    storm: { type: "boolean", default: false },
  },
});

const quick = values.quick ?? false;
const plan = {
  runs: Math.min(9, Math.max(1, Number(values.runs ?? (quick ? 1 : 3)))),
  warmupSeconds: quick ? 2 : 3,
  seconds: quick ? 5 : 10,
  latencySeconds: quick ? 8 : 15,
  memoryIncidents: quick ? [20_000] : [20_000, 50_000],
};
const BATCH_CONNECTIONS = 16;
const SINGLE_CONNECTIONS = 64;
const LATENCY_RATE = 1000;
const LATENCY_CONNECTIONS = 64;

const started = Date.now();
const log = (line: string) =>
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${line}\n`);

async function main(): Promise<void> {
  const machine = `${CPUS} CPUs (${cpus()[0]?.model ?? "unknown"}), Linux ${release()}, Node ${process.version}`;
  pinSelf(LOAD_CPU);
  // The storm search needs no Alertmanager: it measures Sluice alone.
  if (values.storm) {
    const seconds = quick ? 10 : 30;
    const storm = await measureStorm({ seconds, warmupSeconds: plan.warmupSeconds, log });
    process.stdout.write(
      `## Incident storm\n\nMachine: ${machine}. Command: \`npm run bench -- ${process.argv.slice(2).join(" ")}\`.\n\n${stormTable(storm, seconds)}\n`,
    );
    return;
  }
  ensureAlertmanager(log);
  const amVersion = alertmanagerVersion();
  log(`${machine}; ${amVersion}; ${canPin() ? "server on CPU 0, load on CPU 1" : "not pinned (taskset or 2 CPUs missing)"}`);
  const cpuProfDir = values["cpu-prof"];
  if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });

  const results: BenchResults = {
    batch: { sluice: [], alertmanager: [], ceiling: [], durable: [] },
    single: { sluice: [], alertmanager: [], ceiling: [], durable: [] },
    latency: [],
    memory: plan.memoryIncidents.map((incidents) => ({ incidents, runs: [] })),
  };
  // Runs are interleaved (Sluice, Alertmanager, Sluice, ...) so slow phases of a noisy machine hit both.
  for (let run = 1; run <= plan.runs; run++) {
    for (const mode of ["batch", "single"] as const) {
      for (const target of ["sluice", "alertmanager", "ceiling", "durable"] as Target[]) {
        const batch = mode === "batch" ? 100 : 1;
        const connections = mode === "batch" ? BATCH_CONNECTIONS : SINGLE_CONNECTIONS;
        const result = await measureThroughput(target, {
          batch,
          connections,
          warmupSeconds: plan.warmupSeconds,
          seconds: plan.seconds,
          run,
          ...(cpuProfDir && target === "sluice" ? { cpuProfDir } : {}),
        });
        results[mode][target].push(result);
        log(
          `run ${run}/${plan.runs} ${target} ${mode}: ${Math.round(result.itemsPerSecond)} items/s, server CPU ${result.serverCpu.toFixed(2)}` +
            (result.appliedPerSecond !== undefined
              ? `; pipeline applied ${Math.round(result.appliedPerSecond)}/s, ${result.backlogAtEnd} signals in the log at the end`
              : ""),
        );
      }
    }
  }
  for (let run = 1; run <= plan.runs; run++) {
    const result = await measureLatency({
      rate: LATENCY_RATE,
      connections: LATENCY_CONNECTIONS,
      warmupSeconds: plan.warmupSeconds,
      seconds: plan.latencySeconds,
      run,
    });
    results.latency.push(result);
    log(`run ${run}/${plan.runs} latency at ${Math.round(result.rate)}/s: p50 ${result.p50} ms, p99 ${result.p99} ms`);
  }
  for (const entry of results.memory) {
    for (let run = 1; run <= plan.runs; run++) {
      const result = await measureMemory(entry.incidents);
      entry.runs.push(result);
      log(
        `run ${run}/${plan.runs} memory ${entry.incidents}: RSS ${Math.round(result.rssPerIncident)} B, heap ${Math.round(result.heapPerIncident)} B per incident`,
      );
    }
  }

  const settings: ReportSettings = {
    batchConnections: BATCH_CONNECTIONS,
    singleConnections: SINGLE_CONNECTIONS,
    latencyRate: LATENCY_RATE,
    alertmanagerVersion: amVersion.replace(/^alertmanager, version /, "").replace(/ \(.*$/, ""),
  };
  const command = `npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
  process.stdout.write(
    [
      `## Sluice vs Alertmanager (${plan.runs} run${plan.runs > 1 ? "s" : ""} each, medians)`,
      "",
      `Machine: ${machine}. ${amVersion}. Command: \`${command}\`. Took ${Math.round((Date.now() - started) / 1000)} s.`,
      "",
      summaryTable(results, settings),
      "",
      "### Per run",
      "",
      detailTable(results),
      "",
    ].join("\n"),
  );
  if (cpuProfDir) log(`CPU profiles of the Sluice servers are in ${cpuProfDir}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
