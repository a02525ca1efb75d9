import type { BackgroundShare } from "../../core/background-share.ts";
import type { Clock } from "../../core/clock.ts";
import { backoffAfterConflict } from "../../core/conflict-backoff.ts";
import type { IncidentContext } from "../../core/enrichment.ts";
import { isSluiceError, SluiceError } from "../../core/errors.ts";
import type { EventPublisher } from "../../core/events.ts";
import { describeIncident, incidentKey } from "../../core/incident.ts";
import type { LifecycleMetrics } from "../../core/lifecycle-metrics.ts";
import type { ChangeSet, OpenIncident, Store } from "../../core/ports/store.ts";
import type { Signal } from "../../core/signal.ts";
import { QUIET_RESOLVERS } from "../../core/timeline.ts";
import { PatternCatalog } from "../../patterns/pattern-catalog.ts";
import type { JoinTarget } from "../correlate/decisions.ts";
import { type Fingerprinted, fingerprintSignals } from "../correlate/fingerprint.ts";
import type { FirstPageHold } from "../correlate/first-page-hold.ts";
import { type GroupedVariantJoins, groupedIntoOf } from "../correlate/held-page-grouping.ts";
import type { MergedPatternIncidents } from "../correlate/merged-pattern-incidents.ts";
import {
  type BatchPlan,
  type PlanContext,
  type PreparedSignal,
  planBatch,
  type SignalDecision,
} from "../correlate/plan-batch.ts";
import type { EnrichTarget } from "../enrich/enricher.ts";
import { type GateRules, gate } from "../gate/gate.ts";
import type { RouteDecision } from "../route/route.ts";
import { eventsOfBatch } from "./batch-events.ts";
import type { PipelineMetrics } from "./pipeline-metrics.ts";

/** What the caller of submit learns about each signal once it is durably stored. */
export interface IngestResult {
  id: string;
  /** `queued`: stored in the ingest log, the pipeline not run yet (ingest.acknowledge: logged). */
  outcome: SignalDecision["outcome"] | "queued";
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
  /** Context for each incident a batch opens, written with it so its first tickets carry it. */
  enrich?(target: EnrichTarget, options: { essentialOnly: boolean }): Promise<IncidentContext>;
  /**
   * Incidents per batch that get every enrichment step; beyond it (an incident storm) only the
   * essential ones run, so the batch's signals are not held up (default 20).
   */
  maxEnrichedPerBatch?: number;
  /**
   * For firing signals that would open an incident of their own: the open incident (by fingerprint)
   * they are a symptom of, e.g. an upstream service failing because of the root cause its traces show.
   */
  joinTargets?(signals: readonly Signal[], now: number): Promise<Map<string, JoinTarget>>;
  /**
   * Where each batch's domain events go (incidents opened, changed, resolved; the batch; its deliveries),
   * once it is on disk. Features subscribe there instead of being called from here.
   */
  events?: EventPublisher;
  /** Most signals written in one transaction. */
  maxBatch?: number;
  /**
   * How long one batch may hold the event loop, in ms (acknowledge: logged, where nobody waits on the
   * runner but every request waits behind it). Planning and writing a batch is one synchronous stretch
   * (SQLite calls block), so batches are sized from the measured time per signal: an incident storm,
   * where a signal costs a millisecond, is applied a few signals per transaction, and acknowledgements
   * are answered in between. Unset: batches of up to maxBatch, whatever they cost.
   */
  sliceMs?: number;
  /**
   * Longest slice, as the ingest log nears the bounds where it refuses appends: the slice grows from
   * sliceMs to this with `pressure` (default: sliceMs).
   */
  sliceBehindMs?: number;
  /**
   * Whether requests are arriving, so batches are held to sliceMs now (default: always). Working
   * through a backlog with no request to answer, batches are as large as maxBatch: a batch has a fixed
   * cost (its reads, its transaction, its events), about 1.5 ms measured, that small batches pay often.
   */
  requestsArriving?(): boolean;
  /**
   * Acknowledgements first: after each batch, the pipeline leaves the event loop to the requests for as long
   * as this says, and its slice grows with the log's pressure (src/core/background-share.ts). Unset: the next
   * batch follows at once, at sliceMs.
   */
  share?: Pick<BackgroundShare, "turn" | "ran" | "pressure">;
  /** Most signals waiting for a transaction; beyond it submit fails with OVERLOADED. */
  maxPending?: number;
  /** Time to resolve of the incidents batches resolve (their alerts resolved). */
  lifecycleMetrics?: LifecycleMetrics;
  /** The process's error-pattern miner; default: one over `store.patterns`. */
  patterns?: PatternCatalog;
  /**
   * ISSUE 17 HOOK (merged patterns): before each batch is planned, makes one open incident of each
   * problem whose error patterns merged, and has the batch's signals join it (see
   * src/pipeline/correlate/merged-pattern-incidents.ts). Called in the planning loop, after the open
   * incidents are read.
   */
  mergedPatterns?: Pick<MergedPatternIncidents, "consolidate">;
  /**
   * ISSUE 17 HOOK (no second page): once a batch is planned, holds the first ticket of each incident it opens
   * whose error pattern may yet merge into an open incident's (src/pipeline/correlate/first-page-hold.ts).
   */
  firstPageHold?: Pick<FirstPageHold, "apply">;
  /**
   * ISSUE 17 HOOK (grouped at the settle window's end): a later signal of a variant grouped into an open
   * incident joins that incident instead of reopening the grouped one (src/pipeline/correlate/held-page-grouping.ts).
   */
  groupedVariants?: Pick<GroupedVariantJoins, "joins">;
}

