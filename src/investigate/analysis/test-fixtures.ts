import type { Departure, MetricEvidence } from "./types.ts";

export const MINUTE = 60_000;
export const ONSET = 1_700_000_000_000;

/** A metric evidence item for tests: `cumulative` scales of departure from `departedAt` (null: never departed). */
export function departed(
  node: string,
  cumulative: number,
  departedAt: number | null = ONSET,
  metric = "latency",
): MetricEvidence {
  const departure: Departure = { peak: cumulative, cumulative, departedAt, before: 0, samplesDuring: 3 };
  return { id: `m:${node}:${metric}`, node, metric, departure, summary: `${node} ${metric}` };
}

/** A measured series that stayed normal. */
export function quiet(node: string, metric = "latency"): MetricEvidence {
  return departed(node, 0.5, null, metric);
}
