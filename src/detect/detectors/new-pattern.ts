// A new error pattern after a change: the signal-stream query (src/detect/signal-stream.ts) gives each error
// pattern, per evaluation, how many seconds after a deploy of its service the pattern was first mined — when it was
// first seen in that evaluation and such a deploy came at most `after` before it — and −1 otherwise. The
// detector fires on that sighting and holds the alert for `hold`, so the incident says "this began with that
// deploy" for a while, then resolves; a pattern that was known before the deploy never fires.
import { type Detection, ruleScore, type SeriesDetector } from "../detection.ts";

/** Parameters of the new-pattern detector. */
export interface NewPatternOptions {
  /** How long (ms) after a deploy a pattern's first sighting counts (default 1h). */
  after?: number;
  /** How long (ms) the alert holds after the sighting (default 30m). */
  hold?: number;
}

/** The persisted form of a NewPatternDetector. */
export interface NewPatternState {
  /** When the sighting that fired was evaluated, or null. */
  since: number | null;
  delay: number;
}

/** Fires when an error pattern is first seen shortly after a deploy of its service. */
export class NewPatternDetector implements SeriesDetector<NewPatternState> {
  readonly kind = "new-pattern";
  private readonly after: number;
  private readonly hold: number;
  private s: NewPatternState = { since: null, delay: 0 };

  constructor(o: NewPatternOptions = {}, state?: NewPatternState) {
    this.after = o.after ?? 3_600_000;
    this.hold = o.hold ?? 1_800_000;
    if (!(this.after > 0)) throw new Error("new-pattern: `after` must be a positive duration");
    if (!(this.hold >= 0)) throw new Error("new-pattern: `hold` must be ≥ 0");
    if (state) this.s = { ...state };
  }

  /** `secondsAfterDeploy`: ≥ 0 in the evaluation that first saw the pattern after a deploy, else −1. */
  update(time: number, secondsAfterDeploy: number): Detection {
    if (!Number.isFinite(secondsAfterDeploy))
      throw new Error(`new-pattern: value must be a finite number, got ${secondsAfterDeploy}`);
    const sighting = secondsAfterDeploy >= 0 && secondsAfterDeploy * 1000 <= this.after;
    if (sighting && this.s.since === null) this.s = { since: time, delay: secondsAfterDeploy };
    if (this.s.since !== null && !sighting && time - this.s.since >= this.hold) this.s = { since: null, delay: 0 };
    const firing = this.s.since !== null;
    const delay = this.s.delay;
    const score = firing ? ruleScore(true, 1, 1 - (delay * 1000) / this.after) : 0;
    const reason = firing
      ? `an error pattern never seen before appeared ${Math.round(delay)}s after a deploy of its service`
      : "no new error pattern after a deploy";
    return { time, score, firing, reason, value: firing ? delay : secondsAfterDeploy };
  }

  snapshot(): NewPatternState {
    return { ...this.s };
  }
}
