import { type FieldProblem, SluiceError } from "../../core/errors.ts";
import type { ExtraEvidenceKind, NodeKind } from "./types.ts";

/** Every knob of the analysis. One configuration serves every system; see docs/investigation.md for each reason. */
export interface AnalysisSettings {
  /** Robust z at which a sample counts as departed. */
  readonly threshold: number;
  /** Smallest baseline scale, as a fraction of the baseline's level: a series flat in normal operation. */
  readonly relativeScaleFloor: number;
  /** Fewer normal samples than this and a series has no baseline (it is not judged). */
  readonly minBaselineSamples: number;
  /** Multiplier for a node whose departure a departed dependency explains. */
  readonly explainedFactor: number;
  /** Multiplier for a node whose departure does not reach the symptom through departed callers. */
  readonly unreachableFactor: number;
  /** Multiplier per node kind. */
  readonly kindWeights: Readonly<Record<NodeKind, number>>;
  /** Points per kind of extra evidence at full strength. */
  readonly weights: Readonly<Record<ExtraEvidenceKind, number>>;
  /** A change's points halve every this many ms between the change and onset. */
  readonly changeHalfLife: number;
  /** Changes longer than this before onset, or after it, count for nothing. */
  readonly changeHorizon: number;
  /** Points of "none of these candidates": the belief that the cause is elsewhere or that this is noise. */
  readonly nullScore: number;
  /** The top hypothesis is asserted only with at least this share of belief; otherwise the analysis abstains. */
  readonly minConfidence: number;
}

const MINUTE = 60_000;

/** The one configuration `sluice rca` and the live investigation use. */
export const DEFAULT_ANALYSIS_SETTINGS: AnalysisSettings = Object.freeze({
  // 3 robust standard deviations: the conventional outlier line (about 1 normal sample in 740 on each side).
  threshold: 3,
  // A series that never moved in normal operation (availability at exactly 100%) has no spread; a change of
  // a thousandth of its level is then the smallest that counts as one scale.
  relativeScaleFloor: 1e-3,
  minBaselineSamples: 10,
  // A caller slowed by a slow dependency is a symptom; it keeps a fifth of its points so it stays in the ranking.
  explainedFactor: 0.2,
  unreachableFactor: 0.3,
  // An opaque node or a client has no visible dependencies, so "nothing below it departed" is not evidence.
  kindWeights: Object.freeze({ service: 1, resource: 1, opaque: 0.5, client: 0.5 }),
  // Points are log-scale like the metric points (ln(1 + departure)): a failing-trace root cause is direct
  // evidence, worth a sustained departure of about 20 scales; a change just before onset is the most common
  // cause of incidents; a similar incident's resolution is a weak prior. Containers the kernel killed for memory,
  // or pods that cannot be scheduled, right at onset name their component as directly as a deploy does.
  weights: Object.freeze({ "trace-root-cause": 3, change: 2, "error-pattern": 1.5, "similar-incident": 1, workload: 2 }),
  changeHalfLife: 30 * MINUTE,
  changeHorizon: 24 * 60 * MINUTE,
  // "None of these" is worth an unexplained departure of e² − 1 ≈ 6.4 scale-samples at a reachable service.
  nullScore: 2,
  // Assert only what is more likely than everything else together, "none of these" included.
  minConfidence: 0.5,
});

/** Settings with some knobs replaced; throws on a value outside its domain (a negative weight, a zero floor). */
export function analysisSettings(overrides: Partial<AnalysisSettings> = {}): AnalysisSettings {
  const settings: AnalysisSettings = { ...DEFAULT_ANALYSIS_SETTINGS, ...overrides };
  const problems: FieldProblem[] = [];
  const problem = (path: string, message: string) => problems.push({ path, message });
  const positive = (path: string, value: number) => {
    if (!(Number.isFinite(value) && value > 0)) problem(path, `must be a positive number, got ${value}`);
  };
  const fraction = (path: string, value: number) => {
    if (!(Number.isFinite(value) && value >= 0 && value <= 1)) problem(path, `must be in [0, 1], got ${value}`);
  };
  positive("threshold", settings.threshold);
  positive("relativeScaleFloor", settings.relativeScaleFloor);
  positive("minBaselineSamples", settings.minBaselineSamples);
  fraction("explainedFactor", settings.explainedFactor);
  fraction("unreachableFactor", settings.unreachableFactor);
  for (const [kind, weight] of Object.entries(settings.kindWeights)) fraction(`kindWeights.${kind}`, weight);
  for (const [kind, weight] of Object.entries(settings.weights)) {
    if (!(Number.isFinite(weight) && weight >= 0)) problem(`weights.${kind}`, `must be ≥ 0, got ${weight}`);
  }
  positive("changeHalfLife", settings.changeHalfLife);
  positive("changeHorizon", settings.changeHorizon);
  if (!Number.isFinite(settings.nullScore)) problem("nullScore", `must be a number, got ${settings.nullScore}`);
  fraction("minConfidence", settings.minConfidence);
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.path} ${p.message}`).join("; ");
    throw new SluiceError("CONFIG_INVALID", `invalid analysis settings: ${list}`, { problems });
  }
  return Object.freeze(settings);
}
