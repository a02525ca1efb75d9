/**
 * Loghub grouping accuracy: a line is correct when the set of lines in its predicted group is
 * exactly the set of lines sharing its true event id; the result is correct lines / all lines.
 */
export function groupingAccuracy(predicted: readonly (string | number)[], truth: readonly string[]): number {
  if (predicted.length !== truth.length) throw new Error("predicted and truth differ in length");
  if (predicted.length === 0) return 1;
  const byPredicted = new Map<string | number, number[]>();
  predicted.forEach((p, line) => {
    const lines = byPredicted.get(p);
    if (lines) lines.push(line);
    else byPredicted.set(p, [line]);
  });
  const truthSize = new Map<string, number>();
  for (const t of truth) truthSize.set(t, (truthSize.get(t) ?? 0) + 1);
  let correct = 0;
  for (const lines of byPredicted.values()) {
    const first = truth[lines[0] as number] as string;
    if (truthSize.get(first) === lines.length && lines.every((l) => truth[l] === first)) correct += lines.length;
  }
  return correct / predicted.length;
}
