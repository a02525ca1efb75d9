import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { seededRandom } from "../../core/seeded-random.ts";
import {
  type LabelledSeries,
  normalisedScore,
  optimiseThreshold,
  probationLength,
  type ScoredSeries,
  scaledSigmoid,
  scoreAtThreshold,
  scoresByThreshold,
} from "./nab-score.ts";

const STANDARD = { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 };
const MAX_TP = 2 / (1 + Math.exp(-5)) - 1;
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≠ ${b}`);

/** 100 points, probation 15, one window over points 40..49. */
const SERIES: LabelledSeries = { name: "s", length: 100, windows: [[40, 49]] };
const scoresAt = (points: Record<number, number>) => {
  const s = new Float64Array(100);
  for (const [i, v] of Object.entries(points)) s[Number(i)] = v;
  return { series: SERIES, scores: s };
};

describe("NAB scoring", () => {
  it("uses NAB's scaled sigmoid and probation length", () => {
    close(scaledSigmoid(-1), 0.9866142981514305);
    close(scaledSigmoid(-0.5), 0.8482836399575131);
    close(scaledSigmoid(0), 0);
    assert.equal(scaledSigmoid(3), -1);
    assert.equal(probationLength(1000), 150);
    assert.equal(probationLength(22_695), 750);
  });

  it("rewards a detection at a window's left edge fully, in its middle less, and only the earliest", () => {
    close(scoreAtThreshold(scoresAt({ 40: 1 }), STANDARD, 1).score, 1);
    // Middle: relative position −(49 − 45 + 1)/10 = −0.5.
    close(scoreAtThreshold(scoresAt({ 45: 1 }), STANDARD, 1).score, scaledSigmoid(-0.5) / MAX_TP);
    close(scoreAtThreshold(scoresAt({ 40: 1, 45: 1 }), STANDARD, 1).score, 1);
    // Missed: −fnWeight.
    close(scoreAtThreshold(scoresAt({}), STANDARD, 1).score, -1);
  });

  it("charges a false positive fpWeight before any window, less right after one, and nothing in probation", () => {
    close(scoreAtThreshold(scoresAt({ 40: 1, 20: 1 }), STANDARD, 1).score, 1 - 0.11);
    close(scoreAtThreshold(scoresAt({ 40: 1, 5: 1 }), STANDARD, 1).score, 1);
    // Six points past the window's end, which is 9 widths-minus-one long: x = 6/9.
    close(scoreAtThreshold(scoresAt({ 40: 1, 55: 1 }), STANDARD, 1).score, 1 + 0.11 * scaledSigmoid(6 / 9));
    const r = scoreAtThreshold(scoresAt({ 40: 1, 55: 1, 20: 1 }), STANDARD, 1);
    assert.equal(r.tp, 1);
    assert.equal(r.fp, 2);
    assert.equal(r.windowsDetected, 1);
  });

  it("chooses the corpus threshold with the best summed score, the highest on a tie", () => {
    const best = optimiseThreshold([scoresAt({ 40: 1, 20: 0.9 })], STANDARD);
    assert.equal(best.threshold, 1);
    close(best.score, 1);
    const tie = optimiseThreshold([scoresAt({ 40: 0.8, 60: 0.1 })], { tpWeight: 1, fpWeight: 0, fnWeight: 1 });
    assert.equal(tie.threshold, 0.8);
    const rows = scoresByThreshold([scoresAt({ 40: 1 })], STANDARD);
    assert.deepEqual(
      rows.map((r) => r.threshold),
      [1.1, 1, 0],
    );
  });

  it("sums per-series scores at the chosen threshold to the corpus score", () => {
    const u = seededRandom(41);
    const corpus: ScoredSeries[] = [0, 1, 2].map((k) => ({
      series: { name: `s${k}`, length: 500, windows: [[200 + 10 * k, 240 + 10 * k]] },
      scores: Float64Array.from({ length: 500 }, () => Math.round(u() * 50) / 50),
    }));
    const best = optimiseThreshold(corpus, STANDARD);
    let sum = 0;
    for (const s of corpus) sum += scoreAtThreshold(s, STANDARD, best.threshold).score;
    close(sum, best.score);
  });

  it("normalises so the null detector scores 0 and a perfect one 100", () => {
    const corpus = [scoresAt({ 40: 1 })];
    const nullRaw = optimiseThreshold([{ series: SERIES, scores: new Float64Array(100).fill(0.5) }], STANDARD).score;
    close(normalisedScore(corpus, STANDARD, nullRaw), 0);
    close(normalisedScore(corpus, STANDARD, optimiseThreshold(corpus, STANDARD).score), 100);
  });

  it("refuses scores that do not match the series", () => {
    assert.throws(
      () => scoresByThreshold([{ series: SERIES, scores: new Float64Array(3) }], STANDARD),
      /3 scores for 100 points/,
    );
    assert.throws(
      () =>
        scoresByThreshold([{ series: { name: "p", length: 100, windows: [[5, 9]] }, scores: new Float64Array(100) }], STANDARD),
      /probation/,
    );
  });
});
