import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { anomalyEvent, inMemorySluice } from "../../testing/in-memory-sluice.ts";
import type { MemoryConnector } from "../memory/memory-connector.ts";
import { basicPassword, OpsgenieSync, TOKEN_HEADER, tokenMatches } from "./opsgenie-sync.ts";

const TOKEN = "opsgenie-sync-token-0123456789";

interface OpsgenieWebhook {
  action: string;
  alert: Record<string, unknown>;
  source?: { name: string; type: string };
}

/** A documented outgoing-webhook payload, with the alias of the alert Sluice raised. */
function payload(name: string, alias: string, edit: (body: OpsgenieWebhook) => void = () => {}): string {
  const body: OpsgenieWebhook = JSON.parse(
    readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8").replace("__ALIAS__", alias),
  );
  edit(body);
  return JSON.stringify(body);
}

const request = (body: string, headers: Record<string, string> = {}) => ({
  headers: { "content-type": "application/json", ...headers },
  rawBody: Buffer.from(body),
  now: Date.now(),
});

describe("opsgenie sync handler", () => {
  const handler = new OpsgenieSync("opsgenie", TOKEN);
  const body = payload("webhook-acknowledge.json", "sluice-01J-opsgenie");

  it("accepts the shared token as a header or as the basic-auth password, nothing else", () => {
    assert.ok(handler.verify(request(body, { [TOKEN_HEADER]: TOKEN })));
    const basic = `Basic ${Buffer.from(`opsgenie:${TOKEN}`).toString("base64")}`;
    assert.ok(handler.verify(request(body, { authorization: basic })));
    assert.ok(!handler.verify(request(body)));
    assert.ok(!handler.verify(request(body, { [TOKEN_HEADER]: `${TOKEN}x` })));
    assert.ok(!handler.verify(request(body, { [TOKEN_HEADER]: "" })));
    assert.ok(!handler.verify(request(body, { authorization: `Bearer ${TOKEN}` })));
    assert.ok(!handler.verify(request(body, { authorization: "Basic !!!" })));
    assert.equal(basicPassword(basic), TOKEN);
    assert.ok(!tokenMatches(undefined, TOKEN));
  });

  it("maps Acknowledge, Close and AddNote by alias; ignores UnAcknowledge and Sluice's own notes and calls", () => {
    const parse = (text: string) => handler.parse(request(text));
    assert.deepEqual(parse(body), [
      { ticketRef: { idempotencyKey: "sluice-01J-opsgenie" }, change: { action: "acknowledge" }, user: "john.doe@example.com" },
    ]);
    assert.deepEqual(parse(payload("webhook-close.json", "sluice-01J-opsgenie"))[0]?.change, { action: "resolve" });
    assert.deepEqual(parse(payload("webhook-add-note.json", "sluice-01J-opsgenie"))[0]?.change, {
      comment: "Payment provider confirmed the outage, failover in progress",
    });
    assert.deepEqual(parse(payload("webhook-unacknowledge.json", "sluice-01J-opsgenie")), []);
    for (const name of ["constructor", "__proto__", "toString"]) {
      const odd = payload("webhook-acknowledge.json", "sluice-01J-opsgenie", (b) => {
        b.action = name;
      });
      assert.deepEqual(parse(odd), [], `an action named ${name} is an unknown action`);
    }
    const own = payload("webhook-add-note.json", "sluice-01J-opsgenie", (b) => {
      b.alert.note = "Acknowledged in Sluice (INC-1): on it";
    });
    assert.deepEqual(parse(own), []);
    const ownEscalation = payload("webhook-add-note.json", "sluice-01J-opsgenie", (b) => {
      b.alert.note = "Escalated in Sluice to level 2 (INC-1): unacknowledged for 15m";
    });
    assert.deepEqual(parse(ownEscalation), []);
    const viaApi = payload("webhook-acknowledge.json", "sluice-01J-opsgenie", (b) => {
      b.source = { name: "sluice", type: "API" };
    });
    assert.deepEqual(parse(viaApi), []);
    // An alert Sluice did not raise under its alias is looked up by the alert id it stored.
    assert.deepEqual(parse(payload("webhook-acknowledge.json", "someone-elses-alias"))[0]?.ticketRef, {
      externalId: "44f717bf-44bd-11c9-44c7-2d0cf1d07b23",
    });
  });

  it("names payloads it cannot read", () => {
    assert.throws(() => handler.parse(request("not json")), { code: "MALFORMED_BODY" });
    assert.throws(() => handler.parse(request(JSON.stringify({ action: "Close" }))), { code: "VALIDATION_FAILED" });
  });
});

