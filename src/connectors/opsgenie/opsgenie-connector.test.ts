import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { systemClock } from "../../core/clock.ts";
import { CONTRACT_TIMEOUT_MS, sampleRequest, ticketFrom } from "../../testing/connector-contract-suite.ts";
import { sampleInvestigation } from "../../testing/investigation-fixture.ts";
import type { HttpClient } from "../connector.ts";
import { jsmFactory, jsmSettings } from "./jsm-factory.ts";
import { OpsgenieConnector } from "./opsgenie-connector.ts";
import { opsgenieFactory, opsgenieSettings } from "./opsgenie-factory.ts";

const API_KEY = "UNIT-0psg3n1e-SECRETKEY";
const JSM_TOKEN = "ATATT-UNIT-SECRET-TOKEN";
const OG = opsgenieSettings(
  opsgenieFactory.configSchema.parse({ enabled: true, apiKey: API_KEY, region: "eu", team: "payments", requestStatusDelayMs: 0 }),
);
const JSM = jsmSettings(
  jsmFactory.configSchema.parse({
    enabled: true,
    cloudId: "c-1",
    email: "ops@example.com",
    apiToken: JSM_TOKEN,
    team: "team-uuid",
    requestStatusDelayMs: 0,
  }),
);

interface Call {
  method: string;
  url: URL;
  headers: Headers;
  body: Record<string, unknown> | null;
}

function fake() {
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
    if (path.includes("/requests/")) {
      const status = { isSuccess: true, status: "Created alert", alertId: "alert-1", alias: "a" };
      return json(path.startsWith("/jsm") ? status : { data: status, took: 0, requestId: "r" });
    }
    if (init.method === "GET") return json(path.startsWith("/jsm") ? { values: [{ id: "alert-found" }] } : { data: [] });
    return json({ result: "Request will be processed", took: 0.1, requestId: "req-1" }, 202);
  };
  return { http, calls, answer: (...responses: (Response | Error)[]) => queue.push(...responses) };
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

function connector(http: HttpClient, settings = OG): OpsgenieConnector {
  return new OpsgenieConnector(settings, { http, clock: systemClock, timeoutMs: CONTRACT_TIMEOUT_MS });
}

describe("opsgenie connector", () => {
  it("creates with alias and GenieKey on the EU host, and keeps the alert id from the request status", async () => {
    const og = fake();
    const request = sampleRequest("create");
    const result = await connector(og.http).deliver(request);
    assert.deepEqual(result, {
      kind: "delivered",
      ticket: {
        externalId: "alert-1",
        url: null,
        meta: { alias: request.idempotencyKey, requestId: "req-1", alertId: "alert-1" },
      },
    });
    assert.equal(og.calls[0]?.url.href, "https://api.eu.opsgenie.com/v2/alerts");
    assert.equal(og.calls[0]?.headers.get("authorization"), `GenieKey ${API_KEY}`);
    assert.equal(og.calls[0]?.body?.alias, request.idempotencyKey);
    assert.deepEqual(og.calls[0]?.body?.responders, [{ type: "team", name: "payments" }]);
    assert.equal(og.calls[1]?.url.pathname, "/v2/alerts/requests/req-1");
  });

  it("escalate raises the priority one step per level and adds the reason as a note", async () => {
    const og = fake();
    const ticket = ticketFrom({ externalId: "alert-1", url: null, meta: { alias: "k" } }, "opsgenie");
    const request = sampleRequest("escalate", ticket);
    const result = await connector(og.http).deliver({ ...request, incident: { ...request.incident, severity: "medium" } });
    assert.deepEqual(result, { kind: "delivered" });
    assert.deepEqual(
      og.calls.map((c) => [c.method, c.url.pathname, c.body]),
      [
        ["PUT", "/v2/alerts/k/priority", { priority: "P2" }],
        [
          "POST",
          "/v2/alerts/k/notes",
          { source: "sluice", note: "Escalated in Sluice to level 1 (INC-42): contract check: escalate" },
        ],
      ],
    );
  });

  const failures: [string, () => Response | Error, string, string | null, number | undefined][] = [
    ["429 with Retry-After", () => json({ message: "slow down" }, 429, { "retry-after": "3" }), "retryable", null, 3000],
    ["429 without Retry-After", () => json({ message: "slow down" }, 429), "retryable", null, undefined],
    ["429 with X-RateLimit-Period-In-Sec", () => json({}, 429, { "x-ratelimit-period-in-sec": "60" }), "retryable", null, 60_000],
    ["503", () => new Response("unavailable", { status: 503 }), "retryable", null, undefined],
    ["401", () => json({ message: "Key format is not valid!" }, 401), "permanent", "credentials", undefined],
    ["403", () => json({ message: "forbidden" }, 403), "permanent", "credentials", undefined],
    ["400", () => json({ message: "Invalid JSON body" }, 400), "permanent", "rejected", undefined],
    ["network error", () => new TypeError("fetch failed", { cause: { code: "ECONNRESET" } }), "retryable", null, undefined],
  ];
  for (const [name, answer, kind, category, wait] of failures) {
    it(`${name} is ${category ?? kind}`, async () => {
      const og = fake();
      og.answer(answer());
      const result = await connector(og.http).deliver(sampleRequest("create"));
      assert.equal(result.kind, kind, JSON.stringify(result));
      if (result.kind === "permanent") assert.equal(result.category, category);
      if (result.kind === "retryable") assert.equal(result.retryAfterMs, wait);
      if (name === "400") assert.match(JSON.stringify(result), /Invalid JSON body/);
    });
  }

  it("a timeout is retryable", async () => {
    const http: HttpClient = (_url, init) =>
      new Promise((_resolve, reject) => {
        const alive = setTimeout(() => reject(new Error("never gave up")), 5_000);
        init.signal?.addEventListener("abort", () => {
          clearTimeout(alive);
          reject(init.signal?.reason);
        });
      });
    assert.equal((await connector(http).deliver(sampleRequest("create"))).kind, "retryable");
  });

  it("keeps the key and the JSM token out of reasons and checks", async () => {
    const og = fake();
    og.answer(new Response(`bad header GenieKey ${API_KEY}`, { status: 400 }), json({ message: `token ${JSM_TOKEN}` }, 401));
    const results = [await connector(og.http).deliver(sampleRequest("create")), await connector(og.http, JSM).testConnection()];
    for (const result of results) {
      const text = JSON.stringify(result);
      assert.ok(!text.includes(API_KEY) && !text.includes(JSM_TOKEN), text);
    }
  });
});

