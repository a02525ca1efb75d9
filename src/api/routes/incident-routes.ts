import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { DestinationCatalog } from "../../connectors/catalog-destinations.ts";
import { destinationCatalog } from "../../connectors/registry.ts";
import { csvPattern } from "../../core/csv-pattern.ts";
import type { IncidentContext } from "../../core/enrichment.ts";
import { SluiceError } from "../../core/errors.ts";
import { INCIDENT_STATES, LIFECYCLE_ACTIONS } from "../../core/incident.ts";
import type { Store } from "../../core/ports/store.ts";
import { RESOLVE_OUTCOMES } from "../../core/resolve-outcome.ts";
import { SEVERITIES } from "../../core/signal.ts";
import { problemsOf } from "../../core/zod-problems.ts";
import type { LifecycleService } from "../../lifecycle/lifecycle-service.ts";
import { type Authenticator, actorOf } from "../../sources/http/auth.ts";
import { OPTIONAL_BODY } from "../error-responses.ts";

const csv = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .meta({ pattern: csvPattern(values) })
    .transform((text) => text.split(",").map((part) => part.trim()))
    .pipe(z.array(z.enum(values)));

const listQuery = z.strictObject({
  state: csv(INCIDENT_STATES).optional(),
  severity: csv(SEVERITIES).optional(),
  service: z.string().min(1).optional(),
  team: z.string().min(1).max(200).optional().describe("The owning team (from the catalog), case-insensitive"),
  q: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe("Text search: a case-insensitive part of the key (INC-n), title, service or team"),
  since: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().regex(/^\d+$/, "must be the nextCursor of a previous page").optional(),
});

const actionBody = z.strictObject({ reason: z.string().max(10_000).optional() }).default({});
/** A resolve may say how the incident ended: the ticketing SLIs (accuracy, false positives, duplicates) count it. */
const resolveBody = z
  .strictObject({
    reason: z.string().max(10_000).optional(),
    outcome: z
      .enum(RESOLVE_OUTCOMES)
      .optional()
      .describe("How it ended: fixed, false_positive, duplicate, auto_resolved or not_actionable (docs/metrics.md, M2–M4)"),
  })
  .default({});
const noteBody = z.strictObject({ text: z.string().min(1).max(10_000) });

function parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  // An absent body takes the default; a JSON null is a body, and not an object.
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new SluiceError("VALIDATION_FAILED", `invalid ${where}`, {
      problems: problemsOf(parsed.error, where === "query" ? "query" : ""),
    });
  return parsed.data;
}

export function incidentRoutes(
  app: FastifyInstance,
  deps: { store: Store; lifecycle: LifecycleService; auth: Authenticator; destinations?: DestinationCatalog },
): void {
  const { store, lifecycle, auth } = deps;
  const destinations = deps.destinations ?? destinationCatalog;
  const present = <T extends Presentable>(incident: T) => presentIncident(incident, destinations);
  const viewer = auth.hook({ role: "viewer" });
  const responder = auth.hook({ role: "responder" });

  app.get(
    "/api/incidents",
    {
      onRequest: viewer,
      schema: {
        tags: ["incidents"],
        summary: "List incidents, newest first",
        querystring: z.toJSONSchema(listQuery, { io: "input" }),
      },
    },
    async (request) => {
      const query = parse(listQuery, request.query, "query");
      const { q, ...rest } = query;
      const page = await store.incidents.list({
        ...rest,
        text: q,
        since: query.since === undefined ? undefined : Date.parse(query.since),
      });
      return { items: page.items.map(present), nextCursor: page.nextCursor };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/api/incidents/:id",
    {
      onRequest: viewer,
      schema: { tags: ["incidents"], summary: "One incident with its signals, timeline and tickets (id or INC-n)" },
    },
    async (request) => {
      const incident = await store.incidents.get(request.params.id);
      if (!incident) throw new SluiceError("NOT_FOUND", `no incident ${request.params.id}`);
      const [signals, timeline, tickets] = await Promise.all([
        store.incidents.signals(incident.id, 100),
        store.incidents.timeline(incident.id),
        store.incidents.tickets(incident.id),
      ]);
      return { ...present(incident), signals: signals.map(({ raw: _raw, ...signal }) => signal), timeline, tickets };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/api/incidents/:id/timeline",
    { onRequest: viewer, schema: { tags: ["incidents"], summary: "Who did what to the incident, when and why" } },
    async (request) => {
      const incident = await store.incidents.get(request.params.id);
      if (!incident) throw new SluiceError("NOT_FOUND", `no incident ${request.params.id}`);
      return { items: await store.incidents.timeline(incident.id) };
    },
  );

  for (const action of LIFECYCLE_ACTIONS) {
    app.post<{ Params: { id: string } }>(
      `/api/incidents/:id/${action}`,
      {
        onRequest: responder,
        config: { errors: ["INVALID_TRANSITION", "CONFLICT"] },
        schema: {
          tags: ["incidents"],
          summary: `${action[0]?.toUpperCase()}${action.slice(1)} an incident; 409 when the state does not allow it`,
          body: z.toJSONSchema(action === "resolve" ? resolveBody : actionBody, { io: "input" }),
          ...{ [OPTIONAL_BODY]: true },
        },
      },
      async (request) => {
        const body: z.infer<typeof resolveBody> = parse(action === "resolve" ? resolveBody : actionBody, request.body, "body");
        const incident = await lifecycle.apply(request.params.id, action, {
          actor: actorOf(request),
          reason: body.reason,
          ...(body.outcome ? { outcome: { value: body.outcome, source: "given through the API" } } : {}),
        });
        return present(incident);
      },
    );
  }

  app.post<{ Params: { id: string } }>(
    "/api/incidents/:id/notes",
    {
      onRequest: responder,
      schema: {
        tags: ["incidents"],
        summary: "Add a note; it reaches every linked ticket",
        body: z.toJSONSchema(noteBody),
        response: { 201: { type: "object", description: "The note is stored", properties: { ok: { type: "boolean" } } } },
      },
    },
    async (request, reply) => {
      const body = parse(noteBody, request.body, "body");
      await lifecycle.addNote(request.params.id, body.text, { actor: actorOf(request) });
      return reply.code(201).send({ ok: true });
    },
  );
}

interface Presentable {
  firstSeenAt: number;
  lastSeenAt: number;
  createdAt: number;
  updatedAt: number;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
  context?: IncidentContext;
}

/**
 * An incident as the API shows it: timestamps as ISO strings, and the secrets the catalog put in its
 * context (a PagerDuty routing key) masked as their connectors declare: the API says one is set, never which.
 */
export function presentIncident<T extends Presentable>(incident: T, destinations: DestinationCatalog = destinationCatalog) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    ...incident,
    ...(incident.context ? { context: destinations.maskContext(incident.context) } : {}),
    firstSeenAt: iso(incident.firstSeenAt),
    lastSeenAt: iso(incident.lastSeenAt),
    createdAt: iso(incident.createdAt),
    updatedAt: iso(incident.updatedAt),
    acknowledgedAt: iso(incident.acknowledgedAt),
    resolvedAt: iso(incident.resolvedAt),
  };
}
