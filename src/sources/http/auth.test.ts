import assert from "node:assert/strict";
import { type AddressInfo, connect } from "node:net";
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

describe("authentication comes before the body is read", async () => {
  const { sluice } = await inMemorySluice({
    server: { bodyLimit: 1024 },
    auth: {
      tokens: [{ name: "ops", role: "admin", sha256: sha256Hex("admin-token") }],
      ingestTokens: [{ name: "scorer", sources: ["*"], sha256: sha256Hex("scorer-token") }],
    },
  });
  after(() => sluice.close());
  // Public: probes and metrics, and the routes platforms sign (they verify the exact bytes, so they must read them).
  const PUBLIC = new Set([
    "GET /healthz",
    "GET /readyz",
    "GET /metrics",
    "POST /api/v1/sync/{platform}",
    "POST /api/v1/changes/github",
  ]);
  await sluice.server.ready();
  const document = sluice.server.swagger() as { paths: Record<string, Record<string, unknown>> };
  const routes = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })),
  );

  it("refuses a half-written or oversized body without a token with 401 on every non-public route", async () => {
    assert.ok(routes.length > 20, `the document lists the routes: ${routes.length}`);
    const refused: string[] = [];
    for (const { method, path } of routes) {
      if (PUBLIC.has(`${method} ${path}`)) continue;
      const url = path.replace(/\{[^}]+\}/g, "INC-1");
      for (const payload of ["{", "x".repeat(4096)]) {
        const response = await sluice.server.inject({
          method: method as "GET",
          url,
          headers: { "content-type": "application/json" },
          ...(method === "GET" ? {} : { payload }),
        });
        if (response.statusCode !== 401) refused.push(`${method} ${url} (${payload.length} bytes): ${response.statusCode}`);
      }
    }
    assert.deepEqual(refused, []);
    // The signed routes read their body only when there is something to verify it with.
    for (const url of ["/api/v1/sync/nowhere", "/api/v1/changes/github"]) {
      const response = await sluice.server.inject({ method: "POST", url, payload: "x".repeat(4096) });
      assert.equal(response.statusCode, 404, `${url}: ${response.body}`);
    }
  });

  it("reads the body once the token is good", async () => {
    const response = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      headers: { "content-type": "application/json", authorization: "Bearer scorer-token" },
      payload: "{",
    });
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().error.code, "MALFORMED_BODY");
  });

  it("answers 401 over HTTP before an anonymous sender has sent its body, and never buffers it", async () => {
    await sluice.server.listen({ host: "127.0.0.1", port: 0 });
    const { port } = sluice.server.server.address() as AddressInfo;
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    socket.on("data", (chunk) => {
      answer += chunk.toString("latin1");
    });
    // Announces 5 MB, sends one byte, and waits: the answer must not wait for the rest.
    socket.write(
      "POST /api/v1/signals HTTP/1.1\r\nHost: sluice\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\n\r\n{",
    );
    const deadline = Date.now() + 5000;
    while (!answer.includes("\r\n\r\n") && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    socket.destroy();
    assert.match(answer, /^HTTP\/1\.1 401 /);
  });
});
