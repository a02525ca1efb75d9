import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newId } from "./ids.ts";

describe("newId", () => {
  it("gives unique ULIDs that sort in creation order, also within one millisecond", () => {
    const ids = Array.from({ length: 50_000 }, () => newId(1_790_000_000_000));
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual([...ids].sort(), ids);
    for (const id of ids.slice(0, 100)) assert.match(id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.ok(newId(1_790_000_000_001) > (ids.at(-1) as string));
  });

  it("draws the random part evenly over the 32 characters", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      // A new millisecond each time: the random part is fresh, not an increment of the previous one.
      for (const char of newId(1_800_000_000_000 + i).slice(10)) counts.set(char, (counts.get(char) ?? 0) + 1);
    }
    assert.equal(counts.size, 32);
    const expected = (20_000 * 16) / 32;
    for (const [char, count] of counts) assert.ok(Math.abs(count - expected) < expected * 0.1, `${char}: ${count}`);
  });
});
