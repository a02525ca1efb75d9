import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { seededRandom } from "../../core/seeded-random.ts";
import { tailOfScore } from "../calibration/tail-calibrator.ts";
import type { Detection } from "../detection.ts";
import { DAY, gaussian, MINUTE, onsets, run } from "../test-fixtures.ts";
import { ContextualDetector, shrunkSpread } from "./contextual.ts";

const STEP = 5 * MINUTE;
const PER_DAY = DAY / STEP;

/** A daily cycle with noise, like NAB's art_daily series. */
function daily(n: number, seed: number): number[] {
  const g = gaussian(seed);
  return Array.from({ length: n }, (_, i) => 50 + 30 * Math.sin((2 * Math.PI * i) / PER_DAY) + 2 * g());
}

const scored = (out: Detection[], from: number) => out.slice(from).map((d, i) => ({ i: i + from, score: d.score }));

describe("ContextualDetector", () => {
  it("stays quiet on a normal daily cycle: no point after warm-up reaches the firing score", () => {
    const out = run(new ContextualDetector(), daily(14 * PER_DAY, 31), STEP);
    const loud = scored(out, 2 * PER_DAY).filter((x) => x.score >= 0.85);
    assert.deepEqual(loud, []);
  });

  it("is calibrated on noise: the share of points scoring s or more stays below 2·10^(−5s)", () => {
    for (const [name, draw] of [
      ["Gaussian", gaussian(32)],
      ["heavy-tailed (Student t, 3 df)", studentT3(33)],
    ] as const) {
      const values = Array.from({ length: 100_000 }, () => 100 + draw());
      const out = run(new ContextualDetector(), values, STEP).slice(2000);
      for (const s of [0.4, 0.6]) {
        const rate = out.filter((d) => d.score >= s).length / out.length;
        assert.ok(rate < 2 * tailOfScore(s), `${name}: ${rate} of points scored ≥ ${s}`);
      }
    }
  });

  it("fires on a spike, naming the recent level it left", () => {
    const values = daily(4 * PER_DAY, 34);
    const at = 3 * PER_DAY + 100;
    values[at] = (values[at] as number) + 60;
    const out = run(new ContextualDetector(), values, STEP);
    assert.deepEqual(
      onsets(out).filter((i) => i > PER_DAY),
      [at],
    );
    assert.ok((out[at]?.score as number) >= 0.85);
  });

  it("fires on a value that is ordinary for the day but not for its hour", () => {
    const values = daily(6 * PER_DAY, 35);
    // At the daily peak (value about 80) the series sits at the daily trough level (about 20) for an hour.
    const peak = 5 * PER_DAY + PER_DAY / 4;
    for (let i = peak; i < peak + 12; i++) values[i] = 20 + (values[i] as number) - 80;
    const out = run(new ContextualDetector(), values, STEP);
    const fired = onsets(out).filter((i) => i > PER_DAY);
    assert.equal(fired.length, 1, `fired at ${fired}`);
    assert.ok((fired[0] as number) >= peak && (fired[0] as number) < peak + 3);
  });

  it("fires once for a lasting level shift, not on every point after it", () => {
    const g = gaussian(36);
    const values = Array.from({ length: 3000 }, (_, i) => (i < 2000 ? 10 : 25) + g());
    const out = run(new ContextualDetector(), values, STEP);
    const fired = onsets(out).filter((i) => i > 500);
    assert.equal(fired.length, 1, `fired at ${fired}`);
    assert.ok((fired[0] as number) >= 2000 && (fired[0] as number) <= 2002);
    const high = out.slice(2000).filter((d) => d.score >= 0.85).length;
    assert.ok(high <= 3, `${high} points scored ≥ 0.85 after the shift`);
  });

  it("fires when a noisy series goes flat, and when spikes crowd together", () => {
    const g = gaussian(37);
    const flat = Array.from({ length: 3000 }, (_, i) => (i >= 2500 && i < 2600 ? 50 : 50 + 5 * g()));
    assert.ok(
      onsets(run(new ContextualDetector(), flat, STEP)).some((i) => i >= 2500 && i < 2530),
      "flatline seen",
    );
    const u = seededRandom(38);
    const bursty = Array.from({ length: 4000 }, (_, i) => {
      const rate = i >= 3500 && i < 3600 ? 0.3 : 0.01;
      return 1 + 0.1 * g() + (u() < rate ? 5 : 0);
    });
    // Spikes are part of this series (1% of points): a burst of them is news, though not a firing one.
    const out = run(new ContextualDetector(), bursty, STEP);
    const peak = (from: number, to: number) => Math.max(...out.slice(from, to).map((d) => d.score));
    assert.ok(peak(3500, 3560) >= 0.6, `burst peaked at ${peak(3500, 3560)}`);
    assert.ok(peak(3500, 3560) > peak(1000, 3500), "the burst outscores everything in the normal stretch");
  });

  it("resumes from a JSON snapshot exactly where it stopped", () => {
    const values = daily(4 * PER_DAY, 39);
    values[3 * PER_DAY + 7] = 200;
    const a = new ContextualDetector();
    const cut = 2 * PER_DAY + 13;
    run(a, values.slice(0, cut), STEP);
    const b = new ContextualDetector({}, JSON.parse(JSON.stringify(a.snapshot())));
    for (let i = cut; i < values.length; i++) {
      const t = i * STEP;
      assert.deepEqual(b.update(t, values[i] as number), a.update(t, values[i] as number), `point ${i}`);
    }
  });

  it("keeps an hour's spread from few values no narrower than a fading share of the spread pooled over all hours", () => {
    // Two values that happen to agree (own spread 0) do not make the hour's spread 0.
    assert.equal(shrunkSpread(0, 2, 4), 3);
    assert.equal(shrunkSpread(1, 6, 4), 2);
    // An hour with enough history that really is calm keeps its own, narrower spread; a wider one is never narrowed.
    assert.equal(shrunkSpread(0.5, 42, 4), 0.5);
    assert.equal(shrunkSpread(9, 2, 4), 9);
    // Nothing pooled yet: the hour's own spread.
    assert.equal(shrunkSpread(2, 2, 0), 2);
  });

  it("speaks on an hour from its second value, and restores a state written before the pooled spread existed", () => {
    const values = daily(3 * PER_DAY, 40);
    const a = new ContextualDetector();
    run(a, values.slice(0, 2 * PER_DAY), STEP);
    const state = a.snapshot();
    assert.ok((state.seasonSpread as number) > 0, "a pooled spread was learned");
    const { seasonSpread: _dropped, ...old } = state;
    const b = new ContextualDetector({}, JSON.parse(JSON.stringify(old)));
    const t = 2 * PER_DAY * STEP;
    b.update(t, values[2 * PER_DAY] as number);
    assert.ok((b.snapshot().seasonSpread as number) > 0, "the pooled spread is learned again from the next point");
  });

  it("rejects nonsense options", () => {
    assert.throws(() => new ContextualDetector({ window: 0 }), /window must be a positive number/);
  });
});

/** Student's t with 3 degrees of freedom: a heavy-tailed noise. */
function studentT3(seed: number): () => number {
  const g = gaussian(seed);
  return () => {
    const z = g();
    const chi = g() ** 2 + g() ** 2 + g() ** 2;
    return z / Math.sqrt(chi / 3);
  };
}
