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
