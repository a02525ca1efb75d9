import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { SluiceError } from "../../core/errors.ts";
import { type GraphTable, parseGraphCsv } from "./graph-csv.ts";
import { type MetricsTable, parseMetricsCsv } from "./metrics-csv.ts";

/** The symptom of one PetShop issue: which node's metric (under which statistic) went wrong, and when. */
export interface PetshopTarget {
  readonly node: string;
  readonly metric: string;
  readonly statistic: string;
  /** Epoch ms. */
  readonly at: number;
}

/** One issue folder, named as `sluice rca` prints it ("test/issue_9"). */
export interface PetshopIssue {
  readonly name: string;
  readonly dir: string;
}

/** A PetShop-format directory: its call graph, its normal-operation metrics and its issue folders. */
export interface PetshopScenario {
  readonly graph: GraphTable;
  readonly normal: MetricsTable;
  readonly issues: readonly PetshopIssue[];
}

const SPLITS = ["test", "train"] as const;

const invalid = (path: string, message: string) =>
  new SluiceError("VALIDATION_FAILED", `${path}: ${message}`, { problems: [{ path, message }] });

function readText(path: string, what: string): string {
  if (!existsSync(path)) throw invalid(path, `missing: a PetShop-format directory needs ${what}`);
  return readFileSync(path, "utf8");
}

/** Reads `graph.csv`, `noissue/metrics.csv` and lists `test/issue_*` and `train/issue_*` (by split, then number). */
export function readScenario(dir: string): PetshopScenario {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw invalid(dir, "not a directory");
  const graphPath = join(dir, "graph.csv");
  const normalPath = join(dir, "noissue", "metrics.csv");
  const graph = parseGraphCsv(readText(graphPath, "graph.csv (the call graph)"), graphPath);
  const normal = parseMetricsCsv(readText(normalPath, "noissue/metrics.csv (normal operation)"), normalPath);
  const issues: PetshopIssue[] = [];
  for (const split of SPLITS) {
    const splitDir = join(dir, split);
    if (!existsSync(splitDir)) continue;
    const names = readdirSync(splitDir)
      .filter((name) => /^issue_\d+$/.test(name) && statSync(join(splitDir, name)).isDirectory())
      .sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)));
    for (const name of names) issues.push({ name: `${split}/${name}`, dir: join(splitDir, name) });
  }
  if (issues.length === 0) throw invalid(dir, "no test/issue_* or train/issue_* folders");
  return { graph, normal, issues };
}

/**
 * Reads an issue's `target.json` and returns its `target` only. The file's other fields — `root_cause` above
 * all, the answer the analysis is judged against — are never looked at.
 */
export function readTarget(issue: PetshopIssue): PetshopTarget {
  const path = join(issue.dir, "target.json");
  let parsed: unknown;
  try {
    parsed = JSON.parse(readText(path, "target.json in every issue folder"));
  } catch (error) {
    if (error instanceof SluiceError) throw error;
    throw invalid(path, `not JSON: ${(error as Error).message}`);
  }
  const target = (parsed as { target?: unknown } | null)?.target as Record<string, unknown> | undefined;
  if (!target || typeof target !== "object") throw invalid(path, 'no "target" object');
  const { node, metric, agg, timestamp } = target;
  if (typeof node !== "string" || node === "") throw invalid(path, "target.node must be a non-empty string");
  if (typeof metric !== "string" || metric === "") throw invalid(path, "target.metric must be a non-empty string");
  if (typeof agg !== "string" || agg === "") throw invalid(path, "target.agg must be a non-empty string");
  if (typeof timestamp !== "number" || !Number.isFinite(timestamp)) throw invalid(path, "target.timestamp must be a Unix time");
  return { node, metric, statistic: agg, at: timestamp * 1000 };
}

/** Reads an issue's `metrics.csv` (the incident window). */
export function readIssueMetrics(issue: PetshopIssue): MetricsTable {
  const path = join(issue.dir, "metrics.csv");
  return parseMetricsCsv(readText(path, "metrics.csv in every issue folder"), path);
}
