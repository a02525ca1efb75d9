import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../../core/clock.ts";
import { isSluiceError } from "../../core/errors.ts";
import { anomalyEvent, inMemorySluice } from "../../testing/in-memory-sluice.ts";
import type { MemoryConnector } from "../memory/memory-connector.ts";
import { pagerdutyFactory } from "./pagerduty-factory.ts";
import { PagerDutySync, pagerdutySignature } from "./pagerduty-sync.ts";

const SECRET = "pd-webhook-secret-0123456789abcdef";
const OLD_SECRET = "pd-webhook-secret-before-rotation";

type Fixture = { event: { occurred_at: string; data: Record<string, unknown> & { incident?: Record<string, unknown> } } };
const fixture = (name: string): Fixture =>
  JSON.parse(readFileSync(new URL(`./fixtures/webhooks/${name}.json`, import.meta.url), "utf8")) as Fixture;

describe("PagerDutySync", () => {
  const clock = new ManualClock(Date.parse("2026-11-02T10:06:00Z"));
  const sync = new PagerDutySync({ webhookSecret: SECRET, maxAgeSeconds: 3600, ignoreUsers: ["PSLUICE"] }, clock);
  const request = (body: unknown, signature?: string) => {
    const rawBody = Buffer.from(JSON.stringify(body));
    return {
      rawBody,
      headers: { "x-pagerduty-signature": signature ?? pagerdutySignature(SECRET, rawBody) },
      now: clock.now(),
    };
  };

  it("accepts any matching v1 signature in the list, so a secret can be rotated", () => {
    const body = fixture("incident-acknowledged");
    const raw = Buffer.from(JSON.stringify(body));
    const both = `${pagerdutySignature(OLD_SECRET, raw)}, ${pagerdutySignature(SECRET, raw)}`;
    assert.equal(sync.verify(request(body, both)), true);
    assert.equal(sync.verify(request(body, pagerdutySignature(OLD_SECRET, raw))), false);
    assert.equal(sync.verify({ ...request(body), headers: {} }), false);
    assert.equal(sync.verify(request(body, "v1=zz")), false);
    assert.equal(sync.verify({ ...request(body), rawBody: Buffer.from("{}x") }), false, "body changed after signing");
  });

  it("refuses a correctly signed event outside the replay window", () => {
    const body = fixture("incident-acknowledged");
    body.event.occurred_at = "2026-11-02T08:00:00Z";
    assert.equal(sync.verify(request(body)), false);
    body.event.occurred_at = "2026-11-02T12:00:00Z";
    assert.equal(sync.verify(request(body)), false, "from the future");
  });

  it("maps the documented events to actions and notes", () => {
    const ack = sync.parse(request(fixture("incident-acknowledged")));
    assert.deepEqual(ack, [
      {
        ticketRef: { externalId: "d3640fbd41094207a1c11e58e46b1662" },
        change: { action: "acknowledge" },
        user: "Tenex Engineer",
        at: Date.parse("2026-11-02T10:05:00.000Z"),
        platformId: "PGR0VU2",
      },
    ]);
    assert.deepEqual(sync.parse(request(fixture("incident-resolved")))[0]?.change, { action: "resolve" });
    assert.deepEqual(sync.parse(request(fixture("incident-reopened")))[0]?.change, { action: "reopen" });
    const note = sync.parse(request(fixture("incident-annotated")));
    assert.deepEqual(note[0]?.ticketRef, { externalId: "PGR0VU2" });
    assert.deepEqual(note[0]?.change, { comment: "Rolled back the 2.3.1 deploy; error rate is dropping." });
  });

  it("uses Sluice's dedup key when PagerDuty echoes it back as incident_key", () => {
    const body = fixture("incident-acknowledged");
    body.event.data.incident_key = "sluice-01JABC-pagerduty";
    assert.deepEqual(sync.parse(request(body))[0]?.ticketRef, { idempotencyKey: "sluice-01JABC-pagerduty" });
  });

  it("skips other event types and Sluice's own user, and names unreadable payloads", () => {
    const other = fixture("incident-acknowledged") as unknown as { event: { event_type: string } };
    other.event.event_type = "incident.priority_updated";
    assert.deepEqual(sync.parse(request(other)), []);
    // Names every object answers to are event types like any other unknown one.
    for (const name of ["constructor", "__proto__", "toString"]) {
      other.event.event_type = name;
      assert.deepEqual(sync.parse(request(other)), [], name);
    }
    const own = fixture("incident-annotated") as unknown as { event: { agent: { id: string } } };
    own.event.agent.id = "PSLUICE";
    assert.deepEqual(sync.parse(request(own)), []);
    assert.throws(
      () => sync.parse(request({ event: { event_type: "incident.acknowledged" } })),
      (error) => isSluiceError(error) && error.code === "VALIDATION_FAILED",
    );
    assert.throws(
      () => sync.parse({ ...request({}), rawBody: Buffer.from("not json") }),
      (error) => isSluiceError(error) && error.code === "MALFORMED_BODY",
    );
  });

  it("has an inbound side only when the block has a webhook secret", () => {
    const base = pagerdutyFactory.configSchema.parse({ enabled: true, routingKey: "R".repeat(32) });
    assert.equal(pagerdutyFactory.createSyncHandler?.(base, { clock }), null);
    const withSecret = pagerdutyFactory.configSchema.parse({ enabled: true, routingKey: "R".repeat(32), webhookSecret: SECRET });
    assert.equal(pagerdutyFactory.createSyncHandler?.(withSecret, { clock })?.platform, "pagerduty");
    assert.ok(pagerdutyFactory.secretFields.includes("webhookSecret"));
  });
});

