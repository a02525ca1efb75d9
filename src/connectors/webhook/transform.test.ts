import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { IncidentContext } from "../../core/enrichment.ts";
import { sampleIncident } from "../../testing/connector-contract-suite.ts";
import { sampleInvestigation } from "../../testing/investigation-fixture.ts";
import { toWebhookPayload } from "./transform.ts";

const SENT_AT = Date.UTC(2025, 0, 15, 9, 45, 3, 250);

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"));
}

describe("webhook transform", () => {
  it("create matches fixtures/create.json, with the enrichment context but never the destinations", () => {
    const context: IncidentContext = {
      owner: {
        service: "checkout",
        team: "payments",
        tier: "1",
        runbookUrl: "https://runbooks.example.com/checkout",
        dashboards: [],
        escalation: null,
        source: "services.yaml",
      },
      // Sluice's routing to the other platforms, with a credential: not for a webhook receiver.
      destinations: { pagerduty: { routingKey: "0123456789abcdef0123456789abcdef" }, jira: { projectKey: "PAY" } },
      changes: [
        {
          id: "deploy-1",
          service: "checkout",
          kind: "deploy",
          summary: "rollout v2.4.0",
          at: Date.UTC(2025, 0, 15, 9, 20, 0),
          version: "v2.4.0",
          author: "ci",
          url: null,
          relation: "service",
        },
      ],
      affectedUsers: { count: 2, capped: false, sample: ["u-1", "u-2"] },
    };
    const payload = toWebhookPayload(
      {
        action: "create",
        incident: sampleIncident({ context }),
        idempotencyKey: "01JHQZ8X6N7V4W3Y2T1S0R9Q8P:webhook",
        deliveryId: "01JHQZ8Y0C4D5E6F7G8H9J0K1M",
        detail: "",
        incidentUrl: "https://sluice.example.com/incidents/01JHQZ8X6N7V4W3Y2T1S0R9Q8P",
      },
      SENT_AT,
    );
    assert.deepEqual(payload, fixture("create.json"));
    assert.doesNotMatch(JSON.stringify(payload), /0123456789abcdef|destinations/);
  });

  it("resolve without a public URL matches fixtures/resolve.json", () => {
    const payload = toWebhookPayload(
      {
        action: "resolve",
        incident: sampleIncident({ state: "resolved", signalCount: 23, lastSeenAt: Date.UTC(2025, 0, 15, 9, 58, 0) }),
        idempotencyKey: "01JHQZ8X6N7V4W3Y2T1S0R9Q8P:webhook",
        deliveryId: "01JHR1Q2W3E4R5T6Y7V8X9Z0PA",
        detail: "Provider recovered; error rate back to baseline.",
        incidentUrl: null,
      },
      SENT_AT,
    );
    assert.deepEqual(payload, fixture("resolve.json"));
  });

  it("carries only the documented incident fields", () => {
    const payload = toWebhookPayload(
      { action: "comment", incident: sampleIncident(), idempotencyKey: "k", detail: "note", incidentUrl: null },
      SENT_AT,
    );
    assert.deepEqual(Object.keys(payload.incident).sort(), [
      "context",
      "environment",
      "firstSeenAt",
      "id",
      "key",
      "lastSeenAt",
      "matchedRule",
      "priority",
      "service",
      "severity",
      "signalCount",
      "state",
      "summary",
      "tenant",
      "title",
      "url",
    ]);
  });
});

describe("webhook investigation event", () => {
  const input = {
    action: "comment" as const,
    incident: sampleIncident(),
    idempotencyKey: "k",
    deliveryId: "d-1",
    detail: "plain text of the report",
    incidentUrl: null,
  };

  it("is a typed investigation event with the report as JSON and the version it supersedes", () => {
    const delivery = sampleInvestigation({ version: 3 }, 1);
    const payload = toWebhookPayload({ ...input, investigation: delivery }, SENT_AT);
    assert.equal(payload.event, "investigation");
    assert.deepEqual(payload.investigation, { version: 3, supersedes: 1, report: delivery.report });
    assert.equal(payload.detail, "plain text of the report");
  });

  it("a plain note stays a comment event without a report", () => {
    const payload = toWebhookPayload(input, SENT_AT);
    assert.equal(payload.event, "comment");
    assert.equal("investigation" in payload, false);
  });
});
