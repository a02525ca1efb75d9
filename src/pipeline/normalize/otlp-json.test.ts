import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSluiceError } from "../../core/errors.ts";
import { decodeOtlpTraces } from "./otlp-json.ts";

const DEFAULTS = { tenant: "default", environment: "production" };
const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

function str(key: string, value: string) {
  return { key, value: { stringValue: value } };
}

/** One request with one resource and the given spans (each merged over a valid client span). */
function request(spans: Record<string, unknown>[], resource: unknown[] = [str("service.name", "checkout")]) {
  return {
    resourceSpans: [
      {
        resource: { attributes: resource },
        scopeSpans: [
          {
            scope: { name: "@opentelemetry/instrumentation-http" },
            spans: spans.map((span) => ({
              traceId: TRACE,
              spanId: "00f067aa0ba902b7",
              parentSpanId: "53995c3f42cd8ad8",
              name: "POST",
              kind: 3,
              startTimeUnixNano: "1794650400000000000",
              endTimeUnixNano: "1794650400012345678",
              attributes: [str("server.address", "payments.internal"), { key: "server.port", value: { intValue: "8080" } }],
              status: {},
              ...span,
            })),
          },
        ],
      },
    ],
  };
}

function problemsOf(body: unknown): { path: string; message: string }[] {
  try {
    decodeOtlpTraces(body, DEFAULTS);
  } catch (error) {
    assert.ok(isSluiceError(error));
    assert.equal(error.code, "MALFORMED_BODY");
    assert.match(error.message, /^invalid OTLP traces: |^the body must be/);
    return error.problems;
  }
  assert.fail("expected the request to be refused");
}

describe("decodeOtlpTraces", () => {
  it("decodes what the OpenTelemetry JS exporter sends: hex ids, string nanos, integer kinds", () => {
    const { spans } = decodeOtlpTraces(request([{}]), DEFAULTS);
    assert.deepEqual(spans, [
      {
        traceId: TRACE,
        spanId: "00f067aa0ba902b7",
        parentId: "53995c3f42cd8ad8",
        tenant: "default",
        environment: "production",
        service: "checkout",
        name: "POST",
        kind: "client",
        startUs: 1794650400000000,
        endUs: 1794650400012345,
        error: false,
        errorMessage: null,
        peer: "payments.internal",
        userId: null,
      },
    ]);
  });

  it("takes tenant and environment from the resource, and the error from the status or the exception event", () => {
    const { spans } = decodeOtlpTraces(
      request(
        [
          { status: { code: 2, message: "upstream returned 503" } },
          {
            spanId: "00f067aa0ba902b8",
            kind: "SPAN_KIND_SERVER",
            status: { code: "STATUS_CODE_ERROR" },
            attributes: [str("enduser.id", "u-7")],
            events: [{ name: "exception", attributes: [str("exception.type", "Error"), str("exception.message", "boom")] }],
          },
          { spanId: "00f067aa0ba902b9", status: { code: 1, message: "ignored when not an error" } },
        ],
        [str("service.name", "checkout"), str("tenant.id", "acme"), str("deployment.environment.name", "staging")],
      ),
      DEFAULTS,
    );
    assert.deepEqual(
      spans.map((s) => [s.tenant, s.environment, s.kind, s.error, s.errorMessage, s.userId]),
      [
        ["acme", "staging", "client", true, "upstream returned 503", null],
        ["acme", "staging", "server", true, "boom", "u-7"],
        ["acme", "staging", "client", false, null, null],
      ],
    );
  });

  it("names uninstrumented peers: peer.service, then the database, then messaging, then the host", () => {
    const peerOf = (attributes: unknown[], kind = 3) =>
      decodeOtlpTraces(request([{ attributes, kind }]), DEFAULTS).spans[0]?.peer;
    assert.equal(peerOf([str("peer.service", "billing"), str("server.address", "10.0.0.7")]), "billing");
    assert.equal(
      peerOf([str("db.system", "postgresql"), str("db.namespace", "payments"), str("server.address", "db")]),
      "postgresql/payments",
    );
    assert.equal(peerOf([str("db.system", "redis")]), "redis");
    assert.equal(peerOf([str("db.system", "mysql"), str("db.name", "shop")]), "mysql/shop");
    assert.equal(peerOf([str("messaging.system", "kafka"), str("messaging.destination.name", "orders")], 4), "kafka/orders");
    assert.equal(peerOf([str("net.peer.name", "legacy.internal")]), "legacy.internal");
    assert.equal(peerOf([str("server.address", "payments.internal")], 2), null, "a server span calls nobody");
  });

  it("accepts protobuf's snake_case field names and an empty request", () => {
    const { spans } = decodeOtlpTraces(
      {
        resource_spans: [
          {
            scope_spans: [
              {
                spans: [
                  {
                    trace_id: TRACE,
                    span_id: "00f067aa0ba902b7",
                    name: "job",
                    start_time_unix_nano: 1794650400000000000,
                    end_time_unix_nano: 1794650401000000000,
                  },
                ],
              },
            ],
          },
        ],
      },
      DEFAULTS,
    );
    assert.equal(spans[0]?.service, "unknown_service");
    assert.equal(spans[0]?.kind, "unspecified");
    assert.deepEqual(decodeOtlpTraces({}, DEFAULTS).spans, []);
  });

  it("refuses a body that is not an object", () => {
    assert.deepEqual(problemsOf([]), [{ path: "(body)", message: "must be a JSON object with resourceSpans" }]);
  });

  it("names every bad field by its path", () => {
    const problems = problemsOf(
      request([
        { traceId: "xyz" },
        { spanId: "0000000000000000", parentSpanId: "abc" },
        { kind: 9, startTimeUnixNano: "soon", endTimeUnixNano: -1 },
        { startTimeUnixNano: "2000", endTimeUnixNano: "1000" },
        { status: { code: 5 }, attributes: [{ value: { stringValue: "no key" } }] },
      ]),
    );
    const at = (n: number, field: string) => `resourceSpans[0].scopeSpans[0].spans[${n}].${field}`;
    assert.deepEqual(
      problems.map((p) => p.path),
      [
        at(0, "traceId"),
        at(1, "spanId"),
        at(1, "parentSpanId"),
        at(2, "kind"),
        at(2, "startTimeUnixNano"),
        at(2, "endTimeUnixNano"),
        at(3, "endTimeUnixNano"),
        at(4, "attributes[0].key"),
        at(4, "status.code"),
      ],
    );
    assert.equal(problems[0]?.message, "must be 32 hex digits, not all zero");
  });

  it("refuses wrong shapes of the envelope", () => {
    assert.deepEqual(problemsOf({ resourceSpans: {} }), [{ path: "resourceSpans", message: "must be an array" }]);
    assert.deepEqual(problemsOf({ resourceSpans: [{ scopeSpans: [{ spans: "x" }] }] }), [
      { path: "resourceSpans[0].scopeSpans[0].spans", message: "must be an array" },
    ]);
    assert.deepEqual(problemsOf({ resourceSpans: [{ resource: 1 }] }), [
      { path: "resourceSpans[0].resource", message: "must be an object" },
    ]);
  });
});
