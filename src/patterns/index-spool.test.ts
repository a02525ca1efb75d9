import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IndexSpool } from "./index-spool.ts";

describe("IndexSpool", () => {
  it("gives back every value in order, across chunk boundaries", () => {
    const spool = new IndexSpool();
    try {
      const count = 65_536 * 2 + 17;
      for (let i = 0; i < count; i++) spool.push((i * 7919) % 100_003);
      assert.equal(spool.length, count);
      let i = 0;
      for (const value of spool.values()) {
        assert.equal(value, (i * 7919) % 100_003);
        i++;
      }
      assert.equal(i, count);
    } finally {
      spool.close();
    }
  });

  it("is empty when nothing was pushed", () => {
    const spool = new IndexSpool();
    assert.deepEqual([...spool.values()], []);
    spool.close();
  });
});
