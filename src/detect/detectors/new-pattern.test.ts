import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FIRING_SCORE } from "../detection.ts";
import { MINUTE, onsets, T0 } from "../test-fixtures.ts";
import { NewPatternDetector } from "./new-pattern.ts";

describe("NewPatternDetector", () => {
  it("fires on a first sighting after a deploy, holds for `hold`, then clears", () => {
    const d = new NewPatternDetector({ after: 60 * MINUTE, hold: 10 * MINUTE });
    const values = [-1, -1, 120, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1];
    const out = values.map((v, i) => d.update(T0 + i * MINUTE, v));
    assert.deepEqual(onsets(out), [2]);
    assert.ok((out[2]?.score as number) > FIRING_SCORE, "a sighting 2 minutes after the deploy scores above 0.85");
    assert.match(out[2]?.reason ?? "", /never seen before appeared 120s after a deploy/);
    assert.equal(out[11]?.firing, true, "held for 10 minutes");
    assert.equal(out[12]?.firing, false);
  });

  it("ignores sightings later than `after`, and series that never had one", () => {
    const d = new NewPatternDetector({ after: 5 * MINUTE });
    assert.equal(d.update(T0, 600).firing, false, "10 minutes after the deploy is past `after`");
    assert.equal(d.update(T0 + MINUTE, -1).score, 0);
  });
});