function isConflict(error: unknown): boolean {
  return isSluiceError(error) && error.code === "CONFLICT";
}

/** Each signal's own key (a duplicate?) and, for firing alerts, their resolve's (a stale firing?). */
function storedKeysToCheck(signals: readonly Signal[]): { source: string; sourceId: string }[] {
  const keys = signals.map((s) => ({ source: s.source, sourceId: s.sourceId }));
  for (const s of signals) if (s.resolveSourceId) keys.push({ source: s.source, sourceId: s.resolveSourceId });
  return keys;
}

/** How a submitter's signals enter the runner. */
export interface SubmitOptions {
  /** Already redacted (read back from the ingest log): redacting twice would re-hash pseudonyms. */
  redacted?: boolean;
  /** The ingest-log entries these signals come from: deleted in the transaction that applies them. */
  consume?: readonly number[];
}

interface Pending {
  signals: Signal[];
  consume: readonly number[] | undefined;
  resolve(results: IngestResult[]): void;
  reject(error: unknown): void;
}

// Plans per batch while other writers (replicas, API calls) keep changing its incidents.
const CONFLICT_ATTEMPTS = 8;
// Before anything is measured: a signal that opens an incident costs about this much (BENCHMARKS.md).
const INITIAL_MS_PER_SIGNAL = 0.5;
// How fast the time per signal follows the batches: a storm of new incidents is felt within a few batches.
const COST_WEIGHT = 0.3;

/**
 * Group commit: signals submitted while a transaction runs wait for the next one, so one fsync
 * covers many requests. A submit resolves only after its signals are committed.
 */
export class IngestRunner {
  private readonly queue: Pending[] = [];
  private pendingSignals = 0;
  private running: Promise<void> | null = null;
  /** Committed batches waiting for their flush to disk before their submitters hear back. */
  private readonly flushing = new Set<Promise<void>>();
  private stopped = false;
  private readonly maxBatch: number;
  private readonly maxPending: number;
  private readonly patterns: PatternCatalog;
  /** Time per signal of the last batches, in ms (moving average): sizes batches to sliceMs. */
  private msPerSignal = INITIAL_MS_PER_SIGNAL;

  constructor(private readonly options: IngestRunnerOptions) {
    this.patterns =
      options.patterns ?? new PatternCatalog({ repository: options.store.patterns, now: () => options.clock.now() });
    this.maxBatch = options.maxBatch ?? 2000;
    this.maxPending = options.maxPending ?? 50_000;
  }

  /** Signals the next batch may take: the log consumer keeps about twice this many queued. */
  get batchCapacity(): number {
    return this.batchLimit();
  }

  /** Signals submitted and not yet committed: background work (investigations) yields while there are any. */
  get waiting(): number {
    return this.pendingSignals;
  }

  /** Stores the signals and runs them through gate and correlate; resolves once they are durable. */
  submit(signals: Signal[], options: SubmitOptions = {}): Promise<IngestResult[]> {
    if (this.stopped) return Promise.reject(new SluiceError("OVERLOADED", "Sluice is shutting down; retry on another replica"));
    if (this.pendingSignals + signals.length > this.maxPending) {
      this.options.metrics.signals("shed", signals.length);
      return Promise.reject(
        new SluiceError("OVERLOADED", `ingest queue is full (${this.pendingSignals} signals waiting); retry later`),
      );
    }
    // Redacted before anything else sees them (fingerprints, templates, the stored rows).
    if (!options.redacted && this.options.redact) for (const signal of signals) this.options.redact(signal);
    return new Promise((resolve, reject) => {
      this.queue.push({ signals, consume: options.consume, resolve, reject });
      this.pendingSignals += signals.length;
      this.running ??= this.drain();
    });
  }

