// Synthetic series for the detectors' tests: seeded, so a failure can be replayed.

/** Small seeded PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box–Muller) from a seeded PRNG. */
export function gaussian(seed: number): () => number {
  const u = prng(seed);
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
