import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { seededRandom } from "../../core/seeded-random.ts";
import { SlotWindow } from "./slot-window.ts";

describe("SlotWindow", () => {
  it("keeps the last `capacity` values per slot and answers their quantiles", () => {
    const w = new SlotWindow(2, 5);
    for (const v of [5, 1, 4, 2, 3]) w.add(0, v);
    assert.deepEqual(Array.from(w.sorted(0)), [1, 2, 3, 4, 5]);
    assert.equal(w.quantile(0, 0.5), 3);
    assert.equal(w.quantile(0, 0.25), 2);
    assert.equal(w.count(1), 0);
    assert.ok(Number.isNaN(w.quantile(1, 0.5)));
    w.add(0, 10); // drops the oldest, 5
    assert.deepEqual(Array.from(w.sorted(0)), [1, 2, 3, 4, 10]);
    assert.equal(w.quantile(0, 0.5), 3);
  });

  it("matches a sort of the last values after many random adds, with duplicates", () => {
    const u = seededRandom(7);
    const w = new SlotWindow(3, 17);
    const history: number[][] = [[], [], []];
    for (let i = 0; i < 2000; i++) {
      const slot = Math.floor(u() * 3);
      const v = Math.floor(u() * 10);
      w.add(slot, v);
      (history[slot] as number[]).push(v);
    }
    history.forEach((values, slot) => {
      const expected = values.slice(-17).sort((a, b) => a - b);
      assert.deepEqual(Array.from(w.sorted(slot)), expected);
    });
  });

  it("round-trips through its snapshot, oldest first", () => {
    const w = new SlotWindow(2, 3);
    for (const v of [1, 2, 3, 4]) w.add(1, v);
    assert.deepEqual(w.snapshot(), [[], [2, 3, 4]]);
    const back = new SlotWindow(2, 3, JSON.parse(JSON.stringify(w.snapshot())));
    back.add(1, 0);
    assert.deepEqual(Array.from(back.sorted(1)), [0, 3, 4]);
  });

  it("refuses nonsense sizes", () => {
    assert.throws(() => new SlotWindow(0, 3), /slots/);
    assert.throws(() => new SlotWindow(2, 1.5), /capacity/);
    assert.throws(() => new SlotWindow(2, 3, [[1]]), /state has 1 slots/);
  });
});
