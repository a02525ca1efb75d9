// The streaming contextual-anomaly detector: several views of the same series, each turned into an honest
// tail probability by its own calibrator, so that one threshold means the same on every series.
//   spike   |x − level| in units of the recent absolute deviation (EWMA level and deviation)
//   season  |x − median of this hour of day| in units of that hour's spread (robust: median and quartiles),
//           the spread no narrower than a share of the spread pooled over all hours while the hour holds few values
//   level   how far the mean of the last `window` points sits from the long-run mean, in long-run σ
//   spread  |log(σ of the last `window` points / long-run σ)|: the series got noisier or went flat
//   density spikes (spike > 3) in the last `spikeWindow` points beyond the long-run rate, in Poisson σ
//   range   a value beyond everything seen so far, by `rangeTolerance` of the range: p ≤ 1/n for n points
// The smallest p, times the number of views (Bonferroni), is the evidence. A point scores only when its
// evidence beats every point of the last `episode` points: one alert per episode, a new one only when it
// escalates; and nothing scores before `baselineMemory` points have been seen. The score is −log10(p)/5
// (calibration/tail-calibrator.ts).
import { SlotWindow } from "../baseline/slot-window.ts";
import { scoreFromTail, TailCalibrator, type TailCalibratorState } from "../calibration/tail-calibrator.ts";
import { type Detection, FIRING_SCORE, formatValue, type SeriesDetector } from "../detection.ts";

/** Tuning of the contextual detector; every length is in points. The defaults are the NAB configuration. */
export interface ContextualOptions {
  /** Memory of the level and deviation the spike view compares with, and the points before anything scores (default 250). */
  baselineMemory?: number;
  /** Memory of the long-run mean, σ and spike rate (default 500). */
  longMemory?: number;
  /** Points in the level and spread views' window (default 24). */
  window?: number;
  /** Points in the spike-density view's window (default 48). */
  spikeWindow?: number;
  /** Values kept per hour of day for the season view (default 24). */
  seasonHistory?: number;
  /** Values an hour of day needs before the season view speaks (default 2). */
  minSeasonHistory?: number;
  /** How far beyond the seen range, as a fraction of it, counts as new ground (default 0.02). */
  rangeTolerance?: number;
  /** Points whose evidence a new alert must beat; also the hold of a rule's episode at its own minimum score (default 50). */
  episode?: number;
  /** Memory of each view's calibrator (default 10,000). */
  calibrationMemory?: number;
}

const DEFAULTS: Required<ContextualOptions> = {
  baselineMemory: 250,
  longMemory: 500,
  window: 24,
  spikeWindow: 48,
  seasonHistory: 24,
  minSeasonHistory: 2,
  rangeTolerance: 0.02,
  episode: 50,
  calibrationMemory: 10_000,
};

const VIEWS = ["spike", "season", "level", "spread", "density"] as const;
const TESTS = VIEWS.length + 1;
const SPIKE_Z = 3;
const HOUR_MS = 3_600_000;
const CALM_SCORE = 0.5;
// While an hour holds few values its spread is at least SEASON_PRIOR / (count + SEASON_PRIOR) of the spread
// pooled over all hours: the quartiles of a handful of values are often far too narrow by chance, which made
// the season view's first days noisy (and its `minSeasonHistory` a knob that flipped between halves of NAB).
// The floor fades as the hour's own history grows, so an hour that really is calm keeps its full sensitivity,
// and the view can speak from an hour's second value.
const SEASON_PRIOR = 6;

/** The persisted form of a ContextualDetector. */
export interface ContextualState {
  n: number;
  mean: number;
  dev: number;
  longMean: number;
  longVar: number;
  spikeRate: number;
  /** The per-hour spread pooled over all hours (absent in states written before it existed). */
  seasonSpread?: number;
  low: number | null;
  high: number | null;
  recent: number[];
  spikes: number[];
  evidence: number[];
  calm: number;
  firing: boolean;
  season: number[][];
  calibrators: TailCalibratorState[];
}

