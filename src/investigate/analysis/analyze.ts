import type { CallGraph } from "./call-graph.ts";
import { abstention, beliefShares } from "./confidence.ts";
import { scoreExtra } from "./extra-points.ts";
import { scoreMetrics } from "./metric-points.ts";
import { type AnalysisSettings, DEFAULT_ANALYSIS_SETTINGS } from "./settings.ts";
import type { AnalysisResult, ExtraEvidence, Hypothesis, MetricEvidence } from "./types.ts";

/** Everything one analysis looks at. */
export interface AnalysisInput {
  readonly graph: CallGraph;
  /** The node whose symptom opened the incident. */
  readonly symptom: string;
  /** When the incident began (epoch ms); departures are measured around it. */
  readonly onsetAt: number;
  /**
   * Measured series of the symptom's node and of the others, departed or not (a quiet series is evidence too),
   * each measured by measureDeparture with the same threshold as `settings.threshold`.
   */
  readonly metrics: readonly MetricEvidence[];
  readonly extra?: readonly ExtraEvidence[];
  /**
   * The series' sampling resolution (ms, default 0): departures less than this apart count as simultaneous, so
   * a callee that departed in the same sample as its caller, or one sample later, still explains it.
   */
  readonly resolution?: number;
}

/**
 * Ranks root-cause candidates: metric points (who departed first and most, following dependencies) plus
 * weighted points from the other evidence, turned into shares of belief; abstains when nothing is decisive.
 * Pure and deterministic: the same input gives the same result.
 */
export function analyze(input: AnalysisInput, settings: AnalysisSettings = DEFAULT_ANALYSIS_SETTINGS): AnalysisResult {
  const metric = scoreMetrics(input.graph, input.metrics, input.symptom, settings, input.resolution ?? 0);
  const extra = scoreExtra(input.extra ?? [], input.onsetAt, settings);

  const candidates: { node: string; score: number; departedAt: number }[] = [];
  for (const node of new Set([...metric.keys(), ...extra.keys()])) {
    const extraPoints = Object.values(extra.get(node)?.points ?? {}).reduce((sum, p) => sum + p, 0);
    const score = (metric.get(node)?.points ?? 0) + extraPoints;
    if (score > 0) candidates.push({ node, score, departedAt: metric.get(node)?.departedAt ?? Number.POSITIVE_INFINITY });
  }
  // Best first; equal scores go to the earlier departure, then to the name, so the order never depends on input order.
  candidates.sort((a, b) => b.score - a.score || a.departedAt - b.departedAt || (a.node < b.node ? -1 : 1));

  const { shares, unexplained } = beliefShares(
    candidates.map((c) => c.score),
    settings.nullScore,
  );
  const hypotheses: Hypothesis[] = candidates.map((c, i) => {
    const m = metric.get(c.node);
    const x = extra.get(c.node);
    return {
      node: c.node,
      score: c.score,
      confidence: shares[i] as number,
      evidence: [...new Set([...(m?.evidence ?? []), ...(x?.evidence ?? [])])],
      factors: {
        departure: m?.departure ?? 0,
        kindWeight: m?.kindWeight ?? settings.kindWeights[input.graph.kind(c.node)],
        explainedBy: m?.explainedBy ?? [],
        reachesSymptom: m?.reachesSymptom ?? false,
        onsetLag: m?.onsetLag ?? 0,
        metricPoints: m?.points ?? 0,
        extraPoints: { ...(x?.points ?? {}) },
      },
    };
  });
  const reason = abstention(hypotheses[0]?.confidence, settings.minConfidence);
  return { hypotheses, abstained: reason !== null, reason, unexplained };
}
