import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { anomalyEvent, inMemorySluice } from "../testing/in-memory-sluice.ts";

describe("lifecycle through the API", async () => {
  const { sluice, memory } = await inMemorySluice();
  const post = (url: string, payload?: unknown) => sluice.server.inject({ method: "POST", url, ...(payload ? { payload } : {}) });
  before(async () => {
    const response = await post("/api/v1/signals", anomalyEvent());
    assert.equal(response.statusCode, 202);
    await sluice.worker.flush();
  });
  after(() => sluice.close());

  it("acknowledges, escalates, resolves and reopens, updating the ticket each time", async () => {
    for (const [action, state] of [
      ["acknowledge", "acknowledged"],
      ["escalate", "escalated"],
      ["resolve", "resolved"],
      ["reopen", "open"],
    ] as const) {
      const response = await post(`/api/incidents/INC-1/${action}`, { reason: `because ${action}` });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().state, state);
    }
    await sluice.worker.flush();
    assert.deepEqual(
      memory.received.map((d) => d.action),
      ["create", "acknowledge", "escalate", "resolve", "reopen"],
    );
    const timeline = (await sluice.server.inject({ url: "/api/incidents/INC-1/timeline" })).json().items as {
      action: string;
      actor: string;
      detail: string;
    }[];
    assert.deepEqual(
      timeline.map((t) => t.action),
      ["opened", "routed", "acknowledged", "escalated", "resolved", "reopened"],
    );
    assert.equal(timeline[2]?.actor, "api:anonymous");
    assert.equal(timeline[2]?.detail, "because acknowledge");
  });

  it("refuses an invalid transition with 409 and the reason", async () => {
    await post("/api/incidents/INC-1/resolve");
    const response = await post("/api/incidents/INC-1/acknowledge");
    assert.equal(response.statusCode, 409);
    assert.equal(response.json().error.code, "INVALID_TRANSITION");
    assert.match(response.json().error.message, /INC-1 is resolved; acknowledge applies only to open or escalated incidents/);
  });

  it("sends notes to every linked ticket as comments", async () => {
    const response = await post("/api/incidents/INC-1/notes", { text: "rolled back payments to 2.3.0" });
    assert.equal(response.statusCode, 201);
    await sluice.worker.flush();
    assert.equal(memory.received.at(-1)?.action, "comment");
    assert.equal(memory.received.at(-1)?.detail, "rolled back payments to 2.3.0");
  });

  it("shows the incident with its signals, timeline and tickets", async () => {
    const body = (await sluice.server.inject({ url: "/api/incidents/INC-1" })).json();
    assert.equal(body.key, "INC-1");
    assert.equal(body.signals.length, 1);
    assert.equal(body.tickets[0].platform, "memory");
    assert.equal(body.tickets[0].externalId, "memory-INC-1");
    assert.ok(body.timeline.length >= 2);
  });
});

describe("auto-resolve of quiet anomaly incidents", async () => {
  // A lookback window longer than the pause below: the problem is back within it, so it is the same occurrence.
  const { sluice, clock, memory } = await inMemorySluice({ anomaly: { quietPeriod: "30m", lookbackWindow: "1h" } });
  after(() => sluice.close());

  it("resolves after the quiet period, and not before", async () => {
    clock.set(Date.parse("2026-11-02T10:00:00Z"));
    await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      payload: anomalyEvent({ "@timestamp": "2026-11-02T10:00:00Z" }),
    });
    assert.equal(await sluice.quietResolver.sweep(Date.parse("2026-11-02T10:29:00Z")), 0);
    clock.set(Date.parse("2026-11-02T10:31:00Z"));
    assert.equal(await sluice.quietResolver.sweep(), 0, "the first check only notices the quiet");
    clock.set(Date.parse("2026-11-02T10:40:00Z"));
    assert.equal(await sluice.quietResolver.sweep(), 0, "confirmed only half a quiet period later");
    clock.set(Date.parse("2026-11-02T10:46:00Z"));
    assert.equal(await sluice.quietResolver.sweep(), 1, "quiet over two checks: resolved");
    await sluice.worker.flush();
    assert.deepEqual(
      memory.received.map((d) => d.action),
      ["create", "resolve"],
    );
    const timeline = (await sluice.server.inject({ url: "/api/incidents/INC-1/timeline" })).json().items;
    assert.equal(timeline.at(-1).actor, "sluice:auto-resolve");
  });

  it("reopens it when the problem comes back within the reopen window", async () => {
    const response = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      payload: anomalyEvent({ "@timestamp": "2026-11-02T10:45:00Z" }),
    });
    assert.equal(response.json().results[0].incident, "INC-1");
    const incident = (await sluice.server.inject({ url: "/api/incidents/INC-1" })).json();
    assert.equal(incident.state, "open");
    assert.equal(incident.timeline.at(-1).action, "reopened");
    assert.equal((await sluice.server.inject({ url: "/api/incidents" })).json().items.length, 1, "no second incident");
    await sluice.worker.flush();
    assert.equal(memory.received.at(-1)?.action, "reopen");
  });
});

