import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { anomalyEvent, inMemorySluice } from "../../testing/in-memory-sluice.ts";
import { sha256Hex } from "./auth.ts";

describe("bearer tokens with roles", async () => {
  const { sluice } = await inMemorySluice({
    auth: {
      tokens: [
        { name: "dashboard", role: "viewer", sha256: sha256Hex("viewer-token") },
        { name: "oncall", role: "responder", sha256: sha256Hex("responder-token") },
        { name: "ops", role: "admin", sha256: sha256Hex("admin-token") },
      ],
      ingestTokens: [
        { name: "scorer", sources: ["api"], sha256: sha256Hex("scorer-token") },
        { name: "am", sources: ["alertmanager"], sha256: sha256Hex("am-token") },
      ],
    },
  });
  after(() => sluice.close());
  const call = (method: "GET" | "POST", url: string, token?: string, payload?: unknown) =>
    sluice.server.inject({
      method,
      url,
      ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
      ...(payload ? { payload } : {}),
    });

  it("requires a token once tokens are configured", async () => {
    assert.equal(sluice.auth.enabled, true);
    const response = await call("GET", "/api/incidents");
    assert.equal(response.statusCode, 401);
    assert.equal(response.json().error.code, "UNAUTHORIZED");
    assert.equal((await call("GET", "/api/incidents", "wrong-token")).statusCode, 401);
  });

  it("lets ingest tokens send only their sources", async () => {
    assert.equal((await call("POST", "/api/v1/signals", "scorer-token", anomalyEvent())).statusCode, 202);
    const wrongSource = await call("POST", "/api/v1/signals", "am-token", anomalyEvent());
    assert.equal(wrongSource.statusCode, 403);
    assert.match(wrongSource.json().error.message, /may not send api signals/);
    assert.equal((await call("GET", "/api/incidents", "scorer-token")).statusCode, 403, "ingest tokens cannot read");
  });

  it("orders roles: viewer reads, responder acts, admin retries deliveries", async () => {
    assert.equal((await call("GET", "/api/incidents", "viewer-token")).statusCode, 200);
    assert.equal((await call("POST", "/api/incidents/INC-1/acknowledge", "viewer-token")).statusCode, 403);
    assert.equal((await call("POST", "/api/incidents/INC-1/acknowledge", "responder-token")).statusCode, 200);
    assert.equal((await call("POST", "/api/deliveries/nope/retry", "responder-token")).statusCode, 403);
    assert.equal((await call("POST", "/api/deliveries/nope/retry", "admin-token")).statusCode, 404);
  });

  it("names the actor in the timeline and never echoes a token", async () => {
    const timeline = (await call("GET", "/api/incidents/INC-1/timeline", "viewer-token")).json().items as { actor: string }[];
    assert.equal(timeline.at(-1)?.actor, "api:oncall");
    const body = (await call("GET", "/api/incidents/INC-1", "viewer-token")).body;
    assert.ok(!body.includes("responder-token"));
  });

  it("keeps health and metrics public", async () => {
    assert.equal((await call("GET", "/healthz")).statusCode, 200);
    assert.equal((await call("GET", "/metrics")).statusCode, 200);
  });
});
