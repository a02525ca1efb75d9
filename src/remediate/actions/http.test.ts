import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { httpActionConfigSchema } from "../../config/remediation-action-config.ts";
import { type HttpReceiver, startReceiver } from "../../testing/http-receiver.ts";
import type { ActionContext } from "./action.ts";
import { HttpAction } from "./http.ts";

const SECRET = "s3cr3t-admin-token";

function context(overrides: Partial<ActionContext> = {}): ActionContext {
  return {
    incident: { id: "01J", key: "INC-3", service: "cart", environment: "prod", severity: "high", labels: { pool: "main" } },
    idempotencyKey: "01J:reset-pool:1",
    secret: (ref) => {
      if (ref !== "admin") throw new Error(`no secret ${ref}`);
      return SECRET;
    },
    signal: new AbortController().signal,
    ...overrides,
  };
}

describe("http action", () => {
  let receiver: HttpReceiver;
  before(async () => {
    receiver = await startReceiver();
  });
  after(() => receiver.close());

  const action = (config: Record<string, unknown>) =>
    new HttpAction(
      httpActionConfigSchema.parse({
        kind: "http",
        url: `${receiver.url}/admin/{{service}}/reset?pool={{labels.pool}}`,
        ...config,
      }),
      fetch,
    );

  it("sends the templated request with the secret, the idempotency key and the JSON body", async () => {
    const outcome = await action({ auth: { bearer: "admin" }, body: { service: "{{service}}", reason: "{{key}}" } }).execute(
      context(),
    );
    const request = receiver.requests.at(-1);
    assert.ok(request);
    assert.equal(request.method, "POST");
    assert.equal(request.path, "/admin/cart/reset?pool=main");
    assert.equal(request.headers.authorization, `Bearer ${SECRET}`);
    assert.equal(request.headers["idempotency-key"], "01J:reset-pool:1");
    assert.deepEqual(JSON.parse(request.body), { service: "cart", reason: "INC-3" });
    assert.deepEqual(outcome, { ok: true, summary: `POST ${receiver.url}/admin/cart/reset answered HTTP 200` });
    assert.ok(!outcome.summary.includes(SECRET));
  });

  it("names its target without the query, and describes itself without running", async () => {
    const before = receiver.requests.length;
    const a = action({ body: { x: 1 } });
    assert.equal(a.target(context().incident), `http:POST ${receiver.url}/admin/cart/reset`);
    assert.equal(a.describe(context()), `POST ${receiver.url}/admin/cart/reset with a 7-byte JSON body`);
    assert.equal(receiver.requests.length, before, "describe sends nothing");
  });

  it("reports a non-2xx answer and a timeout as failures, secrets kept out", async () => {
    receiver.script({ status: 503, body: `echo ${SECRET}` });
    const refused = await action({ auth: { header: "X-Api-Key", secret: "admin" } }).execute(context());
    assert.deepEqual(refused, { ok: false, summary: `POST ${receiver.url}/admin/cart/reset answered HTTP 503 (not a success)` });
    assert.equal(receiver.requests.at(-1)?.headers["x-api-key"], SECRET);
    receiver.script({ hang: true });
    const slow = await action({ timeout: "200ms" }).execute(context());
    assert.equal(slow.ok, false);
    assert.match(slow.summary, /no answer within 200 ms/);
  });

  it("accepts the statuses configured as success", async () => {
    receiver.script({ status: 409 });
    const outcome = await action({ method: "PUT", expectStatus: [409] }).execute(context());
    assert.equal(outcome.ok, true);
    assert.equal(receiver.requests.at(-1)?.method, "PUT");
  });
});
