import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { analyseTrace } from "./analysis.ts";
import { checkoutTrace, type TestSpan, traceOf } from "./test-fixtures.ts";

describe("analyseTrace", () => {
  it("draws an edge for each child span in another service, and one to the uninstrumented database", () => {
    const analysis = analyseTrace(checkoutTrace("none"), 100);
    assert.deepEqual(analysis?.edges.map((e) => `${e.caller}->${e.callee} ${e.requests}/${e.errors}`).sort(), [
      "checkout->payments 1/0",
      "frontend->checkout 1/0",
      "payments->postgresql/payments 1/0",
    ]);
    assert.equal(analysis?.rootCause, null);
    assert.deepEqual(analysis?.reach, {
      frontend: ["checkout", "payments", "postgresql/payments"],
      checkout: ["payments", "postgresql/payments"],
      payments: ["postgresql/payments"],
      "postgresql/payments": [],
    });
  });

  it("blames the database when the client span to it is the deepest failure", () => {
    const analysis = analyseTrace(checkoutTrace("database", { user: "u-42" }), 100);
    assert.deepEqual(analysis?.rootCause && { ...analysis.rootCause, spanId: "-" }, {
      service: "postgresql/payments",
      operation: "SELECT payments",
      errorMessage: "deadlock detected on relation 16384",
      spanId: "-",
      // The service whose query failed: the owner to ask when nobody catalogued the database.
      caller: "payments",
    });
    assert.deepEqual(analysis?.failingServices, ["frontend", "checkout", "payments"]);
    assert.equal(analysis?.failingSpanIds.length, 6);
    assert.deepEqual(analysis?.users, ["u-42"]);
    assert.deepEqual(
      analysis?.edges.filter((e) => e.errors > 0).map((e) => `${e.caller}->${e.callee}`),
      ["checkout->payments", "frontend->checkout", "payments->postgresql/payments"],
    );
  });

  it("blames the slow callee, not the caller, when a call times out and the callee did not fail", () => {
    const analysis = analyseTrace(
      traceOf([
        { id: "fe", service: "frontend", name: "GET /buy", kind: "server", start: 0, end: 5010, error: true },
        {
          id: "fe-out",
          parent: "fe",
          service: "frontend",
          name: "POST",
          kind: "client",
          start: 5,
          end: 5005,
          error: true,
          message: "ETIMEDOUT",
        },
        { id: "co", parent: "fe-out", service: "checkout", name: "POST /checkout", kind: "server", start: 6, end: 7200 },
        { id: "co-work", parent: "co", service: "checkout", name: "price cart", start: 10, end: 7150 },
      ]),
      100,
    );
    assert.deepEqual(analysis?.rootCause && { ...analysis.rootCause, spanId: "-" }, {
      service: "checkout",
      operation: "POST /checkout",
      errorMessage: "frontend gave up after 5000 ms: ETIMEDOUT",
      spanId: "-",
      caller: "frontend",
    });
  });

  it("follows a timeout down through the slow calls to the database that took the time", () => {
    const analysis = analyseTrace(
      traceOf([
        { id: "fe", service: "frontend", kind: "server", start: 0, end: 3000, error: true },
        {
          id: "fe-out",
          parent: "fe",
          service: "frontend",
          kind: "client",
          start: 1,
          end: 3000,
          error: true,
          message: "context deadline exceeded",
        },
        { id: "co", parent: "fe-out", service: "checkout", name: "POST /checkout", kind: "server", start: 2, end: 9100 },
        { id: "co-fast", parent: "co", service: "checkout", name: "GET", kind: "client", start: 3, end: 20 },
        { id: "inv", parent: "co-fast", service: "inventory", name: "GET /stock", kind: "server", start: 4, end: 19 },
        { id: "co-out", parent: "co", service: "checkout", name: "POST", kind: "client", start: 21, end: 9050 },
        { id: "pay", parent: "co-out", service: "payments", name: "POST /pay", kind: "server", start: 22, end: 9040 },
        {
          id: "db",
          parent: "pay",
          service: "payments",
          name: "SELECT payments",
          kind: "client",
          start: 30,
          end: 9000,
          peer: "postgresql/payments",
        },
      ]),
      100,
    );
    assert.equal(analysis?.rootCause?.service, "postgresql/payments");
    assert.equal(analysis?.rootCause?.operation, "SELECT payments");
    assert.equal(analysis?.rootCause?.caller, "payments");
    assert.equal(analysis?.rootCause?.errorMessage, "frontend gave up after 2999 ms: context deadline exceeded");
  });

  it("keeps blaming the caller for a timeout nothing instrumented answered, and for errors that are not timeouts", () => {
    /** frontend's request, whose call out fails with `message` after `ms`. */
    const failedCall = (message: string, ms: number): TestSpan[] => [
      { id: "fe", service: "frontend", kind: "server", start: 0, end: ms + 2, error: true },
      {
        id: "fe-out",
        parent: "fe",
        service: "frontend",
        name: "POST",
        kind: "client",
        start: 1,
        end: ms + 1,
        error: true,
        message,
      },
    ];
    const unanswered = analyseTrace(traceOf(failedCall("Request timed out", 998)), 100);
    assert.equal(unanswered?.rootCause?.service, "frontend");
    assert.equal(unanswered?.rootCause?.errorMessage, "Request timed out");
    const callee: TestSpan = {
      id: "co",
      parent: "fe-out",
      service: "checkout",
      name: "POST /checkout",
      kind: "server",
      start: 2,
      end: 45,
    };
    const refused = analyseTrace(traceOf([...failedCall("ECONNRESET", 39), callee]), 100);
    assert.equal(refused?.rootCause?.service, "frontend");
  });

  it("blames the service itself when nothing below its failing span failed", () => {
    const analysis = analyseTrace(checkoutTrace("payments"), 100);
    assert.equal(analysis?.rootCause?.service, "payments");
    assert.equal(analysis?.rootCause?.operation, "POST /pay");
    assert.equal(analysis?.rootCause?.errorMessage, "card processor rejected request 8812");
    assert.deepEqual(analysis?.failingServices, ["frontend", "checkout"]);
  });

  it("names uninstrumented peers from peer.service, the database or the host, as the decoder set them", () => {
    const analysis = analyseTrace(
      traceOf([
        { id: "root", service: "api", kind: "server", start: 0, end: 10 },
        { id: "a", parent: "root", service: "api", kind: "client", start: 1, end: 2, peer: "billing" },
        { id: "b", parent: "root", service: "api", kind: "client", start: 2, end: 3, peer: "redis" },
        { id: "c", parent: "root", service: "api", kind: "producer", start: 3, end: 4, peer: "kafka/orders" },
        { id: "d", parent: "root", service: "api", kind: "client", start: 4, end: 5, peer: "maps.example.com", error: true },
        // An internal span with a peer attribute is not a call out.
        { id: "e", parent: "root", service: "api", kind: "internal", start: 5, end: 6, peer: "ignored" },
      ]),
      100,
    );
    assert.deepEqual(
      analysis?.edges.map((e) => `${e.callee} ${e.errors}`),
      ["billing 0", "kafka/orders 0", "maps.example.com 1", "redis 0"],
    );
    assert.equal(analysis?.rootCause?.service, "maps.example.com");
  });

  it("draws consumer-under-producer edges to the consuming service, not the broker", () => {
    const analysis = analyseTrace(
      traceOf([
        { id: "p", service: "orders", kind: "producer", start: 0, end: 1, peer: "kafka/orders" },
        { id: "c", parent: "p", service: "shipping", kind: "consumer", start: 5, end: 9 },
      ]),
      100,
    );
    assert.deepEqual(analysis?.edges, [{ caller: "orders", callee: "shipping", requests: 1, errors: 0 }]);
  });

  it("orders the timeline by start with offsets, durations and depths relative to the trace", () => {
    const analysis = analyseTrace([...checkoutTrace("database")].reverse(), 100);
    assert.deepEqual(
      analysis?.timeline.map((s) => [s.service, s.operation, s.startOffsetMs, s.durationMs, s.depth, s.error]),
      [
        ["frontend", "GET /buy", 0, 40, 0, true],
        ["frontend", "POST", 2, 36, 1, true],
        ["checkout", "POST /checkout", 3, 34, 2, true],
        ["checkout", "POST", 5, 30, 3, true],
        ["payments", "POST /pay", 6, 28, 4, true],
        ["payments", "SELECT payments → postgresql/payments", 8, 22, 5, true],
      ],
    );
    assert.equal(analysis?.timeline.at(-1)?.errorMessage, "deadlock detected on relation 16384");
    assert.equal(analysis?.timelineCapped, false);
  });

  it("keeps the failure's path when the timeline is capped", () => {
    const spans = [
      { id: "root", service: "api", kind: "server" as const, start: 0, end: 100 },
      ...Array.from({ length: 30 }, (_, i) => ({ id: `ok-${i}`, parent: "root", service: "api", start: 1 + i, end: 2 + i })),
      { id: "bad", parent: "root", service: "api", start: 90, end: 95, error: true, message: "boom" },
    ];
    const analysis = analyseTrace(traceOf(spans), 5);
    assert.equal(analysis?.timeline.length, 5);
    assert.equal(analysis?.timelineCapped, true);
    assert.deepEqual(
      analysis?.timeline.map((s) => s.operation),
      ["root", "ok-0", "ok-1", "ok-2", "bad"],
    );
    assert.ok(analysis?.timeline.every((step, i, all) => i === 0 || (all[i - 1]?.startOffsetMs ?? 0) <= step.startOffsetMs));
  });

  it("survives orphans and a span that names itself as parent", () => {
    const spans = traceOf([
      { id: "orphan", parent: "missing", service: "a", start: 5, end: 6, error: true, message: "lost" },
      { id: "root", service: "b", start: 0, end: 10 },
    ]);
    const self = { ...(spans[1] as (typeof spans)[number]), spanId: "00000000000000aa", parentId: "00000000000000aa" };
    const analysis = analyseTrace([...spans, self], 100);
    assert.equal(analysis?.rootCause?.service, "a");
    assert.equal(analysis?.spanCount, 3);
  });
});
