import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { secretValues } from "./secret-values.ts";

describe("secretValues", () => {
  it("finds credential values however deep, and nothing else", () => {
    const config = {
      llm: { apiKey: "sk-live-123456", model: "gpt-4o-mini" },
      jira: { email: "bot@example.com", apiToken: "ATATT-secret-1" },
      pagerduty: { routingKey: "R0UT1NGKEY", apiToken: "pd-token-1" },
      storage: { databaseUrl: "postgres://u:p@db/sluice" },
      auth: { tokens: [{ name: "ops", token: "tok-abcdef" }] },
      teams: { webhookUrl: "https://example.webhook.office.com/x?sig=abc" },
      server: { publicUrl: "https://sluice.example.com" },
    };
    assert.deepEqual(secretValues(config).sort(), [
      "ATATT-secret-1",
      "R0UT1NGKEY",
      "https://example.webhook.office.com/x?sig=abc",
      "pd-token-1",
      "postgres://u:p@db/sluice",
      "sk-live-123456",
      "tok-abcdef",
    ]);
  });
});
