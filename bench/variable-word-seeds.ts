// Pages per problem of the variable-word stream (test/support/variable-word-stream.ts), over many seeds of
// the generator, replayed as `sluice replay` does on the default configuration. Usage:
//   node --import tsx bench/variable-word-seeds.ts [first=1] [last=30] [--verbose] [--page]
// --page: patterns.settleAction page (a held incident that did not merge pages at the window's end, as before).

import { SETTLE_GROUP } from "../src/pipeline/correlate/held-page-grouping.ts";
import { mergedAway, pagesByProblem, replayVariableWords } from "../test/support/variable-word-replay-run.ts";
import { STREAM_PROBLEMS } from "../test/support/variable-word-stream.ts";

const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const verbose = process.argv.includes("--verbose");
const settleAction = process.argv.includes("--page") ? "page" : undefined;
const first = Number(args[0] ?? 1);
const last = Number(args[1] ?? 30);

const rows: string[] = [];
let perfect = 0;
let totalPages = 0;
let totalGrouped = 0;
let seeds = 0;
for (let seed = first; seed <= last; seed++) {
  const replay = await replayVariableWords(seed, settleAction);
  const problems = pagesByProblem(replay);
  let pages = 0;
  let survivors = 0;
  const notes: string[] = [];
  for (const [name, entry] of problems) {
    pages += entry.pages;
    const alive = entry.incidents.filter((i) => !mergedAway(replay, i));
    survivors += alive.length;
    if (entry.pages !== 1 || alive.length !== 1)
      notes.push(`${name}: ${entry.pages} pages, ${alive.length} left (${alive.map((i) => i.errorPattern).join(" | ")})`);
    if (verbose || entry.pages > 1)
      for (const x of entry.extra)
        notes.push(
          `  paged after hold: ${x.key} "${x.pattern}" held ${new Date(x.heldAt).toISOString().slice(11, 19)}, ${
            x.mergedAt === undefined ? "never merged" : `merged ${Math.round((x.mergedAt - x.heldAt) / 1000)} s later`
          }`,
        );
  }
  // Held incidents grouped into an open one at the end of the settle window (patterns.settleAction group).
  const grouped = replay.incidents.filter((i) =>
    (replay.timelines.get(i.id) ?? []).some((e) => e.action === "resolved" && e.rule === SETTLE_GROUP.rule),
  );
  for (const incident of grouped) notes.push(`  grouped at the window's end: ${incident.key} "${incident.errorPattern}"`);
  totalGrouped += grouped.length;
  seeds++;
  totalPages += pages;
  if (pages === STREAM_PROBLEMS.length && survivors === STREAM_PROBLEMS.length) perfect++;
  rows.push(`| ${seed} | ${replay.funnel.incidents} | ${survivors} | ${pages} | ${grouped.length} |`);
  process.stderr.write(
    `seed ${seed}: ${replay.funnel.incidents} incidents, ${survivors} left, ${pages} pages, ${grouped.length} grouped\n`,
  );
  for (const note of notes) process.stderr.write(`  ${note}\n`);
}
process.stdout.write(
  `| seed | incidents opened | left | pages | grouped at window end |\n| ---: | ---: | ---: | ---: | ---: |\n${rows.join("\n")}\n`,
);
process.stdout.write(
  `${perfect} of ${seeds} seeds page exactly once per problem (${STREAM_PROBLEMS.length} problems); ${totalPages} pages in all; ${totalGrouped} held incidents grouped at the window's end\n`,
);