  /** Waits until everything submitted so far is committed. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    await Promise.all(this.flushing);
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
        await this.options.share?.turn();
        const batch: Pending[] = [];
        let size = 0;
        const limit = this.batchLimit();
        while (this.queue.length > 0 && (size === 0 || size + (this.queue[0]?.signals.length ?? 0) <= limit)) {
          const next = this.queue.shift() as Pending;
          batch.push(next);
          size += next.signals.length;
        }
        this.pendingSignals -= size;
        // How long the batch's oldest signal waited: whether the pipeline is keeping up.
        const lagMs = this.options.clock.now() - (batch[0]?.signals[0]?.receivedAt ?? this.options.clock.now());
        const started = performance.now();
        await this.commit(batch);
        const ms = performance.now() - started;
        this.measured(size, ms);
        this.options.share?.ran(ms, lagMs);
        // Let other requests (and /healthz) in between commits, not only once the queue is empty.
        if (this.queue.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.running = null;
    }
  }

  /**
   * Most signals in the next batch: maxBatch, or what fits in the slice at the measured time per signal.
   * Small batches pay their fixed cost often (about 2 ms each: reads, commit, the pages they dirty), so they
   * apply fewer signals per second than long ones. While the log has room that is the right trade (the
   * acknowledgements wait behind one short batch at most); once it is half way to the bounds where ingest
   * refuses appends, catching up matters more, so from there the slice grows with that pressure, reaching
   * sliceBehindMs at the bound: bounded in time, not in signals, so a batch of new incidents (half a
   * millisecond each) never holds the acknowledgements for a second.
   */
  private batchLimit(): number {
    const { sliceMs, requestsArriving } = this.options;
    if (sliceMs === undefined || (requestsArriving && !requestsArriving())) return this.maxBatch;
    const longest = Math.max(sliceMs, this.options.sliceBehindMs ?? sliceMs);
    const pastHalf = Math.max(0, 2 * (this.options.share?.pressure() ?? 0) - 1);
    const slice = sliceMs + (longest - sliceMs) * pastHalf;
    return Math.max(1, Math.min(this.maxBatch, Math.floor(slice / this.msPerSignal)));
  }

  /**
   * Learns the time per signal from a batch: its wall time from planning to commit (the fsync is not in
   * it). Time the batch spent awaiting I/O (enrichment calls) counts too, which only makes batches smaller.
   */
  private measured(signals: number, ms: number): void {
    if (signals <= 0) return;
    this.msPerSignal += COST_WEIGHT * (ms / signals - this.msPerSignal);
  }

  /**
   * Commits one batch and returns as soon as it is committed, so the next batch can be planned and
   * committed while this one is flushed to disk; its submitters hear back only once it is durable.
   */
  private async commit(batch: Pending[]): Promise<void> {
    const signals = batch.flatMap((pending) => pending.signals);
    const consume = batch.flatMap((pending) => pending.consume ?? []);
    const fail = (error: unknown) => {
      for (const pending of batch) pending.reject(error);
    };
    try {
      const { results, durable } = await this.process(signals, consume);
      const settled = durable.then(() => {
        let offset = 0;
        for (const pending of batch) {
          pending.resolve(results.slice(offset, offset + pending.signals.length));
          offset += pending.signals.length;
        }
      }, fail);
      this.flushing.add(settled);
      void settled.finally(() => this.flushing.delete(settled));
    } catch (error) {
      fail(error);
    }
  }

  /** Commits, using the store's split commit/flush when it has one. */
  private async write(changes: ChangeSet): Promise<{ numbers: Map<string, number>; durable: Promise<void> }> {
    const { store } = this.options;
    if (store.applyThenSync) return store.applyThenSync(changes);
    return { numbers: await store.apply(changes), durable: Promise.resolve() };
  }

