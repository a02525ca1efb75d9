import type { CatalogSource } from "../catalog/catalog-source.ts";
import type { DetectRuleConfig } from "../config/detect-config.ts";
import type { Severity, Signal } from "../core/signal.ts";
import type { OutboxWorker } from "../delivery/outbox-worker.ts";
import { DETECT_SOURCE } from "../detect/anomaly-document.ts";
import { policyFor } from "../lifecycle/escalation.ts";
import type { LifecycleService } from "../lifecycle/lifecycle-service.ts";
import { PatternCatalog } from "../patterns/pattern-catalog.ts";
import type { Enricher } from "../pipeline/enrich/enricher.ts";
import type { GateRules } from "../pipeline/gate/gate.ts";
import type { RecentDeploys } from "../pipeline/gate/recent-deploys.ts";
import { IngestRunner } from "../pipeline/ingest/ingest-runner.ts";
import { route } from "../pipeline/route/route.ts";
import { redactSignal } from "../redact/redact-signal.ts";
import type { TraceKnowledge } from "../sources/otlp/traces.ts";
import type { Base } from "./base.ts";
import { settleWindowHold, wireMergedPatterns } from "./merged-patterns.ts";
import type { Module } from "./module.ts";

export interface IngestDeps {
  catalog: CatalogSource | null;
  recentDeploys: RecentDeploys | null;
  enricher: Enricher;
  traces: TraceKnowledge | null;
  /** Platforms that have a connector: routing names only those. */
  platforms: ReadonlySet<string>;
  /** Resolves the surplus incidents of merged error patterns into the one that stays (issue 17). */
  lifecycle: LifecycleService;
  /** The outbox worker, told how long a new pattern's first ticket waits (patterns.settleWindow). */
  worker?: Pick<OutboxWorker, "holdCreates">;
}

/** The ingest runner: redact, fingerprint, gate, correlate, enrich, route; publishes each batch's events on the bus. */
export function wireIngest(base: Base, deps: IngestDeps): { runner: IngestRunner; module: Module } {
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
  const hold = settleWindowHold(config.patterns.settleWindow, patterns);
  if (hold) deps.worker?.holdCreates(hold);
  const runner = new IngestRunner({
    store,
    clock,
    patterns,
    // ISSUE 17 HOOK (merged patterns): incidents of patterns that merged become one.
    mergedPatterns: wireMergedPatterns(base, patterns, deps.lifecycle),
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
  return { runner, module: { name: "ingest", flush: () => runner.flush(), shutdown: () => runner.shutdown() } };
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
