import type { LifecycleService } from "../lifecycle/lifecycle-service.ts";
import type { PatternCatalog } from "../patterns/pattern-catalog.ts";
import { FirstPageHold } from "../pipeline/correlate/first-page-hold.ts";
import { HeldPageGrouping } from "../pipeline/correlate/held-page-grouping.ts";
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
 * Issue 17, no second page: the first ticket of an incident whose error pattern may yet merge into an open
 * incident's waits up to `patterns.settleWindow` (src/pipeline/correlate/first-page-hold.ts).
 */
export function wireFirstPageHold({ config, store }: Base, patterns: PatternCatalog): FirstPageHold | undefined {
  if (config.patterns.settleWindow <= 0) return undefined;
  return new FirstPageHold({
    store,
    nearSiblingsOf: (id) => patterns.nearSiblingsOf(id),
    waitMs: config.patterns.settleWindow,
    lookbackMs: config.anomaly.lookbackWindow,
  });
}

/**
 * Issue 17, no second page when the patterns do not merge in time: at the end of the settle window a held
 * incident still the same message as an open one but for a word joins it (patterns.settleAction group;
 * src/pipeline/correlate/held-page-grouping.ts). The outbox worker asks it before a first ticket goes out.
 */
export function wireHeldPageGrouping(
  { config, store, logger }: Base,
  patterns: PatternCatalog,
  lifecycle: LifecycleService,
): HeldPageGrouping | undefined {
  if (config.patterns.settleWindow <= 0 || config.patterns.settleAction !== "group") return undefined;
  return new HeldPageGrouping({
    store,
    // The replica whose worker decides may not have read the other's patterns yet (at most every refreshInterval).
    candidatesOf: async (id) => {
      await patterns.refresh();
      return patterns.sameProblemCandidates(id);
    },
    lookbackMs: config.anomaly.lookbackWindow,
    merge: (from, into, reason, why) => lifecycle.merge(from, into, reason, why),
    logger,
  });
}
