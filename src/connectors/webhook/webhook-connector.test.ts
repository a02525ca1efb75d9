import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ManualClock, systemClock } from "../../core/clock.ts";
import { CONTRACT_TIMEOUT_MS, runConnectorContract, sampleRequest } from "../../testing/connector-contract-suite.ts";
import { type HttpReceiver, startReceiver } from "../../testing/http-receiver.ts";
import { scriptedFailures } from "../../testing/scripted-failures.ts";
import type { ConnectorDeps } from "../connector.ts";
import { signatureProblem } from "./signature.ts";
import { WEBHOOK_EVENTS } from "./transform.ts";
import { WebhookConnector, type WebhookSettings } from "./webhook-connector.ts";

const SECRET = "whsec-contract-0123456789abcdef";
const RECEIVER_TOKEN = "receiver-token-4f7a9c1e";
const HOOK_PATH = "/hooks/sluice-path-token-9d2b7e";

// The receiver checks what a real one would: the HMAC over "<timestamp>.<body>", the headers and the shape.
function verify(request: { method: string; headers: Record<string, string | string[] | undefined>; body: string }): string[] {
  if (request.method === "HEAD") return [];
  const problems: string[] = [];
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(",") : value;
  };
  const signature = signatureProblem(
    SECRET,
    { signature: header("x-sluice-signature"), timestamp: header("x-sluice-timestamp") },
    request.body,
    Math.floor(Date.now() / 1000),
  );
  if (signature) problems.push(signature);
  if (header("content-type") !== "application/json") problems.push(`content-type is ${header("content-type")}`);
  if (header("authorization") !== `Bearer ${RECEIVER_TOKEN}`) problems.push("custom header missing");
  try {
    const body = JSON.parse(request.body) as {
      event?: string;
      idempotencyKey?: string;
      incident?: { key?: string };
      investigation?: { report?: unknown };
    };
    if (!WEBHOOK_EVENTS.includes(body.event as never)) problems.push(`unknown event ${body.event}`);
    if (body.event === "investigation" && !body.investigation?.report) problems.push("investigation event without its report");
    if (body.idempotencyKey !== header("idempotency-key")) problems.push("Idempotency-Key header differs from body");
    if (!body.incident?.key) problems.push("incident.key missing");
  } catch {
    problems.push("body is not JSON");
  }
  return problems;
}

function settings(receiver: HttpReceiver, overrides: Partial<WebhookSettings> = {}): WebhookSettings {
  return {
    url: `${receiver.url}${HOOK_PATH}`,
    secret: SECRET,
    headers: { authorization: `Bearer ${RECEIVER_TOKEN}` },
    ...overrides,
  };
}

const deps = (overrides: Partial<ConnectorDeps> = {}): ConnectorDeps => ({
  http: (url, init) => fetch(url, init),
  clock: systemClock,
  timeoutMs: CONTRACT_TIMEOUT_MS,
  ...overrides,
});

runConnectorContract({
  name: "webhook",
  secrets: [SECRET, RECEIVER_TOKEN, HOOK_PATH],
  connect: async () => {
    const receiver = await startReceiver({ verify });
    return {
      connector: new WebhookConnector(settings(receiver), deps()),
      failNext: scriptedFailures((answer) => receiver.script(answer), {
        rateLimited: { body: "slow down" },
        serverError: { body: `Internal error handling POST ${HOOK_PATH}` },
        unauthorized: { body: `bad token ${RECEIVER_TOKEN}` },
      }),
      received: () => receiver.requests.length,
      violations: () => receiver.violations(),
      close: () => receiver.close(),
    };
  },
});

