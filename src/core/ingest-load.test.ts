import assert from "node:assert/strict";
import { it } from "node:test";
import { IngestLoad } from "./ingest-load.ts";

it("is busy while signals wait, and for a quiet period after the last request", () => {
  let now = 10_000;
  let waiting = 0;
  let lastRequestAt = Number.NEGATIVE_INFINITY;
  const load = new IngestLoad(1_000, () => now);
  assert.equal(load.busy(), false, "nothing measured yet");
  load.measure(
    () => waiting,
    () => lastRequestAt,
  );
  assert.equal(load.busy(), false, "no request ever");
  waiting = 3;
  assert.equal(load.busy(), true);
  waiting = 0;
  lastRequestAt = now - 200;
  assert.equal(load.busy(), true, "between two requests of a stream");
  now += 1_000;
  assert.equal(load.busy(), false, "quiet for a second");
});
