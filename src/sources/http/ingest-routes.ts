import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { SluiceError } from "../../core/errors.ts";
import type { Signal } from "../../core/signal.ts";
import { validationFailed } from "../../core/zod-problems.ts";
import type { SignalIntake } from "../../pipeline/ingest/log-intake.ts";
import type { PipelineMetrics } from "../../pipeline/ingest/pipeline-metrics.ts";
import { submitInPieces } from "../../pipeline/ingest/submit-in-pieces.ts";
import { alertWebhookSchema, mapAlertWebhook } from "../../pipeline/normalize/alert-webhook.ts";
import { anomalyEventSchema } from "../../pipeline/normalize/anomaly-event.ts";
import { genericSignalSchema } from "../../pipeline/normalize/generic-signal.ts";
import { allHaveUpstreamIds, normalizeItemsInSlices } from "../../pipeline/normalize/normalize-items.ts";
import type { Authenticator } from "./auth.ts";
import type { IngestLimiter } from "./ingest-limiter.ts";

/** Most items in one request; larger batches should be split by the sender. */
const MAX_ITEMS = 10_000;

const accepted = {
  type: "object",
  description:
    "Every signal is durably stored (in the ingest log); `results` says what each one did, or `queued` when Sluice acknowledges from the log before running the pipeline (ingest.acknowledge: logged).",
  properties: {
    accepted: { type: "integer" },
    results: {
      type: "array",
      items: {
        type: "object",
        properties: {
          id: { type: "string" },
          outcome: {
            type: "string",
            enum: ["gated", "suppressed", "duplicate", "deduplicated", "opened", "resolved", "unmatched", "queued"],
          },
          incident: { type: ["string", "null"] },
          reason: { type: ["string", "null"] },
        },
      },
    },
  },
} as const;

function docSchema(schema: z.ZodType) {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
}

/** A body of one item, or an array of 1..max of them. */
export function oneOrBatch(items: Record<string, unknown>[], max: number) {
  return { oneOf: [...items, { type: "array", minItems: 1, maxItems: max, items: { oneOf: items } }] };
}

/** The Alertmanager route takes only version 4 of its webhook (Grafana's names no version). */
function alertmanagerDoc() {
  const doc = docSchema(alertWebhookSchema) as { properties: Record<string, unknown> };
  return { ...doc, properties: { ...doc.properties, version: { type: "string", const: "4" } } };
}

export function ingestRoutes(
  app: FastifyInstance,
  deps: { intake: SignalIntake; auth: Authenticator; metrics: PipelineMetrics; limiter?: IngestLimiter },
): void {
  const { intake, auth, metrics, limiter } = deps;
  // The throttle admits a request whole or refuses it (429) before anything is stored; what the ingest
  // log then refuses (503: past its backlog bound, shutting down) is given back to its buckets.
  // `inPieces`: appended piece by piece (submitInPieces), so a large request never holds the event loop.
  const submit = async (source: string, principal: { name: string } | null, signals: Signal[], inPieces: boolean) => {
    const admission = limiter?.admit(source, principal?.name ?? null, signals);
    const store = (piece: Signal[]) => intake.submit(piece, source);
    try {
      return inPieces ? await submitInPieces(store, signals) : await store(signals);
    } catch (error) {
      // Given back whole even when the first pieces were stored: the sender resends the whole request,
      // which is admitted (and charged) again.
      admission?.refund();
      throw error;
    }
  };
  // Counts what a rejected request carried, so rejected signals show up next to accepted ones.
  const rejecting = async <T>(count: number, normalize: () => Promise<T>): Promise<T> => {
    try {
      return await normalize();
    } catch (error) {
      metrics.signals("rejected", count);
      throw error;
    }
  };

  app.post(
    "/api/v1/signals",
    {
      onRequest: auth.hook({ ingest: "api" }),
      config: { errors: ["OVERLOADED", "RATE_LIMITED"] },
      schema: {
        tags: ["ingest"],
        summary: "Ingest signals: one object, an array, or NDJSON (application/x-ndjson)",
        description: "Items are anomaly events (with event_id and anomaly_score) or generic signals. A 202 means stored.",
        body: oneOrBatch([docSchema(anomalyEventSchema), docSchema(genericSignalSchema)], MAX_ITEMS),
        response: { 202: accepted },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const single = !Array.isArray(body);
      const items = Array.isArray(body) ? body : [body];
      if (items.length === 0) throw validationFailed([{ path: "(body)", message: "no signals in the request" }], "empty request");
      if (items.length > MAX_ITEMS) {
        throw new SluiceError("PAYLOAD_TOO_LARGE", `${items.length} items in one request; send at most ${MAX_ITEMS}`);
      }
      // A large request is read and stored a slice and a piece at a time, so it never holds the event loop
      // for long; split only when a retry would recognise every item by its upstream id.
      const signals = await rejecting(items.length, () =>
        normalizeItemsInSlices(items, { receivedAt: Date.now(), source: "api" }, single),
      );
      const results = await submit("api", request.principal, signals, allHaveUpstreamIds(items));
      return reply.code(202).send({ accepted: results.length, results });
    },
  );

  for (const source of ["alertmanager", "grafana"] as const) {
    app.post(
      `/api/v1/webhooks/${source}`,
      {
        onRequest: auth.hook({ ingest: source }),
        config: { errors: ["OVERLOADED", "RATE_LIMITED"] },
        schema: {
          tags: ["ingest"],
          summary: source === "alertmanager" ? "Alertmanager webhook (version 4)" : "Grafana alerting webhook",
          body: source === "alertmanager" ? alertmanagerDoc() : docSchema(alertWebhookSchema),
          response: { 202: accepted },
        },
      },
      async (request, reply) => {
        const mapped = mapAlertWebhook(request.body, { receivedAt: Date.now(), source }, source === "alertmanager" ? "4" : null);
        if ("problems" in mapped) {
          metrics.signals("rejected", 1);
          throw validationFailed(mapped.problems, `invalid ${source} webhook`);
        }
        // Alerts are identified by fingerprint and start time: a piece-wise store is safe to retry.
        const results = mapped.signals.length > 0 ? await submit(source, request.principal, mapped.signals, true) : [];
        return reply.code(202).send({ accepted: results.length, results });
      },
    );
  }
}

/** Parses application/x-ndjson into an array, naming the first bad line. */
export function registerNdjson(app: FastifyInstance): void {
  app.addContentTypeParser(["application/x-ndjson", "application/ndjson"], { parseAs: "string" }, (_request, body, done) => {
    const items: unknown[] = [];
    const lines = (body as string).split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]?.trim();
      if (!line) continue;
      try {
        items.push(JSON.parse(line));
      } catch {
        done(new SluiceError("MALFORMED_BODY", `line ${i + 1} of the NDJSON body is not valid JSON`), undefined);
        return;
      }
    }
    done(null, items);
  });
}
