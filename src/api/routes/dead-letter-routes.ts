import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { csvPattern } from "../../core/csv-pattern.ts";
import { SluiceError } from "../../core/errors.ts";
import { DEAD_LETTER_STATES, type DeadLetterFilter, type DeadLetterSummary } from "../../core/ports/ingest-dead-letters.ts";
import { problemsOf } from "../../core/zod-problems.ts";
import type { DeadLetterAction, DeadLetterAdmin } from "../../pipeline/ingest/dead-letter-admin.ts";
import { type Authenticator, actorOf } from "../../sources/http/auth.ts";

const BASE = "/api/ingest/dead-letters";
const MAX_ID = Number.MAX_SAFE_INTEGER;

const states = z
  .string()
  .meta({ pattern: csvPattern(DEAD_LETTER_STATES) })
  .transform((text) => text.split(",").map((part) => part.trim()))
  .pipe(z.array(z.enum(DEAD_LETTER_STATES)))
  .describe("Comma-separated: dead (waiting; the default), retried, discarded");
const source = z.string().min(1).max(200).describe("The intake it came from: api, alertmanager, grafana, kafka, otlp-logs, …");
const since = z.iso.datetime({ offset: true }).describe("Last failure at or after");
const until = z.iso.datetime({ offset: true }).describe("Last failure at or before (before since: nothing matches)");
const reason = z.string().min(1).max(200).describe("A case-insensitive part of the reason");

const listQuery = z.strictObject({
  state: states.optional(),
  source: source.optional(),
  since: since.optional(),
  until: until.optional(),
  reason: reason.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, "must be the nextCursor of a previous page")
    .optional(),
});

// At least one of these says which: `all` when no other narrows (a guard against retrying everything by mistake).
const SELECTORS = ["all", "ids", "source", "since", "until", "reason"] as const;
const bulkBody = z
  .strictObject({
    all: z.literal(true).optional(),
    ids: z.array(z.number().int().min(1).max(MAX_ID)).min(1).max(1000).optional().describe("These dead letters"),
    source: source.optional(),
    since: since.optional(),
    until: until.optional(),
    reason: reason.optional(),
    limit: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(1000)
      .describe("Most dead letters acted on (newest first); `more` says whether matching ones were left"),
  })
  .refine((body) => SELECTORS.some((key) => body[key] !== undefined), {
    message: `say which dead letters: one of ${SELECTORS.join(", ")} (all: true for every waiting one)`,
  });

/** The body's JSON schema: OpenAPI 3.0 has no `const`, and the rule "one of these" is an anyOf of requireds. */
function bulkBodySchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(bulkBody, { io: "input" }) as { properties: Record<string, unknown> };
  schema.properties.all = {
    type: "boolean",
    enum: [true],
    description: "Every waiting dead letter (when no other field narrows them)",
  };
  return { ...schema, anyOf: SELECTORS.map((key) => ({ required: [key] })) };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const nullable = (type: string) => ({ type, nullable: true });

const SUMMARY_PROPERTIES = {
  id: { type: "integer", description: "Its entry's position in the ingest log" },
  state: { type: "string", enum: [...DEAD_LETTER_STATES] },
  source: { type: "string" },
  signalCount: { type: "integer" },
  reason: { type: "string" },
  appendedAt: { type: "string", format: "date-time", description: "When its signals were first appended to the log" },
  firstFailedAt: { type: "string", format: "date-time", description: "Its first dead-lettering (over every retry)" },
  lastFailedAt: { type: "string", format: "date-time", description: "Its latest dead-lettering" },
  attempts: { type: "integer", description: "Claims by the pipeline, over every retry" },
  retryOf: { ...nullable("integer"), description: "The dead letter this one is a failed retry of" },
  resolvedAt: { ...nullable("string"), format: "date-time", description: "When it was retried or discarded" },
  resolvedBy: { ...nullable("string"), description: "Who retried or discarded it" },
} as const;
const summarySchema = {
  type: "object",
  required: Object.keys(SUMMARY_PROPERTIES),
  properties: SUMMARY_PROPERTIES,
} as const;
const detailSchema = {
  type: "object",
  required: [...Object.keys(SUMMARY_PROPERTIES), "signals", "retry"],
  properties: {
    ...SUMMARY_PROPERTIES,
    signals: {
      type: "array",
      description: "Its signals, redacted, as the ingest log held them",
      items: { type: "object", additionalProperties: true },
    },
    retry: {
      type: "object",
      nullable: true,
      description:
        "Once retried: whether it still waits in the ingest log, and the dead letters of its signals that failed again (none and not pending: applied)",
      required: ["pending", "deadAgain"],
      properties: { pending: { type: "boolean" }, deadAgain: { type: "array", items: { type: "integer" } } },
    },
  },
} as const;

const presentSummary = (letter: DeadLetterSummary) => ({
  ...letter,
  appendedAt: iso(letter.appendedAt),
  firstFailedAt: iso(letter.firstFailedAt),
  lastFailedAt: iso(letter.lastFailedAt),
  resolvedAt: iso(letter.resolvedAt),
});

function parse<T extends z.ZodType>(schema: T, value: unknown, where: "query" | "body"): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new SluiceError("VALIDATION_FAILED", `invalid ${where}`, {
      problems: problemsOf(parsed.error, where === "query" ? "query" : ""),
    });
  return parsed.data;
}

