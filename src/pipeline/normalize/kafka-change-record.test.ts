import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeChangeRecord } from "./kafka-change-record.ts";
import type { RawRecord } from "./kafka-record.ts";

function record(value: string | unknown, offset = 11n): RawRecord {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return { topic: "deploys", partition: 1, offset, value: Buffer.from(text), headers: new Map() };
}

const options = { maxRecordBytes: 1024, receivedAt: Date.parse("2026-11-24T10:00:00Z") };

describe("decodeChangeRecord", () => {
  it("reads a change with its own id, and takes the record's position when it has none", () => {
    const own = decodeChangeRecord(record({ id: "argo-1", service: "cart" }), options);
    assert.ok("changes" in own);
    const [first] = own.changes;
    assert.ok(first && "change" in first);
    assert.equal(first.change.sourceId, "argo-1");

    const [a, b] = [
      decodeChangeRecord(record({ service: "cart" }), options),
      decodeChangeRecord(record({ service: "cart" }), options),
    ];
    assert.ok("changes" in a && "changes" in b);
    const [x] = a.changes;
    const [y] = b.changes;
    assert.ok(x && "change" in x && y && "change" in y);
    assert.equal(x.change.sourceId, "kafka:deploys:1:11", "a redelivered record is the same change");
    assert.equal(y.change.sourceId, x.change.sourceId);
  });

  it("reads an array record item by item, and PagerDuty change events", () => {
    const decoded = decodeChangeRecord(
      record([{ service: "cart" }, { routing_key: "k", payload: { summary: "Deploy 7", source: "cart" } }]),
      options,
    );
    assert.ok("changes" in decoded);
    assert.deepEqual(
      decoded.changes.map((c) => ("change" in c ? [c.format, c.change.sourceId] : null)),
      [
        ["sluice", "kafka:deploys:1:11:0"],
        ["pagerduty", "kafka:deploys:1:11:1"],
      ],
    );
  });

  it("says why a record goes to the dead-letter topic", () => {
    const notJson = decodeChangeRecord(record("{nope"), options);
    assert.ok("reason" in notJson && notJson.reason === "not-json");
    const oversized = decodeChangeRecord(record({ service: "x".repeat(2000) }), options);
    assert.ok("reason" in oversized && oversized.reason === "oversized");
    const invalid = decodeChangeRecord(record({ routing_key: "k", payload: { summary: "no service" } }), options);
    assert.ok("reason" in invalid && invalid.reason === "validation-failed");
    assert.match(invalid.detail, /payload\.source: name the changed service/);
  });
});
