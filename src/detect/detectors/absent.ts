// Absent data: no sample for `for` ms after the series has been seen at least once. `check(now)` is what a
// rule runner calls on each evaluation; `update(time, value)` receives a sample and reports the gap that the
// sample ends (so a CSV replay shows each gap at the row after it), then clears.
import { type Detection, formatValue, ruleScore, type SeriesDetector } from "../detection.ts";

/** Parameters of the absent-data detector. */
export interface AbsentOptions {
  /** How long (ms) without a sample counts as absent. */
  for: number;
}

/** The persisted form of an AbsentDetector. */
export interface AbsentState {
  lastSeen: number | null;
  lastValue: number | null;
}

/** Fires when a series that has been seen stops reporting for `for` milliseconds. */
export class AbsentDetector implements SeriesDetector<AbsentState> {
  readonly kind = "absent";
  private lastSeen: number | null = null;
  private lastValue: number | null = null;

  constructor(
    private readonly o: AbsentOptions,
    state?: AbsentState,
  ) {
    if (!(o.for > 0)) throw new Error("absent: `for` must be a positive duration");
    if (state) {
      this.lastSeen = state.lastSeen;
      this.lastValue = state.lastValue;
    }
  }

  /** The state at `now` with no new sample: firing once the last sample is `for` old. */
  check(now: number): Detection {
    if (this.lastSeen === null) {
      return {
        time: now,
        score: 0,
        firing: false,
        reason: "no sample seen yet; absence counts from the first",
        value: Number.NaN,
      };
    }
    const gap = now - this.lastSeen;
    const firing = gap >= this.o.for;
    const seconds = formatValue(gap / 1000);
    return {
      time: now,
      score: ruleScore(firing, gap / this.o.for, gap / this.o.for - 1),
      firing,
      reason: firing
        ? `no sample for ${seconds}s (limit ${formatValue(this.o.for / 1000)}s)`
        : `last sample ${seconds}s ago (limit ${formatValue(this.o.for / 1000)}s)`,
      value: this.lastValue ?? Number.NaN,
      deviation: gap,
    };
  }

  /** Records a sample; the detection describes the gap it ends (firing if that gap reached `for`). */
  update(time: number, value: number): Detection {
    const before = this.check(time);
    this.lastSeen = this.lastSeen === null ? time : Math.max(this.lastSeen, time);
    this.lastValue = value;
    return before.firing ? { ...before, value, reason: `${before.reason}, until this sample` } : { ...before, value };
  }

  snapshot(): AbsentState {
    return { lastSeen: this.lastSeen, lastValue: this.lastValue };
  }
}
