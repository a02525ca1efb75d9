import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../../core/clock.ts";
import { isSluiceError } from "../../core/errors.ts";
import { anomalyEvent, inMemorySluice } from "../../testing/in-memory-sluice.ts";
import type { MemoryConnector } from "../memory/memory-connector.ts";
import { zammadFactory } from "./zammad-factory.ts";
import { ZammadSync, zammadSignature } from "./zammad-sync.ts";

const SECRET = "zammad-signature-token-0123456789";

interface Payload {
  ticket: Record<string, unknown> & { id: number | string; updated_at: string; tags?: string[] | string };
  article: (Record<string, unknown> & { created_at: string; created_by: { login: string } }) | null;
}
const fixture = (name: string): Payload =>
  JSON.parse(readFileSync(new URL(`./fixtures/webhooks/${name}.json`, import.meta.url), "utf8")) as Payload;

describe("ZammadSync", () => {
  const clock = new ManualClock(Date.parse("2026-11-02T10:21:00Z"));
  const settings = {
    webhookSecret: SECRET,
    maxAgeSeconds: 3600,
    closedStates: ["closed"],
    openStates: ["new", "open"],
    ignoreUsers: ["sluice@example.com"],
  };
  const sync = new ZammadSync(settings, clock);
  const request = (body: unknown, signature?: string) => {
    const rawBody = Buffer.from(JSON.stringify(body));
    return { rawBody, headers: { "x-hub-signature": signature ?? zammadSignature(SECRET, rawBody) }, now: clock.now() };
  };

  it("verifies the sha1 X-Hub-Signature over the exact body, within the replay window", () => {
    const body = fixture("ticket-closed");
    assert.equal(sync.verify(request(body)), true);
    assert.equal(sync.verify(request(body, zammadSignature("some-other-token-value", JSON.stringify(body)))), false);
    assert.equal(sync.verify(request(body, `sha256=${"0".repeat(64)}`)), false);
    assert.equal(sync.verify({ ...request(body), headers: {} }), false);
    body.ticket.updated_at = "2026-11-02T07:00:00Z";
    assert.equal(sync.verify(request(body)), false, "signed, but replayed hours later");
  });

  it("resolves on closed, reopens on open after a close, and leaves a never-closed open ticket alone", () => {
    assert.deepEqual(sync.parse(request(fixture("ticket-closed"))), [
      {
        ticketRef: { externalId: "81" },
        change: { action: "resolve" },
        user: "Christopher Miller",
        at: Date.parse("2026-11-02T10:20:00.120Z"),
      },
    ]);
    assert.deepEqual(sync.parse(request(fixture("ticket-reopened")))[0]?.change, { action: "reopen" });
    const article = sync.parse(request(fixture("article-created")));
    assert.equal(article.length, 1, "an open ticket that was never closed only brings its article");
    assert.deepEqual(article[0]?.change, {
      comment: "Bank confirmed an outage on their side.\n\nFailing over to the secondary provider & watching the error rate.",
    });
  });

  it("finds the incident by Sluice's tag when the payload carries tags", () => {
    const body = fixture("ticket-closed");
    body.ticket.tags = "sluice, sluice-01JHQZ8X6N7V4W3Y2T1S0R9Q8P-zammad";
    assert.deepEqual(sync.parse(request(body))[0]?.ticketRef, { idempotencyKey: "sluice-01JHQZ8X6N7V4W3Y2T1S0R9Q8P-zammad" });
  });

  it("skips Sluice's own articles and names unreadable payloads", () => {
    const own = fixture("article-created");
    if (own.article) own.article.created_by = { login: "sluice@example.com" };
    assert.deepEqual(sync.parse(request(own)), []);
    assert.throws(
      () => sync.parse(request({ article: {} })),
      (error) => isSluiceError(error) && error.code === "VALIDATION_FAILED",
    );
    assert.throws(
      () => sync.parse({ ...request({}), rawBody: Buffer.from("ticket=81") }),
      (error) => isSluiceError(error) && error.code === "MALFORMED_BODY",
    );
  });

  it("has an inbound side only with a webhook secret", () => {
    const block = {
      enabled: true,
      baseUrl: "https://zammad.example.com",
      group: "Users",
      customer: "guess:s@example.com",
      token: "t0ken-123456",
    };
    assert.equal(zammadFactory.createSyncHandler?.(zammadFactory.configSchema.parse(block), { clock }), null);
    const parsed = zammadFactory.configSchema.parse({
      ...block,
      webhookSecret: SECRET,
      sync: { closedStates: ["closed", "merged"] },
    });
    assert.equal(zammadFactory.createSyncHandler?.(parsed, { clock })?.platform, "zammad");
  });
});