for (const platform of ["opsgenie", "jsm"] as const) {
  describe(`inbound sync from ${platform} through the API`, async () => {
    const block =
      platform === "opsgenie"
        ? { enabled: true, apiKey: "genie-key-not-used-in-dry-run", webhookToken: TOKEN }
        : {
            enabled: true,
            cloudId: "cloud-1",
            email: "ops@example.com",
            apiToken: "atlassian-token-not-used",
            webhookToken: TOKEN,
          };
    const { sluice, memory } = await inMemorySluice(
      { [platform]: block, routing: { critical: ["memory", platform], high: ["memory", platform] } },
      Date.now(),
    );
    const origin = sluice.connectors.get(platform) as MemoryConnector;
    after(() => sluice.close());
    let alias = "";

    const send = (body: string, token = TOKEN) =>
      sluice.server.inject({
        method: "POST",
        url: `/api/v1/sync/${platform}`,
        headers: { "content-type": "application/json", [TOKEN_HEADER]: token },
        payload: body,
      });
    const actions = (connector: MemoryConnector) => connector.received.map((d) => d.action);
    const state = async () => (await sluice.server.inject({ url: "/api/incidents/INC-1" })).json().state;
    const timeline = async () =>
      (await sluice.server.inject({ url: "/api/incidents/INC-1/timeline" })).json().items as {
        action: string;
        actor: string;
        detail: string;
      }[];

    before(async () => {
      await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: anomalyEvent() });
      await sluice.worker.flush();
      // The alias Sluice raised the alert under is the idempotency key Opsgenie echoes back.
      alias = origin.received[0]?.idempotencyKey ?? "";
      assert.match(alias, new RegExp(`^sluice-.+-${platform}$`));
    });

    it("refuses a missing or wrong token with 401 and changes nothing", async () => {
      const body = payload("webhook-acknowledge.json", alias);
      const unsigned = await sluice.server.inject({
        method: "POST",
        url: `/api/v1/sync/${platform}`,
        headers: { "content-type": "application/json" },
        payload: body,
      });
      assert.equal(unsigned.statusCode, 401);
      assert.equal((await send(body, "not-the-token-at-all-0000")).statusCode, 401);
      assert.doesNotMatch(unsigned.body, new RegExp(TOKEN));
      assert.equal(await state(), "open");
    });

    it("applies Acknowledge once, fans it out to the other tickets but not back to the origin", async () => {
      const response = await send(payload("webhook-acknowledge.json", alias));
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(response.json().outcomes, [{ result: "applied", incident: "INC-1" }]);
      await sluice.worker.flush();
      assert.equal(await state(), "acknowledged");
      assert.deepEqual(actions(memory), ["create", "acknowledge"]);
      assert.deepEqual(actions(origin), ["create"], "no call back to the origin");
      const last = (await timeline()).at(-1);
      assert.equal(last?.action, "acknowledged");
      assert.equal(last?.actor, `${platform}:john.doe@example.com`);
    });

    it("treats the same webhook again (a replay, or the echo of Sluice's own acknowledge) as a no-op", async () => {
      const replay = await send(payload("webhook-acknowledge.json", alias));
      assert.equal(replay.json().outcomes[0].result, "echo");
      await sluice.worker.flush();
      assert.deepEqual(actions(memory), ["create", "acknowledge"]);
      assert.equal((await timeline()).filter((e) => e.action === "acknowledged").length, 1);
    });

    it("passes AddNote on as a comment to the other tickets only", async () => {
      const response = await send(payload("webhook-add-note.json", alias));
      assert.deepEqual(response.json().outcomes, [{ result: "applied", incident: "INC-1" }]);
      await sluice.worker.flush();
      assert.deepEqual(
        memory.received.filter((d) => d.action === "comment").map((d) => d.detail),
        ["Payment provider confirmed the outage, failover in progress"],
      );
      assert.deepEqual(actions(origin), ["create"]);
      assert.equal((await timeline()).at(-1)?.action, "note");
    });

    it("resolves on Close, once", async () => {
      const close = payload("webhook-close.json", alias);
      assert.equal((await send(close)).json().outcomes[0].result, "applied");
      assert.equal((await send(close)).json().outcomes[0].result, "echo");
      await sluice.worker.flush();
      assert.equal(await state(), "resolved");
      assert.deepEqual(actions(memory), ["create", "acknowledge", "comment", "resolve"]);
      assert.deepEqual(actions(origin), ["create"]);
      const resolved = (await timeline()).filter((e) => e.action === "resolved");
      assert.equal(resolved.length, 1);
      assert.equal(resolved[0]?.actor, `${platform}:jane.roe@example.com`);
    });

    it("lets resolved win over a late Acknowledge, and says so in the timeline", async () => {
      const late = await send(payload("webhook-acknowledge.json", alias, (b) => (b.alert.username = "late@example.com")));
      assert.equal(late.json().outcomes[0].result, "ignored");
      assert.match(
        (await timeline()).at(-1)?.detail ?? "",
        new RegExp(`acknowledge from ${platform} ignored: INC-1 is resolved`),
      );
      await sluice.worker.flush();
      assert.deepEqual(actions(origin), ["create"]);
    });
  });
}
