import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import pino from "pino";
import { parseConfig } from "../../config/loader.ts";
import type { HttpClient } from "../../connectors/connector.ts";
import type { MemoryConnector } from "../../connectors/memory/memory-connector.ts";
import { ManualClock } from "../../core/clock.ts";
import { createSluice } from "../../main.ts";
import { anomalyEvent } from "../../testing/in-memory-sluice.ts";

describe("ServiceNow polling reader", async () => {
  // The instance's Table API as the poller sees it: one incident record whose state people change.
  const record = { sys_id: "servicenow-INC-1", number: "INC0010001", state: "2", correlation_id: "", sys_updated_by: "mia.k" };
  const queries: string[] = [];
  const http: HttpClient = async (url) => {
    queries.push(decodeURIComponent(new URL(url).searchParams.get("sysparm_query") ?? ""));
    return new Response(JSON.stringify({ result: [record] }), { status: 200, headers: { "content-type": "application/json" } });
  };
  const { config } = parseConfig(
    {
      servicenow: {
        enabled: true,
        instance: "acme",
        username: "sluice.integration",
        password: "secret-password",
        pollIntervalSeconds: 30,
      },
      routing: { high: ["memory", "servicenow"] },
    },
    {},
    process.cwd(),
    "test",
  );
  const clock = new ManualClock(Date.parse("2026-11-02T10:00:00Z"));
  const sluice = await createSluice(config, {
    http,
    clock,
    dryRun: true,
    dataDir: ":memory:",
    processMetrics: false,
    logger: pino({ level: "silent" }),
  });
  after(() => sluice.close());
  const memory = sluice.connectors.get("memory") as MemoryConnector;
  const servicenow = sluice.connectors.get("servicenow") as MemoryConnector;
  const poller = sluice.polls.pollerFor("servicenow");
  const state = async () => (await sluice.server.inject({ url: "/api/incidents/INC-1" })).json().state as string;

  it("asks only about linked tickets of unresolved incidents, from the last poll on", async () => {
    assert.ok(poller);
    await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent() });
    await sluice.worker.flush();
    assert.equal(await sluice.polls.pollOnce(poller), 1);
    assert.match(queries.at(-1) ?? "", /^sys_idINservicenow-INC-1\^sys_updated_on>=2026-11-02 09:58:30$/);
  });

  it("applies what changed in ServiceNow once, to every other ticket and not back", async () => {
    assert.equal(await state(), "acknowledged", "state 2 (In Progress) acknowledged it");
    clock.advance(30_000);
    record.state = "6";
    await sluice.polls.pollOnce(poller as NonNullable<typeof poller>);
    await sluice.polls.pollOnce(poller as NonNullable<typeof poller>);
    await sluice.worker.flush();
    assert.equal(await state(), "resolved");
    assert.deepEqual(
      memory.received.map((d) => d.action),
      ["create", "acknowledge", "resolve"],
    );
    assert.deepEqual(
      servicenow.received.map((d) => d.action),
      ["create"],
      "nothing goes back to ServiceNow",
    );
    const timeline = (await sluice.server.inject({ url: "/api/incidents/INC-1/timeline" })).json().items as { actor: string }[];
    assert.equal(timeline.at(-1)?.actor, "servicenow:mia.k");
  });

  it("stops asking once the incident is resolved", async () => {
    const before = queries.length;
    assert.equal(await sluice.polls.pollOnce(poller as NonNullable<typeof poller>), 0);
    assert.equal(queries.length, before, "no linked unresolved tickets: no request");
  });
});
