import type { Clock } from "../../core/clock.ts";
import { isSluiceError, SluiceError } from "../../core/errors.ts";
import { incidentKey } from "../../core/incident.ts";
import type { Signal } from "../../core/signal.ts";
import type { OpenIncident, Store } from "../../store/store.ts";
import { errorPatternOf, fingerprintOf } from "../correlate/fingerprint.ts";
import { type GateRules, gate } from "../gate/gate.ts";
import type { RouteDecision } from "../route/route.ts";
import type { PipelineMetrics } from "./pipeline-metrics.ts";
import { type PlanContext, type PreparedSignal, planBatch, type SignalDecision } from "./plan-batch.ts";

/** What the caller of submit learns about each signal once it is durably stored. */
export interface IngestResult {
  id: string;
  outcome: SignalDecision["outcome"];
  incident: string | null;
  reason: string | null;
}

export interface IngestRunnerOptions {
  store: Store;
  clock: Clock;
  metrics: PipelineMetrics;
  gateRules: GateRules;
  lookbackMs: number;
  reopenWindowMs?: number;
  route(signal: Signal): RouteDecision;
  escalateAfter?(signal: Signal): number | undefined;
  /** Masks secrets in a signal, in place, before anything else sees it. */
  redact?(signal: Signal): void;
  /** Called after each commit with the incidents it opened (background enrichment). */
  onIncidentsOpened?(incidentIds: string[]): void;
  /** Called after each commit that queued deliveries, so workers start without polling delay. */
  onDeliveriesQueued(): void;
  /** Most signals written in one transaction. */
  maxBatch?: number;
  /** Most signals waiting for a transaction; beyond it submit fails with OVERLOADED. */
  maxPending?: number;
}

interface Pending {
  signals: Signal[];
  resolve(results: IngestResult[]): void;
  reject(error: unknown): void;
}

const CONFLICT_RETRIES = 3;

/**
 * Group commit: signals submitted while a transaction runs wait for the next one, so one fsync
 * covers many requests. A submit resolves only after its signals are committed.
 */
export class IngestRunner {
  private readonly queue: Pending[] = [];
  private pendingSignals = 0;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly maxBatch: number;
  private readonly maxPending: number;

  constructor(private readonly options: IngestRunnerOptions) {
    this.maxBatch = options.maxBatch ?? 2000;
    this.maxPending = options.maxPending ?? 50_000;
  }

  /** Stores the signals and runs them through gate and correlate; resolves once they are durable. */
  submit(signals: Signal[]): Promise<IngestResult[]> {
    if (this.stopped) return Promise.reject(new SluiceError("OVERLOADED", "Sluice is shutting down; retry on another replica"));
    if (this.pendingSignals + signals.length > this.maxPending) {
      this.options.metrics.signals("shed", signals.length);
      return Promise.reject(
        new SluiceError("OVERLOADED", `ingest queue is full (${this.pendingSignals} signals waiting); retry later`),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ signals, resolve, reject });
      this.pendingSignals += signals.length;
      this.running ??= this.drain();
    });
  }

  /** Waits until everything submitted so far is committed. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.flush();
  }

  private async drain(): Promise<void> {
    // Yield once so requests arriving in the same tick share the transaction.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.queue.length > 0) {
        const batch: Pending[] = [];
        let size = 0;
        while (this.queue.length > 0 && (size === 0 || size + (this.queue[0]?.signals.length ?? 0) <= this.maxBatch)) {
          const next = this.queue.shift() as Pending;
          batch.push(next);
          size += next.signals.length;
        }
        this.pendingSignals -= size;
        await this.commit(batch);
      }
    } finally {
      this.running = null;
    }
  }

  private async commit(batch: Pending[]): Promise<void> {
    const signals = batch.flatMap((pending) => pending.signals);
    try {
      const results = await this.process(signals);
      let offset = 0;
      for (const pending of batch) {
        pending.resolve(results.slice(offset, offset + pending.signals.length));
        offset += pending.signals.length;
      }
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }

  private async process(signals: Signal[]): Promise<IngestResult[]> {
    const { store } = this.options;
    const prepared: PreparedSignal[] = signals.map((signal) => {
      this.options.redact?.(signal);
      signal.errorPattern = errorPatternOf(signal);
      return { signal, verdict: gate(signal, this.options.gateRules), fingerprint: fingerprintOf(signal, signal.errorPattern) };
    });
    for (let attempt = 1; ; attempt++) {
      const open = await store.incidents.findOpen(prepared.map((p) => p.fingerprint));
      const stored = await store.signals.existing(signals.map((s) => ({ source: s.source, sourceId: s.sourceId })));
      const context: PlanContext = {
        lookbackMs: this.options.lookbackMs,
        reopenWindowMs: this.options.reopenWindowMs ?? 0,
        now: this.options.clock.now(),
        route: this.options.route,
        ...(this.options.escalateAfter ? { escalateAfter: this.options.escalateAfter } : {}),
      };
      const recent = await this.recentlyResolved(prepared, open);
      const plan = planBatch(prepared, open, stored, context, recent);
      let numbers: Map<string, number>;
      try {
        numbers = await store.apply(plan.changes);
      } catch (error) {
        // Someone (an API call, another replica) changed an incident between read and write: plan again.
        if (isSluiceError(error) && error.code === "CONFLICT" && attempt < CONFLICT_RETRIES) continue;
        throw error;
      }
      this.report(plan.decisions);
      if (plan.changes.deliveries.length > 0) this.options.onDeliveriesQueued();
      if (plan.opened.length > 0) this.options.onIncidentsOpened?.(plan.opened.map((incident) => incident.id));
      const keyOf = new Map<string, string>();
      for (const [id, number] of numbers) keyOf.set(id, incidentKey(number));
      for (const incident of [...open.values(), ...recent.values()]) keyOf.set(incident.id, incidentKey(incident.number));
      return plan.decisions.map((decision, i) => ({
        id: signals[i]?.id ?? "",
        outcome: decision.outcome,
        incident: decision.incidentId ? (keyOf.get(decision.incidentId) ?? decision.incidentId) : null,
        reason: decision.reason,
      }));
    }
  }

  /** Resolved incidents a firing signal of this batch may reopen: only looked up for fingerprints with nothing open. */
  private async recentlyResolved(
    prepared: readonly PreparedSignal[],
    open: ReadonlyMap<string, unknown>,
  ): Promise<Map<string, OpenIncident>> {
    const window = this.options.reopenWindowMs ?? 0;
    const candidates = prepared.filter((p) => p.verdict.pass && p.signal.status === "firing" && !open.has(p.fingerprint));
    if (window <= 0 || candidates.length === 0) return new Map();
    const earliest = Math.min(...candidates.map((p) => p.signal.occurredAt));
    return this.options.store.incidents.findResolvedSince(
      candidates.map((p) => p.fingerprint),
      earliest - window,
    );
  }

  private report(decisions: SignalDecision[]): void {
    const counts = new Map<string, number>();
    for (const decision of decisions) counts.set(decision.outcome, (counts.get(decision.outcome) ?? 0) + 1);
    const { metrics } = this.options;
    metrics.signals("accepted", decisions.length);
    for (const [outcome, count] of counts) metrics.signals(outcome as SignalDecision["outcome"], count);
    const opened = counts.get("opened") ?? 0;
    if (opened > 0) metrics.incidentsOpened(opened);
  }
}
