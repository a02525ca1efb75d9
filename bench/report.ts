// Turns the runs into Markdown: the summary table (medians, targets, verdicts) and the per-run details.
import type { Quantile } from "./histogram.ts";
import type { LatencyRun } from "./latency.ts";
import type { MemoryResult } from "./memory.ts";
import { median, formatNumber as n } from "./stats.ts";
import type { ThroughputRun } from "./throughput.ts";

/** Runs per server: Sluice, Alertmanager, and the two Node.js ceilings (bench/ceiling-app.ts). */
export interface ThroughputRuns {
  sluice: ThroughputRun[];
  alertmanager: ThroughputRun[];
  ceiling: ThroughputRun[];
  durable: ThroughputRun[];
}

export interface BenchResults {
  batch: ThroughputRuns;
  single: ThroughputRuns;
  latency: LatencyRun[];
  memory: { incidents: number; runs: MemoryResult[] }[];
}

export interface ReportSettings {
  batchConnections: number;
  singleConnections: number;
  latencyRate: number;
  alertmanagerVersion: string;
}

// Issue 18's targets: what each figure must reach for the issue to be done.
export const TARGETS = {
  /** Sluice ÷ Alertmanager, batches of 100. */
  batchFactor: 2,
  /** Sluice ÷ Alertmanager, one signal per request. */
  singleFactor: 1,
  /** Signal-to-delivery p99 at the latency phase's rate of new incidents, ms. */
  deliveryP99Ms: 10,
  /** The 202's p99 at the same rate, ms. */
  ackP99Ms: 10,
} as const;

const med = <T>(runs: T[], pick: (run: T) => number) => median(runs.map(pick));
const verdict = (ok: boolean) => (ok ? "**met**" : "**not met**");

function bucketText(runs: LatencyRun[], pick: (run: LatencyRun) => Quantile | null): string {
  const quantiles = runs.map(pick).filter((q): q is Quantile => q !== null);
  if (quantiles.length === 0) return "n/a";
  const estimate = median(quantiles.map((q) => q.estimate));
  const lower = median(quantiles.map((q) => q.lower));
  const upper = median(quantiles.map((q) => q.upper));
  return `≈ ${n(estimate, 1)} ms (bucket ${n(lower, 1)}–${n(upper, 1)} ms)`;
}

function throughputRow(label: string, runs: ThroughputRuns, factor: number): string {
  const sluice = med(runs.sluice, (r) => r.itemsPerSecond);
  const alertmanager = med(runs.alertmanager, (r) => r.itemsPerSecond);
  const ratio = sluice / alertmanager;
  return `| ${label} | ${n(sluice)}/s | ${n(alertmanager)}/s | ${n(ratio, 2)}× | ≥ ${factor}× Alertmanager (≥ ${n(alertmanager * factor)}/s) | ${verdict(ratio >= factor)} |`;
}

/** A ceiling server's figure, as Sluice's upper bound: no Node.js service on this stack can ingest faster. */
function ceilingRow(label: string, runs: ThroughputRuns, which: "ceiling" | "durable"): string {
  if (runs[which].length === 0) return "";
  const ceiling = med(runs[which], (r) => r.itemsPerSecond);
  const alertmanager = med(runs.alertmanager, (r) => r.itemsPerSecond);
  return `| ${label} | ${n(ceiling)}/s (upper bound) | ${n(alertmanager)}/s | ${n(ceiling / alertmanager, 2)}× | — | — |`;
}

