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
  /**
   * The season: "week" (slots are hours of the week, Monday 00:00 UTC first; default), "day" (hours of the day,
   * UTC), or any season length in ms, split into `slots` equal slots counted from the Unix epoch.
   */
  period?: "week" | "day" | number;
  /** Slots per season when `period` is a length (default 24); week and day have one per hour. */
  slots?: number;
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

function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", HOUR_MS],
    ["m", 60_000],
    ["s", 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** Median-and-MAD baseline per hour of the week (or day), calibrated against its own past deviations. */
export class SeasonalDetector implements SeriesDetector<SeasonalState> {
  readonly kind = "seasonal";
  private readonly slots: SlotWindow;
  private readonly calibrator: TailCalibrator;
  private readonly slotCount: number;
  private readonly customPeriod: boolean;
  /** The season's length and one slot's width in ms, and the offset of slot 0 from the epoch. */
  private readonly periodMs: number;
  private readonly slotMs: number;
  private readonly offsetMs: number;
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
    const period = o.period ?? "week";
    if (typeof period === "number") {
      this.slotCount = o.slots ?? 24;
      if (!Number.isInteger(this.slotCount) || this.slotCount < 1) throw new Error("seasonal: `slots` must be an integer ≥ 1");
      if (!(Number.isFinite(period) && period >= this.slotCount)) {
        throw new Error("seasonal: a `period` length must be a finite number of ms, at least one per slot");
      }
      this.periodMs = period;
      this.offsetMs = 0;
    } else {
      if (o.slots !== undefined) throw new Error(`seasonal: \`slots\` is fixed for period "${period}" (one per hour)`);
      this.slotCount = period === "week" ? 168 : 24;
      this.periodMs = this.slotCount * HOUR_MS;
      // 1970-01-01 was a Thursday: shift by three days so slot 0 of a week is Monday.
      this.offsetMs = period === "week" ? 72 * HOUR_MS : 0;
    }
    this.slotMs = this.periodMs / this.slotCount;
    this.customPeriod = typeof period === "number";
    const history = o.history ?? 120;
    this.minHistory = o.minHistory ?? 2 * this.periodMs;
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

  /** Hour of the week (Monday 00:00 UTC is 0) or of the day, or the slot of a configured season length. */
  slotOf(time: number): number {
    const phase = (((time + this.offsetMs) % this.periodMs) + this.periodMs) % this.periodMs;
    return Math.min(Math.floor(phase / this.slotMs), this.slotCount - 1);
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
    const ready = time - this.firstTime >= this.minHistory && count >= this.minSlotValues;
    let p = 1;
    if (count >= this.minSlotValues) {
      p = this.calibrator.peek(raw);
      // Alarms, and every point of an alert in progress, are not taught to the calibrator (as SPOT keeps alarms
      // out of its tail): otherwise a lasting anomaly would teach it within a few points that such deviations are
      // ordinary, and clear itself while the value is still far from its slot's baseline. The slots still learn.
      if (!(ready && (this.firing || scoreFromTail(p) >= FIRING_SCORE))) this.calibrator.test(raw);
    }
    const score = ready ? scoreFromTail(p) : 0;

    if (score >= FIRING_SCORE) {
      this.firing = true;
      this.calm = 0;
    } else if (this.firing) {
      this.calm = score < CLEAR_SCORE ? this.calm + 1 : 0;
      if (this.calm >= this.clearAfter) this.firing = false;
    }
    this.slots.add(slot, value);

    const where = this.customPeriod
      ? `slot ${slot} of ${this.slotCount} of the ${formatDuration(this.periodMs)} season`
      : this.slotCount === 168
        ? `hour ${slot} of the week`
        : `${slot}:00 UTC`;
    const season = this.customPeriod ? "seasonal" : this.slotCount === 168 ? "weekly" : "daily";
    const reason = !ready
      ? `learning the ${season} baseline (${count} values for ${where})`
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
