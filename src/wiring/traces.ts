import type { LifecycleService } from "../lifecycle/lifecycle-service.ts";
import { attachLateTraceContext } from "../pipeline/enrich/late-trace-context.ts";
import type { IngestRunner } from "../pipeline/ingest/ingest-runner.ts";
import { prometheusTraceMetrics } from "../sources/otlp/trace-metrics.ts";
import { createTraceKnowledge, type TraceKnowledge, type Traces, withAssembly } from "../sources/otlp/traces.ts";
import type { Base } from "./base.ts";
import type { Module } from "./module.ts";

/** What traces know (src/traces, docs/adr/0005-traces.md), when `traces.enabled`: the graph, the correlator, the `traces` step. */
export function wireTraceKnowledge({ config, store, clock, logger, metrics }: Base): TraceKnowledge | null {
  if (!config.traces.enabled) return null;
  return createTraceKnowledge({
    repository: store.traces,
    clock,
    config: config.traces,
    logger: logger.child({ component: "traces" }),
    metrics: prometheusTraceMetrics(metrics.registry),
  });
}

export interface TraceAssemblyWiring {
  traces: Traces | null;
  module: Module;
}

/**
 * Trace assembly: submits each failing trace's signal like a source does, then brings the trace to an
 * incident that opened without it. Declared after ingest, so it stops before the runner it submits to.
 */
export function wireTraceAssembly(
  { store, clock, logger }: Base,
  knowledge: TraceKnowledge | null,
  runner: IngestRunner,
  lifecycle: LifecycleService,
): TraceAssemblyWiring {
  const traceLogger = logger.child({ component: "traces" });
  const traces = knowledge
    ? withAssembly(knowledge, {
        clock,
        logger: traceLogger,
        submit: async (signals) => {
          const results = await runner.submit(signals);
          const deps = { store, lifecycle, enrichment: knowledge.enrichment, now: () => clock.now(), logger };
          await attachLateTraceContext(deps, signals, results);
          return results;
        },
      })
    : null;
  return {
    traces,
    module: {
      name: "traces",
      start: () => traces?.start(),
      flush: async () => traces?.flush(),
      shutdown: async () => traces?.shutdown(),
    },
  };
}
