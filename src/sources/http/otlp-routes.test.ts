import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { inMemorySluice } from "../../testing/in-memory-sluice.ts";
import { checkoutTrace, toOtlpJson } from "../../traces/test-fixtures.ts";
import { sha256Hex } from "./auth.ts";

const T0 = Date.parse("2026-11-02T10:00:00Z");

describe("POST /v1/traces", async () => {
  // Readable user ids, so the users found in traces can be named (hashing them is redaction's test).
  const { sluice, clock } = await inMemorySluice({ traces: { assemblyDelay: "2s" }, redaction: { affectedUsers: "keep" } });
  after(() => sluice.close());
  const post = (payload: string | Buffer, headers: Record<string, string> = { "content-type": "application/json" }) =>
    sluice.server.inject({ method: "POST", url: "/v1/traces", payload, headers });

  it("stores the spans and answers {} (a 2xx means stored)", async () => {
    const spans = checkoutTrace("none", { t0: T0 - 1000 });
    const response = await post(JSON.stringify(toOtlpJson(spans)));
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), {});
    assert.equal((await sluice.store.traces.spans(spans[0]?.traceId as string, 100)).length, spans.length);
  });

  it("accepts gzip, as exporters send with compression: gzip", async () => {
    const spans = checkoutTrace("none", { t0: T0 - 1000 });
    const response = await post(gzipSync(JSON.stringify(toOtlpJson(spans))), {
      "content-type": "application/json",
      "content-encoding": "gzip",
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal((await sluice.store.traces.spans(spans[0]?.traceId as string, 100)).length, spans.length);
    const broken = await post(Buffer.from("not gzip"), { "content-type": "application/json", "content-encoding": "gzip" });
    assert.equal(broken.statusCode, 400);
    assert.equal(broken.json().error.message, "the body is not valid gzip");
  });

  it("reports spans older than the retention as a partial success", async () => {
    const old = checkoutTrace("none", { t0: T0 - 2 * 3_600_000 });
    const fresh = checkoutTrace("none", { t0: T0 - 1000 });
    const response = await post(JSON.stringify(toOtlpJson([...old, ...fresh])));
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), {
      partialSuccess: {
        rejectedSpans: old.length,
        errorMessage: `${old.length} span(s) ended before the retention window (traces.retention); not stored`,
      },
    });
    assert.deepEqual(await sluice.store.traces.spans(old[0]?.traceId as string, 100), []);
  });

  it("answers 400 naming the bad field, and stores nothing of that request", async () => {
    const spans = checkoutTrace("none", { t0: T0 - 1000 });
    const document = toOtlpJson(spans) as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
    const span = document.resourceSpans[1]?.scopeSpans[0]?.spans[0];
    assert.ok(span);
    span.traceId = "not-hex";
    const response = await post(JSON.stringify(document));
    assert.equal(response.statusCode, 400);
    assert.deepEqual(response.json().error, {
      code: "MALFORMED_BODY",
      message: "invalid OTLP traces: resourceSpans[1].scopeSpans[0].spans[0].traceId must be 32 hex digits, not all zero",
      problems: [{ path: "resourceSpans[1].scopeSpans[0].spans[0].traceId", message: "must be 32 hex digits, not all zero" }],
    });
    assert.deepEqual(await sluice.store.traces.spans(spans[0]?.traceId as string, 100), []);
    const notJson = await post("{resourceSpans");
    assert.equal(notJson.statusCode, 400);
    assert.match(notJson.json().error.message, /^the body is not valid JSON/);
  });

  it("takes OTLP/protobuf (gzip allowed) as the SDK encodes it, and answers in protobuf, partial success included", async () => {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ "service.name": "checkout" }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    });
    const tracer = provider.getTracer("test");
    const old = tracer.startSpan("GET /old", { startTime: T0 - 2 * 3_600_000 });
    old.end(T0 - 2 * 3_600_000 + 10);
    const fresh = tracer.startSpan("GET /fresh", { startTime: T0 - 1000, attributes: { "http.response.status_code": 200 } });
    fresh.end(T0 - 900);
    const bytes = ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans()) as Uint8Array;
    const response = await post(gzipSync(bytes), { "content-type": "application/x-protobuf", "content-encoding": "gzip" });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers["content-type"], "application/x-protobuf");
    assert.deepEqual(ProtobufTraceSerializer.deserializeResponse(new Uint8Array(response.rawPayload)), {
      partialSuccess: {
        rejectedSpans: 1,
        errorMessage: "1 span(s) ended before the retention window (traces.retention); not stored",
      },
    });
    const stored = await sluice.store.traces.spans(fresh.spanContext().traceId, 10);
    assert.deepEqual(
      stored.map((span) => [span.service, span.name, span.spanId]),
      [["checkout", "GET /fresh", fresh.spanContext().spanId]],
    );
    const broken = await post(Buffer.from([0x0a, 0xff]), { "content-type": "application/x-protobuf" });
    assert.equal(broken.statusCode, 400);
    assert.match(broken.json().error.message, /^the body is not a valid OTLP protobuf ExportTraceServiceRequest/);
    await provider.shutdown();
  });

  it("turns a hundred failing traces of one problem into one incident once they are quiet", async () => {
    const traces = Array.from({ length: 100 }, (_, i) => checkoutTrace("database", { t0: T0 - 500, user: `u-${i % 7}` }));
    // The services export separately: every trace arrives in three requests.
    for (const service of ["payments", "checkout", "frontend"]) {
      const response = await post(JSON.stringify(toOtlpJson(traces.flat().filter((span) => span.service === service))));
      assert.equal(response.statusCode, 200);
    }
    assert.equal(await sluice.traces?.assembler.runOnce(clock.now() + 1000), 0, "not quiet yet");
    clock.advance(2000);
    let claimed = 0;
    for (let round = 0; round < 5; round++) claimed += (await sluice.traces?.assembler.runOnce()) ?? 0;
    assert.ok(claimed >= 100);
    const { items } = await sluice.store.incidents.list({ limit: 10, service: "postgresql/payments" });
    assert.equal(items.length, 1);
    assert.equal(items[0]?.signalCount, 100);
    assert.equal(items[0]?.context.trace?.rootCause.service, "postgresql/payments");
    const signals = await sluice.store.incidents.signals(items[0]?.id as string, 200);
    assert.equal(new Set(signals.map((s) => s.traceId)).size, 100);
    assert.deepEqual([...new Set(signals.flatMap((s) => s.affectedUsers))].sort(), [
      "u-0",
      "u-1",
      "u-2",
      "u-3",
      "u-4",
      "u-5",
      "u-6",
    ]);

    const trace = await sluice.server.inject({ method: "GET", url: `/api/traces/${traces[0]?.[0]?.traceId}` });
    assert.equal(trace.statusCode, 200);
    assert.equal(trace.json().rootCause.service, "postgresql/payments");
    assert.equal(trace.json().timeline.length, 6);
    assert.equal((await sluice.server.inject({ method: "GET", url: `/api/traces/${"f".repeat(32)}` })).statusCode, 404);
    assert.equal((await sluice.server.inject({ method: "GET", url: "/api/traces/xyz" })).statusCode, 422);
  });
});

