import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeCluster } from "../../../testing/fake-kubernetes.ts";
import { rolloutOf, rolloutSummary } from "./rollout-history.ts";

type Obj = Record<string, unknown>;
const ONSET = Date.parse("2026-11-02T10:00:00Z");

/** cart's three ReplicaSets (one a canary of another owner), created an hour apart, the current one at 09:54. */
function cluster(): FakeCluster {
  const c = new FakeCluster();
  const created: Record<string, string> = {
    "cart-a1": "2026-11-01T12:00:00Z",
    "cart-canary-b2": "2026-11-02T08:00:00Z",
    "cart-c3": "2026-11-02T09:54:00Z",
  };
  for (const rs of c.replicaSets) {
    const metadata = rs.metadata as Obj;
    metadata.creationTimestamp = created[metadata.name as string];
  }
  return c;
}

describe("rollout history", () => {
  it("lists the Deployment's own revisions newest first, with images, change causes and creation times", () => {
    const c = cluster();
    const rollout = rolloutOf(c.deployment, c.replicaSets);
    assert.deepEqual(
      rollout.revisions.map((r) => [r.revision, r.replicaSet, r.images, r.changeCause, r.createdAt]),
      [
        [3, "cart-c3", ["shop/cart:3"], "v3", Date.parse("2026-11-02T09:54:00Z")],
        [1, "cart-a1", ["shop/cart:1"], "v1", Date.parse("2026-11-01T12:00:00Z")],
      ],
    );
    assert.equal(rollout.problem, null);
    assert.equal(
      rolloutSummary("shop", rollout, ONSET),
      'deployment shop/cart: current revision 3 (shop/cart:3, "v3") created 2026-11-02T09:54:00.000Z — 6 min before onset; before it revision 1 (shop/cart:1, "v1") created 2026-11-01T12:00:00.000Z',
    );
  });

  it("says when a rollout is stuck, and when there is no history", () => {
    const c = cluster();
    c.deployment.status = {
      conditions: [
        { type: "Available", status: "True", reason: "MinimumReplicasAvailable" },
        {
          type: "Progressing",
          status: "False",
          reason: "ProgressDeadlineExceeded",
          message: 'ReplicaSet "cart-c3" has timed out progressing.',
        },
      ],
    };
    assert.match(
      rolloutSummary("shop", rolloutOf(c.deployment, c.replicaSets), ONSET),
      /; rollout: Progressing=False ProgressDeadlineExceeded: ReplicaSet "cart-c3" has timed out progressing\.$/,
    );
    assert.equal(
      rolloutSummary("shop", rolloutOf(c.deployment, []), ONSET),
      "deployment shop/cart: no revision history (no ReplicaSet with a revision)",
    );
  });
});
