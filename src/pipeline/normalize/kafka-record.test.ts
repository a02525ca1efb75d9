import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeRecord, type RawRecord } from "./kafka-record.ts";

const event = { event_id: "e-1", anomaly_score: 0.95, service: "payments", error_message: "timeout" };

function record(value: unknown, headers: Record<string, string> = {}, offset = 7n): RawRecord {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return { topic: "enriched-logs", partition: 2, offset, value: Buffer.from(text), headers: new Map(Object.entries(headers)) };
}

const options = { maxRecordBytes: 1024, receivedAt: Date.parse("2026-11-02T10:00:00Z") };

describe("decodeRecord", () => {
  it("maps an anomaly event, with the topic as source", () => {
    const decoded = decodeRecord(record(event), options);
    assert.ok("signals" in decoded);
    assert.equal(decoded.signals.length, 1);
    assert.equal(decoded.signals[0]?.sourceId, "e-1");
    assert.equal(decoded.signals[0]?.source, "kafka:enriched-logs");
  });

  it("accepts schema version 1 in a header or a field, and strips the field", () => {
    for (const decoded of [
      decodeRecord(record(event, { schema_version: "1" }), options),
      decodeRecord(record({ ...event, schema_version: 1 }), options),
      decodeRecord(record({ ...event, schema_version: "1" }), options),
    ]) {
      assert.ok("signals" in decoded);
      assert.equal(decoded.signals[0]?.raw, null);
    }
  });

  it("gives a generic signal without an upstream id the record's position as id", () => {
    const decoded = decodeRecord(record({ service: "api", title: "disk full", schema_version: "1" }, {}, 42n), options);
    assert.ok("signals" in decoded);
    assert.equal(decoded.signals[0]?.sourceId, "kafka:enriched-logs:2:42");
  });

  it("names the reason of every record it cannot ingest", () => {
    const reasonOf = (r: RawRecord) => {
      const decoded = decodeRecord(r, options);
      return "reason" in decoded ? decoded.reason : "ok";
    };
    assert.equal(reasonOf(record("{nope")), "not-json");
    assert.equal(reasonOf({ ...record("x"), value: undefined }), "not-json");
    assert.equal(reasonOf(record(event, { schema_version: "2" })), "unknown-schema-version");
    assert.equal(reasonOf(record({ ...event, schema_version: 2 })), "unknown-schema-version");
    assert.equal(reasonOf(record({ ...event, description: "x".repeat(2000) })), "oversized");
    assert.equal(reasonOf(record({ ...event, anomaly_score: 3 })), "validation-failed");
    assert.equal(reasonOf(record(42)), "validation-failed");
  });

  it("refuses a document nested thousands of levels deep, naming where, instead of overflowing the stack", () => {
    const deep = `${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`;
    const decoded = decodeRecord(record(JSON.stringify({ ...event, extra: "DEEP" }).replace('"DEEP"', deep)), {
      ...options,
      maxRecordBytes: 1_000_000,
    });
    assert.deepEqual(decoded, { reason: "validation-failed", detail: "extra.a.a.a.a.a.a.a…: nests deeper than 64 levels" });
  });

  it("puts the field problems in the detail", () => {
    const decoded = decodeRecord(record({ ...event, anomaly_score: 3 }), options);
    assert.ok("detail" in decoded);
    assert.match(decoded.detail, /anomaly_score/);
  });
});
