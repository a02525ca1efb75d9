import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { sha256Hex } from "../sources/http/auth.ts";
import { anomalyEvent, inMemorySluice } from "../testing/in-memory-sluice.ts";

describe("remediation API", async () => {
  const { sluice } = await inMemorySluice({
    auth: {
      tokens: [
        { name: "dashboard", role: "viewer", sha256: sha256Hex("viewer-token") },
        { name: "oncall", role: "responder", sha256: sha256Hex("responder-token") },
        { name: "root", role: "admin", sha256: sha256Hex("admin-token") },
      ],
      ingestTokens: [{ name: "scorer", sources: ["*"], sha256: sha256Hex("scorer-token") }],
    },
    remediation: {
      playbooks: [
        {
          name: "reset-pool",
          match: { service: "cart", pattern: "*pool exhausted*" },
          action: { kind: "http", url: "http://127.0.0.1:9/admin/{{service}}/reset" },
          verify: { quietFor: "1m", within: "5m" },
          mode: { "*": "suggest" },
        },
      ],
    },
  });
  after(() => sluice.close());
  const call = async (method: "GET" | "POST", url: string, token?: string, payload?: object) =>
    sluice.server.inject({
      method,
      url,
      ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
      ...(payload ? { payload } : {}),
    });

  it("lists runs with filters, approves as a responder once, and keeps the kill switch for admins", async () => {
    const sent = await call(
      "POST",
      "/api/v1/signals",
      "scorer-token",
      anomalyEvent({ service: "cart", error_message: "connection pool exhausted" }),
    );
    assert.equal(sent.statusCode, 202);
    await sluice.remediator?.flush();
    const listed = await call("GET", "/api/remediations?service=cart&state=awaiting-approval", "viewer-token");
    assert.equal(listed.statusCode, 200);
    const body = listed.json() as { items: { id: string; plan: string }[]; paused: { paused: boolean } };
    assert.equal(body.items.length, 1);
    assert.equal(body.items[0]?.plan, "POST http://127.0.0.1:9/admin/cart/reset");
    assert.equal(body.paused.paused, false);
    const id = body.items[0]?.id ?? "";

    const bogus = await call("GET", "/api/remediations?state=bogus", "viewer-token");
    assert.equal(bogus.statusCode, 422);
    assert.match(bogus.json().error.message, /state must be a comma-separated list of matched, awaiting-approval/);
    assert.equal((await call("GET", "/api/remediations?incident=INC-999", "viewer-token")).statusCode, 404);
    assert.equal((await call("GET", "/api/remediations")).statusCode, 401);
    assert.equal((await call("POST", `/api/remediations/${id}/approve`, "viewer-token")).statusCode, 403);
    const approved = await call("POST", `/api/remediations/${id}/approve`, "responder-token");
    assert.equal(approved.statusCode, 200);
    assert.deepEqual([approved.json().state, approved.json().approvedBy], ["matched", "api:oncall"]);
    assert.equal((await call("POST", `/api/remediations/${id}/approve`, "responder-token")).statusCode, 409);
    assert.equal((await call("POST", `/api/remediations/${id}/reject`, "responder-token", { reason: "late" })).statusCode, 409);
    assert.equal((await call("POST", "/api/remediations/nope/approve", "responder-token")).statusCode, 404);

    assert.equal((await call("POST", "/api/remediations/pause", "responder-token")).statusCode, 403);
    const paused = await call("POST", "/api/remediations/pause", "admin-token");
    assert.deepEqual([paused.statusCode, paused.json().paused, paused.json().by], [200, true, "api:root"]);
    assert.equal((await call("POST", "/api/remediations/resume", "admin-token")).json().paused, false);
    assert.equal(
      (await call("POST", "/api/remediations/playbooks/reset-pool/services/cart/enable", "admin-token")).statusCode,
      404,
    );

    const stats = await call("GET", "/api/remediations/stats", "viewer-token");
    assert.deepEqual(stats.json().playbooks, [
      { playbook: "reset-pool", runs: 0, verified: 0, failed: 0, rolledBack: 0, escalated: 0, succeeded: 0, successRate: null },
    ]);
  });
});
