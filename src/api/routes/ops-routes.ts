import type { FastifyInstance } from "fastify";
import type { Store } from "../../core/ports/store.ts";
import type { SluiceMetrics } from "../metrics.ts";

export function opsRoutes(app: FastifyInstance, deps: { store: Store; metrics: SluiceMetrics; isReady(): boolean }): void {
  app.get(
    "/healthz",
    {
      schema: {
        tags: ["operations"],
        summary: "Liveness: the process answers",
        security: [],
        response: { 200: { type: "object", properties: { status: { type: "string", enum: ["ok"] } } } },
      },
    },
    async () => ({ status: "ok" }),
  );

  app.get(
    "/readyz",
    {
      schema: {
        tags: ["operations"],
        summary: "Readiness: the store answers and workers run",
        security: [],
        response: { 200: readiness("ready"), 503: readiness("not ready") },
      },
    },
    async (_request, reply) => {
      const storeOk = await deps.store.ping().catch(() => false);
      const ready = storeOk && deps.isReady();
      return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready", store: storeOk ? "ok" : "unavailable" });
    },
  );

  app.get(
    "/metrics",
    {
      schema: {
        tags: ["operations"],
        summary: "Prometheus metrics",
        security: [],
        response: {
          200: { description: "The Prometheus text format", content: { "text/plain": { schema: { type: "string" } } } },
        },
      },
    },
    async (request, reply) => {
      const counts = await deps.store.deliveries.countByStatus().catch(() => ({}) as Record<string, number>);
      deps.metrics.deadLetters.set(counts.dead ?? 0);
      // A figure that cannot be computed now keeps its last value; the rest of the scrape still answers.
      for (const refresh of deps.metrics.beforeScrape)
        await refresh().catch((error: unknown) =>
          request.log.warn({ err: error }, "a metric could not be computed for this scrape"),
        );
      return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    },
  );
}

function readiness(status: "ready" | "not ready") {
  return {
    type: "object",
    description: status === "ready" ? "Ready for traffic" : "Not ready: the store does not answer, or workers have not started",
    properties: {
      status: { type: "string", enum: [status] },
      store: { type: "string", enum: ["ok", "unavailable"] },
    },
  } as const;
}
