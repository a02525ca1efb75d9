// /healthz while the largest accepted batch is ingested again and again (issue 12: one valid batch of 7,000
// items over 97 services with 60-word messages stalled the event loop 5–11 s). A `sluice serve` on a fresh
// durable SQLite store, pinned to one CPU; this process, on the other, posts the batch back to back (fresh
// ids each time, so every item is new work) while a second connection polls /healthz every 10 ms.
// Prints one Markdown row per run, then the medians.
// Run: node --import tsx bench/healthz-under-batch.ts [--runs 3] [--seconds 20] [--messages templates|random] [--cpu-prof DIR]
import { request } from "node:http";
import { parseArgs } from "node:util";
import { LOAD_CPU, pinSelf } from "./processes.ts";
import { startSluice } from "./sluice-server.ts";
import { formatNumber, median, percentile, seededRandom, sleep } from "./stats.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    seconds: { type: "string", default: "20" },
    "body-limit": { type: "string", default: String(5 * 1024 * 1024) },
    "cpu-prof": { type: "string" },
    messages: { type: "string", default: "templates" },
  },
});
const runs = Number(values.runs);
const seconds = Number(values.seconds);
const bodyLimit = Number(values["body-limit"]);
pinSelf(LOAD_CPU);

const WORDS = (
  "timeout connection refused upstream payment gateway retry exhausted pool socket reset peer database " +
  "replica lag write conflict lock wait deadline exceeded request handler worker queue overflow cache miss " +
  "certificate expired token invalid session store unreachable shard rebalance consumer group offset commit"
).split(" ");
const SERVICES = Array.from({ length: 97 }, (_, i) => `svc-${String(i).padStart(2, "0")}`);
// Log lines are templates with variable parts: 24 templates of 60 words, one word in nine a number or an id.
const TEMPLATES = Array.from({ length: 24 }, (_, t) =>
  Array.from({ length: 60 }, (_, w) => (w % 9 === 4 ? "#" : (WORDS[(t * 7 + w * 3) % WORDS.length] as string))),
);

/** A 60-word message: from a template (default), or random words (--messages random: every line new to the miner). */
function message(random: () => number, i: number): string {
  if (values.messages === "random") {
    return Array.from({ length: 60 }, () => WORDS[Math.floor(random() * WORDS.length)]).join(" ");
  }
  const template = TEMPLATES[(i * 7) % TEMPLATES.length] as string[];
  return template.map((word) => (word === "#" ? Math.floor(random() * 1e9).toString(16) : word)).join(" ");
}

/** The batch of the shape (97 services, 60-word messages), as many items as fit in the body limit. */
function largestBatch(round: number): string {
  const random = seededRandom(42 + round);
  const items: string[] = [];
  let bytes = 2;
  for (let i = 0; i < 10_000; i++) {
    const item = JSON.stringify({
      event_id: `r${round}-e${i}`,
      "@timestamp": new Date().toISOString(),
      anomaly_type: "error_rate",
      anomaly_score: 0.9 + random() * 0.09,
      service: SERVICES[i % SERVICES.length],
      tenant_id: "acme",
      environment: "production",
      error_message: message(random, i),
    });
    if (bytes + item.length + 1 > bodyLimit) break;
    items.push(item);
    bytes += item.length + 1;
  }
  return `[${items.join(",")}]`;
}

function post(url: URL, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

interface RunResult {
  items: number;
  batches: number;
  batchMs: number;
  p50: number;
  p99: number;
  max: number;
}

async function run(index: number): Promise<RunResult> {
  const server = await startSluice(values["cpu-prof"] ? { cpuProfDir: values["cpu-prof"] } : {});
  try {
    const base = new URL(server.url);
    let stop = false;
    const latencies: number[] = [];
    const poller = (async () => {
      while (!stop) {
        const started = performance.now();
        const response = await fetch(new URL("/healthz", base), { signal: AbortSignal.timeout(60_000) });
        await response.text();
        latencies.push(performance.now() - started);
        await sleep(10);
      }
    })();
    let batches = 0;
    let items = 0;
    const batchTimes: number[] = [];
    const until = performance.now() + seconds * 1000;
    while (performance.now() < until) {
      const body = largestBatch(index * 1000 + batches);
      items = (body.match(/"event_id"/g) ?? []).length;
      const started = performance.now();
      const status = await post(new URL("/api/v1/signals", base), body);
      if (status !== 202) throw new Error(`batch answered ${status}`);
      batchTimes.push(performance.now() - started);
      batches++;
    }
    stop = true;
    await poller;
    return {
      items,
      batches,
      batchMs: median(batchTimes),
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      max: Math.max(...latencies),
    };
  } finally {
    await server.stop();
    server.cleanup();
  }
}

const results: RunResult[] = [];
process.stdout.write("| Run | Items per batch | Batches | Batch time (median) | /healthz p50 | p99 | max |\n");
process.stdout.write("| --- | --- | --- | --- | --- | --- | --- |\n");
for (let i = 0; i < runs; i++) {
  const r = await run(i);
  results.push(r);
  process.stdout.write(
    `| ${i + 1} | ${formatNumber(r.items)} | ${r.batches} | ${formatNumber(r.batchMs)} ms | ${formatNumber(r.p50, 1)} ms | ${formatNumber(r.p99, 1)} ms | ${formatNumber(r.max, 1)} ms |\n`,
  );
}
const m = (pick: (r: RunResult) => number) => median(results.map(pick));
process.stdout.write(
  `| **median** | ${formatNumber(m((r) => r.items))} | ${m((r) => r.batches)} | ${formatNumber(m((r) => r.batchMs))} ms | ${formatNumber(
    m((r) => r.p50),
    1,
  )} ms | **${formatNumber(
    m((r) => r.p99),
    1,
  )} ms** | ${formatNumber(
    m((r) => r.max),
    1,
  )} ms |\n`,
);
