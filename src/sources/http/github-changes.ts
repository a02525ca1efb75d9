import { createHmac } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { ChangeIntake } from "../../changes/change-intake.ts";
import type { ChangeMetrics } from "../../changes/change-metrics.ts";
import { firstHeader, safeJson, signatureMatches } from "../../connectors/sync-helpers.ts";
import { SluiceError } from "../../core/errors.ts";
import { normalizeChanges } from "../../pipeline/normalize/normalize-change.ts";

/**
 * POST /api/v1/changes/github: a GitHub repository or organisation webhook, sent as GitHub sends it.
 * GitHub cannot send a bearer token but signs the exact bytes (`X-Hub-Signature-256`, HMAC-SHA256 with
 * the webhook's secret), so this route keeps the body raw in its own scope and verifies before parsing.
 * `deployment_status` events become changes; `ping` is answered; other events are acknowledged and ignored.
 */
export async function githubChangeRoute(
  app: FastifyInstance,
  deps: { intake: ChangeIntake; metrics: ChangeMetrics; githubWebhookSecret?: string | undefined },
): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));
    scope.post(
      "/api/v1/changes/github",
      {
        // Not configured: refused before the body is read.
        onRequest: async () => {
          if (!deps.githubWebhookSecret) {
            throw new SluiceError("NOT_FOUND", "GitHub webhooks are not configured (changes.githubWebhookSecret)");
          }
        },
        // Signed by GitHub instead of a bearer token.
        config: { errors: ["UNAUTHORIZED", "NOT_FOUND", "OVERLOADED"] },
        schema: {
          tags: ["ingest"],
          summary: "GitHub webhook (deployment_status events), verified with X-Hub-Signature-256",
          security: [],
          response: {
            200: { type: "object", description: "A ping", properties: { ok: { type: "boolean" }, event: { type: "string" } } },
            202: {
              type: "object",
              description: "A deployment_status event stored as a change, or another event acknowledged and ignored",
              additionalProperties: true,
            },
          },
        },
      },
      async (request, reply) => {
        const secret = deps.githubWebhookSecret;
        if (!secret) throw new SluiceError("NOT_FOUND", "GitHub webhooks are not configured (changes.githubWebhookSecret)");
        const rawBody = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
        const expected = `sha256=${createHmac("sha256", secret).update(rawBody).digest("hex")}`;
        if (!signatureMatches(expected, firstHeader(request.headers["x-hub-signature-256"]))) {
          request.log.warn({ ip: request.ip, bytes: rawBody.length }, "GitHub webhook failed signature verification");
          throw new SluiceError("UNAUTHORIZED", "request is not signed with the configured GitHub webhook secret");
        }
        const event = firstHeader(request.headers["x-github-event"]) ?? "";
        if (event === "ping") return reply.code(200).send({ ok: true, event });
        if (event !== "deployment_status")
          return reply.code(202).send({ accepted: 0, results: [], ignored: event || "(no event)" });
        const body = safeJson(rawBody);
        if (body === undefined) throw new SluiceError("MALFORMED_BODY", "the GitHub webhook body is not valid JSON");
        let normalized: ReturnType<typeof normalizeChanges>;
        try {
          normalized = normalizeChanges([body], { receivedAt: Date.now() }, true);
        } catch (error) {
          deps.metrics.changes("api", "github", "rejected", 1);
          throw error;
        }
        const results = await deps.intake.submit(normalized, "api");
        return reply.code(202).send({ accepted: results.length, results });
      },
    );
  });
}
