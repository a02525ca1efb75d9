import type { BadDirection, Baseline, Departure, Sample } from "./types.ts";

/** Signed robust z of one value: positive when the value moved the bad way. */
export function badZ(baseline: Baseline, value: number, direction: BadDirection): number {
  const z = (value - baseline.center) / baseline.scale;
  return direction === "up" ? z : direction === "down" ? -z : Math.abs(z);
}

/**
 * When and how far a series departed from its baseline around `onsetAt` (epoch ms). Samples that ended by
 * onset are "before"; the rest (including the one that contains onset) are "during". A departure already
 * present in every sample before onset — a level that differs from the baseline window for reasons older than
 * the incident — is subtracted from the samples during it, so only what changed at onset counts.
 */
export function measureDeparture(
  baseline: Baseline,
  samples: readonly Sample[],
  options: { readonly onsetAt: number; readonly direction: BadDirection; readonly threshold: number },
): Departure {
  const beforeZ: number[] = [];
  const during: { start: number; z: number }[] = [];
  for (const s of samples) {
    if (!Number.isFinite(s.value)) continue;
    const z = badZ(baseline, s.value, options.direction);
    if (s.end <= options.onsetAt) beforeZ.push(z);
    else during.push({ start: s.start, z });
  }
  during.sort((a, b) => a.start - b.start);
  const before = beforeZ.length > 0 ? Math.max(0, Math.min(...beforeZ)) : 0;
  let peak = Number.NEGATIVE_INFINITY;
  let cumulative = 0;
  let departedAt: number | null = null;
  for (const { start, z } of during) {
    const d = z - before;
    peak = Math.max(peak, d);
    if (d > 0) cumulative += d;
    if (departedAt === null && d >= options.threshold) departedAt = start;
  }
  return { peak: during.length > 0 ? peak : 0, cumulative, departedAt, before, samplesDuring: during.length };
}
