import type { LifecycleService } from "../lifecycle/lifecycle-service.ts";
import { SymptomMerger } from "../pipeline/correlate/symptom-merger.ts";
import type { TraceKnowledge } from "../sources/otlp/traces.ts";
import type { Base } from "./base.ts";
import type { Module } from "./module.ts";

/** The actor of correlation's own changes: the merger looks again only when correlation (re)opened an incident. */
const CORRELATE_ACTOR = "sluice:correlate";

/**
 * Merges symptom incidents into a root cause's that opened (or correlation reopened) after them, when
 * `traces.mergeSymptoms` is on.
 */
export function wireSymptomMerger(
  { config, store, clock, logger, events }: Base,
  lifecycle: LifecycleService,
  knowledge: TraceKnowledge | null,
): { symptomMerger: SymptomMerger | null; module: Module } {
  const symptomMerger =
    knowledge && config.traces.mergeSymptoms
      ? new SymptomMerger({
          store,
          lifecycle,
          evidence: knowledge.evidence,
          now: () => clock.now(),
          logger: logger.child({ component: "traces" }),
          windowMs: config.traces.mergeWindow,
          count: (outcome) => knowledge.metrics.merges(outcome),
        })
      : null;
  if (symptomMerger) {
    events.subscribe("IncidentOpened", "symptom-merger", (event) => symptomMerger.enqueue([event.incidentId]));
    events.subscribe("IncidentChanged", "symptom-merger", (event) => {
      if (event.change.kind === "reopened" && event.actor === CORRELATE_ACTOR) symptomMerger.enqueue([event.incidentId]);
    });
  }
  return {
    symptomMerger,
    module: {
      name: "symptom-merger",
      flush: async () => symptomMerger?.flush(),
      shutdown: async () => symptomMerger?.shutdown(),
    },
  };
}
