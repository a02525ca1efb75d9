// Quantiles from a Prometheus histogram scraped twice (before and after a measured window).

export type Buckets = Map<number, number>;

/** Cumulative bucket counts of one histogram (all label sets summed), keyed by upper bound. */
export function parseBuckets(text: string, name: string): Buckets {
  const buckets: Buckets = new Map();
  const prefix = `${name}_bucket{`;
  for (const line of text.split("\n")) {
    if (!line.startsWith(prefix)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (le === undefined || Number.isNaN(value)) continue;
    const bound = le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + value);
  }
  return buckets;
}

export function subtract(after: Buckets, before: Buckets): Buckets {
  const delta: Buckets = new Map();
  for (const [bound, count] of after) delta.set(bound, count - (before.get(bound) ?? 0));
  return delta;
}

export interface Quantile {
  /** Linear interpolation inside the bucket, as Prometheus' histogram_quantile does. */
  estimate: number;
  /** The bucket the quantile falls in: lower < true value <= upper. */
  lower: number;
  upper: number;
}

export function quantile(buckets: Buckets, q: number): Quantile | null {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Number.POSITIVE_INFINITY) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const upper of bounds) {
    const count = buckets.get(upper) ?? 0;
    if (count >= rank) {
      if (!Number.isFinite(upper)) return { estimate: lower, lower, upper };
      const inside = count - below;
      const estimate = inside > 0 ? lower + ((upper - lower) * (rank - below)) / inside : upper;
      return { estimate, lower, upper };
    }
    lower = upper;
    below = count;
  }
  return null;
}

export function total(buckets: Buckets): number {
  return buckets.get(Number.POSITIVE_INFINITY) ?? 0;
}
