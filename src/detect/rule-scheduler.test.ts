import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pino from "pino";
import { systemClock } from "../core/clock.ts";
import type { RuleEvaluation, RuleRunner } from "./rule-runner.ts";
import { RuleScheduler } from "./rule-scheduler.ts";

/** A runner that records its evaluations, overlapping ones included, and fails when told to. */
function fakeRunner(name: string, log: string[], fail = false) {
  let inFlight = 0;
  const runner = {
    name,
    async evaluate(): Promise<RuleEvaluation> {
      inFlight++;
      log.push(`${name} start ${inFlight}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight--;
      if (fail) throw new Error(`${name} query failed`);
      return { held: true, points: 1, series: 1, events: [] };
    },
    async release() {
      log.push(`${name} released`);
    },
  };
  return runner as unknown as RuleRunner;
}

describe("rule scheduler", () => {
  it("evaluates one rule at a time, reports failures without stopping the others, and releases the leases on shutdown", async () => {
    const log: string[] = [];
    const outcomes: string[] = [];
    const scheduler = new RuleScheduler(
      [
        { runner: fakeRunner("a", log), intervalMs: 60_000 },
        { runner: fakeRunner("b", log, true), intervalMs: 60_000 },
      ],
      systemClock,
      pino({ level: "silent" }),
      (rule, outcome) => outcomes.push(`${rule} ${outcome instanceof Error ? outcome.message : "ok"}`),
    );
    await Promise.all([scheduler.tick(), scheduler.tick()]);
    assert.deepEqual(
      log.filter((line) => line.startsWith("a")),
      ["a start 1", "a start 1"],
      "the second tick waited for the first",
    );
    assert.deepEqual(outcomes.sort(), ["a ok", "a ok", "b b query failed", "b b query failed"]);
    await scheduler.shutdown();
    assert.deepEqual(log.filter((line) => line.endsWith("released")).sort(), ["a released", "b released"]);
  });
});
