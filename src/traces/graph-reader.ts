import type { TraceRepository } from "../core/ports/trace-repository.ts";
import type { ServiceGraph } from "../core/trace.ts";

/**
 * Reads the dependency graph of the window from the store, with a short-lived cache per tenant and
 * environment: the store is the truth every replica shares; the cache only spares the hot path a query.
 */
export class GraphReader {
  private readonly cache = new Map<string, { at: number; graph: Promise<ServiceGraph> }>();

  constructor(
    private readonly repository: TraceRepository,
    private readonly windowMs: number,
    private readonly ttlMs = 5000,
  ) {}

  /** The graph over [now - window, now]; fresh from the store when `fresh`, else at most ttl old. */
  graph(tenant: string, environment: string, now: number, fresh = false): Promise<ServiceGraph> {
    const key = `${tenant}\u0000${environment}`;
    const cached = this.cache.get(key);
    if (!fresh && cached && now - cached.at < this.ttlMs && now >= cached.at) return cached.graph;
    const graph = this.repository.graph(tenant, environment, now - this.windowMs);
    // A failed read is not cached: the next caller tries again.
    graph.catch(() => this.cache.delete(key));
    this.cache.set(key, { at: now, graph });
    if (this.cache.size > 1000) this.cache.delete(this.cache.keys().next().value as string);
    return graph;
  }

  /** Forgets cached graphs (after this process counted new traces). */
  invalidate(): void {
    this.cache.clear();
  }
}