describe("inbound sync from Zammad webhooks", async () => {
  const { sluice, clock, memory } = await inMemorySluice(
    {
      zammad: {
        enabled: true,
        baseUrl: "https://zammad.example.com",
        group: "Users",
        customer: "guess:sluice@example.com",
        token: "zammad-api-token-123",
        webhookSecret: SECRET,
      },
      routing: { critical: ["memory", "zammad"], high: ["memory", "zammad"] },
    },
    Date.now(),
  );
  const zammad = sluice.connectors.get("zammad") as MemoryConnector;
  after(() => sluice.close());
  let key = "";

  /** A documented payload about our ticket, updated now: by Sluice's tag, or by the ticket id Sluice stored. */
  const signed = (name: string, by: "tag" | "id" = "tag", secret = SECRET) => {
    const body = fixture(name);
    const now = new Date(clock.now()).toISOString();
    body.ticket.updated_at = now;
    if (body.article) body.article.created_at = now;
    if (by === "tag") body.ticket.tags = ["sluice", key];
    else body.ticket.id = "zammad-INC-1"; // the dry-run stand-in's ticket id
    const text = JSON.stringify(body);
    return { text, signature: zammadSignature(secret, text) };
  };
  const post = ({ text, signature }: { text: string; signature: string | undefined }) =>
    sluice.server.inject({
      method: "POST",
      url: "/api/v1/sync/zammad",
      headers: {
        "content-type": "application/json",
        "x-zammad-trigger": "sluice sync",
        "x-zammad-delivery": "c3f1a6e0b9",
        ...(signature ? { "x-hub-signature": signature } : {}),
      },
      payload: text,
    });
  const actions = (connector: MemoryConnector) => connector.received.map((d) => d.action);
  const state = async () => (await sluice.server.inject({ url: "/api/incidents/INC-1" })).json().state as string;
  const lastEntry = async () =>
    (
      (await sluice.server.inject({ url: "/api/incidents/INC-1/timeline" })).json().items as { action: string; actor: string }[]
    ).at(-1);

  before(async () => {
    await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent() });
    await sluice.worker.flush();
    key = zammad.received[0]?.idempotencyKey ?? "";
    assert.match(key, /^sluice-.+-zammad$/);
  });

  it("refuses unsigned and wrongly signed webhooks with 401", async () => {
    const good = signed("ticket-closed");
    assert.equal((await post({ text: good.text, signature: undefined })).statusCode, 401);
    assert.equal((await post(signed("ticket-closed", "tag", "not-the-zammad-token"))).statusCode, 401);
    assert.equal(await state(), "open");
  });

  it("passes a new article on as a comment to every other ticket", async () => {
    const response = await post(signed("article-created", "id"));
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json().outcomes, [{ result: "applied", incident: "INC-1" }]);
    await sluice.worker.flush();
    assert.equal(memory.received.filter((d) => d.action === "comment").length, 1);
    assert.deepEqual(actions(zammad), ["create"], "no call back to the origin");
    const last = await lastEntry();
    assert.equal(last?.action, "note");
    assert.equal(last?.actor, "zammad:Christopher Miller");
  });

  it("resolves once when the ticket is closed; a replay is a no-op, a late replay is refused", async () => {
    const request = signed("ticket-closed");
    assert.deepEqual((await post(request)).json().outcomes, [{ result: "applied", incident: "INC-1" }]);
    await sluice.worker.flush();
    assert.equal(await state(), "resolved");
    assert.equal((await lastEntry())?.action, "resolved");
    assert.equal((await post(request)).json().outcomes[0].result, "echo");
    clock.advance(2 * 3600_000);
    assert.equal((await post(request)).statusCode, 401);
    await sluice.worker.flush();
    assert.deepEqual(actions(memory), ["create", "comment", "resolve"]);
    assert.deepEqual(actions(zammad), ["create"]);
  });

  it("reopens when the closed ticket is opened again", async () => {
    assert.equal((await post(signed("ticket-reopened"))).json().outcomes[0].result, "applied");
    await sluice.worker.flush();
    assert.equal(await state(), "open");
    assert.equal((await lastEntry())?.action, "reopened");
    assert.deepEqual(actions(memory), ["create", "comment", "resolve", "reopen"]);
    assert.deepEqual(actions(zammad), ["create"]);
  });
});
