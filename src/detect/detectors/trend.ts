// Trend: Holt's linear smoothing (level and slope, time-aware so uneven sampling is fine) projects the series
// `horizon` ms ahead, like PromQL's predict_linear, with only the part of the slope that is clear of its own
// noise (two standard errors); the detector fires when the projection is past `above`
// (or `below`), i.e. the series will cross the limit within the horizon at its current pace. It clears when
// the projection is back inside by `hysteresis`. The score is the rule's: FIRING_SCORE when the crossing is
// exactly `horizon` away, approaching 1 as it nears now; below that, how close the projection came.
import { type Detection, formatValue, ruleScore, type SeriesDetector } from "../detection.ts";

/** Parameters of the trend detector: exactly one of `above` and `below`. */
export interface TrendOptions {
  /** The limit the series must not rise past. */
  above?: number;
  /** The limit the series must not fall past. */
  below?: number;
  /** How far ahead (ms) to project. */
  horizon: number;
  /** Holt's level smoothing α in (0, 1] (default 0.3). */
  levelSmoothing?: number;
  /** Holt's slope smoothing β in (0, 1] (default 0.1). */
  slopeSmoothing?: number;
  /** Samples before it may fire (default 10). */
  minPoints?: number;
  /** How far back inside the limit the projection must come to clear (default 0). */
  hysteresis?: number;
}

/** The persisted form of a TrendDetector. */
export interface TrendState {
  n: number;
  level: number;
  /** Slope per millisecond. */
  slope: number;
  /** Smoothed variance of the slope's innovations (per ms²). */
  slopeVar: number;
  lastTime: number;
  firing: boolean;
}

/** Fires when the Holt projection `horizon` ahead is past the limit. */
export class TrendDetector implements SeriesDetector<TrendState> {
  readonly kind = "trend";
  private readonly alpha: number;
  private readonly beta: number;
  private readonly minPoints: number;
  private readonly hysteresis: number;
  private readonly limit: number;
  private readonly sign: 1 | -1;
  private s: TrendState = { n: 0, level: 0, slope: 0, slopeVar: 0, lastTime: 0, firing: false };

  constructor(
    private readonly o: TrendOptions,
    state?: TrendState,
  ) {
    if ((o.above === undefined) === (o.below === undefined)) throw new Error("trend: give exactly one of `above` and `below`");
    if (!(o.horizon > 0)) throw new Error("trend: `horizon` must be a positive duration");
    this.alpha = o.levelSmoothing ?? 0.3;
    this.beta = o.slopeSmoothing ?? 0.1;
    if (!(this.alpha > 0 && this.alpha <= 1)) throw new Error("trend: `levelSmoothing` must be in (0, 1]");
    if (!(this.beta > 0 && this.beta <= 1)) throw new Error("trend: `slopeSmoothing` must be in (0, 1]");
    this.minPoints = o.minPoints ?? 10;
    this.hysteresis = o.hysteresis ?? 0;
    if (!(this.hysteresis >= 0)) throw new Error("trend: `hysteresis` must be ≥ 0");
    this.limit = (o.above ?? o.below) as number;
    this.sign = o.above !== undefined ? 1 : -1;
    if (state) this.s = { ...state };
  }

  update(time: number, value: number): Detection {
    if (!Number.isFinite(value)) throw new Error(`trend: value must be a finite number, got ${value}`);
    const s = this.s;
    if (s.n === 0) {
      s.level = value;
      s.slope = 0;
    } else {
      const dt = time - s.lastTime;
      if (dt > 0 && s.n === 1) {
        // Holt's usual start: the second sample sets the level, the first interval the slope.
        s.slope = (value - s.level) / dt;
        s.level = value;
      } else if (dt > 0) {
        const predicted = s.level + s.slope * dt;
        const level = this.alpha * value + (1 - this.alpha) * predicted;
        const observed = (level - s.level) / dt;
        const innovation = observed - s.slope;
        s.slope += this.beta * innovation;
        s.slopeVar = (1 - this.beta) * (s.slopeVar + this.beta * innovation * innovation);
        s.level = level;
      }
    }
    s.n++;
    s.lastTime = Math.max(s.lastTime, time);

    const horizon = this.o.horizon;
    // Noise alone gives the smoothed slope some spread; project only the part of the slope that stands two
    // standard errors clear of zero, so a level series near the limit is not extrapolated into it.
    const se = Math.sqrt((s.slopeVar * this.beta) / (2 - this.beta));
    const slope = Math.sign(s.slope) * Math.max(0, Math.abs(s.slope) - 2 * se);
    const projected = s.level + slope * horizon;
    // Positive: the projection is past the limit by that much, in the direction that matters.
    const past = this.sign * (projected - this.limit);
    const towards = this.sign * s.slope > 0;
    // When the level itself is already past the limit the crossing is now.
    const toCross =
      this.sign * (this.limit - s.level) <= 0
        ? 0
        : towards
          ? (this.sign * (this.limit - s.level)) / (this.sign * s.slope)
          : Infinity;

    const ready = s.n >= this.minPoints;
    if (!ready) s.firing = false;
    else if (s.firing) s.firing = past > -this.hysteresis;
    else s.firing = past > 0;

    const side = this.sign > 0 ? "above" : "below";
    const inH = (ms: number) => `${formatValue(ms / 3_600_000)}h`;
    let reason: string;
    if (!ready) reason = `learning the trend (${s.n} of ${this.minPoints} samples)`;
    else if (s.firing)
      reason =
        toCross === 0
          ? `already ${side} ${formatValue(this.limit)} (level ${formatValue(s.level)})`
          : `heading ${side} ${formatValue(this.limit)} in about ${inH(toCross)} (projected ${formatValue(projected)} in ${inH(horizon)})`;
    else reason = `projected ${formatValue(projected)} in ${inH(horizon)}, inside the limit ${formatValue(this.limit)}`;

    const score = !ready
      ? 0
      : ruleScore(
          s.firing,
          towards && Number.isFinite(toCross) ? horizon / toCross : 0,
          3 * (1 - Math.min(toCross, horizon) / horizon),
        );
    return { time, score, firing: s.firing, reason, value, baseline: projected, deviation: past };
  }

  /** The current slope per hour (for reasons and tests). */
  get slopePerHour(): number {
    return this.s.slope * 3_600_000;
  }

  snapshot(): TrendState {
    return { ...this.s };
  }
}
