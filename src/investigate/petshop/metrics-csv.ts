import { SluiceError } from "../../core/errors.ts";
import { parseCsv } from "../../patterns/csv.ts";

/** One column of a PetShop metrics file: a node's metric under one statistic, one value per row (NaN = empty). */
export interface MetricColumn {
  readonly node: string;
  readonly metric: string;
  readonly statistic: string;
  readonly values: Float64Array;
}

/** A PetShop metrics file: the rows' timestamps (epoch ms) and every column. */
export interface MetricsTable {
  readonly timestamps: readonly number[];
  readonly columns: readonly MetricColumn[];
}

const HEADER = ["microservice", "metric", "statistic", "unix_timestamp"] as const;

const invalid = (path: string, message: string) =>
  new SluiceError("VALIDATION_FAILED", `${path}: ${message}`, { problems: [{ path, message }] });

/**
 * Parses a PetShop `metrics.csv`: four header rows (microservice, metric, statistic, unix_timestamp) naming
 * each column, then one row per time step starting with its Unix time in seconds. Empty cells are missing
 * values; a column with no node name (a trailing comma) is ignored. `path` names the file in errors.
 */
export function parseMetricsCsv(text: string, path: string): MetricsTable {
  const rows = parseCsv(text).filter((row) => row.some((cell) => cell.trim() !== ""));
  HEADER.forEach((label, i) => {
    const first = rows[i]?.[0]?.trim();
    if (first !== label) throw invalid(path, `header row ${i + 1} must start with "${label}", found "${first ?? ""}"`);
  });
  const [nodes, metrics, statistics] = rows as [string[], string[], string[], string[]];
  const body = rows.slice(HEADER.length);
  const wanted: number[] = [];
  for (let c = 1; c < nodes.length; c++) {
    if ((nodes[c] ?? "").trim() === "") continue;
    if (!metrics[c]?.trim() || !statistics[c]?.trim())
      throw invalid(path, `column ${c + 1} (${nodes[c]}) has no metric or statistic`);
    wanted.push(c);
  }
  const timestamps: number[] = [];
  const values = wanted.map(() => new Float64Array(body.length));
  body.forEach((row, r) => {
    const seconds = Number(row[0]);
    if (row[0]?.trim() === "" || !Number.isFinite(seconds)) throw invalid(path, `row ${r + 5}: "${row[0]}" is not a Unix time`);
    timestamps.push(seconds * 1000);
    wanted.forEach((c, i) => {
      const cell = (row[c] ?? "").trim();
      const value = cell === "" ? Number.NaN : Number(cell);
      if (cell !== "" && !Number.isFinite(value)) throw invalid(path, `row ${r + 5}, column ${c + 1}: "${cell}" is not a number`);
      (values[i] as Float64Array)[r] = value;
    });
  });
  for (let r = 1; r < timestamps.length; r++) {
    if ((timestamps[r] as number) <= (timestamps[r - 1] as number)) throw invalid(path, `row ${r + 5}: timestamps must increase`);
  }
  const columns = wanted.map((c, i) => ({
    node: (nodes[c] as string).trim(),
    metric: (metrics[c] as string).trim(),
    statistic: (statistics[c] as string).trim(),
    values: values[i] as Float64Array,
  }));
  return { timestamps, columns };
}
