// NAB's scoring rules (Lavin & Ahmad 2015; numenta/NAB v1.1 sweeper and optimizer), written from their
// description: each labelled window counts once, by its earliest detection, weighted by a scaled sigmoid of
// where in the window it came; every detection outside a window costs the profile's fpWeight, scaled by the
// same sigmoid of its distance past the preceding window (full cost before the first window); an undetected
// window costs fnWeight. The first 15% of each file (at most 750 points) is a probation period and is not
// scored. One threshold for the whole corpus, the one that maximises the summed score, per profile.

/** A NAB application profile's weights. */
export interface CostMatrix {
  readonly tpWeight: number;
  readonly fpWeight: number;
  readonly fnWeight: number;
}

/** One data file with its labelled anomaly windows as inclusive point indices, in time order. */
export interface LabelledSeries {
  readonly name: string;
  readonly length: number;
  readonly windows: ReadonlyArray<readonly [start: number, end: number]>;
}

/** A series' anomaly scores (one per point, 0..1) beside its labels. */
export interface ScoredSeries {
  readonly series: LabelledSeries;
  readonly scores: ArrayLike<number>;
}

/** Detections and their summed weighted score at one threshold. */
export interface ThresholdScore {
  readonly threshold: number;
  readonly score: number;
  readonly tp: number;
  readonly fp: number;
  readonly windowsDetected: number;
}

const PROBATION_PERCENT = 0.15;
/** `sweep` marks a point of the probation period with this window number, and a point outside every window with OUTSIDE. */
export const PROBATION = -2;
export const OUTSIDE = -1;

/** NAB's probation length: 15% of the file, at most 15% of 5,000 points. */
export function probationLength(length: number): number {
  return Math.min(Math.floor(PROBATION_PERCENT * length), PROBATION_PERCENT * 5000);
}

/** NAB's scaled sigmoid: 2·σ(−5x) − 1, and exactly −1 from x = 3 on (far past a window). */
export function scaledSigmoid(x: number): number {
  if (x >= 3) return -1;
  return 2 / (1 + Math.exp(5 * x)) - 1;
}

const MAX_TP = scaledSigmoid(-1);

interface Sweep {
  /** The weighted score of a detection at each point. */
  readonly weight: Float64Array;
  /** The window (numbered from `firstWindow`) each point lies in, OUTSIDE, or PROBATION. */
  readonly window: Int32Array;
}

/** What a detection at each point of the series would be worth under a profile. */
export function sweep(series: LabelledSeries, cost: CostMatrix, firstWindow = 0): Sweep {
  const n = series.length;
  const weight = new Float64Array(n);
  const window = new Int32Array(n);
  const probation = probationLength(n);
  let w = 0;
  let prevEnd = -1;
  let prevWidth = 0;
  for (let i = 0; i < n; i++) {
    const current = series.windows[w];
    if (current && i >= current[0] && i <= current[1]) {
      const width = current[1] - current[0] + 1;
      weight[i] = (scaledSigmoid(-(current[1] - i + 1) / width) * cost.tpWeight) / MAX_TP;
      window[i] = firstWindow + w;
      if (i === current[1]) {
        prevEnd = i;
        prevWidth = width;
        w++;
      }
    } else {
      // A one-point window has no width to scale by: NAB divides by zero there; treat it as far past.
      const past = prevEnd < 0 || prevWidth <= 1 ? 3 : Math.abs(i - prevEnd) / (prevWidth - 1);
      weight[i] = scaledSigmoid(past) * cost.fpWeight;
      window[i] = OUTSIDE;
    }
    if (i < probation) {
      if (window[i] !== OUTSIDE) throw new Error(`${series.name}: a labelled window starts inside the probation period`);
      window[i] = PROBATION;
    }
  }
  return { weight, window };
}

/**
 * Every threshold's corpus score, highest threshold first, starting with one above every score (nothing
 * detected). A point is a detection when its score is at or above the threshold.
 */
