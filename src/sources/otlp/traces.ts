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

/** What traces know, without sending anything: span ingest, the graph, enrichment and the upstream-symptom correlator. */
export interface TraceKnowledge {
  readonly config: TracesConfig;
  readonly repository: TraceRepository;
  readonly graphs: GraphReader;
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
}

/** Everything traces add to Sluice: the knowledge above plus assembly, which submits failing traces' signals. */
export interface Traces extends TraceKnowledge {
  readonly assembler: TraceAssembler;
  start(): void;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface TraceDeps {
  repository: TraceRepository;
  clock: Clock;
  config: TracesConfig;
  logger: Logger;
  metrics?: TraceMetrics;
}

/** Traces with their assembler, which sends each failing trace's signal to `submit`. */
export function createTraces(deps: TraceDeps & { submit(signals: Signal[]): Promise<unknown> }): Traces {
  return withAssembly(createTraceKnowledge(deps), deps);
}

/**
 * Adds assembly to what traces know. Separate so ingest can use the correlator before the assembler,
 * which submits to ingest, exists: no reference to a runner built later.
 */
export function withAssembly(
  knowledge: TraceKnowledge,
  deps: Pick<TraceDeps, "clock" | "logger"> & { submit(signals: Signal[]): Promise<unknown> },
): Traces {
  const { repository, config, metrics, graphs } = knowledge;
  const assembler = new TraceAssembler({
    repository,
    config,
    metrics,
    clock: deps.clock,
    logger: deps.logger,
    submit: deps.submit,
    onCounted: () => graphs.invalidate(),
  });
  return {
    ...knowledge,
    assembler,
    start: () => assembler.start(),
    flush: () => assembler.flush(),
    shutdown: () => assembler.shutdown(),
  };
}

export function createTraceKnowledge(deps: TraceDeps): TraceKnowledge {
  const { repository, clock, config } = deps;
  const metrics = deps.metrics ?? noTraceMetrics;
  const graphs = new GraphReader(repository, config.graphWindow);
  const correlator = new TraceRootCauses(repository, graphs, config);
  return {
    config,
    repository,
    graphs,
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
  };
}
