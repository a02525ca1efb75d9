import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { SluiceError } from "../core/errors.ts";
import type { Store } from "../core/ports/store.ts";
import type { Authenticator } from "../sources/http/auth.ts";
import type { Investigator } from "./investigator.ts";

const reportQuery = z.strictObject({ version: z.coerce.number().int().min(1).optional() });

/**
 * GET /api/incidents/:id/investigation (viewer): the latest report, or a given version, with the job's state.
 * POST /api/incidents/:id/investigate (responder): queues an investigation; 202, the report follows.
 */
export function investigationRoutes(
  app: FastifyInstance,
  deps: { store: Store; auth: Authenticator; investigator: Investigator | null },
): void {
  const { store, auth, investigator } = deps;
  app.get<{ Params: { id: string } }>(
    "/api/incidents/:id/investigation",
    {
      onRequest: auth.hook({ role: "viewer" }),
      schema: {
        tags: ["incidents"],
        summary:
          "The incident's investigation report (latest, or ?version=n): hypotheses with confidence and cited evidence, or an abstention; evidence with links; steps executed; recommended actions; root cause. 404 before the first report",
        querystring: z.toJSONSchema(reportQuery, { io: "input" }),
      },
    },
    async (request) => {
      const parsed = reportQuery.safeParse(request.query ?? {});
      if (!parsed.success) throw new SluiceError("VALIDATION_FAILED", "invalid query: version must be a positive integer");
      const incident = await store.incidents.get(request.params.id);
      if (!incident) throw new SluiceError("NOT_FOUND", `no incident ${request.params.id}`);
      const report = await store.investigations.report(incident.id, parsed.data.version);
      const status = await store.investigations.status(incident.id);
      if (!report) {
        const version = parsed.data.version === undefined ? "" : ` version ${parsed.data.version}`;
        throw new SluiceError(
          "NOT_FOUND",
          `no investigation report${version} for ${incident.key} yet (job: ${status ?? "none"})`,
        );
      }
      return { job: status, report };
    },
  );
  app.post<{ Params: { id: string } }>(
    "/api/incidents/:id/investigate",
    {
      onRequest: auth.hook({ role: "responder" }),
      // 409 when investigation is switched off.
      config: { errors: ["CONFLICT"] },
      schema: {
        tags: ["incidents"],
        summary:
          "Investigate the incident now (202); the report replaces nothing, it adds a version, and reaches every linked ticket",
        response: {
          202: {
            type: "object",
            description: "Queued; the report follows (GET /api/incidents/{id}/investigation).",
            properties: {
              incident: { type: "string" },
              job: { type: ["string", "null"], enum: ["pending", "running", "done", null] },
            },
            required: ["incident", "job"],
          },
        },
      },
    },
    async (request, reply) => {
      if (!investigator) throw new SluiceError("CONFLICT", "investigation is disabled (investigation.enabled: false)");
      const incident = await store.incidents.get(request.params.id);
      if (!incident) throw new SluiceError("NOT_FOUND", `no incident ${request.params.id}`);
      await investigator.requestNow(incident.id, "requested");
      return reply.code(202).send({ incident: incident.key, job: await store.investigations.status(incident.id) });
    },
  );
}
