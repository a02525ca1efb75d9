import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { seededRandom } from "../../core/seeded-random.ts";
import { gaussian } from "../test-fixtures.ts";
import { scoreFromTail, TailCalibrator, tailOfScore } from "./tail-calibrator.ts";

/** Fraction of samples (after a warm-up) whose tail probability fell below each level. */
function exceedance(draw: () => number, n: number, levels: number[]): number[] {
  const c = new TailCalibrator();
  const counts = levels.map(() => 0);
  const warmup = 2000;
  for (let i = 0; i < n; i++) {
    const p = c.test(draw());
    if (i < warmup) continue;
    levels.forEach((level, k) => {
      if (p < level) counts[k] = (counts[k] as number) + 1;
    });
  }
  return counts.map((k) => k / (n - warmup));
}

describe("scoreFromTail", () => {
  it("maps tail probability to 0..1 over five decades, 0.85 at about 5.6e-5", () => {
    assert.equal(scoreFromTail(1), 0);
    assert.equal(scoreFromTail(0.1), 0.2);
    assert.ok(Math.abs(scoreFromTail(1e-3) - 0.6) < 1e-12);
    assert.equal(scoreFromTail(1e-9), 1);
    assert.equal(scoreFromTail(0), 1);
    assert.ok(Math.abs(tailOfScore(0.85) - 5.62e-5) < 1e-7);
    for (const s of [0.1, 0.5, 0.85]) assert.ok(Math.abs(scoreFromTail(tailOfScore(s)) - s) < 1e-12);
  });
});

describe("TailCalibrator", () => {
  const levels = [1e-2, 1e-3];
  const cases: [string, () => number][] = [
    [
      "|Gaussian|",
      (() => {
        const g = gaussian(1);
        return () => Math.abs(g());
      })(),
    ],
    [
      "exponential",
      (() => {
        const u = seededRandom(2);
        return () => -Math.log(1 - u());
      })(),
    ],
    [
      "heavy-tailed Pareto (α = 3)",
      (() => {
        const u = seededRandom(3);
        return () => (1 - u()) ** (-1 / 3) - 1;
      })(),
    ],
  ];
  for (const [name, draw] of cases) {
    // Never optimistic by more than 2×; conservative by at most 5× (a light tail beyond the histogram is
    // extrapolated as if exponential, which overstates it).
    it(`is calibrated on ${name}: P(p < level) is between level/5 and 2·level`, () => {
      const rates = exceedance(draw, 200_000, levels);
      levels.forEach((level, k) => {
        const rate = rates[k] as number;
        assert.ok(rate < 2 * level, `${name}: ${rate} of samples below p=${level}`);
        assert.ok(rate > level / 5, `${name}: only ${rate} of samples below p=${level} (too conservative)`);
      });
    });
  }

  it("says nothing is rare while warming up", () => {
    const c = new TailCalibrator({ warmup: 50 });
    for (let i = 0; i < 50; i++) assert.equal(c.test(i === 49 ? 1e6 : 1), 1);
    assert.ok(c.test(1e6) < 0.05);
  });

  it("extrapolates beyond the largest value seen: smaller p further out, never zero for a finite value", () => {
    const g = gaussian(4);
    const c = new TailCalibrator();
    for (let i = 0; i < 20_000; i++) c.test(Math.abs(g()));
    const p5 = c.peek(5);
    const p8 = c.peek(8);
    assert.ok(p5 < 1 / 20_000, `p(5σ) = ${p5}`);
    assert.ok(p8 < p5 && p8 > 0, `p(8σ) = ${p8}`);
  });

  it("forgets: after the statistic's scale grows tenfold, the new normal stops looking rare", () => {
    const g = gaussian(5);
    const c = new TailCalibrator({ memory: 2000 });
    for (let i = 0; i < 10_000; i++) c.test(Math.abs(g()));
    assert.ok(c.peek(10) < 1e-4);
    for (let i = 0; i < 20_000; i++) c.test(10 * Math.abs(g()));
    assert.ok(c.peek(10) > 0.1, `p(10) = ${c.peek(10)}`);
  });

  it("resumes from a JSON snapshot exactly where it stopped", () => {
    const g = gaussian(6);
    const a = new TailCalibrator();
    for (let i = 0; i < 5000; i++) a.test(Math.abs(g()));
    const b = new TailCalibrator({}, JSON.parse(JSON.stringify(a.snapshot())));
    for (let i = 0; i < 1000; i++) {
      const x = Math.abs(g()) * (i % 100 === 0 ? 6 : 1);
      assert.equal(b.test(x), a.test(x));
    }
  });
});