describe("jsm ops flavour", () => {
  it("creates on /v1/alerts with Basic auth and extraProperties, then acts by alert id", async () => {
    const jsm = fake();
    const created = await connector(jsm.http, JSM).deliver(sampleRequest("create"));
    assert.ok(created.kind === "delivered" && created.ticket);
    assert.equal(created.ticket.externalId, "alert-1");
    const [create] = jsm.calls;
    assert.equal(create?.url.href, "https://api.atlassian.com/jsm/ops/api/c-1/v1/alerts");
    assert.equal(create?.headers.get("authorization"), `Basic ${Buffer.from(`ops@example.com:${JSM_TOKEN}`).toString("base64")}`);
    assert.ok(create?.body?.extraProperties && !create.body.details);
    assert.deepEqual(create?.body?.responders, [{ type: "team", id: "team-uuid" }]);
    const ticket = ticketFrom(created.ticket, "jsm");
    assert.deepEqual(await connector(jsm.http, JSM).deliver(sampleRequest("acknowledge", ticket)), { kind: "delivered" });
    assert.equal(jsm.calls.at(-1)?.url.pathname, "/jsm/ops/api/c-1/v1/alerts/alert-1/acknowledge");
  });

  it("escalate moves the configured escalation to its next rule by alert id, with the reason as its note", async () => {
    const jsm = fake();
    const settings = { ...JSM, escalation: { type: "escalation" as const, id: "esc-uuid" } };
    const ticket = ticketFrom({ externalId: "alert-1", url: null, meta: { alias: "k", alertId: "alert-1" } }, "jsm");
    assert.deepEqual(await connector(jsm.http, settings).deliver(sampleRequest("escalate", ticket)), { kind: "delivered" });
    assert.deepEqual(
      jsm.calls.map((c) => [c.method, c.url.pathname, c.body]),
      [
        [
          "POST",
          "/jsm/ops/api/c-1/v1/alerts/alert-1/escalate",
          {
            escalation: { type: "escalation", id: "esc-uuid" },
            source: "sluice",
            note: "Escalated in Sluice to level 1 (INC-42): contract check: escalate",
          },
        ],
      ],
    );
    // Without a configured escalation, JSM Ops gets the reason as a note, as before.
    const plain = fake();
    await connector(plain.http, JSM).deliver(sampleRequest("escalate", ticket));
    assert.equal(plain.calls.at(-1)?.url.pathname, "/jsm/ops/api/c-1/v1/alerts/alert-1/notes");
  });

  it("finds the alert by alias when its id was never learned", async () => {
    const jsm = fake();
    const ticket = ticketFrom({ externalId: "k", url: null, meta: { alias: "k" } }, "jsm");
    assert.deepEqual(await connector(jsm.http, JSM).deliver(sampleRequest("resolve", ticket)), { kind: "delivered" });
    assert.equal(jsm.calls[0]?.url.searchParams.get("query"), 'alias:"k"');
    assert.equal(jsm.calls[1]?.url.pathname, "/jsm/ops/api/c-1/v1/alerts/alert-found/close");
  });
});

describe("an investigation on opsgenie and jsm", () => {
  for (const [name, settings, prefix] of [
    ["opsgenie", OG, "https://api.eu.opsgenie.com/v2/alerts/"],
    ["jsm", JSM, "https://api.atlassian.com/jsm/ops/api/c-1/v1/alerts/"],
  ] as const) {
    it(`${name}: is one note on the alert with the report`, async () => {
      const platform = fake();
      const c = connector(platform.http, settings);
      const created = await c.deliver(sampleRequest("create"));
      assert.ok(created.kind === "delivered" && created.ticket);
      const before = platform.calls.length;
      const result = await c.deliver({
        ...sampleRequest("comment", ticketFrom(created.ticket, name)),
        investigation: sampleInvestigation({ version: 2 }, 1),
      });
      assert.equal(result.kind, "delivered", JSON.stringify(result));
      const notes = platform.calls.slice(before).filter((call) => call.method === "POST");
      assert.equal(notes.length, 1);
      assert.ok(notes[0]?.url.href.startsWith(prefix) && notes[0].url.pathname.endsWith("/notes"), notes[0]?.url.href);
      assert.match(String(notes[0]?.body?.note), /^Sluice investigation of INC-42 \(version 2, opened\)\nSupersedes version 1/);
    });
  }
});