export function summaryTable(results: BenchResults, settings: ReportSettings): string {
  const lines = [
    `| Figure (median of runs) | Sluice | Alertmanager ${settings.alertmanagerVersion} | Sluice ÷ AM | Target | Verdict |`,
    "| --- | --- | --- | --- | --- | --- |",
    throughputRow(`Items/s, batches of 100 (${settings.batchConnections} connections)`, results.batch, TARGETS.batchFactor),
    throughputRow(`Items/s, one per request (${settings.singleConnections} connections)`, results.single, TARGETS.singleFactor),
    ceilingRow(
      "Node.js ceiling, batches of 100: Fastify parsing the same bodies and answering 202, no work",
      results.batch,
      "ceiling",
    ),
    ceilingRow("Node.js ceiling, one per request: the same, single items", results.single, "ceiling"),
    ceilingRow(
      "Durable ceiling, batches of 100: the same, plus each body in a SQLite row and each event_id in a unique index, fsynced before the 202",
      results.batch,
      "durable",
    ),
    ceilingRow("Durable ceiling, one per request: the same, single items", results.single, "durable"),
  ];
  const latency = results.latency;
  if (latency.length > 0) {
    const p50 = med(latency, (r) => r.p50);
    const p99 = med(latency, (r) => r.p99);
    // Every signal of the latency phase opens an incident of its own.
    const rate = `${n(settings.latencyRate)} new incidents/s (sent: ${n(med(latency, (r) => r.rate))}/s)`;
    const ackP99 = med(latency, (r) => r.ackP99);
    lines.push(
      `| Signal-to-delivery p50 at ${rate}, outbox rows (1 ms resolution) | ${n(p50)} ms | — | — | — | — |`,
      `| Signal-to-delivery p99, outbox rows (1 ms resolution) | ${n(p99)} ms | — | — | ≤ ${TARGETS.deliveryP99Ms} ms | ${verdict(p99 <= TARGETS.deliveryP99Ms)} |`,
      `| Signal-to-delivery p50, /metrics histogram | ${bucketText(latency, (r) => r.histP50)} | — | — | — | — |`,
      `| Signal-to-delivery p99, /metrics histogram | ${bucketText(latency, (r) => r.histP99)} | — | — | ≤ ${TARGETS.deliveryP99Ms} ms | ${verdict(med(latency, (r) => r.histP99?.upper ?? Number.POSITIVE_INFINITY) <= TARGETS.deliveryP99Ms)} |`,
      `| Ingest ack (202, durable) p50 / p99 at the same rate | ${n(
        med(latency, (r) => r.ackP50),
        1,
      )} / ${n(ackP99, 1)} ms | — | — | p99 ≤ ${TARGETS.ackP99Ms} ms | ${verdict(ackP99 <= TARGETS.ackP99Ms)} |`,
    );
  }
  for (const { incidents, runs } of results.memory) {
    const rss = med(runs, (r) => r.rssPerIncident);
    const heap = med(runs, (r) => r.heapPerIncident);
    const rssBare = med(runs, (r) => r.rssPerIncidentWithoutPlatform);
    const heapBare = med(runs, (r) => r.heapPerIncidentWithoutPlatform);
    lines.push(
      `| Memory per open incident, ${n(incidents)} incidents: RSS / JS heap | ${n(rss)} B / ${n(heap)} B | — | — | ≤ 1 KB (1,024 B) RSS | ${verdict(rss <= 1024)} |`,
      `| … the same without the in-memory platform's own records | ${n(rssBare)} B / ${n(heapBare)} B | — | — | — | — |`,
    );
  }
  return lines.filter((line) => line !== "").join("\n");
}

export function detailTable(results: BenchResults): string {
  const lines = [
    "| Run set | Per-run values | Server CPU (cores) | Load generator CPU (cores) | Failed requests |",
    "| --- | --- | --- | --- | --- |",
  ];
  const runsOf = (label: string, runs: ThroughputRun[]) => {
    if (runs.length === 0) return;
    lines.push(
      `| ${label} | ${runs.map((r) => n(r.itemsPerSecond)).join(", ")} /s | ${runs.map((r) => n(r.serverCpu, 2)).join(", ")} | ${runs.map((r) => n(r.loadCpu, 2)).join(", ")} | ${runs.map((r) => r.failed).join(", ")} |`,
    );
  };
  runsOf("Sluice, batches of 100", results.batch.sluice);
  runsOf("Alertmanager, batches of 100", results.batch.alertmanager);
  runsOf("Sluice, one per request", results.single.sluice);
  runsOf("Alertmanager, one per request", results.single.alertmanager);
  runsOf("Node.js ceiling (bare Fastify), batches of 100", results.batch.ceiling);
  runsOf("Node.js ceiling (bare Fastify), one per request", results.single.ceiling);
  runsOf("Durable ceiling (Fastify + SQLite row, fsync), batches of 100", results.batch.durable);
  runsOf("Durable ceiling (Fastify + SQLite row, fsync), one per request", results.single.durable);
  if (results.latency.length > 0) {
    const l = results.latency;
    lines.push(
      `| Latency p50 / p99 / max (outbox rows) | ${l.map((r) => `${r.p50} / ${r.p99} / ${r.max} ms (${n(r.deliveries)} deliveries)`).join("; ")} | — | — | — |`,
    );
  }
  for (const { incidents, runs } of results.memory) {
    lines.push(
      `| Memory, ${n(incidents)} incidents: RSS / heap per incident | ${runs.map((r) => `${n(r.rssPerIncident)} / ${n(r.heapPerIncident)} B`).join("; ")} (baseline RSS ${n(median(runs.map((r) => r.baselineRss)) / 1048576)} MiB) | — | — | — |`,
    );
  }
  return lines.join("\n");
}
