import type { Baseline } from "./types.ts";

/** How a normal window becomes a baseline. */
export interface BaselineOptions {
  readonly minBaselineSamples: number;
  readonly relativeScaleFloor: number;
  /**
   * Smallest scale in the series' own unit, for series whose normal level is exactly 0 (an error count), where
   * the relative floor is 0 too: say one request per sample. Default 1e-9, i.e. any move away from 0 is huge.
   */
  readonly absoluteScaleFloor?: number;
}

// Scale factors that make each spread estimate equal one standard deviation for normally distributed data.
const MAD_TO_SD = 1.4826;
const MEAN_AD_TO_SD = 1.2533;
const DEFAULT_ABSOLUTE_SCALE_FLOOR = 1e-9;

function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Median and a robust spread of the finite values of a normal window, or undefined with fewer than
 * minBaselineSamples of them. The spread is the median absolute deviation; when more than half the values sit
 * exactly on the median (availability at 100%), the mean absolute deviation stands in (the usual fallback of
 * the modified z-score), and a series that never moved gets relativeScaleFloor × |median|, so that the scale
 * is never zero and a first-ever dip still has a finite size.
 */
export function robustBaseline(values: Iterable<number>, options: BaselineOptions): Baseline | undefined {
  const finite: number[] = [];
  for (const v of values) if (Number.isFinite(v)) finite.push(v);
  if (finite.length < options.minBaselineSamples || finite.length === 0) return undefined;
  finite.sort((a, b) => a - b);
  const center = median(finite);
  const deviations = finite.map((v) => Math.abs(v - center)).sort((a, b) => a - b);
  let scale = MAD_TO_SD * median(deviations);
  if (scale === 0) scale = (MEAN_AD_TO_SD * deviations.reduce((sum, d) => sum + d, 0)) / deviations.length;
  scale = Math.max(
    scale,
    options.relativeScaleFloor * Math.abs(center),
    options.absoluteScaleFloor ?? DEFAULT_ABSOLUTE_SCALE_FLOOR,
  );
  return { center, scale, samples: finite.length };
}
