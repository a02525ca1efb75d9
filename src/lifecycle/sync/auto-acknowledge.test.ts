import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { jiraSignature } from "../../connectors/jira/jira-sync.ts";
import type { MemoryConnector } from "../../connectors/memory/memory-connector.ts";
import { anomalyEvent, inMemorySluice } from "../../testing/in-memory-sluice.ts";

const SECRET = "jira-webhook-secret-0123456789";

/** Jira's documented issue_updated, reduced to an assignment (no status change). */
function assignment(now: number, issueKey: string): string {
  const body = JSON.parse(
    readFileSync(new URL("../../connectors/jira/fixtures/webhooks/issue-updated-status.json", import.meta.url), "utf8"),
  );
  body.timestamp = now;
  body.issue.key = issueKey;
  body.issue.fields.labels = [];
  body.changelog.items = [
    {
      field: "assignee",
      fieldtype: "jira",
      from: null,
      fromString: null,
      to: "5b10a2844c20165700ede21g",
      toString: "Mia Krystof",
    },
  ];
  return JSON.stringify(body);
}

async function setup(autoAcknowledge: string[]) {
  const { sluice, clock } = await inMemorySluice(
    {
      jira: { enabled: true, baseUrl: "https://acme.atlassian.net", projectKey: "OPS", webhookSecret: SECRET },
      pagerduty: { enabled: true, routingKey: "R".repeat(32) },
      routing: { high: ["jira", "pagerduty"] },
      lifecycle: { autoAcknowledge },
    },
    Date.now(),
  );
  await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent() });
  await sluice.worker.flush();
  const assign = async () => {
    const body = assignment(clock.now(), "jira-INC-1");
    const response = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/sync/jira",
      headers: { "content-type": "application/json", "x-hub-signature": jiraSignature(SECRET, body) },
      payload: body,
    });
    await sluice.worker.flush();
    return response;
  };
  const incident = async () => (await sluice.server.inject({ url: "/api/incidents/INC-1" })).json();
  return { sluice, assign, incident, pagerduty: sluice.connectors.get("pagerduty") as MemoryConnector };
}

describe("auto-acknowledge on assignment", () => {
  it("is off by default: the assignment is only recorded", async () => {
    const { sluice, assign, incident, pagerduty } = await setup([]);
    after(() => sluice.close());
    assert.equal((await assign()).statusCode, 200);
    const body = await incident();
    assert.equal(body.state, "open");
    assert.equal(body.timeline.at(-1).action, "assigned");
    assert.match(body.timeline.at(-1).detail, /assigned to Mia Krystof in jira/);
    assert.deepEqual(
      pagerduty.received.map((d) => d.action),
      ["create"],
    );
  });

  it("acknowledges in PagerDuty once the Jira issue is assigned, when turned on for Jira", async () => {
    const { sluice, assign, incident, pagerduty } = await setup(["jira"]);
    after(() => sluice.close());
    await assign();
    const body = await incident();
    assert.equal(body.state, "acknowledged");
    assert.match(body.timeline.at(-1).detail, /acknowledged automatically/);
    assert.deepEqual(
      pagerduty.received.map((d) => d.action),
      ["create", "acknowledge"],
    );
  });
});
