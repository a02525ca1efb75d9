// One incident, three platforms: acknowledged with Slack's button, commented in Jira, resolved in
// PagerDuty — each through its own signed webhook. Runs in process; needs nothing else.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { jiraSignature } from "../src/connectors/jira/jira-sync.ts";
import type { MemoryConnector } from "../src/connectors/memory/memory-connector.ts";
import { pagerdutySignature } from "../src/connectors/pagerduty/pagerduty-sync.ts";
import { SIGNATURE_HEADER, slackSignature, TIMESTAMP_HEADER } from "../src/connectors/slack/slack-sync.ts";
import { anomalyEvent, inMemorySluice } from "../src/testing/in-memory-sluice.ts";

const fixture = (path: string) => readFileSync(new URL(`../src/connectors/${path}`, import.meta.url), "utf8");
const SLACK_SECRET = "slack-signing-secret-0123456789";
const JIRA_SECRET = "jira-webhook-secret-0123456789";
const PAGERDUTY_SECRET = "pagerduty-webhook-secret-012345";

describe("GET /api/incidents/:id/timeline tells the whole story across platforms", async () => {
  const { sluice, clock } = await inMemorySluice(
    {
      slack: { enabled: true, botToken: "xoxb-test-0000", channel: "C0INCIDENTS", signingSecret: SLACK_SECRET },
      jira: { enabled: true, baseUrl: "https://acme.atlassian.net", projectKey: "OPS", webhookSecret: JIRA_SECRET },
      pagerduty: { enabled: true, routingKey: "R".repeat(32), webhookSecret: PAGERDUTY_SECRET },
      routing: { critical: ["slack", "jira", "pagerduty"] },
    },
    Date.now(),
  );
  after(() => sluice.close());
  const received = (platform: string) => (sluice.connectors.get(platform) as MemoryConnector).received.map((d) => d.action);
  const keyOf = (platform: string) => (sluice.connectors.get(platform) as MemoryConnector).received[0]?.idempotencyKey ?? "";
  const post = (platform: string, body: string, headers: Record<string, string>) =>
    sluice.server.inject({ method: "POST", url: `/api/v1/sync/${platform}`, headers, payload: body });

  it("opens the incident on all three platforms", async () => {
    const response = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      payload: anomalyEvent({ severity: "critical" }),
    });
    assert.equal(response.statusCode, 202);
    await sluice.worker.flush();
    for (const platform of ["slack", "jira", "pagerduty"]) assert.deepEqual(received(platform), ["create"], platform);
  });

  it("is acknowledged with Slack's button", async () => {
    const interaction = JSON.parse(fixture("slack/fixtures/interaction-block-actions.json").replace("__VALUE__", keyOf("slack")));
    interaction.actions[0].action_id = "sluice_acknowledge";
    const body = new URLSearchParams({ payload: JSON.stringify(interaction) }).toString();
    const seconds = Math.floor(clock.now() / 1000);
    const response = await post("slack", body, {
      "content-type": "application/x-www-form-urlencoded",
      [TIMESTAMP_HEADER]: String(seconds),
      [SIGNATURE_HEADER]: slackSignature(SLACK_SECRET, seconds, body),
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().outcomes[0].result, "applied");
  });

  it("is commented in Jira", async () => {
    const comment = JSON.parse(fixture("jira/fixtures/webhooks/comment-created.json"));
    comment.timestamp = clock.now();
    comment.issue.key = "jira-INC-1"; // the dry-run stand-in's issue key, as Sluice stored it
    const body = JSON.stringify(comment);
    const response = await post("jira", body, {
      "content-type": "application/json",
      "x-hub-signature": jiraSignature(JIRA_SECRET, body),
    });
    assert.equal(response.json().outcomes[0].result, "applied", response.body);
  });

  it("is resolved in PagerDuty", async () => {
    const resolved = JSON.parse(fixture("pagerduty/fixtures/webhooks/incident-resolved.json"));
    resolved.event.occurred_at = new Date(clock.now()).toISOString();
    resolved.event.data.incident_key = keyOf("pagerduty");
    const body = JSON.stringify(resolved);
    const response = await post("pagerduty", body, {
      "content-type": "application/json",
      "x-pagerduty-signature": pagerdutySignature(PAGERDUTY_SECRET, body),
    });
    assert.equal(response.json().outcomes[0].result, "applied", response.body);
  });

  it("shows who did what where, and every other ticket followed", async () => {
    await sluice.worker.flush();
    const timeline = (await sluice.server.inject({ url: "/api/incidents/INC-1/timeline" })).json().items as {
      action: string;
      actor: string;
      detail: string;
    }[];
    const story = timeline.map((entry) => `${entry.action} by ${entry.actor.split(":")[0]}`);
    assert.deepEqual(story, [
      "opened by sluice",
      "routed by sluice",
      "acknowledged by slack",
      "note by jira",
      "resolved by pagerduty",
    ]);
    assert.match(timeline[3]?.detail ?? "", /Bank confirmed an outage/);
    assert.equal((await sluice.server.inject({ url: "/api/incidents/INC-1" })).json().state, "resolved");
    // Each change reached the other platforms; the comment did not go back to Jira, the resolve not back to PagerDuty.
    assert.deepEqual(received("jira"), ["create", "acknowledge", "resolve"]);
    assert.deepEqual(received("pagerduty"), ["create", "acknowledge", "comment"]);
    assert.deepEqual(
      received("slack"),
      ["create", "acknowledge", "comment", "resolve"],
      "Slack's root message also shows the state it set",
    );
  });
});
