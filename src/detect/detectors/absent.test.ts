import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FIRING_SCORE } from "../detection.ts";
import { MINUTE, T0 } from "../test-fixtures.ts";
import { AbsentDetector } from "./absent.ts";

describe("AbsentDetector", () => {
  it("does not fire before the series has ever been seen", () => {
    const d = new AbsentDetector({ for: 5 * MINUTE });
    const c = d.check(T0 + 60 * MINUTE);
    assert.equal(c.firing, false);
    assert.equal(c.score, 0);
  });

  it("fires once the last sample is `for` old, and the next sample ends it", () => {
    const d = new AbsentDetector({ for: 5 * MINUTE });
    d.update(T0, 1);
    assert.equal(d.check(T0 + 4 * MINUTE).firing, false);
    assert.ok(d.check(T0 + 4 * MINUTE).score < FIRING_SCORE);
    const gap = d.check(T0 + 5 * MINUTE);
    assert.equal(gap.firing, true);
    assert.equal(gap.score, FIRING_SCORE);
    assert.ok(d.check(T0 + 10 * MINUTE).score > FIRING_SCORE);
    const back = d.update(T0 + 11 * MINUTE, 2);
    assert.equal(back.firing, true);
    assert.match(back.reason, /no sample for 660s .*until this sample/);
    assert.equal(d.check(T0 + 12 * MINUTE).firing, false);
  });

  it("never fires while samples keep arriving within `for`", () => {
    const d = new AbsentDetector({ for: 5 * MINUTE });
    for (let i = 0; i < 100; i++) {
      assert.equal(d.update(T0 + i * 4 * MINUTE, i).firing, false);
      assert.equal(d.check(T0 + i * 4 * MINUTE + 3 * MINUTE).firing, false);
    }
  });

  it("resumes from its snapshot", () => {
    const a = new AbsentDetector({ for: MINUTE });
    a.update(T0, 1);
    const b = new AbsentDetector({ for: MINUTE }, JSON.parse(JSON.stringify(a.snapshot())));
    assert.equal(b.check(T0 + 2 * MINUTE).firing, true);
  });
});
