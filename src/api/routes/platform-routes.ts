import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { PLATFORM_NAMES } from "../../config/schema.ts";
import type { Connector } from "../../connectors/connector.ts";
import { SluiceError } from "../../core/errors.ts";
import { problemsOf } from "../../core/zod-problems.ts";
import { testConnection } from "../../delivery/test-connection.ts";
import type { Summarizer } from "../../pipeline/enrich/llm/summarizer.ts";
import type { Authenticator } from "../../sources/http/auth.ts";

const testBody = z.strictObject({ platform: z.string().min(1) });

export function platformRoutes(
  app: FastifyInstance,
  deps: { connectors: ReadonlyMap<string, Connector>; auth: Authenticator; summarizer: Summarizer },
): void {
  app.post(
    "/api/ticketing/api/v1/test-llm",
    {
      onRequest: deps.auth.hook({ role: "admin" }),
      schema: {
        tags: ["platforms"],
        summary: "Check the configured LLM (URL, key, model) with a tiny call; ignores budget and circuit",
      },
    },
    async () => deps.summarizer.test(),
  );

  app.post(
    "/api/ticketing/api/v1/test-connection",
    {
      onRequest: deps.auth.hook({ role: "admin" }),
      config: { errors: ["NOT_FOUND"] },
      schema: {
        tags: ["platforms"],
        summary: "Check a platform's credentials and reachability without creating a ticket or paging anyone",
        body: z.toJSONSchema(testBody),
      },
    },
    async (request) => {
      const parsed = testBody.safeParse(request.body);
      if (!parsed.success) throw new SluiceError("VALIDATION_FAILED", "invalid body", { problems: problemsOf(parsed.error) });
      return testConnection(deps.connectors, parsed.data.platform, PLATFORM_NAMES);
    },
  );
}
