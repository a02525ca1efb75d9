import { Counter, type Registry } from "prom-client";
import type { MergeOutcome } from "../../pipeline/correlate/symptom-merger.ts";

/** What became of received spans: stored, rejected as malformed (the whole request), or too old (partial success). */
export type SpanOutcome = "stored" | "malformed" | "expired";

/** What an analysed trace was: healthy, or failing (it became a signal). */
export type TraceOutcome = "healthy" | "failing";

/** What trace ingest and assembly report. */
export interface TraceMetrics {
  spans(outcome: SpanOutcome, count: number): void;
  traces(outcome: TraceOutcome, count: number): void;
  /** Symptom incidents checked against a newly opened root cause's (src/pipeline/correlate/symptom-merger.ts). */
  merges(outcome: MergeOutcome): void;
}

export const noTraceMetrics: TraceMetrics = { spans: () => {}, traces: () => {}, merges: () => {} };

/** Trace counters, registered on the registry Sluice exports at /metrics. */
export function prometheusTraceMetrics(registry: Registry): TraceMetrics {
  const spans = new Counter({
    name: "sluice_spans_total",
    help: "OTLP spans received, by outcome (stored, malformed: the request was refused, expired: older than traces.retention)",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const traces = new Counter({
    name: "sluice_traces_analysed_total",
    help: "Traces analysed once quiet, by outcome (healthy, failing: it became a signal of its root-cause service)",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const merges = new Counter({
    name: "sluice_symptom_merges_total",
    help: "Open incidents upstream of a newly opened one, checked for merging: merged (a symptom of it), kept, failed, shed",
    labelNames: ["outcome"],
    registers: [registry],
  });
  return {
    spans: (outcome, count) => spans.inc({ outcome }, count),
    traces: (outcome, count) => traces.inc({ outcome }, count),
    merges: (outcome) => merges.inc({ outcome }),
  };
}
