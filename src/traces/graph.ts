import { ownValue } from "../core/own.ts";
import type { ServiceGraph } from "../core/trace.ts";

/** One service that feels the root cause, and the share of its traced requests that reach it. */
export interface BlastRadiusEntry {
  service: string;
  share: number;
}

export function emptyGraph(): ServiceGraph {
  return { edges: [], traces: {}, reached: {} };
}

/** Every service that calls `service`, directly or through others (callers of callers), nearest first. */
export function upstreamOf(graph: ServiceGraph, service: string): string[] {
  const callers = new Map<string, string[]>();
  for (const edge of graph.edges) {
    if (edge.requests <= 0) continue;
    const list = callers.get(edge.callee) ?? [];
    list.push(edge.caller);
    callers.set(edge.callee, list);
  }
  const found: string[] = [];
  const seen = new Set([service]);
  let frontier = [service];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const callee of frontier) {
      for (const caller of (callers.get(callee) ?? []).sort()) {
        if (seen.has(caller)) continue;
        seen.add(caller);
        found.push(caller);
        next.push(caller);
      }
    }
    frontier = next;
  }
  return found;
}

/** Services `service` calls, directly or through others. */
export function downstreamOf(graph: ServiceGraph, service: string): Set<string> {
  const callees = new Map<string, string[]>();
  for (const edge of graph.edges) {
    if (edge.requests <= 0) continue;
    const list = callees.get(edge.caller) ?? [];
    list.push(edge.callee);
    callees.set(edge.caller, list);
  }
  const seen = new Set<string>();
  const stack = [service];
  while (stack.length > 0) {
    for (const callee of callees.get(stack.pop() as string) ?? []) {
      if (callee === service || seen.has(callee)) continue;
      seen.add(callee);
      stack.push(callee);
    }
  }
  return seen;
}

/** The share (0..1) of the traces through `service` that reached `target`. */
export function shareOf(graph: ServiceGraph, service: string, target: string): number {
  const total = ownValue(graph.traces, service) ?? 0;
  if (total <= 0) return 0;
  const reached = ownValue(graph.reached, service);
  return Math.min(1, ((reached && ownValue(reached, target)) ?? 0) / total);
}

/**
 * The blast radius of a root cause: its transitive upstream callers, each with the share of its
 * traced requests that reached the root cause, largest share first.
 */
export function blastRadius(graph: ServiceGraph, root: string): BlastRadiusEntry[] {
  return upstreamOf(graph, root)
    .map((service) => ({ service, share: Math.round(shareOf(graph, service, root) * 10_000) / 10_000 }))
    .sort((a, b) => b.share - a.share || a.service.localeCompare(b.service));
}

/** Whether calls from `service` toward `target` failed in the window: the first hops on its paths to it had errors. */
export function failingToward(graph: ServiceGraph, service: string, target: string): boolean {
  return graph.edges.some(
    (edge) =>
      edge.caller === service && edge.errors > 0 && (edge.callee === target || downstreamOf(graph, edge.callee).has(target)),
  );
}
