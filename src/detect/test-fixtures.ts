// Synthetic series for the detectors' tests: seeded, so a failure can be replayed.
import { seededRandom } from "../core/seeded-random.ts";

/** Standard normal draws (Box–Muller) from a seeded PRNG. */
export function gaussian(seed: number): () => number {
  const u = seededRandom(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** A Monday, 00:00 UTC. */
export const T0 = Date.UTC(2024, 0, 1);

/** Feeds `values` at a fixed step from T0 and returns each detection. */
export function run<R>(
  detector: { update(time: number, value: number): R },
  values: ArrayLike<number>,
  step = MINUTE,
  start = T0,
): R[] {
  const out: R[] = [];
  for (let i = 0; i < values.length; i++) out.push(detector.update(start + i * step, values[i] as number));
  return out;
}

/** Indices where the detections fire for the first time after not firing (alert onsets). */
export function onsets(detections: ReadonlyArray<{ firing: boolean }>): number[] {
  const out: number[] = [];
  detections.forEach((d, i) => {
    if (d.firing && !detections[i - 1]?.firing) out.push(i);
  });
  return out;
}