describe("webhook connector", () => {
  let receiver: HttpReceiver;
  before(async () => {
    receiver = await startReceiver({ verify });
  });
  after(() => receiver.close());

  it("signs with the clock's time and sends the documented headers", async () => {
    const clock = new ManualClock(Date.now());
    const connector = new WebhookConnector(settings(receiver), deps({ clock }));
    const result = await connector.deliver(sampleRequest("create"));
    assert.equal(result.kind, "delivered");
    const seen = receiver.requests.at(-1);
    assert.ok(seen);
    assert.deepEqual(seen.problems, []);
    assert.equal(seen.method, "POST");
    assert.equal(seen.path, HOOK_PATH);
    assert.equal(seen.headers["x-sluice-timestamp"], String(Math.floor(clock.now() / 1000)));
    assert.match(String(seen.headers["x-sluice-signature"]), /^sha256=[0-9a-f]{64}$/);
    assert.equal(seen.headers["idempotency-key"], sampleRequest("create").idempotencyKey);
    assert.equal(JSON.parse(seen.body).sentAt, new Date(clock.now()).toISOString());
  });

  it("omits the signature when no secret is configured", async () => {
    const connector = new WebhookConnector(settings(receiver, { secret: null }), deps());
    await connector.deliver(sampleRequest("create"));
    const seen = receiver.requests.at(-1);
    assert.equal(seen?.headers["x-sluice-signature"], undefined);
  });

  it("uses the receiver's id as the ticket id when it returns one", async () => {
    const connector = new WebhookConnector(settings(receiver), deps());
    receiver.script({ status: 201, headers: { "content-type": "application/json" }, body: '{"id":"rcv-981"}' });
    const withId = await connector.deliver(sampleRequest("create"));
    assert.deepEqual(withId, { kind: "delivered", ticket: { externalId: "rcv-981", url: null } });
    receiver.script({ status: 202, body: "accepted" });
    const withoutId = await connector.deliver(sampleRequest("create"));
    assert.deepEqual(withoutId, { kind: "delivered", ticket: { externalId: sampleRequest("create").idempotencyKey, url: null } });
  });

  it("returns no ticket for later events", async () => {
    const connector = new WebhookConnector(settings(receiver), deps());
    assert.deepEqual(await connector.deliver(sampleRequest("acknowledge")), { kind: "delivered" });
  });

  it("keeps the URL and secrets out of reasons when the receiver echoes them", async () => {
    const connector = new WebhookConnector(settings(receiver), deps());
    receiver.script({ status: 404, body: `Cannot POST ${HOOK_PATH}?x=1 (${RECEIVER_TOKEN})` });
    const result = await connector.deliver(sampleRequest("create"));
    assert.equal(result.kind, "permanent");
    assert.ok(result.kind === "permanent");
    assert.equal(result.category, "not-found");
    assert.ok(!result.reason.includes(HOOK_PATH) && !result.reason.includes(RECEIVER_TOKEN), result.reason);
  });

  it("reports a refused connection as retryable without naming the URL", async () => {
    const gone = await startReceiver();
    const url = `${gone.url}${HOOK_PATH}`;
    await gone.close();
    const connector = new WebhookConnector({ url, secret: SECRET, headers: {} }, deps());
    const result = await connector.deliver(sampleRequest("create"));
    assert.equal(result.kind, "retryable");
    assert.ok(result.kind === "retryable" && !result.reason.includes(HOOK_PATH), JSON.stringify(result));
  });
});

describe("webhook testConnection", () => {
  let receiver: HttpReceiver;
  before(async () => {
    receiver = await startReceiver({ answer: () => ({ status: 405 }) });
  });
  after(() => receiver.close());

  for (const [status, ok] of [
    [200, true],
    [404, true],
    [405, true],
    [401, false],
    [403, false],
    [503, false],
  ] as const) {
    it(`HTTP ${status} means ${ok ? "reachable" : "not usable"}`, async () => {
      receiver.script({ status });
      const check = await new WebhookConnector(settings(receiver), deps()).testConnection();
      assert.equal(check.ok, ok, check.detail);
      assert.equal(receiver.requests.at(-1)?.method, "HEAD", "testConnection must not POST");
      assert.ok(!check.detail.includes(HOOK_PATH));
    });
  }

  it("a timeout is not ok", async () => {
    receiver.script({ hang: true });
    const check = await new WebhookConnector(settings(receiver), deps()).testConnection();
    assert.equal(check.ok, false);
    assert.match(check.detail, /no answer/);
  });
});
