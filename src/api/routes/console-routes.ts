import type { FastifyInstance } from "fastify";
import type { Store } from "../../core/ports/store.ts";
import type { Authenticator } from "../../sources/http/auth.ts";
import { readOverview } from "../console/overview.ts";
import type { SluiceMetrics } from "../metrics.ts";

/** Read-only routes the console needs beyond the incident API: who the token is, and the overview's figures. */
export function consoleApiRoutes(
  app: FastifyInstance,
  deps: { auth: Authenticator; metrics: SluiceMetrics; store: Store },
): void {
  const viewer = deps.auth.hook({ role: "viewer" });

  app.get(
    "/api/session",
    {
      onRequest: viewer,
      schema: {
        tags: ["console"],
        summary: "Who the bearer token is and its role (with no tokens configured: anonymous admin, authEnabled false)",
        response: {
          200: {
            type: "object",
            properties: {
              name: { type: "string" },
              role: { type: "string", enum: ["viewer", "responder", "admin"] },
              authEnabled: { type: "boolean" },
            },
            required: ["name", "role", "authEnabled"],
          },
        },
      },
    },
    async (request) => ({
      name: request.principal?.name ?? "anonymous",
      role: request.principal?.role ?? "admin",
      authEnabled: deps.auth.enabled,
    }),
  );

  app.get(
    "/api/stats/overview",
    {
      onRequest: viewer,
      schema: {
        tags: ["console"],
        summary:
          "The funnel (signals → gated → deduplicated → incidents → deliveries), signal-to-ticket latency percentiles, " +
          "MTTA, MTTR and noise reduction since this process started (from its metrics), and dead letters (from the store)",
      },
    },
    async () => {
      const [overview, counts] = await Promise.all([readOverview(deps.metrics.registry), deps.store.deliveries.countByStatus()]);
      return { ...overview, deadLetters: counts.dead ?? 0 };
    },
  );
}
