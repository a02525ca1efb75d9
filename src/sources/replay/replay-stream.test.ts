import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { inMemorySluice } from "../../testing/in-memory-sluice.ts";
import { replayFile } from "./replay-stream.ts";

describe("replayFile", async () => {
  const { sluice, clock } = await inMemorySluice();
  after(() => sluice.close());

  it("rejects a line nested thousands of levels deep, naming where, and replays the rest", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "sluice-replay-")), "deep.jsonl");
    const ok = { event_id: "r-1", anomaly_score: 0.95, service: "payments", error_message: "timeout calling bank" };
    const deep = JSON.stringify({ ...ok, event_id: "r-2", extra: "DEEP" }).replace(
      '"DEEP"',
      `${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`,
    );
    writeFileSync(file, `${deep}\n${JSON.stringify(ok)}\n`);
    const rejected: string[] = [];
    const funnel = await replayFile(file, {
      runner: sluice.runner,
      quietResolver: sluice.quietResolver,
      clock,
      onRejected: (line, message) => rejected.push(`line ${line}: ${message}`),
    });
    assert.deepEqual(rejected, ["line 1: extra.a.a.a.a.a.a.a…: nests deeper than 64 levels"]);
    assert.equal(funnel.rejected, 1);
    assert.equal(funnel.incidents, 1);
  });
});