describe("a problem back after lookbackWindow", async () => {
  // Defaults: lookbackWindow 15m, quietPeriod 30m, reopenWindow 30m.
  const { sluice, clock } = await inMemorySluice();
  after(() => sluice.close());
  const at = (minutes: number) => Date.parse("2026-11-02T10:00:00Z") + minutes * 60_000;
  const signalAt = async (minutes: number, service: string) => {
    const response = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      payload: anomalyEvent({ service, "@timestamp": new Date(at(minutes)).toISOString() }),
    });
    return response.json().results[0].incident as string;
  };

  it("opens a new incident when the quiet period resolved the old one, as it would were the old one still open", async () => {
    clock.set(at(0));
    const first = await signalAt(0, "quiet-back");
    clock.set(at(31));
    await sluice.quietResolver.sweep();
    clock.set(at(46));
    assert.equal(await sluice.quietResolver.sweep(), 1, "resolved by the quiet period");
    clock.set(at(50));
    const back = await signalAt(50, "quiet-back");
    assert.notEqual(back, first, "a new occurrence, not a reopen 4 minutes after the auto-resolve");
  });

  it("reopens the incident a person resolved, within reopenWindow of their resolve", async () => {
    clock.set(at(60));
    const first = await signalAt(60, "person-back");
    clock.set(at(65));
    const resolved = await sluice.server.inject({ method: "POST", url: `/api/incidents/${first}/resolve` });
    assert.equal(resolved.statusCode, 200);
    clock.set(at(85));
    assert.equal(await signalAt(85, "person-back"), first, "the person's incident is reopened");
  });
});

describe("flapping is damped", async () => {
  // Back 20 minutes after its last signal: within lookbackWindow, so a reopen, not a new occurrence.
  const { sluice, clock } = await inMemorySluice({ anomaly: { quietPeriod: "10m", reopenWindow: "30m", lookbackWindow: "30m" } });
  after(() => sluice.close());
  const at = (minutes: number) => Date.parse("2026-11-02T10:00:00Z") + minutes * 60_000;
  const signalAt = (minutes: number) =>
    sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      payload: anomalyEvent({ "@timestamp": new Date(at(minutes)).toISOString() }),
    });
  const state = async () => (await sluice.server.inject({ url: "/api/incidents/INC-1" })).json().state as string;

  it("waits one more quiet period per recent reopen before resolving again", async () => {
    clock.set(at(0));
    await signalAt(0);
    clock.set(at(11));
    assert.equal(await sluice.quietResolver.sweep(), 0, "noticed");
    clock.set(at(16));
    assert.equal(await sluice.quietResolver.sweep(), 1, "confirmed: resolved");
    clock.set(at(20));
    await signalAt(20);
    assert.equal(await state(), "open", "reopened");
    clock.set(at(31));
    assert.equal(await sluice.quietResolver.sweep(), 0, "flapping: one quiet period is not enough now");
    clock.set(at(41));
    assert.equal(await sluice.quietResolver.sweep(), 0, "two quiet periods: noticed");
    clock.set(at(46));
    assert.equal(await sluice.quietResolver.sweep(), 1, "and confirmed");
    const timeline = (await sluice.server.inject({ url: "/api/incidents/INC-1/timeline" })).json().items;
    assert.match(timeline.at(-1).detail, /flapping \(1 reopen\(s\) in the last hour\)/);
  });
});

describe("time to acknowledge and to resolve", async () => {
  const { sluice, clock } = await inMemorySluice();
  after(() => sluice.close());

  it("observes both from the incident's first signal, by severity, in /metrics", async () => {
    const opened = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      payload: anomalyEvent({ severity: "critical", "@timestamp": new Date(clock.now()).toISOString() }),
    });
    const key = opened.json().results[0].incident as string;
    clock.advance(4 * 60_000);
    await sluice.server.inject({ method: "POST", url: `/api/incidents/${key}/acknowledge` });
    clock.advance(11 * 60_000);
    await sluice.server.inject({ method: "POST", url: `/api/incidents/${key}/resolve` });
    const metrics = (await sluice.server.inject({ url: "/metrics" })).body;
    assert.match(metrics, /sluice_time_to_acknowledge_seconds_sum\{severity="critical"\} 240\n/);
    assert.match(metrics, /sluice_time_to_acknowledge_seconds_count\{severity="critical"\} 1\n/);
    assert.match(metrics, /sluice_time_to_resolve_seconds_sum\{severity="critical"\} 900\n/);
    assert.match(metrics, /sluice_time_to_resolve_seconds_bucket\{le="900",severity="critical"\} 1\n/);
  });
});