export function scoresByThreshold(corpus: readonly ScoredSeries[], cost: CostMatrix): ThresholdScore[] {
  let total = 0;
  for (const s of corpus) total += s.series.length;
  const score = new Float64Array(total);
  const weight = new Float64Array(total);
  const window = new Int32Array(total);
  let k = 0;
  let windows = 0;
  for (const s of corpus) {
    if (s.scores.length !== s.series.length) {
      throw new Error(`${s.series.name}: ${s.scores.length} scores for ${s.series.length} points`);
    }
    const sw = sweep(s.series, cost, windows);
    windows += s.series.windows.length;
    for (let i = 0; i < s.series.length; i++) {
      if (sw.window[i] === PROBATION) continue;
      score[k] = s.scores[i] as number;
      weight[k] = sw.weight[i] as number;
      window[k] = sw.window[i] as number;
      k++;
    }
  }
  const order = new Uint32Array(k);
  for (let i = 0; i < k; i++) order[i] = i;
  order.sort((a, b) => (score[b] as number) - (score[a] as number));

  const best = new Float64Array(windows).fill(-cost.fnWeight);
  let sum = -cost.fnWeight * windows;
  let tp = 0;
  let fp = 0;
  let detected = 0;
  const out: ThresholdScore[] = [{ threshold: 1.1, score: sum, tp, fp, windowsDetected: 0 }];
  for (let j = 0; j < k; ) {
    const t = score[order[j] as number] as number;
    while (j < k && score[order[j] as number] === t) {
      const p = order[j] as number;
      const win = window[p] as number;
      const wt = weight[p] as number;
      if (win === OUTSIDE) {
        sum += wt;
        fp++;
      } else {
        const was = best[win] as number;
        if (was === -cost.fnWeight) detected++;
        if (wt > was) {
          sum += wt - was;
          best[win] = wt;
        }
        tp++;
      }
      j++;
    }
    out.push({ threshold: t, score: sum, tp, fp, windowsDetected: detected });
  }
  return out;
}

/** NAB's choice: the threshold with the highest corpus score (the highest such threshold on a tie). */
export function optimiseThreshold(corpus: readonly ScoredSeries[], cost: CostMatrix): ThresholdScore {
  let best: ThresholdScore | undefined;
  for (const row of scoresByThreshold(corpus, cost)) if (!best || row.score > best.score) best = row;
  if (!best) throw new Error("empty corpus");
  return best;
}

/**
 * NAB's tally of one series' detections: each window counts its best-weighted detection once (a miss costs
 * fnWeight), each detection outside every window adds its (negative) weight, probation counts nothing.
 */
export class DetectionTally {
  private readonly best: Float64Array;
  private sum: number;
  private tp = 0;
  private fp = 0;

  constructor(
    windows: number,
    private readonly cost: CostMatrix,
  ) {
    this.best = new Float64Array(windows).fill(-cost.fnWeight);
    this.sum = -cost.fnWeight * windows;
  }

  /** One detection at a point of window `win` (or OUTSIDE / PROBATION) whose sweep weight is `wt`. */
  add(win: number, wt: number): void {
    if (win === PROBATION) return;
    if (win === OUTSIDE) {
      this.sum += wt;
      this.fp++;
      return;
    }
    this.tp++;
    const was = this.best[win] as number;
    if (wt > was) {
      this.sum += wt - was;
      this.best[win] = wt;
    }
  }

  result(threshold: number): ThresholdScore {
    let detected = 0;
    for (const b of this.best) if (b !== -this.cost.fnWeight) detected++;
    return { threshold, score: this.sum, tp: this.tp, fp: this.fp, windowsDetected: detected };
  }
}

/** The score of one series when everything at or above `threshold` is a detection. */
export function scoreAtThreshold(scored: ScoredSeries, cost: CostMatrix, threshold: number): ThresholdScore {
  const sw = sweep(scored.series, cost);
  const tally = new DetectionTally(scored.series.windows.length, cost);
  for (let i = 0; i < scored.series.length; i++) {
    if ((scored.scores[i] as number) >= threshold) tally.add(sw.window[i] as number, sw.weight[i] as number);
  }
  return tally.result(threshold);
}

/**
 * NAB's normalised score: 100·(raw − null)/(perfect − null), where null is the optimised score of a detector
 * that always says 0.5 and perfect detects every window at its left edge with no false positive.
 */
export function normalisedScore(corpus: readonly ScoredSeries[], cost: CostMatrix, raw: number): number {
  const nullCorpus = corpus.map((s) => ({ series: s.series, scores: new Float64Array(s.series.length).fill(0.5) }));
  const nullScore = optimiseThreshold(nullCorpus, cost).score;
  let windows = 0;
  for (const s of corpus) windows += s.series.windows.length;
  const perfect = windows * cost.tpWeight;
  return (100 * (raw - nullScore)) / (perfect - nullScore);
}
