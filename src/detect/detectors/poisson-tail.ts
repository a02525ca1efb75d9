// P(X ≥ k) for X ~ Poisson(λ): the chance of a count at least this large if the usual rate still held. It is the
// regularised lower incomplete gamma function P(k, λ), summed as a series (it converges fast where it matters,
// k above λ) in log space so large counts neither overflow nor underflow.

/** P(X ≥ k) for a Poisson variable with mean `lambda`; 1 for k ≤ 0. */
export function poissonTail(k: number, lambda: number): number {
  if (k <= 0) return 1;
  if (!(lambda > 0)) return 0;
  // Below the mean the tail is large and the series slow; such a count is never a spike anyway.
  if (k < lambda) return 1;
  let term = 1 / k;
  let sum = term;
  for (let n = 1; n < 10_000; n++) {
    term *= lambda / (k + n);
    sum += term;
    if (term < sum * 1e-15) break;
  }
  const logP = -lambda + k * Math.log(lambda) - logGamma(k) + Math.log(sum);
  return Math.min(1, Math.exp(logP));
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0] as number;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}
