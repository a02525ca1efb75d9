import type { CatalogSource } from "../catalog/catalog-source.ts";
import type { DetectRuleConfig } from "../config/detect-config.ts";
import type { Severity, Signal } from "../core/signal.ts";
import type { OutboxWorker } from "../delivery/outbox-worker.ts";
import { DETECT_SOURCE } from "../detect/anomaly-document.ts";
import { policyFor } from "../lifecycle/escalation.ts";
import type { LifecycleService } from "../lifecycle/lifecycle-service.ts";
import { PatternCatalog } from "../patterns/pattern-catalog.ts";
import { GroupedVariantJoins } from "../pipeline/correlate/held-page-grouping.ts";
import type { Enricher } from "../pipeline/enrich/enricher.ts";
import type { GateRules } from "../pipeline/gate/gate.ts";
import type { RecentDeploys } from "../pipeline/gate/recent-deploys.ts";
import { IngestRunner } from "../pipeline/ingest/ingest-runner.ts";
import { LogBacklogMonitor } from "../pipeline/ingest/log-backlog.ts";
import { LogConsumer } from "../pipeline/ingest/log-consumer.ts";
import { LogIntake } from "../pipeline/ingest/log-intake.ts";
import { route } from "../pipeline/route/route.ts";
import { redactSignal } from "../redact/redact-signal.ts";
import type { TraceKnowledge } from "../sources/otlp/traces.ts";
import type { Base } from "./base.ts";
import { wireFirstPageHold, wireHeldPageGrouping, wireMergedPatterns } from "./merged-patterns.ts";
import type { Module } from "./module.ts";

// Requests count as arriving for this long after the last one (acknowledge: logged slices the pipeline meanwhile).
const REQUESTS_RECENT_MS = 1000;

export interface IngestDeps {
  catalog: CatalogSource | null;
  recentDeploys: RecentDeploys | null;
  enricher: Enricher;
  traces: TraceKnowledge | null;
  /** Platforms that have a connector: routing names only those. */
  platforms: ReadonlySet<string>;
  /** Resolves the surplus incidents of merged error patterns into the one that stays (issue 17). */
  lifecycle: LifecycleService;
  /** The outbox worker: asks, before a held first ticket goes out, whether it was grouped (issue 17). */
  worker?: Pick<OutboxWorker, "useFirstPageCheck">;
}

/**
 * Ingest: the durable log every intake appends to (redacted, one group commit per moment), the
 * consumer that applies it behind the acknowledgement, and the runner it applies through (fingerprint,
 * gate, correlate, enrich, route; each batch's events on the bus).
 */
