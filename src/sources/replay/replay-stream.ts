import { createReadStream, statSync } from "node:fs";
import { createInterface } from "node:readline";
import type { ManualClock } from "../../core/clock.ts";
import { isSluiceError } from "../../core/errors.ts";
import type { Signal } from "../../core/signal.ts";
import type { QuietResolver } from "../../lifecycle/quiet-resolver.ts";
import type { IngestRunner } from "../../pipeline/ingest/ingest-runner.ts";
import { mapAlertWebhook } from "../../pipeline/normalize/alert-webhook.ts";
import { shapeProblem } from "../../pipeline/normalize/json-shape.ts";
import { normalizeItems } from "../../pipeline/normalize/normalize-items.ts";

/** Counts of what happened to a replayed stream: the funnel. */
export interface Funnel {
  signals: number;
  rejected: number;
  gated: number;
  suppressed: number;
  deduplicated: number;
  incidents: number;
  deliveries: Record<string, number>;
}

export interface ReplayOptions {
  runner: IngestRunner;
  quietResolver: QuietResolver;
  /** Follows the recorded timestamps, so windows and quiet periods behave as they did live. */
  clock: ManualClock;
  onProgress?(bytesRead: number, totalBytes: number): void;
  onRejected?(line: number, message: string): void;
  /**
   * After each batch is applied, at the clock of its latest signal: what runs alongside the pipeline in
   * `sluice serve` (the delivery worker), so tickets go out, or wait, as they would have live.
   */
  afterBatch?(now: number): Promise<void>;
  batchSize?: number;
  /**
   * Longest stretch of recorded time one batch covers (default 5 s): a batch runs at the clock of its latest
   * signal, so a sparse stream batched by size alone would see minutes pass at once, and windows (lookback,
   * quiet period, settle window) would act on a coarser clock than they do live.
   */
  maxBatchSpanMs?: number;
}

const DEFAULT_MAX_BATCH_SPAN_MS = 5_000;

/** Feeds a JSON-lines file through the pipeline in recorded order. */
export async function replayFile(file: string, options: ReplayOptions): Promise<Funnel> {
  const total = statSync(file).size;
  const input = createReadStream(file, { encoding: "utf8" });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  const funnel: Funnel = { signals: 0, rejected: 0, gated: 0, suppressed: 0, deduplicated: 0, incidents: 0, deliveries: {} };
  const batchSize = options.batchSize ?? 500;
  const maxSpan = options.maxBatchSpanMs ?? DEFAULT_MAX_BATCH_SPAN_MS;
  let batch: Signal[] = [];
  let batchStart = Number.POSITIVE_INFINITY;
  let lineNumber = 0;
  let bytes = 0;

  const flushBatch = async () => {
    if (batch.length === 0) return;
    const signals = batch;
    batch = [];
    const latest = Math.max(...signals.map((s) => s.occurredAt));
    if (latest > options.clock.now()) options.clock.set(latest);
    const results = await options.runner.submit(signals);
    for (const result of results) {
      if (result.outcome === "gated") funnel.gated++;
      else if (result.outcome === "suppressed") funnel.suppressed++;
      else if (result.outcome === "deduplicated" || result.outcome === "duplicate") funnel.deduplicated++;
      else if (result.outcome === "opened") funnel.incidents++;
    }
    await options.quietResolver.sweep(options.clock.now());
    await options.afterBatch?.(options.clock.now());
    options.onProgress?.(bytes, total);
  };

  for await (const line of lines) {
    lineNumber++;
    bytes += Buffer.byteLength(line) + 1;
    if (!line.trim()) continue;
    const signals = parseLine(line, lineNumber, options);
    if (signals === null) {
      funnel.signals++;
      funnel.rejected++;
      continue;
    }
    funnel.signals += signals.length;
    if (signals.length > 0) {
      const earliest = Math.min(...signals.map((s) => s.occurredAt));
      if (batch.length > 0 && earliest - batchStart > maxSpan) await flushBatch();
      if (batch.length === 0) batchStart = earliest;
    }
    batch.push(...signals);
    if (batch.length >= batchSize) await flushBatch();
  }
  await flushBatch();
  return funnel;
}

function parseLine(line: string, lineNumber: number, options: ReplayOptions): Signal[] | null {
  let item: unknown;
  try {
    item = JSON.parse(line);
  } catch {
    options.onRejected?.(lineNumber, "not valid JSON");
    return null;
  }
  const found = shapeProblem(item);
  if (found) {
    options.onRejected?.(lineNumber, `${found.problem.path}: ${found.problem.message}`);
    return null;
  }
  // Replayed signals are "received" when they were recorded, not now.
  const receivedAt = recordedTime(item) ?? options.clock.now();
  try {
    if (item && typeof item === "object" && "alerts" in item && "groupKey" in item) {
      const mapped = mapAlertWebhook(item, { receivedAt, source: "alertmanager" }, null);
      if ("problems" in mapped) {
        options.onRejected?.(lineNumber, mapped.problems.map((p) => `${p.path}: ${p.message}`).join("; "));
        return null;
      }
      return mapped.signals;
    }
    return normalizeItems([item], { receivedAt, source: "api" }, true);
  } catch (error) {
    const detail = isSluiceError(error) ? error.problems.map((p) => `${p.path}: ${p.message}`).join("; ") : String(error);
    options.onRejected?.(lineNumber, detail);
    return null;
  }
}

function recordedTime(item: unknown): number | undefined {
  if (!item || typeof item !== "object") return undefined;
  const record = item as Record<string, unknown>;
  const value = record["@timestamp"] ?? record.occurredAt;
  if (typeof value === "number") return value < 1e11 ? value * 1000 : value;
  if (typeof value === "string") {
    const at = Date.parse(value);
    return Number.isNaN(at) ? undefined : at;
  }
  return undefined;
}
