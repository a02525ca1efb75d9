import type { AnalysisInput } from "../analysis/analyze.ts";
import type { CallGraph } from "../analysis/call-graph.ts";
import { measureDeparture } from "../analysis/departure.ts";
import { type BaselineOptions, robustBaseline } from "../analysis/robust-baseline.ts";
import type { BadDirection, Baseline, MetricEvidence, Sample } from "../analysis/types.ts";
import type { MetricsTable } from "./metrics-csv.ts";
import type { PetshopTarget } from "./read-scenario.ts";

/** Which way each PetShop metric moves when things get worse; any other metric is judged both ways. */
export function petshopDirection(metric: string): BadDirection {
  if (metric === "latency") return "up";
  if (metric === "availability") return "down";
  return "both";
}

/** Baselines of a normal-operation table, computed once per column on first use. */
export class NormalBaselines {
  private readonly cache = new Map<string, Baseline | undefined>();
  private readonly index = new Map<string, Float64Array>();

  constructor(
    normal: MetricsTable,
    private readonly options: BaselineOptions,
  ) {
    for (const c of normal.columns) this.index.set(key(c.node, c.metric, c.statistic), c.values);
  }

  get(node: string, metric: string, statistic: string): Baseline | undefined {
    const k = key(node, metric, statistic);
    if (!this.cache.has(k)) {
      const values = this.index.get(k);
      this.cache.set(k, values ? robustBaseline(values, this.options) : undefined);
    }
    return this.cache.get(k);
  }
}

const key = (node: string, metric: string, statistic: string) => `${node}\u0000${metric}\u0000${statistic}`;

/** The typical spacing of a table's rows (ms), or undefined with fewer than two rows. */
export function rowStep(table: MetricsTable): number | undefined {
  const gaps = table.timestamps.slice(1).map((t, i) => t - (table.timestamps[i] as number));
  if (gaps.length === 0) return undefined;
  gaps.sort((a, b) => a - b);
  return gaps[gaps.length >> 1];
}

const format = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));

/**
 * The analysis input of one PetShop issue: for every node with the target's metric and statistic in both the
 * issue window and normal operation, how that series departed around the target's time. A row's timestamp is
 * the start of its period (CloudWatch convention), so each row covers [t, t + step).
 */
export function issueInput(
  graph: CallGraph,
  baselines: NormalBaselines,
  table: MetricsTable,
  target: PetshopTarget,
  options: { readonly threshold: number; readonly fallbackStep: number },
): AnalysisInput {
  const step = rowStep(table) ?? options.fallbackStep;
  const direction = petshopDirection(target.metric);
  const metrics: MetricEvidence[] = [];
  for (const column of table.columns) {
    if (column.metric !== target.metric || column.statistic !== target.statistic) continue;
    const baseline = baselines.get(column.node, column.metric, column.statistic);
    if (!baseline) continue;
    const samples: Sample[] = [];
    column.values.forEach((value, r) => {
      const start = table.timestamps[r] as number;
      if (Number.isFinite(value)) samples.push({ start, end: start + step, value });
    });
    const departure = measureDeparture(baseline, samples, { onsetAt: target.at, direction, threshold: options.threshold });
    if (departure.samplesDuring === 0) continue;
    metrics.push({
      id: `metric:${column.node}:${column.metric}:${column.statistic}`,
      node: column.node,
      metric: `${column.metric} ${column.statistic}`,
      departure,
      summary:
        `${column.node} ${column.metric} (${column.statistic}): peak ${format(departure.peak)} scales ` +
        `${direction === "down" ? "below" : direction === "up" ? "above" : "away from"} its normal ${format(baseline.center)}` +
        (departure.departedAt === null ? ", never past the threshold" : `, from ${new Date(departure.departedAt).toISOString()}`),
    });
  }
  return { graph, symptom: target.node, onsetAt: target.at, metrics };
}
