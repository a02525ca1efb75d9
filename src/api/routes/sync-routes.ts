import type { FastifyInstance } from "fastify";
import { SluiceError } from "../../core/errors.ts";
import type { SyncHandler } from "../../core/inbound.ts";
import type { InboundSync } from "../../lifecycle/sync/inbound-sync.ts";

/**
 * Inbound sync from platforms under /api/v1/sync/<platform>. Platforms sign the exact bytes they
 * send, so this plugin keeps bodies raw (its own encapsulated parsers) and lets each handler verify
 * before anything is parsed. Unsigned or wrongly signed requests get 401 and are logged without bodies.
 */
export async function syncRoutes(
  app: FastifyInstance,
  deps: { handlers: ReadonlyMap<string, SyncHandler>; sync: InboundSync },
): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));
    scope.post<{ Params: { platform: string } }>(
      "/api/v1/sync/:platform",
      {
        // An unknown platform is refused before its body is read.
        onRequest: async (request) => {
          const { platform } = request.params;
          if (!deps.handlers.has(platform)) throw new SluiceError("NOT_FOUND", `no inbound sync configured for ${platform}`);
        },
        // Signed by the platform instead of a bearer token.
        config: { errors: ["UNAUTHORIZED", "NOT_FOUND", "INVALID_TRANSITION", "CONFLICT"] },
        schema: {
          tags: ["sync"],
          summary: "Inbound webhooks and interactivity from a platform (signed by the platform)",
          security: [],
          response: {
            200: {
              type: "object",
              properties: { received: { type: "integer" }, outcomes: { type: "array", items: {} } },
            },
          },
        },
      },
      async (request) => {
        const { platform } = request.params;
        const handler = deps.handlers.get(platform);
        if (!handler) throw new SluiceError("NOT_FOUND", `no inbound sync configured for ${platform}`);
        const inbound = {
          headers: request.headers,
          rawBody: (request.body as Buffer | undefined) ?? Buffer.alloc(0),
          now: Date.now(),
        };
        if (!handler.verify(inbound)) {
          request.log.warn(
            { platform, ip: request.ip, bytes: inbound.rawBody.length },
            "inbound sync request failed verification",
          );
          throw new SluiceError("UNAUTHORIZED", `request is not signed by ${platform}`);
        }
        const outcomes = [];
        const answers = [];
        for (const event of handler.parse(inbound)) {
          const outcome = await deps.sync.apply(platform, event);
          outcomes.push(outcome);
          answers.push({ event, result: outcome.result, ...("why" in outcome ? { why: outcome.why } : {}) });
        }
        // Called even when nothing applied: a click that decided nothing (Slack approvers) is still told why.
        if (handler.answer) await handler.answer(inbound, answers);
        return { received: outcomes.length, outcomes };
      },
    );
  });
}