export function wireIngest(
  base: Base,
  deps: IngestDeps,
): { runner: IngestRunner; intake: LogIntake; consumer: LogConsumer; backlog: LogBacklogMonitor; module: Module } {
  const { config, store, clock, metrics, redactor, pseudonym, events } = base;
  const { catalog, recentDeploys, enricher, traces, platforms } = deps;
  const bySeverity = config.routing as Partial<Record<Severity, string[]>>;
  // Error patterns (issue 6): the fingerprint uses their ids, shared through the database.
  const patterns = new PatternCatalog({
    repository: store.patterns,
    maxPatterns: config.patterns.maxInMemory,
    refreshMs: config.patterns.refreshInterval,
    now: () => clock.now(),
  });
  const firstPageHold = wireFirstPageHold(base, patterns);
  // ISSUE 17 HOOK (no second page at the window's end): a held variant still beside an open incident joins it.
  const grouping = wireHeldPageGrouping(base, patterns, deps.lifecycle);
  if (grouping) deps.worker?.useFirstPageCheck((incident, now) => grouping.settle(incident, now));
  // The intake is made below (it hands its signals to the runner); the runner asks it only once running.
  let intake: LogIntake;
  const requestsArriving = () => Date.now() - intake.lastSubmitAt < REQUESTS_RECENT_MS;
  const runner = new IngestRunner({
    store,
    clock,
    // Logged: requests wait behind the pipeline's batches, not on them; each batch is held to a slice, and
    // while requests saturate the process the pipeline takes only the share of it they leave.
    ...(config.ingest.acknowledge === "logged" && config.ingest.pipelineSlice > 0
      ? {
          sliceMs: config.ingest.pipelineSlice,
          sliceBehindMs: config.ingest.pipelineSliceBehind,
          requestsArriving,
          share: base.backgroundShare,
        }
      : {}),
    patterns,
    // ISSUE 17 HOOK (merged patterns): incidents of patterns that merged become one.
    mergedPatterns: wireMergedPatterns(base, patterns, deps.lifecycle),
    // ISSUE 17 HOOK (no second page): a variant that may yet merge into an open incident waits to page.
    ...(firstPageHold ? { firstPageHold } : {}),
    // ISSUE 17 HOOK (grouped at the window's end): the grouped variant's later signals join the open incident.
    ...(grouping ? { groupedVariants: new GroupedVariantJoins({ store, lookbackMs: config.anomaly.lookbackWindow }) } : {}),
    metrics: metrics.pipeline,
    lifecycleMetrics: metrics.lifecycle,
    gateRules: {
      minimumScore: config.anomaly.minimumScore,
      ...detectRuleMinimumScores(config.detect.rules),
      maintenance: config.maintenance,
      ...(recentDeploys ? { afterDeploy: (signal: Signal) => recentDeploys.suppressionFor(signal) } : {}),
    },
    lookbackMs: config.anomaly.lookbackWindow,
    reopenWindowMs: config.anomaly.reopenWindow,
    route: (signal) =>
      route(
        signal,
        { bySeverity, rules: config.routing.rules },
        (platform) => platforms.has(platform),
        () => catalog?.ownerOfSignal(signal),
      ),
    redact: (signal) => redactSignal(signal, redactor, { pseudonym, affectedUsers: config.redaction.affectedUsers }),
    escalateAfter: (signal) => {
      const owner = catalog?.ownerOfSignal(signal);
      return policyFor({ ...signal, team: owner?.team, tier: owner?.tier ?? undefined }, config.escalation.policies)?.after;
    },
    enrich: (target, options) => enricher.enrich(target, options),
    maxEnrichedPerBatch: config.enrichment.maxPerBatch,
    ...(traces ? { joinTargets: (signals: readonly Signal[], now: number) => traces.correlator.joinTargets(signals, now) } : {}),
    events,
  });
  const settings = config.ingest;
  const consumer = new LogConsumer({
    log: store.ingestLog,
    runner,
    metrics: metrics.ingestLog,
    batchEntries: settings.batchEntries,
    leaseMs: settings.leaseTime,
    maxAttempts: settings.maxAttempts,
    pollMs: settings.pollInterval,
    logger: base.logger.child({ stage: "ingest-log" }),
  });
  if (settings.paused) consumer.pause();
  const backlog = new LogBacklogMonitor(store.ingestLog, {
    maxSignals: settings.maxLogSignals,
    maxAgeMs: settings.maxLogAge,
    retryAfterMs: settings.retryAfter,
    refreshMs: settings.pollInterval,
  });
  metrics.watchIngestLog(backlog);
  intake = new LogIntake({
    log: store.ingestLog,
    consumer,
    runner,
    backlog,
    redact: (signal) => redactSignal(signal, redactor, { pseudonym, affectedUsers: config.redaction.affectedUsers }),
    acknowledge: settings.acknowledge,
  });
  // Ingest is busy while requests wait for their acknowledgement, signals wait for a commit, the consumer
  // works through signals in the log (acknowledge: logged), and for a second after the last request:
  // investigations give it the CPU first then.
  base.ingestLoad.measure(
    () => intake.waiting + runner.waiting + consumer.waiting,
    () => intake.lastSubmitAt,
  );
  // Acknowledgements first: background work (this pipeline, deliveries, investigations) takes the share of a
  // saturated process the requests leave, more as the log nears its bounds (src/core/background-share.ts).
  if (settings.acknowledge === "logged" && settings.pipelineSlice > 0) {
    base.backgroundShare.measure(requestsArriving, () => backlog.pressure());
    metrics.watchBackgroundShare(base.backgroundShare);
  }
  let refresher: NodeJS.Timeout | null = null;
  const refresh = () =>
    void backlog.refresh().catch((error: unknown) => base.logger.warn({ err: error }, "ingest log: could not read its backlog"));
  return {
    runner,
    intake,
    consumer,
    backlog,
    module: {
      name: "ingest",
      start: () => {
        refresh();
        refresher = setInterval(refresh, settings.pollInterval);
        refresher.unref?.();
        consumer.start();
      },
      // Everything appended so far applied (unless paused), then committed.
      flush: async () => {
        await consumer.drain();
        await runner.flush();
      },
      // The sources stopped first. Entries in hand are finished; the rest of the log stays on disk for
      // the next process (or another replica): a backlog must not hold a shutdown past its grace period.
      shutdown: async () => {
        if (refresher) clearInterval(refresher);
        await intake.shutdown();
        await consumer.shutdown();
        await runner.shutdown();
      },
    },
  };
}

/**
 * A detection rule's own `minimumScore` replaces `anomaly.minimumScore` for that rule's anomaly events: the rule
 * already decided its episode (src/detect/episode.ts), and the gate must not undo the rule's choice.
 */
function detectRuleMinimumScores(rules: readonly DetectRuleConfig[]): Pick<GateRules, "minimumScoreFor"> {
  const byRule = new Map(rules.flatMap((r) => (r.minimumScore === undefined ? [] : [[r.name, r.minimumScore] as const])));
  if (byRule.size === 0) return {};
  return {
    minimumScoreFor: (signal) => {
      const rule = signal.source === DETECT_SOURCE ? signal.labels.detect_rule : undefined;
      return rule === undefined ? undefined : byRule.get(rule);
    },
  };
}
