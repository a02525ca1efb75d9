import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { robustBaseline } from "./robust-baseline.ts";

const options = { minBaselineSamples: 3, relativeScaleFloor: 1e-3 };

describe("robustBaseline", () => {
  it("centres on the median and scales by 1.4826 × the median absolute deviation", () => {
    // Deviations from 10: 0, 1, 1, 2, 2, 50 → median deviation 1.5; the outlier moves neither figure much.
    const b = robustBaseline([10, 9, 11, 8, 12, 60], options);
    assert.ok(b);
    assert.equal(b.center, 10.5);
    assert.equal(b.samples, 6);
    // |v − 10.5|: 0.5, 0.5, 1.5, 1.5, 2.5, 49.5 → median 1.5
    assert.ok(Math.abs(b.scale - 1.4826 * 1.5) < 1e-12);
  });

  it("falls back to the mean absolute deviation when most values sit on the median", () => {
    // Availability at 100 except two dips: the median deviation is 0.
    const values = [...Array(8).fill(100), 97, 99];
    const b = robustBaseline(values, options);
    assert.ok(b);
    assert.equal(b.center, 100);
    assert.ok(Math.abs(b.scale - (1.2533 * 4) / 10) < 1e-12);
  });

  it("gives a series that never moved a scale of relativeScaleFloor × its level", () => {
    const b = robustBaseline(Array(20).fill(100), options);
    assert.equal(b?.scale, 0.1);
    assert.ok((robustBaseline(Array(20).fill(0), options)?.scale ?? 0) > 0, "a zero level still gets a positive scale");
    assert.equal(robustBaseline(Array(20).fill(0), { ...options, absoluteScaleFloor: 1 })?.scale, 1, "in the series' own unit");
  });

  it("ignores missing values and refuses a window with too few", () => {
    assert.equal(robustBaseline([1, Number.NaN, 2], options), undefined);
    assert.equal(robustBaseline([1, Number.NaN, 2, 3], options)?.samples, 3);
    assert.equal(robustBaseline([], { ...options, minBaselineSamples: 0 }), undefined);
  });
});