/** The streaming contextual-anomaly detector (see the file's head comment and docs/detection.md). */
export class ContextualDetector implements SeriesDetector<ContextualState> {
  readonly kind = "contextual";
  /** A rule's episode lasts `episode` points past its last score at the rule's minimum, as `firing` does. */
  readonly holdEvaluations: number;
  private readonly o: Required<ContextualOptions>;
  private readonly calibrators: TailCalibrator[];
  private readonly season: SlotWindow;
  private readonly recent: Float64Array;
  private readonly spikes: Uint8Array;
  private readonly evidence: Float64Array;
  private n = 0;
  private mean = 0;
  private dev = 0;
  private longMean = 0;
  private longVar = 0;
  private spikeRate = 0;
  private seasonSpread = 0;
  private low = Number.POSITIVE_INFINITY;
  private high = Number.NEGATIVE_INFINITY;
  private sum = 0;
  private sumSq = 0;
  private spikeCount = 0;
  private calm = 0;
  private firing = false;
  private readonly raw = new Float64Array(VIEWS.length);
  private readonly ready = new Uint8Array(VIEWS.length);

  constructor(options: ContextualOptions = {}, state?: ContextualState) {
    this.o = { ...DEFAULTS, ...stripUndefined(options) };
    for (const [k, v] of Object.entries(this.o)) {
      if (!(Number.isFinite(v) && v > 0)) throw new Error(`contextual: ${k} must be a positive number, got ${v}`);
    }
    this.holdEvaluations = this.o.episode;
    const memory = { memory: this.o.calibrationMemory };
    this.calibrators = state
      ? state.calibrators.map((c) => new TailCalibrator(memory, c))
      : VIEWS.map(() => new TailCalibrator(memory));
    this.season = new SlotWindow(24, this.o.seasonHistory, state?.season);
    this.recent = new Float64Array(this.o.window);
    this.spikes = new Uint8Array(this.o.spikeWindow);
    this.evidence = new Float64Array(this.o.episode);
    if (state) this.restore(state);
  }

