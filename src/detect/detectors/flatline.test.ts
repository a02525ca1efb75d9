import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FIRING_SCORE } from "../detection.ts";
import { MINUTE, onsets, run, T0 } from "../test-fixtures.ts";
import { FlatlineDetector } from "./flatline.ts";

describe("FlatlineDetector", () => {
  it("fires when a moving series stays on one value for `for`, and clears on the first change", () => {
    const values = [1, 3, 2, 5, 5, 5, 5, 5, 5, 7, 6];
    const out = run(new FlatlineDetector({ for: 4 * MINUTE }), values);
    // Flat from index 3; four minutes later is index 7.
    assert.deepEqual(onsets(out), [7]);
    assert.equal(out[7]?.score, FIRING_SCORE);
    assert.ok((out[8]?.score as number) > FIRING_SCORE);
    assert.equal(out[9]?.firing, false);
    assert.match(out[8]?.reason ?? "", /stuck at 5 for 300s/);
    for (const x of out) assert.equal(x.score >= FIRING_SCORE, x.firing);
  });

  it("does not fire for a series that never moved, nor for a flat run shorter than `for`", () => {
    const constant = run(new FlatlineDetector({ for: 2 * MINUTE }), Array(20).fill(42));
    assert.deepEqual(onsets(constant), []);
    assert.ok(constant.every((x) => x.score === 0));
    const brief = run(new FlatlineDetector({ for: 5 * MINUTE }), [1, 2, 2, 2, 3, 3, 3, 4]);
    assert.deepEqual(onsets(brief), []);
  });

  it("counts changes within the tolerance as flat, and noise beyond it as movement", () => {
    const wobble = [10, 20, 20.01, 19.99, 20, 20.02, 20];
    assert.deepEqual(onsets(run(new FlatlineDetector({ for: 3 * MINUTE, tolerance: 0.05 }), wobble)), [4]);
    assert.deepEqual(onsets(run(new FlatlineDetector({ for: 3 * MINUTE }), wobble)), []);
  });

  it("resumes from its snapshot", () => {
    const a = new FlatlineDetector({ for: 2 * MINUTE });
    run(a, [1, 2, 2]);
    const b = new FlatlineDetector({ for: 2 * MINUTE }, JSON.parse(JSON.stringify(a.snapshot())));
    assert.equal(b.update(T0 + 3 * MINUTE, 2).firing, true);
  });

  it("rejects a missing duration", () => {
    assert.throws(() => new FlatlineDetector({ for: 0 }), /`for` must be a positive duration/);
  });
});
