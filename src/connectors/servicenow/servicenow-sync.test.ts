import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { anomalyEvent, inMemorySluice } from "../../testing/in-memory-sluice.ts";
import type { MemoryConnector } from "../memory/memory-connector.ts";
import { ServiceNowSync, TOKEN_HEADER } from "./servicenow-sync.ts";

const TOKEN = "servicenow-sync-token-0123456789";
const NOTE = "Bank confirmed a degraded gateway; failing over to the secondary acquirer.";

/** A message as the business rule's outbound REST message sends it, for the record Sluice opened. */
function message(name: string, correlationId: string, edit: (body: Record<string, unknown>) => void = () => {}): string {
  const text = readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8").replace("__CORRELATION_ID__", correlationId);
  const body = JSON.parse(text);
  edit(body);
  return JSON.stringify(body);
}

const request = (body: string, headers: Record<string, string> = {}) => ({
  headers: { "content-type": "application/json", ...headers },
  rawBody: Buffer.from(body),
  now: Date.now(),
});

describe("servicenow sync handler", () => {
  const handler = new ServiceNowSync(TOKEN, "sluice.integration");
  const key = "sluice-01J-servicenow";
  const parse = (text: string) => handler.parse(request(text));

  it("accepts only the shared token header", () => {
    const body = message("outbound-in-progress.json", key);
    assert.ok(handler.verify(request(body, { [TOKEN_HEADER]: TOKEN })));
    assert.ok(!handler.verify(request(body)));
    assert.ok(!handler.verify(request(body, { [TOKEN_HEADER]: TOKEN.slice(1) })));
    assert.ok(!handler.verify(request(body, { authorization: `Bearer ${TOKEN}` })));
  });

  it("maps states 2, 6, 7 and 1 and work notes, keyed by correlation_id", () => {
    const ref = { idempotencyKey: key };
    assert.deepEqual(parse(message("outbound-in-progress.json", key)), [
      { ticketRef: ref, change: { action: "acknowledge" }, user: "beth.anglin" },
    ]);
    assert.deepEqual(parse(message("outbound-resolved.json", key))[0]?.change, { action: "resolve" });
    assert.deepEqual(parse(message("outbound-resolved.json", key, (b) => (b.state = 7)))[0]?.change, { action: "resolve" });
    assert.deepEqual(parse(message("outbound-new.json", key))[0]?.change, { action: "reopen" });
    // The close code a resolve carries is its outcome for the SLIs (sli.outcomes.servicenow, then the defaults).
    const solved = message("outbound-resolved.json", key, (b) => (b.close_code = "Solved (Permanently)"));
    assert.deepEqual(parse(solved)[0]?.change, { action: "resolve", resolution: "Solved (Permanently)" });
    const ackWithCode = message("outbound-in-progress.json", key, (b) => (b.close_code = "Solved (Permanently)"));
    assert.deepEqual(parse(ackWithCode)[0]?.change, { action: "acknowledge" }, "only a resolve carries one");
    assert.deepEqual(parse(message("outbound-in-progress.json", key, (b) => (b.state = "3"))), []);
    for (const name of ["constructor", "__proto__", "toString"]) {
      assert.deepEqual(parse(message("outbound-in-progress.json", key, (b) => (b.state = name))), [], name);
    }
    // The journal header getJournalEntry(1) adds is not part of the note.
    assert.deepEqual(parse(message("outbound-work-note.json", key)), [
      { ticketRef: ref, change: { comment: NOTE }, user: "beth.anglin" },
    ]);
    // A record Sluice did not open under its correlation_id is looked up by the sys_id it stored.
    assert.deepEqual(parse(message("outbound-in-progress.json", "OTHER-123"))[0]?.ticketRef, {
      externalId: "9d385017c611228701d22104cc95c371",
    });
  });

  it("drops Sluice's own updates coming back through the business rule", () => {
    const own = message("outbound-in-progress.json", key, (b) => (b.sys_updated_by = "sluice.integration"));
    assert.deepEqual(parse(own), []);
  });

  it("names payloads it cannot read", () => {
    assert.throws(() => parse("<xml/>"), { code: "MALFORMED_BODY" });
    assert.throws(() => parse(JSON.stringify({ state: "6" })), { code: "VALIDATION_FAILED" });
  });
});

