import { seededRandom } from "../../core/seeded-random.ts";
// NAB evaluation on top of the scoring rules: every profile's normalised score with its own optimised
// threshold, and a two-fold cross-validation that chooses the configuration and threshold on one half of the
// series and scores the other half with them.
import type { NabSeries } from "./nab-corpus.ts";
import {
  type CostMatrix,
  normalisedScore,
  optimiseThreshold,
  type ScoredSeries,
  scoreAtThreshold,
  type ThresholdScore,
} from "./nab-score.ts";

/** One profile's result: NAB's normalised score and what the optimiser chose. */
export interface ProfileResult {
  readonly profile: string;
  readonly score: number;
  readonly best: ThresholdScore;
}

/** Every profile's normalised score, each at its own corpus-optimised threshold (NAB's procedure). */
export function scoreProfiles(scored: readonly ScoredSeries[], profiles: Record<string, CostMatrix>): ProfileResult[] {
  return Object.entries(profiles).map(([profile, cost]) => {
    const best = optimiseThreshold(scored, cost);
    return { profile, score: normalisedScore(scored, cost, best.score), best };
  });
}

/** Two halves of the corpus: within each category, the series in name order alternate between them. */
export function splitHalves(series: readonly NabSeries[]): [Set<string>, Set<string>] {
  const byCategory = new Map<string, string[]>();
  for (const s of series) byCategory.set(s.category, [...(byCategory.get(s.category) ?? []), s.name]);
  const halves: [Set<string>, Set<string>] = [new Set(), new Set()];
  let k = 0;
  for (const category of [...byCategory.keys()].sort()) {
    for (const name of (byCategory.get(category) ?? []).sort()) halves[k++ % 2]?.add(name);
  }
  return halves;
}

/**
 * Another two-way split for repeated cross-validation: within each category the series are shuffled (seeded, so
 * every run draws the same splits) and then alternate between the halves as in splitHalves. One split's held-out
 * score depends on which series fall together; the mean over many splits does not.
 */
export function shuffledHalves(series: readonly NabSeries[], seed: number): [Set<string>, Set<string>] {
  const random = seededRandom(seed);
  const byCategory = new Map<string, string[]>();
  for (const s of series) byCategory.set(s.category, [...(byCategory.get(s.category) ?? []), s.name]);
  const halves: [Set<string>, Set<string>] = [new Set(), new Set()];
  // Which half a category's first series joins is drawn too, so odd-sized categories do not always favour one half.
  let k = random() < 0.5 ? 0 : 1;
  for (const category of [...byCategory.keys()].sort()) {
    const names = (byCategory.get(category) ?? []).sort();
    for (let i = names.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [names[i], names[j]] = [names[j] as string, names[i] as string];
    }
    for (const name of names) halves[k++ % 2]?.add(name);
  }
  return halves;
}

/** One fold: what was chosen on the training half and how it scored there and on the held-out half. */
export interface Fold {
  readonly chosen: string;
  readonly threshold: number;
  readonly trainScore: number;
  readonly heldOutScore: number;
}

/**
 * Chooses, on each half, the configuration (of `candidates`, already run over every series) and threshold with
 * the best normalised score, then scores the other half with both, unchanged.
 */
export function crossValidate(
  candidates: ReadonlyArray<{ label: string; scored: readonly ScoredSeries[] }>,
  halves: [Set<string>, Set<string>],
  cost: CostMatrix,
): [Fold, Fold] {
  const fold = (train: Set<string>, test: Set<string>): Fold => {
    let best: { label: string; threshold: number; score: number; index: number } | undefined;
    candidates.forEach((c, index) => {
      const part = c.scored.filter((s) => train.has(s.series.name));
      const o = optimiseThreshold(part, cost);
      const score = normalisedScore(part, cost, o.score);
      if (!best || score > best.score) best = { label: c.label, threshold: o.threshold, score, index };
    });
    if (!best) throw new Error("no candidate configurations");
    const held = (candidates[best.index]?.scored ?? []).filter((s) => test.has(s.series.name));
    let raw = 0;
    for (const s of held) raw += scoreAtThreshold(s, cost, best.threshold).score;
    return {
      chosen: best.label,
      threshold: best.threshold,
      trainScore: best.score,
      heldOutScore: normalisedScore(held, cost, raw),
    };
  };
  return [fold(halves[0], halves[1]), fold(halves[1], halves[0])];
}
