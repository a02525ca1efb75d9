import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSluiceError } from "../../core/errors.ts";
import { decodeOtlpLogs } from "./otlp-logs.ts";

const NOW = Date.parse("2026-11-02T10:00:00Z");
const defaults = { tenant: "default", environment: "production", minimumLevel: "error" as const };
const str = (value: string) => ({ stringValue: value });

/** One ExportLogsServiceRequest of `records` from service `checkout` in staging. */
function request(records: unknown[]) {
  return {
    resourceLogs: [
      {
        resource: {
          attributes: [
            { key: "service.name", value: str("checkout") },
            { key: "deployment.environment.name", value: str("staging") },
          ],
        },
        scopeLogs: [{ scope: { name: "app" }, logRecords: records }],
      },
    ],
  };
}

describe("decodeOtlpLogs", () => {
  it("turns records at or above the level into signals of their service, and only counts the rest", () => {
    const { signals, belowSeverity } = decodeOtlpLogs(
      request([
        {
          timeUnixNano: "1793613600123000000",
          severityNumber: 17,
          severityText: "ERROR",
          body: str("payment 7731 declined: card expired"),
          traceId: "4BF92F3577B34DA6A3CE929D0E0E4736",
          spanId: "00f067aa0ba902b7",
          attributes: [
            { key: "order.id", value: { intValue: "7731" } },
            { key: "exception.stacktrace", value: str("at Foo (foo.js:1)\n  at Bar") },
          ],
        },
        { timeUnixNano: "1793613600200000000", severityNumber: 9, body: str("order placed") },
        { severityNumber: "SEVERITY_NUMBER_FATAL", body: str("out of memory") },
        { severityText: "Error", body: str("no severity number, but the text says error") },
        { severityNumber: 13, body: str("slow response") },
      ]),
      defaults,
      NOW,
    );
    assert.equal(belowSeverity, 2);
    assert.deepEqual(
      signals.map((s) => [s.service, s.environment, s.tenant, s.severity, s.message]),
      [
        ["checkout", "staging", "default", "high", "payment 7731 declined: card expired"],
        ["checkout", "staging", "default", "critical", "out of memory"],
        ["checkout", "staging", "default", "high", "no severity number, but the text says error"],
      ],
    );
    const [first] = signals;
    assert.equal(first?.source, "otlp-logs");
    assert.equal(first?.kind, "anomaly");
    assert.equal(first?.status, "firing");
    assert.equal(first?.occurredAt, 1793613600123);
    assert.equal(first?.traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert.deepEqual(first?.spanIds, ["00f067aa0ba902b7"]);
    assert.deepEqual(first?.labels, { "order.id": "7731", severity_text: "ERROR" });
    assert.equal(first?.title, "checkout: payment 7731 declined: card expired");
    // No timestamp on the record: the time it was received.
    assert.equal(signals[1]?.occurredAt, NOW);
  });

  it("keeps attributes and body fields named like Object properties", () => {
    const attributes = ["__proto__", "constructor"].map((key) => ({ key, value: str(`${key}-value`) }));
    const record = { severityNumber: 17, body: { kvlistValue: { values: attributes } }, attributes };
    const [signal] = decodeOtlpLogs(request([record]), defaults, NOW).signals;
    assert.equal(JSON.stringify(signal?.labels), '{"__proto__":"__proto__-value","constructor":"constructor-value"}');
    assert.equal(signal?.message, '{"__proto__":"__proto__-value","constructor":"constructor-value"}');
  });

  it("gives a record the same upstream id every time it is sent, so an exporter's retry is a duplicate", () => {
    const record = { timeUnixNano: "1793613600123000000", severityNumber: 17, body: str("boom") };
    const once = decodeOtlpLogs(request([record]), defaults, NOW).signals[0];
    const again = decodeOtlpLogs(request([record]), defaults, NOW + 5000).signals[0];
    const other = decodeOtlpLogs(request([{ ...record, timeUnixNano: "1793613600124000000" }]), defaults, NOW).signals[0];
    assert.equal(once?.sourceId, again?.sourceId);
    assert.notEqual(once?.sourceId, other?.sourceId);
    assert.notEqual(once?.id, again?.id);
  });

  it("writes structured bodies as JSON and uses the exception when the body is empty", () => {
    const { signals } = decodeOtlpLogs(
      request([
        {
          severityNumber: 18,
          body: {
            kvlistValue: {
              values: [
                { key: "event", value: str("charge failed") },
                { key: "code", value: { intValue: 402 } },
              ],
            },
          },
        },
        {
          severityNumber: 17,
          attributes: [
            { key: "exception.type", value: str("java.sql.SQLTransientConnectionException") },
            { key: "exception.message", value: str("pool exhausted after 30000ms") },
          ],
        },
      ]),
      { ...defaults, minimumLevel: "warn" },
      NOW,
    );
    assert.deepEqual(
      signals.map((s) => s.message),
      ['{"event":"charge failed","code":402}', "java.sql.SQLTransientConnectionException: pool exhausted after 30000ms"],
    );
  });

  it("refuses a request with invalid fields, naming each one", () => {
    assert.throws(
      () =>
        decodeOtlpLogs(
          request([
            { severityNumber: 99, body: str("x") },
            { severityNumber: 17, traceId: "xyz", timeUnixNano: "yesterday", body: "not an AnyValue" },
          ]),
          defaults,
          NOW,
        ),
      (error: unknown) => {
        assert.ok(isSluiceError(error));
        assert.equal(error.code, "MALFORMED_BODY");
        assert.deepEqual(
          error.problems.map((p) => p.path),
          [
            "resourceLogs[0].scopeLogs[0].logRecords[0].severityNumber",
            "resourceLogs[0].scopeLogs[0].logRecords[1].timeUnixNano",
            "resourceLogs[0].scopeLogs[0].logRecords[1].traceId",
            "resourceLogs[0].scopeLogs[0].logRecords[1].body",
          ],
        );
        return true;
      },
    );
    assert.throws(() => decodeOtlpLogs([], defaults, NOW), /ExportLogsServiceRequest/);
  });
});
