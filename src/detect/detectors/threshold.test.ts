import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FIRING_SCORE } from "../detection.ts";
import { MINUTE, onsets, run, T0 } from "../test-fixtures.ts";
import { ThresholdDetector } from "./threshold.ts";

describe("ThresholdDetector", () => {
  it("fires past the limit and clears only when back inside by the hysteresis", () => {
    const d = new ThresholdDetector({ above: 90, hysteresis: 5 });
    const values = [80, 85, 91, 95, 89, 86, 84, 80];
    const out = run(d, values);
    assert.deepEqual(
      out.map((x) => x.firing),
      [false, false, true, true, true, true, false, false],
    );
    // In the hysteresis band the alert holds at exactly the firing score.
    assert.equal(out[4]?.score, FIRING_SCORE);
    assert.ok((out[3]?.score as number) > (out[2]?.score as number));
    for (const x of out) assert.equal(x.score >= FIRING_SCORE, x.firing);
  });

  it("does not fire while the value hovers at or just under the limit", () => {
    const out = run(new ThresholdDetector({ above: 90 }), [89, 90, 89.9, 90, 88]);
    assert.deepEqual(onsets(out), []);
    for (const x of out) assert.ok(x.score < FIRING_SCORE);
    // Closer to the limit scores higher.
    assert.ok((out[1]?.score as number) > (out[4]?.score as number));
  });

  it("waits `for` before firing, so a spike shorter than that does not fire", () => {
    const d = new ThresholdDetector({ above: 90, for: 3 * MINUTE });
    const spike = run(d, [95, 96, 80]);
    assert.deepEqual(onsets(spike), []);
    assert.match(spike[1]?.reason ?? "", /60s of the 180s required/);
    const sustained = run(new ThresholdDetector({ above: 90, for: 3 * MINUTE }), [95, 96, 97, 98, 99]);
    assert.deepEqual(onsets(sustained), [3]);
  });

  it("watches a lower limit too", () => {
    const out = run(new ThresholdDetector({ below: 10, above: 100 }), [50, 9, 50, 101]);
    assert.deepEqual(
      out.map((x) => x.firing),
      [false, true, false, true],
    );
    assert.match(out[1]?.reason ?? "", /below the limit 10/);
  });

  it("resumes from its snapshot mid-alert", () => {
    const a = new ThresholdDetector({ above: 90, hysteresis: 5 });
    run(a, [95]);
    const b = new ThresholdDetector({ above: 90, hysteresis: 5 }, JSON.parse(JSON.stringify(a.snapshot())));
    assert.equal(b.update(T0 + 2 * MINUTE, 88).firing, true);
  });

  it("rejects impossible parameters and values with a clear message", () => {
    assert.throws(() => new ThresholdDetector({}), /give `above`, `below` or both/);
    assert.throws(() => new ThresholdDetector({ above: 1, below: 2 }), /`below` must be less than `above`/);
    assert.throws(() => new ThresholdDetector({ above: 1 }).update(0, Number.NaN), /finite number/);
  });
});
