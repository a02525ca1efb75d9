import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, describe, it } from "node:test";
import { inMemorySluice } from "../../testing/in-memory-sluice.ts";

const SECRET = "gh-webhook-secret-0123456789";
// The token is configured, so a request without the GitHub signature would need a bearer token; the route needs neither.
const config = {
  changes: { githubWebhookSecret: SECRET },
  auth: { tokens: [{ name: "ops", role: "admin", sha256: "a".repeat(64) }] },
};

const body = JSON.stringify({
  action: "created",
  deployment_status: {
    id: 4242,
    state: "success",
    environment: "production",
    description: "Deployed by Actions",
    target_url: "https://github.com/acme/checkout/actions/runs/9",
    created_at: "2026-11-24T09:55:00Z",
    creator: { login: "octocat" },
  },
  deployment: { id: 77, sha: "a1b2c3d4e5f6a7b8c9d0", ref: "v1.4.0", environment: "production", payload: {}, creator: null },
  repository: { name: "checkout", full_name: "acme/checkout", html_url: "https://github.com/acme/checkout" },
});
const sign = (payload: string, secret = SECRET) => `sha256=${createHmac("sha256", secret).update(payload).digest("hex")}`;

describe("POST /api/v1/changes/github", async () => {
  const { sluice } = await inMemorySluice(config);
  after(() => sluice.close());
  const post = (headers: Record<string, string>, payload = body) =>
    sluice.server.inject({
      method: "POST",
      url: "/api/v1/changes/github",
      headers: { "content-type": "application/json", "x-github-event": "deployment_status", ...headers },
      payload,
    });

  it("records a signed deployment_status as a deploy, once", async () => {
    const first = await post({ "x-hub-signature-256": sign(body) });
    assert.equal(first.statusCode, 202, first.body);
    assert.equal(first.json().results[0].outcome, "stored");
    const again = await post({ "x-hub-signature-256": sign(body) });
    assert.equal(again.json().results[0].outcome, "duplicate", "GitHub redelivers; the change is stored once");
    const [stored] = await sluice.store.changes.find({ services: ["checkout"], from: 0, to: Number.MAX_SAFE_INTEGER, limit: 10 });
    assert.equal(stored?.kind, "deploy");
    assert.match(stored?.version ?? "", /^v1\.4\.0/);
  });

  it("refuses a missing or wrong signature with 401 and stores nothing", async () => {
    const tampered = body.replace("v1.4.0", "v6.6.6");
    const attempts: Record<string, string>[] = [
      {},
      { "x-hub-signature-256": sign(body, "another-secret-0123456789") },
      { "x-hub-signature-256": sign(body) },
    ];
    for (const headers of attempts) {
      const response = await post(headers, tampered);
      assert.equal(response.statusCode, 401, response.body);
      assert.doesNotMatch(response.body, new RegExp(SECRET));
    }
    const stored = await sluice.store.changes.find({ services: ["checkout"], from: 0, to: Number.MAX_SAFE_INTEGER, limit: 10 });
    assert.ok(stored.every((change) => !change.version?.startsWith("v6.6.6")));
  });

  it("answers GitHub's ping and acknowledges events it does not use", async () => {
    const ping = await post({ "x-github-event": "ping", "x-hub-signature-256": sign("{}") }, "{}");
    assert.equal(ping.statusCode, 200);
    const push = await post({ "x-github-event": "push", "x-hub-signature-256": sign("{}") }, "{}");
    assert.equal(push.statusCode, 202);
    assert.equal(push.json().accepted, 0);
  });
});

describe("POST /api/v1/changes/github without a secret", async () => {
  const { sluice } = await inMemorySluice();
  after(() => sluice.close());

  it("is not served (404), so unsigned GitHub traffic never lands", async () => {
    const response = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/changes/github",
      headers: { "content-type": "application/json", "x-github-event": "deployment_status", "x-hub-signature-256": sign(body) },
      payload: body,
    });
    assert.equal(response.statusCode, 404);
  });
});
