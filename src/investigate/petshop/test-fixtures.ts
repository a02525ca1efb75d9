import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A small PetShop-format directory for tests. front calls api, search and lb_remote (an opaque load balancer in
 * front of search); api calls db. Normal operation is 200 five-minute rows of deterministic noise. Three issues:
 * - test/issue_0: db slows down; api and front slow down with it (latency).
 * - test/issue_1: search fails some requests and its load balancer reports more failures (availability).
 * - test/issue_10: nothing happens (latency); the analysis should abstain.
 * - train/issue_0: api slows down on its own (latency).
 * Every target.json carries a root_cause, as the real dataset does, so tests can scramble or remove it.
 */
export const FIXTURE_NODES = ["front", "api", "db", "search", "lb_remote"] as const;
const EDGES: Record<string, string[]> = { front: ["api", "search", "lb_remote"], api: ["db"] };
const LATENCY: Record<string, number> = { front: 0.2, api: 0.08, db: 0.01, search: 0.05, lb_remote: 0.06 };
const STEP_S = 300;
const T0 = 1_681_800_000;

/** Deterministic noise in [-1, 1] (a linear congruential generator), so fixtures never flake. */
function noise(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return (state / 2 ** 32) * 2 - 1;
  };
}

interface Row {
  t: number;
  latency: Record<string, number>;
  availability: Record<string, number>;
}

function normalRow(t: number, next: () => number): Row {
  const latency: Record<string, number> = {};
  const availability: Record<string, number> = {};
  for (const node of FIXTURE_NODES) {
    latency[node] = (LATENCY[node] as number) * (1 + 0.05 * next());
    availability[node] = 100;
  }
  return { t, latency, availability };
}

function metricsCsv(rows: Row[]): string {
  const columns = FIXTURE_NODES.flatMap((node) => [
    { node, metric: "latency", statistic: "Average" },
    { node, metric: "availability", statistic: "Average" },
  ]);
  const lines = [
    // The real files end their header rows with a comma: an unnamed, empty column.
    `microservice,${columns.map((c) => c.node).join(",")},`,
    `metric,${columns.map((c) => c.metric).join(",")},`,
    `statistic,${columns.map((c) => c.statistic).join(",")},`,
    `unix_timestamp,${columns.map(() => "").join(",")},`,
  ];
  for (const row of rows) {
    const cells = columns.map((c) => String(c.metric === "latency" ? row.latency[c.node] : row.availability[c.node]));
    lines.push(`${row.t.toFixed(1)},${cells.join(",")},`);
  }
  return `${lines.join("\n")}\n`;
}

function graphCsv(): string {
  const header = `,${FIXTURE_NODES.join(",")}`;
  const rows = FIXTURE_NODES.map(
    (caller) => `${caller},${FIXTURE_NODES.map((callee) => (EDGES[caller]?.includes(callee) ? "1.0" : "0.0")).join(",")}`,
  );
  return `${[header, ...rows].join("\n")}\n`;
}

/** Five rows around onset: two before, three during; `during` changes a row in place. */
function issueRows(start: number, seed: number, during: (row: Row, i: number) => void): { rows: Row[]; onset: number } {
  const next = noise(seed);
  const rows = Array.from({ length: 5 }, (_, i) => normalRow(start + i * STEP_S, next));
  rows.slice(2).forEach(during);
  return { rows, onset: start + 2 * STEP_S + 60 };
}

function writeIssue(dir: string, name: string, rows: Row[], target: object, rootCause: string) {
  const issueDir = join(dir, name);
  mkdirSync(issueDir, { recursive: true });
  writeFileSync(join(issueDir, "metrics.csv"), metricsCsv(rows));
  writeFileSync(
    join(issueDir, "target.json"),
    JSON.stringify({ target, root_cause: { node: rootCause, metric: null }, metadata: { reproducibility: { command: "x" } } }),
  );
}

/** Writes the fixture into a new temporary directory and returns its path. */
export function writePetshopFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-petshop-"));
  writeFileSync(join(dir, "graph.csv"), graphCsv());
  mkdirSync(join(dir, "noissue"));
  const next = noise(7);
  const normal = Array.from({ length: 200 }, (_, i) => normalRow(T0 + i * STEP_S, next));
  writeFileSync(join(dir, "noissue", "metrics.csv"), metricsCsv(normal));

  const slowDb = issueRows(T0 + 100_000, 11, (row) => {
    row.latency.db = (row.latency.db as number) + 0.05;
    row.latency.api = (row.latency.api as number) + 0.05;
    row.latency.front = (row.latency.front as number) + 0.05;
  });
  writeIssue(
    dir,
    "test/issue_0",
    slowDb.rows,
    { node: "front", metric: "latency", agg: "Average", timestamp: slowDb.onset },
    "db",
  );

  const searchErrors = issueRows(T0 + 200_000, 13, (row) => {
    row.availability.search = 97;
    row.availability.lb_remote = 90;
    row.availability.front = 99;
  });
  writeIssue(
    dir,
    "test/issue_1",
    searchErrors.rows,
    { node: "front", metric: "availability", agg: "Average", timestamp: searchErrors.onset },
    "search",
  );

  const quietRows = issueRows(T0 + 250_000, 19, () => {});
  writeIssue(
    dir,
    "test/issue_10",
    quietRows.rows,
    { node: "front", metric: "latency", agg: "Average", timestamp: quietRows.onset },
    "db",
  );

  const slowApi = issueRows(T0 + 300_000, 17, (row) => {
    row.latency.api = (row.latency.api as number) * 4;
    row.latency.front = (row.latency.front as number) + 0.25;
  });
  writeIssue(
    dir,
    "train/issue_0",
    slowApi.rows,
    { node: "front", metric: "latency", agg: "Average", timestamp: slowApi.onset },
    "api",
  );
  return dir;
}
