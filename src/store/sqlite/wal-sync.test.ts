import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { WalSync } from "./wal-sync.ts";

const dir = mkdtempSync(join(tmpdir(), "wal-sync-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** An fsync the test finishes by hand, to see which callers wait for which flush. */
function manualFlush() {
  const calls: ((error: NodeJS.ErrnoException | null) => void)[] = [];
  return { calls, flush: (_fd: number, done: (error: NodeJS.ErrnoException | null) => void) => calls.push(done) };
}

describe("WalSync", () => {
  it("makes a commit durable only with an fsync that started after it, and shares one fsync among waiting commits", async () => {
    const path = join(dir, "a-wal");
    writeFileSync(path, "");
    const { calls, flush } = manualFlush();
    const sync = new WalSync(path, flush);
    const order: string[] = [];
    const first = sync.durable().then(() => order.push("first"));
    // Committed while the first fsync runs: the first one may not cover them.
    const second = sync.durable().then(() => order.push("second"));
    const third = sync.durable().then(() => order.push("third"));
    assert.equal(calls.length, 1);
    calls[0]?.(null);
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(order, ["first"]);
    assert.equal(calls.length, 2, "one more fsync serves both later commits");
    calls[1]?.(null);
    await Promise.all([second, third]);
    assert.deepEqual(order, ["first", "second", "third"]);
    await sync.close();
  });

  it("reports a failed fsync to the commits waiting on it, and the next commit tries again", async () => {
    const path = join(dir, "b-wal");
    writeFileSync(path, "");
    const { calls, flush } = manualFlush();
    const sync = new WalSync(path, flush);
    const failed = sync.durable();
    calls[0]?.(Object.assign(new Error("EIO: i/o error"), { code: "EIO" }));
    await assert.rejects(failed, /EIO/);
    const retried = sync.durable();
    assert.equal(calls.length, 2);
    calls[1]?.(null);
    await retried;
    await sync.close();
  });

  it("fsyncs a real file", async () => {
    const path = join(dir, "c-wal");
    writeFileSync(path, "frames");
    const sync = new WalSync(path);
    await Promise.all([sync.durable(), sync.durable(), sync.durable()]);
    await sync.close();
  });
});