  private async process(
    signals: Signal[],
    consume: readonly number[] = [],
  ): Promise<{ results: IngestResult[]; durable: Promise<void> }> {
    const { prepared, patternChanges } = await this.prepare(signals);
    for (let attempt = 1; ; attempt++) {
      const { plan, known, now } = await this.plan(prepared);
      // ISSUE 17 HOOK (no second page): a variant that may merge into an open incident waits to page.
      await this.options.firstPageHold?.apply(plan, now);
      await this.enrichOpened(plan, prepared, now);
      if (patternChanges.length > 0) plan.changes.patterns = patternChanges;
      if (consume.length > 0) plan.changes.consumeLog = [...consume];
      let written: { numbers: Map<string, number>; durable: Promise<void> };
      try {
        written = await this.write(plan.changes);
      } catch (error) {
        // Someone (an API call, another replica) changed an incident between read and write: plan again.
        if (isConflict(error) && attempt < CONFLICT_ATTEMPTS) {
          await backoffAfterConflict(attempt);
          continue;
        }
        this.patterns.restoreChanges(patternChanges);
        throw this.refused(error, signals.length);
      }
      this.afterCommit(plan, written.durable, now);
      return { results: this.results(plan, signals, written.numbers, known), durable: written.durable };
    }
  }

  /** Redacts, fingerprints and gates the signals: everything decided once per batch, whatever the retries. */
  private async prepare(
    signals: Signal[],
  ): Promise<{ prepared: PreparedSignal[]; patternChanges: NonNullable<ChangeSet["patterns"]> }> {
    // Redacted already (submit): templates are stored and shown. Generalised templates commit with these signals.
    const identities = await fingerprintSignals(signals, this.patterns);
    const patternChanges = this.patterns.takeChanges();
    const prepared: PreparedSignal[] = signals.map((signal, i) => ({
      signal,
      verdict: gate(signal, this.options.gateRules),
      ...(identities[i] as Fingerprinted),
    }));
    return { prepared, patternChanges };
  }

  /** Reads what the batch's decisions depend on and plans it; `known` holds the incidents read, for their keys. */
  private async plan(prepared: readonly PreparedSignal[]): Promise<{ plan: BatchPlan; known: OpenIncident[]; now: number }> {
    const { store } = this.options;
    const open = await store.incidents.findOpen(prepared.map((p) => p.fingerprint));
    const joinTargets = await this.symptomsOf(prepared, open);
    // ISSUE 17 HOOK (merged patterns): a problem's incident under a merged pattern takes its signals.
    if (this.options.mergedPatterns) {
      const now = this.options.clock.now();
      for (const [id, target] of await this.options.mergedPatterns.consolidate(prepared, open, now)) joinTargets.set(id, target);
    }
    const stored = await store.signals.existing(storedKeysToCheck(prepared.map((p) => p.signal)));
    const context: PlanContext = {
      lookbackMs: this.options.lookbackMs,
      reopenWindowMs: this.options.reopenWindowMs ?? 0,
      now: this.options.clock.now(),
      route: this.options.route,
      ...(this.options.escalateAfter ? { escalateAfter: this.options.escalateAfter } : {}),
    };
    const grouped = new Map<string, string>();
    const recent = await this.recentlyResolved(prepared, open, grouped);
    if (grouped.size > 0 && this.options.groupedVariants) {
      const joins = await this.options.groupedVariants.joins(prepared, grouped, open, recent, context.now);
      for (const [id, target] of joins) joinTargets.set(id, target);
    }
    const plan = planBatch(prepared, open, stored, context, recent, joinTargets);
    return { plan, known: [...open.values(), ...recent.values()], now: context.now };
  }

  /**
   * Why nothing was stored. The sender must send again: a 4xx would make Alertmanager and Grafana drop
   * the alert, so a batch that kept losing races is a retryable 503 (OVERLOADED), not a 409.
   */
  private refused(error: unknown, signals: number): unknown {
    if (!isConflict(error)) return error;
    this.options.metrics.signals("shed", signals);
    return new SluiceError(
      "OVERLOADED",
      `the batch's incidents kept changing under ${CONFLICT_ATTEMPTS} attempts (other replicas or API calls); nothing was stored, retry`,
      { cause: error },
    );
  }

  /** Tells the metrics what the committed batch did, and publishes its domain events once it is on disk. */
  private afterCommit(plan: BatchPlan, durable: Promise<void>, at: number): void {
    this.report(plan.decisions);
    for (const { severity, seconds } of plan.resolved) this.options.lifecycleMetrics?.settled("resolved", severity, seconds);
    // Published once the commit is on disk: a ticket (or any feature's work) must never exist for an
    // incident a power cut could undo. Before the submitters hear back, so what they wait for has begun.
    const { events } = this.options;
    if (!events) return;
    durable.then(
      () => {
        for (const event of eventsOfBatch(plan.changes, at)) events.publish(event);
      },
      () => undefined,
    );
  }

