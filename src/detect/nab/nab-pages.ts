// NAB scores of what Sluice pages rather than of every point's score: a rule with minimum score m opens one
// episode when a score reaches m and keeps it while the detector fires, the score holds m, or fewer than the
// detector's hold of evaluations in a row have scored below it (src/detect/episode.ts). Each episode's onset is a
// detection; the rest of the episode is not. NAB's optimiser then chooses m as it chooses a threshold, and the
// two-fold cross-validation chooses configuration and m on one half and scores the other half with them.
import type { NabSeries } from "./nab-corpus.ts";
import { type CostMatrix, DetectionTally, normalisedScore, sweep, type ThresholdScore } from "./nab-score.ts";

/** A series' detections as the rule runner sees them: each point's score and the detector's firing flag. */
export interface DetectedSeries {
  readonly series: NabSeries;
  readonly scores: ArrayLike<number>;
  readonly firing: ArrayLike<number>;
  /** The detector's `holdEvaluations` (0 when it has none). */
  readonly hold: number;
}

/** The minimum scores NAB's optimiser tries for pages: 0.1 to 1 in steps of 0.0025. */
export const PAGE_THRESHOLDS: readonly number[] = Array.from(
  { length: 361 },
  (_, k) => Math.round((0.1 + k * 0.0025) * 1e4) / 1e4,
);

/** The points at which an episode begins (advanceEpisode with this minimum score and hold), as 1s. */
export function pageOnsets(d: Pick<DetectedSeries, "scores" | "firing" | "hold">, minimumScore: number): Uint8Array {
  const out = new Uint8Array(d.scores.length);
  let open = false;
  let quiet = 0;
  for (let i = 0; i < out.length; i++) {
    const reached = (d.scores[i] as number) >= minimumScore;
    quiet = reached ? 0 : quiet + 1;
    if (!open) {
      if (reached) {
        out[i] = 1;
        open = true;
      }
    } else if (!(d.firing[i] || reached || quiet < d.hold)) open = false;
  }
  return out;
}

/** Per series, what NAB's sweep needs at the few points that can matter (a score of at least `floor`, or firing). */
interface Prepared {
  readonly index: Int32Array;
  readonly score: Float64Array;
  readonly firing: Uint8Array;
  readonly weight: Float64Array;
  readonly window: Int32Array;
  readonly windows: number;
  readonly hold: number;
}

function prepare(d: DetectedSeries, cost: CostMatrix, floor: number): Prepared {
  const sw = sweep(d.series, cost);
  const keep: number[] = [];
  for (let i = 0; i < d.scores.length; i++) if ((d.scores[i] as number) >= floor || d.firing[i]) keep.push(i);
  return {
    index: Int32Array.from(keep),
    score: Float64Array.from(keep, (i) => d.scores[i] as number),
    firing: Uint8Array.from(keep, (i) => (d.firing[i] ? 1 : 0)),
    weight: Float64Array.from(keep, (i) => sw.weight[i] as number),
    window: Int32Array.from(keep, (i) => sw.window[i] as number),
    windows: d.series.windows.length,
    hold: d.hold,
  };
}

/** One series' NAB score when its episode onsets at `minimumScore` are the detections (same result as pageOnsets). */
function scorePrepared(p: Prepared, cost: CostMatrix, minimumScore: number): ThresholdScore {
  const tally = new DetectionTally(p.windows, cost);
  let open = false;
  let quiet = 0;
  let previous = -1;
  for (let k = 0; k < p.index.length; k++) {
    const i = p.index[k] as number;
    // Points skipped since the previous kept one scored below the floor and did not fire: each is quiet.
    const gap = i - previous - 1;
    if (gap > 0) {
      quiet += gap;
      if (open && quiet >= p.hold) open = false;
    }
    previous = i;
    const reached = (p.score[k] as number) >= minimumScore;
    quiet = reached ? 0 : quiet + 1;
    if (open) {
      if (!(p.firing[k] || reached || quiet < p.hold)) open = false;
      continue;
    }
    if (!reached) continue;
    open = true;
    tally.add(p.window[k] as number, p.weight[k] as number);
  }
  return tally.result(minimumScore);
}

/** Every candidate minimum score's corpus score of pages, in the order of `thresholds`. */
export function pageScoresByThreshold(
  corpus: readonly DetectedSeries[],
  cost: CostMatrix,
  thresholds: readonly number[] = PAGE_THRESHOLDS,
): ThresholdScore[] {
  const floor = Math.min(...thresholds);
  const prepared = corpus.map((d) => prepare(d, cost, floor));
  return thresholds.map((t) => {
    let score = 0;
    let tp = 0;
    let fp = 0;
    let windowsDetected = 0;
    for (const p of prepared) {
      const r = scorePrepared(p, cost, t);
      score += r.score;
      tp += r.tp;
      fp += r.fp;
      windowsDetected += r.windowsDetected;
    }
    return { threshold: t, score, tp, fp, windowsDetected };
  });
}

/** NAB's optimiser for pages: the minimum score with the best corpus score (the highest such on a tie). */
export function optimisePages(corpus: readonly DetectedSeries[], cost: CostMatrix, thresholds = PAGE_THRESHOLDS): ThresholdScore {
  let best: ThresholdScore | undefined;
  for (const row of pageScoresByThreshold(corpus, cost, thresholds)) if (!best || row.score >= best.score) best = row;
  if (!best) throw new Error("no thresholds");
  return best;
}

/** NAB's normalised score of pages at the optimised minimum score, per profile. */
export function pageProfiles(
  corpus: readonly DetectedSeries[],
  profiles: Record<string, CostMatrix>,
): { profile: string; score: number; best: ThresholdScore }[] {
  return Object.entries(profiles).map(([profile, cost]) => {
    const best = optimisePages(corpus, cost);
    return { profile, score: normalisedScore(asScored(corpus), cost, best.score), best };
  });
}

/** One fold of the cross-validation of pages. */
export interface PageFold {
  readonly chosen: string;
  readonly threshold: number;
  readonly trainScore: number;
  readonly heldOutScore: number;
}

/** As crossValidate, for pages: configuration and minimum score chosen on one half, the other half scored with both. */
export function crossValidatePages(
  candidates: ReadonlyArray<{ label: string; detected: readonly DetectedSeries[] }>,
  halves: [Set<string>, Set<string>],
  cost: CostMatrix,
): [PageFold, PageFold] {
  const fold = (train: Set<string>, test: Set<string>): PageFold => {
    let best: { label: string; threshold: number; score: number; index: number } | undefined;
    candidates.forEach((c, index) => {
      const part = c.detected.filter((d) => train.has(d.series.name));
      const o = optimisePages(part, cost);
      const score = normalisedScore(asScored(part), cost, o.score);
      if (!best || score > best.score) best = { label: c.label, threshold: o.threshold, score, index };
    });
    if (!best) throw new Error("no candidate configurations");
    const held = (candidates[best.index]?.detected ?? []).filter((d) => test.has(d.series.name));
    const [raw] = pageScoresByThreshold(held, cost, [best.threshold]);
    return {
      chosen: best.label,
      threshold: best.threshold,
      trainScore: best.score,
      heldOutScore: normalisedScore(asScored(held), cost, raw?.score ?? 0),
    };
  };
  return [fold(halves[0], halves[1]), fold(halves[1], halves[0])];
}

// normalisedScore only reads the series' labels and lengths.
const asScored = (corpus: readonly DetectedSeries[]) => corpus.map((d) => ({ series: d.series, scores: d.scores }));
