// Turns a detector's raw deviation statistic into a tail probability, honestly for the series at hand: the
// statistic's own recent distribution decides how rare a value is. The body comes from a decayed histogram
// of past values; beyond the data the tail is extrapolated with a generalised Pareto fit over a high running
// quantile (peaks over threshold, as in SPOT, Siffer et al. 2017), so rarity does not stop at 1/n.

/** Decades of tail probability that span the score range: score s ⇔ p = 10^(−5·s); 0.85 ⇔ p ≈ 5.6·10⁻⁵. */
export const SCORE_DECADES = 5;

/** The calibrated anomaly score of a tail probability: −log10(p)/5, clamped to 0..1. */
export function scoreFromTail(p: number): number {
  if (!(p < 1)) return 0;
  if (p <= 0) return 1;
  return Math.min(1, -Math.log10(p) / SCORE_DECADES);
}

/** The tail probability a score stands for (the inverse of scoreFromTail). */
export function tailOfScore(score: number): number {
  return 10 ** (-SCORE_DECADES * score);
}

const BINS = 256;
const LOG_LOW = Math.log(1e-3);
const LOG_HIGH = Math.log(1e6);
const BIN_SCALE = (BINS - 1) / (LOG_HIGH - LOG_LOW);
const EXCEED_LEVEL = 0.05;
const RENORMALISE_AT = 1e150;

/** The persisted form of a TailCalibrator. */
export interface TailCalibratorState {
  n: number;
  /** The histogram's weights as a Fenwick tree (index 0 unused), so restoring is exact. */
  tree: number[];
  weight: number;
  total: number;
  u: number;
  scale: number;
  m1: number;
  m2: number;
  exceedances: number;
}

/** Tuning of a TailCalibrator. */
export interface TailCalibratorOptions {
  /** Samples after which an old sample weighs 1/e as much as the newest (default 10,000). */
  memory?: number;
  /** Samples before it will call anything rare (default 50). */
  warmup?: number;
}

/**
 * Streaming tail probability P(X ≥ x) of a non-negative statistic. `test(x)` answers for x against what came
 * before, then learns x. Bounded state: 256 histogram bins (log-spaced over 10⁻³..10⁶) and a handful of numbers.
 */
export class TailCalibrator {
  private readonly decay: number;
  private readonly warmup: number;
  // Fenwick tree over the bins' weights; each new sample weighs `weight`, which grows instead of old ones shrinking.
  private readonly tree = new Float64Array(BINS + 1);
  private n = 0;
  private weight = 1;
  private total = 0;
  // Peaks over threshold: u tracks the (1 − EXCEED_LEVEL) quantile; m1, m2 the moments of the excess over it.
  private u = 0;
  private scale = 0;
  private m1 = 0;
  private m2 = 0;
  private exceedances = 0;

  constructor(options: TailCalibratorOptions = {}, state?: TailCalibratorState) {
    this.decay = 1 / (options.memory ?? 10_000);
    this.warmup = options.warmup ?? 50;
    if (state) this.restore(state);
  }

  /** Samples seen. */
  get count(): number {
    return this.n;
  }

  /** P(X ≥ x) under the past samples (1 until warmed up), then adds x. */
  test(x: number): number {
    const b = binOf(x);
    const p = this.n < this.warmup ? 1 : this.probability(x, b);
    this.add(x, b);
    return p;
  }

  /** P(X ≥ x) under the past samples, without learning x. */
  peek(x: number): number {
    return this.n < this.warmup ? 1 : this.probability(x, binOf(x));
  }

  private probability(x: number, b: number): number {
    const below = b > 0 ? this.prefix(b - 1) : 0;
    const upTo = this.prefix(b);
    const above = this.total - upTo;
    const empirical = (above + 0.5 * (upTo - below)) / this.total;
    // Fewer than ten recent samples beyond x: the histogram cannot say how rare x is; the fitted tail can.
    if (above / this.weight >= 10) return empirical;
    const fitted = this.paretoTail(x);
    return empirical > 0 ? Math.max(empirical, fitted) : fitted;
  }

  private paretoTail(x: number): number {
    // Below the threshold only the early, thin histogram asks: interpolate between p = 1 at 0 and the level at u.
    if (x <= this.u) return this.u > 0 ? EXCEED_LEVEL ** (x / this.u) : x > 0 ? EXCEED_LEVEL : 1;
    const m = this.m1;
    const variance = Math.max(this.m2 - m * m, 1e-12);
    // Method of moments for the generalised Pareto shape ξ, kept to [0, 0.5]: a bounded tail (ξ < 0) would call
    // anything past the largest excess impossible, which overstates rarity.
    const xi = Math.min(0.5, Math.max(0, 0.5 * (1 - (m * m) / variance)));
    const sigma = 0.5 * m * ((m * m) / variance + 1);
    if (!(sigma > 0)) return 0;
    const e = x - this.u;
    return xi < 1e-6 ? EXCEED_LEVEL * Math.exp(-e / sigma) : EXCEED_LEVEL * (1 + (xi * e) / sigma) ** (-1 / xi);
  }

  private add(x: number, b: number): void {
    this.n++;
    this.weight /= 1 - this.decay;
    if (this.weight > RENORMALISE_AT) this.renormalise();
    for (let i = b + 1; i <= BINS; i += i & -i) this.tree[i] = (this.tree[i] as number) + this.weight;
    this.total += this.weight;

    // Stochastic-approximation quantile: steps scaled by the statistic's running mean, larger while warming up.
    const warm = this.n < 100;
    this.scale += (x - this.scale) * (warm ? 1 / this.n : 0.01);
    this.u += (warm ? 0.05 : 0.01) * this.scale * ((x > this.u ? 1 : 0) - EXCEED_LEVEL);
    if (x > this.u) {
      const e = x - this.u;
      this.exceedances++;
      const a = Math.max(0.005, 1 / this.exceedances);
      this.m1 += (e - this.m1) * a;
      this.m2 += (e * e - this.m2) * a;
    }
  }

  private prefix(b: number): number {
    let s = 0;
    for (let i = b + 1; i > 0; i -= i & -i) s += this.tree[i] as number;
    return s;
  }

  private renormalise(): void {
    for (let i = 0; i < this.tree.length; i++) this.tree[i] = (this.tree[i] as number) / this.weight;
    this.total /= this.weight;
    this.weight = 1;
  }

  /** The persisted form: plain numbers and the histogram. */
  snapshot(): TailCalibratorState {
    return {
      n: this.n,
      tree: Array.from(this.tree),
      weight: this.weight,
      total: this.total,
      u: this.u,
      scale: this.scale,
      m1: this.m1,
      m2: this.m2,
      exceedances: this.exceedances,
    };
  }

  private restore(s: TailCalibratorState): void {
    if (s.tree.length !== BINS + 1) throw new Error(`calibrator state has ${s.tree.length - 1} bins, expected ${BINS}`);
    this.tree.set(s.tree);
    this.n = s.n;
    this.weight = s.weight;
    this.total = s.total;
    this.u = s.u;
    this.scale = s.scale;
    this.m1 = s.m1;
    this.m2 = s.m2;
    this.exceedances = s.exceedances;
  }
}

function binOf(x: number): number {
  if (!(x > 1e-3)) return 0;
  const b = Math.floor((Math.log(x) - LOG_LOW) * BIN_SCALE) + 1;
  return b < BINS ? b : BINS - 1;
}
