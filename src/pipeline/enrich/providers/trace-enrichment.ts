import type { TracesConfig } from "../../../config/traces-config.ts";
import type { IncidentContext, TraceContext } from "../../../core/enrichment.ts";
import type { TraceRepository } from "../../../core/ports/trace-repository.ts";
import type { ServiceGraph, TraceAnalysis } from "../../../core/trace.ts";
import { blastRadius } from "../../../traces/graph.ts";
import type { GraphReader } from "../../../traces/graph-reader.ts";
import { lookupTraces } from "../../../traces/trace-lookup.ts";
import type { EnrichmentProvider, EnrichTarget } from "../enricher.ts";

/** The incident's trace part: root cause, blast radius with shares, and the request timeline. */
export function traceContext(analysis: TraceAnalysis, graph: ServiceGraph): TraceContext | null {
  const root = analysis.rootCause;
  if (!root) return null;
  return {
    traceId: analysis.traceId,
    rootCause: { service: root.service, operation: root.operation, errorMessage: root.errorMessage },
    blastRadius: blastRadius(graph, root.service),
    timeline: analysis.timeline,
  };
}

/**
 * Enrichment step `traces`: for an incident whose opening signal carries a trace id (a failing trace, or an
 * anomaly event naming one), the trace's root cause, blast radius and request timeline.
 */
export class TraceEnrichment implements EnrichmentProvider {
  readonly name = "traces";

  constructor(
    private readonly repository: TraceRepository,
    private readonly graphs: GraphReader,
    private readonly config: Pick<TracesConfig, "timelineLimit" | "maxSpansPerTrace">,
  ) {}

  async enrich(target: EnrichTarget): Promise<Partial<IncidentContext>> {
    const trace = target.signal.traceId ? await this.contextOf(target.signal.traceId, target.now) : null;
    return trace ? { trace } : {};
  }

  /** The trace part of an incident's context for one trace: null when the trace is unknown or did not fail. */
  async contextOf(traceId: string, now: number): Promise<TraceContext | null> {
    const analysis = (await lookupTraces(this.repository, [traceId], { ...this.config, maxAdHoc: 1 })).get(traceId.toLowerCase());
    if (!analysis) return null;
    // Fresh: this is once per incident, and the ticket should show the graph as it is now.
    const graph = await this.graphs.graph(analysis.tenant, analysis.environment, now, true);
    return traceContext(analysis, graph);
  }
}
