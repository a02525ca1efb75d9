import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { systemClock } from "../../core/clock.ts";
import { CONTRACT_TIMEOUT_MS, sampleRequest, ticketFrom } from "../../testing/connector-contract-suite.ts";
import type { HttpClient } from "../connector.ts";
import { DEFAULT_PRIORITIES } from "./transform.ts";
import { ZammadConnector, type ZammadSettings } from "./zammad-connector.ts";

const TOKEN = "zammad-unit-TOKEN-0123456789";
const SETTINGS: ZammadSettings = {
  baseUrl: "https://zammad.example.test",
  apiBaseUrl: "https://zammad.example.test/api/v1",
  auth: { kind: "token", token: TOKEN },
  group: "Operations",
  customer: "sluice@example.com",
  priorities: DEFAULT_PRIORITIES,
  tags: ["sluice"],
  templates: {},
};

interface Call {
  method: string;
  url: URL;
  body: Record<string, unknown> | null;
  headers: Headers;
}

/** A scripted Zammad: records calls; answers from a queue, else like an instance with a search index. */
function fakeZammad() {
  const calls: Call[] = [];
  const queue: (Response | Error)[] = [];
  const tickets: { id: number; number: string; tags: string[] }[] = [];
  const http: HttpClient = async (url, init) => {
    const body = init.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : null;
    const call = { method: init.method ?? "GET", url: new URL(url), body, headers: new Headers(init.headers) };
    calls.push(call);
    const scripted = queue.shift();
    if (scripted instanceof Error) throw scripted;
    if (scripted) return scripted;
    const path = call.url.pathname.replace("/api/v1", "");
    if (path === "/tickets/search") {
      const tag = /^tags:"(.*)"$/.exec(call.url.searchParams.get("query") ?? "")?.[1];
      const hit = tickets.find((t) => tag && t.tags.includes(tag));
      return json({
        tickets: hit ? [hit.id] : [],
        tickets_count: hit ? 1 : 0,
        assets: hit ? { Ticket: { [hit.id]: { id: hit.id, number: hit.number } } } : {},
      });
    }
    if (path === "/tickets" && call.method === "POST") {
      const ticket = { id: 100 + tickets.length + 1, number: `3100${tickets.length + 1}`, tags: String(body?.tags).split(",") };
      tickets.push(ticket);
      return json({ id: ticket.id, number: ticket.number, title: body?.title, group_id: 1, state_id: 1 }, 201);
    }
    if (path === "/ticket_articles") return json({ id: 9, ticket_id: body?.ticket_id }, 201);
    if (path === "/users/me") return json({ id: 3, login: "sluice-bot", email: "sluice@example.com" });
    return json({ id: Number(path.split("/").pop()), number: "31001", title: "t", group_id: 1, state_id: 2 });
  };
  return { http, calls, tickets, answer: (...responses: (Response | Error)[]) => queue.push(...responses) };
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

function connector(http: HttpClient, settings: ZammadSettings = SETTINGS): ZammadConnector {
  return new ZammadConnector(settings, { http, clock: systemClock, timeoutMs: CONTRACT_TIMEOUT_MS });
}

describe("zammad connector", () => {
  it("searches by tag, then creates the ticket with its tags and first note", async () => {
    const zammad = fakeZammad();
    const result = await connector(zammad.http).deliver(sampleRequest("create"));
    assert.deepEqual(result, {
      kind: "delivered",
      ticket: { externalId: "101", url: "https://zammad.example.test/#ticket/zoom/101", meta: { number: "31001" } },
    });
    const [search, create] = zammad.calls;
    assert.equal(search?.url.pathname, "/api/v1/tickets/search");
    assert.equal(search?.url.searchParams.get("query"), `tags:"${sampleRequest("create").idempotencyKey}"`);
    assert.equal(search?.headers.get("authorization"), `Token token=${TOKEN}`);
    assert.equal(create?.body?.tags, `sluice,${sampleRequest("create").idempotencyKey}`);
    assert.equal(create?.body?.state, "new");
    assert.equal(create?.body?.priority, "3 high");
    assert.deepEqual((create?.body?.article as { internal: boolean; type: string }).internal, true);
  });

  it("a create retried after a crash finds the tagged ticket instead of opening a second", async () => {
    const zammad = fakeZammad();
    const first = await connector(zammad.http).deliver(sampleRequest("create"));
    assert.deepEqual(await connector(zammad.http).deliver(sampleRequest("create")), first);
    assert.equal(zammad.tickets.length, 1);
  });

  it("later changes: state via PUT with a note, updates and comments as internal articles, escalation raises priority", async () => {
    const zammad = fakeZammad();
    const created = await connector(zammad.http).deliver(sampleRequest("create"));
    assert.ok(created.kind === "delivered" && created.ticket);
    const ticket = ticketFrom(created.ticket, "zammad");
    for (const action of ["acknowledge", "update", "comment", "escalate", "resolve", "reopen"] as const) {
      assert.deepEqual(await connector(zammad.http).deliver(sampleRequest(action, ticket)), { kind: "delivered" }, action);
    }
    const later = zammad.calls.slice(2);
    assert.deepEqual(
      later.map((c) => `${c.method} ${c.url.pathname} ${c.body?.state ?? c.body?.priority ?? c.body?.ticket_id}`),
      [
        "PUT /api/v1/tickets/101 open",
        "POST /api/v1/ticket_articles 101",
        "POST /api/v1/ticket_articles 101",
        "PUT /api/v1/tickets/101 3 high",
        "PUT /api/v1/tickets/101 closed",
        "PUT /api/v1/tickets/101 open",
      ],
    );
    for (const call of later) {
      const note = (call.body?.article ?? call.body) as { internal: boolean; body: string };
      assert.equal(note.internal, true);
      assert.match(note.body, /contract check/);
    }
  });

  it("a later change without a stored ticket opens the ticket first and returns it", async () => {
    const zammad = fakeZammad();
    const result = await connector(zammad.http).deliver(sampleRequest("resolve", null));
    assert.ok(result.kind === "delivered" && result.ticket?.externalId === "101", JSON.stringify(result));
    assert.deepEqual(
      zammad.calls.map((c) => c.method),
      ["GET", "POST", "PUT"],
    );
  });

  it("sends an OAuth token as Bearer", async () => {
    const zammad = fakeZammad();
    await connector(zammad.http, { ...SETTINGS, auth: { kind: "oauth", token: TOKEN } }).deliver(sampleRequest("create"));
    assert.equal(zammad.calls[0]?.headers.get("authorization"), `Bearer ${TOKEN}`);
  });

  const failures: [string, Response | Error, string, string, number | undefined][] = [
    ["429 with Retry-After", json({ error: "too many requests" }, 429, { "retry-after": "5" }), "retryable", "", 5000],
    ["429 without Retry-After", new Response("", { status: 429 }), "retryable", "", undefined],
    ["502", new Response("<html>Bad Gateway</html>", { status: 502 }), "retryable", "", undefined],
    ["timeout", Object.assign(new Error("aborted"), { name: "TimeoutError" }), "retryable", "", undefined],
    [
      "401",
      json({ error: "authentication failed", error_human: "Authentication failed" }, 401),
      "permanent",
      "credentials",
      undefined,
    ],
    [
      "403",
      json({ error: "Not authorized", error_human: "Not authorized (token)!" }, 403),
      "permanent",
      "credentials",
      undefined,
    ],
    ["400", json({ error: "bad request" }, 400), "permanent", "rejected", undefined],
    [
      "422",
      json({ error: "Invalid group", error_human: "No lookup value found for 'group': \"Ops\"" }, 422),
      "permanent",
      "rejected",
      undefined,
    ],
  ];
  for (const [name, answer, kind, category, wait] of failures) {
    it(`${name} on create is ${category || kind}`, async () => {
      const zammad = fakeZammad();
      zammad.answer(json({ tickets: [], tickets_count: 0, assets: {} }), answer);
      const result = await connector(zammad.http).deliver(sampleRequest("create"));
      assert.equal(result.kind, kind, JSON.stringify(result));
      if (result.kind === "retryable") assert.equal(result.retryAfterMs, wait);
      if (result.kind === "permanent") {
        assert.equal(result.category, category);
        assert.match(result.reason, /^Zammad ticket create failed \(HTTP 4\d\d\): \S/);
      }
    });
  }

  it("a 422 carries Zammad's human error text", async () => {
    const zammad = fakeZammad();
    zammad.answer(
      json({ tickets: [] }),
      json({ error: "Invalid group", error_human: "No lookup value found for 'group': \"Ops\"" }, 422),
    );
    assert.deepEqual(await connector(zammad.http).deliver(sampleRequest("create")), {
      kind: "permanent",
      category: "rejected",
      reason: "Zammad ticket create failed (HTTP 422): No lookup value found for 'group': \"Ops\"",
    });
  });

  it("a deleted ticket is not-found, a create without id is rejected, a non-JSON 200 is a configuration problem", async () => {
    const zammad = fakeZammad();
    zammad.answer(json({ error: "Couldn't find Ticket with 'id'=101" }, 404));
    const ticket = ticketFrom({ externalId: "101", url: null }, "zammad");
    const gone = await connector(zammad.http).deliver(sampleRequest("resolve", ticket));
    assert.ok(gone.kind === "permanent" && gone.category === "not-found", JSON.stringify(gone));
    zammad.answer(json({ tickets: [] }), json({ title: "no id" }, 201));
    const noId = await connector(zammad.http).deliver(sampleRequest("create"));
    assert.ok(noId.kind === "permanent" && noId.category === "rejected", JSON.stringify(noId));
    zammad.answer(new Response("<html>Zammad</html>", { status: 200 }));
    const html = await connector(zammad.http).deliver(sampleRequest("create"));
    assert.ok(html.kind === "permanent" && html.category === "configuration", JSON.stringify(html));
  });

  it("keeps the token out of reasons even when echoed", async () => {
    const zammad = fakeZammad();
    zammad.answer(json({ error: `invalid token ${TOKEN}`, error_human: `Authorization: Token token=${TOKEN}` }, 401));
    const result = await connector(zammad.http).deliver(sampleRequest("create"));
    assert.ok(result.kind === "permanent" && !JSON.stringify(result).includes(TOKEN), JSON.stringify(result));
  });

  it("testConnection calls users/me and creates nothing", async () => {
    const zammad = fakeZammad();
    const ok = await connector(zammad.http).testConnection();
    assert.equal(ok.ok, true);
    assert.match(ok.detail, /authenticated as sluice-bot/);
    assert.deepEqual(
      zammad.calls.map((c) => `${c.method} ${c.url.pathname}`),
      ["GET /api/v1/users/me"],
    );
    zammad.answer(json({ error: `Invalid token ${TOKEN}` }, 401));
    const bad = await connector(zammad.http).testConnection();
    assert.equal(bad.ok, false);
    assert.ok(!bad.detail.includes(TOKEN), bad.detail);
  });
});
