import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { openSqlite } from "./sqlite/open-database.ts";

// The repository's behaviour runs against both engines in store-contract.ts; this checks what only a
// query plan shows: enrichment's "changes of these services between t1 and t2" and the deploy cache's
// reload use their indexes instead of scanning every change ever recorded.
describe("changes table indexes (SQLite)", () => {
  it("answers service-and-time and kind-and-time reads from an index", async () => {
    const { raw, db } = await openSqlite({ dataDir: ":memory:", synchronous: "full" });
    try {
      const plan = (sql: string, ...params: unknown[]) =>
        (raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((row) => row.detail).join("\n");
      const byService = plan(
        "SELECT * FROM changes WHERE at >= ? AND at <= ? AND service IN (?, ?) AND tenant = ? AND environment = ? ORDER BY at DESC LIMIT 10",
        0,
        1,
        "a",
        "b",
        "t",
        "e",
      );
      assert.match(byService, /USING INDEX changes_service_at/, byService);
      const byKind = plan(
        "SELECT * FROM changes WHERE at >= ? AND at <= ? AND kind IN (?) ORDER BY at DESC LIMIT 10",
        0,
        1,
        "deploy",
      );
      assert.match(byKind, /USING INDEX changes_kind_at/, byKind);
    } finally {
      await db.destroy();
    }
  });
});