describe("inbound sync from servicenow through the API", async () => {
  const { sluice, memory } = await inMemorySluice(
    {
      servicenow: {
        enabled: true,
        instance: "acme",
        username: "sluice.integration",
        password: "not-used-in-dry-run",
        webhookToken: TOKEN,
      },
      routing: { critical: ["memory", "servicenow"], high: ["memory", "servicenow"] },
    },
    Date.now(),
  );
  const origin = sluice.connectors.get("servicenow") as MemoryConnector;
  after(() => sluice.close());
  let key = "";

  const send = (body: string, token = TOKEN) =>
    sluice.server.inject({
      method: "POST",
      url: "/api/v1/sync/servicenow",
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
    // correlation_id on the record is the idempotency key Sluice created it with.
    key = origin.received[0]?.idempotencyKey ?? "";
    assert.match(key, /^sluice-.+-servicenow$/);
  });

  it("refuses a missing or wrong token with 401 and changes nothing", async () => {
    const body = message("outbound-in-progress.json", key);
    const unsigned = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/sync/servicenow",
      headers: { "content-type": "application/json" },
      payload: body,
    });
    assert.equal(unsigned.statusCode, 401);
    assert.equal((await send(body, "wrong-token-wrong-token-0000")).statusCode, 401);
    assert.equal(await state(), "open");
  });

  it("acknowledges on In Progress once, fans out to the other tickets but not back to the origin", async () => {
    const response = await send(message("outbound-in-progress.json", key));
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json().outcomes, [{ result: "applied", incident: "INC-1" }]);
    assert.equal((await send(message("outbound-in-progress.json", key))).json().outcomes[0].result, "echo", "replay");
    await sluice.worker.flush();
    assert.equal(await state(), "acknowledged");
    assert.deepEqual(actions(memory), ["create", "acknowledge"]);
    assert.deepEqual(actions(origin), ["create"], "no call back to the origin");
    const acknowledged = (await timeline()).filter((e) => e.action === "acknowledged");
    assert.equal(acknowledged.length, 1);
    assert.equal(acknowledged[0]?.actor, "servicenow:beth.anglin");
  });

  it("passes a work note on as a comment, without the journal header", async () => {
    const response = await send(message("outbound-work-note.json", key));
    assert.deepEqual(response.json().outcomes, [{ result: "applied", incident: "INC-1" }]);
    await sluice.worker.flush();
    assert.deepEqual(
      memory.received.filter((d) => d.action === "comment").map((d) => d.detail),
      [NOTE],
    );
    assert.equal((await timeline()).at(-1)?.detail, NOTE);
  });

  it("ignores Sluice's own update echoed by the business rule", async () => {
    const own = await send(message("outbound-new.json", key, (b) => (b.sys_updated_by = "sluice.integration")));
    assert.deepEqual(own.json(), { received: 0, outcomes: [] });
  });

  it("resolves on state 6, then reopens on state 1", async () => {
    assert.equal((await send(message("outbound-resolved.json", key))).json().outcomes[0].result, "applied");
    assert.equal((await send(message("outbound-resolved.json", key))).json().outcomes[0].result, "echo");
    assert.equal(await state(), "resolved");
    assert.equal((await send(message("outbound-new.json", key))).json().outcomes[0].result, "applied");
    assert.equal(await state(), "open");
    await sluice.worker.flush();
    assert.deepEqual(actions(memory), ["create", "acknowledge", "comment", "resolve", "reopen"]);
    assert.deepEqual(actions(origin), ["create"]);
    const entries = (await timeline()).map((e) => `${e.action} ${e.actor}`);
    assert.deepEqual(entries.slice(-2), ["resolved servicenow:david.loo", "reopened servicenow:david.loo"]);
  });
});
