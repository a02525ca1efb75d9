import type { TraceRepository } from "../../../core/ports/trace-repository.ts";
import type { Signal } from "../../../core/signal.ts";
import type { TraceAnalysis } from "../../../core/trace.ts";
import { blastRadius } from "../../../traces/graph.ts";
import { lookupTraces } from "../../../traces/trace-lookup.ts";
import { type Collected, type Collector, clip, emptyCollected, type InvestigationQuery } from "../collector.ts";

export interface TracesCollectorOptions {
  /** Signals of the incident read for trace ids. */
  signals: number;
  timelineLimit: number;
  maxSpansPerTrace: number;
  /** A link to a trace, or null when there is nowhere to open one. */
  traceUrl: (traceId: string) => string | null;
}

/**
 * Sluice's own trace store: the failing traces the incident's signals name, where each starts to fail
 * (the root-cause span), which share of them blames each component, the blast radius of the most blamed
 * one, and the request timeline of one failing trace.
 */
export class TracesCollector implements Collector {
  readonly source = "traces" as const;

  constructor(
    private readonly traces: TraceRepository,
    private readonly options: TracesCollectorOptions,
  ) {}

  describe(query: InvestigationQuery): string {
    return `failing traces named by ${query.incident.key}'s latest ${this.options.signals} signals`;
  }

  async collect(query: InvestigationQuery): Promise<Collected> {
    const out = emptyCollected();
    const text = this.describe(query);
    const ids = query.reads
      ? traceIdsOf(await query.reads.signals(query.incident.id, this.options.signals))
      : await this.traces.recentTraceIds(query.incident.id, this.options.signals);
    const found = await lookupTraces(this.traces, ids, {
      timelineLimit: this.options.timelineLimit,
      maxSpansPerTrace: this.options.maxSpansPerTrace,
      maxAdHoc: 5,
    });
    const failing = [...found.values()].filter((t) => t.rootCause !== null);
    if (failing.length === 0) return out;
    const byNode = new Map<string, TraceAnalysis[]>();
    for (const trace of failing) {
      const cause = trace.rootCause;
      if (!cause) continue;
      const list = byNode.get(cause.service) ?? [];
      list.push(trace);
      byNode.set(cause.service, list);
    }
    const ranked = [...byNode.entries()].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
    for (const [n, [node, traces]] of ranked.entries()) {
      const id = `traces-${n + 1}`;
      const sample = traces[0] as TraceAnalysis;
      const cause = sample.rootCause;
      const share = traces.length / failing.length;
      const message = cause?.errorMessage ? `: ${cause.errorMessage}` : "";
      out.items.push({
        id,
        source: "traces",
        query: text,
        summary: clip(
          `${traces.length} of ${failing.length} failing traces start failing in ${node} (${cause?.operation ?? "?"}${message}); e.g. trace ${sample.traceId}`,
          240,
        ),
        link: this.options.traceUrl(sample.traceId),
      });
      out.extra.push({ kind: "trace-root-cause", id, node, share, summary: `root-cause span in ${node}` });
    }
    const top = ranked[0];
    if (top) {
      const [node, traces] = top;
      const radius = blastRadius(query.graph, node);
      if (radius.length > 0) {
        out.items.push({
          id: "traces-blast-radius",
          source: "traces",
          query: `blast radius of ${node} in the trace graph`,
          summary: clip(radius.map((r) => `${r.service} ${Math.round(r.share * 100)}%`).join(", "), 240),
          link: null,
        });
      }
      const sample = traces[0] as TraceAnalysis;
      if (sample.timeline.length > 0) {
        out.items.push({
          id: "traces-timeline",
          source: "traces",
          query: `timeline of trace ${sample.traceId}`,
          summary: clip(
            sample.timeline
              .map(
                (step) =>
                  `${"  ".repeat(step.depth)}${step.service} ${step.operation} +${step.startOffsetMs}ms ${step.durationMs}ms${step.error ? " ERROR" : ""}`,
              )
              .join("; "),
            400,
          ),
          link: this.options.traceUrl(sample.traceId),
        });
      }
    }
    return out;
  }
}

/** The trace store's `recentTraceIds` from signals already read: their trace ids, lower-cased, once each, newest first. */
function traceIdsOf(signals: readonly Signal[]): string[] {
  return [...new Set(signals.flatMap((signal) => (signal.traceId ? [signal.traceId.toLowerCase()] : [])))];
}
