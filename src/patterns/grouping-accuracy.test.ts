import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { groupingAccuracy } from "./grouping-accuracy.ts";

describe("groupingAccuracy", () => {
  it("counts a line only when its predicted group equals its true group", () => {
    assert.equal(groupingAccuracy([1, 1, 2, 3], ["a", "a", "b", "c"]), 1);
    // Predicted group {0,1,2} mixes a and b: all three lines wrong; line 3 right.
    assert.equal(groupingAccuracy([1, 1, 1, 2], ["a", "a", "b", "c"]), 0.25);
    // True group a split in two: both halves wrong.
    assert.equal(groupingAccuracy([1, 2, 3], ["a", "a", "b"]), 1 / 3);
  });

  it("handles the empty input and rejects mismatched lengths", () => {
    assert.equal(groupingAccuracy([], []), 1);
    assert.throws(() => groupingAccuracy([1], []));
  });
});
