// Seasonal baseline: each hour of the week (or of the day) keeps its last `history` values; a value is compared
// with its own hour's median in units of that hour's MAD (robust to the anomalies it is looking for). The
// deviation becomes a tail probability against the detector's own past deviations (calibration/), so the
// score means the same on a quiet and on a noisy series. Nothing fires before `minHistory` has passed since the
// first sample and the hour holds `minSlotValues` values: a baseline needs that much to be one.
import { SlotWindow } from "../baseline/slot-window.ts";
import { scoreFromTail, TailCalibrator, type TailCalibratorState } from "../calibration/tail-calibrator.ts";
import { type Detection, FIRING_SCORE, formatValue, type SeriesDetector } from "../detection.ts";

/** Parameters of the seasonal detector. */
export interface SeasonalOptions {
  /** Slot by hour of the week (168 slots, default) or hour of the day (24). */
  period?: "week" | "day";
  /** Values kept per slot (default 120). */
  history?: number;
  /** Time (ms) since the first sample before it may fire (default: two periods). */
  minHistory?: number;
  /** Values a slot needs before it may fire (default 5). */
  minSlotValues?: number;
  /** Which side counts: a rise, a drop or both (default both). */
  direction?: "above" | "below" | "both";
  /** Deviations smaller than this (in the value's unit) never count, e.g. noise on a near-constant hour (default 0). */
  minDeviation?: number;
  /** Evaluations in a row below the clear score (0.5) that end an alert (default 3). */
  clearAfter?: number;
}

/** The persisted form of a SeasonalDetector. */
export interface SeasonalState {
  firstTime: number | null;
  slots: number[][];
  calibrator: TailCalibratorState;
  firing: boolean;
  calm: number;
}

const HOUR_MS = 3_600_000;
const MAD_TO_SIGMA = 1.4826;
const CLEAR_SCORE = 0.5;

/** Median-and-MAD baseline per hour of the week (or day), calibrated against its own past deviations. */
export class SeasonalDetector implements SeriesDetector<SeasonalState> {
  readonly kind = "seasonal";
  private readonly slots: SlotWindow;
  private readonly calibrator: TailCalibrator;
  private readonly slotCount: number;
  private readonly minHistory: number;
  private readonly minSlotValues: number;
  private readonly direction: "above" | "below" | "both";
  private readonly minDeviation: number;
  private readonly clearAfter: number;
  private firstTime: number | null = null;
  private firing = false;
  private calm = 0;
  private readonly scratch: Float64Array;

  constructor(o: SeasonalOptions = {}, state?: SeasonalState) {
    this.slotCount = (o.period ?? "week") === "week" ? 168 : 24;
    const history = o.history ?? 120;
    this.minHistory = o.minHistory ?? 2 * this.slotCount * HOUR_MS;
    this.minSlotValues = o.minSlotValues ?? 5;
    this.direction = o.direction ?? "both";
    this.minDeviation = o.minDeviation ?? 0;
    this.clearAfter = o.clearAfter ?? 3;
    if (!Number.isInteger(history) || history < 3) throw new Error("seasonal: `history` must be an integer ≥ 3");
    if (!(this.minHistory >= 0)) throw new Error("seasonal: `minHistory` must be ≥ 0");
    if (!(this.minSlotValues >= 3 && this.minSlotValues <= history)) {
      throw new Error("seasonal: `minSlotValues` must be between 3 and `history`");
    }
    if (!(this.minDeviation >= 0)) throw new Error("seasonal: `minDeviation` must be ≥ 0");
    this.slots = new SlotWindow(this.slotCount, history, state?.slots);
    this.calibrator = new TailCalibrator({}, state?.calibrator);
    this.scratch = new Float64Array(history);
    if (state) {
      this.firstTime = state.firstTime;
      this.firing = state.firing;
      this.calm = state.calm;
    }
  }

  /** Hour of the week (Monday 00:00 UTC is 0) or of the day. */
  slotOf(time: number): number {
    const hours = Math.floor(time / HOUR_MS);
    // 1970-01-01 was a Thursday: shift by three days so slot 0 is Monday.
    const slot = (hours + (this.slotCount === 168 ? 72 : 0)) % this.slotCount;
    return slot < 0 ? slot + this.slotCount : slot;
  }

  update(time: number, value: number): Detection {
    if (!Number.isFinite(value)) throw new Error(`seasonal: value must be a finite number, got ${value}`);
    this.firstTime ??= time;
    const slot = this.slotOf(time);
    const count = this.slots.count(slot);
    let median = Number.NaN;
    let deviation = 0;
    let raw = 0;
    if (count > 0) {
      median = this.slots.quantile(slot, 0.5);
      const sigma = MAD_TO_SIGMA * this.mad(slot, median, count);
      const diff = value - median;
      const counted = this.direction === "both" || (this.direction === "above" ? diff > 0 : diff < 0);
      deviation = diff / Math.max(sigma, 1e-9 * Math.max(1, Math.abs(median)));
      if (counted && Math.abs(diff) > this.minDeviation) raw = Math.abs(deviation);
    }
    // Deviations from a slot with too few values are noise about the baseline, not about the series: they
    // would teach the calibrator that anything goes.
    const p = count >= this.minSlotValues ? this.calibrator.test(raw) : 1;
    const ready = time - this.firstTime >= this.minHistory && count >= this.minSlotValues;
    const score = ready ? scoreFromTail(p) : 0;

    if (score >= FIRING_SCORE) {
      this.firing = true;
      this.calm = 0;
    } else if (this.firing) {
      this.calm = score < CLEAR_SCORE ? this.calm + 1 : 0;
      if (this.calm >= this.clearAfter) this.firing = false;
    }
    this.slots.add(slot, value);

    const where = this.slotCount === 168 ? `hour ${slot} of the week` : `${slot}:00 UTC`;
    const reason = !ready
      ? `learning the ${this.slotCount === 168 ? "weekly" : "daily"} baseline (${count} values for ${where})`
      : `${formatValue(value)} against a median of ${formatValue(median)} for ${where}, ${formatValue(deviation)} robust σ (p≈${p.toExponential(0)})`;
    return { time, score, firing: this.firing, reason, value, baseline: median, deviation };
  }

  /** Median absolute deviation of the slot around its median. */
  private mad(slot: number, median: number, count: number): number {
    const values = this.slots.sorted(slot);
    const d = this.scratch;
    for (let i = 0; i < count; i++) d[i] = Math.abs((values[i] as number) - median);
    const sub = d.subarray(0, count).sort();
    const h = (count - 1) / 2;
    const lo = Math.floor(h);
    return lo + 1 < count ? ((sub[lo] as number) + (sub[lo + 1] as number)) / 2 : (sub[lo] as number);
  }

  snapshot(): SeasonalState {
    return {
      firstTime: this.firstTime,
      slots: this.slots.snapshot(),
      calibrator: this.calibrator.snapshot(),
      firing: this.firing,
      calm: this.calm,
    };
  }
}
