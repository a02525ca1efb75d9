import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { systemClock } from "../../core/clock.ts";
import { CONTRACT_TIMEOUT_MS, sampleRequest, ticketFrom } from "../../testing/connector-contract-suite.ts";
import type { HttpClient } from "../connector.ts";
import { TeamsConnector } from "./teams-connector.ts";
import type { TeamsMessage } from "./transform.ts";

const SIG = "sig=AbCdEfSECRETsignature0123456789";
const HOOK = `https://prod-00.westeurope.logic.azure.com:443/workflows/0a1b2c/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&${SIG}`;

function fakeHook(...answers: (Response | Error)[]) {
  const posts: { url: string; body: string; contentType: string | null }[] = [];
  const http: HttpClient = async (url, init) => {
    posts.push({ url, body: String(init.body), contentType: new Headers(init.headers).get("content-type") });
    const answer = answers.shift();
    if (answer instanceof Error) throw answer;
    return answer ?? new Response(null, { status: 202 });
  };
  return { http, posts };
}

function connector(http: HttpClient, templates = {}): TeamsConnector {
  return new TeamsConnector({ webhookUrl: HOOK, templates }, { http, clock: systemClock, timeoutMs: CONTRACT_TIMEOUT_MS });
}

function json(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

describe("teams connector", () => {
  it("posts an Adaptive Card message and keeps the idempotency key as the reference", async () => {
    const hook = fakeHook();
    const created = await connector(hook.http).deliver(sampleRequest("create"));
    assert.deepEqual(created, {
      kind: "delivered",
      ticket: { externalId: sampleRequest("create").idempotencyKey, url: null, meta: { mode: "workflows-webhook" } },
    });
    const message = JSON.parse(hook.posts[0]?.body ?? "{}") as TeamsMessage;
    assert.equal(hook.posts[0]?.url, HOOK);
    assert.match(hook.posts[0]?.contentType ?? "", /^application\/json/);
    assert.equal(message.attachments[0].contentType, "application/vnd.microsoft.card.adaptive");
    assert.equal(message.attachments[0].content.version, "1.5");
    assert.deepEqual(message.attachments[0].content.actions, [
      { type: "Action.OpenUrl", title: "Open INC-42 in Sluice", url: sampleRequest("create").incidentUrl },
    ]);
  });

  it("accepts 200 as well as 202, and a later change posts a card with the change", async () => {
    const hook = fakeHook(new Response("", { status: 200 }));
    const created = await connector(hook.http).deliver(sampleRequest("create"));
    assert.ok(created.kind === "delivered" && created.ticket);
    const resolved = await connector(hook.http).deliver(sampleRequest("resolve", ticketFrom(created.ticket, "teams")));
    assert.deepEqual(resolved, { kind: "delivered" });
    assert.match(hook.posts[1]?.body ?? "", /Change: Resolved[\s\S]*contract check: resolve/);
  });

  it("does not post a second card for a create whose ticket is already stored", async () => {
    const hook = fakeHook();
    const created = await connector(hook.http).deliver(sampleRequest("create"));
    assert.ok(created.kind === "delivered" && created.ticket);
    assert.deepEqual(await connector(hook.http).deliver(sampleRequest("create", ticketFrom(created.ticket, "teams"))), {
      kind: "delivered",
    });
    assert.equal(hook.posts.length, 1);
  });

  it("renders the card title and text from the templates", async () => {
    const hook = fakeHook();
    await connector(hook.http, { title: "{{ incident.service }} is down", body: "Owner: payments" }).deliver(
      sampleRequest("create"),
    );
    assert.match(hook.posts[0]?.body ?? "", /"checkout is down"[\s\S]*"Owner: payments"/);
  });

  const answers: [string, Response | Error, string, string, number | undefined][] = [
    ["429 with Retry-After", json({ error: { code: "TooManyRequests" } }, 429, { "retry-after": "9" }), "retryable", "", 9000],
    ["429 without Retry-After", json({ error: { code: "TooManyRequests" } }, 429), "retryable", "", undefined],
    ["502", new Response("bad gateway", { status: 502 }), "retryable", "", undefined],
    [
      "401",
      json({ error: { code: "DirectApiAuthorizationRequired", message: "The request must be authenticated" } }, 401),
      "permanent",
      "credentials",
      undefined,
    ],
    ["403", json({ error: { code: "AuthorizationFailed" } }, 403), "permanent", "credentials", undefined],
    [
      "404",
      json({ error: { code: "WorkflowNotFound", message: "The workflow was not found" } }, 404),
      "permanent",
      "not-found",
      undefined,
    ],
    [
      "400",
      json({ error: { code: "InvalidRequestContent", message: "The request content is not valid JSON" } }, 400),
      "permanent",
      "rejected",
      undefined,
    ],
    ["timeout", Object.assign(new Error("aborted"), { name: "TimeoutError" }), "retryable", "", undefined],
    ["network", new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } }), "retryable", "", undefined],
  ];
  for (const [name, answer, kind, category, wait] of answers) {
    it(`${name} is ${category || kind}`, async () => {
      const result = await connector(fakeHook(answer).http).deliver(sampleRequest("create"));
      assert.equal(result.kind, kind, JSON.stringify(result));
      if (result.kind === "permanent") assert.equal(result.category, category);
      if (result.kind === "retryable") assert.equal(result.retryAfterMs, wait);
      assert.ok(!JSON.stringify(result).includes("SECRET"), JSON.stringify(result));
    });
  }

  it("a 400 carries the Workflows error message", async () => {
    const hook = fakeHook(json({ error: { code: "InvalidRequestContent", message: "The request content is not valid" } }, 400));
    const result = await connector(hook.http).deliver(sampleRequest("create"));
    assert.deepEqual(result, {
      kind: "permanent",
      category: "rejected",
      reason: "Teams webhook post failed (HTTP 400): InvalidRequestContent: The request content is not valid",
    });
  });

  it("keeps the webhook URL and its signature out of reasons even when echoed", async () => {
    const hook = fakeHook(new Response(`no trigger at ${HOOK} (${SIG})`, { status: 404 }));
    const result = await connector(hook.http).deliver(sampleRequest("create"));
    assert.ok(result.kind === "permanent" && !result.reason.includes("SECRET"), JSON.stringify(result));
  });

  it("testConnection checks the URL's form without posting", async () => {
    const hook = fakeHook();
    const check = await connector(hook.http).testConnection();
    assert.equal(check.ok, true);
    assert.match(check.detail, /cannot be checked without posting/);
    assert.ok(!check.detail.includes("SECRET"));
    assert.equal(hook.posts.length, 0);
    const plain = new TeamsConnector(
      { webhookUrl: "http://example.com/x", templates: {} },
      { http: hook.http, clock: systemClock, timeoutMs: 100 },
    );
    assert.equal((await plain.testConnection()).ok, false);
  });
});
