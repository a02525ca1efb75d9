// A signal for a catalogued service, through the whole in-process pipeline: routed by a team rule,
// its Jira issue opened in the owner's project and its Slack message posted to the owner's channel
// (real connectors, an in-process scripted HTTP client instead of the network), and the owner with
// its runbook shown by GET /api/incidents/:id. Needs no service: SQLite in memory, no sockets.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import pino from "pino";
import { parseConfig } from "../config/loader.ts";
import type { HttpClient } from "../connectors/connector.ts";
import { createSluice } from "../main.ts";

const ROUTING_KEY = "0WNERKEY0123456789abcdef01234567";

interface Sent {
  url: URL;
  body: string;
}

/** Answers the way Jira Cloud and the Slack Web API do, and keeps every request. */
function scriptedPlatforms(): { http: HttpClient; sent: Sent[] } {
  const sent: Sent[] = [];
  let issues = 0;
  let ts = 0;
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  const http: HttpClient = async (url, init) => {
    const parsed = new URL(url);
    sent.push({ url: parsed, body: String(init.body ?? "") });
    if (parsed.host === "jira.test") {
      if (parsed.pathname === "/rest/api/3/search/jql") return json({ issues: [] });
      if (parsed.pathname === "/rest/api/3/issue" && init.method === "POST") {
        const project = (JSON.parse(String(init.body)) as { fields: { project: { key: string } } }).fields.project.key;
        issues += 1;
        return json(
          { id: String(10_000 + issues), key: `${project}-${issues}`, self: `https://jira.test/rest/api/3/issue/${issues}` },
          201,
        );
      }
      return new Response(null, { status: 204 });
    }
    if (parsed.host === "slack.test") {
      const form = new URLSearchParams(String(init.body ?? ""));
      ts += 1;
      return json({
        ok: true,
        channel: form.get("channel") === "#payments-oncall" ? "C0PAYMENTS" : "C0INCIDENTS",
        ts: `1.${ts}`,
      });
    }
    return new Response("not scripted", { status: 404 });
  };
  return { http, sent };
}

describe("service catalog end to end", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-catalog-e2e-"));
  const catalogFile = join(dir, "services.yaml");
  writeFileSync(
    catalogFile,
    [
      "- service: checkout",
      "  aliases: [checkout-api]",
      "  team: payments",
      "  tier: 1",
      "  runbook: https://runbooks.example.com/checkout",
      "  slackChannel: '#payments-oncall'",
      "  jira: { projectKey: PAY }",
      `  pagerduty: { routingKey: ${ROUTING_KEY} }`,
      "",
    ].join("\n"),
  );
  const { config } = parseConfig(
    {
      jira: {
        enabled: true,
        baseUrl: "https://jira.test",
        email: "sluice@example.com",
        apiToken: "jira-token",
        projectKey: "OPS",
      },
      slack: { enabled: true, botToken: "xoxb-test-token", channel: "#incidents", apiBaseUrl: "https://slack.test/api" },
      routing: {
        high: ["jira"],
        rules: [{ name: "payments-team", match: { team: "payments" }, platforms: ["jira", "slack"] }],
      },
      catalog: { files: [catalogFile], reloadInterval: 0 },
    },
    {},
    dir,
    "test",
  );
  const platforms = scriptedPlatforms();
  const sluice = await createSluice(config, {
    dataDir: ":memory:",
    processMetrics: false,
    http: platforms.http,
    logger: pino({ level: "silent" }),
  });
  after(() => sluice.close());

  async function signal(service: string, id: string): Promise<Record<string, unknown>> {
    const response = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      payload: { event_id: id, anomaly_score: 0.97, severity: "high", service, error_message: `timeout calling provider ${id}` },
    });
    assert.equal(response.statusCode, 202, response.body);
    await sluice.worker.flush();
    const key = `INC-${id === "e1" ? 1 : 2}`;
    const incident = await sluice.server.inject({ url: `/api/incidents/${key}` });
    assert.equal(incident.statusCode, 200, incident.body);
    return incident.json() as Record<string, unknown>;
  }

  it("routes by the owner's team, opens tickets where the owner's entry says, and shows the owner", async () => {
    const incident = await signal("checkout-api", "e1");
    assert.match(String(incident.matchedRule), /^rule:payments-team \(owner: team payments, tier 1, from the service catalog\)$/);
    const context = incident.context as { owner?: Record<string, unknown>; destinations?: Record<string, unknown> };
    assert.equal(context.owner?.team, "payments");
    assert.equal(context.owner?.service, "checkout");
    assert.equal(context.owner?.runbookUrl, "https://runbooks.example.com/checkout");

    const create = platforms.sent.find((s) => s.url.pathname === "/rest/api/3/issue");
    assert.ok(create, "a Jira issue was created");
    const fields = (JSON.parse(create.body) as { fields: { project: { key: string }; description: unknown } }).fields;
    assert.equal(fields.project.key, "PAY");
    assert.match(JSON.stringify(fields.description), /runbooks\.example\.com\/checkout/, "the ticket carries the runbook");
    const post = platforms.sent.find((s) => s.url.pathname === "/api/chat.postMessage");
    assert.ok(post, "a Slack message was posted");
    assert.equal(new URLSearchParams(post.body).get("channel"), "#payments-oncall");
  });

  it("routes a service the catalog does not know as before, to the configured project", async () => {
    const before = platforms.sent.length;
    const incident = await signal("unknown-service", "e2");
    assert.equal(incident.matchedRule, "severity:high");
    assert.equal((incident.context as { owner?: unknown }).owner, undefined);
    const creates = platforms.sent.slice(before).filter((s) => s.url.pathname === "/rest/api/3/issue");
    assert.equal(creates.length, 1);
    assert.equal((JSON.parse(creates[0]?.body ?? "{}") as { fields: { project: { key: string } } }).fields.project.key, "OPS");
    assert.equal(platforms.sent.slice(before).filter((s) => s.url.host === "slack.test").length, 0, "slack is not routed to");
  });

  it("never shows the owner's PagerDuty routing key in the API, only that one is set", async () => {
    for (const url of ["/api/incidents/INC-1", "/api/incidents"]) {
      const response = await sluice.server.inject({ url });
      assert.ok(!response.body.includes(ROUTING_KEY), `the routing key is in GET ${url}`);
    }
    const incident = (await sluice.server.inject({ url: "/api/incidents/INC-1" })).json();
    assert.equal(incident.context.destinations.pagerduty.routingKey, "[set]");
  });
});
