// Error-pattern mining: grouping accuracy (Loghub GA) per dataset and the miner's throughput.
// Run: node --import tsx bench/patterns.ts   (reads ../shared/datasets/loghub-dev in place)
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { patternsCommand } from "../src/cli/patterns.ts";
import { groupingAccuracy } from "../src/patterns/grouping-accuracy.ts";
import { stripHeader } from "../src/patterns/header.ts";
import { loadLoghubDatasets } from "../src/patterns/loghub.ts";
import { DEFAULT_MINER_OPTIONS, PatternMiner } from "../src/patterns/miner.ts";
import { median, formatNumber as n } from "./stats.ts";

const DATASETS = process.env.SLUICE_DATASETS ?? fileURLToPath(new URL("../../shared/datasets/loghub-dev", import.meta.url));
const RUNS = 7;
const MIN_LINES = 200_000;
// Published Drain GA on the same samples (../shared/datasets/README.md), for comparison.
const DRAIN: Record<string, number> = {
  HDFS: 0.998,
  Hadoop: 0.948,
  Spark: 0.92,
  Zookeeper: 0.967,
  BGL: 0.963,
  Apache: 1.0,
  OpenStack: 0.733,
  Mac: 0.787,
};

const datasets = loadLoghubDatasets(DATASETS);
if (datasets.length === 0) {
  console.error(`no datasets under ${DATASETS}`);
  process.exit(1);
}

const ga = (lines: readonly string[], truth: readonly string[], prepare: (line: string) => string) => {
  const miner = new PatternMiner();
  return {
    ga: groupingAccuracy(
      lines.map((l) => miner.add(prepare(l)).index),
      truth,
    ),
    patterns: miner.size,
  };
};

const rows = datasets.map((d) => {
  const raw = ga(d.rawLines, d.eventIds, stripHeader);
  const content = ga(d.contents, d.eventIds, (l) => l);
  return { name: d.name, raw, content, truth: new Set(d.eventIds).size };
});
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const f3 = (x: number) => x.toFixed(3);

// Throughput of what `sluice patterns` does per line (header strip + mine), on all raw lines
// concatenated and repeated to >= 200k lines: "first sight" is one fresh pass over the 16k distinct
// lines (every line new to the miner), "repeated" the whole >= 200k lines (mostly known sequences).
const all = datasets.flatMap((d) => d.rawLines);
const repeated: string[] = [];
while (repeated.length < MIN_LINES) repeated.push(...all);
const rate = (lines: readonly string[]) => {
  const miner = new PatternMiner();
  const start = process.hrtime.bigint();
  for (const line of lines) miner.add(stripHeader(line));
  return lines.length / (Number(process.hrtime.bigint() - start) / 1e9);
};
for (let i = 0; i < 2; i++) rate(repeated); // warm-up
const firstSight: number[] = [];
const steady: number[] = [];
for (let i = 0; i < RUNS; i++) {
  firstSight.push(rate(all));
  steady.push(rate(repeated));
}

// End to end: the command on a file of the repeated lines, output discarded (both passes, NDJSON).
const dir = mkdtempSync(join(tmpdir(), "bench-patterns-"));
const file = join(dir, "all.log");
writeFileSync(file, `${repeated.join("\n")}\n`);
const command: number[] = [];
const sink = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
for (let i = 0; i < RUNS; i++) {
  const start = process.hrtime.bigint();
  const code = await patternsCommand(file, { format: "ndjson" }, { stdout: sink() });
  if (code !== 0) throw new Error(`patternsCommand exited ${code}`);
  command.push(repeated.length / (Number(process.hrtime.bigint() - start) / 1e9));
}
rmSync(dir, { recursive: true, force: true });

const out: string[] = [];
out.push(`Configuration (one for all datasets): \`${JSON.stringify(DEFAULT_MINER_OPTIONS)}\`, generic header stripping.`, "");
out.push(
  "| Dataset | GA, raw lines (header stripped) | GA, `Content` column | Drain (published) | Patterns found (raw) | True events |",
);
out.push("| --- | ---: | ---: | ---: | ---: | ---: |");
for (const r of rows) {
  out.push(
    `| ${r.name} | ${f3(r.raw.ga)} | ${f3(r.content.ga)} | ${DRAIN[r.name]?.toFixed(3) ?? "n/a"} | ${r.raw.patterns} | ${r.truth} |`,
  );
}
const rawGa = rows.map((r) => r.raw.ga);
const contentGa = rows.map((r) => r.content.ga);
const drain = rows.map((r) => DRAIN[r.name]).filter((x): x is number => x !== undefined);
out.push(
  `| **Average** | **${f3(mean(rawGa))}** | **${f3(mean(contentGa))}** | ${f3(mean(drain))} | | |`,
  `| **Minimum** | **${f3(Math.min(...rawGa))}** | **${f3(Math.min(...contentGa))}** | ${f3(Math.min(...drain))} | | |`,
  "",
);
out.push("| Throughput (one core, median of 7 runs) | Lines | Lines/s |", "| --- | ---: | ---: |");
out.push(`| Miner, first sight (header strip + mine, fresh miner) | ${n(all.length)} | ${n(median(firstSight))} |`);
out.push(`| Miner, repeated input (header strip + mine) | ${n(repeated.length)} | ${n(median(steady))} |`);
out.push(`| \`sluice patterns\` end to end (file → NDJSON, two passes) | ${n(repeated.length)} | ${n(median(command))} |`);
out.push("");
out.push(`Machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? "unknown CPU"}), Node ${process.version}.`);
console.log(out.join("\n"));
