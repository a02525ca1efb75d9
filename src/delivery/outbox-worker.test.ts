import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { CircuitBreaker } from "../core/circuit-breaker.ts";
import { anomalyEvent, inMemorySluice } from "../testing/in-memory-sluice.ts";
import { nextDelayMs } from "./backoff.ts";

describe("backoff", () => {
  const policy = { initialMs: 1000, maxMs: 60_000 };
  it("doubles per attempt with jitter between half and all of it, capped", () => {
    assert.equal(
      nextDelayMs(policy, 1, undefined, () => 0),
      500,
    );
    assert.equal(
      nextDelayMs(policy, 1, undefined, () => 1),
      1000,
    );
    assert.equal(
      nextDelayMs(policy, 4, undefined, () => 1),
      8000,
    );
    assert.equal(
      nextDelayMs(policy, 30, undefined, () => 1),
      60_000,
    );
  });
  it("waits at least as long as Retry-After asks", () => {
    assert.equal(
      nextDelayMs(policy, 1, 30_000, () => 1),
      30_000,
    );
  });
});

describe("circuit breaker", () => {
  it("opens after the threshold, lets one trial through after the cooldown, closes on success", () => {
    const breaker = new CircuitBreaker(3, 1000);
    breaker.failure(0);
    breaker.failure(0);
    assert.equal(breaker.canAttempt(0), true);
    breaker.failure(0);
    assert.equal(breaker.canAttempt(500), false);
    assert.equal(breaker.canAttempt(1000), true);
    assert.equal(breaker.status, "half-open");
    assert.equal(breaker.canAttempt(1001), false, "only one trial while half-open");
    breaker.success();
    assert.equal(breaker.canAttempt(1002), true);
  });
});

describe("outbox worker", async () => {
  const { sluice, clock, memory } = await inMemorySluice({
    delivery: { initialBackoff: "1s", maxBackoff: "1m", maxAttempts: 3, breakerThreshold: 10, breakerCooldown: "30s" },
  });
  after(() => sluice.close());
  const deliveries = async (status: string) =>
    (await sluice.server.inject({ url: `/api/deliveries?status=${status}` })).json().items as {
      id: string;
      lastError: string;
      attempts: number;
    }[];
  let service = 0;
  const openIncident = async () => {
    const response = await sluice.server.inject({
      method: "POST",
      url: "/api/v1/signals",
      payload: anomalyEvent({ service: `svc-${++service}` }),
    });
    assert.equal(response.statusCode, 202);
  };

  it("retries a retryable failure after its Retry-After, then delivers", async () => {
    memory.failNext({ kind: "retryable", reason: "HTTP 429", retryAfterMs: 20_000 });
    await openIncident();
    await sluice.worker.flush();
    assert.equal(memory.received.length, 0);
    const [pending] = await deliveries("pending");
    assert.equal(pending?.lastError, "HTTP 429");
    clock.advance(19_000);
    await sluice.worker.flush();
    assert.equal(memory.received.length, 0, "not before Retry-After");
    clock.advance(2_000);
    await sluice.worker.flush();
    assert.equal(memory.received.length, 1);
  });

  it("dead-letters after maxAttempts, shows it, and retries it on request", async () => {
    memory.failNext(...Array.from({ length: 3 }, () => ({ kind: "retryable" as const, reason: "HTTP 503" })));
    await openIncident();
    for (let i = 0; i < 4; i++) {
      await sluice.worker.flush();
      clock.advance(120_000);
    }
    const [dead] = await deliveries("dead");
    assert.ok(dead, "the delivery is dead");
    assert.match(dead.lastError, /gave up after 3 attempts: HTTP 503/);
    const retried = await sluice.server.inject({ method: "POST", url: `/api/deliveries/${dead.id}/retry` });
    assert.equal(retried.statusCode, 200);
    await sluice.worker.flush();
    assert.equal((await deliveries("dead")).length, 0);
    assert.equal(memory.received.at(-1)?.incidentKey, "INC-2");
    const again = await sluice.server.inject({ method: "POST", url: `/api/deliveries/${dead.id}/retry` });
    assert.equal(again.statusCode, 409, "only dead deliveries can be retried");
  });

  it("dead-letters a credentials failure at once and opens the platform's circuit", async () => {
    memory.failNext({ kind: "permanent", category: "credentials", reason: "credentials rejected (HTTP 401)" });
    await openIncident();
    await sluice.worker.flush();
    const [dead] = await deliveries("dead");
    assert.match(dead?.lastError ?? "", /^credentials: /);
    assert.equal(sluice.worker.breakerStatus("memory"), "open");
    await openIncident();
    await sluice.worker.flush();
    assert.equal((await deliveries("pending")).length, 1, "nothing goes out while the circuit is open");
    clock.advance(31_000);
    await sluice.worker.flush();
    assert.equal((await deliveries("pending")).length, 0, "the trial after the cooldown delivers");
    assert.equal(sluice.worker.breakerStatus("memory"), "closed");
  });

  it("keeps changes of one incident in order on a platform", async () => {
    memory.failNext({ kind: "retryable", reason: "HTTP 500" });
    await openIncident();
    const incidents = (await sluice.server.inject({ url: "/api/incidents?limit=1" })).json().items;
    await sluice.server.inject({ method: "POST", url: `/api/incidents/${incidents[0].key}/acknowledge` });
    await sluice.worker.flush();
    assert.notEqual(memory.received.at(-1)?.action, "acknowledge", "the acknowledge waits for the create");
    clock.advance(5_000);
    await sluice.worker.flush();
    assert.deepEqual(
      memory.received.slice(-2).map((d) => d.action),
      ["create", "acknowledge"],
    );
  });
});

