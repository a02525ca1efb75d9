// The issue 19 flood test: one ingest token floods past its limit while another sends at its normal rate.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { anomalyEvent, inMemorySluice } from "../../testing/in-memory-sluice.ts";
import { sha256Hex } from "./auth.ts";

describe("ingest throttling end to end", async () => {
  const { sluice, clock } = await inMemorySluice({
    auth: {
      tokens: [{ name: "ops", role: "admin", sha256: sha256Hex("ops-token") }],
      ingestTokens: [
        { name: "flood", sources: ["api"], sha256: sha256Hex("flood-token") },
        { name: "steady", sources: ["api", "grafana"], sha256: sha256Hex("steady-token") },
      ],
    },
    throttle: { perToken: { rate: 20, burst: 40 } },
  });
  after(() => sluice.close());
  const send = (token: string, body: object, url = "/api/v1/signals") =>
    sluice.server.inject({ method: "POST", url, headers: { authorization: `Bearer ${token}` }, payload: body });
  const metrics = async () =>
    (await sluice.server.inject({ url: "/metrics", headers: { authorization: "Bearer ops-token" } })).body;

  it("answers the flood 429 with Retry-After, stores none of it, and leaves the steady producer untouched", async () => {
    let floodAccepted = 0;
    let floodRefused = 0;
    const steadyIds: string[] = [];
    const retryAfters = new Set<string>();
    // Ten seconds of manual time: each second the steady producer sends 10 signals (half its rate) in one
    // request; the flood sends 10 requests of 10 (five times its rate).
    for (let second = 0; second < 10; second++) {
      for (let i = 0; i < 10; i++) {
        const batch = Array.from({ length: 10 }, () => anomalyEvent({ service: "flooder", tenant_id: "noisy" }));
        const response = await send("flood-token", batch);
        if (response.statusCode === 202) floodAccepted += 10;
        else {
          assert.equal(response.statusCode, 429, response.body);
          assert.equal(response.json().error.code, "RATE_LIMITED");
          retryAfters.add(String(response.headers["retry-after"]));
          floodRefused += 10;
        }
      }
      const steady = Array.from({ length: 10 }, () => anomalyEvent({ service: "checkout", tenant_id: "acme" }));
      const response = await send("steady-token", steady);
      // Never refused, never asked to wait: the same first-try 202 it gets with no flood at all.
      assert.equal(response.statusCode, 202, response.body);
      assert.equal(response.json().accepted, 10);
      steadyIds.push(...steady.map((s) => s.event_id as string));
      clock.advance(1000);
    }
    // Burst 40 at first, then 20 a second for the nine seconds after: 40 + 9 × 20.
    assert.equal(floodAccepted, 220);
    assert.equal(floodRefused, 1000 - 220);
    assert.deepEqual([...retryAfters], ["1"], "10 signals at 20/s from an empty bucket: 1 second");
    const text = await metrics();
    assert.match(text, /^sluice_ingest_throttled_total\{source="api",token="flood",tenant="noisy",limit="token"\} 780$/m);
    assert.doesNotMatch(text, /sluice_ingest_throttled_total\{[^}]*token="steady"/);
    // Stored: everything admitted, nothing refused (a 202 still means stored, a 429 means nothing was).
    assert.match(text, /^sluice_signals_total\{outcome="accepted"\} 320$/m, "220 flood + 100 steady");
    const stored = await sluice.store.signals.existing(steadyIds.map((sourceId) => ({ source: "api", sourceId })));
    assert.equal(stored.size, 100, "every steady signal is stored");
  });

  it("throttles the Grafana webhook by its token too, and the flood's bucket refills", async () => {
    const alerts = {
      version: "1",
      groupKey: '{}:{alertname="Slow"}',
      receiver: "sluice",
      status: "firing",
      alerts: [{ status: "firing", labels: { alertname: "Slow", service: "checkout" }, startsAt: "2026-11-02T10:00:00Z" }],
    };
    // The steady token's bucket is shared by its routes: empty it, and Grafana's send is refused as well.
    assert.equal(
      (
        await send(
          "steady-token",
          Array.from({ length: 40 }, () => anomalyEvent()),
        )
      ).statusCode,
      202,
    );
    const refused = await send("steady-token", alerts, "/api/v1/webhooks/grafana");
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.headers["retry-after"], "1");
    assert.match(
      await metrics(),
      /^sluice_ingest_throttled_total\{source="grafana",token="steady",tenant="default",limit="token"\} 1$/m,
    );
    clock.advance(10_000);
    assert.equal((await send("steady-token", alerts, "/api/v1/webhooks/grafana")).statusCode, 202);
    assert.equal((await send("flood-token", [anomalyEvent({ tenant_id: "noisy" })])).statusCode, 202);
  });
});

describe("ingest throttling of OTLP logs", async () => {
  const { sluice, clock } = await inMemorySluice({
    auth: {
      tokens: [{ name: "ops", role: "admin", sha256: sha256Hex("ops-token") }],
      ingestTokens: [
        { name: "noisy-collector", sources: ["otlp"], sha256: sha256Hex("noisy-otlp") },
        { name: "quiet-collector", sources: ["otlp"], sha256: sha256Hex("quiet-otlp") },
      ],
    },
    throttle: { perToken: { rate: 5, burst: 10 } },
  });
  after(() => sluice.close());
  let sequence = 0;
  /** An ExportLogsServiceRequest with `count` error records of `service`, each one distinct. */
  const logs = (service: string, count: number) => ({
    resourceLogs: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] },
        scopeLogs: [
          {
            logRecords: Array.from({ length: count }, () => ({
              timeUnixNano: String(BigInt(clock.now()) * 1_000_000n + BigInt(++sequence)),
              severityNumber: 17,
              severityText: "ERROR",
              body: { stringValue: `connection refused to db-${sequence}` },
            })),
          },
        ],
      },
    ],
  });
  const send = (token: string, body: object) =>
    sluice.server.inject({
      method: "POST",
      url: "/v1/logs",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      payload: JSON.stringify(body),
    });

  it("answers a flooding collector 429 with Retry-After, stores none of it, and lets another through", async () => {
    let accepted = 0;
    let refused = 0;
    for (let second = 0; second < 4; second++) {
      for (let i = 0; i < 4; i++) {
        const response = await send("noisy-otlp", logs("flooder", 5));
        if (response.statusCode === 200) accepted += 5;
        else {
          assert.equal(response.statusCode, 429, response.body);
          assert.equal(response.headers["retry-after"], "1");
          assert.equal(response.json().error.code, "RATE_LIMITED");
          refused += 5;
        }
      }
      const quiet = await send("quiet-otlp", logs("checkout", 3));
      assert.equal(quiet.statusCode, 200, quiet.body);
      clock.advance(1000);
    }
    // Burst 10, then 5 a second for the three seconds after.
    assert.equal(accepted, 25);
    assert.equal(refused, 80 - 25);
    await sluice.runner.flush();
    const text = (await sluice.server.inject({ url: "/metrics", headers: { authorization: "Bearer ops-token" } })).body;
    assert.match(
      text,
      /^sluice_ingest_throttled_total\{source="otlp",token="noisy-collector",tenant="default",limit="token"\} 55$/m,
    );
    assert.doesNotMatch(text, /sluice_ingest_throttled_total\{[^}]*token="quiet-collector"/);
    assert.match(text, /^sluice_signals_total\{outcome="accepted"\} 37$/m, "25 of the flood + 12 quiet, nothing refused");
  });
});
