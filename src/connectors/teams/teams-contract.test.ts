// Contract test: Microsoft publishes no API description of Workflows webhooks, so the platform is a
// real local HTTP server answering as Workflows does (202, empty body) that validates every posted
// body against the Adaptive Card 1.5 schema and the derived message schema; any problem is a violation.
import { describe } from "node:test";
import { systemClock } from "../../core/clock.ts";
import { CONTRACT_TIMEOUT_MS, runConnectorContract } from "../../testing/connector-contract-suite.ts";
import { startReceiver } from "../../testing/http-receiver.ts";
import { scriptedFailures } from "../../testing/scripted-failures.ts";
import { CARD_SCHEMA, MESSAGE_SCHEMA, type MessageValidator, messageValidator } from "../../testing/teams-card-validation.ts";
import { TeamsConnector } from "./teams-connector.ts";

const SECRET_PATH = "/workflows/0a1b2c/triggers/manual/paths/invoke";
const SIG = "sig=ContractSECRETsignature0123456789";

const skip = CARD_SCHEMA.skip || MESSAGE_SCHEMA.skip;
if (skip) {
  describe("teams connector contract (schema-validating receiver)", { skip }, () => {});
} else {
  let validate: MessageValidator | null = null;
  runConnectorContract({
    name: "teams (Workflows webhook, schema-validating receiver)",
    secrets: [SIG, "ContractSECRETsignature0123456789"],
    setup: async () => {
      validate = messageValidator();
    },
    connect: async () => {
      const receiver = await startReceiver({
        verify: (request) => {
          const problems: string[] = [];
          if (request.method !== "POST") problems.push(`method ${request.method}`);
          if (!String(request.headers["content-type"]).startsWith("application/json")) problems.push("not JSON");
          try {
            problems.push(...(validate?.(JSON.parse(request.body)) ?? ["no validator"]));
          } catch {
            problems.push("body is not JSON");
          }
          return problems;
        },
        answer: () => ({ status: 202, body: "" }),
      });
      const webhookUrl = `${receiver.url}${SECRET_PATH}?api-version=2016-06-01&${SIG}`;
      return {
        // The receiver is plain http on loopback; the https rule is the config schema's, tested there.
        connector: new TeamsConnector(
          { webhookUrl, templates: {} },
          { http: (url, init) => fetch(url, init), clock: systemClock, timeoutMs: CONTRACT_TIMEOUT_MS },
        ),
        failNext: scriptedFailures((answer) => receiver.script(answer), {
          rateLimited: {
            headers: { "content-type": "application/json" },
            body: '{"error":{"code":"TooManyRequests","message":"Rate limit is exceeded"}}',
          },
          serverError: { body: '{"error":{"code":"InternalServerError"}}' },
          unauthorized: { body: `{"error":{"code":"DirectApiAuthorizationRequired","message":"bad ${SIG}"}}` },
        }),
        received: () => receiver.requests.length,
        violations: () => receiver.violations(),
        close: () => receiver.close(),
      };
    },
  });
}
