import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { anomalyEvent, inMemorySluice } from "../../testing/in-memory-sluice.ts";
import { checkoutTrace, toOtlpJson, traceOf } from "../../traces/test-fixtures.ts";

const T0 = Date.parse("2026-11-02T10:00:00Z");

describe("upstream symptoms join the root cause's incident", async () => {
  const { sluice, clock } = await inMemorySluice({}, T0);
  after(() => sluice.close());
  const tenant = "acme";
  const environment = "production";
  const ingest = async (spans: ReturnType<typeof traceOf>) => {
    const response = await sluice.server.inject({
      method: "POST",
      url: "/v1/traces",
      payload: JSON.stringify(toOtlpJson(spans)),
      headers: { "content-type": "application/json" },
    });
    assert.equal(response.statusCode, 200, response.body);
  };
  const signal = async (fields: Record<string, unknown>) => {
    const response = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      payload: anomalyEvent({ tenant_id: tenant, environment, "@timestamp": new Date(clock.now()).toISOString(), ...fields }),
    });
    assert.equal(response.statusCode, 202, response.body);
    return response.json().results[0] as { outcome: string; incident: string | null; reason: string | null };
  };

  // 3 healthy checkouts, 2 failing in payments itself, and a search service whose calls to payments succeed.
  const healthy = Array.from({ length: 3 }, () => checkoutTrace("none", { tenant, environment, t0: T0 - 500 }));
  const failing = Array.from({ length: 2 }, () => checkoutTrace("payments", { tenant, environment, t0: T0 - 500 }));
  const search = traceOf(
    [
      { id: "s", service: "search", kind: "server", start: 0, end: 10 },
      { id: "s-out", parent: "s", service: "search", kind: "client", start: 1, end: 9 },
      { id: "p", parent: "s-out", service: "payments", kind: "server", start: 2, end: 8 },
    ],
    { tenant, environment, t0: T0 - 500 },
  );
  for (const spans of [...healthy, ...failing, search]) await ingest(spans);
  clock.advance(5000);
  await sluice.traces?.assembler.runOnce();
  const { items } = await sluice.store.incidents.list({ limit: 10 });
  const root = items[0];

  it("opens the root cause's incident from the failing traces", () => {
    assert.equal(items.length, 1);
    assert.equal(root?.service, "payments");
    assert.equal(root?.signalCount, 2);
  });

  it("joins a symptom whose trace fails first in another service", async () => {
    const result = await signal({ service: "frontend", trace_id: failing[0]?.[0]?.traceId, error_message: "checkout failed" });
    assert.equal(result.incident, root?.key);
    assert.match(result.reason ?? "", /fails first in payments/);
  });

  it("joins a symptom without a trace when its calls toward the root cause fail in the window", async () => {
    const result = await signal({ service: "checkout", error_message: "payment call returned 500" });
    assert.equal(result.incident, root?.key);
    assert.match(result.reason ?? "", /checkout depends on payments \(100% of its traced requests reach it/);
  });

  it("keeps its own incident when the trace names no other culprit, or its calls succeed, or elsewhere", async () => {
    const ownTrace = await signal({ service: "frontend", trace_id: healthy[0]?.[0]?.traceId, error_message: "css missing" });
    assert.equal(ownTrace.outcome, "opened");
    const succeeding = await signal({ service: "search", error_message: "index stale" });
    assert.equal(succeeding.outcome, "opened");
    const otherEnvironment = await signal({
      service: "checkout",
      environment: "staging",
      error_message: "payment call returned 500",
    });
    assert.equal(otherEnvironment.outcome, "opened");
  });

  it("answers the correlator's question directly, keyed by signal id", async () => {
    const base = (await sluice.store.incidents.signals(root?.id as string, 1))[0];
    assert.ok(base);
    const hints = await sluice.traces?.correlator.rootCauses(
      [
        { ...base, id: "a", source: "api", service: "checkout", traceId: null },
        { ...base, id: "b", source: "api", service: "payments", traceId: null },
        { ...base, id: "c", source: "api", service: "checkout", status: "resolved", traceId: null },
        { ...base, id: "d", source: "otlp", service: "frontend" },
      ],
      clock.now(),
    );
    assert.deepEqual([...(hints?.keys() ?? [])], ["a"]);
    assert.equal(hints?.get("a")?.service, "payments");
  });

  it("joins an event about the root cause's own service that names one of its failing traces", async () => {
    const traceId = failing[1]?.[0]?.traceId;
    const result = await signal({
      service: "payments",
      trace_id: traceId?.toUpperCase(),
      error_message: "payments error rate 40%",
    });
    assert.equal(result.incident, root?.key, JSON.stringify(result));
    assert.equal(result.reason, `same failing trace: trace ${traceId} fails in payments and is this incident's`);
    const timeline = await sluice.store.incidents.timeline(root?.id as string);
    assert.equal(timeline.filter((entry) => entry.action === "trace-joined").length, 1);
  });

  it("joins a failing trace to the incident of its service that named it before the trace was analysed", async () => {
    const later = checkoutTrace("database", { tenant, environment, t0: clock.now() - 200 });
    const traceId = later[0]?.traceId as string;
    const event = await signal({
      service: "postgresql/payments",
      trace_id: traceId,
      error_message: "deadlocks per second above 5",
    });
    assert.equal(event.outcome, "opened");
    const before = (await sluice.store.incidents.list({ limit: 50 })).items.length;
    await ingest(later);
    clock.advance(5000);
    await sluice.traces?.assembler.runOnce();
    await sluice.runner.flush();
    const after = await sluice.store.incidents.list({ limit: 50 });
    assert.equal(after.items.length, before, "the trace opened no incident of its own");
    const incident = await sluice.store.incidents.get(event.incident as string);
    assert.equal(incident?.signalCount, 2);
    const joined = (await sluice.store.incidents.timeline(incident?.id as string)).find(
      (entry) => entry.action === "trace-joined",
    );
    assert.equal(
      joined?.detail,
      `postgresql/payments: the failing trace ${traceId} is named by a signal this incident already holds`,
    );
    // The incident opened before the trace was known; the trace's root cause and timeline come with it now.
    assert.equal(incident?.context.trace?.traceId, traceId);
    assert.equal(incident?.context.trace?.rootCause.service, "postgresql/payments");
    const enriched = (await sluice.store.incidents.timeline(incident?.id as string)).find((entry) => entry.action === "enriched");
    assert.equal(enriched?.detail, `failing trace ${traceId} joined: root cause postgresql/payments (SELECT payments)`);
  });
});
