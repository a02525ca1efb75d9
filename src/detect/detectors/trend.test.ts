import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FIRING_SCORE } from "../detection.ts";
import { gaussian, HOUR, MINUTE, onsets, run } from "../test-fixtures.ts";
import { TrendDetector } from "./trend.ts";

describe("TrendDetector", () => {
  it("fires when the series will cross the limit within the horizon at its current pace", () => {
    // A disk filling by 1% a minute from 20%: it reaches 90% at minute 70; with a one-hour horizon the
    // projection crosses 90 from minute 10 on.
    const noise = gaussian(11);
    const values = Array.from({ length: 60 }, (_, i) => 20 + i + 0.3 * noise());
    const out = run(new TrendDetector({ above: 90, horizon: HOUR }), values);
    const first = onsets(out)[0] as number;
    assert.ok(first >= 10 && first <= 14, `fired at minute ${first}`);
    assert.ok(out.slice(first).every((x) => x.firing));
    assert.match(out[first]?.reason ?? "", /heading above 90 in about/);
    // The nearer the crossing, the higher the score.
    assert.ok((out[55]?.score as number) > (out[first]?.score as number));
    for (const x of out) assert.equal(x.score >= FIRING_SCORE, x.firing);
  });

  it("does not fire for a noisy but level series near the limit, nor for one heading away", () => {
    const noise = gaussian(12);
    const level = run(
      new TrendDetector({ above: 90, horizon: HOUR }),
      Array.from({ length: 2000 }, () => 80 + noise()),
    );
    assert.deepEqual(onsets(level), []);
    const away = run(
      new TrendDetector({ above: 90, horizon: HOUR }),
      Array.from({ length: 100 }, (_, i) => 85 - 0.2 * i),
    );
    assert.deepEqual(onsets(away), []);
  });

  it("does not fire before `minPoints` samples", () => {
    const out = run(new TrendDetector({ above: 10, horizon: HOUR, minPoints: 5 }), [1, 5, 9, 13, 17, 21]);
    assert.deepEqual(onsets(out), [4]);
    assert.match(out[0]?.reason ?? "", /learning the trend/);
  });

  it("watches a falling series against a lower limit, and clears when the fall stops", () => {
    const values = [...Array.from({ length: 30 }, (_, i) => 100 - 2 * i), ...Array(40).fill(42)];
    const out = run(new TrendDetector({ below: 10, horizon: 30 * MINUTE }), values);
    const first = onsets(out)[0] as number;
    assert.ok(first > 9 && first < 30, `fired at ${first}`);
    assert.equal(out[69]?.firing, false);
  });

  it("handles uneven sampling: the slope is per unit of time, not per sample", () => {
    const d = new TrendDetector({ above: 100, horizon: HOUR, minPoints: 3 });
    // 1 per minute, sampled at irregular gaps.
    for (const m of [0, 1, 5, 6, 20, 21, 30]) d.update(m * MINUTE, m);
    assert.ok(Math.abs(d.slopePerHour - 60) < 6, `slope ${d.slopePerHour}/h`);
  });

  it("resumes from its snapshot", () => {
    const a = new TrendDetector({ above: 90, horizon: HOUR });
    run(
      a,
      Array.from({ length: 20 }, (_, i) => 20 + i),
    );
    const b = new TrendDetector({ above: 90, horizon: HOUR }, JSON.parse(JSON.stringify(a.snapshot())));
    assert.deepEqual(b.update(20 * MINUTE + 1, 40), a.update(20 * MINUTE + 1, 40));
  });

  it("rejects contradictory parameters", () => {
    assert.throws(() => new TrendDetector({ above: 1, below: 0, horizon: HOUR }), /exactly one/);
    assert.throws(() => new TrendDetector({ above: 1, horizon: 0 }), /horizon/);
    assert.throws(() => new TrendDetector({ above: 1, horizon: HOUR, levelSmoothing: 2 }), /levelSmoothing/);
  });
});
