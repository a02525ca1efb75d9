import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import Database from "better-sqlite3";
import { emptyChangeSet } from "../../core/ports/store.ts";
import { SqliteStore } from "./sqlite-store.ts";

it("keeps the log's backlog (entries, signals, oldest) equal to a recount through every way an entry comes and goes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-log-totals-"));
  const store = await SqliteStore.open({ dataDir: dir, synchronous: "normal" });
  // A second connection recounts the table itself, as the backlog read did before migration 0020.
  const raw = new Database(join(dir, "sluice.db"), { readonly: true });
  const recount = raw.prepare(
    "SELECT COUNT(*) AS entries, COALESCE(SUM(signal_count), 0) AS signals, MIN(appended_at) AS oldest FROM ingest_log",
  );
  const agrees = async (step: string) => {
    const counted = recount.get() as { entries: number; signals: number; oldest: number | null };
    assert.deepEqual(
      await store.ingestLog.backlog(),
      { entries: counted.entries, signals: counted.signals, oldestAppendedAt: counted.oldest },
      step,
    );
  };
  const entry = (appendedAt: number, signalCount: number) => ({
    source: "api",
    appendedAt,
    signalCount,
    body: JSON.stringify(Array.from({ length: signalCount }, (_, i) => ({ n: i }))),
    leaseUntil: 0,
  });
  try {
    await agrees("empty");
    const { positions } = await store.ingestLog.append([entry(1_000, 1), entry(2_000, 3), entry(3_000, 2)]);
    const [first, second, third] = positions as [number, number, number];
    await agrees("appended");
    assert.equal((await store.ingestLog.backlog()).signals, 6);
    await store.ingestLog.claim(5_000, 10, 60_000);
    await agrees("claimed (leases change nothing)");
    assert.equal(await store.ingestLog.split(second, ["[{}]", "[{}]", "[{}]"], 5_000), true);
    await agrees("split into one entry per signal");
    assert.equal(await store.ingestLog.deadLetter(first, "cannot be applied", 6_000), true);
    await agrees("dead-lettered");
    const applied = emptyChangeSet();
    applied.consumeLog = [third];
    await store.apply(applied);
    await agrees("applied in the transaction of its effects");
    await store.ingestDeadLetters.retry([first], 7_000, "test");
    await agrees("a dead letter retried (appended again)");
    assert.deepEqual(await store.ingestLog.backlog(), { entries: 4, signals: 4, oldestAppendedAt: 2_000 });
  } finally {
    raw.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
