// Flatline: a metric that has moved before and now stays within `tolerance` of one value for `for` ms (a
// stuck exporter, a frozen counter, a queue that stopped). A series that has never moved does not fire: it
// has no behaviour to lose, and a constant gauge (a version, a limit) is not an anomaly.
import { type Detection, formatValue, ruleScore, type SeriesDetector } from "../detection.ts";

/** Parameters of the flatline detector. */
export interface FlatlineOptions {
  /** How long (ms) the value must stay flat to fire. */
  for: number;
  /** Largest change from the flat run's first value still counted as flat (default 0: exactly equal). */
  tolerance?: number;
}

/** The persisted form of a FlatlineDetector. */
export interface FlatlineState {
  /** The value and time that started the current flat run, or null before the first sample. */
  runValue: number | null;
  runStart: number | null;
  /** Whether the series has ever left a flat run. */
  moved: boolean;
  firing: boolean;
}

/** Fires when a series that used to move stays flat for `for` milliseconds; clears on the first change. */
export class FlatlineDetector implements SeriesDetector<FlatlineState> {
  readonly kind = "flatline";
  private readonly tolerance: number;
  private s: FlatlineState = { runValue: null, runStart: null, moved: false, firing: false };

  constructor(
    private readonly o: FlatlineOptions,
    state?: FlatlineState,
  ) {
    if (!(o.for > 0)) throw new Error("flatline: `for` must be a positive duration");
    this.tolerance = o.tolerance ?? 0;
    if (!(this.tolerance >= 0)) throw new Error("flatline: `tolerance` must be ≥ 0");
    if (state) this.s = { ...state };
  }

  update(time: number, value: number): Detection {
    if (!Number.isFinite(value)) throw new Error(`flatline: value must be a finite number, got ${value}`);
    const s = this.s;
    if (s.runValue === null || s.runStart === null || Math.abs(value - s.runValue) > this.tolerance) {
      if (s.runValue !== null) s.moved = true;
      s.runValue = value;
      s.runStart = time;
    }
    const flatFor = time - s.runStart;
    s.firing = s.moved && flatFor >= this.o.for;
    const seconds = formatValue(flatFor / 1000);
    const reason = !s.moved
      ? `has not moved since it was first seen (${seconds}s); a series that never moved does not fire`
      : s.firing
        ? `stuck at ${formatValue(s.runValue)} for ${seconds}s (limit ${formatValue(this.o.for / 1000)}s)`
        : flatFor > 0
          ? `unchanged at ${formatValue(s.runValue)} for ${seconds}s of the ${formatValue(this.o.for / 1000)}s allowed`
          : "changing";
    const score = s.moved ? ruleScore(s.firing, flatFor / this.o.for, flatFor / this.o.for - 1) : 0;
    return { time, score, firing: s.firing, reason, value, baseline: s.runValue, deviation: value - s.runValue };
  }

  snapshot(): FlatlineState {
    return { ...this.s };
  }
}
