// Cost per signal of the pattern step on the ingest path (mask or mine, then the fingerprint hash):
// the mining catalog over the SQLite patterns table, as `serve` runs it, against the masking it
// replaced; plus the cost of a message no pattern covers yet (a claim in the database).
// Run: node --import tsx bench/pattern-catalog.ts   (NEW_PATTERNS=10000 for more new problems; default 1,000)
import type { Signal } from "../src/core/signal.ts";
import { PatternCatalog } from "../src/patterns/pattern-catalog.ts";
import { errorPatternOf, fingerprintOf, fingerprintSignals } from "../src/pipeline/correlate/fingerprint.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { bodyMaker } from "./bodies.ts";
import { median, formatNumber as n } from "./stats.ts";

const SIGNALS = 200_000;
const NEW_PATTERNS = Number(process.env.NEW_PATTERNS ?? 1_000);
const BATCH = 100;
const RUNS = 7;

// The ingest bench's bodies: 25 error templates x 40 services, ids, numbers, IPs and hashes varying.
const make = bodyMaker("anomaly", 1, "catalog", 42);
const signals = Array.from({ length: SIGNALS }, () => {
  const body = JSON.parse(make()) as { service: string; message: string };
  return { tenant: "default", service: body.service, environment: "production", title: "", message: body.message } as Signal;
});
const batches: Signal[][] = [];
for (let i = 0; i < signals.length; i += BATCH) batches.push(signals.slice(i, i + BATCH));
const reset = () => {
  for (const s of signals) s.errorPattern = "";
};

async function run(name: string, count: number, once: () => Promise<number>): Promise<{ name: string; ns: number }> {
  await once(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push((await once()) / count);
  return { name, ns: median(times) };
}

const elapsed = (start: bigint) => Number(process.hrtime.bigint() - start);

const store = await SqliteStore.open({ dataDir: ":memory:", synchronous: "normal" });
const catalog = new PatternCatalog({ repository: store.patterns });
const rows = [
  await run("Before: mask the message, hash the masked text", SIGNALS, async () => {
    reset();
    const start = process.hrtime.bigint();
    for (const batch of batches) {
      for (const s of batch) {
        s.errorPattern = errorPatternOf(s);
        fingerprintOf(s, s.errorPattern);
      }
    }
    return elapsed(start);
  }),
  await run("After: mine over the SQLite patterns table (steady state), hash the pattern id", SIGNALS, async () => {
    reset();
    const start = process.hrtime.bigint();
    for (const batch of batches) {
      await fingerprintSignals(batch, catalog);
      catalog.takeChanges();
    }
    return elapsed(start);
  }),
];

// Messages of a new problem each (distinct plain words, so no pattern covers another): every one is a
// miss that claims a pattern in the database, in batches of 100 (one transaction per batch).
let round = 0;
const word = (i: number) => {
  let w = "";
  for (let k = i + 1; k > 0; k = Math.floor((k - 1) / 26)) w = String.fromCharCode(97 + ((k - 1) % 26)) + w;
  return w;
};
rows.push(
  await run("A new problem: claim a pattern in SQLite (batches of 100)", NEW_PATTERNS, async () => {
    round++;
    const fresh = await SqliteStore.open({ dataDir: ":memory:", synchronous: "normal" });
    const cold = new PatternCatalog({ repository: fresh.patterns, maxPatterns: NEW_PATTERNS * 2 });
    const messages = Array.from({ length: NEW_PATTERNS }, (_, i) => `${word(i)} failed in module m.${word(round)} with code x.y`);
    const start = process.hrtime.bigint();
    for (let i = 0; i < messages.length; i += BATCH) await cold.identify(messages.slice(i, i + BATCH));
    const ns = elapsed(start);
    await fresh.close();
    return ns;
  }),
);
await store.close();

console.log(`| Pattern step per signal (median of ${RUNS} runs) | ns per signal | per second |`);
console.log("| --- | ---: | ---: |");
for (const row of rows) console.log(`| ${row.name} | ${n(Math.round(row.ns))} | ${n(Math.round(1e9 / row.ns))} |`);
console.log(`\n${n(SIGNALS)} signals of the ingest bench's bodies gave ${catalog.size} patterns (its 25 templates).`);
