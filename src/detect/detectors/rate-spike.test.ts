import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { seededRandom } from "../../core/seeded-random.ts";
import { FIRING_SCORE } from "../detection.ts";
import { MINUTE, onsets, T0 } from "../test-fixtures.ts";
import { RateSpikeDetector } from "./rate-spike.ts";

/** Poisson draws with mean `lambda` (Knuth), from a seeded PRNG. */
function poisson(seed: number): (lambda: number) => number {
  const u = seededRandom(seed);
  return (lambda) => {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = u();
    while (p > limit) {
      k++;
      p *= u();
    }
    return k;
  };
}

describe("RateSpikeDetector", () => {
  it("stays quiet on a steady error rate and fires once on a jump, held while it lasts and cleared after", () => {
    const draw = poisson(31);
    const d = new RateSpikeDetector();
    const counts: number[] = [];
    for (let i = 0; i < 2000; i++) counts.push(i >= 1500 && i < 1510 ? 40 + draw(4) : draw(4));
    const out = counts.map((c, i) => d.update(T0 + i * MINUTE, c));
    assert.deepEqual(onsets(out), [1500], "one alert, at the jump; none in 1,500 normal evaluations");
    assert.ok(
      out.slice(1500, 1510).every((x) => x.firing),
      "held for the whole burst",
    );
    assert.equal(out[1515]?.firing, false, "cleared after it");
    assert.match(out[1500]?.reason ?? "", /signals against a baseline of 4\.\d+ per evaluation/);
  });

  it("needs minCount signals and factor × the baseline: a rare pattern's 3 signals, or a busy one's 1.5×, do not fire", () => {
    const rare = new RateSpikeDetector();
    for (let i = 0; i < 100; i++) rare.update(T0 + i * MINUTE, i % 20 === 0 ? 1 : 0);
    const small = rare.update(T0 + 100 * MINUTE, 3);
    assert.equal(small.firing, false);
    assert.ok(small.score < FIRING_SCORE);
    const busy = new RateSpikeDetector();
    for (let i = 0; i < 100; i++) busy.update(T0 + i * MINUTE, 1000);
    const more = busy.update(T0 + 100 * MINUTE, 1500);
    assert.equal(more.firing, false, `Poisson alone would call 1500 against 1000 impossible: ${more.reason}`);
  });

  it("counts the evaluations that returned nothing as zeros, and does not fire while learning", () => {
    const d = new RateSpikeDetector({ minPoints: 5 });
    assert.equal(d.update(T0, 50).firing, false, "learning");
    d.update(T0 + MINUTE, 50);
    // Sixty silent evaluations (the series was absent from the query's result) decay the baseline from 50 to 18.
    const back = d.update(T0 + 62 * MINUTE, 50);
    assert.ok(Math.abs((back.baseline as number) - 50 * (59 / 60) ** 60) < 0.01, `baseline ${back.baseline}`);
  });

  it("resumes from its snapshot", () => {
    const a = new RateSpikeDetector();
    for (let i = 0; i < 50; i++) a.update(T0 + i * MINUTE, i % 3);
    const b = new RateSpikeDetector({}, JSON.parse(JSON.stringify(a.snapshot())));
    assert.deepEqual(b.update(T0 + 50 * MINUTE, 30), a.update(T0 + 50 * MINUTE, 30));
  });
});
