// Retention: how fast a pass deletes old signals from SQLite (a file, WAL, as Sluice runs), and the
// longest the event loop waits on it meanwhile (what ingest would wait). Prints one Markdown row per run.
// Run: node --import tsx bench/retention.ts [--runs 3] [--signals 200000] [--chunk 250]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { emptyChangeSet } from "../src/core/ports/store.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { signal, stored } from "../src/testing/store-contract.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    signals: { type: "string", default: "200000" },
    chunk: { type: "string", default: "250" },
  },
});
const runs = Number(values.runs);
const total = Number(values.signals);

async function run(): Promise<{ ms: number; rows: number; stall: number }> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-retention-"));
  const store = await SqliteStore.open({ dataDir: dir, synchronous: "full" });
  try {
    for (let i = 0; i < total; i += 5000) {
      const changes = emptyChangeSet();
      for (let j = i; j < Math.min(total, i + 5000); j++) {
        changes.signals.push(stored(signal({ receivedAt: 1000 + j, sourceId: `s${j}` }), null));
      }
      await store.apply(changes);
    }
    let stall = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      stall = Math.max(stall, now - last);
      last = now;
    }, 1);
    const started = performance.now();
    const counts = await store.retention.prune(
      { records: 1000 + total, incidents: null },
      { chunk: Number(values.chunk), maxRows: total },
    );
    const ms = performance.now() - started;
    clearInterval(ticker);
    return { ms, rows: counts.signals, stall };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log("| Run | Signals deleted | Time | Per row | Longest event-loop stall |\n| --- | ---: | ---: | ---: | ---: |");
for (let i = 1; i <= runs; i++) {
  const { ms, rows, stall } = await run();
  console.log(
    `| ${i} | ${rows.toLocaleString("en")} | ${Math.round(ms)} ms | ${((ms * 1000) / rows).toFixed(1)} µs | ${stall.toFixed(1)} ms |`,
  );
}
