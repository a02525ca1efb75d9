import assert from "node:assert/strict";
import { fstatSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { openSqlite } from "./open-database.ts";

const dir = mkdtempSync(join(tmpdir(), "checkpointer-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("the WAL checkpointer", () => {
  it("copies the WAL into the database off the main connection, so the WAL is reused instead of growing", async () => {
    const { raw, db, checkpointer, walSync } = await openSqlite({ dataDir: dir, synchronous: "full" });
    assert.ok(checkpointer && walSync);
    assert.equal(raw.pragma("wal_autocheckpoint", { simple: true }), 0, "the main connection never checkpoints inside a commit");
    raw.exec("CREATE TABLE filler (n INTEGER, text TEXT)");
    const insert = raw.prepare("INSERT INTO filler VALUES (?, ?)");
    const round = raw.transaction((from: number) => {
      for (let i = 0; i < 2000; i++) insert.run(from + i, "x".repeat(500));
    });
    const walSize = () => statSync(join(dir, "sluice.db-wal")).size;
    for (let r = 0; r < 5; r++) round(r * 2000);
    await walSync.durable();
    const grown = walSize();
    assert.ok(grown > 4_000_000, `the WAL holds the rounds (${grown} B)`);
    // Give the worker a few of its intervals, then write as much again: a checkpointed WAL restarts
    // from its beginning, so its file does not double.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (let r = 5; r < 10; r++) round(r * 2000);
    await walSync.durable();
    assert.ok(walSize() < grown * 1.5, `WAL ${walSize()} B after checkpoints vs ${grown} B before`);
    assert.equal(raw.prepare("SELECT count(*) FROM filler").pluck().get(), 20_000);
    await checkpointer.stop();
    await walSync.close();
    await db.destroy();
  });
});

describe("WAL durability across restarts", () => {
  it("fsyncs the very WAL file SQLite writes, on a fresh database and after reopening one", async () => {
    const restartDir = mkdtempSync(join(tmpdir(), "wal-inode-"));
    for (let round = 0; round < 2; round++) {
      const { raw, db, checkpointer, walSync } = await openSqlite({ dataDir: restartDir, synchronous: "full" });
      assert.ok(walSync && checkpointer);
      raw.exec("CREATE TABLE IF NOT EXISTS t (n INTEGER)");
      raw.prepare("INSERT INTO t VALUES (?)").run(round);
      await walSync.durable();
      assert.equal(fstatSync(walSync.fd).ino, statSync(join(restartDir, "sluice.db-wal")).ino, `round ${round}`);
      await checkpointer.stop();
      await walSync.close();
      await db.destroy();
    }
    rmSync(restartDir, { recursive: true, force: true });
  });
});
