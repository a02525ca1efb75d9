import type { Incident } from "../core/incident.ts";
import type { CreateHold } from "../delivery/outbox-worker.ts";
import type { LifecycleService } from "../lifecycle/lifecycle-service.ts";
import type { PatternCatalog } from "../patterns/pattern-catalog.ts";
import { MergedPatternIncidents } from "../pipeline/correlate/merged-pattern-incidents.ts";
import type { Base } from "./base.ts";

/**
 * Issue 17: incidents of error patterns that merged (a word in them is a parameter) become one. The
 * ingest runner asks it before planning each batch; the surplus incidents resolve through the lifecycle,
 * so their tickets are told and the usual events are published.
 */
export function wireMergedPatterns(
  { config, store, logger }: Base,
  patterns: PatternCatalog,
  lifecycle: LifecycleService,
): MergedPatternIncidents {
  const merged = new MergedPatternIncidents({
    store,
    aliasesOf: (id) => patterns.aliasesOf(id),
    lookbackMs: config.anomaly.lookbackWindow,
    logger,
  });
  merged.useMerge((from, into, reason, why) => lifecycle.merge(from, into, reason, why));
  return merged;
}

/**
 * Issue 17, no second page: an incident that opened while its error pattern was at most `patterns.settleWindow`
 * old waits that long after opening before its first ticket. Early variants of one problem split in the miner
 * (a word not yet known to be a parameter) merge within it, and the worker never sends a merged-away incident's
 * ticket, so the problem pages once. Patterns the miner has known for longer page at once.
 */
export function settleWindowHold(settleMs: number, patterns: Pick<PatternCatalog, "createdAtOf">): CreateHold | null {
  if (settleMs <= 0) return null;
  return (incident: Pick<Incident, "patternId" | "createdAt">) => {
    if (!incident.patternId) return null;
    const born = patterns.createdAtOf(incident.patternId);
    if (born === undefined || incident.createdAt - born > settleMs) return null;
    return incident.createdAt + settleMs;
  };
}
