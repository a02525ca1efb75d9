import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { badZ, measureDeparture } from "./departure.ts";
import type { Baseline, Sample } from "./types.ts";

const baseline: Baseline = { center: 10, scale: 2, samples: 100 };
const STEP = 300_000;
/** Samples covering [i·STEP, (i+1)·STEP) for each value. */
const series = (values: number[]): Sample[] => values.map((value, i) => ({ start: i * STEP, end: (i + 1) * STEP, value }));
// Onset inside the third sample: the first two ended before it.
const ONSET = 2 * STEP + 1000;

describe("badZ", () => {
  it("is positive when the value moved the bad way", () => {
    assert.equal(badZ(baseline, 16, "up"), 3);
    assert.equal(badZ(baseline, 16, "down"), -3);
    assert.equal(badZ(baseline, 4, "down"), 3);
    assert.equal(badZ(baseline, 4, "both"), 3);
  });
});

describe("measureDeparture", () => {
  it("splits at onset: samples that ended by it are before, the one containing it is during", () => {
    const d = measureDeparture(baseline, series([10, 10, 20, 30, 10]), { onsetAt: ONSET, direction: "up", threshold: 3 });
    assert.equal(d.before, 0);
    assert.equal(d.samplesDuring, 3);
    assert.equal(d.peak, 10);
    assert.equal(d.cumulative, 5 + 10);
    assert.equal(d.departedAt, 2 * STEP);
  });

  it("dates the departure at the first sample past the threshold, not the first above the baseline", () => {
    const d = measureDeparture(baseline, series([10, 10, 14, 18]), { onsetAt: ONSET, direction: "up", threshold: 3 });
    assert.equal(d.departedAt, 3 * STEP);
    assert.equal(d.cumulative, 2 + 4);
  });

  it("subtracts a level already present in every sample before onset", () => {
    // The series sat 4 scales high before the incident and 5 during it: only 1 scale is new.
    const d = measureDeparture(baseline, series([18, 20, 20, 19]), { onsetAt: ONSET, direction: "up", threshold: 3 });
    assert.equal(d.before, 4);
    assert.equal(d.peak, 1);
    assert.equal(d.departedAt, null);
  });

  it("keeps a spike before onset from hiding a departure during it (the level is the smallest before-onset departure)", () => {
    const d = measureDeparture(baseline, series([40, 10, 30]), { onsetAt: ONSET, direction: "up", threshold: 3 });
    assert.equal(d.before, 0);
    assert.equal(d.peak, 10);
  });

  it("judges availability downwards and skips missing values", () => {
    const b: Baseline = { center: 100, scale: 0.1, samples: 500 };
    const d = measureDeparture(b, series([100, 100, 97.8, Number.NaN, 100]), { onsetAt: ONSET, direction: "down", threshold: 3 });
    assert.equal(d.samplesDuring, 2);
    assert.ok(Math.abs(d.peak - 22) < 1e-9);
    assert.equal(d.departedAt, 2 * STEP);
  });

  it("reports nothing during when every incident sample is missing", () => {
    const d = measureDeparture(baseline, series([10, 10, Number.NaN]), { onsetAt: ONSET, direction: "up", threshold: 3 });
    assert.deepEqual(d, { peak: 0, cumulative: 0, departedAt: null, before: 0, samplesDuring: 0 });
  });
});
