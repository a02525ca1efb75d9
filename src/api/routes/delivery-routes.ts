import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { SluiceError } from "../../core/errors.ts";
import type { Store } from "../../core/ports/store.ts";
import { problemsOf } from "../../core/zod-problems.ts";
import type { Authenticator } from "../../sources/http/auth.ts";

const listQuery = z.strictObject({
  status: z.enum(["pending", "delivered", "dead"]).optional(),
  platform: z.string().min(1).optional(),
  incident: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export function deliveryRoutes(app: FastifyInstance, deps: { store: Store; auth: Authenticator; wake(): void }): void {
  const { store, auth } = deps;

  app.get(
    "/api/deliveries",
    {
      onRequest: auth.hook({ role: "viewer" }),
      config: { errors: ["NOT_FOUND"] },
      schema: {
        tags: ["deliveries"],
        summary: "Outbox rows; ?status=dead lists dead letters with their last error",
        querystring: z.toJSONSchema(listQuery, { io: "input" }),
      },
    },
    async (request) => {
      const parsed = listQuery.safeParse(request.query);
      if (!parsed.success)
        throw new SluiceError("VALIDATION_FAILED", "invalid query", { problems: problemsOf(parsed.error, "query") });
      const { incident, ...query } = parsed.data;
      const incidentId = incident ? (await store.incidents.get(incident))?.id : undefined;
      if (incident && !incidentId) throw new SluiceError("NOT_FOUND", `no incident ${incident}`);
      const items = await store.deliveries.list({ ...query, incidentId });
      return { items: items.map((d) => ({ ...d, nextAttemptAt: new Date(d.nextAttemptAt).toISOString() })) };
    },
  );

  app.post<{ Params: { id: string } }>(
    "/api/deliveries/:id/retry",
    {
      onRequest: auth.hook({ role: "admin" }),
      config: { errors: ["INVALID_TRANSITION"] },
      schema: { tags: ["deliveries"], summary: "Put a dead delivery back in the queue" },
    },
    async (request) => {
      const delivery = await store.deliveries.get(request.params.id);
      if (!delivery) throw new SluiceError("NOT_FOUND", `no delivery ${request.params.id}`);
      if (!(await store.deliveries.revive(delivery.id, Date.now()))) {
        throw new SluiceError(
          "INVALID_TRANSITION",
          `delivery ${delivery.id} is ${delivery.status}; only dead deliveries can be retried`,
        );
      }
      deps.wake();
      return { id: delivery.id, status: "pending" };
    },
  );
}
