import type { Registry } from "prom-client";

/** The figures the console's overview and the Grafana dashboard show, read from this process's metrics. */
export interface Overview {
  /** Signals decided, and what became of them. */
  funnel: { signals: number; gated: number; deduplicated: number; incidents: number; deliveries: number };
  /** From a signal's arrival to a platform accepting its ticket, over every platform; null without deliveries. */
  signalToTicketSeconds: { count: number; p50: number | null; p90: number | null; p99: number | null };
  /** Mean time from an incident's first signal to its acknowledgement / resolution; null when none yet. */
  mttaSeconds: number | null;
  mttrSeconds: number | null;
  /** 1 − incidents ÷ signals (0 before the first signal). */
  noiseReduction: number;
}

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

async function samples(registry: Registry, name: string): Promise<Sample[]> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return [];
  return (await metric.get()).values as Sample[];
}

const sum = (values: readonly Sample[], where: (sample: Sample) => boolean = () => true) =>
  values.filter(where).reduce((total, sample) => total + sample.value, 0);

/** The quantile of a Prometheus histogram, interpolated within its bucket as histogram_quantile() does. */
export function histogramQuantile(q: number, buckets: readonly { le: number; count: number }[]): number | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bucket of sorted) {
    if (bucket.count >= rank) {
      // Beyond the last finite bound the histogram knows nothing more: answer that bound, as Prometheus does.
      if (!Number.isFinite(bucket.le)) return lowerBound;
      const inBucket = bucket.count - lowerCount;
      return inBucket === 0 ? bucket.le : lowerBound + (bucket.le - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerBound;
}

/** A histogram's cumulative buckets summed over its labels. */
async function mergedBuckets(registry: Registry, name: string): Promise<{ le: number; count: number }[]> {
  const byBound = new Map<number, number>();
  for (const sample of await samples(registry, name)) {
    if (sample.metricName !== `${name}_bucket`) continue;
    const le = sample.labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(sample.labels.le);
    byBound.set(le, (byBound.get(le) ?? 0) + sample.value);
  }
  return [...byBound].map(([le, count]) => ({ le, count }));
}

async function mean(registry: Registry, name: string): Promise<number | null> {
  const values = await samples(registry, name);
  const count = sum(values, (s) => s.metricName === `${name}_count`);
  return count === 0 ? null : sum(values, (s) => s.metricName === `${name}_sum`) / count;
}

export async function readOverview(registry: Registry): Promise<Overview> {
  const signals = await samples(registry, "sluice_signals_total");
  const outcome = (...names: string[]) => sum(signals, (s) => names.includes(String(s.labels.outcome)));
  const decided = outcome("accepted");
  const incidents = outcome("opened");
  const deliveries = sum(await samples(registry, "sluice_deliveries_total"), (s) => s.labels.outcome === "delivered");
  const buckets = await mergedBuckets(registry, "sluice_signal_to_delivery_seconds");
  const quantile = (q: number) => histogramQuantile(q, buckets);
  return {
    funnel: {
      signals: decided,
      gated: outcome("gated", "suppressed"),
      deduplicated: outcome("deduplicated", "duplicate"),
      incidents,
      deliveries,
    },
    signalToTicketSeconds: {
      count: buckets.find((b) => !Number.isFinite(b.le))?.count ?? 0,
      p50: quantile(0.5),
      p90: quantile(0.9),
      p99: quantile(0.99),
    },
    mttaSeconds: await mean(registry, "sluice_time_to_acknowledge_seconds"),
    mttrSeconds: await mean(registry, "sluice_time_to_resolve_seconds"),
    noiseReduction: decided === 0 ? 0 : 1 - incidents / decided,
  };
}