describe("per-platform rate limit", async () => {
  const { sluice, clock, memory } = await inMemorySluice({ delivery: { rateLimits: { memory: 2 } } });
  after(() => sluice.close());

  it("holds deliveries back beyond the platform's rate, without counting them as attempts", async () => {
    const events = Array.from({ length: 5 }, (_, i) => anomalyEvent({ service: `limited-${i}` }));
    assert.equal((await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: events })).statusCode, 202);
    await sluice.worker.flush();
    assert.equal(memory.received.length, 2, "a burst of two");
    clock.advance(1000);
    await sluice.worker.flush();
    assert.equal(memory.received.length, 4);
    clock.advance(500);
    await sluice.worker.flush();
    assert.equal(memory.received.length, 5);
    const delivered = (await sluice.server.inject({ url: "/api/deliveries?status=delivered" })).json().items as {
      attempts: number;
    }[];
    assert.ok(
      delivered.every((d) => d.attempts === 1),
      "held-back rows were not charged an attempt",
    );
  });
});

describe("recording accepted deliveries", async () => {
  const { sluice, memory } = await inMemorySluice({ delivery: { concurrency: 4 } });
  after(() => sluice.close());

  it("records a group's accepted deliveries in one transaction, each with its ticket", async () => {
    const calls: number[] = [];
    const deliveries = sluice.store.deliveries;
    const original = deliveries.deliveredAll.bind(deliveries);
    deliveries.deliveredAll = async (records) => {
      if (records.length > 0) calls.push(records.length);
      return original(records);
    };
    const events = Array.from({ length: 6 }, (_, i) => anomalyEvent({ service: `grouped-${i}` }));
    assert.equal((await sluice.server.inject({ method: "POST", url: "/api/v1/signals", payload: events })).statusCode, 202);
    await sluice.worker.flush();
    assert.equal(memory.received.length, 6);
    assert.deepEqual(calls, [4, 2], "one record per group of `concurrency` deliveries");
    const delivered = (await sluice.server.inject({ url: "/api/deliveries?status=delivered" })).json().items as {
      incidentId: string;
    }[];
    assert.equal(delivered.length, 6);
    for (const { incidentId } of delivered) assert.ok(await deliveries.ticket(incidentId, "memory"), "each ticket is recorded");
  });
});
