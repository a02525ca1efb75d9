import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { SluiceError } from "../../core/errors.ts";
import { validationFailed } from "../../core/zod-problems.ts";
import type { SignalIntake } from "../../pipeline/ingest/log-intake.ts";
import type { PipelineMetrics } from "../../pipeline/ingest/pipeline-metrics.ts";
import { alertWebhookSchema, mapAlertWebhook } from "../../pipeline/normalize/alert-webhook.ts";
import { anomalyEventSchema } from "../../pipeline/normalize/anomaly-event.ts";
import { genericSignalSchema } from "../../pipeline/normalize/generic-signal.ts";
import { normalizeItems } from "../../pipeline/normalize/normalize-items.ts";
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

export function ingestRoutes(
  app: FastifyInstance,
  deps: { intake: SignalIntake; auth: Authenticator; metrics: PipelineMetrics; limiter?: IngestLimiter },
): void {
  const { intake, auth, metrics, limiter } = deps;
  // The throttle admits a request whole or refuses it (429) before anything is stored; what the ingest
  // log then refuses (503: past its backlog bound, shutting down) is given back to its buckets.
  const submit = async (source: string, principal: { name: string } | null, signals: Parameters<SignalIntake["submit"]>[0]) => {
    const admission = limiter?.admit(source, principal?.name ?? null, signals);
    try {
      return await intake.submit(signals, source);
    } catch (error) {
      admission?.refund();
      throw error;
    }
  };
  // Counts what a rejected request carried, so rejected signals show up next to accepted ones.
  const rejecting = <T>(count: number, normalize: () => T): T => {
    try {
      return normalize();
    } catch (error) {
      metrics.signals("rejected", count);
      throw error;
    }
  };

  app.post(
    "/api/v1/signals",
    {
      preHandler: auth.hook({ ingest: "api" }),
      schema: {
        tags: ["ingest"],
        summary: "Ingest signals: one object, an array, or NDJSON (application/x-ndjson)",
        description: "Items are anomaly events (with event_id and anomaly_score) or generic signals. A 202 means stored.",
        body: { oneOf: [docSchema(anomalyEventSchema), docSchema(genericSignalSchema), { type: "array" }] },
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
      const signals = rejecting(items.length, () => normalizeItems(items, { receivedAt: Date.now(), source: "api" }, single));
      const results = await submit("api", request.principal, signals);
      return reply.code(202).send({ accepted: results.length, results });
    },
  );

  for (const source of ["alertmanager", "grafana"] as const) {
    app.post(
      `/api/v1/webhooks/${source}`,
      {
        preHandler: auth.hook({ ingest: source }),
        schema: {
          tags: ["ingest"],
          summary: source === "alertmanager" ? "Alertmanager webhook (version 4)" : "Grafana alerting webhook",
          body: docSchema(alertWebhookSchema),
          response: { 202: accepted },
        },
      },
      async (request, reply) => {
        const mapped = mapAlertWebhook(request.body, { receivedAt: Date.now(), source }, source === "alertmanager" ? "4" : null);
        if ("problems" in mapped) {
          metrics.signals("rejected", 1);
          throw validationFailed(mapped.problems, `invalid ${source} webhook`);
        }
        const results = mapped.signals.length > 0 ? await submit(source, request.principal, mapped.signals) : [];
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
