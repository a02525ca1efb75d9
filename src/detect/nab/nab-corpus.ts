import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseSeriesCsv, parseTimestamp } from "../series-csv.ts";
import type { CostMatrix, LabelledSeries } from "./nab-score.ts";

/** One NAB data file: its points and labelled windows. */
export interface NabSeries extends LabelledSeries {
  /** Category folder, e.g. "realKnownCause". */
  readonly category: string;
  readonly times: Float64Array;
  readonly values: Float64Array;
}

/** A NAB-layout corpus read in place: `data/<category>/*.csv`, `labels/combined_windows.json`, `config/profiles.json`. */
export interface NabCorpus {
  readonly series: NabSeries[];
  readonly profiles: Record<string, CostMatrix>;
}

/** Loads a NAB-layout directory; throws naming the file when a window does not fall on a data point. */
export function loadNabCorpus(dir: string): NabCorpus {
  const windowsFile = join(dir, "labels", "combined_windows.json");
  const profilesFile = join(dir, "config", "profiles.json");
  if (!existsSync(windowsFile) || !existsSync(profilesFile)) {
    throw new Error(`${dir}: not a NAB corpus (needs labels/combined_windows.json and config/profiles.json)`);
  }
  const labels = JSON.parse(readFileSync(windowsFile, "utf8")) as Record<string, [string, string][]>;
  const rawProfiles = JSON.parse(readFileSync(profilesFile, "utf8")) as Record<string, { CostMatrix: CostMatrix }>;
  const profiles: Record<string, CostMatrix> = {};
  for (const [name, p] of Object.entries(rawProfiles)) profiles[name] = p.CostMatrix;

  const series: NabSeries[] = [];
  for (const category of readdirSync(join(dir, "data")).sort()) {
    for (const file of readdirSync(join(dir, "data", category)).sort()) {
      if (!file.endsWith(".csv")) continue;
      const name = `${category}/${file}`;
      const limits = labels[name];
      if (!limits) continue;
      const csv = parseSeriesCsv(readFileSync(join(dir, "data", category, file), "utf8"), name);
      const index = new Map<number, number>();
      // NAB matches a window limit to the first row with that timestamp.
      csv.times.forEach((t, i) => {
        if (!index.has(t)) index.set(t, i);
      });
      const windows = limits.map(([from, to]): [number, number] => {
        const start = index.get(parseTimestamp(from));
        const end = index.get(parseTimestamp(to));
        if (start === undefined || end === undefined) throw new Error(`${name}: window ${from}..${to} is not on data points`);
        return [start, end];
      });
      series.push({ name, category, length: csv.values.length, times: csv.times, values: csv.values, windows });
    }
  }
  return { series, profiles };
}
