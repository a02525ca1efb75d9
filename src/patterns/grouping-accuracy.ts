/**
 * Loghub grouping accuracy: a line is correct when the set of lines in its predicted group is
 * exactly the set of lines sharing its true event id; the result is correct lines / all lines.
 */
export function groupingAccuracy(predicted: readonly (string | number)[], truth: readonly string[]): number {
  return groupingScores(predicted, truth).ga;
}

/** Grouping accuracy (GA) and its template-level F1 (FGA), from one comparison of the groups. */
export interface GroupingScores {
  /** Lines whose predicted group is exactly their true group, over all lines. */
  readonly ga: number;
  /** Harmonic mean of precision (exact groups / predicted groups) and recall (exact groups / true groups). */
  readonly fga: number;
}

/**
 * GA and FGA (Loghub-2.0, Jiang et al. 2024): FGA counts groups rather than lines, so a parser that
 * gets the few big groups right and splits the many small ones scores high GA and low FGA.
 */
export function groupingScores(predicted: readonly (string | number)[], truth: readonly string[]): GroupingScores {
  if (predicted.length !== truth.length) throw new Error("predicted and truth differ in length");
  if (predicted.length === 0) return { ga: 1, fga: 1 };
  const byPredicted = new Map<string | number, number[]>();
  predicted.forEach((p, line) => {
    const lines = byPredicted.get(p);
    if (lines) lines.push(line);
    else byPredicted.set(p, [line]);
  });
  const truthSize = new Map<string, number>();
  for (const t of truth) truthSize.set(t, (truthSize.get(t) ?? 0) + 1);
  let correct = 0;
  let exactGroups = 0;
  for (const lines of byPredicted.values()) {
    const first = truth[lines[0] as number] as string;
    if (truthSize.get(first) === lines.length && lines.every((l) => truth[l] === first)) {
      correct += lines.length;
      exactGroups++;
    }
  }
  const precision = exactGroups / byPredicted.size;
  const recall = exactGroups / truthSize.size;
  const fga = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { ga: correct / predicted.length, fga };
}

/**
 * Parsing accuracy (PA): the share of lines whose predicted template is exactly the true one, after
 * collapsing runs of whitespace on both sides (the published definition compares the strings as they are).
 */
export function parsingAccuracy(predicted: readonly string[], truth: readonly string[]): number {
  if (predicted.length !== truth.length) throw new Error("predicted and truth differ in length");
  if (predicted.length === 0) return 1;
  const normal = (t: string) => t.trim().replace(/\s+/g, " ");
  let correct = 0;
  for (let i = 0; i < predicted.length; i++) if (normal(predicted[i] as string) === normal(truth[i] as string)) correct++;
  return correct / predicted.length;
}
