import type { Logger } from "pino";
import type { TracesConfig } from "../../config/traces-config.ts";
import type { Clock } from "../../core/clock.ts";
import type { TraceRepository } from "../../core/ports/trace-repository.ts";
import type { Signal } from "../../core/signal.ts";
import type { SpanRecord } from "../../core/trace.ts";
import { TraceRootCauses } from "../../pipeline/correlate/root-causes.ts";
import type { SymptomEvidence } from "../../pipeline/correlate/symptom-merger.ts";
import { TraceEnrichment } from "../../pipeline/enrich/providers/trace-enrichment.ts";
import { upstreamOf } from "../../traces/graph.ts";
import { GraphReader } from "../../traces/graph-reader.ts";
import { TraceAssembler } from "./trace-assembler.ts";
import { noTraceMetrics, type TraceMetrics } from "./trace-metrics.ts";

/** What an ingest request learns: spans not stored, and why (OTLP partial success). */
export interface TraceIngestResult {
  rejected: number;
  message: string | null;
}

/** Everything traces add to Sluice: ingest, assembly, the graph, enrichment and the upstream-symptom correlator. */
export interface Traces {
  readonly config: TracesConfig;
  readonly repository: TraceRepository;
  readonly graphs: GraphReader;
  readonly assembler: TraceAssembler;
  /** Enrichment step `traces` (root cause, blast radius, request timeline). */
  readonly enrichment: TraceEnrichment;
  /** Finds the root-cause service of upstream symptoms (see TraceRootCauses). */
  readonly correlator: TraceRootCauses;
  /** What SymptomMerger asks: the graph's callers and the correlator's rule. */
  readonly evidence: SymptomEvidence;
  readonly metrics: TraceMetrics;
  /** The time by Sluice's clock (graph windows are relative to it). */
  now(): number;
  /** Stores decoded spans; resolves once they are durable. */
  ingest(spans: readonly SpanRecord[]): Promise<TraceIngestResult>;
  start(): void;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function createTraces(deps: {
  repository: TraceRepository;
  clock: Clock;
  config: TracesConfig;
  logger: Logger;
  submit(signals: Signal[]): Promise<unknown>;
  metrics?: TraceMetrics;
}): Traces {
  const { repository, clock, config } = deps;
  const metrics = deps.metrics ?? noTraceMetrics;
  const graphs = new GraphReader(repository, config.graphWindow);
  const assembler = new TraceAssembler({ ...deps, metrics, onCounted: () => graphs.invalidate() });
  const correlator = new TraceRootCauses(repository, graphs, config);
  return {
    config,
    repository,
    graphs,
    assembler,
    enrichment: new TraceEnrichment(repository, graphs, config),
    correlator,
    evidence: {
      upstreamOf: async (tenant, environment, service, now) => upstreamOf(await graphs.graph(tenant, environment, now), service),
      openIncidentsByService: (tenant, environment, services) => repository.openIncidentsByService(tenant, environment, services),
      rootCauses: (signals, now) => correlator.rootCauses(signals, now),
    },
    metrics,
    now: () => clock.now(),
    async ingest(spans) {
      const now = clock.now();
      // A span that ended before the retention would be deleted at once and counted in a bucket long gone.
      const oldest = (now - config.retention) * 1000;
      const kept = spans.filter((span) => span.endUs >= oldest);
      await repository.addSpans(kept, now);
      const rejected = spans.length - kept.length;
      metrics.spans("stored", kept.length);
      if (rejected > 0) metrics.spans("expired", rejected);
      return {
        rejected,
        message: rejected > 0 ? `${rejected} span(s) ended before the retention window (traces.retention); not stored` : null,
      };
    },
    start: () => assembler.start(),
    flush: () => assembler.flush(),
    shutdown: () => assembler.shutdown(),
  };
}
