import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Incident } from "../core/incident.ts";
import { insideTimeOfDay, unmetPrecondition } from "./preconditions.ts";

const at = (hhmm: string) => Date.parse(`2026-11-02T${hhmm}:00Z`);
const incident = { signalCount: 3 } as Incident;
const subject = { id: "i", key: "INC-1", service: "cart", environment: "prod", severity: "high", labels: {} };

describe("preconditions", () => {
  it("reads time-of-day windows in UTC, across midnight too", () => {
    assert.equal(insideTimeOfDay({ from: "08:00", to: "18:00" }, at("08:00")), true);
    assert.equal(insideTimeOfDay({ from: "08:00", to: "18:00" }, at("18:00")), false);
    assert.equal(insideTimeOfDay({ from: "22:00", to: "06:00" }, at("23:30")), true);
    assert.equal(insideTimeOfDay({ from: "22:00", to: "06:00" }, at("05:59")), true);
    assert.equal(insideTimeOfDay({ from: "22:00", to: "06:00" }, at("12:00")), false);
  });

  it("says which precondition is unmet, and asks Prometheus only when the cheap ones hold", async () => {
    const queries: string[] = [];
    const check = async (query: string) => {
      queries.push(query);
      return { holds: false, detail: "no data" };
    };
    const signal = new AbortController().signal;
    assert.equal(
      await unmetPrecondition({ minSignals: 5, query: "x" }, incident, subject, at("10:00"), check, signal),
      "3 of 5 signals",
    );
    assert.deepEqual(queries, []);
    assert.equal(
      await unmetPrecondition({ query: 'errors{service="{{service}}"} > 1' }, incident, subject, at("10:00"), check, signal),
      "precondition query does not hold (no data)",
    );
    assert.deepEqual(queries, ['errors{service="cart"} > 1']);
    assert.equal(await unmetPrecondition({ minSignals: 3 }, incident, subject, at("10:00"), null, signal), null);
  });
});
