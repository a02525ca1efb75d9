import type { AbstainReason } from "./types.ts";

/**
 * Shares of belief from scores in points: each candidate's e^score over the sum of all of them and of
 * e^nullScore, the "none of these" alternative. Points are log-scale, so one point more is e times the belief.
 * Returns the candidates' shares in their order, then what is left to "none of these".
 */
export function beliefShares(scores: readonly number[], nullScore: number): { shares: number[]; unexplained: number } {
  const top = Math.max(nullScore, ...scores);
  const weights = scores.map((s) => Math.exp(s - top));
  const nullWeight = Math.exp(nullScore - top);
  const total = weights.reduce((sum, w) => sum + w, nullWeight);
  return { shares: weights.map((w) => w / total), unexplained: nullWeight / total };
}

/**
 * The abstention rule: with no candidate there is nothing to assert ("no-evidence"); when the best candidate
 * holds less than minConfidence of the belief — it is not more likely than its rivals and "none of these"
 * together, at the default of one half — nothing is decisive ("not-decisive"). Otherwise assert it.
 */
export function abstention(topShare: number | undefined, minConfidence: number): AbstainReason | null {
  if (topShare === undefined) return "no-evidence";
  return topShare < minConfidence ? "not-decisive" : null;
}
