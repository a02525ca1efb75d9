/** The detectors `sluice detect` and `detect.rules[]` know, by name. */
export const DETECTOR_KINDS = [
  "threshold",
  "seasonal",
  "trend",
  "flatline",
  "absent",
  "slo-burn-rate",
  "contextual",
  "rate-spike",
  "new-pattern",
] as const;
export type DetectorKind = (typeof DETECTOR_KINDS)[number];

/** The anomaly score at which a rule's own firing condition starts: Sluice's default `anomaly.minimumScore`. */
export const FIRING_SCORE = 0.85;

/** One evaluation of a detector. */
export interface Detection {
  /** When the evaluated sample was taken (epoch ms). */
  readonly time: number;
  /** Calibrated anomaly score in 0..1; ≥ FIRING_SCORE means the detector's firing condition holds (docs/detection.md). */
  readonly score: number;
  /** The detector's alert state after this evaluation, with its hysteresis: true from onset until recovery. */
  readonly firing: boolean;
  /** One sentence a person can act on: what was seen against what was expected. */
  readonly reason: string;
  /** The evaluated value (for SLO burn rate: the error ratio of the shortest window). */
  readonly value: number;
  /** What the detector expected instead, when it has one. */
  readonly baseline?: number;
  /** How far from the baseline, in the detector's unit (standard units, burn-rate multiples…). */
  readonly deviation?: number;
}

/** A streaming detector over one numeric series; its state is a plain, JSON-serialisable object. */
export interface SeriesDetector<State = unknown> {
  readonly kind: DetectorKind;
  /** Feeds the next sample (in time order) and returns its evaluation. */
  update(time: number, value: number): Detection;
  /** The state to persist; the detector's constructor takes it back. */
  snapshot(): State;
  /**
   * For a rule with its own `minimumScore`: evaluations in a row below it before an episode ends (the detector's
   * own hysteresis, for a detector that scores only an episode's news). Absent: the episode ends at the first.
   */
  readonly holdEvaluations?: number;
}

/**
 * The score of a rule-style detector (threshold, trend, flatline, absent, burn rate), whose firing condition the
 * user wrote: `closeness` in [0, 1) below the condition maps to [0, FIRING_SCORE); at the condition the score is
 * exactly FIRING_SCORE, and `overshoot` ≥ 0 past it (in units of the condition's own margin) rises toward 1.
 */
export function ruleScore(holds: boolean, closeness: number, overshoot: number): number {
  if (!holds) return FIRING_SCORE * Math.min(Math.max(closeness, 0), 0.999);
  return FIRING_SCORE + (1 - FIRING_SCORE) * (1 - Math.exp(-Math.max(overshoot, 0)));
}

/** Formats a number for a reason: at most 4 significant digits, no exponent for ordinary magnitudes. */
export function formatValue(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(2);
  return String(Number(x.toPrecision(4)));
}
