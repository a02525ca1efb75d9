// Incident storm (issue 18): the highest rate of NEW incidents Sluice holds for a whole phase with the
// 202's p99 at or under 50 ms. Every signal opens an incident of its own (the latency bench's
// unique-anomaly bodies, one per request, paced open-loop from the load CPU); each rate runs on a fresh
// server pinned to the server CPU, rates rising until one is not held. "Held" means: at least 97% of
// the paced rate answered 202, no more than 0.1% refused, and the ack p99 at or under the bound.
// Run: `npm run bench -- --storm` (30 s per rate) or `node --import tsx bench/storm.ts [--seconds N]
// [--rates 1000,2000,...] [--scrape-every S]`; BENCH_SLUICE_CONFIG as for the rest of the bench. --scrape-every
// scrapes /metrics every S seconds during the phase (from 5 s into it), as a Prometheus would; the scrapes'
// durations are logged.
import { parseArgs } from "node:util";
import { runPaced } from "./paced.ts";
import { LOAD_CPU, pinSelf } from "./processes.ts";
import { startSluice } from "./sluice-server.ts";
import { scrape } from "./throughput.ts";

export const STORM_ACK_P99_MS = 50;
const DEFAULT_RATES = [500, 1000, 1500, 2000, 3000, 4000, 5000, 6000, 8000];
const CONNECTIONS = 256;

export interface StormStep {
  rate: number;
  /** 202s per second in the measured phase. */
  acknowledged: number;
  refused: number;
  ackP50: number;
  ackP99: number;
  held: boolean;
  /**
   * How far the pipeline lags behind the acknowledgements (acknowledge: logged): signals still in the
   * ingest log when the paced phase ends, and signals applied so far (warm-up included). Read once the
   * phase is over: a scrape during it computes the SLI gauges, which would hold the event loop.
   */
  logDepthAtEnd: number;
  appliedAtEnd: number;
  /** With scrapeEverySeconds: how long each scrape of /metrics during the phase took, in ms (NaN: failed). */
  scrapes?: number[];
}

/** Scrapes /metrics every `everySeconds` (the first 5 s in) until stopped; resolves with each one's duration. */
function scrapeWhile(url: string, everySeconds: number): { stop(): Promise<number[]> } {
  const durations: number[] = [];
  let stopped = false;
  let wake = () => {};
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const loop = (async () => {
    await pause(5_000);
    while (!stopped) {
      const started = performance.now();
      try {
        await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(30_000) })).text();
        durations.push(Math.round(performance.now() - started));
      } catch {
        durations.push(Number.NaN);
      }
      await pause(everySeconds * 1000);
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake();
      await loop;
      return durations;
    },
  };
}

/** One rate on a fresh server. */
export async function stormStep(
  rate: number,
  seconds: number,
  warmupSeconds: number,
  scrapeEverySeconds?: number,
): Promise<StormStep> {
  const server = await startSluice();
  const scraping = scrapeEverySeconds ? scrapeWhile(server.url, scrapeEverySeconds) : null;
  try {
    const result = await runPaced({
      url: server.url,
      path: "/api/v1/signals",
      kind: "unique-anomaly",
      batch: 1,
      connections: CONNECTIONS,
      warmupSeconds,
      seconds,
      rate,
      tag: `storm${rate}`,
      seed: 3000 + rate,
    });
    const scrapes = await scraping?.stop();
    const [logDepthAtEnd, appliedAtEnd] = [
      await scrape(server.url, "sluice_ingest_log_signals"),
      await scrape(server.url, 'sluice_signals_total{outcome="accepted"}'),
    ];
    const total = result.ok + result.non2xx;
    const held =
      result.itemsPerSecond >= 0.97 * rate &&
      result.non2xx <= 0.001 * Math.max(1, total) &&
      result.latencyP99 <= STORM_ACK_P99_MS;
    return {
      rate,
      acknowledged: result.itemsPerSecond,
      refused: result.non2xx,
      ackP50: result.latencyP50,
      ackP99: result.latencyP99,
      held,
      logDepthAtEnd,
      appliedAtEnd,
      ...(scrapes ? { scrapes } : {}),
    };
  } finally {
    await scraping?.stop();
    await server.stop().catch(() => undefined);
    server.cleanup();
  }
}

/** Rates in order until one is not held; the last held one is the figure. */
export async function measureStorm(options: {
  rates?: readonly number[];
  seconds: number;
  warmupSeconds: number;
  log(line: string): void;
  scrapeEverySeconds?: number;
}): Promise<{ steps: StormStep[]; held: number | null }> {
  const steps: StormStep[] = [];
  let held: number | null = null;
  for (const rate of options.rates ?? DEFAULT_RATES) {
    const step = await stormStep(rate, options.seconds, options.warmupSeconds, options.scrapeEverySeconds);
    steps.push(step);
    options.log(
      `storm ${rate} new incidents/s: ${Math.round(step.acknowledged)}/s acknowledged, ${step.refused} refused, ack p50 ${step.ackP50.toFixed(1)} / p99 ${step.ackP99.toFixed(1)} ms, ${step.logDepthAtEnd} signals in the log at the end (${step.appliedAtEnd} applied)${step.scrapes ? `, scrapes ${step.scrapes.join(", ")} ms` : ""}: ${step.held ? "held" : "not held"}`,
    );
    if (!step.held) break;
    held = rate;
  }
  return { steps, held };
}

/** The Markdown the bench prints. */
export function stormTable(result: { steps: StormStep[]; held: number | null }, seconds: number): string {
  const lines = [
    `Highest rate of new incidents held for ${seconds} s with p99 ack <= ${STORM_ACK_P99_MS} ms: **${result.held === null ? "none of the rates tried" : `${result.held}/s`}**`,
    "",
    "| New incidents/s paced | Acknowledged/s | Refused | Ack p50 / p99 (ms) | In the log at the end / applied | Held |",
    "| ---: | ---: | ---: | ---: | ---: | --- |",
    ...result.steps.map(
      (s) =>
        `| ${s.rate} | ${Math.round(s.acknowledged)} | ${s.refused} | ${s.ackP50.toFixed(1)} / ${s.ackP99.toFixed(1)} | ${s.logDepthAtEnd} / ${s.appliedAtEnd} | ${s.held ? "yes" : "no"} |`,
    ),
  ];
  return lines.join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { seconds: { type: "string" }, rates: { type: "string" }, "scrape-every": { type: "string" } },
  });
  const scrapeEverySeconds = values["scrape-every"] === undefined ? undefined : Number(values["scrape-every"]);
  if (scrapeEverySeconds !== undefined && !(scrapeEverySeconds > 0))
    throw new Error(`--scrape-every must be a positive number of seconds, not ${values["scrape-every"]}`);
  const seconds = Number(values.seconds ?? 30);
  const rates = values.rates?.split(",").map(Number);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`--seconds must be a positive number, not ${values.seconds}`);
  if (rates?.some((rate) => !Number.isInteger(rate) || rate <= 0))
    throw new Error(`--rates must be positive integers separated by commas, not ${values.rates}`);
  pinSelf(LOAD_CPU);
  const started = Date.now();
  const log = (line: string) =>
    process.stderr.write(`[storm ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${line}\n`);
  const result = await measureStorm({
    ...(rates ? { rates } : {}),
    ...(scrapeEverySeconds ? { scrapeEverySeconds } : {}),
    seconds,
    warmupSeconds: 3,
    log,
  });
  process.stdout.write(`${stormTable(result, seconds)}\n`);
}

if (process.argv[1]?.endsWith("storm.ts")) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