/** An id in the path: a positive integer the store can hold, else there is no such dead letter. */
function idOf(text: string): number {
  const id = /^\d{1,15}$/.test(text) ? Number(text) : 0;
  if (id < 1) throw new SluiceError("NOT_FOUND", `no ingest dead letter ${text}`);
  return id;
}

function filterOf(query: {
  source?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  reason?: string | undefined;
}): DeadLetterFilter {
  return {
    ...(query.source === undefined ? {} : { source: query.source }),
    ...(query.since === undefined ? {} : { since: Date.parse(query.since) }),
    ...(query.until === undefined ? {} : { until: Date.parse(query.until) }),
    ...(query.reason === undefined ? {} : { reason: query.reason }),
  };
}

/**
 * The ingest log's dead letters (issue 18): viewers list and read them, admins retry (append them to the
 * log again, e.g. after a config fix) or discard them, one at a time or a filtered set.
 */
export function deadLetterRoutes(app: FastifyInstance, deps: { admin: DeadLetterAdmin; auth: Authenticator }): void {
  const { admin, auth } = deps;
  const viewer = auth.hook({ role: "viewer" });
  const adminOnly = auth.hook({ role: "admin" });

  app.get(
    BASE,
    {
      onRequest: viewer,
      schema: {
        tags: ["ingest"],
        summary: "Ingest dead letters (signals the pipeline could not apply), newest first; waiting ones unless ?state=",
        querystring: z.toJSONSchema(listQuery, { io: "input" }),
        response: {
          200: {
            type: "object",
            required: ["items", "nextCursor"],
            properties: {
              items: { type: "array", items: summarySchema },
              nextCursor: { ...nullable("string"), description: "Pass as ?cursor= for the next page; null on the last" },
            },
          },
        },
      },
    },
    async (request) => {
      const query = parse(listQuery, request.query ?? {}, "query");
      const filter: DeadLetterFilter = { ...filterOf(query), ...(query.state ? { states: query.state } : {}) };
      const page = await admin.list(filter, {
        limit: query.limit,
        ...(query.cursor === undefined ? {} : { before: Number(query.cursor) }),
      });
      const last = page.items.at(-1);
      return {
        items: page.items.map(presentSummary),
        nextCursor: page.items.length === query.limit && last ? String(last.id) : null,
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    `${BASE}/:id`,
    {
      onRequest: viewer,
      schema: {
        tags: ["ingest"],
        summary:
          "One ingest dead letter: its redacted signals, reason, first and last failure, attempts, and its retry's outcome",
        response: { 200: detailSchema },
      },
    },
    async (request) => {
      const { body, retry, ...letter } = await admin.get(idOf(request.params.id));
      let signals: unknown = [];
      try {
        signals = JSON.parse(body);
      } catch {
        // An unreadable entry is dead-lettered as such; its reason says so.
      }
      return {
        ...presentSummary(letter),
        signals: Array.isArray(signals) ? signals.filter((s) => s !== null && typeof s === "object") : [],
        retry,
      };
    },
  );

  for (const [verb, action] of [
    ["retry", "retried"],
    ["discard", "discarded"],
  ] as const satisfies readonly (readonly [string, DeadLetterAction])[]) {
    const what =
      action === "retried"
        ? "append to the ingest log again for the pipeline (e.g. after a config fix); failing again, it is dead-lettered again, never retried by itself"
        : "drop for good, recorded with who and when";
    app.post<{ Params: { id: string } }>(
      `${BASE}/:id/${verb}`,
      {
        onRequest: adminOnly,
        config: { errors: ["INVALID_TRANSITION"] },
        schema: {
          tags: ["ingest"],
          summary: `${verb[0]?.toUpperCase()}${verb.slice(1)} an ingest dead letter: ${what}; 409 when it was already retried or discarded`,
          response: {
            200: {
              type: "object",
              required: ["id", "state", "signals"],
              properties: { id: { type: "integer" }, state: { type: "string", enum: [action] }, signals: { type: "integer" } },
            },
          },
        },
      },
      async (request) => {
        const moved = await admin.act(action, idOf(request.params.id), actorOf(request));
        return { id: moved.id, state: action, signals: moved.signals };
      },
    );

    app.post(
      `${BASE}/bulk/${verb}`,
      {
        onRequest: adminOnly,
        schema: {
          tags: ["ingest"],
          summary: `${verb[0]?.toUpperCase()}${verb.slice(1)} the waiting ingest dead letters a filter matches (ids, source, since, until, reason; all: true for every one): ${what}`,
          body: bulkBodySchema(),
          response: {
            200: {
              type: "object",
              required: ["count", "signals", "ids", "more"],
              properties: {
                count: { type: "integer", description: `Dead letters ${action}` },
                signals: { type: "integer" },
                ids: { type: "array", items: { type: "integer" } },
                more: { type: "boolean", description: "Matching waiting ones were left (the limit was reached): send again" },
              },
            },
          },
        },
      },
      async (request) => {
        const body = parse(bulkBody, request.body, "body");
        const filter: DeadLetterFilter = { ...filterOf(body), ...(body.ids ? { ids: body.ids } : {}) };
        return admin.actOnMatching(action, filter, body.limit, actorOf(request));
      },
    );
  }
}
