import type { ServiceGraph } from "../core/trace.ts";

/** Who calls whom around one service, from the trace graph and the catalog's declared dependencies. */
export interface Neighbourhood {
  /** The service first, then its direct callers and callees, by name. */
  services: string[];
  edges: { caller: string; callee: string }[];
}

/**
 * The incident's service and its direct neighbours: callers and callees seen in traces over the window,
 * plus the catalog's dependsOn in both directions (a dependency that carried no traced request is a
 * neighbour still). Edges are every known call among them.
 */
export function neighbourhood(
  service: string,
  graph: ServiceGraph,
  catalog: { dependenciesOf(service: string): string[]; dependentsOf(service: string): string[] },
): Neighbourhood {
  const edges = new Map<string, { caller: string; callee: string }>();
  const add = (caller: string, callee: string) => {
    if (caller !== callee) edges.set(`${caller}\u0000${callee}`, { caller, callee });
  };
  const near = new Set<string>();
  for (const edge of graph.edges) {
    if (edge.requests <= 0) continue;
    if (edge.caller === service) near.add(edge.callee);
    if (edge.callee === service) near.add(edge.caller);
  }
  for (const dep of catalog.dependenciesOf(service)) {
    near.add(dep);
    add(service, dep);
  }
  for (const dependent of catalog.dependentsOf(service)) {
    near.add(dependent);
    add(dependent, service);
  }
  near.delete(service);
  const services = [service, ...[...near].sort()];
  const members = new Set(services);
  for (const edge of graph.edges) {
    if (edge.requests > 0 && members.has(edge.caller) && members.has(edge.callee)) add(edge.caller, edge.callee);
  }
  return { services, edges: [...edges.values()].sort((a, b) => (a.caller + a.callee < b.caller + b.callee ? -1 : 1)) };
}
