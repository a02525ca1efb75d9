import type { GraphContribution, TraceRecord } from "../core/ports/trace-repository.ts";
import type { TraceAnalysis, TraceEdge } from "../core/trace.ts";

const MINUTE = 60_000;

/** The minute bucket a trace is counted in: when Sluice first saw it, so client clock skew cannot move it. */
export function bucketOf(receivedAt: number): number {
  return receivedAt - (receivedAt % MINUTE);
}

/** What one trace adds to the graph: its edges, and for each node the trace itself plus what it reached. */
export function contributionOf(analysis: TraceAnalysis, bucket: number): GraphContribution {
  const reach: [string, string][] = [];
  for (const [service, reached] of Object.entries(analysis.reach)) {
    reach.push([service, ""]);
    for (const target of reached) reach.push([service, target]);
  }
  return { bucket, edges: analysis.edges.map((edge) => ({ ...edge })), reach };
}

/**
 * The counters to add so the graph holds `next` instead of `previous` (a trace analysed again after late
 * spans): only the difference, so a trace is never counted twice.
 */
export function contributionDelta(
  next: GraphContribution,
  previous: GraphContribution | null,
): Pick<TraceRecord, "edgeDeltas" | "reachDeltas"> {
  const edges = new Map<string, TraceEdge>();
  const key = (edge: TraceEdge) => `${edge.caller}\u0000${edge.callee}`;
  for (const edge of next.edges) edges.set(key(edge), { ...edge });
  // A previous count in another bucket cannot happen (the bucket is the first arrival), but would be left alone.
  if (previous && previous.bucket === next.bucket) {
    for (const edge of previous.edges) {
      const current = edges.get(key(edge)) ?? { caller: edge.caller, callee: edge.callee, requests: 0, errors: 0 };
      current.requests -= edge.requests;
      current.errors -= edge.errors;
      edges.set(key(edge), current);
    }
  }
  const pairs = new Map<string, number>();
  const pairKey = ([service, reached]: [string, string]) => `${service}\u0000${reached}`;
  for (const pair of next.reach) pairs.set(pairKey(pair), 1);
  if (previous && previous.bucket === next.bucket) {
    for (const pair of previous.reach) pairs.set(pairKey(pair), (pairs.get(pairKey(pair)) ?? 0) - 1);
  }
  return {
    edgeDeltas: [...edges.values()].filter((edge) => edge.requests !== 0 || edge.errors !== 0),
    reachDeltas: [...pairs]
      .filter(([, traces]) => traces !== 0)
      .map(([pair, traces]) => {
        const [service = "", reached = ""] = pair.split("\u0000");
        return { service, reached, traces };
      }),
  };
}
