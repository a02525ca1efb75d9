import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { seededRandom } from "../../core/seeded-random.ts";
import { advanceEpisode, NO_EPISODE } from "../episode.ts";
import type { NabSeries } from "./nab-corpus.ts";
import { crossValidatePages, type DetectedSeries, pageOnsets, pageScoresByThreshold } from "./nab-pages.ts";
import { scoreAtThreshold } from "./nab-score.ts";

const STANDARD = { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 };

function series(name: string, length: number, windows: [number, number][]): NabSeries {
  return { category: "c", name: `c/${name}`, length, windows, times: new Float64Array(length), values: new Float64Array(length) };
}

function noisy(seed: number, length: number, hold: number): DetectedSeries {
  const r = seededRandom(seed);
  const scores = Float64Array.from({ length }, () => (r() < 0.05 ? r() : 0));
  const firing = Uint8Array.from({ length }, () => (r() < 0.02 ? 1 : 0));
  return {
    series: series(`s${seed}`, length, [
      [300, 349],
      [700, 739],
    ]),
    scores,
    firing,
    hold,
  };
}

describe("NAB scores of pages", () => {
  it("finds the onsets the live episode logic sends, for any minimum score and hold", () => {
    for (const hold of [0, 1, 7, 50]) {
      const d = noisy(hold + 1, 2000, hold);
      for (const m of [0.2, 0.5, 0.8]) {
        let state = NO_EPISODE;
        const live: number[] = [];
        for (let i = 0; i < d.scores.length; i++) {
          const detection = { time: i * 60_000, score: d.scores[i] as number, firing: d.firing[i] === 1, reason: "", value: 0 };
          const step = advanceEpisode(state, detection, 3_600_000, m, hold);
          if (step.event && state.start === null) live.push(i);
          state = step.state;
        }
        const onsets = pageOnsets(d, m);
        assert.deepEqual(
          [...onsets.keys()].filter((i) => onsets[i] === 1),
          live,
          `hold ${hold}, minimum ${m}`,
        );
      }
    }
  });

  it("scores the onsets with NAB's rules", () => {
    const corpus = [noisy(11, 1000, 20), noisy(12, 1000, 0)];
    const thresholds = [0.1, 0.3, 0.55, 0.9];
    const rows = pageScoresByThreshold(corpus, STANDARD, thresholds);
    thresholds.forEach((m, k) => {
      let expected = 0;
      for (const d of corpus) expected += scoreAtThreshold({ series: d.series, scores: pageOnsets(d, m) }, STANDARD, 1).score;
      assert.ok(Math.abs((rows[k]?.score as number) - expected) < 1e-9, `minimum ${m}`);
    });
  });

  it("counts a second alert within the hold as part of the first episode, not as a false positive", () => {
    const s = series("x", 1000, [[500, 549]]);
    const scores = new Float64Array(1000);
    scores[400] = 0.6;
    scores[410] = 0.7; // escalation 10 points later: the same episode
    scores[520] = 0.9;
    const held = pageScoresByThreshold([{ series: s, scores, firing: new Uint8Array(1000), hold: 50 }], STANDARD, [0.5])[0];
    const unheld = pageScoresByThreshold([{ series: s, scores, firing: new Uint8Array(1000), hold: 0 }], STANDARD, [0.5])[0];
    assert.equal(held?.fp, 1);
    assert.equal(unheld?.fp, 2);
    assert.equal(held?.windowsDetected, 1);
  });

  it("chooses configuration and minimum score on one half and scores the other with them", () => {
    const make = (name: string, hit: number): DetectedSeries => {
      const scores = new Float64Array(1000);
      scores[hit] = 0.8;
      return { series: series(name, 1000, [[500, 549]]), scores, firing: new Uint8Array(1000), hold: 10 };
    };
    const good = [make("a", 500), make("b", 500)];
    const late = [make("a", 600), make("b", 600)];
    const folds = crossValidatePages(
      [
        { label: "late", detected: late },
        { label: "good", detected: good },
      ],
      [new Set(["c/a"]), new Set(["c/b"])],
      STANDARD,
    );
    for (const f of folds) {
      assert.equal(f.chosen, "good");
      assert.equal(f.heldOutScore, 100);
    }
  });
});
