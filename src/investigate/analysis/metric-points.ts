import type { CallGraph } from "./call-graph.ts";
import type { AnalysisSettings } from "./settings.ts";
import type { MetricEvidence } from "./types.ts";

/** What the metrics say about one departed node. */
export interface MetricScore {
  /** ln(1 + cumulative departure) of its strongest departed series. */
  readonly departure: number;
  readonly kindWeight: number;
  readonly explainedBy: readonly string[];
  readonly reachesSymptom: boolean;
  readonly departedAt: number;
  readonly onsetLag: number;
  readonly points: number;
  /** Its own departed series' ids, then those of the departed nodes on its way up to the symptom. */
  readonly evidence: readonly string[];
}

interface NodeDeparture {
  departure: number;
  departedAt: number;
  ids: string[];
}

/**
 * Points for every node with a departed series. A node departed most when it has the largest sustained
 * departure; it departed first when no callee of it departed earlier, so its callers' departures are explained
 * by it, not the other way round (a departed callee that departed no later explains a caller); and a cause
 * reaches the symptom through callers that departed too (or were not measured, since silence there proves
 * nothing).
 */
export function scoreMetrics(
  graph: CallGraph,
  metrics: readonly MetricEvidence[],
  symptom: string,
  settings: AnalysisSettings,
  resolution = 0,
): Map<string, MetricScore> {
  const departed = new Map<string, NodeDeparture>();
  const measured = new Set<string>();
  for (const m of metrics) {
    if (m.departure.samplesDuring > 0) measured.add(m.node);
    const at = m.departure.departedAt;
    if (at === null) continue;
    const strength = Math.log1p(Math.max(0, m.departure.cumulative));
    const node = departed.get(m.node);
    if (!node) departed.set(m.node, { departure: strength, departedAt: at, ids: [m.id] });
    else {
      // A node departed when the series that scores it did: a weaker series of it that crossed the threshold
      // earlier is as likely noise, and must not decide who explains whom.
      if (strength > node.departure || (strength === node.departure && at < node.departedAt)) {
        node.departure = strength;
        node.departedAt = at;
      }
      node.ids.push(m.id);
    }
  }
  let earliest = Number.POSITIVE_INFINITY;
  for (const d of departed.values()) earliest = Math.min(earliest, d.departedAt);

  const through = (node: string) => departed.has(node) || !measured.has(node);
  const scores = new Map<string, MetricScore>();
  for (const [node, d] of departed) {
    const explainedBy = graph.callees(node).filter((callee) => {
      const c = departed.get(callee);
      // Within one sample of each other two departures cannot be ordered (scrape offsets, rate windows).
      return c !== undefined && c.departedAt <= d.departedAt + resolution;
    });
    const path = graph.upstreamPath(node, symptom, through);
    const kindWeight = settings.kindWeights[graph.kind(node)];
    const onsetLag = d.departedAt - earliest;
    // Time orders nodes only along a dependency (explainedBy above). Between nodes that do not call each
    // other, who crossed the threshold first is decided by where onset fell inside a sample and by each
    // series' noise, not by causation, so the lag is reported but scores nothing.
    const points =
      d.departure *
      kindWeight *
      (explainedBy.length > 0 ? settings.explainedFactor : 1) *
      (path ? 1 : settings.unreachableFactor);
    const evidence = [...d.ids];
    for (const up of path?.slice(1) ?? []) evidence.push(...(departed.get(up)?.ids ?? []));
    scores.set(node, {
      departure: d.departure,
      kindWeight,
      explainedBy,
      reachesSymptom: path !== null,
      departedAt: d.departedAt,
      onsetLag,
      points,
      evidence,
    });
  }
  return scores;
}
