import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { MemoryConnector } from "../../connectors/memory/memory-connector.ts";
import { signPayload } from "../../connectors/webhook/signature.ts";
import { anomalyEvent, inMemorySluice } from "../../testing/in-memory-sluice.ts";

const SECRET = "inbound-test-secret-0123456789";

describe("inbound sync through the generic webhook", async () => {
  const start = Date.now();
  const { sluice, clock, memory } = await inMemorySluice(
    {
      webhook: { enabled: true, url: "https://hooks.example.com/sluice", secret: SECRET },
      routing: { critical: ["memory", "webhook"], high: ["memory", "webhook"] },
    },
    start,
  );
  const webhook = sluice.connectors.get("webhook") as MemoryConnector;
  after(() => sluice.close());
  let key = "";

  const send = (body: unknown, sign = SECRET) => {
    const text = JSON.stringify(body);
    const timestamp = Math.floor(clock.now() / 1000);
    return sluice.server.inject({
      method: "POST",
      url: "/api/v1/sync/webhook",
      headers: {
        "content-type": "application/json",
        "x-sluice-timestamp": String(timestamp),
        "x-sluice-signature": signPayload(sign, timestamp, text),
      },
      payload: text,
    });
  };
  const actions = (connector: MemoryConnector) => connector.received.map((d) => d.action);
  const timeline = async () =>
    (await sluice.server.inject({ url: "/api/incidents/INC-1/timeline" })).json().items as {
      action: string;
      actor: string;
      detail: string;
    }[];

  before(async () => {
    await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent() });
    await sluice.worker.flush();
    key = webhook.received[0]?.idempotencyKey ?? "";
  });

  it("refuses unsigned and wrongly signed requests with 401", async () => {
    const unsigned = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/sync/webhook",
      payload: { idempotencyKey: key, action: "acknowledge" },
    });
    assert.equal(unsigned.statusCode, 401);
    assert.equal((await send({ idempotencyKey: key, action: "acknowledge" }, "not-the-secret-at-all")).statusCode, 401);
    assert.equal((await sluice.server.inject({ url: "/api/incidents/INC-1" })).json().state, "open");
  });

  it("applies a signed acknowledge once, fans it out to the other tickets but not back to the origin", async () => {
    const response = await send({ idempotencyKey: key, action: "acknowledge", user: "alice" });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json().outcomes, [{ result: "applied", incident: "INC-1" }]);
    await sluice.worker.flush();
    assert.deepEqual(actions(memory), ["create", "acknowledge"]);
    assert.deepEqual(actions(webhook), ["create"], "no call back to the origin");
    const last = (await timeline()).at(-1);
    assert.equal(last?.action, "acknowledged");
    assert.equal(last?.actor, "webhook:alice");
  });

  it("treats the same acknowledge again (a replay or our own echo) as a no-op", async () => {
    const response = await send({ idempotencyKey: key, action: "acknowledge", user: "alice" });
    assert.equal(response.json().outcomes[0].result, "echo");
    await sluice.worker.flush();
    assert.deepEqual(actions(memory), ["create", "acknowledge"]);
  });

  it("passes comments on, and recognises Sluice's own note coming back", async () => {
    await sluice.server.inject({ method: "POST", url: "/api/incidents/INC-1/notes", payload: { text: "rolling back 2.3.1" } });
    const echo = await send({ idempotencyKey: key, comment: "rolling back 2.3.1", user: "sluice-bot" });
    assert.equal(echo.json().outcomes[0].result, "echo");
    const fresh = await send({ idempotencyKey: key, comment: "rollback done, errors gone", user: "bob" });
    assert.equal(fresh.json().outcomes[0].result, "applied");
    await sluice.worker.flush();
    assert.equal(memory.received.filter((d) => d.action === "comment").length, 2);
    assert.deepEqual(
      webhook.received.filter((d) => d.action === "comment").map((d) => d.detail),
      ["rolling back 2.3.1"],
      "the platform's own comment is not sent back to it",
    );
  });

  it("lets resolved win over a late acknowledge, and says so in the timeline", async () => {
    await sluice.server.inject({ method: "POST", url: "/api/incidents/INC-1/resolve" });
    const late = await send({ idempotencyKey: key, action: "escalate", user: "carol" });
    assert.equal(late.json().outcomes[0].result, "ignored");
    const last = (await timeline()).at(-1);
    assert.equal(last?.action, "ignored");
    assert.match(last?.detail ?? "", /escalate from webhook ignored: INC-1 is resolved/);
  });

  it("names bad payloads and unknown tickets", async () => {
    const bad = await send({ idempotencyKey: key, action: "snooze" });
    assert.equal(bad.statusCode, 422);
    const unknown = await send({ idempotencyKey: "sluice-NOPE-webhook", action: "acknowledge" });
    assert.deepEqual(unknown.json().outcomes, [{ result: "unknown-ticket" }]);
    assert.equal((await sluice.server.inject({ method: "POST", url: "/api/v1/sync/jira", payload: {} })).statusCode, 404);
  });
});

describe("concurrent changes: the later one wins", async () => {
  const { sluice, clock } = await inMemorySluice(
    {
      webhook: { enabled: true, url: "https://hooks.example.com/sluice", secret: SECRET },
      routing: { high: ["memory", "webhook"] },
    },
    Date.now(),
  );
  after(() => sluice.close());
  it("ignores a change that happened before the current state, and records why", async () => {
    await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent() });
    await sluice.worker.flush();
    await sluice.server.inject({ method: "POST", url: "/api/incidents/INC-1/escalate" });
    // An acknowledge made a minute before that escalation arrives now (a slow platform, a retried webhook).
    const id = (await sluice.server.inject({ url: "/api/incidents/INC-1" })).json().id;
    const events = await sluice.inboundSync.apply("webhook", {
      ticketRef: { idempotencyKey: `sluice-${id}-webhook` },
      change: { action: "acknowledge" },
      user: "late-larry",
      at: clock.now() - 60_000,
    });
    assert.equal(events.result, "ignored");
    const incident = (await sluice.server.inject({ url: "/api/incidents/INC-1" })).json();
    assert.equal(incident.state, "escalated");
    assert.match(incident.timeline.at(-1).detail, /older than the escalated .* \(later change wins\)/);
  });

  it("measures how late a platform's applied change arrived, from the platform's own timestamp", async () => {
    const id = (await sluice.server.inject({ url: "/api/incidents/INC-1" })).json().id;
    const applied = await sluice.inboundSync.apply("webhook", {
      ticketRef: { idempotencyKey: `sluice-${id}-webhook` },
      change: { action: "resolve" },
      user: "dana",
      at: clock.now() - 3_000,
    });
    assert.equal(applied.result, "applied");
    const metrics = (await sluice.server.inject({ url: "/metrics" })).body;
    assert.match(metrics, /sluice_sync_lag_seconds_sum\{platform="webhook"\} 3\n/);
    assert.match(metrics, /sluice_sync_lag_seconds_count\{platform="webhook"\} 1\n/, "ignored changes are not counted");
  });
});