describe("inbound sync from PagerDuty v3 webhooks", async () => {
  const { sluice, clock, memory } = await inMemorySluice(
    {
      pagerduty: { enabled: true, routingKey: "R".repeat(32), webhookSecret: SECRET },
      routing: { critical: ["memory", "pagerduty"], high: ["memory", "pagerduty"] },
    },
    Date.now(),
  );
  const pagerduty = sluice.connectors.get("pagerduty") as MemoryConnector;
  after(() => sluice.close());
  let key = "";

  /** A documented payload about our incident, occurring now, as bytes with their signature. */
  const signed = (name: string, secret = SECRET) => {
    const body = fixture(name);
    body.event.occurred_at = new Date(clock.now()).toISOString();
    if ("incident_key" in body.event.data) body.event.data.incident_key = key;
    // Notes name only the PagerDuty incident; the dry-run stand-in's ticket id plays that part here.
    if (body.event.data.incident) body.event.data.incident.id = "pagerduty-INC-1";
    const text = JSON.stringify(body);
    return { text, signature: pagerdutySignature(secret, text) };
  };
  const post = ({ text, signature }: { text: string; signature: string | undefined }) =>
    sluice.server.inject({
      method: "POST",
      url: "/api/v1/sync/pagerduty",
      headers: { "content-type": "application/json", ...(signature ? { "x-pagerduty-signature": signature } : {}) },
      payload: text,
    });
  const actions = (connector: MemoryConnector) => connector.received.map((d) => d.action);
  const incident = async () => (await sluice.server.inject({ url: "/api/incidents/INC-1" })).json() as { state: string };
  const timeline = async () =>
    (await sluice.server.inject({ url: "/api/incidents/INC-1/timeline" })).json().items as {
      action: string;
      actor: string;
      detail: string;
    }[];

  before(async () => {
    await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent() });
    await sluice.worker.flush();
    key = pagerduty.received[0]?.idempotencyKey ?? "";
    assert.match(key, /^sluice-.+-pagerduty$/);
  });

  it("refuses unsigned and wrongly signed webhooks with 401", async () => {
    const good = signed("incident-acknowledged");
    assert.equal((await post({ text: good.text, signature: undefined })).statusCode, 401);
    assert.equal((await post(signed("incident-acknowledged", "not-the-pagerduty-secret"))).statusCode, 401);
    assert.equal((await incident()).state, "open");
  });

  it("applies incident.acknowledged once, fans it out, and sends nothing back to PagerDuty", async () => {
    const request = signed("incident-acknowledged");
    const response = await post(request);
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json().outcomes, [{ result: "applied", incident: "INC-1" }]);
    await sluice.worker.flush();
    assert.equal((await incident()).state, "acknowledged");
    assert.deepEqual(actions(memory), ["create", "acknowledge"]);
    assert.deepEqual(actions(pagerduty), ["create"], "no call back to the origin");
    const last = (await timeline()).at(-1);
    assert.equal(last?.action, "acknowledged");
    assert.equal(last?.actor, "pagerduty:Tenex Engineer");

    const replay = await post(request);
    assert.equal(replay.json().outcomes[0].result, "echo", "the same delivery again changes nothing");
    await sluice.worker.flush();
    assert.deepEqual(actions(memory), ["create", "acknowledge"]);
  });

  it("refuses a replay of a captured webhook after the window", async () => {
    const request = signed("incident-resolved");
    clock.advance(2 * 3600_000);
    assert.equal((await post(request)).statusCode, 401);
    assert.equal((await incident()).state, "acknowledged");
  });

  it("passes a note on as a comment, to every other ticket only", async () => {
    const response = await post(signed("incident-annotated"));
    assert.deepEqual(response.json().outcomes, [{ result: "applied", incident: "INC-1" }]);
    await sluice.worker.flush();
    assert.deepEqual(
      memory.received.filter((d) => d.action === "comment").map((d) => d.detail),
      ["Rolled back the 2.3.1 deploy; error rate is dropping."],
    );
    assert.deepEqual(actions(pagerduty), ["create"]);
    const last = (await timeline()).at(-1);
    assert.equal(last?.action, "note");
    assert.equal(last?.actor, "pagerduty:Tenex Engineer");
  });

  it("resolves and reopens from PagerDuty, each once", async () => {
    assert.equal((await post(signed("incident-resolved"))).json().outcomes[0].result, "applied");
    await sluice.worker.flush();
    assert.equal((await incident()).state, "resolved");
    assert.equal((await timeline()).at(-1)?.action, "resolved");
    assert.equal((await post(signed("incident-reopened"))).json().outcomes[0].result, "applied");
    await sluice.worker.flush();
    assert.equal((await incident()).state, "open");
    assert.equal((await timeline()).at(-1)?.action, "reopened");
    assert.deepEqual(actions(memory), ["create", "acknowledge", "comment", "resolve", "reopen"]);
    assert.deepEqual(actions(pagerduty), ["create"], "PagerDuty already knows; it is not told again");
  });
});