  update(time: number, x: number): Detection {
    const o = this.o;
    const n = ++this.n;
    const raw = this.raw;
    const ready = this.ready;
    if (n === 1) {
      this.mean = x;
      this.longMean = x;
    }

    const r = x - this.mean;
    const z = this.dev > 0 ? Math.abs(r) / this.dev : 0;
    raw[0] = z;

    const hour = Math.floor((((time / HOUR_MS) % 24) + 24) % 24);
    const inHour = this.season.count(hour);
    let hourMedian = Number.NaN;
    if (inHour >= o.minSeasonHistory) {
      hourMedian = this.season.quantile(hour, 0.5);
      const own = (this.season.quantile(hour, 0.75) - this.season.quantile(hour, 0.25)) / 2;
      const pooled = this.seasonSpread;
      const spread = shrunkSpread(own, inHour, pooled);
      this.seasonSpread = pooled === 0 ? own : pooled + (own - pooled) * Math.max(1 / o.longMemory, 1 / n);
      raw[1] = Math.abs(x - hourMedian) / Math.max(spread, 0.1 * this.dev, 1e-9);
    } else raw[1] = 0;

    const w = o.window;
    const slot = (n - 1) % w;
    const old = n > w ? (this.recent[slot] as number) : 0;
    this.recent[slot] = x;
    this.sum += x - old;
    this.sumSq += x * x - old * old;
    // Running sums drift; recompute them exactly once per window.
    if (slot === w - 1) this.resum();
    const m = Math.min(n, w);
    const windowMean = this.sum / m;
    const windowSd = Math.sqrt(Math.max(this.sumSq / m - windowMean * windowMean, 0));
    const longSd = Math.sqrt(this.longVar) + 1e-9;
    raw[2] = n > w ? Math.abs(windowMean - this.longMean) / longSd : 0;
    raw[3] = n > w ? Math.abs(Math.log((windowSd + 0.01 * longSd) / longSd)) : 0;

    const W = o.spikeWindow;
    const spike = z > SPIKE_Z ? 1 : 0;
    const sSlot = (n - 1) % W;
    this.spikeCount += spike - (n > W ? (this.spikes[sSlot] as number) : 0);
    this.spikes[sSlot] = spike;
    const expected = this.spikeRate * W;
    raw[4] = n > W ? Math.max(0, this.spikeCount - expected) / Math.sqrt(expected + 1) : 0;

    // A view that cannot speak yet (too little history) is left out, and its calibrator does not learn the
    // placeholder: a run of zeros would make the view's first real value look impossibly rare.
    ready[0] = n > 1 ? 1 : 0;
    ready[1] = inHour >= o.minSeasonHistory ? 1 : 0;
    ready[2] = ready[3] = n > w ? 1 : 0;
    ready[4] = n > W ? 1 : 0;
    let p = 1;
    let strongest = -1;
    for (let v = 0; v < VIEWS.length; v++) {
      if (!ready[v]) continue;
      const pv = (this.calibrators[v] as TailCalibrator).test(raw[v] as number);
      if (pv < p) {
        p = pv;
        strongest = v;
      }
    }
    const tolerance = (this.high - this.low) * o.rangeTolerance;
    if (n > 50 && this.high > this.low && (x > this.high + tolerance || x < this.low - tolerance) && 1 / n < p) {
      p = 1 / n;
      strongest = VIEWS.length;
    }
    const evidence = scoreFromTail(Math.min(1, p * TESTS));

    let beaten = 0;
    for (let k = 0; k < this.evidence.length && k < n - 1; k++) beaten = Math.max(beaten, this.evidence[k] as number);
    this.evidence[(n - 1) % o.episode] = evidence;
    // Nothing is news before the recent baseline has filled once: the views are still learning what normal is.
    const score = evidence > beaten && n > o.baselineMemory ? evidence : 0;

    if (score >= FIRING_SCORE) {
      this.firing = true;
      this.calm = 0;
    } else if (this.firing) {
      this.calm = evidence < CALM_SCORE ? this.calm + 1 : 0;
      if (this.calm >= o.episode) this.firing = false;
    }

    const detection = this.describe(time, x, score, evidence, strongest, hourMedian, hour, windowMean);

    if (x > this.high) this.high = x;
    if (x < this.low) this.low = x;
    this.season.add(hour, x);
    const a = Math.max(1 / o.baselineMemory, 1 / n);
    this.mean += a * r;
    this.dev += (Math.abs(r) - this.dev) * a;
    const la = Math.max(1 / o.longMemory, 1 / n);
    const d = x - this.longMean;
    this.longMean += la * d;
    this.longVar = (1 - la) * (this.longVar + la * d * d);
    this.spikeRate += (spike - this.spikeRate) * la;
    return detection;
  }

  private describe(
    time: number,
    x: number,
    score: number,
    evidence: number,
    strongest: number,
    hourMedian: number,
    hour: number,
    windowMean: number,
  ): Detection {
    const base = { time, score, firing: this.firing, value: x };
    if (this.n <= this.o.baselineMemory) {
      return { ...base, baseline: this.mean, reason: `learning what is usual (${this.n} of ${this.o.baselineMemory} points)` };
    }
    if (evidence < CALM_SCORE || strongest < 0) {
      return { ...base, baseline: this.mean, reason: "within its usual behaviour" };
    }
    const p = evidence >= 1 ? "p≤1e-5" : `p≈${(10 ** (-5 * evidence)).toExponential(0)}`;
    const again = score === 0 ? "; part of an episode already reported" : "";
    const raw = this.raw[Math.min(strongest, VIEWS.length - 1)] as number;
    switch (VIEWS[strongest]) {
      case "spike":
        return {
          ...base,
          baseline: this.mean,
          deviation: raw,
          reason: `${formatValue(x)} is ${formatValue(raw)} deviations from its recent level ${formatValue(this.mean)} (${p})${again}`,
        };
      case "season":
        return {
          ...base,
          baseline: hourMedian,
          deviation: raw,
          reason: `${formatValue(x)} against a usual ${formatValue(hourMedian)} at ${hour}:00 UTC, ${formatValue(raw)} spreads off (${p})${again}`,
        };
      case "level":
        return {
          ...base,
          baseline: this.longMean,
          deviation: raw,
          reason: `the last ${this.o.window} points average ${formatValue(windowMean)} against a long-run ${formatValue(this.longMean)}, ${formatValue(raw)}σ off (${p})${again}`,
        };
      case "spread":
        return {
          ...base,
          baseline: this.longMean,
          deviation: raw,
          reason: `the last ${this.o.window} points vary ${formatValue(Math.exp(raw))}× ${raw > 0 ? "more or less" : "as much"} than usual (${p})${again}`,
        };
      case "density":
        return {
          ...base,
          baseline: this.spikeRate * this.o.spikeWindow,
          deviation: raw,
          reason: `${this.spikeCount} spikes in the last ${this.o.spikeWindow} points against about ${formatValue(this.spikeRate * this.o.spikeWindow)} usually (${p})${again}`,
        };
      default:
        return {
          ...base,
          baseline: x > this.high ? this.high : this.low,
          reason: `${formatValue(x)} is beyond everything seen in ${this.n - 1} points (${formatValue(this.low)}..${formatValue(this.high)}) (${p})${again}`,
        };
    }
  }

