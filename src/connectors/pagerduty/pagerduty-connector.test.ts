import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { systemClock } from "../../core/clock.ts";
import { CONTRACT_TIMEOUT_MS, sampleIncident, sampleRequest, ticketFrom } from "../../testing/connector-contract-suite.ts";
import type { HttpClient } from "../connector.ts";
import { keyId, PagerDutyConnector, type PagerDutySettings } from "./pagerduty-connector.ts";

const ROUTING_KEY = "R0UT1NGKEYSECRET0123456789abcdef";
const CHECKOUT_KEY = "CHECKOUTKEYSECRET0123456789abcde";
const TOKEN = "u+UNITSECRETTOKEN";
const SETTINGS: PagerDutySettings = {
  routingKey: ROUTING_KEY,
  routingKeys: {},
  eventsBaseUrl: "https://events.pagerduty.test/v2",
  apiBaseUrl: "https://api.pagerduty.test",
  apiToken: null,
  fromEmail: null,
  autoAcknowledge: false,
  templates: {},
};
const REST = { ...SETTINGS, apiToken: TOKEN, fromEmail: "sluice@example.com" };

interface Call {
  method: string;
  url: URL;
  headers: Headers;
  body: Record<string, unknown> | null;
}

/** A scripted PagerDuty: records calls; answers from a queue, else a plausible success. */
function fakePagerDuty(
  incidents: unknown[] = [{ id: "PABC123", status: "triggered", html_url: "https://acme.pagerduty.com/incidents/PABC123" }],
) {
  const calls: Call[] = [];
  const queue: (Response | Error)[] = [];
  const http: HttpClient = async (url, init) => {
    calls.push({
      method: init.method ?? "GET",
      url: new URL(url),
      headers: new Headers(init.headers),
      body: init.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : null,
    });
    const scripted = queue.shift();
    if (scripted instanceof Error) throw scripted;
    if (scripted) return scripted;
    const path = new URL(url).pathname;
    if (path.endsWith("/enqueue")) return json({ status: "success", message: "Event processed", dedup_key: "ignored" }, 202);
    if (path === "/incidents") return json({ incidents, limit: 25, offset: 0, more: false });
    if (path.endsWith("/notes")) return json({ note: { id: "N1", content: "x" } }, 201);
    if (init.method === "PUT" && /^\/incidents\/[^/]+$/.test(path)) return json({ incident: { id: path.split("/")[2] } });
    if (path === "/abilities") return json({ abilities: ["teams", "urgencies"] });
    return json({ error: { message: "Not Found", code: 2100 } }, 404);
  };
  return { http, calls, answer: (...responses: (Response | Error)[]) => queue.push(...responses) };
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

function connector(http: HttpClient, settings: PagerDutySettings = SETTINGS): PagerDutyConnector {
  return new PagerDutyConnector(settings, { http, clock: systemClock, timeoutMs: CONTRACT_TIMEOUT_MS });
}

async function createdTicket(pd: ReturnType<typeof fakePagerDuty>, settings: PagerDutySettings = SETTINGS) {
  const result = await connector(pd.http, settings).deliver(sampleRequest("create"));
  assert.ok(result.kind === "delivered" && result.ticket, JSON.stringify(result));
  return ticketFrom(result.ticket, "pagerduty");
}

describe("pagerduty routing key from the service catalog", () => {
  const OWNER_KEY = "0WNERKEY0123456789abcdef01234567";
  const SERVICE_KEY = "SERV1CEKEY0123456789abcdef012345";
  const owned = sampleIncident({ context: { destinations: { pagerduty: { routingKey: OWNER_KEY } } } });

  it("triggers with the owner's key over a per-service and the default key, and remembers which without storing it", async () => {
    const pd = fakePagerDuty();
    const settings = { ...SETTINGS, routingKeys: { checkout: SERVICE_KEY } };
    const created = await connector(pd.http, settings).deliver(sampleRequest("create", null, owned));
    assert.ok(created.kind === "delivered" && created.ticket);
    assert.equal(pd.calls[0]?.body?.routing_key, OWNER_KEY);
    assert.deepEqual(created.ticket.meta, { dedupKey: created.ticket.externalId, routingKeyId: keyId(OWNER_KEY) });
    assert.doesNotMatch(JSON.stringify(created), new RegExp(OWNER_KEY));
    await connector(pd.http, settings).deliver(sampleRequest("create"));
    assert.equal(pd.calls[1]?.body?.routing_key, SERVICE_KEY, "no owner: the service's configured key");
  });

  it("uses the default key for a service named like an Object property", async () => {
    const pd = fakePagerDuty();
    const settings = { ...SETTINGS, routingKeys: { checkout: SERVICE_KEY } };
    for (const service of ["constructor", "__proto__", "toString"]) {
      const created = await connector(pd.http, settings).deliver(sampleRequest("create", null, sampleIncident({ service })));
      assert.equal(created.kind, "delivered", JSON.stringify(created));
      assert.equal(pd.calls.at(-1)?.body?.routing_key, ROUTING_KEY, service);
    }
  });

  it("resolves with the key the trigger used", async () => {
    const pd = fakePagerDuty();
    const created = await connector(pd.http).deliver(sampleRequest("create", null, owned));
    assert.ok(created.kind === "delivered" && created.ticket);
    const ticket = ticketFrom(created.ticket, "pagerduty", owned);
    const without = sampleIncident({ context: {} });
    assert.deepEqual(await connector(pd.http).deliver(sampleRequest("resolve", ticket, owned)), { kind: "delivered" });
    assert.equal(pd.calls.at(-1)?.body?.routing_key, OWNER_KEY);
    // A ticket opened with the default key keeps it even though the incident now names an owner's key.
    const plain = await connector(pd.http).deliver(sampleRequest("create", null, without));
    assert.ok(plain.kind === "delivered" && plain.ticket);
    await connector(pd.http).deliver(sampleRequest("resolve", ticketFrom(plain.ticket, "pagerduty"), owned));
    assert.equal(pd.calls.at(-1)?.body?.routing_key, ROUTING_KEY);
  });

  it("never echoes the owner's key in a failure", async () => {
    const pd = fakePagerDuty();
    pd.answer(new Response(JSON.stringify({ status: "invalid event", message: `bad key ${OWNER_KEY}` }), { status: 400 }));
    const result = await connector(pd.http).deliver(sampleRequest("create", null, owned));
    assert.equal(result.kind, "permanent");
    assert.doesNotMatch(JSON.stringify(result), new RegExp(OWNER_KEY));
  });
});

describe("pagerduty connector", () => {
  it("triggers with the idempotency key as dedup_key and keeps it as the ticket", async () => {
    const pd = fakePagerDuty();
    const request = sampleRequest("create");
    const result = await connector(pd.http).deliver(request);
    assert.deepEqual(result, {
      kind: "delivered",
      ticket: {
        externalId: request.idempotencyKey,
        url: null,
        meta: { dedupKey: request.idempotencyKey, routingKeyId: keyId(ROUTING_KEY) },
      },
    });
    const [call] = pd.calls;
    assert.equal(call?.url.href, "https://events.pagerduty.test/v2/enqueue");
    assert.equal(call?.body?.event_action, "trigger");
    assert.equal(call?.body?.dedup_key, request.idempotencyKey);
    assert.equal(call?.body?.routing_key, ROUTING_KEY);
    assert.equal(call?.headers.get("authorization"), null, "the Events API takes no auth header");
  });

  it("auto-acknowledges right after the trigger when configured", async () => {
    const pd = fakePagerDuty();
    await createdTicket(pd, { ...SETTINGS, autoAcknowledge: true });
    assert.deepEqual(
      pd.calls.map((c) => c.body?.event_action),
      ["trigger", "acknowledge"],
    );
  });

  it("sends acknowledge and resolve with the stored dedup_key only", async () => {
    const pd = fakePagerDuty();
    const ticket = await createdTicket(pd);
    for (const action of ["acknowledge", "resolve"] as const) {
      assert.deepEqual(await connector(pd.http).deliver(sampleRequest(action, ticket)), { kind: "delivered" });
      assert.deepEqual(pd.calls.at(-1)?.body, { routing_key: ROUTING_KEY, event_action: action, dedup_key: ticket.externalId });
    }
  });

  it("re-triggers on update and escalate, and a reopen drops the old incident id", async () => {
    const pd = fakePagerDuty();
    const ticket = { ...(await createdTicket(pd)), meta: { dedupKey: "k1", incidentId: "POLD" } };
    assert.deepEqual(await connector(pd.http).deliver(sampleRequest("escalate", ticket)), { kind: "delivered" });
    const escalated = pd.calls.at(-1)?.body as {
      event_action: string;
      dedup_key: string;
      payload: { custom_details: Record<string, unknown> };
    };
    assert.equal(escalated.event_action, "trigger");
    assert.equal(escalated.dedup_key, "k1");
    assert.equal(escalated.payload.custom_details.note, "contract check: escalate");
    const reopened = await connector(pd.http).deliver(sampleRequest("reopen", ticket));
    assert.deepEqual(reopened, {
      kind: "delivered",
      ticket: { externalId: "k1", url: null, meta: { dedupKey: "k1", routingKeyId: keyId(ROUTING_KEY) } },
    });
  });

  it("an acknowledge whose create never landed triggers first", async () => {
    const pd = fakePagerDuty();
    const result = await connector(pd.http).deliver(sampleRequest("acknowledge", null));
    assert.ok(result.kind === "delivered" && result.ticket);
    assert.deepEqual(
      pd.calls.map((c) => c.body?.event_action),
      ["trigger", "acknowledge"],
    );
  });

  it("routes an incident of a listed service to that service's key", async () => {
    const pd = fakePagerDuty();
    await createdTicket(pd, { ...SETTINGS, routingKeys: { checkout: CHECKOUT_KEY, billing: "x".repeat(32) } });
    assert.equal(pd.calls[0]?.body?.routing_key, CHECKOUT_KEY);
  });

  it("a comment without REST credentials is a delivered no-op", async () => {
    const pd = fakePagerDuty();
    const ticket = await createdTicket(pd);
    assert.deepEqual(await connector(pd.http).deliver(sampleRequest("comment", ticket)), { kind: "delivered" });
    assert.equal(pd.calls.length, 1);
  });

  it("a comment looks the incident up by dedup_key once, adds a note with From, and keeps the id", async () => {
    const pd = fakePagerDuty([
      { id: "PRESOLVED", status: "resolved", html_url: "https://acme.pagerduty.com/incidents/PRESOLVED" },
      { id: "PABC123", status: "acknowledged", html_url: "https://acme.pagerduty.com/incidents/PABC123" },
    ]);
    const ticket = await createdTicket(pd, REST);
    const result = await connector(pd.http, REST).deliver(sampleRequest("comment", ticket));
    assert.deepEqual(result, {
      kind: "delivered",
      ticket: {
        externalId: ticket.externalId,
        url: "https://acme.pagerduty.com/incidents/PABC123",
        meta: { dedupKey: ticket.externalId, routingKeyId: keyId(ROUTING_KEY), incidentId: "PABC123" },
      },
    });
    const [lookup, note] = pd.calls.slice(1);
    assert.equal(lookup?.url.searchParams.get("incident_key"), ticket.externalId);
    assert.equal(lookup?.headers.get("authorization"), `Token token=${TOKEN}`);
    assert.equal(note?.url.pathname, "/incidents/PABC123/notes");
    assert.equal(note?.headers.get("from"), "sluice@example.com");
    assert.deepEqual(note?.body, { note: { content: "Note in Sluice (INC-42): contract check: comment" } });

    assert.ok(result.kind === "delivered" && result.ticket);
    const known = ticketFrom(result.ticket, "pagerduty");
    assert.deepEqual(await connector(pd.http, REST).deliver(sampleRequest("comment", known)), { kind: "delivered" });
    assert.equal(pd.calls.at(-1)?.url.pathname, "/incidents/PABC123/notes", "the stored id is used without a lookup");
  });

  it("escalates through REST to the next level, one level per escalation, the same level again on a retry", async () => {
    const pd = fakePagerDuty();
    const ticket = await createdTicket(pd, REST);
    const first = await connector(pd.http, REST).deliver(sampleRequest("escalate", ticket));
    assert.ok(first.kind === "delivered" && first.ticket, JSON.stringify(first));
    const put = pd.calls.find((c) => c.method === "PUT");
    assert.equal(put?.url.pathname, "/incidents/PABC123");
    assert.equal(put?.headers.get("from"), "sluice@example.com");
    assert.deepEqual(put?.body, { incident: { type: "incident_reference", escalation_level: 2 } });
    assert.equal(first.ticket.meta?.escalationLevel, 2);
    assert.equal(pd.calls.filter((c) => c.url.pathname.endsWith("/enqueue")).length, 1, "only the create's trigger");
    // A retry of the same escalate (its result never recorded) asks for the same level: nothing moves twice.
    await connector(pd.http, REST).deliver(sampleRequest("escalate", ticket));
    assert.deepEqual(pd.calls.filter((c) => c.method === "PUT").at(-1)?.body, {
      incident: { type: "incident_reference", escalation_level: 2 },
    });
    const next = await connector(pd.http, REST).deliver(sampleRequest("escalate", ticketFrom(first.ticket, "pagerduty")));
    assert.ok(next.kind === "delivered" && next.ticket);
    assert.deepEqual(pd.calls.filter((c) => c.method === "PUT").at(-1)?.body, {
      incident: { type: "incident_reference", escalation_level: 3 },
    });
    assert.equal(pd.calls.filter((c) => c.url.pathname === "/incidents").length, 2, "the id is looked up until it is kept");
  });

  it("without REST credentials an escalate re-sends the trigger", async () => {
    const pd = fakePagerDuty();
    const ticket = await createdTicket(pd, SETTINGS);
    assert.deepEqual(await connector(pd.http, SETTINGS).deliver(sampleRequest("escalate", ticket)), { kind: "delivered" });
    assert.equal(pd.calls.at(-1)?.body?.event_action, "trigger");
  });

  it("a throttled REST call waits for ratelimit-reset", async () => {
    const pd = fakePagerDuty();
    const ticket = { ...(await createdTicket(pd, REST)), meta: { dedupKey: "k", incidentId: "P1" } };
    pd.answer(json({ error: { message: "Rate Limit Exceeded" } }, 429, { "ratelimit-reset": "20" }));
    const result = await connector(pd.http, REST).deliver(sampleRequest("comment", ticket));
    assert.ok(result.kind === "retryable" && result.retryAfterMs === 20_000, JSON.stringify(result));
  });

  it("a comment before PagerDuty has made the incident is retried later", async () => {
    const pd = fakePagerDuty([]);
    const ticket = await createdTicket(pd, REST);
    const result = await connector(pd.http, REST).deliver(sampleRequest("comment", ticket));
    assert.ok(result.kind === "retryable" && (result.retryAfterMs ?? 0) > 0, JSON.stringify(result));
  });

  it("refuses, without sending, an event PagerDuty would not accept", async () => {
    const pd = fakePagerDuty();
    const request = { ...sampleRequest("create"), idempotencyKey: "k".repeat(300) };
    const result = await connector(pd.http).deliver(request);
    assert.deepEqual(result, {
      kind: "permanent",
      category: "rejected",
      reason: "PagerDuty event not sent: dedup_key is longer than 255 characters",
    });
    assert.equal(pd.calls.length, 0);
  });

  const failures: [string, () => Response | Error, string, string | null, number | undefined][] = [
    ["429 with Retry-After", () => json({ status: "throttle event" }, 429, { "retry-after": "9" }), "retryable", null, 9000],
    ["429 without Retry-After", () => json({ status: "throttle event" }, 429), "retryable", null, undefined],
    ["502", () => new Response("<html>bad gateway</html>", { status: 502 }), "retryable", null, undefined],
    ["401", () => json({ error: { message: "Unauthorized" } }, 401), "permanent", "credentials", undefined],
    ["403", () => json({ error: { message: "Forbidden" } }, 403), "permanent", "credentials", undefined],
    ["network error", () => new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } }), "retryable", null, undefined],
  ];
  for (const [name, answer, kind, category, wait] of failures) {
    it(`${name} is ${category ?? kind}`, async () => {
      const pd = fakePagerDuty();
      pd.answer(answer());
      const result = await connector(pd.http).deliver(sampleRequest("create"));
      assert.equal(result.kind, kind, JSON.stringify(result));
      if (result.kind === "permanent") assert.equal(result.category, category);
      if (result.kind === "retryable") assert.equal(result.retryAfterMs, wait);
    });
  }

  it("a timeout is retryable", async () => {
    // The timer keeps the event loop alive: AbortSignal.timeout alone does not.
    const http: HttpClient = (_url, init) =>
      new Promise((_resolve, reject) => {
        const alive = setTimeout(() => reject(new Error("the connector never gave up")), 5_000);
        init.signal?.addEventListener("abort", () => {
          clearTimeout(alive);
          reject(init.signal?.reason);
        });
      });
    const result = await connector(http).deliver(sampleRequest("create"));
    assert.deepEqual(result, { kind: "retryable", reason: `timed out after ${CONTRACT_TIMEOUT_MS} ms` });
  });

  it("400 Invalid event and a 400 note are rejected with PagerDuty's own message", async () => {
    const pd = fakePagerDuty();
    pd.answer(json({ status: "invalid event", message: "Event object is invalid", errors: ["'payload' is missing"] }, 400));
    assert.deepEqual(await connector(pd.http).deliver(sampleRequest("create")), {
      kind: "permanent",
      category: "rejected",
      reason: "PagerDuty rejected the event: Event object is invalid ('payload' is missing)",
    });
    const ticket = { ...(await createdTicket(pd, REST)), meta: { dedupKey: "k", incidentId: "P1" } };
    pd.answer(json({ error: { message: "Invalid Input Provided", code: 2001, errors: ["Note content is too long"] } }, 400));
    assert.deepEqual(await connector(pd.http, REST).deliver(sampleRequest("comment", ticket)), {
      kind: "permanent",
      category: "rejected",
      reason: "PagerDuty REST API answered HTTP 400: Invalid Input Provided (Note content is too long)",
    });
  });

  it("keeps routing keys and the token out of every reason", async () => {
    const pd = fakePagerDuty();
    pd.answer(
      new Response(`proxy error for routing_key=${ROUTING_KEY}`, { status: 502 }),
      json({ status: "invalid event", message: `bad key ${ROUTING_KEY}` }, 400),
    );
    const results = [
      await connector(pd.http).deliver(sampleRequest("create")),
      await connector(pd.http).deliver(sampleRequest("create")),
    ];
    const ticket = { ...(await createdTicket(pd, REST)), meta: { dedupKey: "k", incidentId: "P1" } };
    pd.answer(new Response(`Authorization: Token token=${TOKEN} rejected`, { status: 422 }));
    results.push(await connector(pd.http, REST).deliver(sampleRequest("comment", ticket)));
    for (const result of results) {
      assert.notEqual(result.kind, "delivered");
      const text = JSON.stringify(result);
      assert.ok(!text.includes(ROUTING_KEY) && !text.includes(TOKEN), text);
    }
  });

  it("testConnection without a token checks the routing key's form and contacts nobody", async () => {
    const pd = fakePagerDuty();
    const ok = await connector(pd.http).testConnection();
    assert.equal(ok.ok, true);
    assert.match(ok.detail, /cannot be checked without sending an event/);
    const bad = await connector(pd.http, { ...SETTINGS, routingKey: "short" }).testConnection();
    assert.equal(bad.ok, false);
    assert.equal(pd.calls.length, 0);
  });

  it("testConnection with a token calls GET /abilities and reports a refusal", async () => {
    const pd = fakePagerDuty();
    const ok = await connector(pd.http, REST).testConnection();
    assert.equal(ok.ok, true, ok.detail);
    assert.equal(pd.calls[0]?.url.pathname, "/abilities");
    pd.answer(json({ error: { message: `Unauthorized ${TOKEN}` } }, 401));
    const bad = await connector(pd.http, REST).testConnection();
    assert.equal(bad.ok, false);
    assert.match(bad.detail, /credentials rejected/);
    assert.ok(!bad.detail.includes(TOKEN));
  });

  it("renders the summary from a template override", async () => {
    const pd = fakePagerDuty();
    await createdTicket(pd, { ...SETTINGS, templates: { title: "{{ incident.service | upcase }} is on fire" } });
    assert.equal((pd.calls[0]?.body?.payload as { summary: string }).summary, "CHECKOUT is on fire");
    assert.equal(sampleIncident().service, "checkout");
  });
});
