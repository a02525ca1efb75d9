import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import pino from "pino";
import { tracesConfigSchema } from "../../config/traces-config.ts";
import { ManualClock } from "../../core/clock.ts";
import { SluiceError } from "../../core/errors.ts";
import type { Signal } from "../../core/signal.ts";
import { SqliteStore } from "../../store/sqlite/sqlite-store.ts";
import { browseTrace, checkoutTrace } from "../../traces/test-fixtures.ts";
import { TraceAssembler } from "./trace-assembler.ts";

const T0 = Date.parse("2026-11-02T10:00:00Z");

describe("TraceAssembler", async () => {
  const store = await SqliteStore.open({ dataDir: ":memory:", synchronous: "full" });
  after(() => store.close());
  const clock = new ManualClock(T0);
  const submitted: Signal[][] = [];
  let refuse = 1;
  const assembler = new TraceAssembler({
    repository: store.traces,
    clock,
    config: tracesConfigSchema.parse({ severity: "critical" }),
    logger: pino({ level: "silent" }),
    async submit(signals) {
      if (refuse-- > 0) throw new SluiceError("OVERLOADED", "ingest queue is full");
      submitted.push(signals);
    },
  });

  it("signals a failing trace once, even when the first submit is refused, and counts it once", async () => {
    const failing = checkoutTrace("database", { t0: T0 - 100, user: "u-9" });
    await store.traces.addSpans([...failing, ...browseTrace({ t0: T0 - 100 })], T0);
    clock.advance(2500);
    await assert.rejects(assembler.runOnce(), /ingest queue is full/);
    // Counted already: a retry after the lease must not count it again.
    clock.advance(61_000);
    assert.equal(await assembler.runOnce(), 1);
    assert.equal(await assembler.runOnce(clock.now() + 120_000), 0, "done");
    assert.equal(submitted.length, 1);
    const [signal] = submitted[0] ?? [];
    assert.equal(signal?.source, "otlp");
    assert.equal(signal?.sourceId, failing[0]?.traceId);
    assert.equal(signal?.kind, "anomaly");
    assert.equal(signal?.severity, "critical");
    assert.equal(signal?.service, "postgresql/payments");
    assert.equal(signal?.message, "deadlock detected on relation 16384");
    assert.deepEqual(signal?.affectedServices, ["frontend", "checkout", "payments"]);
    assert.deepEqual(signal?.affectedUsers, ["u-9"]);
    assert.equal(signal?.spanIds.length, 6);
    const graph = await store.traces.graph("default", "production", 0);
    assert.deepEqual(graph.traces, { frontend: 2, checkout: 1, payments: 1, "postgresql/payments": 1 });
    assert.deepEqual(
      graph.edges.map((e) => `${e.caller}->${e.callee} ${e.requests}/${e.errors}`),
      ["checkout->payments 1/1", "frontend->checkout 1/1", "payments->postgresql/payments 1/1"],
    );
  });

  it("runs in the background once started and stops on shutdown", async () => {
    await store.traces.addSpans(checkoutTrace("payments", { t0: clock.now() }), clock.now());
    clock.advance(3000);
    assembler.start();
    const deadline = Date.now() + 5000;
    while (submitted.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await assembler.shutdown();
    assert.equal(submitted.length, 2);
    assert.equal(submitted[1]?.[0]?.service, "payments");
  });
});
