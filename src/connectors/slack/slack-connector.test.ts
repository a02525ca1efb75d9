import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { systemClock } from "../../core/clock.ts";
import {
  CONTRACT_TIMEOUT_MS,
  runConnectorContract,
  sampleIncident,
  sampleRequest,
  ticketFrom,
} from "../../testing/connector-contract-suite.ts";
import { startReceiver } from "../../testing/http-receiver.ts";
import { scriptedFailures } from "../../testing/scripted-failures.ts";
import type { HttpClient } from "../connector.ts";
import { postChannel, SlackConnector, type SlackSettings } from "./slack-connector.ts";
import { DEFAULT_RATE_LIMIT_WAIT_MS } from "./slack-errors.ts";

const TOKEN = "xoxb-unit-0000000000-SECRETTOKEN";
const HOOK_SECRET_PATH = "/services/T000/B000/XXXXSECRETXXXX";
const BOT: SlackSettings = { mode: "bot", botToken: TOKEN, channel: "#incidents", apiBaseUrl: "https://slack.test/api" };

interface Call {
  method: string;
  httpMethod: string;
  form: URLSearchParams;
  headers: Headers;
}

/** A scripted Slack Web API: records calls; answers from a queue, else a plausible success. */
function fakeSlack() {
  const calls: Call[] = [];
  const queue: (Response | Error)[] = [];
  let next = 1;
  const http: HttpClient = async (url, init) => {
    const method = new URL(url).pathname.split("/").pop() ?? "";
    calls.push({
      method,
      httpMethod: init.method ?? "GET",
      form: new URLSearchParams(String(init.body ?? "")),
      headers: new Headers(init.headers),
    });
    const scripted = queue.shift();
    if (scripted instanceof Error) throw scripted;
    if (scripted) return scripted;
    if (method === "chat.postMessage")
      return json({ ok: true, channel: "C0INCIDENTS", ts: `1736933400.00000${next++}`, message: { text: "" } });
    if (method === "chat.update") return json({ ok: true, channel: "C0INCIDENTS", ts: "x", text: "", message: { text: "" } });
    if (method === "auth.test")
      return json({ ok: true, url: "https://acme.slack.com/", team: "Acme", user: "sluice", team_id: "T1", user_id: "U1" });
    return json({ ok: false, error: "unknown_method" });
  };
  return { http, calls, answer: (...responses: (Response | Error)[]) => queue.push(...responses) };
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

function connector(http: HttpClient, settings: SlackSettings = BOT): SlackConnector {
  return new SlackConnector(settings, { http, clock: systemClock, timeoutMs: CONTRACT_TIMEOUT_MS });
}

async function createdTicket(slack: ReturnType<typeof fakeSlack>) {
  const result = await connector(slack.http).deliver(sampleRequest("create"));
  assert.ok(result.kind === "delivered" && result.ticket);
  return ticketFrom(result.ticket, "slack");
}

describe("slack bot mode", () => {
  it("opens the incident in the configured channel and keeps the channel id Slack returns", async () => {
    const slack = fakeSlack();
    const result = await connector(slack.http).deliver(sampleRequest("create"));
    assert.deepEqual(result, {
      kind: "delivered",
      ticket: {
        externalId: "C0INCIDENTS:1736933400.000001",
        url: null,
        meta: { channel: "C0INCIDENTS", ts: "1736933400.000001" },
      },
    });
    const [call] = slack.calls;
    assert.equal(call?.method, "chat.postMessage");
    assert.equal(call?.form.get("channel"), "#incidents");
    assert.equal(call?.headers.get("authorization"), `Bearer ${TOKEN}`);
    assert.equal(call?.form.get("unfurl_links"), "false");
    assert.ok(JSON.parse(call?.form.get("blocks") ?? "null"));
  });

  it("a repeated create edits the existing message instead of posting a second one", async () => {
    const slack = fakeSlack();
    const ticket = await createdTicket(slack);
    const again = await connector(slack.http).deliver(sampleRequest("create", ticket));
    assert.deepEqual(again, { kind: "delivered", ticket: { externalId: ticket.externalId, url: null, meta: ticket.meta } });
    assert.deepEqual(
      slack.calls.map((c) => c.method),
      ["chat.postMessage", "chat.update"],
    );
  });

  it("edits the root before replying, so a failed edit posts no reply", async () => {
    const slack = fakeSlack();
    const ticket = await createdTicket(slack);
    slack.answer(json({ ok: false, error: "ratelimited" }));
    const result = await connector(slack.http).deliver(sampleRequest("acknowledge", ticket));
    assert.deepEqual(result, {
      kind: "retryable",
      reason: "Slack chat.update failed: ratelimited",
      retryAfterMs: DEFAULT_RATE_LIMIT_WAIT_MS,
    });
    assert.deepEqual(
      slack.calls.map((c) => c.method),
      ["chat.postMessage", "chat.update"],
    );
  });

  it("replies in the thread with the change and its note", async () => {
    const slack = fakeSlack();
    const ticket = await createdTicket(slack);
    const result = await connector(slack.http).deliver(sampleRequest("comment", ticket));
    assert.deepEqual(result, { kind: "delivered" });
    const reply = slack.calls.at(-1);
    assert.equal(reply?.method, "chat.postMessage");
    assert.equal(reply?.form.get("thread_ts"), "1736933400.000001");
    assert.equal(reply?.form.get("channel"), "C0INCIDENTS");
    assert.match(reply?.form.get("text") ?? "", /Note[\s\S]*contract check: comment/);
  });

  it("finds the root from the external id when meta is empty", async () => {
    const slack = fakeSlack();
    const ticket = { ...(await createdTicket(slack)), meta: {} };
    await connector(slack.http).deliver(sampleRequest("resolve", ticket));
    const update = slack.calls[1];
    assert.equal(update?.form.get("channel"), "C0INCIDENTS");
    assert.equal(update?.form.get("ts"), "1736933400.000001");
  });

  it("reposts and moves the ticket when the root message was deleted", async () => {
    const slack = fakeSlack();
    const ticket = await createdTicket(slack);
    slack.answer(json({ ok: false, error: "message_not_found" }));
    const result = await connector(slack.http).deliver(sampleRequest("escalate", ticket));
    assert.ok(result.kind === "delivered" && result.ticket, JSON.stringify(result));
    assert.equal(result.ticket.externalId, "C0INCIDENTS:1736933400.000002");
    assert.deepEqual(
      slack.calls.map((c) => c.method),
      ["chat.postMessage", "chat.update", "chat.postMessage", "chat.postMessage"],
    );
    assert.equal(slack.calls[3]?.form.get("thread_ts"), "1736933400.000002");
  });

  it("still replies when Slack refuses to edit the root", async () => {
    const slack = fakeSlack();
    const ticket = await createdTicket(slack);
    slack.answer(json({ ok: false, error: "cant_update_message" }));
    assert.deepEqual(await connector(slack.http).deliver(sampleRequest("resolve", ticket)), { kind: "delivered" });
    assert.equal(slack.calls.at(-1)?.form.get("thread_ts"), "1736933400.000001");
  });

  it("opens the message when a later change arrives without a ticket", async () => {
    const slack = fakeSlack();
    const result = await connector(slack.http).deliver(sampleRequest("acknowledge", null));
    assert.ok(result.kind === "delivered" && result.ticket);
    assert.deepEqual(
      slack.calls.map((c) => [c.method, c.form.get("thread_ts")]),
      [
        ["chat.postMessage", null],
        ["chat.postMessage", "1736933400.000001"],
      ],
    );
  });

  it("honours Retry-After on an HTTP 429", async () => {
    const slack = fakeSlack();
    slack.answer(json({ ok: false, error: "ratelimited" }, 429, { "retry-after": "12" }));
    const result = await connector(slack.http).deliver(sampleRequest("create"));
    assert.ok(result.kind === "retryable");
    assert.equal(result.retryAfterMs, 12_000);
  });

  it("treats an ok answer without ts, or a body that is not JSON, as rejected", async () => {
    const slack = fakeSlack();
    slack.answer(json({ ok: true, channel: "C1" }), new Response("<html>proxy</html>", { status: 200 }));
    for (let i = 0; i < 2; i++) {
      const result = await connector(slack.http).deliver(sampleRequest("create"));
      assert.ok(result.kind === "permanent" && result.category === "rejected", JSON.stringify(result));
    }
  });

  it("maps unknown Slack errors to rejected and never echoes odd error text", async () => {
    const slack = fakeSlack();
    slack.answer(
      json({ ok: false, error: "is_archived" }),
      json({ ok: false, error: "weird_new_error" }),
      json({ ok: false, error: `<b>${TOKEN}</b>` }),
    );
    const archived = await connector(slack.http).deliver(sampleRequest("create"));
    assert.ok(archived.kind === "permanent" && archived.category === "configuration");
    const weird = await connector(slack.http).deliver(sampleRequest("create"));
    assert.deepEqual(weird, {
      kind: "permanent",
      category: "rejected",
      reason: "Slack chat.postMessage failed: weird_new_error",
    });
    const odd = await connector(slack.http).deliver(sampleRequest("create"));
    assert.ok(odd.kind === "permanent" && odd.reason.endsWith("unknown_error"));
  });

  it("keeps the token out of reasons even when a proxy echoes it", async () => {
    const slack = fakeSlack();
    slack.answer(new Response(`bad gateway for Authorization: Bearer ${TOKEN}`, { status: 502 }));
    const result = await connector(slack.http).deliver(sampleRequest("create"));
    assert.equal(result.kind, "retryable");
    assert.ok(!JSON.stringify(result).includes(TOKEN), JSON.stringify(result));
  });

  it("testConnection runs auth.test without posting", async () => {
    const slack = fakeSlack();
    const ok = await connector(slack.http).testConnection();
    assert.equal(ok.ok, true);
    assert.match(ok.detail, /authenticated as sluice in Acme/);
    assert.deepEqual(
      slack.calls.map((c) => [c.method, c.httpMethod]),
      [["auth.test", "GET"]],
    );
    slack.answer(json({ ok: false, error: "invalid_auth" }));
    const bad = await connector(slack.http).testConnection();
    assert.equal(bad.ok, false);
    assert.match(bad.detail, /invalid_auth/);
    slack.answer(new TypeError("fetch failed", { cause: { code: "ENOTFOUND" } }));
    const down = await connector(slack.http).testConnection();
    assert.deepEqual(down, { ok: false, detail: "request failed: ENOTFOUND" });
  });
});

describe("slack destination from the service catalog", () => {
  const owned = sampleIncident({ context: { destinations: { slack: { channel: "#payments-oncall" } } } });

  it("posts the root message to the owner's channel, and later changes follow the stored root", async () => {
    const slack = fakeSlack();
    slack.answer(json({ ok: true, channel: "C0PAYMENTS", ts: "1736933400.000009", message: { text: "" } }));
    const created = await connector(slack.http).deliver(sampleRequest("create", null, owned));
    assert.ok(created.kind === "delivered" && created.ticket);
    assert.equal(slack.calls[0]?.form.get("channel"), "#payments-oncall");
    // Even if the catalog moved the service since, the thread stays where it started.
    const moved = sampleIncident({ context: { destinations: { slack: { channel: "#elsewhere" } } } });
    const ticket = ticketFrom(created.ticket, "slack", moved);
    const resolved = await connector(slack.http).deliver(sampleRequest("resolve", ticket, moved));
    assert.deepEqual(resolved, { kind: "delivered" });
    assert.deepEqual(
      slack.calls.slice(1).map((call) => [call.method, call.form.get("channel"), call.form.get("thread_ts")]),
      [
        ["chat.update", "C0PAYMENTS", null],
        ["chat.postMessage", "C0PAYMENTS", "1736933400.000009"],
      ],
    );
  });

  it("without an owner's channel, posts to the configured one", () => {
    assert.equal(postChannel(sampleRequest("create"), BOT), "#incidents");
    assert.equal(postChannel({ incident: owned }, BOT), "#payments-oncall");
  });

  it("an incoming webhook cannot choose a channel: the owner's channel is not sent", async () => {
    const posts: string[] = [];
    const http: HttpClient = async (_url, init) => {
      posts.push(String(init.body));
      return new Response("ok", { status: 200 });
    };
    const hook: SlackSettings = { mode: "webhook", webhookUrl: `https://hooks.slack.test${HOOK_SECRET_PATH}` };
    assert.equal((await connector(http, hook).deliver(sampleRequest("create", null, owned))).kind, "delivered");
    assert.equal((JSON.parse(posts[0] ?? "{}") as { channel?: string }).channel, undefined);
  });
});

describe("slack incoming-webhook mode", () => {
  const HOOK: SlackSettings = { mode: "webhook", webhookUrl: `https://hooks.slack.test${HOOK_SECRET_PATH}` };

  function fakeHook(...answers: Response[]) {
    const posts: { url: string; body: string; contentType: string | null }[] = [];
    const http: HttpClient = async (url, init) => {
      posts.push({ url, body: String(init.body), contentType: new Headers(init.headers).get("content-type") });
      return answers.shift() ?? new Response("ok", { status: 200 });
    };
    return { http, posts };
  }

  it("posts a new self-contained JSON message for every change", async () => {
    const hook = fakeHook();
    const created = await connector(hook.http, HOOK).deliver(sampleRequest("create"));
    assert.deepEqual(created, {
      kind: "delivered",
      ticket: { externalId: sampleRequest("create").idempotencyKey, url: null, meta: { mode: "incoming-webhook" } },
    });
    assert.ok(created.kind === "delivered" && created.ticket);
    const resolved = await connector(hook.http, HOOK).deliver(sampleRequest("resolve", ticketFrom(created.ticket, "slack")));
    assert.deepEqual(resolved, { kind: "delivered" });
    assert.equal(hook.posts.length, 2);
    const second = JSON.parse(hook.posts[1]?.body ?? "{}") as { text: string; thread_ts?: string };
    assert.match(second.text, /Resolved.*INC-42/);
    assert.equal(second.thread_ts, undefined);
    assert.match(hook.posts[0]?.contentType ?? "", /^application\/json/);
  });

  const refusals: [number, string, string, string][] = [
    [400, "invalid_payload", "permanent", "rejected"],
    [403, "invalid_token", "permanent", "credentials"],
    [404, "no_service", "permanent", "credentials"],
    [404, "channel_not_found", "permanent", "configuration"],
    [410, "channel_is_archived", "permanent", "configuration"],
    [403, "action_prohibited", "permanent", "configuration"],
    [400, "something_new", "permanent", "rejected"],
    [500, "rollup_error", "retryable", ""],
  ];
  for (const [status, body, kind, category] of refusals) {
    it(`HTTP ${status} ${body} is ${category || kind}`, async () => {
      const hook = fakeHook(new Response(body, { status, headers: { "content-type": "text/plain" } }));
      const result = await connector(hook.http, HOOK).deliver(sampleRequest("create"));
      assert.equal(result.kind, kind, JSON.stringify(result));
      if (result.kind === "permanent") assert.equal(result.category, category);
      assert.ok(!JSON.stringify(result).includes("XXXXSECRETXXXX"));
    });
  }

  it("keeps the webhook URL out of reasons", async () => {
    const hook = fakeHook(new Response(`no route for POST ${HOOK_SECRET_PATH}`, { status: 404 }));
    const result = await connector(hook.http, HOOK).deliver(sampleRequest("create"));
    assert.ok(result.kind === "permanent" && !result.reason.includes("XXXXSECRETXXXX"), JSON.stringify(result));
  });

  it("testConnection checks the URL's form without contacting it", async () => {
    const hook = fakeHook();
    const check = await connector(hook.http, HOOK).testConnection();
    assert.equal(check.ok, true);
    assert.match(check.detail, /cannot be checked without posting/);
    assert.ok(!check.detail.includes(HOOK_SECRET_PATH));
    assert.equal(hook.posts.length, 0);
    const plain = await connector(hook.http, { mode: "webhook", webhookUrl: "http://hooks.slack.test/x" }).testConnection();
    assert.equal(plain.ok, false);
  });
});

// Incoming-webhook mode against a real local server answering the way Slack's webhook endpoint does.
runConnectorContract({
  name: "slack (incoming webhook)",
  secrets: [HOOK_SECRET_PATH, "XXXXSECRETXXXX"],
  connect: async () => {
    const receiver = await startReceiver({
      verify: (request) => {
        const problems: string[] = [];
        if (request.method !== "POST") problems.push(`method ${request.method}`);
        if (!String(request.headers["content-type"]).startsWith("application/json")) problems.push("not JSON");
        try {
          const body = JSON.parse(request.body) as { text?: unknown; blocks?: unknown };
          if (typeof body.text !== "string" || !body.text) problems.push("text missing");
          if (body.blocks !== undefined && !Array.isArray(body.blocks)) problems.push("blocks is not an array");
        } catch {
          problems.push("invalid_payload");
        }
        return problems;
      },
    });
    return {
      connector: connector((url, init) => fetch(url, init), {
        mode: "webhook",
        webhookUrl: `${receiver.url}${HOOK_SECRET_PATH}`,
      }),
      failNext: scriptedFailures((answer) => receiver.script(answer), {
        rateLimited: { body: "rate_limited" },
        serverError: { body: "rollup_error" },
        unauthorized: { body: "invalid_token" },
      }),
      received: () => receiver.requests.length,
      violations: () => receiver.violations(),
      close: () => receiver.close(),
    };
  },
});

describe("slack create retried after a crash", () => {
  it("finds the root message it already posted instead of posting a second one", async () => {
    const slack = fakeSlack();
    const request = { ...sampleRequest("create"), attempt: 2 };
    slack.answer(
      json({
        ok: true,
        messages: [
          { ts: "1736933400.000001", blocks: [{ type: "actions", elements: [{ type: "button", value: "another-key" }] }] },
          {
            ts: "1736933400.000002",
            blocks: [{ type: "actions", elements: [{ type: "button", value: request.idempotencyKey }] }],
          },
        ],
      }),
    );
    const result = await connector(slack.http).deliver(request);
    assert.ok(result.kind === "delivered");
    assert.equal(result.ticket?.externalId, "#incidents:1736933400.000002");
    assert.deepEqual(
      slack.calls.map((c) => c.method),
      ["conversations.history"],
    );
  });

  it("posts when the lookup finds nothing or fails, and does not look on a first attempt", async () => {
    const slack = fakeSlack();
    slack.answer(json({ ok: false, error: "missing_scope" }));
    await connector(slack.http).deliver({ ...sampleRequest("create"), attempt: 3 });
    await connector(slack.http).deliver(sampleRequest("create"));
    assert.deepEqual(
      slack.calls.map((c) => c.method),
      ["conversations.history", "chat.postMessage", "chat.postMessage"],
    );
  });
});
