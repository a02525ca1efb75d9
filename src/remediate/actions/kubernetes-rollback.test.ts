import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  annotationsAfterRollback,
  type JsonObject,
  mergePatchDiff,
  previousReplicaSet,
  selectorQuery,
  templateToRestore,
} from "./kubernetes-rollback.ts";

const deployment = {
  metadata: {
    uid: "d1",
    annotations: {
      "deployment.kubernetes.io/revision": "10",
      "kubectl.kubernetes.io/last-applied-configuration": "{...}",
      "team/owner": "shop",
    },
  },
};

function rs(name: string, revision: string | null, owner = "d1", controller = true): JsonObject {
  const annotations: Record<string, string> =
    revision === null
      ? {}
      : { "deployment.kubernetes.io/revision": revision, "deployment.kubernetes.io/desired-replicas": "3", note: name };
  return {
    metadata: {
      name,
      annotations,
      ownerReferences: [{ kind: "Deployment", uid: owner, controller }],
    },
    spec: { template: { metadata: { labels: { app: "x", "pod-template-hash": `h-${name}` } }, spec: { containers: [] } } },
  };
}

describe("kubectl rollout undo, as pure functions", () => {
  it("picks the highest revision below the current one among the ReplicaSets the Deployment controls", () => {
    const sets = [
      rs("a", "2"),
      rs("b", "9"),
      rs("c", "10"),
      rs("d", "11"),
      rs("e", "9x"),
      rs("f", "8", "other"),
      rs("g", "9", "d1", false),
      rs("h", null),
    ];
    // Revisions compare as numbers: 9 beats 2 (and "9x" is no revision).
    assert.equal(previousReplicaSet(deployment, [...sets, rs("i", "3")]).revision, 9);
    assert.equal((previousReplicaSet(deployment, sets).replicaSet.metadata as JsonObject).name, "b");
    assert.throws(() => previousReplicaSet(deployment, [rs("c", "10"), rs("f", "8", "other")]), /no revision before 10 is left/);
    assert.throws(
      () => previousReplicaSet({ metadata: { uid: "d1" } }, sets),
      /has no deployment.kubernetes.io\/revision annotation/,
    );
  });

  it("drops the pod-template-hash label and computes annotations as kubectl does", () => {
    assert.deepEqual(templateToRestore(rs("b", "9")), { metadata: { labels: { app: "x" } }, spec: { containers: [] } });
    assert.deepEqual(annotationsAfterRollback(deployment, rs("b", "9")), {
      "kubectl.kubernetes.io/last-applied-configuration": "{...}",
      "deployment.kubernetes.io/revision": "10",
      note: "b",
    });
  });

  it("writes selectors as the labelSelector query", () => {
    assert.equal(
      selectorQuery({
        matchLabels: { tier: "web", app: "cart" },
        matchExpressions: [
          { key: "track", operator: "In", values: ["stable", "canary"] },
          { key: "env", operator: "NotIn", values: ["dev"] },
          { key: "owned", operator: "Exists" },
          { key: "legacy", operator: "DoesNotExist" },
        ],
      }),
      "app=cart,tier=web,track in (stable,canary),env notin (dev),owned,!legacy",
    );
    assert.throws(() => selectorQuery({}), /empty selector/);
    assert.throws(() => selectorQuery({ matchExpressions: [{ key: "a", operator: "Near" }] }), /unknown operator Near/);
  });

  it("builds a merge patch that replaces lists whole and deletes what the target lacks", () => {
    const from = {
      a: 1,
      gone: { x: 1 },
      keep: { same: true, changed: "old", extra: 1 },
      list: [{ name: "c", env: [1, 2] }],
      nulled: 3,
    };
    const to = { a: 1, keep: { same: true, changed: "new" }, list: [{ name: "c", env: [1] }], added: "yes", nulled: null };
    assert.deepEqual(mergePatchDiff(from, to), {
      gone: null,
      keep: { changed: "new", extra: null },
      list: [{ name: "c", env: [1] }],
      added: "yes",
      nulled: null,
    });
    assert.deepEqual(mergePatchDiff(to, to), {});
    // Key order is not a change.
    assert.deepEqual(mergePatchDiff({ o: { a: 1, b: [{ x: 1, y: 2 }] } }, { o: { b: [{ y: 2, x: 1 }], a: 1 } }), {});
  });
});
