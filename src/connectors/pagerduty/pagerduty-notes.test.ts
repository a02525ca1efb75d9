import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { anomalyEvent, inMemorySluice } from "../../testing/in-memory-sluice.ts";
import type { MemoryConnector } from "../memory/memory-connector.ts";
import { pagerdutySignature } from "./pagerduty-sync.ts";

const SECRET = "pagerduty-webhook-secret-012345";
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/webhooks/${name}.json`, import.meta.url), "utf8"));

describe("PagerDuty notes find their incident by PagerDuty's incident id", async () => {
  const { sluice, clock, memory } = await inMemorySluice(
    {
      pagerduty: { enabled: true, routingKey: "R".repeat(32), webhookSecret: SECRET },
      routing: { high: ["memory", "pagerduty"] },
    },
    Date.now(),
  );
  after(() => sluice.close());
  const post = (body: unknown) => {
    const text = JSON.stringify(body);
    return sluice.server.inject({
      method: "POST",
      url: "/api/v1/sync/pagerduty",
      headers: { "content-type": "application/json", "x-pagerduty-signature": pagerdutySignature(SECRET, text) },
      payload: text,
    });
  };

  it("learns the id from an incident event that carries the dedup_key, then maps notes that name only the id", async () => {
    await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent() });
    await sluice.worker.flush();
    const key = (sluice.connectors.get("pagerduty") as MemoryConnector).received[0]?.idempotencyKey;
    const note = fixture("incident-annotated");
    note.event.occurred_at = new Date(clock.now()).toISOString();
    note.event.data.incident.id = "PGR0VU2";
    assert.deepEqual((await post(note)).json().outcomes, [{ result: "unknown-ticket" }], "PagerDuty's id is not known yet");

    const acknowledged = fixture("incident-acknowledged");
    acknowledged.event.occurred_at = new Date(clock.now()).toISOString();
    acknowledged.event.data.incident_key = key;
    acknowledged.event.data.id = "PGR0VU2";
    assert.equal((await post(acknowledged)).json().outcomes[0].result, "applied");

    note.event.id = "second-delivery";
    note.event.data.content = "Rolled back; error rate dropping.";
    assert.equal((await post(note)).json().outcomes[0].result, "applied");
    await sluice.worker.flush();
    assert.deepEqual(
      memory.received.map((d) => d.action),
      ["create", "acknowledge", "comment"],
    );
  });
});