  private resum(): void {
    let s = 0;
    let s2 = 0;
    for (const v of this.recent) {
      s += v;
      s2 += v * v;
    }
    this.sum = s;
    this.sumSq = s2;
  }

  snapshot(): ContextualState {
    const ordered = <T extends ArrayLike<number>>(ring: T, filled: number): number[] => {
      const len = ring.length;
      const count = Math.min(filled, len);
      const start = filled > len ? filled % len : 0;
      const out: number[] = [];
      for (let k = 0; k < count; k++) out.push(ring[(start + k) % len] as number);
      return out;
    };
    return {
      n: this.n,
      mean: this.mean,
      dev: this.dev,
      longMean: this.longMean,
      longVar: this.longVar,
      spikeRate: this.spikeRate,
      seasonSpread: this.seasonSpread,
      low: Number.isFinite(this.low) ? this.low : null,
      high: Number.isFinite(this.high) ? this.high : null,
      recent: ordered(this.recent, this.n),
      spikes: ordered(this.spikes, this.n),
      evidence: ordered(this.evidence, this.n),
      calm: this.calm,
      firing: this.firing,
      season: this.season.snapshot(),
      calibrators: this.calibrators.map((c) => c.snapshot()),
    };
  }

  private restore(s: ContextualState): void {
    if (s.calibrators.length !== VIEWS.length) throw new Error(`contextual: state has ${s.calibrators.length} calibrators`);
    this.n = s.n;
    this.mean = s.mean;
    this.dev = s.dev;
    this.longMean = s.longMean;
    this.longVar = s.longVar;
    this.spikeRate = s.spikeRate;
    this.seasonSpread = s.seasonSpread ?? 0;
    this.low = s.low ?? Number.POSITIVE_INFINITY;
    this.high = s.high ?? Number.NEGATIVE_INFINITY;
    this.calm = s.calm;
    this.firing = s.firing;
    // Rings are stored oldest first; put each value back at the slot its point number gives it.
    const place = (ring: Float64Array | Uint8Array, values: number[]) => {
      const first = this.n - values.length;
      values.forEach((v, k) => {
        ring[(first + k) % ring.length] = v;
      });
    };
    place(this.recent, s.recent.slice(-this.recent.length));
    place(this.spikes, s.spikes.slice(-this.spikes.length));
    place(this.evidence, s.evidence.slice(-this.evidence.length));
    this.resum();
    this.spikeCount = 0;
    for (const v of this.spikes) this.spikeCount += v;
  }
}

/**
 * An hour's spread from `count` of its values, no narrower than SEASON_PRIOR / (count + SEASON_PRIOR) of the
 * spread pooled over all hours (0: not known yet): the quartiles of two or three values are often far narrower
 * than the hour's real spread, and would make any ordinary value look like a season anomaly.
 */
export function shrunkSpread(own: number, count: number, pooled: number): number {
  return Math.max(own, (SEASON_PRIOR * pooled) / (count + SEASON_PRIOR));
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
