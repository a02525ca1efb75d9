import assert from "node:assert/strict";
import { it } from "node:test";
import { OffsetTracker } from "./offset-tracker.ts";

it("commits only past an unbroken run of finished offsets, per partition", () => {
  const tracker = new OffsetTracker();
  for (const offset of [10n, 11n, 12n]) tracker.track("t", 0, offset);
  tracker.track("t", 1, 5n);
  assert.equal(tracker.inFlight, 4);
  tracker.finish("t", 0, 11n);
  assert.deepEqual(tracker.committable(), []);
  tracker.finish("t", 0, 10n);
  assert.deepEqual(tracker.committable(), [{ topic: "t", partition: 0, offset: 12n }]);
  tracker.committed("t", 0, 12n);
  assert.deepEqual(tracker.committable(), []);
  tracker.finish("t", 0, 12n);
  tracker.finish("t", 1, 5n);
  assert.deepEqual(tracker.committable(), [
    { topic: "t", partition: 0, offset: 13n },
    { topic: "t", partition: 1, offset: 6n },
  ]);
  assert.equal(tracker.inFlight, 0);
  // Read again after a rebalance: already done, nothing to track; the commit point never moves back.
  assert.equal(tracker.track("t", 0, 11n), false);
  assert.equal(tracker.track("t", 0, 13n), true);
  assert.equal(tracker.track("t", 0, 13n), false);
});

it("forgets partitions it no longer owns", () => {
  const tracker = new OffsetTracker();
  tracker.track("t", 0, 1n);
  tracker.track("t", 1, 1n);
  tracker.retain(new Set(["t:1"]));
  assert.equal(tracker.inFlight, 1);
  tracker.finish("t", 0, 1n);
  assert.equal(tracker.inFlight, 1);
});