describe("trace metrics", async () => {
  const { sluice, clock } = await inMemorySluice();
  after(() => sluice.close());

  it("counts stored, expired and malformed spans, and analysed traces by outcome", async () => {
    const post = (document: unknown) =>
      sluice.server.inject({
        method: "POST",
        url: "/v1/traces",
        payload: JSON.stringify(document),
        headers: { "content-type": "application/json" },
      });
    const good = [...checkoutTrace("database", { t0: T0 - 500 }), ...checkoutTrace("none", { t0: T0 - 500 })];
    assert.equal((await post(toOtlpJson([...good, ...checkoutTrace("none", { t0: T0 - 7_200_000 })]))).statusCode, 200);
    const bad = toOtlpJson(checkoutTrace("none")) as { resourceSpans: { scopeSpans: { spans: { kind: unknown }[] }[] }[] };
    const first = bad.resourceSpans[0]?.scopeSpans[0]?.spans[0];
    assert.ok(first);
    first.kind = "sideways";
    assert.equal((await post(bad)).statusCode, 400);
    clock.advance(5000);
    await sluice.traces?.assembler.runOnce();
    const metrics = (await sluice.server.inject({ method: "GET", url: "/metrics" })).body;
    assert.match(metrics, /sluice_spans_total\{outcome="stored"\} 12\b/);
    assert.match(metrics, /sluice_spans_total\{outcome="expired"\} 6\b/);
    assert.match(metrics, /sluice_spans_total\{outcome="malformed"\} 6\b/);
    assert.match(metrics, /sluice_traces_analysed_total\{outcome="failing"\} 1\b/);
    assert.match(metrics, /sluice_traces_analysed_total\{outcome="healthy"\} 1\b/);
  });
});

describe("POST /v1/traces with ingest tokens", async () => {
  const { sluice } = await inMemorySluice({
    auth: {
      ingestTokens: [
        { name: "collector", sources: ["otlp"], sha256: sha256Hex("otlp-token") },
        { name: "scorer", sources: ["api"], sha256: sha256Hex("api-token") },
      ],
    },
  });
  after(() => sluice.close());
  const post = (token: string | null) =>
    sluice.server.inject({
      method: "POST",
      url: "/v1/traces",
      payload: JSON.stringify(toOtlpJson(checkoutTrace("none", { t0: T0 - 1000 }))),
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });

  it("needs a token allowed to send otlp", async () => {
    assert.equal((await post(null)).statusCode, 401);
    assert.equal((await post("api-token")).statusCode, 403);
    assert.equal((await post("otlp-token")).statusCode, 200);
  });
});
