import type { AnalysisSettings } from "./settings.ts";
import type { ExtraEvidence, ExtraEvidenceKind } from "./types.ts";

/** What the other evidence says about one node: points per kind, and the ids that earned them. */
export interface ExtraScore {
  readonly points: Partial<Record<ExtraEvidenceKind, number>>;
  readonly evidence: string[];
}

const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

/**
 * How strongly one item supports its node, in [0, 1]: a trace share or a similarity as given; a change by
 * proximity (halving every changeHalfLife before onset, nothing after onset or beyond changeHorizon, since a
 * change cannot cause what began before it); an error pattern fully when first seen after the node's last
 * change, half otherwise.
 */
export function strengthOf(item: ExtraEvidence, onsetAt: number, settings: AnalysisSettings): number {
  switch (item.kind) {
    case "trace-root-cause":
      return clamp01(item.share);
    case "similar-incident":
      return clamp01(item.similarity);
    case "error-pattern":
      return item.afterChange ? 1 : 0.5;
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
