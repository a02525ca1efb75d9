// Rate spike: a count per evaluation (signals of one error pattern or service, src/detect/signal-stream.ts)
// against its own baseline. The baseline is an exponentially weighted mean count; a count is as rare as a
// Poisson variable with that mean says (poissonTail), so the score keeps the calibrated meaning of every
// statistical detector (0.85 ⇔ p ≈ 5.6·10⁻⁵). Log and alert counts are burstier than Poisson, so two guards
// from the rule's own terms must hold as well: at least `minCount` signals, and `factor` times the baseline.
import { scoreFromTail } from "../calibration/tail-calibrator.ts";
import { type Detection, FIRING_SCORE, formatValue, type SeriesDetector } from "../detection.ts";
import { poissonTail } from "./poisson-tail.ts";

/** Parameters of the rate-spike detector. */
export interface RateSpikeOptions {
  /** Evaluations of memory of the baseline (its EWMA weight is 1/memory; default 60). */
  memory?: number;
  /** How many times the baseline a count must be (default 3). */
  factor?: number;
  /** Fewest signals in one evaluation that may fire (default 10). */
  minCount?: number;
  /** Evaluations before it may fire (default 10). */
  minPoints?: number;
  /** Evaluations in a row below the clear score (0.5) that end an alert (default 3). */
  clearAfter?: number;
}

/** The persisted form of a RateSpikeDetector. */
export interface RateSpikeState {
  level: number;
  points: number;
  lastTime: number | null;
  /** The smallest gap between samples seen: the evaluation interval, to count the evaluations without signals. */
  step: number | null;
  firing: boolean;
  calm: number;
}

const CLEAR_SCORE = 0.5;
// A baseline of zero would make any count impossible; this floor is one signal per ten evaluations.
const LEVEL_FLOOR = 0.1;

/** Fires when a count per evaluation jumps against its own exponentially weighted baseline. */
export class RateSpikeDetector implements SeriesDetector<RateSpikeState> {
  readonly kind = "rate-spike";
  private readonly alpha: number;
  private readonly factor: number;
  private readonly minCount: number;
  private readonly minPoints: number;
  private readonly clearAfter: number;
  private s: RateSpikeState = { level: 0, points: 0, lastTime: null, step: null, firing: false, calm: 0 };

  constructor(o: RateSpikeOptions = {}, state?: RateSpikeState) {
    const memory = o.memory ?? 60;
    if (!(memory >= 1)) throw new Error("rate-spike: `memory` must be ≥ 1");
    this.alpha = 1 / memory;
    this.factor = o.factor ?? 3;
    this.minCount = o.minCount ?? 10;
    this.minPoints = o.minPoints ?? 10;
    this.clearAfter = o.clearAfter ?? 3;
    if (!(this.factor >= 1)) throw new Error("rate-spike: `factor` must be ≥ 1");
    if (!(this.minCount >= 1)) throw new Error("rate-spike: `minCount` must be ≥ 1");
    if (state) this.s = { ...state };
  }

  update(time: number, count: number): Detection {
    if (!(Number.isFinite(count) && count >= 0)) throw new Error(`rate-spike: a count must be a number ≥ 0, got ${count}`);
    const s = this.s;
    if (s.lastTime !== null && time > s.lastTime) {
      const gap = time - s.lastTime;
      s.step = s.step === null ? gap : Math.min(s.step, gap);
      // Evaluations that returned nothing for this series counted zero signals: the baseline decays through them.
      const missed = Math.max(Math.round(gap / s.step) - 1, 0);
      if (missed > 0 && !s.firing) {
        s.level *= (1 - this.alpha) ** missed;
        s.points += missed;
      }
    }
    s.lastTime = time;
    const baseline = Math.max(s.level, LEVEL_FLOOR);
    const p = poissonTail(count, baseline);
    const guards = count >= this.minCount && count >= this.factor * baseline;
    const ready = s.points >= this.minPoints;
    const raw = scoreFromTail(p);
    const score = !ready ? 0 : guards ? raw : Math.min(raw, FIRING_SCORE - 0.01);
    if (score >= FIRING_SCORE) {
      s.firing = true;
      s.calm = 0;
    } else if (s.firing) {
      s.calm = score < CLEAR_SCORE ? s.calm + 1 : 0;
      if (s.calm >= this.clearAfter) s.firing = false;
    }
    // The spike itself is not taught to the baseline (the seasonal detector keeps alerts out of its calibrator for
    // the same reason): a lasting burst would otherwise become the new normal within a few evaluations.
    if (!s.firing) {
      s.level += s.points === 0 ? count - s.level : this.alpha * (count - s.level);
      s.points++;
    }
    const reason = !ready
      ? `learning the baseline (${s.points} of ${this.minPoints} evaluations)`
      : `${formatValue(count)} signals against a baseline of ${formatValue(baseline)} per evaluation (${formatValue(count / baseline)}×, p≈${p.toExponential(0)})`;
    return { time, score, firing: s.firing, reason, value: count, baseline, deviation: count / baseline };
  }

  snapshot(): RateSpikeState {
    return { ...this.s };
  }
}
