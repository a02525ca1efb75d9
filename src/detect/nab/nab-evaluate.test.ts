import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NabSeries } from "./nab-corpus.ts";
import { crossValidate, scoreProfiles, shuffledHalves, splitHalves } from "./nab-evaluate.ts";
import type { ScoredSeries } from "./nab-score.ts";

const STANDARD = { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 };

function series(category: string, name: string): NabSeries {
  const length = 200;
  return {
    category,
    name: `${category}/${name}`,
    length,
    windows: [[100, 119]],
    times: new Float64Array(length),
    values: new Float64Array(length),
  };
}

const CORPUS = [series("b", "x"), series("a", "2"), series("a", "1"), series("b", "y"), series("a", "3")];

/** A detector that finds every window at its left edge, or one that never finds anything. */
const perfect = (s: NabSeries) => Float64Array.from({ length: s.length }, (_, i) => (i === 100 ? 1 : 0));
const blind = (s: NabSeries) => new Float64Array(s.length);

describe("NAB evaluation", () => {
  it("splits each category's series alternately, so both halves see every category", () => {
    const [a, b] = splitHalves(CORPUS);
    assert.deepEqual([...a], ["a/1", "a/3", "b/y"]);
    assert.deepEqual([...b], ["a/2", "b/x"]);
  });

  it("draws other splits from a seed: the same seed the same split, each category shared out evenly", () => {
    const many = ["a", "b", "c"].flatMap((c) => Array.from({ length: 7 }, (_, i) => series(c, `s${i}`)));
    const seen = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      const [a, b] = shuffledHalves(many, seed);
      assert.deepEqual(shuffledHalves(many, seed), [a, b]);
      assert.equal(a.size + b.size, many.length);
      assert.ok(Math.abs(a.size - b.size) <= 1);
      for (const c of ["a", "b", "c"]) {
        const inA = [...a].filter((n) => n.startsWith(`${c}/`)).length;
        assert.ok(inA === 3 || inA === 4, `category ${c} has ${inA} of 7 in one half`);
      }
      seen.add([...a].sort().join(","));
    }
    assert.ok(seen.size > 15, `only ${seen.size} distinct splits from 20 seeds`);
  });

  it("scores each profile at its own threshold", () => {
    const scored: ScoredSeries[] = CORPUS.map((s) => ({ series: s, scores: perfect(s) }));
    const [r] = scoreProfiles(scored, { standard: STANDARD });
    assert.equal(r?.profile, "standard");
    assert.equal(r?.score, 100);
    assert.equal(r?.best.threshold, 1);
  });

  it("chooses on one half and scores the other with the same configuration and threshold", () => {
    const candidates = [
      { label: "blind", scored: CORPUS.map((s) => ({ series: s, scores: blind(s) })) },
      { label: "perfect", scored: CORPUS.map((s) => ({ series: s, scores: perfect(s) })) },
    ];
    const folds = crossValidate(candidates, splitHalves(CORPUS), STANDARD);
    for (const f of folds) {
      assert.equal(f.chosen, "perfect");
      assert.equal(f.heldOutScore, 100);
    }
    // A threshold learned on one half is used as it is on the other, even where it fits badly there.
    const skewed = CORPUS.map((s) => ({ series: s, scores: s.category === "a" ? perfect(s) : perfect(s).map((v) => v * 0.5) }));
    const [first] = crossValidate(
      [{ label: "skewed", scored: skewed }],
      [new Set(["a/1", "a/2"]), new Set(["a/3", "b/x", "b/y"])],
      STANDARD,
    );
    assert.equal(first?.threshold, 1);
    assert.ok((first?.heldOutScore as number) < 50);
  });
});
