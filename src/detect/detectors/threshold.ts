// Static threshold with hysteresis: fires once the value has been past `above` (or `below`) for `for`
// milliseconds, and clears only when it is back inside by `hysteresis`, so a value hovering at the limit does
// not flap. The score is the rule's own: exactly FIRING_SCORE at the limit while firing, rising with the
// overshoot measured in hysteresis bands (or 10% of the limit without one).
import { type Detection, formatValue, ruleScore, type SeriesDetector } from "../detection.ts";

/** Parameters of the threshold detector: at least one of `above` and `below`. */
export interface ThresholdOptions {
  /** Fire when the value is above this. */
  above?: number;
  /** Fire when the value is below this. */
  below?: number;
  /** How far back inside the limit the value must come to clear (default 0). */
  hysteresis?: number;
  /** How long (ms) the value must stay past the limit before firing (default 0). */
  for?: number;
}

/** The persisted form of a ThresholdDetector. */
export interface ThresholdState {
  firing: boolean;
  /** When the value first went past the limit in the current run, or null. */
  pastSince: number | null;
}

/** Static threshold with hysteresis and an optional hold time. */
export class ThresholdDetector implements SeriesDetector<ThresholdState> {
  readonly kind = "threshold";
  private readonly hysteresis: number;
  private readonly hold: number;
  private firing = false;
  private pastSince: number | null = null;

  constructor(
    private readonly o: ThresholdOptions,
    state?: ThresholdState,
  ) {
    if (o.above === undefined && o.below === undefined) throw new Error("threshold: give `above`, `below` or both");
    if (o.above !== undefined && o.below !== undefined && o.below >= o.above) {
      throw new Error("threshold: `below` must be less than `above`");
    }
    this.hysteresis = o.hysteresis ?? 0;
    this.hold = o.for ?? 0;
    if (!(this.hysteresis >= 0)) throw new Error("threshold: `hysteresis` must be ≥ 0");
    if (!(this.hold >= 0)) throw new Error("threshold: `for` must be ≥ 0");
    if (state) {
      this.firing = state.firing;
      this.pastSince = state.pastSince;
    }
  }

  update(time: number, value: number): Detection {
    if (!Number.isFinite(value)) throw new Error(`threshold: value must be a finite number, got ${value}`);
    const { above, below } = this.o;
    // Distance past the nearer limit (> 0 means past it), and the limit it refers to.
    const overAbove = above === undefined ? Number.NEGATIVE_INFINITY : value - above;
    const overBelow = below === undefined ? Number.NEGATIVE_INFINITY : below - value;
    const upper = overAbove >= overBelow;
    const over = upper ? overAbove : overBelow;
    const limit = (upper ? above : below) as number;
    const unit = this.hysteresis > 0 ? this.hysteresis : Math.max(Math.abs(limit) * 0.1, 1e-9);

    if (over > 0) this.pastSince ??= time;
    else this.pastSince = null;
    if (this.firing) {
      if (over <= -this.hysteresis) this.firing = false;
    } else if (this.pastSince !== null && time - this.pastSince >= this.hold) this.firing = true;

    const side = upper ? "above" : "below";
    let score: number;
    let reason: string;
    if (this.firing) {
      score = ruleScore(true, 1, Math.max(over, 0) / unit);
      reason =
        over > 0
          ? `${formatValue(value)} is ${side} the limit ${formatValue(limit)}`
          : `${formatValue(value)} is back inside the limit ${formatValue(limit)} but not yet by the hysteresis ${formatValue(this.hysteresis)}`;
    } else if (this.pastSince !== null) {
      // Past the limit but not yet for long enough: as close to firing as a score below it gets.
      score = ruleScore(false, 1, 0);
      reason = `${formatValue(value)} is ${side} the limit ${formatValue(limit)}, for ${formatValue((time - this.pastSince) / 1000)}s of the ${formatValue(this.hold / 1000)}s required`;
    } else {
      score = ruleScore(false, Math.exp(over / unit), 0);
      reason = `${formatValue(value)} is within the limit ${formatValue(limit)}`;
    }
    return { time, score, firing: this.firing, reason, value, baseline: limit, deviation: over };
  }

  snapshot(): ThresholdState {
    return { firing: this.firing, pastSince: this.pastSince };
  }
}
