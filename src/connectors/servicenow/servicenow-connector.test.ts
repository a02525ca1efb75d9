import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { systemClock } from "../../core/clock.ts";
import { CONTRACT_TIMEOUT_MS, sampleRequest, ticketFrom } from "../../testing/connector-contract-suite.ts";
import type { HttpClient } from "../connector.ts";
import { ServiceNowConnector, type ServiceNowSettings } from "./servicenow-connector.ts";

const PASSWORD = "sn-unit-PASSWORD-secret";
const TOKEN = "sn-oauth-TOKEN-secret-0123456789";
const SETTINGS: ServiceNowSettings = {
  baseUrl: "https://acme.service-now.test",
  auth: { kind: "basic", username: "sluice.integration", password: PASSWORD },
  assignmentGroup: "287ebd7da9fe198100f92cc8d1d2154e",
  closeCode: "Solved (Permanently)",
  reopenState: "2",
  templates: {},
};
const SYS_ID = "0123456789abcdef0123456789abcdef";

interface Call {
  method: string;
  url: URL;
  body: Record<string, unknown> | null;
  headers: Headers;
}

/** A scripted Table API: records calls; answers from a queue, else like an empty instance that accepts everything. */
function fakeInstance() {
  const calls: Call[] = [];
  const queue: (Response | Error)[] = [];
  const created: Record<string, unknown>[] = [];
  const http: HttpClient = async (url, init) => {
    const body = init.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : null;
    const call = { method: init.method ?? "GET", url: new URL(url), body, headers: new Headers(init.headers) };
    calls.push(call);
    const scripted = queue.shift();
    if (scripted instanceof Error) throw scripted;
    if (scripted) return scripted;
    if (call.method === "GET") {
      const query = call.url.searchParams.get("sysparm_query") ?? "";
      const hit = created.find((r) => query.startsWith(`correlation_id=${r.correlation_id}^`));
      return json({ result: hit ? [{ sys_id: hit.sys_id, number: hit.number }] : [] });
    }
    if (call.method === "POST") {
      const record = { ...body, sys_id: SYS_ID, number: `INC00100${created.length + 1}` };
      created.push(record);
      return json({ result: record }, 201);
    }
    return json({ result: { sys_id: SYS_ID, number: "INC001001", ...body } });
  };
  return { http, calls, answer: (...responses: (Response | Error)[]) => queue.push(...responses) };
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

function snError(message: string, detail: string | null, status: number, headers: Record<string, string> = {}): Response {
  return json({ error: { message, detail }, status: "failure" }, status, headers);
}

function connector(http: HttpClient, settings: ServiceNowSettings = SETTINGS): ServiceNowConnector {
  return new ServiceNowConnector(settings, { http, clock: systemClock, timeoutMs: CONTRACT_TIMEOUT_MS });
}

describe("servicenow connector", () => {
  it("searches by correlation_id, then creates the incident and returns sys_id, number and link", async () => {
    const sn = fakeInstance();
    const result = await connector(sn.http).deliver(sampleRequest("create"));
    assert.deepEqual(result, {
      kind: "delivered",
      ticket: {
        externalId: SYS_ID,
        url: `https://acme.service-now.test/nav_to.do?uri=incident.do?sys_id=${SYS_ID}`,
        meta: { number: "INC001001" },
      },
    });
    const [search, create] = sn.calls;
    assert.equal(search?.url.pathname, "/api/now/table/incident");
    assert.equal(
      search?.url.searchParams.get("sysparm_query"),
      `correlation_id=${sampleRequest("create").idempotencyKey}^active=true`,
    );
    assert.equal(search?.url.searchParams.get("sysparm_limit"), "1");
    assert.equal(create?.method, "POST");
    assert.equal(create?.body?.correlation_id, sampleRequest("create").idempotencyKey);
    assert.equal(create?.body?.correlation_display, "Sluice");
    assert.equal(create?.body?.assignment_group, SETTINGS.assignmentGroup);
    assert.equal(
      create?.headers.get("authorization"),
      `Basic ${Buffer.from(`sluice.integration:${PASSWORD}`).toString("base64")}`,
    );
  });

  it("a create retried after a crash finds the incident instead of opening a second", async () => {
    const sn = fakeInstance();
    const first = await connector(sn.http).deliver(sampleRequest("create"));
    const again = await connector(sn.http).deliver(sampleRequest("create"));
    assert.deepEqual(again, first);
    assert.deepEqual(
      sn.calls.map((c) => c.method),
      ["GET", "POST", "GET"],
    );
  });

  it("a create with a stored ticket sends nothing", async () => {
    const sn = fakeInstance();
    const created = await connector(sn.http).deliver(sampleRequest("create"));
    assert.ok(created.kind === "delivered" && created.ticket);
    const again = await connector(sn.http).deliver(sampleRequest("create", ticketFrom(created.ticket, "servicenow")));
    assert.equal(again.kind, "delivered");
    assert.equal(sn.calls.length, 2);
  });

  it("later changes patch the incident: state, close code, work notes", async () => {
    const sn = fakeInstance();
    const created = await connector(sn.http).deliver(sampleRequest("create"));
    assert.ok(created.kind === "delivered" && created.ticket);
    const ticket = ticketFrom(created.ticket, "servicenow");
    for (const action of ["acknowledge", "resolve", "reopen", "escalate", "comment"] as const) {
      assert.deepEqual(await connector(sn.http).deliver(sampleRequest(action, ticket)), { kind: "delivered" });
    }
    const patches = sn.calls.filter((c) => c.method === "PATCH");
    assert.ok(patches.every((p) => p.url.pathname === `/api/now/table/incident/${SYS_ID}`));
    assert.deepEqual(
      patches.map((p) => p.body?.state ?? null),
      ["2", "6", "2", null, null],
    );
    assert.equal(patches[1]?.body?.close_code, "Solved (Permanently)");
    assert.match(
      String(patches[1]?.body?.close_notes),
      /^Resolved in Sluice \(INC-42\)\. contract check: resolve https:\/\/sluice/,
    );
    assert.deepEqual([patches[3]?.body?.urgency, patches[3]?.body?.impact], ["1", "1"]);
    assert.ok(
      patches.every((p) => typeof p.body?.work_notes === "string" && String(p.body.work_notes).includes("contract check")),
    );
  });

  it("a later change without a stored ticket opens the incident first and returns it", async () => {
    const sn = fakeInstance();
    const result = await connector(sn.http).deliver(sampleRequest("acknowledge", null));
    assert.ok(result.kind === "delivered" && result.ticket?.externalId === SYS_ID, JSON.stringify(result));
    assert.deepEqual(
      sn.calls.map((c) => c.method),
      ["GET", "POST", "PATCH"],
    );
  });

  it("sends an OAuth token as Bearer", async () => {
    const sn = fakeInstance();
    await connector(sn.http, { ...SETTINGS, auth: { kind: "bearer", token: TOKEN } }).deliver(sampleRequest("create"));
    assert.equal(sn.calls[0]?.headers.get("authorization"), `Bearer ${TOKEN}`);
  });

  const failures: [string, Response | Error, string, string, number | undefined][] = [
    ["429 with Retry-After", snError("Rate limit exceeded", null, 429, { "retry-after": "30" }), "retryable", "", 30_000],
    ["429 without Retry-After", snError("Rate limit exceeded", null, 429), "retryable", "", undefined],
    ["503", new Response("<html>Service Unavailable</html>", { status: 503 }), "retryable", "", undefined],
    ["timeout", Object.assign(new Error("aborted"), { name: "TimeoutError" }), "retryable", "", undefined],
    [
      "401",
      snError("User Not Authenticated", "Required to provide Auth information", 401),
      "permanent",
      "credentials",
      undefined,
    ],
    [
      "403",
      snError("Operation Failed", "ACL Exception Insert Failed due to security constraints", 403),
      "permanent",
      "credentials",
      undefined,
    ],
    ["400", snError("Invalid JSON", "Mandatory field short_description missing", 400), "permanent", "rejected", undefined],
    ["422", snError("Unprocessable", "Data policy violation", 422), "permanent", "rejected", undefined],
  ];
  for (const [name, answer, kind, category, wait] of failures) {
    it(`${name} is ${category || kind}`, async () => {
      const sn = fakeInstance();
      sn.answer(answer);
      const result = await connector(sn.http).deliver(sampleRequest("create"));
      assert.equal(result.kind, kind, JSON.stringify(result));
      if (result.kind === "retryable") assert.equal(result.retryAfterMs, wait);
      if (result.kind === "permanent") {
        assert.equal(result.category, category);
        const call = sn.calls.at(-1);
        assert.ok(call);
        assert.match(result.reason, /^ServiceNow correlation_id search failed \(HTTP 4\d\d\): \w[^:]*: \w/, result.reason);
      }
    });
  }

  it("a 400 on a later change carries ServiceNow's message", async () => {
    const sn = fakeInstance();
    const created = await connector(sn.http).deliver(sampleRequest("create"));
    assert.ok(created.kind === "delivered" && created.ticket);
    sn.answer(snError("Data Policy Exception", "The following fields are mandatory: Resolution code", 400));
    const result = await connector(sn.http).deliver(sampleRequest("resolve", ticketFrom(created.ticket, "servicenow")));
    assert.deepEqual(result, {
      kind: "permanent",
      category: "rejected",
      reason: `ServiceNow update of ${SYS_ID} failed (HTTP 400): Data Policy Exception: The following fields are mandatory: Resolution code`,
    });
  });

  it("a 200 HTML page (hibernating instance) is retryable, a create without sys_id is rejected", async () => {
    const sn = fakeInstance();
    sn.answer(new Response("<html>Your instance is hibernating</html>", { status: 200 }));
    assert.equal((await connector(sn.http).deliver(sampleRequest("create"))).kind, "retryable");
    sn.answer(json({ result: [] }), json({ result: {} }, 201));
    const result = await connector(sn.http).deliver(sampleRequest("create"));
    assert.ok(result.kind === "permanent" && result.category === "rejected", JSON.stringify(result));
  });

  it("keeps the password, token and auth header out of reasons even when echoed", async () => {
    const sn = fakeInstance();
    const basic = Buffer.from(`sluice.integration:${PASSWORD}`).toString("base64");
    sn.answer(snError(`bad credentials ${PASSWORD}`, `Authorization: Basic ${basic}`, 401));
    const result = await connector(sn.http).deliver(sampleRequest("create"));
    assert.ok(!JSON.stringify(result).includes(PASSWORD) && !JSON.stringify(result).includes(basic), JSON.stringify(result));
    const bearer = fakeInstance();
    bearer.answer(new Response(`upstream said Bearer ${TOKEN}`, { status: 502 }));
    const viaToken = await connector(bearer.http, { ...SETTINGS, auth: { kind: "bearer", token: TOKEN } }).deliver(
      sampleRequest("create"),
    );
    assert.ok(!JSON.stringify(viaToken).includes(TOKEN), JSON.stringify(viaToken));
  });

  it("testConnection reads one sys_id and creates nothing", async () => {
    const sn = fakeInstance();
    const ok = await connector(sn.http).testConnection();
    assert.equal(ok.ok, true);
    assert.match(ok.detail, /user sluice\.integration can read the incident table/);
    assert.equal(sn.calls[0]?.method, "GET");
    assert.equal(sn.calls[0]?.url.search, "?sysparm_limit=1&sysparm_fields=sys_id");
    sn.answer(snError("User Not Authenticated", `password ${PASSWORD} rejected`, 401));
    const bad = await connector(sn.http).testConnection();
    assert.equal(bad.ok, false);
    assert.match(bad.detail, /User Not Authenticated/);
    assert.ok(!bad.detail.includes(PASSWORD));
  });
});
