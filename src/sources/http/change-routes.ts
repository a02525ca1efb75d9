import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { ChangeIntake } from "../../changes/change-intake.ts";
import type { ChangeMetrics } from "../../changes/change-metrics.ts";
import { CHANGE_KINDS } from "../../core/change.ts";
import { csvPattern } from "../../core/csv-pattern.ts";
import { SluiceError } from "../../core/errors.ts";
import type { ChangeRepository } from "../../core/ports/change-repository.ts";
import { problemsOf, validationFailed } from "../../core/zod-problems.ts";
import {
  githubDeploymentStatusSchema,
  normalizeChanges,
  pagerDutyChangeSchema,
  sluiceChangeSchema,
} from "../../pipeline/normalize/normalize-change.ts";
import type { Authenticator } from "./auth.ts";
import { oneOrBatch } from "./ingest-routes.ts";

/** Most changes in one request; deploy tools send one at a time, backfills should be split. */
const MAX_ITEMS = 10_000;

const accepted = {
  type: "object",
  description: "Every change is durably stored (or was before); `results` says what each item did.",
  properties: {
    accepted: { type: "integer" },
    results: {
      type: "array",
      items: {
        type: "object",
        properties: {
          id: {
            type: ["string", "null"],
            description: "Sluice's id of the stored change; null for duplicates and ignored items.",
          },
          source: { type: ["string", "null"] },
          sourceId: { type: ["string", "null"] },
          outcome: { type: "string", enum: ["stored", "duplicate", "ignored"] },
          reason: { type: ["string", "null"] },
        },
      },
    },
  },
} as const;

// At most 100 parts, each with something besides spaces once trimmed.
const csv = z
  .string()
  .meta({ pattern: "^[^,]*[^,\\s\\ufeff][^,]*(?:,[^,]*[^,\\s\\ufeff][^,]*){0,99}$" })
  .transform((text) => text.split(",").map((part) => part.trim()))
  .pipe(z.array(z.string().min(1)).max(100));

const listQuery = z.strictObject({
  service: csv.optional().describe("One service or a comma-separated list."),
  kind: z
    .string()
    .meta({ pattern: csvPattern(CHANGE_KINDS) })
    .transform((text) => text.split(",").map((part) => part.trim()))
    .pipe(z.array(z.enum(CHANGE_KINDS)))
    .optional(),
  tenant: z.string().min(1).optional(),
  environment: z.string().min(1).optional(),
  since: z.iso.datetime({ offset: true }).optional().describe("Default: 24 hours ago."),
  until: z.iso.datetime({ offset: true }).optional().describe("Default: no upper bound."),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

function docSchema(schema: z.ZodType) {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
}

/**
 * A PagerDuty change event as described: the service is named in payload.source (Sluice also reads
 * custom_details.service, which the description leaves out), and custom_details.kind is a change kind.
 */
function pagerDutyChangeDoc() {
  type Doc = { properties: { payload: { properties: Record<string, Record<string, unknown>>; required: string[] } } };
  const doc = docSchema(pagerDutyChangeSchema) as unknown as Doc;
  const payload = doc.properties.payload;
  return {
    ...doc,
    properties: {
      ...doc.properties,
      payload: {
        ...payload,
        required: [...payload.required, "source"],
        properties: {
          ...payload.properties,
          source: { ...payload.properties.source, pattern: "[^\\s\\ufeff]" },
          custom_details: {
            ...payload.properties.custom_details,
            properties: { kind: { type: "string", enum: [...CHANGE_KINDS] } },
          },
        },
      },
    },
  };
}

/** POST /api/v1/changes (deploys and config changes in) and GET /api/v1/changes (what was recorded). */
export function changeRoutes(
  app: FastifyInstance,
  deps: { intake: ChangeIntake; changes: Pick<ChangeRepository, "find">; auth: Authenticator; metrics: ChangeMetrics },
): void {
  const { intake, changes, auth, metrics } = deps;

  app.post(
    "/api/v1/changes",
    {
      onRequest: auth.hook({ ingest: "changes" }),
      config: { errors: ["OVERLOADED"] },
      schema: {
        tags: ["ingest"],
        summary: "Record deploys and config changes: one object, an array, or NDJSON (application/x-ndjson)",
        description:
          "Items are Sluice change documents, PagerDuty Events API v2 change events or GitHub deployment_status webhooks. " +
          "Re-sending a change with the same upstream id is a no-op. A 202 means stored.",
        body: oneOrBatch(
          [docSchema(sluiceChangeSchema), pagerDutyChangeDoc(), docSchema(githubDeploymentStatusSchema)],
          MAX_ITEMS,
        ),
        response: { 202: accepted },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const single = !Array.isArray(body);
      const items: unknown[] = Array.isArray(body) ? body : [body];
      if (items.length === 0) throw validationFailed([{ path: "(body)", message: "no changes in the request" }], "empty request");
      if (items.length > MAX_ITEMS) {
        metrics.changes("api", "unknown", "rejected", items.length);
        throw new SluiceError("PAYLOAD_TOO_LARGE", `${items.length} items in one request; send at most ${MAX_ITEMS}`);
      }
      let normalized: ReturnType<typeof normalizeChanges>;
      try {
        normalized = normalizeChanges(items, { receivedAt: Date.now() }, single);
      } catch (error) {
        metrics.changes("api", "unknown", "rejected", items.length);
        throw error;
      }
      const results = await intake.submit(normalized, "api");
      return reply.code(202).send({ accepted: results.length, results });
    },
  );

  app.get(
    "/api/v1/changes",
    {
      onRequest: auth.hook({ role: "viewer" }),
      schema: {
        tags: ["changes"],
        summary: "Recorded changes, newest first",
        querystring: z.toJSONSchema(listQuery, { io: "input" }),
      },
    },
    async (request) => {
      const parsed = listQuery.safeParse(request.query ?? {});
      if (!parsed.success) {
        throw new SluiceError("VALIDATION_FAILED", "invalid query", { problems: problemsOf(parsed.error, "query") });
      }
      const query = parsed.data;
      const now = Date.now();
      const items = await changes.find({
        ...(query.service ? { services: query.service } : {}),
        ...(query.kind ? { kinds: query.kind } : {}),
        ...(query.tenant ? { tenant: query.tenant } : {}),
        ...(query.environment ? { environment: query.environment } : {}),
        from: query.since ? Date.parse(query.since) : now - 86_400_000,
        to: query.until ? Date.parse(query.until) : Number.MAX_SAFE_INTEGER,
        limit: query.limit,
      });
      return { items };
    },
  );
}
