import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { SluiceError } from "../../core/errors.ts";
import { describeIncident } from "../../core/incident.ts";
import type { Store } from "../../core/ports/store.ts";
import { problemsOf } from "../../core/zod-problems.ts";
import type { SimilarIncidents } from "../../pipeline/enrich/providers/similar-incidents.ts";
import type { Authenticator } from "../../sources/http/auth.ts";

const similarQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(20).optional(),
  minScore: z.coerce.number().min(0).max(1.75).optional(),
});

/** GET /api/incidents/:id/similar: resolved incidents like this one and how each was resolved. */
export function similarRoutes(
  app: FastifyInstance,
  deps: { store: Store; auth: Authenticator; similar: SimilarIncidents },
): void {
  const { store, auth, similar } = deps;
  app.get<{ Params: { id: string } }>(
    "/api/incidents/:id/similar",
    {
      onRequest: auth.hook({ role: "viewer" }),
      schema: {
        tags: ["incidents"],
        summary:
          "Resolved incidents similar to this one (id or INC-n), best first, with how each was resolved and why it matched",
        querystring: z.toJSONSchema(similarQuery, { io: "input" }),
      },
    },
    async (request) => {
      const parsed = similarQuery.safeParse(request.query ?? {});
      if (!parsed.success) {
        throw new SluiceError("VALIDATION_FAILED", "invalid query", { problems: problemsOf(parsed.error, "query") });
      }
      const incident = await store.incidents.get(request.params.id);
      if (!incident) throw new SluiceError("NOT_FOUND", `no incident ${request.params.id}`);
      const matches = await similar.find(describeIncident(incident), {
        ...(parsed.data.limit === undefined ? {} : { limit: parsed.data.limit }),
        ...(parsed.data.minScore === undefined ? {} : { minScore: parsed.data.minScore }),
      });
      const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
      return {
        incident: incident.key,
        items: matches.map((match) => ({
          key: match.key,
          title: match.title,
          service: match.service,
          environment: match.environment,
          firstSeenAt: iso(match.firstSeenAt),
          resolvedAt: iso(match.resolvedAt),
          resolution: match.resolution,
          score: match.score,
          match: match.match,
        })),
      };
    },
  );
}
