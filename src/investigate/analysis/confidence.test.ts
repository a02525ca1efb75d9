import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { abstention, beliefShares } from "./confidence.ts";

describe("beliefShares", () => {
  it("gives e times the belief per point and leaves the rest to 'none of these'", () => {
    const { shares, unexplained } = beliefShares([3, 2], 2);
    const total = Math.E ** 3 + 2 * Math.E ** 2;
    assert.ok(Math.abs((shares[0] as number) - Math.E ** 3 / total) < 1e-12);
    assert.ok(Math.abs((shares[1] as number) - Math.E ** 2 / total) < 1e-12);
    assert.ok(Math.abs(unexplained - Math.E ** 2 / total) < 1e-12);
    assert.ok(Math.abs(shares.reduce((a, b) => a + b, unexplained) - 1) < 1e-12);
  });

  it("stays finite for very large scores", () => {
    const { shares, unexplained } = beliefShares([900, 10], 2);
    assert.ok(Math.abs((shares[0] as number) - 1) < 1e-12);
    assert.ok(unexplained >= 0 && Number.isFinite(unexplained));
  });

  it("leaves everything to 'none of these' without candidates", () => {
    assert.deepEqual(beliefShares([], 2), { shares: [], unexplained: 1 });
  });
});

describe("abstention", () => {
  it("abstains without a candidate, below the minimum share, and asserts at or above it", () => {
    assert.equal(abstention(undefined, 0.5), "no-evidence");
    assert.equal(abstention(0.49, 0.5), "not-decisive");
    assert.equal(abstention(0.5, 0.5), null);
    assert.equal(abstention(0.9, 0.5), null);
  });
});
