import type { AnalysisSettings } from "./settings.ts";
import type { ExtraEvidence, ExtraEvidenceKind, WorkloadCondition } from "./types.ts";

/** What the other evidence says about one node: points per kind, and the ids that earned them. */
export interface ExtraScore {
  readonly points: Partial<Record<ExtraEvidenceKind, number>>;
  readonly evidence: string[];
}

/**
 * How much each workload condition says about a cause: OOM kills, crash restarts and unschedulable pods are
 * the component's own failure; a pod merely not ready may be waiting on a failing dependency, so half.
 */
const WORKLOAD_STRENGTH: Readonly<Record<WorkloadCondition, number>> = {
  "oom-killed": 1,
  restarts: 1,
  pending: 1,
  "not-ready": 0.5,
};

const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

/**
 * How strongly one item supports its node, in [0, 1]: a trace share or a similarity as given; a change by
 * proximity (halving every changeHalfLife before onset, nothing after onset or beyond changeHorizon, since a
 * change cannot cause what began before it); an error pattern fully when first seen after the node's last
 * change, half otherwise; a workload condition by its kind and its distance from onset (halving every
 * changeHalfLife either side, nothing beyond changeHorizon before it).
 */
export function strengthOf(item: ExtraEvidence, onsetAt: number, settings: AnalysisSettings): number {
  switch (item.kind) {
    case "trace-root-cause":
      return clamp01(item.share);
    case "similar-incident":
      return clamp01(item.similarity);
    case "error-pattern":
      return item.afterChange ? 1 : 0.5;
    case "workload": {
      // Near onset on either side: a leak ends in OOM kills after the latency it caused opened the incident.
      const distance = Math.abs(onsetAt - item.at);
      if (!(Number.isFinite(distance) && onsetAt - item.at <= settings.changeHorizon)) return 0;
      return WORKLOAD_STRENGTH[item.condition] * 0.5 ** (distance / settings.changeHalfLife);
    }
    case "change": {
      const lead = onsetAt - item.at;
      if (!(lead >= 0 && lead <= settings.changeHorizon)) return 0;
      return 0.5 ** (lead / settings.changeHalfLife);
    }
  }
}

/**
 * Points per node from the extra evidence: for each kind, weight × the strongest item of that kind about the
 * node (several deploys of one service are one piece of evidence, not several). Items with no strength are
 * neither scored nor cited.
 */
export function scoreExtra(
  items: readonly ExtraEvidence[],
  onsetAt: number,
  settings: AnalysisSettings,
): Map<string, ExtraScore> {
  const scores = new Map<string, ExtraScore>();
  for (const item of items) {
    const strength = strengthOf(item, onsetAt, settings);
    if (strength <= 0) continue;
    let score = scores.get(item.node);
    if (!score) {
      score = { points: {}, evidence: [] };
      scores.set(item.node, score);
    }
    score.points[item.kind] = Math.max(score.points[item.kind] ?? 0, settings.weights[item.kind] * strength);
    score.evidence.push(item.id);
  }
  return scores;
}
