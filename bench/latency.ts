// Signal-to-delivery latency at a steady rate: every signal opens an incident, so every signal
// causes exactly one delivery to the in-memory platform. Two readings of the same deliveries:
// - the server's histogram sluice_signal_to_delivery_seconds (scraped at the start and end of the
//   measured phase; its buckets are coarse, so the quantile is reported with its bucket bounds);
// - the outbox rows themselves, read from the SQLite file after the server stopped:
//   updated_at (when the platform accepted) minus caused_at (when the signal arrived), exact to 1 ms.
import { join } from "node:path";
import Database from "better-sqlite3";
import { parseBuckets, type Quantile, quantile, subtract } from "./histogram.ts";
import { runPaced } from "./paced.ts";
import { startSluice } from "./sluice-server.ts";
import { percentile, sleep } from "./stats.ts";

const HISTOGRAM = "sluice_signal_to_delivery_seconds";

export interface LatencyRun {
  /** Signals per second actually sent (2xx) in the measured phase. */
  rate: number;
  deliveries: number;
  /** From the outbox rows, in ms. */
  p50: number;
  p99: number;
  max: number;
  /** From the histogram, in ms. */
  histP50: Quantile | null;
  histP99: Quantile | null;
  /** Ingest request latency (send to 202, i.e. durably stored), in ms, from the paced sender. */
  ackP50: number;
  ackP99: number;
}

export async function measureLatency(options: {
  rate: number;
  connections: number;
  warmupSeconds: number;
  seconds: number;
  run: number;
}): Promise<LatencyRun> {
  const server = await startSluice();
  try {
    // Scraped once before the load, as a Prometheus scrapes a server from its start: the scrape at the
    // measured phase's start then finds the SLI gauges computed (while ingest is busy it serves them up to a
    // minute old) instead of computing them for the first time inside the measured phase.
    await server.metrics();
    let before = "";
    let measureStart = 0;
    const pendingScrape: Promise<void>[] = [];
    const result = await runPaced(
      {
        url: server.url,
        path: "/api/v1/signals",
        kind: "unique-anomaly",
        batch: 1,
        connections: options.connections,
        warmupSeconds: options.warmupSeconds,
        seconds: options.seconds,
        rate: options.rate,
        tag: `lat${options.run}`,
        seed: 2000 + options.run,
      },
      (phase, at) => {
        if (phase !== "start") return;
        measureStart = at;
        pendingScrape.push(
          server.metrics().then((text) => {
            before = text;
          }),
        );
      },
    );
    await Promise.all(pendingScrape);
    await waitForOutbox(server.url, 60_000);
    const after = await server.metrics();
    await server.stop();

    const buckets = subtract(parseBuckets(after, HISTOGRAM), parseBuckets(before, HISTOGRAM));
    const toMs = (q: Quantile | null): Quantile | null =>
      q && { estimate: q.estimate * 1000, lower: q.lower * 1000, upper: q.upper * 1000 };
    const database = new Database(join(server.dataDir, "sluice.db"), { readonly: true });
    const rows = database
      .prepare("SELECT updated_at - caused_at FROM deliveries WHERE status = 'delivered' AND caused_at >= ?")
      .pluck()
      .all(measureStart) as number[];
    database.close();
    return {
      rate: result.itemsPerSecond,
      deliveries: rows.length,
      p50: percentile(rows, 0.5),
      p99: percentile(rows, 0.99),
      max: rows.reduce((a, b) => Math.max(a, b), 0),
      histP50: toMs(quantile(buckets, 0.5)),
      histP99: toMs(quantile(buckets, 0.99)),
      ackP50: result.latencyP50,
      ackP99: result.latencyP99,
    };
  } finally {
    await server.stop();
    server.cleanup();
  }
}

/** Waits until the outbox has no pending rows (bounded). */
async function waitForOutbox(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await fetch(`${url}/api/deliveries?status=pending&limit=1`, { signal: AbortSignal.timeout(5000) });
    const body = (await response.json()) as { items: unknown[] };
    if (body.items.length === 0) return;
    await sleep(200);
  }
  throw new Error(`deliveries still pending after ${timeoutMs} ms`);
}
