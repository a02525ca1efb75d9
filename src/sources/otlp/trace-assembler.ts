import type { Logger } from "pino";
import type { TracesConfig } from "../../config/traces-config.ts";
import type { Clock } from "../../core/clock.ts";
import type { TraceRecord, TraceRepository } from "../../core/ports/trace-repository.ts";
import type { Signal } from "../../core/signal.ts";
import { traceSignal } from "../../pipeline/normalize/trace-signal.ts";
import { analyseTrace } from "../../traces/analysis.ts";
import { bucketOf, contributionDelta, contributionOf } from "../../traces/contribution.ts";
import type { TraceMetrics } from "./trace-metrics.ts";

/** What the assembler needs around it. */
export interface TraceAssemblerDeps {
  repository: TraceRepository;
  clock: Clock;
  config: TracesConfig;
  logger: Logger;
  /** Hands signals to the ingest runner (gate, correlate, route); resolves once they are stored. */
  submit(signals: Signal[]): Promise<unknown>;
  /** Told after the graph counters changed. */
  onCounted?(): void;
  metrics?: TraceMetrics;
}

const BATCH = 500;
const LEASE_MS = 60_000;
const CLEANUP_EVERY_MS = 60_000;

/**
 * Analyses each trace once it has been quiet for the assembly delay: counts it into the dependency graph,
 * stores its analysis, and turns a failing one into a signal. Traces are claimed with a lease, so with
 * several replicas exactly one analyses each; a crash mid-way leaves the lease to expire and another
 * process to finish (counting is recorded with the trace, so it never counts twice).
 */
export class TraceAssembler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = false;
  private lastCleanup = 0;

  constructor(private readonly deps: TraceAssemblerDeps) {}

  /** How often to look for quiet traces: a quarter of the assembly delay, between 100 ms and 1 s. */
  get intervalMs(): number {
    return Math.min(1000, Math.max(100, Math.floor(this.deps.config.assemblyDelay / 4)));
  }

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.tick()
        .catch((error) => this.deps.logger.error({ err: error }, "trace assembly failed"))
        .finally(() => {
          this.running = null;
          this.schedule();
        });
    }, this.intervalMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const now = this.deps.clock.now();
    // Keep going while full batches come back, so a burst is not spread over many intervals.
    while (!this.stopped && (await this.runOnce(now)) >= BATCH) {}
    if (now - this.lastCleanup >= CLEANUP_EVERY_MS) {
      this.lastCleanup = now;
      const { retention, graphWindow } = this.deps.config;
      await this.deps.repository.cleanup(now - retention, now - Math.max(retention, graphWindow) - CLEANUP_EVERY_MS);
    }
  }

  /** Analyses the traces quiet at `now`; returns how many it claimed. */
  async runOnce(now: number = this.deps.clock.now()): Promise<number> {
    const { repository, config } = this.deps;
    const claims = await repository.claimQuiet(now, now - config.assemblyDelay, BATCH, LEASE_MS);
    if (claims.length === 0) return 0;
    const records: TraceRecord[] = [];
    const signals: Signal[] = [];
    for (const claim of claims) {
      if (claim.status === "signal" && claim.previous) {
        // Counted before a crash (or a refused submit); only its signal is left to send.
        const signal = traceSignal(claim.previous.analysis, config.severity, now);
        if (signal) signals.push(signal);
        continue;
      }
      const analysis = analyseTrace(await repository.spans(claim.traceId, config.maxSpansPerTrace), config.timelineLimit);
      // Spans already deleted by retention: the cleanup takes the trace too.
      if (!analysis) continue;
      const contribution = contributionOf(analysis, bucketOf(claim.firstReceivedAt));
      const signal = traceSignal(analysis, config.severity, now);
      records.push({
        claim,
        stored: { analysis, contribution },
        ...contributionDelta(contribution, claim.previous?.contribution ?? null),
        status: signal ? "signal" : "done",
      });
      if (signal) signals.push(signal);
    }
    // Counted first, then signalled: the incident's enrichment then sees this batch in the graph.
    await repository.record(records);
    this.deps.onCounted?.();
    const failing = records.filter((record) => record.status === "signal").length;
    this.deps.metrics?.traces("failing", failing);
    this.deps.metrics?.traces("healthy", records.length - failing);
    if (signals.length > 0) {
      await this.deps.submit(signals);
      await repository.signalled(signals.map((signal) => signal.sourceId));
    }
    return claims.length;
  }

  /** Waits for the analysis under way, if any. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }
}