  /** What each submitter hears: its signals' outcomes, naming incidents by key. */
  private results(
    plan: BatchPlan,
    signals: readonly Signal[],
    numbers: ReadonlyMap<string, number>,
    known: readonly OpenIncident[],
  ): IngestResult[] {
    const keyOf = new Map<string, string>();
    for (const [id, number] of numbers) keyOf.set(id, incidentKey(number));
    for (const incident of known) keyOf.set(incident.id, incidentKey(incident.number));
    return plan.decisions.map((decision, i) => ({
      id: signals[i]?.id ?? "",
      outcome: decision.outcome,
      incident: decision.incidentId ? (keyOf.get(decision.incidentId) ?? decision.incidentId) : null,
      reason: decision.reason,
    }));
  }

  /**
   * Asks which would-be-new incidents are symptoms of an open one, and adds those open incidents to
   * `open` so the planner can join them. Only firing, passing signals with nothing open of their own are asked about.
   */
  private async symptomsOf(
    prepared: readonly PreparedSignal[],
    open: Map<string, OpenIncident>,
  ): Promise<Map<string, JoinTarget>> {
    if (!this.options.joinTargets) return new Map();
    const candidates = prepared
      .filter((p) => p.verdict.pass && p.signal.status === "firing" && !open.has(p.fingerprint))
      .map((p) => p.signal);
    if (candidates.length === 0) return new Map();
    const targets = await this.options.joinTargets(candidates, this.options.clock.now());
    const missing = [...new Set([...targets.values()].map((t) => t.fingerprint))].filter((f) => !open.has(f));
    if (missing.length > 0) {
      for (const [fingerprint, incident] of await this.options.store.incidents.findOpen(missing)) open.set(fingerprint, incident);
    }
    return targets;
  }

  /** Fills the context of every incident the plan opens; a failure here degrades the ticket, never the batch. */
  private async enrichOpened(plan: BatchPlan, prepared: readonly PreparedSignal[], now: number): Promise<void> {
    const enrich = this.options.enrich;
    if (!enrich || plan.opened.length === 0) return;
    const firstSignal = new Map<string, Signal>();
    plan.decisions.forEach((decision, i) => {
      const signal = prepared[i]?.signal;
      if (decision.outcome === "opened" && decision.incidentId && signal) firstSignal.set(decision.incidentId, signal);
    });
    const fully = this.options.maxEnrichedPerBatch ?? 20;
    await Promise.all(
      plan.opened.map(async (incident, index) => {
        const signal = firstSignal.get(incident.id);
        if (!signal) return;
        try {
          incident.context = await enrich(
            { ...describeIncident(incident), firstSeenAt: incident.firstSeenAt, signal, now },
            { essentialOnly: index >= fully },
          );
        } catch {
          incident.context = { degraded: ["enrichment"] };
        }
      }),
    );
  }

  /** Resolved incidents a firing signal of this batch may reopen: only looked up for fingerprints with nothing open. */
  private async recentlyResolved(
    prepared: readonly PreparedSignal[],
    open: ReadonlyMap<string, unknown>,
    grouped: Map<string, string>,
  ): Promise<Map<string, OpenIncident>> {
    const window = this.options.reopenWindowMs ?? 0;
    const candidates = prepared.filter((p) => p.verdict.pass && p.signal.status === "firing" && !open.has(p.fingerprint));
    if (window <= 0 || candidates.length === 0) return new Map();
    const earliest = Math.min(...candidates.map((p) => p.signal.occurredAt));
    const recent = await this.options.store.incidents.findResolvedSince(
      candidates.map((p) => p.fingerprint),
      earliest - window,
    );
    // Who resolved each decides whether the lookback window still applies to reopening it (plan-batch.ts).
    await Promise.all(
      [...recent.values()].map(async (incident) => {
        const resolve = (await this.options.store.incidents.timeline(incident.id)).findLast((e) => e.action === "resolved");
        incident.resolvedQuietly = resolve !== undefined && QUIET_RESOLVERS.has(resolve.actor);
        const into = groupedIntoOf(resolve);
        if (into) grouped.set(incident.fingerprint, into);
      }),
    );
    return recent;
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
